"""Input and output shapes of the sales API: payment terms, orders, invoices, the sales and purchase books."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field

from ..core.validation import (
    Amount, Code, IsoDate, CurrencyCode, Id, Input, LongText, Output, Percent, Quantity, PageQuery, QueryInput, page_limit, Text, Version,
)
from ..parties.names import NameRef


InvoiceKind = Literal["sale_invoice", "sale_credit", "bill", "bill_credit"]
InvoiceStatus = Literal["draft", "posted", "paid", "cancelled"]
OrderStatus = Literal["draft", "confirmed", "shipped", "invoiced", "paid", "closed", "cancelled"]

MAX_LINES = 500


# --- payment terms ---------------------------------------------------------------------------

class PaymentTermIn(Input):
    code: Code
    name: Text(200, 1)  # type: ignore[valid-type]
    days: int = Field(default=0, ge=0, le=3650)
    is_default: bool = False


class PaymentTermPatch(Input):
    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    days: int = Field(default=None, ge=0, le=3650)  # type: ignore[assignment]
    is_default: bool = None  # type: ignore[assignment]


class PaymentTermOut(Output):
    id: int
    code: str
    name: str
    days: int
    is_default: bool
    archived_at: Optional[dt.datetime]
    version: int


class PaymentTermList(Output):
    items: list[PaymentTermOut]


class TermListQuery(PageQuery):
    include_archived: bool = False


# --- lines -------------------------------------------------------------------------------------

class LineIn(Input):
    """A document line: the product by id or SKU; the price from the price lists when not given."""

    product_id: Optional[Id] = None
    sku: Optional[Text(60, 1)] = None  # type: ignore[valid-type]
    description: Optional[Text(500)] = None  # type: ignore[valid-type]
    qty: Quantity
    unit_price: Optional[Amount] = None
    discount_percent: Optional[Percent] = None
    tax_rate: Optional[Percent] = None


class LineOut(Output):
    id: int
    line_no: int
    product_id: Optional[int]
    description: str
    qty: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


class OrderLineOut(LineOut):
    price_source: Optional[str]
    qty_shipped: Decimal
    qty_invoiced: Decimal


class InvoiceLineOut(LineOut):
    order_line_id: Optional[int]
    account_id: Optional[int]


# --- invoices ----------------------------------------------------------------------------------

class InvoiceIn(Input):
    kind: InvoiceKind = "sale_invoice"
    branch_id: Id
    counterparty_id: Id
    date: IsoDate = None  # type: ignore[assignment]
    due_date: Optional[IsoDate] = None
    currency: CurrencyCode = None  # type: ignore[assignment]
    payment_term_id: Optional[Id] = None
    external_number: Optional[Text(60)] = None  # type: ignore[valid-type]
    notes: Optional[LongText(5000)] = None  # type: ignore[valid-type]
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    # Post at once (the workbook's "post" column, batch posting).
    post: bool = False


class InvoicePatch(Input):
    version: Version
    counterparty_id: Id = None  # type: ignore[assignment]
    date: IsoDate = None  # type: ignore[assignment]
    due_date: Optional[IsoDate] = None
    currency: CurrencyCode = None  # type: ignore[assignment]
    payment_term_id: Optional[Id] = None
    external_number: Optional[Text(60)] = None  # type: ignore[valid-type]
    notes: Optional[LongText(5000)] = None  # type: ignore[valid-type]
    lines: list[LineIn] = Field(default=None, min_length=1, max_length=MAX_LINES)  # type: ignore[assignment]


class VersionBody(Input):
    version: Version


class CreditLineIn(Input):
    product_id: Id
    qty: Quantity


class CreditNoteIn(Input):
    """Lines to credit (default: every line of the original, in full)."""

    date: IsoDate = None  # type: ignore[assignment]
    lines: Optional[list[CreditLineIn]] = Field(default=None, min_length=1, max_length=MAX_LINES)
    notes: Optional[LongText(5000)] = None  # type: ignore[valid-type]


class InvoiceOut(Output):
    id: int
    kind: str
    status: str
    number: Optional[str]
    branch_id: int
    date: dt.date
    due_date: dt.date
    counterparty_id: int
    branch: Optional[NameRef] = None
    counterparty: Optional[NameRef] = None
    order_id: Optional[int]
    original_id: Optional[int]
    payment_term_id: Optional[int]
    external_number: Optional[str]
    currency: str
    rate: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    total_base: Decimal
    open_amount: Decimal
    open_base: Decimal
    notes: Optional[str]
    entry_id: Optional[int]
    reversal_entry_id: Optional[int]
    posted_at: Optional[dt.datetime]
    cancelled_at: Optional[dt.datetime]
    lines: list[InvoiceLineOut]
    version: int


class InvoiceSummary(Output):
    id: int
    kind: str
    status: str
    number: Optional[str]
    branch_id: int
    date: dt.date
    due_date: dt.date
    counterparty_id: int
    branch: Optional[NameRef] = None
    counterparty: Optional[NameRef] = None
    order_id: Optional[int]
    currency: str
    total: Decimal
    open_amount: Decimal
    version: int


class InvoicePage(Output):
    items: list[InvoiceSummary]
    total: int


class InvoiceListQuery(PageQuery):
    status: Optional[InvoiceStatus] = None
    kind: Optional[InvoiceKind] = None
    counterparty_id: Optional[Id] = None
    branch_id: Optional[Id] = None
    order_id: Optional[Id] = None
    date_from: Optional[IsoDate] = None
    date_to: Optional[IsoDate] = None
    overdue: bool = False
    limit: int = page_limit(50)  # type: ignore[assignment]


# --- orders ------------------------------------------------------------------------------------

class OrderIn(Input):
    branch_id: Id
    counterparty_id: Id
    date: IsoDate = None  # type: ignore[assignment]
    currency: CurrencyCode = None  # type: ignore[assignment]
    payment_term_id: Optional[Id] = None
    notes: Optional[LongText(5000)] = None  # type: ignore[valid-type]
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)


class OrderPatch(Input):
    version: Version
    counterparty_id: Id = None  # type: ignore[assignment]
    date: IsoDate = None  # type: ignore[assignment]
    currency: CurrencyCode = None  # type: ignore[assignment]
    payment_term_id: Optional[Id] = None
    notes: Optional[LongText(5000)] = None  # type: ignore[valid-type]
    lines: list[LineIn] = Field(default=None, min_length=1, max_length=MAX_LINES)  # type: ignore[assignment]


class OrderInvoiceLineIn(Input):
    order_line_id: Id
    qty: Quantity


class OrderInvoiceIn(Input):
    """Invoice the order: every not-yet-invoiced quantity, or only the lines given."""

    version: Version
    date: IsoDate = None  # type: ignore[assignment]
    lines: Optional[list[OrderInvoiceLineIn]] = Field(default=None, min_length=1, max_length=MAX_LINES)


class OrderInvoiceOut(Output):
    id: int
    kind: str
    number: Optional[str]
    status: str
    date: dt.date
    currency: str
    total: Decimal
    open_amount: Decimal


class OrderPaymentOut(Output):
    payment_id: Optional[int]
    credit_note_id: Optional[int]
    invoice_id: int
    number: Optional[str]
    date: dt.date
    amount: Decimal


class OrderTotals(Output):
    ordered: Decimal
    shipped: Decimal
    invoiced: Decimal
    paid: Decimal
    open: Decimal


class OrderOut(Output):
    id: int
    number: str
    status: str
    branch_id: int
    date: dt.date
    counterparty_id: int
    branch: Optional[NameRef] = None
    counterparty: Optional[NameRef] = None
    currency: str
    payment_term_id: Optional[int]
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    notes: Optional[str]
    confirmed_at: Optional[dt.datetime]
    shipped_at: Optional[dt.datetime]
    closed_at: Optional[dt.datetime]
    cancelled_at: Optional[dt.datetime]
    lines: list[OrderLineOut]
    version: int


class OrderView(OrderOut):
    """An order and where it stands: next actions, totals, invoices, payments, documents."""

    actions: list[str]
    totals: OrderTotals
    invoices: list[OrderInvoiceOut]
    payments: list[OrderPaymentOut]
    documents: list[dict[str, str]]


class OrderSummary(Output):
    id: int
    number: str
    status: str
    branch_id: int
    date: dt.date
    counterparty_id: int
    branch: Optional[NameRef] = None
    counterparty: Optional[NameRef] = None
    currency: str
    total: Decimal
    version: int


class OrderPage(Output):
    items: list[OrderSummary]
    total: int


class OrderListQuery(PageQuery):
    status: Optional[OrderStatus] = None
    counterparty_id: Optional[Id] = None
    branch_id: Optional[Id] = None
    date_from: Optional[IsoDate] = None
    date_to: Optional[IsoDate] = None
    limit: int = page_limit(50)  # type: ignore[assignment]


# --- books -------------------------------------------------------------------------------------

class BookQuery(QueryInput):
    from_: IsoDate = Field(alias="from")
    to: IsoDate
    branch_id: Optional[Id] = None
    format: Literal["json", "xlsx"] = "json"


class TaxPart(Output):
    rate: Decimal
    net: Decimal
    tax: Decimal
    net_base: Decimal
    tax_base: Decimal


class BookRow(Output):
    invoice_id: int
    kind: str
    date: dt.date
    number: str
    counterparty: str
    tax_id: Optional[str]
    currency: str
    rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    net_base: Decimal
    tax_base: Decimal
    total_base: Decimal
    taxes: list[TaxPart]


class BookTotal(Output):
    rate: Decimal
    net_base: Decimal
    tax_base: Decimal


class Book(Output):
    book: str
    date_from: dt.date
    date_to: dt.date
    base_currency: str
    rows: list[BookRow]
    by_rate: list[BookTotal]
    net_base: Decimal
    tax_base: Decimal
    total_base: Decimal
