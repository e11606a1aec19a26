"""Input and output shapes of the ledger API."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field, field_serializer

from ..core.money import money_text
from ..core.validation import IsoDate, Amount, QueryDate, Id, Input, Output, PageQuery, QueryInput, Text, Version

AccountType = Literal["asset", "liability", "equity", "income", "expense"]
LANGS = Literal["km", "ru", "en"]


class AccountIn(Input):
    code: Text(20, 1)  # type: ignore[valid-type]
    name: Text(200, 1)  # type: ignore[valid-type]
    names: dict[LANGS, Text(200, 1)] = Field(default_factory=dict)  # type: ignore[valid-type]
    type: AccountType
    parent_id: Optional[Id] = None


class AccountPatch(Input):
    version: Version
    code: Text(20, 1) = None  # type: ignore[valid-type]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    names: dict[LANGS, Text(200, 1)] = None  # type: ignore[valid-type]
    type: AccountType = None  # type: ignore[assignment]
    parent_id: Optional[Id] = None


class AccountOut(Output):
    id: int
    code: str
    name: str
    names: dict[str, str]
    type: str
    role: Optional[str]
    parent_id: Optional[int]
    archived_at: Optional[dt.datetime]
    version: Version


class AccountList(Output):
    items: list[AccountOut]


class ListQuery(PageQuery):
    include_archived: bool = False


class EntryLineIn(Input):
    account_id: Id
    debit: Amount = Decimal(0)
    credit: Amount = Decimal(0)
    counterparty_id: Optional[Id] = None
    memo: Text(300) = ""  # type: ignore[valid-type]


class EntryIn(Input):
    """A manual entry in the base currency (adjustments, opening balances, accruals)."""

    date: IsoDate
    memo: Text(500) = ""  # type: ignore[valid-type]
    branch_id: Optional[Id] = None
    lines: list[EntryLineIn] = Field(min_length=2, max_length=500)


class ReverseIn(Input):
    date: Optional[IsoDate] = None
    memo: Text(500) = ""  # type: ignore[valid-type]


class EntryLineOut(Output):
    id: int
    account_id: int
    debit: Decimal
    credit: Decimal
    currency: str
    amount_currency: Decimal
    counterparty_id: Optional[int]
    cashflow_category_id: Optional[int]
    branch_id: Optional[int]
    memo: str

    @field_serializer("debit", "credit")
    def _base(self, v: Decimal) -> str:
        return money_text(v)

    @field_serializer("amount_currency")
    def _in_currency(self, v: Decimal) -> str:
        return money_text(v, self.currency)


class EntryOut(Output):
    id: int
    date: dt.date
    memo: str
    branch_id: Optional[int]
    source_type: str
    source_id: Optional[int]
    reversal_of_id: Optional[int]
    created_at: dt.datetime
    created_by: Optional[int]
    lines: list[EntryLineOut]


class EntryList(Output):
    items: list[EntryOut]
    next_after: Optional[int] = None


class EntryQuery(QueryInput):
    date_from: Optional[QueryDate] = Field(default=None, alias="from")
    date_to: Optional[QueryDate] = Field(default=None, alias="to")
    account_id: Optional[Id] = None
    counterparty_id: Optional[Id] = None
    source_type: Optional[Text(30)] = None  # type: ignore[valid-type]
    source_id: Optional[Id] = None
    after: Optional[Id] = None
    limit: int = Field(default=100, ge=1, le=1000)


class StatementQuery(QueryInput):
    date_from: Optional[QueryDate] = Field(default=None, alias="from")
    date_to: Optional[QueryDate] = Field(default=None, alias="to")
    counterparty_id: Optional[Id] = None


class StatementLine(Output):
    entry_id: int
    date: dt.date
    memo: str
    debit: str
    credit: str
    balance: str
    counterparty_id: Optional[int]


class StatementOut(Output):
    account: AccountOut
    opening: str
    debit: str
    credit: str
    closing: str
    lines: list[StatementLine]


class PeriodLockIn(Input):
    lock_date: Optional[IsoDate]
    version: Optional[Version] = None


class PeriodLockOut(Output):
    lock_date: Optional[dt.date]
    version: Optional[int]
