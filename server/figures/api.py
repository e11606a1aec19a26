"""Figures API: a spreadsheet column of clients or prices in one request (the UDFs' array forms)."""
from __future__ import annotations

from typing import Any

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
    return service.client_figures(session, actor, body.clients, as_of=body.as_of, from_=body.from_, to=body.to,
                                  category=body.category)


@route(bp, "/figures/prices", method="POST", roles=ROLES, body=schemas.PriceFiguresIn,
       response=schemas.PriceFiguresOut, idempotent=False)
def price_figures(session: Session, actor: Actor, body: schemas.PriceFiguresIn) -> Any:
    """Prices of up to 10,000 SKUs, each for an optional client and quantity, on one date."""
    return service.prices(session, actor, body.items, on=body.date, currency=body.currency)

