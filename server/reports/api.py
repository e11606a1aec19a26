"""Reports API: trial balance, P&L, balance sheet, cash flow, aging, overdue list, payment calendar."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
