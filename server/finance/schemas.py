"""Input and output shapes of the finance API: cash accounts, cash-flow categories, payments, allocations."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import ConfigDict, Field

from ..core.validation import (
    Code, CurrencyCode, Id, Input, IsoDate, LongText, MoneyText, NumberText, Output, PositiveAmount, PageQuery, page_limit, Text,
    Version,
)
from ..parties.names import NameRef

CashKind = Literal["cash", "bank"]
Direction = Literal["in", "out", "both"]
PaymentKind = Literal["receipt", "payment", "transfer"]
PaymentStatus = Literal["posted", "cancelled"]

MAX_ALLOCATIONS = 200





# --- cash accounts -----------------------------------------------------------------------------

class CashAccountIn(Input):
    kind: CashKind
    branch_id: Id
    code: Code
    name: Text(200, 1)  # type: ignore[valid-type]
    currency: CurrencyCode
    bank_name: Optional[Text(200)] = None  # type: ignore[valid-type]
    account_number: Optional[Text(60)] = None  # type: ignore[valid-type]
    bic: Optional[Text(20)] = None  # type: ignore[valid-type]
    # The ledger account; the chart's `cash` or `bank` account when not given.
    account_id: Optional[Id] = None


class CashAccountPatch(Input):
    """Names and bank details change; kind, branch, currency and ledger account are its identity."""

    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    bank_name: Optional[Text(200)] = None  # type: ignore[valid-type]
    account_number: Optional[Text(60)] = None  # type: ignore[valid-type]
    bic: Optional[Text(20)] = None  # type: ignore[valid-type]


class CashAccountOut(Output):
    id: int
    kind: str
    branch_id: int
    code: str
    name: str
    currency: str
    bank_name: Optional[str]
    account_number: Optional[str]
    bic: Optional[str]
    account_id: int
    archived_at: Optional[dt.datetime]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: Version


class CashAccountView(CashAccountOut):
    """One cash account with its balance from the ledger, in its currency and in the base currency."""

    balance: MoneyText
    balance_base: MoneyText
    base_currency: str


class CashAccountList(Output):
    items: list[CashAccountOut]


class ListQuery(PageQuery):
    include_archived: bool = False


# --- cash-flow categories ----------------------------------------------------------------------

class CategoryNames(Input):
    km: Optional[Text(200)] = None  # type: ignore[valid-type]
    ru: Optional[Text(200)] = None  # type: ignore[valid-type]


class CategoryIn(Input):
    code: Code
    name: Text(200, 1)  # type: ignore[valid-type]
    names: CategoryNames = Field(default_factory=CategoryNames)
    direction: Direction = "both"
    parent_id: Optional[Id] = None


class CategoryPatch(Input):
    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    names: CategoryNames = None  # type: ignore[assignment]
    direction: Direction = None  # type: ignore[assignment]
    parent_id: Optional[Id] = None


class CategoryOut(Output):
    id: int
    code: str
    name: str
    names: dict[str, Optional[str]]
    direction: str
    parent_id: Optional[int]
    archived_at: Optional[dt.datetime]
    version: Version


class CategoryList(Output):
    items: list[CategoryOut]


# --- payments and allocations ------------------------------------------------------------------

class AllocationIn(Input):
    invoice_id: Id
    # In the invoice's currency.
    amount: PositiveAmount


class PaymentIn(Input):
    kind: PaymentKind
    date: IsoDate
    cash_account_id: Id
    amount: PositiveAmount
    counterparty_id: Optional[Id] = None
    cashflow_category_id: Optional[Id] = None
    reference: Optional[Text(200)] = None  # type: ignore[valid-type]
    memo: Optional[LongText(2000)] = None  # type: ignore[valid-type]
    to_cash_account_id: Optional[Id] = None
    to_amount: Optional[PositiveAmount] = None
    allocations: list[AllocationIn] = Field(default_factory=list, max_length=MAX_ALLOCATIONS)


class PaymentPatch(Input):
    """Only memo and reference change on a posted payment; any other field given answers 409."""

    # Other keys are accepted here so that the answer can be "posted payments do not change" (409)
    # rather than "unknown field" (422).
    model_config = ConfigDict(extra="allow", strict=True)

    version: Version
    reference: Optional[Text(200)] = None  # type: ignore[valid-type]
    memo: Optional[LongText(2000)] = None  # type: ignore[valid-type]


class AllocateIn(Input):
    """Allocations of an existing payment; `date` defaults to the later of payment and invoice dates."""

    date: Optional[IsoDate] = None
    allocations: list[AllocationIn] = Field(min_length=1, max_length=MAX_ALLOCATIONS)


class CancelIn(Input):
    version: Version


class AllocationOut(Output):
    id: int
    payment_id: Optional[int]
    invoice_id: int
    date: IsoDate
    amount: MoneyText
    payment_amount: MoneyText
    amount_base: MoneyText
    exchange_difference: MoneyText
    entry_id: Optional[int]
    created_at: dt.datetime
    reversed_at: Optional[dt.datetime]
    reversal_entry_id: Optional[int]


class PaymentOut(Output):
    id: int
    kind: str
    number: str
    status: str
    date: IsoDate
    branch_id: int
    cash_account_id: int
    to_cash_account_id: Optional[int]
    to_amount: Optional[MoneyText]
    counterparty_id: Optional[int]
    branch: Optional[NameRef] = None
    counterparty: Optional[NameRef] = None
    currency: str
    amount: MoneyText
    rate: NumberText
    amount_base: MoneyText
    unallocated: MoneyText
    cashflow_category_id: Optional[int]
    reference: Optional[str]
    memo: Optional[str]
    entry_id: Optional[int]
    reversal_entry_id: Optional[int]
    cancelled_at: Optional[dt.datetime]
    created_at: dt.datetime
    version: Version


class PaymentView(PaymentOut):
    allocations: list[AllocationOut]


class PaymentPage(Output):
    items: list[PaymentOut]
    total: int


class PaymentQuery(PageQuery):
    kind: Optional[PaymentKind] = None
    status: Optional[PaymentStatus] = None
    counterparty_id: Optional[Id] = None
    cash_account_id: Optional[Id] = None
    branch_id: Optional[Id] = None
    date_from: Optional[IsoDate] = None
    date_to: Optional[IsoDate] = None
    # Only payments with something left to allocate (advances).
    unallocated_only: bool = False
    limit: int = page_limit(100)  # type: ignore[assignment]


# --- counterparty balance ----------------------------------------------------------------------

class OpenItem(Output):
    id: int
    kind: str
    number: Optional[str]
    date: IsoDate
    due_date: dt.date
    currency: str
    total: MoneyText
    open_amount: MoneyText
    open_base: MoneyText


class AdvanceOut(Output):
    currency: str
    unallocated: MoneyText


class BalanceOut(Output):
    """What a counterparty owes and is owed, in the base currency, with the open documents behind it."""

    counterparty_id: int
    base_currency: str
    # Σ open sales invoices − open sales credit notes.
    receivable: MoneyText
    # Σ open bills − open supplier credit notes.
    payable: MoneyText
    # Unallocated receipts (advances received) and payments (advances paid), valued as booked.
    advances_received: MoneyText
    advances_paid: MoneyText
    # receivable − payable − advances_received + advances_paid: positive when they owe us.
    net: MoneyText
    advances_by_currency: dict[str, list[AdvanceOut]]
    open_items: list[OpenItem]
