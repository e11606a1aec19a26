"""Setting up a new company: the company, its owner, its chart of accounts (above org and ledger)."""
from __future__ import annotations

from flask import Flask

DEPENDS = ("org", "ledger")


def register(app: Flask) -> None:
    """Nothing to serve: the package is used by the command line and the demo."""
