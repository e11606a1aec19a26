"""Input and output shapes of the payroll API: timesheets, pay items, payroll runs and payslips."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

from pydantic import BeforeValidator, Field

from ..core.validation import (
    DecimalText, Id, Input, IsoDate, LongText, MoneyText, NonNegativeAmount, Output, PositiveAmount, PageQuery, QueryInput, Text,
    Version,
)
from ..parties.names import NameRef
from .models import ABSENCE_CODES

RunStatus = Literal["draft", "calculated", "approved", "posted", "paid"]
RunKind = Literal["regular", "adjustment"]
DayCode = Literal["W", "V", "S", "B", "U", "A", "H"]
MAX_TIMESHEET_DAYS = 50_000


def _period(value: Any) -> dt.date:
    """A month as "2026-03" (or any date in it, "2026-03-15"): its first day."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value.strip()):
        raise ValueError("a month as YYYY-MM")
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text if len(text) == 10 else text + "-01")
    except ValueError as exc:
        raise ValueError("a month as YYYY-MM") from exc
    if not 2000 <= day.year <= 2100:
        raise ValueError("a month between 2000 and 2100")
    return day.replace(day=1)


Period = Annotated[dt.date, BeforeValidator(_period)]
Hours = Annotated[DecimalText, Field(ge=0, le=24, decimal_places=2)]


# --- timesheets -------------------------------------------------------------------------------

class TimesheetQuery(QueryInput):
    period: Period
    branch_id: Optional[Id] = None
    employee_id: Optional[Id] = None


class TimesheetDayIn(Input):
    employee_id: Id
    date: IsoDate
    # Absent: keep the entered code (W for a new day). "clear": true drops the entered day (back to the calendar).
    code: Optional[DayCode] = None
    hours: Optional[Hours] = None
    overtime_hours: Optional[Hours] = None
    units: Optional[NonNegativeAmount] = None
    clear: bool = False


class TimesheetIn(Input):
    days: list[TimesheetDayIn] = Field(min_length=1, max_length=MAX_TIMESHEET_DAYS)
    # "import" when the rows come from a file or a workbook; "manual" otherwise.
    source: Literal["manual", "import"] = "manual"


class DayOut(Output):
    date: dt.date
    code: str
    hours: Decimal
    overtime_hours: Decimal
    units: Decimal
    source: str


class TimesheetRowOut(Output):
    employee_id: int
    number: str
    full_name: str
    hours_per_day: Decimal
    days: list[DayOut]
    worked_days: int
    worked_hours: Decimal
    overtime_hours: Decimal
    units: Decimal
    posted_run: Optional[str] = None


class CalendarDayOut(Output):
    date: dt.date
    kind: str
    hours: Decimal
    name: str


class TimesheetOut(Output):
    period: str
    norm_days: int
    norm_hours: Decimal
    calendar: list[CalendarDayOut]
    employees: list[TimesheetRowOut]
    codes: list[str] = list(ABSENCE_CODES)


class TimesheetSaved(Output):
    saved: int
    cleared: int


# --- pay items --------------------------------------------------------------------------------

class PayItemIn(Input):
    employee_id: Id
    kind: Literal["earning", "deduction"]
    name: Text(200, 1)  # type: ignore[valid-type]
    amount: PositiveAmount
    taxable: bool = True
    period_from: Period
    # Absent: every month from period_from on; equal to period_from: once.
    period_to: Optional[Period] = None
    run_id: Optional[Id] = None


class PayItemPatch(Input):
    version: Version
    name: Text(200, 1) = None  # type: ignore[valid-type]
    amount: PositiveAmount = None  # type: ignore[assignment]
    taxable: bool = None  # type: ignore[assignment]
    period_to: Optional[Period] = None


class PayItemOut(Output):
    id: int
    version: int
    employee_id: int
    kind: str
    name: str
    amount: MoneyText
    taxable: bool
    period_from: dt.date
    period_to: Optional[dt.date]
    run_id: Optional[int]
    archived_at: Optional[dt.datetime]


class PayItemList(Output):
    items: list[PayItemOut]


class PayItemQuery(PageQuery):
    employee_id: Optional[Id] = None
    period: Optional[Period] = None
    include_archived: bool = False


# --- runs -------------------------------------------------------------------------------------

class RunIn(Input):
    period: Period
    branch_id: Id
    kind: RunKind = "regular"
    # adjustment runs: the posted regular run of the same period and branch they correct.
    adjusts_run_id: Optional[Id] = None
    memo: Optional[LongText(2000)] = None  # type: ignore[valid-type]


class RunAction(Input):
    version: Version


class RunPay(Input):
    version: Version
    cash_account_id: Id
    date: IsoDate


class RunQuery(PageQuery):
    period: Optional[Period] = None
    branch_id: Optional[Id] = None
    status: Optional[RunStatus] = None


class RunOut(Output):
    id: int
    version: int
    number: str
    branch_id: int
    branch: Optional[NameRef] = None
    period: dt.date
    kind: str
    adjusts_run_id: Optional[int]
    status: str
    currency: str
    memo: Optional[str]
    employees: int
    gross: MoneyText
    deductions: MoneyText
    net: MoneyText
    contributions: MoneyText
    calculated_at: Optional[dt.datetime]
    approved_at: Optional[dt.datetime]
    approved_by: Optional[int]
    posted_at: Optional[dt.datetime]
    entry_id: Optional[int]
    paid_at: Optional[dt.datetime]
    payment_id: Optional[int]


class RunList(Output):
    items: list[RunOut]


class LineOut(Output):
    kind: str
    code: str
    name: str
    amount: MoneyText
    base: Optional[MoneyText]
    explain: dict[str, Any]
    explanation: str


class PayslipOut(Output):
    id: int
    run_id: int
    employee_id: int
    number: str
    full_name: str
    department_id: Optional[int]
    position_id: Optional[int]
    norm_days: int
    norm_hours: Decimal
    worked_days: int
    worked_hours: Decimal
    gross: MoneyText
    deductions: MoneyText
    net: MoneyText
    contributions: MoneyText
    lines: list[LineOut]


class RunView(RunOut):
    payslips: list[PayslipOut]
    # One column per earning/deduction/contribution code of the run, in the order a register shows them.
    columns: list[dict[str, str]]
