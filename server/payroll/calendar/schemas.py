"""Input and output shapes of the production calendar API and the payroll settings."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from ...core.validation import DecimalText, Input, IsoDate, NumberText, Output, QueryInput, Text, Version
from .service import known_country

MAX_OVERRIDES = 1000


def _calendar_country(value: str) -> str:
    code = value.strip().upper()
    if not known_country(code):
        raise PydanticCustomError("unknown_country", "no holiday calendar for {country}", {"country": value})
    return code


# A country the `holidays` package has a calendar for (two letters: KH, RU, …).
CalendarCountry = Annotated[str, StringConstraints(max_length=100), AfterValidator(_calendar_country)]
# Hours and multipliers leave as decimal strings ("8", "7.5", "1.5"), never as JSON numbers.
Weekday = Annotated[int, Field(ge=1, le=7)]
OverrideKind = Literal["working", "short", "holiday", "weekend", "default"]


class PayrollCalendarQuery(QueryInput):
    country: Optional[CalendarCountry] = Field(default=None, description="Default: the company's calendar country.")
    year: Optional[int] = Field(default=None, ge=1900, le=2100, description="Default: this year.")


class PayrollCalendarDayIn(Input):
    date: IsoDate
    kind: OverrideKind = Field(description='"default" removes the company\'s override of the day.')
    hours: Optional[DecimalText] = Field(
        default=None, description="Norm hours of a working or shortened day (default 8 and 7); 0 or absent on days off.")
    name: Optional[Text(200)] = None  # type: ignore[valid-type]


class PayrollCalendarOverridesIn(Input):
    country: CalendarCountry
    days: list[PayrollCalendarDayIn] = Field(min_length=1, max_length=MAX_OVERRIDES)


class PayrollCalendarMonthOut(Output):
    month: str = Field(description="YYYY-MM")
    norm_days: int
    norm_hours: NumberText


class PayrollCalendarDayOut(Output):
    date: dt.date
    kind: str
    hours: NumberText
    name: str
    overridden: bool


class PayrollCalendarOut(Output):
    country: str
    year: int
    months: list[PayrollCalendarMonthOut]
    days: list[PayrollCalendarDayOut] = Field(
        description="Only the days that are not ordinary: holidays, shortened, overridden, working weekend days.")


class PayrollSettingsOut(Output):
    calendar_country: str
    weekend: list[int] = Field(description="ISO weekday numbers of the weekly days off (Monday = 1).")
    overtime_multiplier: NumberText
    version: Version


class PayrollSettingsPatch(Input):
    version: Version
    calendar_country: CalendarCountry = None  # type: ignore[assignment]
    weekend: list[Weekday] = Field(default=None, max_length=6)  # type: ignore[arg-type]
    overtime_multiplier: DecimalText = None  # type: ignore[assignment]
