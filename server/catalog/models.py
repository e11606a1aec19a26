"""Categories (a tree), products and services, price lists with their rules."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, ExactDecimal, IntPK, Qty, UTCDateTime, Versioned

PRODUCT_KINDS = ("goods", "service", "material")
BARCODE_TYPES = ("ean13", "code128")


def _name_in(obj: "Category | Product", language: str) -> str:
    # `name` is in the company's language; other languages fall back to it.
    return (obj.names or {}).get(language) or obj.name


class Category(Versioned, Base):
    """A nomenclature group; categories nest without limit through parent_id."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    # The name in other languages: {"km": "...", "ru": "..."}; `name` is the company's language.
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    def name_in(self, language: str) -> str:
        """The name in `language` (en, km, ru), else the name in the company's language."""
        return _name_in(self, language)


class Product(Versioned, Base):
    """Goods, a service or a material, sold or bought by SKU."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("company_id", "sku"),
        UniqueConstraint("company_id", "barcode"),
        Index("ix_products_company_category", "company_id", "category_id"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id"))
    sku: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(300))
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(10), default="goods")
    unit: Mapped[str] = mapped_column(String(20), default="pcs")
    barcode: Mapped[Optional[str]] = mapped_column(String(48))
    barcode_type: Mapped[Optional[str]] = mapped_column(String(10))
    # Percent, e.g. 10 for Cambodian VAT, 20 for Russian НДС; 0 for exempt.
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4), default=Decimal(0))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    def name_in(self, language: str) -> str:
        """The name in `language` (en, km, ru), else the name in the company's language."""
        return _name_in(self, language)


class PriceList(Versioned, Base):
    """Prices in one currency, for a segment and/or branch (or everyone), valid between dates.

    The list with no segment and no branch is a base list; a rule's discount is taken off the
    base price of the same currency. Higher `priority` wins among lists that apply.
    """

    __tablename__ = "price_lists"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    segment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("segments.id"))
    branch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("branches.id"))
    valid_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    valid_to: Mapped[Optional[dt.date]] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    # Sale prices, or purchase prices (what suppliers charge us).
    kind: Mapped[str] = mapped_column(String(10), default="sale")
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class PriceRule(Versioned, Base):
    """One line of a price list: for a product (or a whole category) from a quantity on.

    Either a fixed `price` (a fixed rate) or a `discount_percent` off the base price.
    """

    __tablename__ = "price_rules"
    __table_args__ = (Index("ix_price_rules_list_product", "price_list_id", "product_id"),)

    id: Mapped[IntPK]
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    product_id: Mapped[Optional[int]] = mapped_column(ForeignKey("products.id"), index=True)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id"), index=True)
    min_qty: Mapped[Qty] = mapped_column(default=Decimal(1))
    price: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(20, 4))
    discount_percent: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(9, 4))
    valid_from: Mapped[Optional[dt.date]] = mapped_column(Date)
    valid_to: Mapped[Optional[dt.date]] = mapped_column(Date)
