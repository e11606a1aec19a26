"""The notation of a timesheet day cell, shared by payroll.xlsm and the timesheet file import.

`8` worked 8 h, `8+2` with 2 h overtime, `7,5` a decimal comma, `V` `S` `U` `A` `H` a code, `B` or `B8` a
business trip (with hours), `H+4` overtime on a day off, `W8` the same as `8`; a blank cell is no day.
Reading it is syntax only: whether a code exists, or 25 hours fit a day, is for the timesheet's rules to say.

It lives in `notation`, a package below both the server and the workbooks (neither may import the other):
Excel loads it on every Sync without the server (Flask, SQLAlchemy), and the server's timesheet import reads
files with it. It imports nothing but the standard library.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional

D = Decimal
ZERO = Decimal(0)
LANGUAGES = ("en", "km", "ru")

# A cell's reasons for the workbook's row status; the server has its own messages for the same codes.
MESSAGES = {
    "bad_day": ("«{value}» is not a day: write hours (8), hours+overtime (8+2) or a code (V S B U A H)",
                "«{value}» មិនមែនជាថ្ងៃទេ៖ សរសេរម៉ោង (8) ម៉ោង+ម៉ោងបន្ថែម (8+2) ឬកូដ (V S B U A H)",
                "«{value}» — не день: укажите часы (8), часы+сверхурочные (8+2) или код (V S B U A H)"),
    "w_hours": ("W needs the hours worked: write 8 (or W8)", "W ត្រូវការម៉ោងធ្វើការ៖ សរសេរ 8 (ឬ W8)",
                "Для W нужны часы: напишите 8 (или W8)"),
    "bad_units": ("«{value}» is not a number of units", "«{value}» មិនមែនជាចំនួនទេ", "«{value}» — не число штук"),
}
DAY = re.compile(r"([A-Za-z]|[А-ЯЁа-яё]{1,2})?\s*/?\s*(\d+(?:[.,]\d+)?)?\s*(?:\+\s*(\d+(?:[.,]\d+)?))?")
# The letter codes of the Russian unified timesheet (form Т-13) that 1C and time clocks export: "Я8", "Я/8",
# "ОТ", "Б", "РВ8" (work on a day off: its hours are overtime there).
T13 = {"Я": "W", "В": "H", "ОТ": "V", "ОД": "V", "Б": "S", "К": "B", "ДО": "U", "ОЗ": "U", "НН": "A", "ПР": "A",
       "РВ": "RV"}


class BadCell(ValueError):
    """A cell not written in the notation: `reason` is its code ("bad_day", "w_hours", "bad_units"), `params`
    what the message names; str() is the message in the language asked, for a row's status."""

    def __init__(self, reason: str, language: str, **params: Any) -> None:
        self.reason, self.params = reason, params
        super().__init__(MESSAGES[reason][LANGUAGES.index(language)].format(**params))


@dataclass(frozen=True)
class Day:
    code: str
    hours: Decimal = ZERO
    overtime: Decimal = ZERO


def plain(number: Decimal) -> str:
    """8.00 → "8", 7.50 → "7.5": a number as a person writes it."""
    return format(number.normalize(), "f") if number else "0"


def show_day(day: dict[str, Any]) -> str:
    """A day of the timesheet (code, hours, overtime_hours) in the notation."""
    code, hours, overtime = day["code"], D(day["hours"]), D(day["overtime_hours"])
    cell = plain(hours) if code == "W" else code + (plain(hours) if hours else "")
    return cell + (f"+{plain(overtime)}" if overtime else "")


def read_day(value: Any, language: str) -> Optional[Day]:
    """A cell (text, or the float Excel makes of "8") as a day; None when blank; BadCell when it is not one."""
    raw = cell_text(value)
    if raw is None:
        return None
    found = DAY.fullmatch(raw)
    if not found or not any(found.groups()):
        raise BadCell("bad_day", language, value=raw)
    letter, hours, overtime = found.groups()
    code = (letter or "W").upper()
    if not code.isascii():
        if code not in T13:
            raise BadCell("bad_day", language, value=raw)
        code = T13[code]
        if code == "RV":
            return Day("H", ZERO, D((hours or "0").replace(",", ".")) + D((overtime or "0").replace(",", ".")))
    if code == "W" and hours is None:
        raise BadCell("w_hours", language)
    return Day(code, D((hours or "0").replace(",", ".")), D((overtime or "0").replace(",", ".")))


def read_units(value: Any, language: str) -> Decimal:
    """Units made on a day (blank is none); BadCell when the cell is not a number, or is negative."""
    try:
        units = cell_decimal(value.replace(",", ".") if isinstance(value, str) else value)
    except (ArithmeticError, ValueError):
        raise BadCell("bad_units", language, value=cell_text(value)) from None
    if units is None:
        return ZERO
    if units < 0:
        raise BadCell("bad_units", language, value=cell_text(value))
    return units


# The two readings of a cell every workbook uses (workbook.sync re-exports them as text() and decimal());
# they live here so that the server's timesheet import reads cells the same way without loading the
# workbooks' Sync.

def cell_text(value: Any) -> Optional[str]:
    """A cell as text: Excel's float 85512345678.0 is "85512345678", blanks are None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        value = int(value) if value.is_integer() else Decimal(repr(value)).normalize()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    out = str(value).strip()
    return out or None


def cell_decimal(value: Any) -> Optional[Decimal]:
    """A cell as Decimal, through str() once (never float arithmetic); None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("a number was expected")
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value).strip().replace(",", "").replace("\u00a0", "").replace(" ", ""))
