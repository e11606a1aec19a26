"""Exchange rates of a company, by currency and date."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, IntPK, Rate, Versioned


class ExchangeRate(Versioned, Base):
    """Base-currency units per one unit of `currency` on `date` (entered or imported)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("company_id", "currency", "date"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    currency: Mapped[str] = mapped_column(String(3))
    date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Rate]
    source: Mapped[str] = mapped_column(String(20), default="manual")
