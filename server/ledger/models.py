"""Accounts, journal entries and their lines, and the period lock date."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, IntPK, Money, UTCDateTime, Versioned

ACCOUNT_TYPES = ("asset", "liability", "equity", "income", "expense")


class Account(Versioned, Base):
    """An account of the company's chart. System accounts (`role` set) are what postings look up."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("company_id", "code"), UniqueConstraint("company_id", "role"))

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("accounts.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    type: Mapped[str] = mapped_column(String(10))
    # What the books use this account for ("receivable", "sales", "vat_out" …); None for accounts users add.
    role: Mapped[Optional[str]] = mapped_column(String(30))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class JournalEntry(Base):
    """One balanced financial event. Written only by ledger.service.post_entry; never updated.

    A correction is another entry with `reversal_of_id` pointing here.
    """

    __tablename__ = "journal_entries"
    __table_args__ = (
        Index("ix_journal_entries_company_date", "company_id", "date", "id"),
        Index("ix_journal_entries_source", "company_id", "source_type", "source_id"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branches.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    memo: Mapped[str] = mapped_column(String(500), default="")
    # What caused it: ("invoice", 12), ("payment", 7), ("allocation", 3), ("manual", None) …
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[Optional[int]] = mapped_column()
    reversal_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    lines: Mapped[list["JournalLine"]] = relationship(order_by="JournalLine.id", lazy="selectin")


class JournalLine(Base):
    """A debit or a credit in the base currency, with the amount in the line's own currency."""

    __tablename__ = "journal_lines"
    __table_args__ = (
        Index("ix_journal_lines_company_account_date", "company_id", "account_id", "date"),
        Index("ix_journal_lines_company_counterparty", "company_id", "counterparty_id"),
    )

    id: Mapped[IntPK]
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    # Denormalised from the entry so reports filter lines without a join.
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branches.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    debit: Mapped[Money] = mapped_column(default=Decimal(0))
    credit: Mapped[Money] = mapped_column(default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    # Signed (debit positive) amount in `currency`; equals debit − credit when currency is the base.
    amount_currency: Mapped[Money] = mapped_column(default=Decimal(0))
    counterparty_id: Mapped[Optional[int]] = mapped_column(ForeignKey("counterparties.id"))
    cashflow_category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cashflow_categories.id"))
    memo: Mapped[str] = mapped_column(String(300), default="")


class PeriodLock(Versioned, Base):
    """The company's lock date: nothing dated on or before it is created, changed or cancelled."""

    __tablename__ = "period_locks"

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    lock_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Reopening a closed period is an owner's decision, logged like every change.
    allow_reopen: Mapped[bool] = mapped_column(Boolean, default=True)
