"""Exchange rates: the rate on a date, conversion to the base currency, entry, CSV import, dual amounts.

A rate is base-currency units per one unit of a currency (1 KHR = 0.000245 USD when USD is the
base). The rate used on a date is the latest one dated on or before it: rates are entered on
working days and hold until the next one.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import records
from ..core.actor import Actor
from ..core.errors import ErrorList, FieldError, ValidationFailed
from ..core.money import CURRENCIES, Currency, currency as currency_of
from ..org.models import Company
from .models import ExchangeRate
from .schemas import ExchangeRateImportOut

ENTITY = "exchange_rate"
# The Rate column keeps 10 decimal places; on SQLite it is a 64-bit integer of 1e-10 units,
# so a rate stays below 10**8 (VND per USD, the largest in use, is about 25,000).
RATE_PLACES = 10
RATE_MAX = Decimal(10) ** 8
# Beyond this a converted amount means a wrong rate or amount (and would exceed Decimal's precision).
MAX_CONVERTED = Decimal(10) ** 20
# An import is one request: a bound on rows keeps it one reasonable transaction.
IMPORT_MAX_ROWS = 20_000


def company_currencies(session: Session, company_id: int) -> tuple[str, str | None]:
    """The company's base currency and its second currency (or None), read once per session."""
    cache = session.info.setdefault("cb_currencies", {})
    if company_id not in cache:
        row = session.execute(
            select(Company.base_currency, Company.second_currency).where(Company.id == company_id)
        ).one()
        cache[company_id] = (row[0], row[1])
    return cache[company_id]


def rate_on(session: Session, company_id: int, currency: str, on: dt.date, field: str = "currency") -> Decimal:
    """Base-currency units per one unit of `currency` on `on`: the latest rate dated on or before it."""
    base, _second = company_currencies(session, company_id)
    if currency == base:
        return Decimal(1)
    rate = session.scalar(
        select(ExchangeRate.rate)
        .where(ExchangeRate.company_id == company_id, ExchangeRate.currency == currency, ExchangeRate.date <= on)
        .order_by(ExchangeRate.date.desc())
        .limit(1)
    )
    if rate is None:
        raise ValidationFailed(
            errors=[FieldError(field, "missing_rate", {"currency": currency, "date": on.isoformat()})]
        )
    return rate


def to_base(session: Session, company_id: int, amount: Decimal, currency: str, on: dt.date,
            field: str = "currency") -> tuple[Decimal, Decimal]:
    """(rate, amount in the base currency rounded by the base currency)."""
    base, _second = company_currencies(session, company_id)
    rate = rate_on(session, company_id, currency, on, field)
    return rate, currency_of(base).round(amount * rate)


def convert(session: Session, company_id: int, amount: Decimal, from_currency: str, to_currency: str,
            on: dt.date, *, from_field: str = "from", to_field: str = "to") -> tuple[Decimal, Decimal]:
    """(rate from → to, amount in `to_currency` rounded by it), crossing through the base currency.

    Both missing rates are reported together.
    """
    errors = ErrorList()
    rates: dict[str, Decimal] = {}
    for code, field in ((from_currency, from_field), (to_currency, to_field)):
        try:
            rates[code] = rate_on(session, company_id, code, on, field)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    errors.raise_if_any()
    if from_currency == to_currency:
        return Decimal(1), currency_of(to_currency).round(amount)
    # Convert through the base amount, never through a rounded cross rate, so the figure does not drift.
    base_amount = amount * rates[from_currency]
    cross = rates[from_currency] / rates[to_currency]
    result = base_amount / rates[to_currency]
    if abs(result) >= MAX_CONVERTED:
        raise ValidationFailed(errors=[FieldError("amount", "too_large", {"max": str(MAX_CONVERTED)})])
    return cross, currency_of(to_currency).round(result)


@dataclass(frozen=True)
class Dual:
    """One amount in the company's base and second currencies."""

    currency: str
    amount: Decimal
    second_currency: str | None
    second_amount: Decimal | None
    rate: Decimal | None
    # What a cashier takes in cash where the second currency is paid in steps (KHR: 100 riel).
    second_cash: Decimal | None

    def as_dict(self) -> dict[str, Decimal]:
        out = {self.currency: self.amount}
        if self.second_currency is not None and self.second_amount is not None:
            out[self.second_currency] = self.second_amount
        return out


