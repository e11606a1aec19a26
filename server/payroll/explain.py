"""How a payslip line was computed, as a sentence in the reader's language.

Lines store a message code and its figures (`{"code": "salary", "params": {...}}`), not text, so one
payslip reads in English, Khmer or Russian and the figures stay exact.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ..core.i18n import translate
from ..core.messages import MESSAGES
from ..documents.formats import format_date, format_number

NUMBER = re.compile(r"-?\d+(\.\d+)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _local(value: Any, language: str) -> Any:
    """A figure as the language writes it (ru "1 000,00", "01.04.2026"); English keeps the stored text."""
    if language == "en" or not isinstance(value, str):
        return value
    if DATE.fullmatch(value):
        return format_date(dt.date.fromisoformat(value), language, "short")
    if NUMBER.fullmatch(value):
        return format_number(Decimal(value), language)
    return value


def describe(explain: dict[str, Any], language: str) -> str:
    code = f"explain_{explain.get('code', '')}"
    params = {k: _local(v, language) for k, v in (explain.get("params") or {}).items()}
    if code not in MESSAGES:
        return ", ".join(f"{k} {v}" for k, v in params.items())
    return translate(code, language, **params)
