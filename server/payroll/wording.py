"""How payroll papers name things in the reader's language: the package's words, months, payslip lines."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.i18n import catalog
from ..documents.words import khmer_digits
from .documents_messages import MESSAGES
from .models import TaxRule

_MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    # Nominative: "за апрель 2026 г." reads right, months being masculine and inanimate.
    "ru": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split(),
    "km": "មករា កុម្ភៈ មីនា មេសា ឧសភា មិថុនា កក្កដា សីហា កញ្ញា តុលា វិច្ឆិកា ធ្នូ".split(),
}

# Lines computed by payroll itself (payroll.compute) carry a fixed code and an English name; fixed items
# keep the name a person typed, and taxes the name of their rule.
STANDARD_LINES = frozenset({"salary", "paid_leave", "hourly", "overtime", "piece", "commission", "advance"})


def say(code: str, language: str, **params: Any) -> str:
    """One of this package's messages (documents_messages) in `language`, through the shared catalogs."""
    english = MESSAGES[code]
    return catalog(language).get(english, english).format(**params)


def month_text(period: dt.date, language: str) -> str:
    """The month as a heading writes it: "April 2026", "апрель 2026 г.", "ខែមេសា ឆ្នាំ២០២៦"."""
    name = _MONTHS[language][period.month - 1]
    if language == "ru":
        return f"{name} {period.year}\u00a0г."
    if language == "km":
        return khmer_digits(f"ខែ{name} ឆ្នាំ{period.year}")
    return f"{name} {period.year}"


def rules_by_code(session: Session, company_id: int) -> dict[str, TaxRule]:
    """The company's tax rules (archived too: an old payslip still names them) by code."""
    return {r.code: r for r in session.scalars(select(TaxRule).where(TaxRule.company_id == company_id))}


def line_name(kind: str, code: str, name: str, language: str, rules: Mapping[str, TaxRule]) -> str:
    """A payslip line's name in `language`: a tax by its rule's name there, a computed line by its code."""
    rule = rules.get(code)
    if rule is not None and kind != "earning":
        # English is the name the line was computed under; a rule renamed since does not rename it.
        return name if language == "en" else str((rule.names or {}).get(language) or name)
    if code in STANDARD_LINES:
        return say(f"payslip_line_{code}", language)
    return name
