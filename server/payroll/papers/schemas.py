"""Query parameters of payslip documents and payroll reports, and the shapes of the reports' JSON answers."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import Field

from ...core.validation import Id, Language, NumberText, Output, QueryInput, RoundedMoney
from ..schemas import Period

Money = RoundedMoney  # rounded to the currency's places by the service


class PayslipDocumentQuery(QueryInput):
    # Absent: the employee's own language, else the company's.
    language: Optional[Language] = None
    format: Literal["docx", "pdf"] = "docx"


class RegisterQuery(QueryInput):
    """One run (`run_id`), or every run of a month (`period`, optionally of one branch)."""

    run_id: Optional[Id] = None
    period: Optional[Period] = None
    branch_id: Optional[Id] = None
    format: Literal["json", "xlsx"] = "json"


class CostQuery(QueryInput):
    """Months `from`–`to` (YYYY-MM; default: January of `to`'s year to the current month), optionally one branch."""

    from_: Optional[Period] = Field(default=None, alias="from")
    to: Optional[Period] = None
    branch_id: Optional[Id] = None
    format: Literal["json", "xlsx"] = "json"


class RunRef(Output):
    id: int
    number: str
    kind: str
    status: str
    period: dt.date
    branch_id: int


class RegisterColumn(Output):
    kind: str
    code: str
    name: str


class RegisterRow(Output):
    run_id: int
    run_number: str
    employee_id: int
    number: str
    full_name: str
    department: str
    position: str
    worked_days: int
    worked_hours: NumberText  # hours as entered, without the column's trailing zeros: 152, 7.5
    amounts: list[Money]
    gross: Money
    deductions: Money
    net: Money
    contributions: Money


class RegisterTotals(Output):
    employees: int
    amounts: list[Money]
    gross: Money
    deductions: Money
    net: Money
    contributions: Money


class RegisterOut(Output):
    currency: str
    runs: list[RunRef]
    columns: list[RegisterColumn]
    rows: list[RegisterRow]
    totals: RegisterTotals


class CostRow(Output):
    department_id: Optional[int]
    name: str
    headcount: int
    gross: Money
    contributions: Money
    cost: Money


class CostOut(Output):
    from_month: str
    to_month: str
    branch_id: Optional[int]
    currency: str
    runs: list[RunRef]
    rows: list[CostRow]
    totals: CostRow
