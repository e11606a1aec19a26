"""Figures API: a spreadsheet column of clients or prices in one request (the UDFs' array forms)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..routes import route
from . import schemas, service

bp = Blueprint("figures", __name__, url_prefix="/api/v1")

# Who follows clients' debts and quotes prices; sales users within their branch scope.
ROLES = ("owner", "accountant", "sales")


# POST because a column of keys does not fit a query string; nothing is written. idempotent=False:
# a read has nothing to replay, and storing a 20,000-item answer under an Idempotency-Key would be waste.
@route(bp, "/figures/clients", method="POST", roles=ROLES, body=schemas.ClientFiguresIn,
       response=schemas.ClientFiguresOut, idempotent=False)
def client_figures(session: Session, actor: Actor, body: schemas.ClientFiguresIn) -> Any:
    """Balance, overdue, net sales and last order date of up to 20,000 clients (ids, tax ids or names)."""
    r = service.client_figures(session, actor, body.clients, as_of=body.as_of, from_=body.from_, to=body.to,
                               category=body.category)
    # Laid out by hand rather than through a generic walk: twenty thousand items are answered in one go.
    return {"as_of": r.as_of.isoformat(), "from_date": r.from_date.isoformat(), "to_date": r.to_date.isoformat(),
            "currency": r.currency, "items": [
                {"key": i.key, "id": i.id, "balance": _text(i.balance), "overdue": _text(i.overdue),
                 "sales": _text(i.sales), "last_order_date": i.last_order_date and i.last_order_date.isoformat(),
                 "error": i.error} for i in r.items]}


@route(bp, "/figures/prices", method="POST", roles=ROLES, body=schemas.PriceFiguresIn,
       response=schemas.PriceFiguresOut, idempotent=False)
def price_figures(session: Session, actor: Actor, body: schemas.PriceFiguresIn) -> Any:
    """Prices of up to 10,000 SKUs, each for an optional client and quantity, on one date."""
    r = service.prices(session, actor, body.items, on=body.date, currency=body.currency)
    # By hand like the clients' answer: building ten thousand pydantic items costs several times the query.
    return {"date": r.date.isoformat(), "items": [
        {"sku": i.sku, "client": i.client, "product_id": i.product_id, "client_id": i.client_id, "price": _text(i.price),
         "currency": i.currency, "error": i.error, "field": i.field} for i in r.items]}


def _text(amount: Optional[Decimal]) -> Optional[str]:
    return None if amount is None else str(amount)
