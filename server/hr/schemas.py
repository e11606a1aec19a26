"""Input and output shapes of the HR API: positions, employees, employment events, staff requests."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, EmailStr, Field
from pydantic_core import PydanticCustomError

from ..core.validation import (
    CurrencyCode, DecimalText, Id, Input, IsoDate, Language, LongText, MoneyText, NonNegativeAmount, Output,
    Percent, PositiveAmount, PageQuery, page_limit, Text, Version,
)
from ..parties.names import NameRef

EventKind = Literal["transfer", "rate_change", "leave", "return", "dismissal"]
RequestKind = Literal["vacation", "sick_leave", "unpaid_leave", "overtime", "advance", "expense", "purchase"]
RequestStatus = Literal["pending", "approved", "rejected", "cancelled", "paid"]
EmployeeStatus = Literal["active", "dismissed", "all"]


def _hours_per_day(value: Decimal) -> Decimal:
    if value <= 0:
        raise PydanticCustomError("must_be_positive", "must be greater than zero")
    if value > 24:
        raise PydanticCustomError("too_large", "must be at most {max}", {"max": 24})
    return value


def _at_most_places(places: int) -> AfterValidator:
    quantum = Decimal(1).scaleb(-places)

    def check(value: Decimal) -> Decimal:
        if value != value.quantize(quantum):
            raise PydanticCustomError("decimal_places_exceeded", "at most {places} decimal places", {"places": places})
        return value

    return AfterValidator(check)


def _at_most(limit: Decimal) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        if value > limit:
            raise PydanticCustomError("too_large", "must be at most {max}", {"max": str(limit)})
        return value

    return AfterValidator(check)


# Keeps every figure inside its column (Money: 20 digits, 4 places; SQLite stores it as a scaled 64-bit integer).
MAX_AMOUNT = Decimal("9999999999999.99")
# Pay and request amounts: at most 2 places here; the service narrows that to the currency's own (0 for KHR).
PayAmount = Annotated[NonNegativeAmount, _at_most_places(2), _at_most(MAX_AMOUNT)]
RequestAmount = Annotated[PositiveAmount, _at_most_places(2), _at_most(MAX_AMOUNT)]
# A working day's norm: more than nothing, at most the day itself.
HoursPerDay = Annotated[DecimalText, AfterValidator(_hours_per_day), _at_most_places(2)]
OvertimeHours = Annotated[PositiveAmount, _at_most_places(2), _at_most(Decimal("99999.99"))]
CommissionPercent = Annotated[Percent, _at_most_places(4)]


# --- positions ---------------------------------------------------------------------------------

class PositionNames(Input):
    km: Optional[Text(200)] = None  # type: ignore[valid-type]
    ru: Optional[Text(200)] = None  # type: ignore[valid-type]


class PositionIn(Input):
    name: Text(200, 1)  # type: ignore[valid-type]
    names: PositionNames = Field(default_factory=PositionNames)


class PositionPatch(Input):
    version: Version
    name: Text(200, 1) = None  # type: ignore[valid-type]
    names: PositionNames = None  # type: ignore[assignment]


class PositionOut(Output):
    id: int
    name: str
    names: dict[str, Optional[str]]
    archived_at: Optional[dt.datetime]
    version: Version


class PositionList(Output):
    items: list[PositionOut]


class ListQuery(PageQuery):
    include_archived: bool = False


# --- employees ---------------------------------------------------------------------------------

class _Personal(Input):
    """What describes the person (changes in place, logged)."""

    full_name: Text(200, 1)  # type: ignore[valid-type]
    user_id: Optional[Id] = None
    tax_id: Optional[Text(40)] = None  # type: ignore[valid-type]
    social_id: Optional[Text(40)] = None  # type: ignore[valid-type]
    birth_date: Optional[IsoDate] = None
    phone: Optional[Text(40)] = None  # type: ignore[valid-type]
    email: Optional[EmailStr] = Field(default=None, max_length=254)
    bank_account: Optional[Text(60)] = None  # type: ignore[valid-type]
    language: Optional[Language] = None
    dependants: int = Field(default=0, ge=0, le=50)


class EmployeeIn(_Personal):
    """A new employee: personal details and the terms of the hire (its first employment event)."""

    number: Optional[Text(20, 1)] = Field(  # type: ignore[valid-type]
        default=None, description='Staff number; the next of the company\'s "E00001" series when omitted.')
    branch_id: Id
    department_id: Optional[Id] = None
    position_id: Optional[Id] = None
    hours_per_day: HoursPerDay = Decimal(8)  # type: ignore[valid-type]
    salary: PayAmount = Decimal(0)
    hourly_rate: PayAmount = Decimal(0)
    piece_rate: PayAmount = Decimal(0)
    commission_percent: CommissionPercent = Decimal(0)
    hired_on: IsoDate
    reason: Optional[Text(500)] = None  # type: ignore[valid-type]


# Employment columns change through events only; a PATCH naming one is refused with use_employment_event.
EMPLOYMENT_FIELDS = ("branch_id", "department_id", "position_id", "hours_per_day", "salary", "hourly_rate",
                     "piece_rate", "commission_percent", "hired_on", "dismissed_on", "status")
_REFUSED = "Not changed here: employment terms change through POST /api/v1/employees/{id}/events."


class EmployeePatch(Input):
    """Personal details only. Employment fields are accepted by the shape and refused by the rule, naming the field."""

    version: Version
    number: Text(20, 1) = None  # type: ignore[valid-type]
    full_name: Text(200, 1) = None  # type: ignore[valid-type]
    user_id: Optional[Id] = None
    tax_id: Optional[Text(40)] = None  # type: ignore[valid-type]
    social_id: Optional[Text(40)] = None  # type: ignore[valid-type]
    birth_date: Optional[IsoDate] = None
    phone: Optional[Text(40)] = None  # type: ignore[valid-type]
    email: Optional[EmailStr] = Field(default=None, max_length=254)
    bank_account: Optional[Text(60)] = None  # type: ignore[valid-type]
    language: Optional[Language] = None
    dependants: int = Field(default=None, ge=0, le=50)  # type: ignore[assignment]
    branch_id: Any = Field(default=None, description=_REFUSED)
    department_id: Any = Field(default=None, description=_REFUSED)
    position_id: Any = Field(default=None, description=_REFUSED)
    hours_per_day: Any = Field(default=None, description=_REFUSED)
    salary: Any = Field(default=None, description=_REFUSED)
    hourly_rate: Any = Field(default=None, description=_REFUSED)
    piece_rate: Any = Field(default=None, description=_REFUSED)
    commission_percent: Any = Field(default=None, description=_REFUSED)
    hired_on: Any = Field(default=None, description=_REFUSED)
    dismissed_on: Any = Field(default=None, description=_REFUSED)
    status: Any = Field(default=None, description=_REFUSED)


class EmployeeOut(Output):
    id: int
    number: str
    full_name: str
    user_id: Optional[int]
    tax_id: Optional[str]
    social_id: Optional[str]
    birth_date: Optional[dt.date]
    phone: Optional[str]
    email: Optional[str]
    bank_account: Optional[str]
    language: Optional[str]
    dependants: int
    status: str
    branch_id: int
    branch: Optional[NameRef] = None
    department_id: Optional[int]
    position_id: Optional[int]
    hours_per_day: MoneyText
    salary: MoneyText
    hourly_rate: MoneyText
    piece_rate: MoneyText
    commission_percent: MoneyText
    hired_on: dt.date
    dismissed_on: Optional[dt.date]
    created_at: dt.datetime
    version: Version


class EventOut(Output):
    id: int
    employee_id: int
    kind: str
    date: dt.date
    end_date: Optional[dt.date]
    branch_id: int
    department_id: Optional[int]
    position_id: Optional[int]
    hours_per_day: MoneyText
    salary: MoneyText
    hourly_rate: MoneyText
    piece_rate: MoneyText
    commission_percent: MoneyText
    reason: Optional[str]
    created_at: dt.datetime
    created_by: Optional[int]
    cancelled: bool = Field(description="True when the event was cancelled; it then counts for nothing.")
    cancelled_at: Optional[dt.datetime]
    cancelled_by: Optional[int]


class EmployeeView(EmployeeOut):
    events: list[EventOut] = Field(description="The employment history, oldest first, cancelled events included.")


class EmployeePage(Output):
    items: list[EmployeeOut]
    total: int


class EmployeeQuery(PageQuery):
    q: Optional[Text(200)] = Field(  # type: ignore[valid-type]
        default=None, description="Part of the name or staff number.")
    branch_id: Optional[Id] = None
    department_id: Optional[Id] = None
    status: EmployeeStatus = "active"
    limit: int = page_limit(100)  # type: ignore[assignment]


class EventIn(Input):
    """A dated employment fact. Terms not given are copied from those in force on `date`."""

    version: Version = Field(description="The employee's current version.")
    kind: EventKind
    date: IsoDate
    end_date: Optional[IsoDate] = Field(default=None, description="Leave only: its last day (inclusive).")
    branch_id: Optional[Id] = None
    department_id: Optional[Id] = None
    position_id: Optional[Id] = None
    hours_per_day: Optional[HoursPerDay] = None  # type: ignore[valid-type]
    salary: Optional[PayAmount] = None
    hourly_rate: Optional[PayAmount] = None
    piece_rate: Optional[PayAmount] = None
    commission_percent: Optional[CommissionPercent] = None
    reason: Optional[Text(500)] = None  # type: ignore[valid-type]


class CancelIn(Input):
    version: Version


# --- staff requests ----------------------------------------------------------------------------

class StaffRequestIn(Input):
    employee_id: Id
    kind: RequestKind
    date_from: IsoDate
    date_to: IsoDate
    hours: Optional[OvertimeHours] = Field(default=None, description="Overtime only (required): hours in the period.")
    amount: Optional[RequestAmount] = Field(default=None, description="Advance, expense, purchase only (required).")
    currency: Optional[CurrencyCode] = Field(default=None, description="Of the amount; the base currency when omitted.")
    reason: Optional[LongText(2000)] = None  # type: ignore[valid-type]


class StaffRequestDecisionIn(Input):
    version: Version
    note: Optional[Text(500)] = None  # type: ignore[valid-type]


class PayRequestIn(Input):
    version: Version
    cash_account_id: Id
    date: IsoDate


class StaffRequestOut(Output):
    id: int
    employee_id: int
    kind: str
    date_from: dt.date
    date_to: dt.date
    hours: Optional[MoneyText]
    amount: Optional[MoneyText]
    currency: Optional[str]
    reason: Optional[str]
    status: str
    requested_by: Optional[int]
    decided_by: Optional[int]
    decided_at: Optional[dt.datetime]
    decision_note: Optional[str]
    payment_id: Optional[int]
    created_at: dt.datetime
    version: Version


class StaffRequestPage(Output):
    items: list[StaffRequestOut]
    total: int


class StaffRequestQuery(PageQuery):
    status: Optional[RequestStatus] = None
    kind: Optional[RequestKind] = None
    employee_id: Optional[Id] = None
    date_from: Optional[IsoDate] = Field(default=None, description="Requests ending on or after this day.")
    date_to: Optional[IsoDate] = Field(default=None, description="Requests starting on or before this day.")
    limit: int = page_limit(100)  # type: ignore[assignment]
