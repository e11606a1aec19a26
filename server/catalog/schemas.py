"""Input and output shapes of the catalog, pricing, currency and exchange-rate API."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal, Optional

from pydantic import Field, field_validator

from ..core.validation import (
    IsoDate,
    Code, QueryDate, CurrencyCode, Id, Input, NonNegativeAmount, Output, Percent, PageQuery, QueryInput, page_limit, Quantity, Text,
    Version, plain,
)

Kind = Literal["goods", "service", "material"]
BarcodeType = Literal["ean13", "code128"]
ListKind = Literal["sale", "purchase"]
Name = Text(200, 1)
# Priorities order lists that are otherwise alike; a small range keeps them readable.
Priority = Field(default=0, ge=-1000, le=1000)




class CatalogNames(Input):
    """The name in other languages than the company's; an empty value removes it."""

    en: Optional[Text(300)] = None  # type: ignore[valid-type]
    km: Optional[Text(300)] = None  # type: ignore[valid-type]
    ru: Optional[Text(300)] = None  # type: ignore[valid-type]


class ListQuery(PageQuery):
    include_archived: bool = False


# --- categories --------------------------------------------------------------------------------


class ProductCategoryIn(Input):
    code: Code
    name: Name  # type: ignore[valid-type]
    names: CatalogNames = Field(default_factory=CatalogNames)
    parent_id: Optional[Id] = None


class ProductCategoryPatch(Input):
    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Name = None  # type: ignore[valid-type]
    names: CatalogNames = None  # type: ignore[assignment]
    parent_id: Optional[Id] = None


class ProductCategoryOut(Output):
    id: int
    code: str
    name: str
    names: dict[str, str]
    parent_id: Optional[int]
    archived_at: Optional[dt.datetime]
    version: Version


class ProductCategoryList(Output):
    items: list[ProductCategoryOut]


class ProductCategoryNode(Output):
    """A category in the tree listing: depth-first order, with its depth and path of codes."""

    id: int
    code: str
    name: str
    names: dict[str, str]
    parent_id: Optional[int]
    depth: int
    path: str
    archived_at: Optional[dt.datetime]
    version: Version


class ProductCategoryTree(Output):
    items: list[ProductCategoryNode]


# --- products ----------------------------------------------------------------------------------


class ProductIn(Input):
    sku: Text(60, 1)  # type: ignore[valid-type]
    name: Text(300, 1)  # type: ignore[valid-type]
    names: CatalogNames = Field(default_factory=CatalogNames)
    kind: Kind = "goods"
    unit: Text(20, 1) = "pcs"  # type: ignore[valid-type]
    barcode: Optional[Text(48, 1)] = None  # type: ignore[valid-type]
    # Omitted: 8, 12 or 13 digits are read as EAN/UPC, anything else as Code 128.
    barcode_type: Optional[BarcodeType] = None
    tax_rate: Percent = Decimal(0)
    category_id: Optional[Id] = None


class ProductPatch(Input):
    version: Version
    sku: Text(60, 1) = None  # type: ignore[valid-type]
    name: Text(300, 1) = None  # type: ignore[valid-type]
    names: CatalogNames = None  # type: ignore[assignment]
    kind: Kind = None  # type: ignore[assignment]
    unit: Text(20, 1) = None  # type: ignore[valid-type]
    barcode: Optional[Text(48, 1)] = None  # type: ignore[valid-type]
    barcode_type: Optional[BarcodeType] = None
    tax_rate: Percent = None  # type: ignore[assignment]
    category_id: Optional[Id] = None


class ProductOut(Output):
    id: int
    sku: str
    name: str
    names: dict[str, str]
    kind: str
    unit: str
    barcode: Optional[str]
    barcode_type: Optional[str]
    tax_rate: Decimal
    category_id: Optional[int]
    archived_at: Optional[dt.datetime]
    version: Version

    _plain_rate = field_validator("tax_rate")(plain)


class ProductQuery(PageQuery):
    q: Optional[Text(100)] = None  # type: ignore[valid-type]
    category_id: Optional[Id] = None
    # With category_id: also products of its subcategories.
    subtree: bool = True
    kind: Optional[Kind] = None
    include_archived: bool = False
    limit: int = page_limit(100)  # type: ignore[assignment]


class ProductPage(Output):
    items: list[ProductOut]
    total: int


# --- price lists -------------------------------------------------------------------------------


class PriceRuleIn(Input):
    product_id: Optional[Id] = None
    category_id: Optional[Id] = None
    min_qty: Quantity = Decimal(1)
    price: Optional[NonNegativeAmount] = None
    discount_percent: Optional[Percent] = None
    valid_from: Optional[IsoDate] = None
    valid_to: Optional[IsoDate] = None


class PriceRuleOut(Output):
    id: int
    product_id: Optional[int]
    category_id: Optional[int]
    min_qty: Decimal
    price: Optional[Decimal]
    discount_percent: Optional[Decimal]
    valid_from: Optional[dt.date]
    valid_to: Optional[dt.date]

    _plain = field_validator("min_qty", "discount_percent")(plain)


class PriceListIn(Input):
    code: Code
    name: Name  # type: ignore[valid-type]
    currency: CurrencyCode
    kind: ListKind = "sale"
    segment_id: Optional[Id] = None
    branch_id: Optional[Id] = None
    valid_from: Optional[IsoDate] = None
    valid_to: Optional[IsoDate] = None
    priority: int = Priority
    rules: list[PriceRuleIn] = Field(default_factory=list, max_length=2000)


class PriceListPatch(Input):
    """Changed fields; `rules`, when given, replace all the list's rules."""

    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Name = None  # type: ignore[valid-type]
    currency: CurrencyCode = None  # type: ignore[assignment]
    kind: ListKind = None  # type: ignore[assignment]
    segment_id: Optional[Id] = None
    branch_id: Optional[Id] = None
    valid_from: Optional[IsoDate] = None
    valid_to: Optional[IsoDate] = None
    priority: int = Field(default=None, ge=-1000, le=1000)  # type: ignore[assignment]
    rules: list[PriceRuleIn] = Field(default=None, max_length=2000)  # type: ignore[assignment]


class PriceListOut(Output):
    id: int
    code: str
    name: str
    currency: str
    kind: str
    segment_id: Optional[int]
    branch_id: Optional[int]
    valid_from: Optional[dt.date]
    valid_to: Optional[dt.date]
    priority: int
    rules: list[PriceRuleOut]
    archived_at: Optional[dt.datetime]
    version: Version


class PriceListList(Output):
    items: list[PriceListOut]


class PriceQuoteQuery(QueryInput):
    sku: Optional[Text(60, 1)] = None  # type: ignore[valid-type]
    product_id: Optional[Id] = None
    client_id: Optional[Id] = None
    date: Optional[QueryDate] = None
    qty: Quantity = Decimal(1)
    currency: Optional[CurrencyCode] = None
    branch_id: Optional[Id] = None


class PriceQuoteOut(Output):
    product_id: int
    sku: str
    price: Decimal
    currency: str
    tax_rate: Decimal
    discount_percent: Decimal
    base_price: Optional[Decimal]
    rate: Optional[Decimal]
    price_list_id: Optional[int]
    rule_id: Optional[int]
    explanation: str
    considered: list[str]

    _plain = field_validator("tax_rate", "discount_percent", "rate")(plain)
