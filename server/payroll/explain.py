"""How a payslip line was computed, as a sentence in the reader's language.

Lines store a message code and its figures (`{"code": "salary", "params": {...}}`), not text, so one
payslip reads in English, Khmer or Russian and the figures stay exact.
"""
from __future__ import annotations

from typing import Any

from ..core.i18n import translate
from ..core.messages import MESSAGES


def describe(explain: dict[str, Any], language: str) -> str:
    code = f"explain_{explain.get('code', '')}"
    params = dict(explain.get("params") or {})
    if code not in MESSAGES:
        return ", ".join(f"{k} {v}" for k, v in params.items())
    return translate(code, language, **params)
