"""Exchange rates API: rates by date, entered or imported from CSV; the currencies the company uses."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("rates", __name__, url_prefix="/api/v1")
