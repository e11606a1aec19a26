"""Input and output shapes of the currencies and exchange-rates API."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from pydantic import Field, field_validator

from ..core.validation import CurrencyCode, DecimalText, Input, IsoDate, Output, QueryDate, QueryInput, Version, plain


class KnownCurrency(Output):
    code: str
    minor_units: int
    cash_step: Optional[Decimal]
    is_base: bool
    is_second: bool


class KnownCurrencyList(Output):
    base_currency: str
    second_currency: Optional[str]
    items: list[KnownCurrency]


class MoneyConvertQuery(QueryInput):
    amount: DecimalText
    # "from" is a Python keyword: the parameter is spelt from, the field from_.
    from_: CurrencyCode = Field(alias="from")
    to: Optional[CurrencyCode] = None
    date: Optional[QueryDate] = None


class MoneyConvertOut(Output):
    amount: Decimal
    currency: str
    date: dt.date
    to: Optional[str]
    rate: Optional[Decimal]
    result: Optional[Decimal]
    # The amount in the company's base and second currencies (what documents print side by side).
    amounts: dict[str, Decimal]
    # The second currency as a cashier takes it (KHR to 100 riel); null where there is no cash step.
    second_cash: Optional[Decimal]

    _plain_rate = field_validator("rate")(plain)


class ExchangeRateIn(Input):
    currency: CurrencyCode
    date: IsoDate
    rate: DecimalText


class ExchangeRatePatch(Input):
    version: Version
    rate: DecimalText


class ExchangeRateOut(Output):
    id: int
    currency: str
    date: dt.date
    rate: Decimal
    source: str
    version: Version

    _plain_rate = field_validator("rate")(plain)


class ExchangeRateQuery(QueryInput):
    currency: Optional[CurrencyCode] = None
    date_from: Optional[QueryDate] = None
    date_to: Optional[QueryDate] = None
    limit: int = Field(default=1000, ge=1, le=10000)


class ExchangeRateList(Output):
    items: list[ExchangeRateOut]


class ExchangeRateImportIn(Input):
    """A CSV file's text: columns date, currency, rate (any case, any order; comma or semicolon)."""

    csv: str = Field(max_length=2_000_000)


class ExchangeRateImportOut(Output):
    created: int
    updated: int
    unchanged: int
