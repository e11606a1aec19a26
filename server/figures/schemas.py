"""Bodies and answers of the figures API: many keys in, one item per key out, amounts as decimal strings."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional, Union

from pydantic import BeforeValidator, Field, StrictInt, StringConstraints
from pydantic_core import PydanticCustomError

from ..core.validation import CurrencyCode, Input, Output, Quantity
from ..reports.schemas import ReportDate

MAX_CLIENTS = 20_000
MAX_PRICES = 10_000

MAX_KEY = 300


def _key(value: object) -> object:
    # One error per bad key (not one per member of the union), in our codes.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PydanticCustomError("wrong_type", "expected an id, a tax id or a name",
                                  {"expected": "an integer or a string"})
    if isinstance(value, str) and len(value) > MAX_KEY:
        raise PydanticCustomError("string_too_long", "too long", {"max_length": MAX_KEY})
    return value


# What a spreadsheet cell holds: an id, a tax id or a name. Not stripped or refused here: one odd cell
# (blank, a line break typed with Alt+Enter) gets its own error in its item, not a refusal of the column.
ClientKey = Annotated[Union[StrictInt, Annotated[str, StringConstraints(max_length=MAX_KEY)]], BeforeValidator(_key)]


class ClientFiguresIn(Input):
    """Keys of clients and the dates and category their figures are for."""

    clients: list[ClientKey] = Field(min_length=1, max_length=MAX_CLIENTS)  # type: ignore[valid-type]
    # Balance and overdue are as of this date (default today).
    as_of: Optional[ReportDate] = None
    # Sales are those dated from/to (default: the start of the year of `to`, today).
    from_: Optional[ReportDate] = Field(default=None, alias="from")
    to: Optional[ReportDate] = None
    # Sales of products in this category or its subcategories only.
    category: Optional[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]] = None


class ClientFigures(Output):
    key: ClientKey  # type: ignore[valid-type]
    id: Optional[int]
    # Receivable minus payable of the open documents, in the base currency.
    balance: Optional[str]
    # The open amount of sales invoices past due as of `as_of`, in the base currency.
    overdue: Optional[str]
    # Net sales in the base currency over the period, credit notes negative.
    sales: Optional[str]
    last_order_date: Optional[dt.date]
    # not_found, ambiguous, out_of_branch_scope or required (a blank key); null when the figures are there.
    error: Optional[str]


class ClientFiguresOut(Output):
    as_of: dt.date
    from_date: dt.date
    to_date: dt.date
    currency: str
    items: list[ClientFigures]


class PriceItemIn(Input):
    sku: Annotated[str, StringConstraints(max_length=60)]
    client: Optional[ClientKey] = None  # type: ignore[valid-type]
    qty: Optional[Quantity] = None


class PriceFiguresIn(Input):
    """SKUs (each with an optional client and quantity) to price on one date."""

    items: list[PriceItemIn] = Field(min_length=1, max_length=MAX_PRICES)
    date: Optional[ReportDate] = None
    # Default: the company's base currency.
    currency: Optional[CurrencyCode] = None


class PriceFigure(Output):
    sku: str
    client: Optional[ClientKey]  # type: ignore[valid-type]
    product_id: Optional[int]
    client_id: Optional[int]
    price: Optional[str]
    currency: Optional[str]
    # A code (not_found, ambiguous, no_price, ...) and the input it is about (sku, client, qty, currency).
    error: Optional[str]
    field: Optional[str]


class PriceFiguresOut(Output):
    date: dt.date
    items: list[PriceFigure]

