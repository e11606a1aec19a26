"""Counterparty records and the reference lists they point at."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..db import Base, IntPK, UTCDateTime, Versioned

KINDS = ("client", "supplier", "both")
PERSON_TYPES = ("person", "company")
ADDRESS_KINDS = ("legal", "actual", "postal", "delivery")
EXTRA_TYPES = ("text", "number", "date", "bool", "choice")


class _CodeList(Versioned):
    """A company's short reference list: a unique code and a name, archived rather than deleted."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Segment(_CodeList, Base):
    __tablename__ = "segments"


class LeadSource(_CodeList, Base):
    __tablename__ = "lead_sources"


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))


counterparty_tags = Table(
    "counterparty_tags",
    Base.metadata,
    Column("counterparty_id", ForeignKey("counterparties.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True, index=True),
)


class ExtraField(Versioned, Base):
    """A user-defined field on counterparties, per company."""

    __tablename__ = "extra_fields"
    __table_args__ = (UniqueConstraint("company_id", "key"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    choices: Mapped[Optional[list[Any]]] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Counterparty(Versioned, Base):
    """A client, a supplier or both; a person or a company. Archived, never deleted."""

    __tablename__ = "counterparties"
    __table_args__ = (
        Index("ix_counterparties_company_name", "company_id", "name_key", "id"),
        Index("ix_counterparties_company_created", "company_id", "created_at", "id"),
        Index("ix_counterparties_company_tax", "company_id", "tax_id_key"),
        Index("ix_counterparties_company_email", "company_id", "email"),
        Index("ix_counterparties_company_segment", "company_id", "segment_id", "id"),
        Index("ix_counterparties_company_branch", "company_id", "branch_id", "id"),
        Index("ix_counterparties_company_manager", "company_id", "manager_id", "id"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[str] = mapped_column(String(10), default="client")
    person_type: Mapped[str] = mapped_column(String(10), default="company")
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased, space-folded name: the sort and search key.
    name_key: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[Optional[str]] = mapped_column(String(300))
    country: Mapped[Optional[str]] = mapped_column(String(2))
    tax_id: Mapped[Optional[str]] = mapped_column(String(40))
    # The tax id without separators, upper case: what searches compare.
    tax_id_key: Mapped[Optional[str]] = mapped_column(String(40))
    # Primary phone (E.164) and email, denormalised for lists, sorts and exports.
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    segment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("segments.id"))
    lead_source_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lead_sources.id"), index=True)
    manager_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branches.id"))
    consent_to_mailings: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    notes: Mapped[Optional[str]] = mapped_column(Text)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # name, legal name, emails, tax id, lower-cased: one column for "contains" searches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    phones: Mapped[list["Phone"]] = relationship(
        back_populates="counterparty", cascade="all, delete-orphan", order_by="Phone.position", lazy="selectin"
    )
    emails: Mapped[list["Email"]] = relationship(
        cascade="all, delete-orphan", order_by="Email.position", lazy="selectin"
    )
    addresses: Mapped[list["Address"]] = relationship(
        cascade="all, delete-orphan", order_by="Address.position", lazy="selectin"
    )
    contacts: Mapped[list["Contact"]] = relationship(
        cascade="all, delete-orphan", order_by="Contact.position", lazy="selectin"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=counterparty_tags, lazy="selectin", order_by=Tag.name)
    segment_ref: Mapped[Optional[Segment]] = relationship(lazy="joined")
    lead_source_ref: Mapped[Optional[LeadSource]] = relationship(lazy="joined")


class Phone(Base):
    __tablename__ = "counterparty_phones"
    __table_args__ = (Index("ix_counterparty_phones_rev", "company_id", "digits_rev"),)

    id: Mapped[IntPK]
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="work")
    e164: Mapped[str] = mapped_column(String(20))
    # The digits reversed, so "ends with" (what people type: local numbers) is an index range scan.
    digits_rev: Mapped[str] = mapped_column(String(20))

    counterparty: Mapped[Counterparty] = relationship(back_populates="phones")


class Email(Base):
    __tablename__ = "counterparty_emails"

    id: Mapped[IntPK]
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="work")
    email: Mapped[str] = mapped_column(String(254))


class Address(Base):
    __tablename__ = "counterparty_addresses"

    id: Mapped[IntPK]
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="actual")
    country: Mapped[Optional[str]] = mapped_column(String(2))
    region: Mapped[Optional[str]] = mapped_column(String(100))
    city: Mapped[Optional[str]] = mapped_column(String(100))
    line1: Mapped[Optional[str]] = mapped_column(String(300))
    line2: Mapped[Optional[str]] = mapped_column(String(300))
    postal_code: Mapped[Optional[str]] = mapped_column(String(20))


class Contact(Base):
    """A person at a company counterparty."""

    __tablename__ = "counterparty_contacts"

    id: Mapped[IntPK]
    counterparty_id: Mapped[int] = mapped_column(ForeignKey("counterparties.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Optional[str]] = mapped_column(String(100))
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    notes: Mapped[Optional[str]] = mapped_column(Text)
