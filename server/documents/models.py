"""The document registry: every generated paper, its files, its signature history; company templates; batches."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.posted import freeze_when_posted
from ..core.workflow import Workflow
from ..db import Base, IntPK, UTCDateTime, Versioned

# The signature status of a paper, in the order it happens; a step may be skipped (signed in
# person by both sides at once), never undone.
STATUSES = ("drafted", "sent", "signed_by_us", "signed_by_both", "original_received")
# Each move is named by the status it leads to (what the API is sent), from every status before it.
SIGNING = Workflow("document", STATUSES, {
    to: (STATUSES[:i], to) for i, to in enumerate(STATUSES) if i > 0
})


class Document(Versioned, Base):
    """One registered paper: what it is, whose, which number, which file, how far its signing went."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("company_id", "kind", "number", "language"),
        Index("ix_documents_open", "company_id", "status", "date"),
        Index("ix_documents_source", "company_id", "kind", "order_id", "invoice_id", "payment_id"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # Taken from the kind's own gap-free series, or the source's number for an invoice; the same
    # paper in a second language keeps its number.
    number: Mapped[str] = mapped_column(String(40))
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("number_series.id"))
    seq: Mapped[Optional[int]] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id"), index=True)
    manager_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orders.id"))
    invoice_id: Mapped[Optional[int]] = mapped_column(ForeignKey("invoices.id"))
    payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payments.id"))
    language: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(String(80))       # "shipped:invoice.en" or "company:<id>"
    filename: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="drafted")
    sent_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    signed_by_us_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    signed_by_both_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    original_received_on: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class DocumentFile(Base):
    """The bytes of a registered paper, kept in the database so a document and its file commit together."""

    __tablename__ = "document_files"
    __table_args__ = (UniqueConstraint("document_id", "format"),)

    id: Mapped[IntPK]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    format: Mapped[str] = mapped_column(String(4))          # docx or pdf
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DocumentStatusChange(Base):
    """One step of a paper's signing: from, to, the day it happened, who recorded it and when."""

    __tablename__ = "document_status_changes"

    id: Mapped[IntPK]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[Optional[str]] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class CompanyTemplate(Versioned, Base):
    """A company's own .docx template for a kind and language; the default one replaces the shipped one."""

    __tablename__ = "document_templates"
    __table_args__ = (UniqueConstraint("company_id", "kind", "language", "name"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    variables: Mapped[list[Any]] = mapped_column(JSON, default=list)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class DocumentBatch(Base):
    """A batch generation: how far it got, what failed; the worker updates it as it goes."""

    __tablename__ = "document_batches"

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="queued")   # queued, running, done, failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


# A registered paper is what was handed over: after it is created only its signing moves.
freeze_when_posted(
    Document, state="status", frozen_states=set(STATUSES) - {"drafted"},
    mutable={"sent_on", "signed_by_us_on", "signed_by_both_on", "original_received_on"},
)
