"""Finance API: cash desks and bank accounts, cash-flow categories, exchange rates, payments, allocations."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("finance", __name__, url_prefix="/api/v1")