def cash_round(cur: Currency, amount: Decimal) -> Decimal:
    """The amount a cashier asks for: to the currency's cash step, half up (KHR 41,050 → 41,100)."""
    if cur.cash_step is None:
        return cur.round(amount)
    steps = (amount / cur.cash_step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return cur.round(steps * cur.cash_step)


def dual_amounts(session: Session, company_id: int, amount: Decimal, currency: str, on: dt.date,
                 field: str = "currency") -> Dual:
    """`amount` in `currency` shown in the company's base and second currencies on `on`.

    The amount in its own currency is kept as given; the other figure is converted through the
    base currency and rounded to its minor units. The second currency's cash figure (KHR to 100
    riel) is given separately so documents never mix the accounting figure and the cash figure.
    """
    base, second = company_currencies(session, company_id)
    pair = [base] + ([second] if second and second != base else [])
    if currency not in pair:
        # A third currency: show it beside the base currency.
        pair = [currency, base]
    first, other = pair[0], (pair[1] if len(pair) > 1 else None)
    if currency == first:
        first_amount = currency_of(first).round(amount)
    else:
        _rate, first_amount = convert(session, company_id, amount, currency, first, on,
                                      from_field=field, to_field=field)
    if other is None:
        return Dual(first, first_amount, None, None, None, None)
    if currency == other:
        other_amount = currency_of(other).round(amount)
    else:
        _rate, other_amount = convert(session, company_id, amount, currency, other, on,
                                      from_field=field, to_field=field)
    rate = rate_on(session, company_id, other if other != base else first, on, field)
    other_cur = currency_of(other)
    return Dual(first, first_amount, other, other_amount, rate,
                cash_round(other_cur, other_amount) if other_cur.cash_step is not None else None)


def dual(session: Session, company_id: int, amount: Decimal, currency: str, on: dt.date) -> dict[str, Decimal]:
    """{base currency: amount, second currency: amount}: what documents print side by side."""
    return dual_amounts(session, company_id, amount, currency, on).as_dict()


# --- entering rates ---------------------------------------------------------------------------


def present(rate: ExchangeRate) -> dict[str, Any]:
    return {
        "id": rate.id, "currency": rate.currency, "date": rate.date.isoformat(), "rate": str(rate.rate),
        "source": rate.source, "version": rate.version,
    }


def check_rate_value(errors: ErrorList, field: str, value: Decimal) -> None:
    """A rate is positive, fits the column (10 places, 10 integer digits)."""
    if value <= 0:
        errors.add(field, "must_be_positive")
    elif value != value.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        errors.add(field, "too_many_places", places=RATE_PLACES)
    elif value >= RATE_MAX:
        errors.add(field, "rate_too_large", max=str(RATE_MAX))


def check_rate_currency(errors: ErrorList, field: str, code: str, base: str) -> None:
    if code not in CURRENCIES:
        errors.add(field, "invalid_currency")
    elif code == base:
        errors.add(field, "base_currency_rate", currency=code)


def list_rates(session: Session, actor: Actor, *, currency: str | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None, limit: int = 1000) -> list[ExchangeRate]:
    stmt = select(ExchangeRate).where(ExchangeRate.company_id == actor.company_id)
    if currency:
        stmt = stmt.where(ExchangeRate.currency == currency)
    if date_from:
        stmt = stmt.where(ExchangeRate.date >= date_from)
    if date_to:
        stmt = stmt.where(ExchangeRate.date <= date_to)
    stmt = stmt.order_by(ExchangeRate.date.desc(), ExchangeRate.currency, ExchangeRate.id).limit(limit)
    return list(session.scalars(stmt))


def _existing(session: Session, company_id: int, currency: str, on: dt.date) -> ExchangeRate | None:
    return session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.company_id == company_id, ExchangeRate.currency == currency, ExchangeRate.date == on
        )
    )


def create_rate(session: Session, actor: Actor, *, currency: str, on: dt.date, rate: Decimal,
                source: str = "manual") -> ExchangeRate:
    """A new rate for a currency and date; a second rate for the same day is 409 already_exists."""
    base, _second = company_currencies(session, actor.company_id)
    errors = ErrorList()
    check_rate_currency(errors, "currency", currency, base)
    check_rate_value(errors, "rate", rate)
    errors.raise_if_any()
    if _existing(session, actor.company_id, currency, on) is not None:
        errors.add("date", "already_exists")
        errors.raise_if_any()
    obj = ExchangeRate(company_id=actor.company_id, currency=currency, date=on, rate=rate, source=source)
    return records.create(session, actor, obj, ENTITY)


