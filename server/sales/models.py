"""Orders with their lines; invoices and bills with theirs; gap-free number series; payment terms."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.posted import freeze_when_posted
from ..core.workflow import Workflow
from ..db import Base, ExactDecimal, IntPK, Money, Qty, Rate, UTCDateTime, Versioned

ORDER_STATUSES = ("draft", "confirmed", "shipped", "invoiced", "paid", "closed", "cancelled")
# sale_invoice and bill raise what is owed; the credit kinds lower it.
INVOICE_KINDS = ("sale_invoice", "sale_credit", "bill", "bill_credit")
INVOICE_STATUSES = ("draft", "posted", "paid", "cancelled")

# The order's life, as data: action → (statuses it starts from, status it leads to).
# invoice may run again from invoiced/paid while quantities are left to invoice (partial invoicing);
# cancel from invoiced only when every invoice of the order is cancelled; edit keeps a draft a draft.
ORDER = Workflow("order", ORDER_STATUSES, {
    "confirm": (("draft",), "confirmed"),
    "ship": (("confirmed",), "shipped"),
    "invoice": (("confirmed", "shipped", "invoiced", "paid"), "invoiced"),
    "close": (("invoiced", "paid"), "closed"),
    "cancel": (("draft", "confirmed", "invoiced"), "cancelled"),
    "edit": (("draft",), None),
})

# An invoice's or bill's life; a credit note's is the same without being credited in turn. Allocations
# move posted ↔ paid as the open amount reaches zero or comes back: not a move anyone asks for.
INVOICE = Workflow("invoice", INVOICE_STATUSES, {
    "post": (("draft",), "posted"),
    "cancel": (("draft", "posted"), "cancelled"),
    "credit": (("posted", "paid"), None),
    "allocate": (("posted",), None),
})
CREDIT_NOTE = Workflow("invoice", INVOICE_STATUSES, {
    "post": (("draft",), "posted"),
    "cancel": (("draft", "posted"), "cancelled"),
    "allocate": (("posted",), None),
})


def invoice_workflow(kind: str) -> Workflow:
    """The workflow of an invoice of `kind`: credit notes are not credited again."""
    return CREDIT_NOTE if kind in ("sale_credit", "bill_credit") else INVOICE


class NumberSeries(Base):
    """The next number of one series: per company, branch, document kind and year.

    Numbers are taken inside the posting transaction with a row lock (SELECT … FOR UPDATE on
    PostgreSQL; SQLite's single writer), so a rolled-back posting gives its number back.
    """

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("company_id", "branch_id", "kind", "year"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    prefix: Mapped[str] = mapped_column(String(30))
    next_number: Mapped[int] = mapped_column(Integer, default=1)


class PaymentTerm(Versioned, Base):
    """Net days after the invoice date; the company's default applies when an invoice names none."""

    __tablename__ = "payment_terms"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    days: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Order(Versioned, Base):
    """A customer order: draft → confirmed → shipped → invoiced → paid → closed, or cancelled."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        Index("ix_orders_company_counterparty", "company_id", "counterparty_id", "date"),
        Index("ix_orders_company_status", "company_id", "status", "date"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    number: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    manager_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    currency: Mapped[str] = mapped_column(String(3))
    payment_term_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payment_terms.id"))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    net_total: Mapped[Money] = mapped_column(default=Decimal(0))
    tax_total: Mapped[Money] = mapped_column(default=Decimal(0))
    total: Mapped[Money] = mapped_column(default=Decimal(0))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    confirmed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    shipped_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    lines: Mapped[list["OrderLine"]] = relationship(
        cascade="all, delete-orphan", order_by="OrderLine.line_no", lazy="selectin"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[IntPK]
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[Optional[int]] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str] = mapped_column(String(500))
    qty: Mapped[Qty]
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    unit_price: Mapped[Money]
    discount_percent: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4), default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4), default=Decimal(0))
    net: Mapped[Money]
    tax: Mapped[Money]
    total: Mapped[Money]
    # Which price rule gave the price, as the pricing function explained it.
    price_source: Mapped[Optional[str]] = mapped_column(String(300))
    qty_shipped: Mapped[Qty] = mapped_column(default=Decimal(0))
    qty_invoiced: Mapped[Qty] = mapped_column(default=Decimal(0))


class Invoice(Versioned, Base):
    """A sales invoice, a supplier bill, or a credit note of either.

    Drafts change freely. Posting takes the next number of the series, posts the ledger entry
    and freezes the document: afterwards only `open_amount` and `status` move (through
    allocations); a correction is a credit note or a reversal.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "number"),
        Index("ix_invoices_company_counterparty", "company_id", "counterparty_id", "date"),
        Index("ix_invoices_company_kind_date", "company_id", "kind", "date"),
        Index("ix_invoices_company_order", "company_id", "order_id"),
        # The covering index of the aging reports: open items only, everything aging reads.
        Index(
            "ix_invoices_open_items", "company_id", "kind", "counterparty_id", "due_date", "date",
            "open_amount", "currency", "branch_id", "manager_id",
            sqlite_where=text("open_amount <> 0"), postgresql_where=text("open_amount <> 0"),
        ),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Given when posted; None while a draft (drafts never use up a number).
    number: Mapped[Optional[str]] = mapped_column(String(40))
    seq: Mapped[Optional[int]] = mapped_column(Integer)
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("number_series.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"))
    manager_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orders.id"))
    # A credit note names the invoice or bill it corrects.
    original_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invoices.id"))
    payment_term_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payment_terms.id"))
    # The supplier's own number on a bill.
    external_number: Mapped[Optional[str]] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    # Base-currency units per one unit of `currency`, as of the invoice date (1 for the base).
    rate: Mapped[Rate] = mapped_column(default=Decimal(1))
    net_total: Mapped[Money] = mapped_column(default=Decimal(0))
    tax_total: Mapped[Money] = mapped_column(default=Decimal(0))
    total: Mapped[Money] = mapped_column(default=Decimal(0))
    total_base: Mapped[Money] = mapped_column(default=Decimal(0))
    # What is still owed, in `currency`; equals `total` when posted, 0 when paid or cancelled.
    open_amount: Mapped[Money] = mapped_column(default=Decimal(0))
    # What is still owed in the base currency at the invoice's own rate: the receivable or payable
    # the ledger carries for this document. The last allocation clears exactly what remains.
    open_base: Mapped[Money] = mapped_column(default=Decimal(0))
    notes: Mapped[Optional[str]] = mapped_column(Text)
    entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    reversal_entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    posted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    posted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    lines: Mapped[list["InvoiceLine"]] = relationship(
        cascade="all, delete-orphan", order_by="InvoiceLine.line_no", lazy="selectin"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_product", "product_id"),)

    id: Mapped[IntPK]
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[Optional[int]] = mapped_column(ForeignKey("products.id"))
    order_line_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order_lines.id"))
    description: Mapped[str] = mapped_column(String(500))
    qty: Mapped[Qty]
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    unit_price: Mapped[Money]
    discount_percent: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4), default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4), default=Decimal(0))
    net: Mapped[Money]
    tax: Mapped[Money]
    total: Mapped[Money]
    # Income (sales) or expense (bills) account; the company default when None.
    account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("accounts.id"))


freeze_when_posted(
    Invoice, state="status", frozen_states={"posted", "paid", "cancelled"},
    mutable={"open_amount", "open_base", "reversal_entry_id", "cancelled_at", "entry_id"},
)
