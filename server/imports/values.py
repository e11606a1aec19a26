"""Cell values as people type them → text, Decimal, date: local number formats, Khmer digits, month names."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

# Khmer digits ០-៩ → ASCII; also Arabic-Indic, which pasted text sometimes carries.
DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SPACES = re.compile(r"\s+")
# Thousands separators people use: spaces (also no-break and narrow no-break), apostrophes.
_GROUPING = re.compile(r"[\s\u00a0\u202f\u2009'’]")
_CURRENCY = re.compile(r"(?i)(us\$|\$|usd|khr|riels?|рублей|рубля|рубль|руб\.?|р\.|₽|rub|៛|រៀល|ដុល្លារ|€|eur)")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)*)?([.,]\d+)?")


class ValueProblem(ValueError):
    """A cell that cannot be read as the field's type; `code` and `params` name why."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def text(value: Any) -> str | None:
    """A cell as text: spaces folded; numbers without a spurious ".0"; None for empty."""
    if value.__class__ is str:  # most cells: checked first
        out = " ".join(value.split())
        return out or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    # str.split() without arguments splits on every Unicode space, as \s does, at C speed.
    out = " ".join(str(value).split())
    return out or None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def quote(value: str, limit: int = 80) -> str:
    """A typed value as a message quotes it: control characters shown as codes (a NUL or an escape
    sequence must not reach a report or a terminal), and cut at `limit` characters."""
    out = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return out if len(out) <= limit else out[:limit - 1] + "…"


def digits_text(value: Any) -> str | None:
    """Text for identifiers (phones, tax ids, barcodes): a number cell loses its float form,
    Khmer digits become ASCII."""
    out = text(value)
    return out.translate(DIGITS) if out else out


def decimal(value: Any, *, decimal_comma: bool = False) -> Decimal | None:
    """A number in any usual local form: 1 234,56 · 1,234.56 · 1.234,56 · (12.50) · 12.50- · ៛១២៣.

    `decimal_comma` settles the one ambiguous case, "1,234" (one comma, three digits after):
    a thousands separator in English, a decimal comma in Russian.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueProblem("not_a_number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueProblem("not_a_number")
        if value.is_integer() and abs(value) < 1e16:
            return Decimal(int(value))
        # Excel shows (and means) 15 significant digits: a price a formula computed as
        # 12.100000000000001 is 12.1, and 0.1 is not 0.1000000000000000055.
        return Decimal(format(value, ".15g"))
    if isinstance(value, Decimal):
        return value
    raw = str(value).translate(DIGITS).strip()
    if not raw:
        return None
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    raw = _CURRENCY.sub("", raw).strip()
    if raw.endswith("-"):
        negative, raw = not negative, raw[:-1].strip()
    if raw.startswith(("−", "–")):  # minus sign and en dash as typed or pasted
        raw = "-" + raw[1:]
    raw = _GROUPING.sub("", raw)
    if not raw or not _NUMBER.fullmatch(raw) or not any(c.isdigit() for c in raw):
        raise ValueProblem("not_a_number")
    sign = ""
    if raw[0] in "+-":
        sign, raw = ("-" if raw[0] == "-" else ""), raw[1:]
    commas, dots = raw.count(","), raw.count(".")
    if commas and dots:
        # The later one is the decimal mark: 1.234,56 or 1,234.56.
        mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        other = "." if mark == "," else ","
        if raw.count(mark) > 1:
            raise ValueProblem("not_a_number")
        raw = raw.replace(other, "").replace(mark, ".")
    elif commas or dots:
        mark = "," if commas else "."
        parts = raw.split(mark)
        grouped = len(parts) > 1 and all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3
        if len(parts) > 2:
            if not grouped:
                raise ValueProblem("not_a_number")
            raw = "".join(parts)  # 1,234,567 or 1.234.567
        elif grouped and (mark == "," and not decimal_comma or mark == "." and decimal_comma):
            raw = "".join(parts)  # "1,234" in English, "1.234" in Russian: thousands
        else:
            raw = ".".join(parts)
    try:
        number = Decimal(sign + raw)
    except InvalidOperation:
        raise ValueProblem("not_a_number") from None
    return -number if negative else number


# Month names (and their usual short forms) in English, Russian (nominative and genitive) and Khmer.
_MONTHS: dict[str, int] = {}
for _n, _names in enumerate((
    "january jan январь января янв មករា",
    "february feb февраль февраля фев កុម្ភៈ",
    "march mar март марта мар មីនា",
    "april apr апрель апреля апр មេសា",
    "may май мая ឧសភា",
    "june jun июнь июня июн មិថុនា",
    "july jul июль июля июл កក្កដា",
    "august aug август августа авг សីហា",
    "september sep sept сентябрь сентября сен сент កញ្ញា",
    "october oct октябрь октября окт តុលា",
    "november nov ноябрь ноября ноя нояб វិច្ឆិកា",
    "december dec декабрь декабря дек ធ្នូ",
), start=1):
    for _name in _names.split():
        _MONTHS[_name] = _n

_ISO = re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_NUMERIC = re.compile(r"(\d{1,2})[-./](\d{1,2})[-./](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
_WORDY = re.compile(r"(?:(\d{1,2})\s*([^\d\s,.]+)\.?,?\s*(\d{4})|([^\d\s,.]+)\.?\s*(\d{1,2}),?\s*(\d{4}))\s*(?:г\.?|года)?")
# Excel's day 1 is 1900-01-01, and it believes 1900 had a 29 February: serials count from 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def date(value: Any, *, order: str = "DMY") -> dt.date | None:
    """A date cell or a date typed in any usual form; `order` (DMY or MDY) reads 03/04/2026."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem("not_a_date")
    if isinstance(value, (int, float)):
        # A date cell that lost its format arrives as Excel's serial number.
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueProblem("not_a_date")
    raw = _SPACES.sub(" ", str(value).translate(DIGITS)).strip().casefold()
    if not raw:
        return None
    try:
        if m := _ISO.fullmatch(raw):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.fullmatch(raw):
            a, b, year = int(m[1]), int(m[2]), int(m[3])
            year += 2000 if year < 100 else 0
            day, month = (b, a) if order == "MDY" else (a, b)
            if month > 12 and day <= 12:
                day, month = month, day  # 28/11 can only be the 28th, whatever the order
            return dt.date(year, month, day)
        if m := _WORDY.fullmatch(raw):
            day_text, month_text, year_text = (m[1], m[2], m[3]) if m[1] else (m[5], m[4], m[6])
            month = _MONTHS.get(month_text.rstrip("."))
            if month:
                return dt.date(int(year_text), month, int(day_text))
    except ValueError:
        raise ValueProblem("not_a_date") from None
    raise ValueProblem("not_a_date")


_TRUE = {"yes", "y", "true", "1", "x", "да", "д", "+", "បាទ", "ចាស", "មាន", "✓", "✔"}
_FALSE = {"no", "n", "false", "0", "нет", "н", "-", "ទេ", "គ្មាន"}


def boolean(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    raw = str(text(value) or "").casefold()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueProblem("not_a_boolean")
