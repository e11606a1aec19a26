"""Orders, sales invoices and supplier bills, credit notes, number series and payment terms."""
from __future__ import annotations

from flask import Flask

from .api import bp
from .messages import MESSAGES

DEPENDS = ("catalog", "ledger")


def register(app: Flask) -> None:
    """Serve the package's routes."""
    for blueprint in (bp,):
        app.register_blueprint(blueprint)


__all__ = ["DEPENDS", "MESSAGES", "register"]
