"""How payroll papers say things in the reader's language: this package's words, months."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ...core.i18n import catalog
from ...documents.words import khmer_digits
from .messages import MESSAGES

_MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    # Nominative: "за апрель 2026 г." reads right, months being masculine and inanimate.
    "ru": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split(),
    "km": "មករា កុម្ភៈ មីនា មេសា ឧសភា មិថុនា កក្កដា សីហា កញ្ញា តុលា វិច្ឆិកា ធ្នូ".split(),
}


def say(code: str, language: str, **params: Any) -> str:
    """One of this package's messages (papers/messages.py) in `language`, through the shared catalogs."""
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

