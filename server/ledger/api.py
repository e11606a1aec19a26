"""Ledger API: the chart of accounts, journal entries, the period lock."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/api/v1")
