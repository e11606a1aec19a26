"""Catalog API: categories, products, price lists and rules, the price of a SKU for a client."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/api/v1")
