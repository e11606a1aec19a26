"""The organisation: companies, branches, departments, warehouses, users and their tokens."""
from __future__ import annotations

from flask import Flask

from .api import bp

DEPENDS = ("audit",)


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)
