"""The operations log (every change, append-only) and idempotency records."""
from __future__ import annotations

from flask import Flask

from .api import bp

DEPENDS = ("routes",)


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)
