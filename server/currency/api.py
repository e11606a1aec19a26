"""Exchange rates API: rates by date, entered or imported from CSV; the currencies the company uses."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..routes import ALL_ROLES, route
from ..core.money import CURRENCIES
from . import schemas, service
from .models import ExchangeRate

bp = Blueprint("rates", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "sales")
WRITE = ("owner", "accountant")
# Showing an amount in two currencies is needed wherever prices are: the catalog's readers too.
CONVERT = ("owner", "accountant", "sales", "warehouse")


@route(bp, "/currencies", roles=ALL_ROLES, response=schemas.KnownCurrencyList)
def list_currencies(session: Session, actor: Actor) -> schemas.KnownCurrencyList:
    """The known currencies with their minor units, and the company's base and second currency."""
    base, second = service.company_currencies(session, actor.company_id)
    return schemas.KnownCurrencyList(base_currency=base, second_currency=second, items=[
        schemas.KnownCurrency(code=c.code, minor_units=c.minor_units, cash_step=c.cash_step, is_base=c.code == base,
                            is_second=c.code == second)
        for c in sorted(CURRENCIES.values(), key=lambda c: c.code)
    ])


@route(bp, "/money/convert", roles=CONVERT, query=schemas.MoneyConvertQuery, response=schemas.MoneyConvertOut)
def convert(session: Session, actor: Actor, query: schemas.MoneyConvertQuery) -> schemas.MoneyConvertOut:
    """An amount converted to another currency, and shown in the company's two currencies, on a date."""
    on = query.date or dates.today()
    rate = result = None
    if query.to is not None:
        rate, result = service.convert(session, actor.company_id, query.amount, query.from_, query.to, on)
    shown = service.dual_amounts(session, actor.company_id, query.amount, query.from_, on, "from")
    return schemas.MoneyConvertOut(
        amount=query.amount, currency=query.from_, date=on, to=query.to, rate=rate, result=result,
        amounts=shown.as_dict(), second_cash=shown.second_cash,
    )


@route(bp, "/exchange-rates", roles=READ, query=schemas.ExchangeRateQuery, response=schemas.ExchangeRateList)
def list_rates(session: Session, actor: Actor, query: schemas.ExchangeRateQuery) -> schemas.ExchangeRateList:
    """List exchange rates, newest first; filter by currency and date range."""
    rows = service.list_rates(session, actor, currency=query.currency, date_from=query.date_from,
                            date_to=query.date_to, limit=query.limit)
    return schemas.ExchangeRateList(items=[schemas.ExchangeRateOut.model_validate(r) for r in rows])


@route(bp, "/exchange-rates", method="POST", roles=WRITE, body=schemas.ExchangeRateIn, response=schemas.ExchangeRateOut, status=201)
def create_rate(session: Session, actor: Actor, body: schemas.ExchangeRateIn) -> schemas.ExchangeRateOut:
    """Enter the rate of a currency on a date (base-currency units per one unit)."""
    return schemas.ExchangeRateOut.model_validate(
        service.create_rate(session, actor, currency=body.currency, on=body.date, rate=body.rate))


@route(bp, "/exchange-rates/import", method="POST", roles=WRITE, body=schemas.ExchangeRateImportIn,
       response=schemas.ExchangeRateImportOut)
def import_rates(session: Session, actor: Actor, body: schemas.ExchangeRateImportIn) -> schemas.ExchangeRateImportOut:
    """Import rates from CSV text (date,currency,rate): all or nothing; existing dates are updated."""
    return service.import_rates_csv(session, actor, body.csv)


@route(bp, "/exchange-rates/<int:id>", roles=READ, response=schemas.ExchangeRateOut)
def get_rate(session: Session, actor: Actor, id: int) -> schemas.ExchangeRateOut:
    """Read one exchange rate."""
    return schemas.ExchangeRateOut.model_validate(records.get_owned(session, actor, ExchangeRate, id, "exchange_rate"))


@route(bp, "/exchange-rates/<int:id>", method="PATCH", roles=WRITE, body=schemas.ExchangeRatePatch, response=schemas.ExchangeRateOut)
def update_rate(session: Session, actor: Actor, id: int, body: schemas.ExchangeRatePatch) -> schemas.ExchangeRateOut:
    """Change an exchange rate's value (needs its current version)."""
    return schemas.ExchangeRateOut.model_validate(
        service.update_rate(session, actor, id, version=body.version, rate=body.rate))
