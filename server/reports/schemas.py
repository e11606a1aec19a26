"""Query parameters of the reports and the shapes of their JSON answers (amounts as decimal strings)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ..core.validation import Id, Output, QueryDate, QueryInput, RoundedMoney

# Reports reach back and forward a long way, but not to year 1: bucket cutoffs subtract days from a date.
# YYYY-MM-DD only (QueryDate): a bare number in a query string is not a date.
ReportDate = Annotated[QueryDate, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]
Format = Literal["json", "xlsx"]
Side = Literal["receivable", "payable"]
Basis = Literal["due", "invoice"]
Group = Literal["client", "branch", "manager"]
DEFAULT_BUCKETS = (0, 30, 60, 90)
MAX_BUCKETS = 12
MAX_BUCKET_DAYS = 36_500


def _buckets(value: object) -> tuple[int, ...]:
    """"0,30,60,90" → (0, 30, 60, 90): whole days, not negative, strictly increasing."""
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_buckets", "write whole days separated by commas")
    parts = [p.strip() for p in value.split(",")]
    if len(value) > 200 or not parts or any(not p.lstrip("-").isdigit() or not p.isascii() for p in parts):
        raise PydanticCustomError("invalid_buckets", "write whole days separated by commas")
    days = tuple(int(p) for p in parts)
    if any(d < 0 for d in days):
        raise PydanticCustomError("must_not_be_negative", "must not be negative")
    if len(days) > MAX_BUCKETS:
        raise PydanticCustomError("too_many", "at most {max} items", {"max": MAX_BUCKETS})
    if any(d > MAX_BUCKET_DAYS for d in days):
        raise PydanticCustomError("too_large", "must be at most {max}", {"max": MAX_BUCKET_DAYS})
    if any(b <= a for a, b in zip(days, days[1:])):
        raise PydanticCustomError("buckets_not_increasing", "bucket boundaries must increase")
    return days


class _Period(QueryInput):
    from_: Optional[ReportDate] = Field(default=None, alias="from")
    to: Optional[ReportDate] = None
    branch_id: Optional[Id] = None
    format: Format = "json"


class PeriodQuery(_Period):
    """from/to (default: the start of the year of `to`, today), an optional branch."""


class PurchaseLevelsQuery(_Period):
    counterparty_id: Optional[Id] = None


class CalendarQuery(_Period):
    """from/to default to today and four weeks on."""

    manager_id: Optional[Id] = None


class AsOfQuery(QueryInput):
    as_of: Optional[ReportDate] = None
    branch_id: Optional[Id] = None
    format: Format = "json"


class OverdueQuery(AsOfQuery):
    side: Side = "receivable"
    manager_id: Optional[Id] = None
    counterparty_id: Optional[Id] = None


class AgingQuery(OverdueQuery):
    basis: Basis = "due"
    group: Group = "client"
    # A string in the query ("0,30,60,90"); the schema says so, the validator reads the days.
    buckets: Optional[str] = Field(default=None, max_length=200)

    @field_validator("buckets")
    @classmethod
    def _days(cls, value: Optional[str]) -> Optional[str]:
        if value is not None:
            _buckets(value)
        return value

    def bucket_days(self) -> tuple[int, ...]:
        return _buckets(self.buckets) if self.buckets is not None else DEFAULT_BUCKETS


# --- answers ------------------------------------------------------------------------------------

Money = RoundedMoney  # rounded to its currency's places by the service


class TrialBalanceLine(Output):
    account_id: int
    code: str
    name: str
    type: str
    opening_debit: Money
    opening_credit: Money
    debit: Money
    credit: Money
    closing_debit: Money
    closing_credit: Money


class TrialBalanceTotals(Output):
    opening_debit: Money
    opening_credit: Money
    debit: Money
    credit: Money
    closing_debit: Money
    closing_credit: Money


class TrialBalanceOut(Output):
    from_date: dt.date
    to_date: dt.date
    currency: str
    branch_id: Optional[int]
    accounts: list[TrialBalanceLine]
    totals: TrialBalanceTotals


class AccountAmount(Output):
    account_id: int
    code: str
    name: str
    amount: Money


class ProfitAndLossOut(Output):
    from_date: dt.date
    to_date: dt.date
    currency: str
    branch_id: Optional[int]
    income: list[AccountAmount]
    expenses: list[AccountAmount]
    total_income: Money
    total_expenses: Money
    net_profit: Money


class BalanceSheetOut(Output):
    as_of: dt.date
    currency: str
    branch_id: Optional[int]
    assets: list[AccountAmount]
    liabilities: list[AccountAmount]
    equity: list[AccountAmount]
    current_earnings: Money
    total_assets: Money
    total_liabilities: Money
    total_equity: Money
    total_liabilities_and_equity: Money


class CashFlowLine(Output):
    category_id: Optional[int]
    code: Optional[str]
    name: str
    inflow: Money
    outflow: Money
    net: Money


class CashFlowOut(Output):
    from_date: dt.date
    to_date: dt.date
    currency: str
    branch_id: Optional[int]
    opening: Money
    categories: list[CashFlowLine]
    total_inflow: Money
    total_outflow: Money
    net: Money
    closing: Money


class Bucket(Output):
    key: str
    label: str
    # Days past the date the basis names: from `min_days` to `max_days` inclusive (None: open-ended).
    min_days: Optional[int]
    max_days: Optional[int]


class CurrencyAmounts(Output):
    currency: str
    buckets: list[Money]
    total: Money


class AgingRow(Output):
    key: Optional[int]
    name: str
    buckets: list[Money]
    total: Money
    by_currency: list[CurrencyAmounts]


class AgingOut(Output):
    side: str
    as_of: dt.date
    basis: str
    group: str
    currency: str
    buckets: list[Bucket]
    rows: list[AgingRow]
    totals: AgingRow


class OverdueItem(Output):
    invoice_id: int
    number: Optional[str]
    kind: str
    date: dt.date
    due_date: dt.date
    days_overdue: int
    counterparty_id: int
    counterparty: str
    phone: Optional[str]
    email: Optional[str]
    manager_id: Optional[int]
    manager: Optional[str]
    branch_id: int
    currency: str
    open_amount: Money
    open_base: Money


class CurrencyTotal(Output):
    currency: str
    amount: Money


class OverdueOut(Output):
    side: str
    as_of: dt.date
    currency: str
    items: list[OverdueItem]
    total_base: Money
    by_currency: list[CurrencyTotal]


class CalendarDay(Output):
    # None on the line of what was already due before `from`.
    date: Optional[dt.date]
    receipts: Money
    payments: Money
    net: Money
    cumulative: Money


class CalendarOut(Output):
    from_date: dt.date
    to_date: dt.date
    currency: str
    overdue: CalendarDay
    days: list[CalendarDay]
    total_receipts: Money
    total_payments: Money
    net: Money


class Column(Output):
    category_id: Optional[int]
    name: str


class PurchaseRow(Output):
    counterparty_id: int
    name: str
    amounts: list[Money]
    total: Money


class PurchaseLevelsOut(Output):
    from_date: dt.date
    to_date: dt.date
    currency: str
    branch_id: Optional[int]
    categories: list[Column]
    rows: list[PurchaseRow]
    totals: list[Money]
    total: Money
