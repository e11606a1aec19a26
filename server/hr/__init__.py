"""HR records: positions, employees, employment history, staff requests."""
from __future__ import annotations

from flask import Flask

from .api import bp
from .messages import MESSAGES

DEPENDS = ("finance",)


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)


__all__ = ["DEPENDS", "MESSAGES", "register"]
