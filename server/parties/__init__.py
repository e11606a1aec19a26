"""Counterparties: clients and suppliers, their phones, emails, addresses, contacts and tags."""
from __future__ import annotations

from flask import Flask

from .api import bp

DEPENDS = ("org",)


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)
