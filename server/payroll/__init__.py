"""Payroll: production calendar, tax rules, pay items, timesheets, payroll runs and payslips."""
from __future__ import annotations

from flask import Flask

from .api import bp
from .calendar.api import bp as calendar_bp
from .papers.api import bp as papers_bp
from .rules.api import bp as rules_bp
from .timesheet_import.api import bp as timesheet_import_bp
from .messages import MESSAGES

DEPENDS = ("hr", "imports", "reports", "documents")


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp, calendar_bp, papers_bp, rules_bp, timesheet_import_bp):
        app.register_blueprint(blueprint)


__all__ = ["DEPENDS", "MESSAGES", "register"]
