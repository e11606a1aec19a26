"""The catalog: product categories, products and services, price lists and the pricing rule."""
from __future__ import annotations

from flask import Flask

from .api import bp
from .messages import MESSAGES

DEPENDS = ("parties", "currency")


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)


__all__ = ["DEPENDS", "MESSAGES", "register"]
