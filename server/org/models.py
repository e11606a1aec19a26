"""Companies and their structure; users, roles, branch scope and API tokens."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, IntPK, UTCDateTime, Versioned

ROLES = ("owner", "accountant", "sales", "warehouse", "hr")


class Company(Versioned, Base):
    """An own legal entity. Everything business-related hangs off one."""

    __tablename__ = "companies"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[Optional[str]] = mapped_column(String(300))
    tax_id: Mapped[Optional[str]] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    base_currency: Mapped[str] = mapped_column(String(3))
    # Shown beside the base currency where the company asks for it (USD and KHR in Cambodia).
    second_currency: Mapped[Optional[str]] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(2), default="en")
    # Requisites printed on every document.
    address: Mapped[Optional[str]] = mapped_column(String(500))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    director_name: Mapped[Optional[str]] = mapped_column(String(200))
    accountant_name: Mapped[Optional[str]] = mapped_column(String(200))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Branch(Versioned, Base):
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    city: Mapped[Optional[str]] = mapped_column(String(100))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Department(Versioned, Base):
    """Departments nest without limit through parent_id."""

    __tablename__ = "departments"

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branches.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Warehouse(Versioned, Base):
    __tablename__ = "warehouses"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[Optional[str]] = mapped_column(String(500))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


user_branches = Table(
    "user_branches",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", ForeignKey("branches.id"), primary_key=True),
)


class User(Versioned, Base):
    """A person who logs in. An empty branch scope means every branch of the company."""

    __tablename__ = "users"

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="en")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    branches: Mapped[list[Branch]] = relationship(secondary=user_branches, lazy="selectin")

    @property
    def branch_ids(self) -> list[int]:
        return sorted(b.id for b in self.branches)


class ApiToken(Base):
    """A personal API token. Only its SHA-256 is stored; the text is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")
