"""Payroll: production calendar, tax rules, pay items, timesheets, payroll runs and payslips."""
from __future__ import annotations

from flask import Flask

from .api import bp
from .calendar_api import bp as calendar_bp
from .documents_api import bp as documents_bp
from .rules_api import bp as rules_bp
from .timesheet_import_api import bp as timesheet_import_bp
from .messages import MESSAGES

DEPENDS = ("hr", "imports", "reports", "documents")


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp, calendar_bp, documents_bp, rules_bp, timesheet_import_bp):
        app.register_blueprint(blueprint)


__all__ = ["DEPENDS", "MESSAGES", "register"]
