"""Numbers, money, percents and dates as the pre-formatted strings a document template shows.

Conventions
-----------
Numbers: en and km group thousands with "," and use "." for decimals, in Latin digits
    ("1,234.56"): Cambodian invoices print amounts that way (tax and bank figures are Latin), and
    khmer_digits() is there for a template that wants ០–៩. ru groups with a NO-BREAK SPACE and
    uses a decimal comma ("1 234,56"), so a Word line never breaks inside a number.
Amounts are rounded half up to the currency's minor units (KHR and VND have none: "50,000");
    quantities and percents keep their own digits without trailing zeros ("2.5", not "2.500").
Money is the amount, a NO-BREAK SPACE and the ISO code, in every language ("1,234.56 USD",
    "1 234,56 RUB", "50,000 KHR"): a code is unambiguous where "$" or "៛" are not, and
    dual-currency Cambodian invoices print codes anyway.
Percents: en and km "7.5%"; ru "7,5 %" with a NO-BREAK SPACE, the Russian typographic rule
    (ГОСТ 8.417 treats % as a unit, spaced from the number).
Dates: en "28 November 2026" / "28 Nov 2026"; ru "28 ноября 2026 г." (genitive month, no-break
    space before "г.") / "28.11.2026"; km "ថ្ងៃទី២៨ ខែវិច្ឆិកា ឆ្នាំ២០២៦" / "២៨/១១/២០២៦",
    in Khmer digits as Khmer letters and contracts date themselves.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..core.money import currency
from .words import check_language, khmer_digits

NBSP = "\u00a0"
# Python formats "1,234.56"; Russian wants the group and decimal marks swapped for NBSP and comma.
_MARKS = {"en": {}, "km": {}, "ru": str.maketrans({",": NBSP, ".": ","})}

_EN_MONTHS = ("January February March April May June July August September October November "
              "December").split()
_RU_MONTHS = ("января февраля марта апреля мая июня июля августа сентября октября ноября "
              "декабря").split()
_KM_MONTHS = "មករា កុម្ភៈ មីនា មេសា ឧសភា មិថុនា កក្កដា សីហា កញ្ញា តុលា វិច្ឆិកា ធ្នូ".split()

_DATES = {
    "en": {"long": lambda d: f"{d.day} {_EN_MONTHS[d.month - 1]} {d.year}",
           "short": lambda d: f"{d.day} {_EN_MONTHS[d.month - 1][:3]} {d.year}"},
    "ru": {"long": lambda d: f"{d.day} {_RU_MONTHS[d.month - 1]} {d.year}{NBSP}г.",
           "short": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year:04d}"},
    "km": {"long": lambda d: khmer_digits(f"ថ្ងៃទី{d.day} ខែ{_KM_MONTHS[d.month - 1]} ឆ្នាំ{d.year}"),
           "short": lambda d: khmer_digits(f"{d.day:02d}/{d.month:02d}/{d.year:04d}")},
}


def _finite(value: Decimal) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"cannot format {value!r}: a finite Decimal only")
    return value


def _number(value: Decimal, language: str) -> str:
    """A Decimal with its digits as they are, grouped by thousands in the language's marks."""
    check_language(language)
    # A negative amount that rounds to zero must not print as "-0.00".
    if value.is_zero():
        value = abs(value)
    return format(value, ",f").translate(_MARKS[language])


def format_number(value: Decimal, language: str) -> str:
    """A Decimal with its digits as they are (no rounding), in the language's marks: "1000.50" → ru "1 000,50"."""
    return _number(_finite(value), language)


def format_amount(amount: Decimal, currency_code: str, language: str) -> str:
    """The amount rounded half up to the currency's minor units, grouped: "1,234.56", "1 234,56"."""
    return _number(currency(currency_code).round(_finite(amount)), language)


def format_money(amount: Decimal, currency_code: str, language: str) -> str:
    """The amount and its ISO code after a no-break space: "1,234.56 USD", "50,000 KHR"."""
    return f"{format_amount(amount, currency_code, language)}{NBSP}{currency_code}"


def format_quantity(qty: Decimal, language: str) -> str:
    """A quantity without trailing zeros, grouped like amounts: "2", "2.5", ru "2,5"."""
    return _number(_finite(qty).normalize(), language)


def format_percent(p: Decimal, language: str) -> str:
    """A percentage without trailing zeros: "10%", "7.5%", ru "7,5 %" with a no-break space."""
    number = format_quantity(p, language)
    return f"{number}{NBSP}%" if language == "ru" else f"{number}%"


def format_date(d: dt.date, language: str, style: str = "long") -> str:
    """A date in words ("long") or compact ("short") as documents in the language write it."""
    check_language(language)
    if style not in ("long", "short"):
        raise ValueError(f"unknown date style {style!r}; expected long or short")
    return _DATES[language][style](d)
