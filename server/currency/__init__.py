"""Currencies and exchange rates: the rate on a date, conversion, entry and import, their API and shapes."""
from __future__ import annotations

from flask import Flask

from .api import bp

DEPENDS = ("org",)


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)
