"""Cash desks and bank accounts, cash-flow categories, exchange rates, payments and allocations."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.posted import freeze_when_posted
from ..core.workflow import Workflow
from ..db import Base, ExactDecimal, IntPK, Money, Rate, UTCDateTime, Versioned

CASH_KINDS = ("cash", "bank")
PAYMENT_KINDS = ("receipt", "payment", "transfer")
CASHFLOW_DIRECTIONS = ("in", "out", "both")
PAYMENT_STATUSES = ("posted", "cancelled")
ALLOCATION_STATES = ("active", "reversed")

# A payment is posted when it is made; memo and reference stay editable until it is cancelled.
# A transfer moves money between own accounts: there is nothing to allocate it to.
PAYMENT = Workflow("payment", PAYMENT_STATUSES, {
    "edit": (("posted",), None),
    "cancel": (("posted",), "cancelled"),
    "allocate": (("posted",), None),
})
TRANSFER = Workflow("payment", PAYMENT_STATUSES, {
    "edit": (("posted",), None),
    "cancel": (("posted",), "cancelled"),
})
# An allocation has no status column: it is reversed once its reversed_at is set. A credit note's
# allocation is part of the credit note and is never reversed on its own.
PAYMENT_ALLOCATION = Workflow("allocation", ALLOCATION_STATES, {"reverse": (("active",), "reversed")})
CREDIT_NOTE_ALLOCATION = Workflow("allocation", ALLOCATION_STATES, {})


def payment_workflow(kind: str) -> Workflow:
    return TRANSFER if kind == "transfer" else PAYMENT


class CashAccount(Versioned, Base):
    """A cash desk or a bank account of one branch, in one currency, with its ledger account."""

    __tablename__ = "cash_accounts"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    bank_name: Mapped[Optional[str]] = mapped_column(String(200))
    account_number: Mapped[Optional[str]] = mapped_column(String(60))
    bic: Mapped[Optional[str]] = mapped_column(String(20))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class CashflowCategory(Versioned, Base):
    """An income or expense item of the cash-flow report ("sales receipts", "rent", "salaries")."""

    __tablename__ = "cashflow_categories"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cashflow_categories.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    direction: Mapped[str] = mapped_column(String(4), default="both")
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Payment(Versioned, Base):
    """A receipt, a payment or a transfer between two cash accounts. Posted when created.

    `unallocated` is what is not yet applied to invoices: an advance from a client or to a supplier.
    """

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("company_id", "branch_id", "kind", "number"),
        Index("ix_payments_company_date", "company_id", "date"),
        Index("ix_payments_company_counterparty", "company_id", "counterparty_id", "date"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    cash_account_id: Mapped[int] = mapped_column(ForeignKey("cash_accounts.id"))
    # Transfers only: where the money goes and how much arrives there (in its currency).
    to_cash_account_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cash_accounts.id"))
    to_amount: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(20, 4))
    counterparty_id: Mapped[Optional[int]] = mapped_column(ForeignKey("counterparties.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Money]
    rate: Mapped[Rate] = mapped_column(default=Decimal(1))
    amount_base: Mapped[Money]
    unallocated: Mapped[Money] = mapped_column(default=Decimal(0))
    cashflow_category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cashflow_categories.id"))
    reference: Mapped[Optional[str]] = mapped_column(String(200))
    memo: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="posted")
    entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    reversal_entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    posted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Allocation(Base):
    """Part of a payment applied to an invoice or bill (or a credit note applied to its invoice).

    `amount` is in the invoice's currency; `exchange_difference` (base currency) is posted by
    the allocation's own entry when the rates of invoice and payment differ.
    """

    __tablename__ = "allocations"
    __table_args__ = (
        Index("ix_allocations_invoice", "invoice_id"),
        Index("ix_allocations_payment", "payment_id"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payments.id"))
    # A credit note allocated to the invoice it corrects instead of a payment.
    credit_note_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invoices.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Money]
    # How much of the payment this used, in the payment's currency.
    payment_amount: Mapped[Money]
    # Base currency cleared from the receivable/payable (at the invoice's rate).
    amount_base: Mapped[Money]
    exchange_difference: Mapped[Money] = mapped_column(default=Decimal(0))
    entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reversed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    reversal_entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))


freeze_when_posted(
    Payment, state="status", frozen_states={"posted", "cancelled"},
    mutable={"unallocated", "reversal_entry_id", "cancelled_at", "memo", "reference"},
)
