"""Figures for spreadsheet formulas: a whole column of clients or prices answered in one request."""
from __future__ import annotations

from flask import Flask

from .api import bp

DEPENDS = ("reports",)


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)
