"""Sales API: payment terms, orders, invoices and bills, credit notes, the sales and purchase books."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sales", __name__, url_prefix="/api/v1")
