"""Operations log rows and stored answers to idempotent POSTs."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, IntPK, UTCDateTime


class Operation(Base):
    """One change to one record: who, when, what, before/after. Never updated, never deleted."""

    __tablename__ = "operations"
    __table_args__ = (
        Index("ix_operations_entity", "entity", "entity_id"),
        Index("ix_operations_company_at", "company_id", "at"),
    )

    id: Mapped[IntPK]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    request_id: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    after: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class IdempotencyRecord(Base):
    """The answer given to a POST with an Idempotency-Key, replayed on a retry."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