def update_rate(session: Session, actor: Actor, rate_id: int, *, version: int, rate: Decimal) -> ExchangeRate:
    """Change a rate's value (its currency and date are its identity)."""
    obj = records.get_versioned(session, actor, ExchangeRate, rate_id, ENTITY, version, present)
    errors = ErrorList()
    check_rate_value(errors, "rate", rate)
    errors.raise_if_any()
    return records.change(session, actor, obj, {"rate": rate, "source": "manual"}, ENTITY)


# --- CSV import --------------------------------------------------------------------------------

_HEADER_ALIASES = {"date": "date", "currency": "currency", "rate": "rate"}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
_NUMBER = re.compile(r"^[0-9]+([.,][0-9]+)?$")


def _sniff_delimiter(first_line: str) -> str:
    # Semicolons are what a European Excel writes (its decimal separator is the comma).
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_rate(text: str) -> Decimal | None:
    text = text.replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def parse_rates_csv(text: str, base: str) -> tuple[list[tuple[int, str, dt.date, Decimal]], ErrorList]:
    """Rows (line, currency, date, rate) of a CSV with columns date, currency, rate, and every bad row.

    Headers in any case and order; comma or semicolon separated; a decimal comma is accepted
    (with semicolons, or quoted). Errors name `rows.<line>.<column>` with the file's line number.
    """
    errors = ErrorList()
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        errors.add("csv", "csv_empty")
        return [], errors
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(lines[0]))
    header = [h.strip().lower() for h in next(reader)]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in _HEADER_ALIASES and _HEADER_ALIASES[name] not in columns:
            columns[_HEADER_ALIASES[name]] = i
    missing = [c for c in ("date", "currency", "rate") if c not in columns]
    if missing:
        errors.add("csv", "csv_missing_columns", columns=", ".join(missing))
        return [], errors
    rows: list[tuple[int, str, dt.date, Decimal]] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(errors.items) >= IMPORT_MAX_ROWS:
            errors.add("csv", "csv_too_many_rows", max=IMPORT_MAX_ROWS)
            break

        def cell(name: str) -> str:
            i = columns[name]
            return cells[i].strip() if i < len(cells) else ""

        where = f"rows.{line}"
        before = len(errors.items)
        raw_date, raw_cur, raw_rate = cell("date"), cell("currency").upper(), cell("rate")
        on = _parse_date(raw_date)
        if not raw_date:
            errors.add(f"{where}.date", "required")
        elif on is None:
            errors.add(f"{where}.date", "invalid_date")
        if not raw_cur:
            errors.add(f"{where}.currency", "required")
        else:
            check_rate_currency(errors, f"{where}.currency", raw_cur, base)
        rate = _parse_rate(raw_rate)
        if not raw_rate:
            errors.add(f"{where}.rate", "required")
        elif rate is None:
            errors.add(f"{where}.rate", "invalid_decimal")
        else:
            check_rate_value(errors, f"{where}.rate", rate)
        if len(errors.items) == before and on is not None and rate is not None:
            if (raw_cur, on) in seen:
                errors.add(f"{where}.date", "csv_duplicate_row", line=seen[(raw_cur, on)])
            else:
                seen[(raw_cur, on)] = line
                rows.append((line, raw_cur, on, rate))
    if not rows and not errors:
        errors.add("csv", "csv_empty")
    return rows, errors


def import_rates_csv(session: Session, actor: Actor, text: str) -> ExchangeRateImportOut:
    """All or nothing: every bad row is reported with its line; existing dates are updated and counted."""
    base, _second = company_currencies(session, actor.company_id)
    rows, errors = parse_rates_csv(text, base)
    errors.raise_if_any()
    created = updated = same = 0
    for _line, code, on, rate in rows:
        obj = _existing(session, actor.company_id, code, on)
        if obj is None:
            records.create(session, actor, ExchangeRate(
                company_id=actor.company_id, currency=code, date=on, rate=rate, source="import"), ENTITY)
            created += 1
        elif obj.rate != rate:
            records.change(session, actor, obj, {"rate": rate, "source": "import"}, ENTITY)
            updated += 1
        else:
            same += 1
    return ExchangeRateImportOut(created=created, updated=updated, unchanged=same)
