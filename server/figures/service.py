"""Figures of many clients, and prices of many SKUs, at once: what spreadsheet formulas fill a column with.

Every figure is one grouped SQL query over all the clients asked for, never a query per client:
balances and overdue amounts read the open items the aging report reads (`reports.aging`), sales
are the cells of the purchase-levels report. Keys are resolved by indexed lookups, a chunk of keys
per statement, or, for a column as long as the company's list of clients, by one read of that list.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, NamedTuple, Optional, Union

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..catalog.models import Category, Product
from ..catalog.pricing import price_for
from ..core import dates
from ..core.actor import Actor
from ..core.errors import DomainError, ErrorList, ValidationFailed
from ..ledger.service import books
from ..parties.models import Counterparty
from ..parties.normalize import name_key, tax_id_key
from ..reports.aging import SIDES, open_items, open_sums
from ..reports.service import BOOKED, CREDIT_KINDS, SALE_KINDS, branch_scope, money_sum, period
from ..sales.models import Invoice, InvoiceLine, Order

Key = Union[int, str]
ZERO = Decimal(0)
MAX_ID = 2**62  # ids live in 64-bit columns: a larger number names nothing
CHUNK = 500  # values per IN list, far below any driver's limit on bound parameters
# Up to this many clients a query names them (IN); beyond it, one pass over the company's documents
# grouped by client is cheaper than thousands of parameters, and the answer keeps the ones asked for.
NAMED = 500
# An order counts from confirmation on; a draft is not an order yet and a cancelled one never was.
NOT_ORDERS = ("draft", "cancelled")


# --- which client a key names ---------------------------------------------------------------------

class Match(NamedTuple):
    """The client a key names, or why there is none (not_found, ambiguous, out_of_branch_scope, required)."""

    id: Optional[int]
    error: Optional[str] = None
    segment_id: Optional[int] = None


NOT_FOUND, AMBIGUOUS = Match(None, "not_found"), Match(None, "ambiguous")
OUT_OF_SCOPE, REQUIRED = Match(None, "out_of_branch_scope"), Match(None, "required")


_DIGIT = re.compile(r"\d")


def _as_id(text: str) -> Optional[int]:
    n = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
    return n if n is not None and 1 <= n <= MAX_ID else None


def _in_chunks(session: Session, stmt: Select[Any], column: Any, values: Iterable[Any]) -> list[Any]:
    """The rows of `stmt` whose `column` is one of `values`, a chunk of them per statement (Core rows)."""
    values = sorted(values)
    conn = session.connection()
    rows: list[Any] = []
    for start in range(0, len(values), CHUNK):
        rows.extend(conn.execute(stmt.where(column.in_(values[start:start + CHUNK]))).all())
    return rows


def _directory(session: Session, actor: Actor, ids: set[int], taxes: set[str], names: set[str]) -> list[Any]:
    """The company's clients that any of the ids, tax ids or names could name (and maybe a few more).

    Few keys: indexed lookups, a chunk of keys per statement. Keys in the order of the company's
    number of clients: one read of the whole list costs less than thousands of lookups.
    """
    c = Counterparty
    base = select(c.id, c.branch_id, c.segment_id, c.tax_id_key, c.name_key).where(c.company_id == actor.company_id)
    wanted = len(ids) + len(taxes) + len(names)
    if wanted > NAMED:
        count = session.scalar(select(func.count()).select_from(c).where(c.company_id == actor.company_id)) or 0
        if count <= 4 * wanted:
            return list(session.connection().execute(base).all())
    rows = {}
    for column, values in ((c.id, ids), (c.tax_id_key, taxes), (c.name_key, names)):
        # A client found twice (by id and by name) is still one client.
        rows.update((row[0], row) for row in _in_chunks(session, base, column, values))
    return list(rows.values())


def resolve_clients(session: Session, actor: Actor, keys: Iterable[Key]) -> dict[Key, Match]:
    """Each distinct key → the one client it names.

    A JSON integer is an id. A text key is tried as an id when it is all digits, then as a tax id
    (compared without separators), then as a name (spaces and case folded); the first that names
    anyone decides. Digits go on to the tax id because many tax ids (a Russian INN) are only digits.
    Clients outside a sales user's branches are not found by tax id or name; named by id, they
    answer out_of_branch_scope, as the client's own page does.
    """
    # Three plain maps rather than an object per key: a column of 20,000 keys allocates little.
    as_id: dict[Key, int] = {}
    as_tax: dict[Key, str] = {}
    as_name: dict[Key, str] = {}
    blank: set[Key] = set()
    distinct = set(keys)
    for key in distinct:
        if isinstance(key, int):
            if 1 <= key <= MAX_ID:
                as_id[key] = key
            continue
        text = key.strip()
        if not text:
            blank.add(key)
            continue
        n = _as_id(text)
        if n is not None:
            as_id[key] = n
        # Tax ids of every scheme we know carry digits; a key without one is only a name.
        if _DIGIT.search(text):
            as_tax[key] = tax_id_key(text)
        as_name[key] = name_key(text)
    ids, taxes, names = set(as_id.values()), set(as_tax.values()), set(as_name.values())
    by_id: dict[int, Match] = {}
    by_tax: dict[str, Match] = {}
    by_name: dict[str, Match] = {}
    scope = set(actor.branch_ids)
    for id_, branch_id, segment_id, tax, name in _directory(session, actor, ids, taxes, names):
        # Actor.sees_branch: records without a branch are the whole company's.
        visible = not scope or branch_id is None or branch_id in scope
        if id_ in ids:
            by_id[id_] = Match(id_, None, segment_id) if visible else OUT_OF_SCOPE
        if not visible:
            continue
        if tax in taxes:
            by_tax[tax] = AMBIGUOUS if tax in by_tax else Match(id_, None, segment_id)
        if name in names:
            by_name[name] = AMBIGUOUS if name in by_name else Match(id_, None, segment_id)

    def match(key: Key) -> Match:
        # Ids are never 0 and keys never empty: the defaults find nothing.
        found = by_id.get(as_id.get(key, 0))
        if found is None and not isinstance(key, int):
            found = by_tax.get(as_tax.get(key, "")) or by_name.get(as_name.get(key, ""))
        return found or (REQUIRED if key in blank else NOT_FOUND)

    return {key: match(key) for key in distinct}


# --- figures of clients ---------------------------------------------------------------------------

@dataclass(slots=True)
class ClientFigure:
    key: Key
    id: Optional[int]
    balance: Optional[Decimal]
    overdue: Optional[Decimal]
    sales: Optional[Decimal]
    last_order_date: Optional[dt.date]
    error: Optional[str]


@dataclass
class ClientFigures:
    as_of: dt.date
    from_date: dt.date
    to_date: dt.date
    currency: str
    items: list[ClientFigure]


def category_ids(session: Session, actor: Actor, code: str) -> Optional[list[int]]:
    """The category with this code (exact, else the one that matches ignoring case) and all below it."""
    rows = session.execute(select(Category.id, Category.parent_id, Category.code)
                           .where(Category.company_id == actor.company_id)).all()
    found = [r.id for r in rows if r.code == code] or [r.id for r in rows if r.code.casefold() == code.casefold()]
    if len(found) != 1:
        return None
    children: dict[Optional[int], list[int]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r.id)
    out, todo = [], list(found)
    while todo:
        cat = todo.pop()
        if cat not in out:  # a loop in the tree must not hang the request
            out.append(cat)
            todo.extend(children.get(cat, ()))
    return sorted(out)


def client_figures(session: Session, actor: Actor, keys: list[Key], *, as_of: Optional[dt.date] = None,
                   from_: Optional[dt.date] = None, to: Optional[dt.date] = None,
                   category: Optional[str] = None) -> ClientFigures:
    """Balance, overdue amount, net sales and last order date of each client a key names, in the base currency.

    balance: receivable minus payable of the documents open as of `as_of` (credit notes lower their side);
    overdue: what sales invoices past due on `as_of` still owe; sales: the period's net sales of posted
    documents (credit notes negative), each document's lines of one category converted at its rate and
    rounded by the base currency, as the purchase-levels report does; last_order_date: the latest date
    of a posted sales invoice or a confirmed order. A sales user's figures count their branches' documents.
    """
    errors = ErrorList()
    try:
        from_, to = period(from_, to)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    cats = None
    if category is not None:
        cats = category_ids(session, actor, category)
        if cats is None:
            errors.add("category", "unknown_reference", entity="category", value=category)
    errors.raise_if_any()
    assert from_ is not None and to is not None
    as_of = as_of or dates.today()
    base = books(session, actor.company_id).base
    matches = resolve_clients(session, actor, keys)
    ids = {m.id for m in matches.values() if m.id is not None}
    balance = _balances(session, actor, ids, as_of, base.code) if ids else {}
    overdue = _overdue(session, actor, ids, as_of, base.code) if ids else {}
    sales = _sales(session, actor, ids, from_, to, cats, base) if ids else {}
    last = _last_orders(session, actor, ids) if ids else {}
    quantum = base.quantum

    def rounded(amount: Optional[Decimal]) -> Decimal:
        # Rounded by the base currency; "+ ZERO" turns a negative zero (-0.00) into 0.00.
        return (amount or ZERO).quantize(quantum, ROUND_HALF_UP) + ZERO

    items = []
    for key in keys:
        m = matches[key]
        if m.id is None:
            items.append(ClientFigure(key, None, None, None, None, None, m.error))
            continue
        items.append(ClientFigure(key, m.id, rounded(balance.get(m.id)), rounded(overdue.get(m.id)),
                                  rounded(sales.get(m.id)), last.get(m.id), None))
    return ClientFigures(as_of, from_, to, base.code, items)


def _mine(actor: Actor, ids: set[int], model: Any) -> list[Any]:
    """The actor's branches, and the clients asked for when they are few enough to name."""
    where = branch_scope(actor, None, model.branch_id)
    if len(ids) <= NAMED:
        where.append(model.counterparty_id.in_(sorted(ids)))
    return where


def _balances(session: Session, actor: Actor, ids: set[int], as_of: dt.date, base: str) -> dict[int, Decimal]:
    receivable = SIDES["receivable"]
    items = open_items(session, actor, receivable + SIDES["payable"], as_of)
    out: dict[int, Decimal] = {}
    keys = [Invoice.counterparty_id, Invoice.kind]
    for cp, kind, _code, amount_base, _amount in open_sums(session, items, base, keys, _mine(actor, ids, Invoice)):
        if cp in ids:
            out[cp] = out.get(cp, ZERO) + (amount_base if kind in receivable else -amount_base)
    return out


def _overdue(session: Session, actor: Actor, ids: set[int], as_of: dt.date, base: str) -> dict[int, Decimal]:
    # Invoices only: a credit note is never overdue (as in the overdue report).
    items = open_items(session, actor, ("sale_invoice",), as_of)
    out: dict[int, Decimal] = {}
    for cp, _code, amount_base, _amount in open_sums(session, items, base, [Invoice.counterparty_id],
                                                     [Invoice.due_date < as_of, *_mine(actor, ids, Invoice)]):
        if cp in ids:
            out[cp] = out.get(cp, ZERO) + amount_base
    return out


def _sales(session: Session, actor: Actor, ids: set[int], from_: dt.date, to: dt.date, cats: Optional[list[int]],
           base: Any) -> dict[int, Decimal]:
    i, il = Invoice, InvoiceLine
    where = [i.company_id == actor.company_id, i.kind.in_(SALE_KINDS), i.status.in_(BOOKED), i.date >= from_,
             i.date <= to, *_mine(actor, ids, i)]
    if cats is not None:
        where.append(Product.category_id.in_(cats))
    rows = session.execute(
        select(i.counterparty_id, Product.category_id, i.kind, i.rate, money_sum(il.net))
        .select_from(il).join(i, i.id == il.invoice_id).outerjoin(Product, Product.id == il.product_id)
        .where(*where).group_by(i.counterparty_id, Product.category_id, i.kind, i.rate)
    ).all()
    out: dict[int, Decimal] = {}
    for cp, _cat, kind, rate, net in rows:
        if cp in ids:
            amount = base.round(net * rate)
            out[cp] = out.get(cp, base.round(ZERO)) + (-amount if kind in CREDIT_KINDS else amount)
    return out


def _last_orders(session: Session, actor: Actor, ids: set[int]) -> dict[int, dt.date]:
    i, o = Invoice, Order
    invoiced = (select(i.counterparty_id, func.max(i.date))
                .where(i.company_id == actor.company_id, i.kind == "sale_invoice", i.status.in_(BOOKED),
                       *_mine(actor, ids, i)).group_by(i.counterparty_id))
    ordered = (select(o.counterparty_id, func.max(o.date))
               .where(o.company_id == actor.company_id, o.status.not_in(NOT_ORDERS), *_mine(actor, ids, o))
               .group_by(o.counterparty_id))
    out: dict[int, dt.date] = {}
    for stmt in (invoiced, ordered):
        for cp, day in session.execute(stmt):
            if cp in ids and (cp not in out or day > out[cp]):
                out[cp] = day
    return out


# --- prices ---------------------------------------------------------------------------------------

@dataclass(slots=True)
class PriceFigure:
    sku: str
    client: Optional[Key]
    product_id: Optional[int]
    client_id: Optional[int]
    price: Optional[Decimal]
    currency: Optional[str]
    error: Optional[str]
    field: Optional[str]


@dataclass
class PriceFigures:
    date: dt.date
    items: list[PriceFigure]


# The pricing function names its arguments; the answer names what the spreadsheet gave.
_FIELDS = {"product_id": "sku", "counterparty_id": "client", "qty": "qty", "currency": "currency"}


def prices(session: Session, actor: Actor, items: list[Any], *, on: Optional[dt.date] = None,
           currency: Optional[str] = None) -> PriceFigures:
    """The unit price (`catalog.pricing.price_for`) of each item: a SKU, an optional client key and quantity.

    The price depends on the client only through its segment, so one decision serves every item
    with the same product, segment and quantity: a column of ten thousand lines asks only as
    many decisions as it has distinct ones.
    """
    on = on or dates.today()
    skus = {item.sku.strip() for item in items}
    p = Product
    products = {row.sku: row.id for row in _in_chunks(
        session, select(p.id, p.sku).where(p.company_id == actor.company_id), p.sku, skus - {""})}
    matches = resolve_clients(session, actor, (item.client for item in items if item.client is not None))
    decided: dict[tuple[int, Optional[int], Decimal], tuple[Optional[Decimal], Optional[str], Optional[str],
                                                            Optional[str]]] = {}
    out = []
    for item in items:
        sku = item.sku.strip()
        qty = item.qty if item.qty is not None else Decimal(1)
        product_id = products.get(sku)
        m = matches[item.client] if item.client is not None else Match(None)
        figure = PriceFigure(item.sku, item.client, product_id, m.id, None, None, None, None)
        out.append(figure)
        if not sku or product_id is None:
            figure.error, figure.field = ("required" if not sku else "not_found"), "sku"
            continue
        if m.error is not None:
            figure.error, figure.field = m.error, "client"
            continue
        key = (product_id, m.segment_id, qty)
        if key not in decided:
            decided[key] = _decide(session, actor, product_id, m.id, on, qty, currency)
        figure.price, figure.currency, figure.error, figure.field = decided[key]
    return PriceFigures(on, out)


def _decide(session: Session, actor: Actor, product_id: int, client_id: Optional[int], on: dt.date, qty: Decimal,
            currency: Optional[str]) -> tuple[Optional[Decimal], Optional[str], Optional[str], Optional[str]]:
    try:
        quote = price_for(session, actor, product_id=product_id, counterparty_id=client_id, on=on, qty=qty,
                          currency=currency)
    except DomainError as exc:
        first = exc.errors[0] if exc.errors else None
        if first is None:
            return None, None, exc.code, None
        return None, None, first.code, _FIELDS.get(first.field, first.field)
    return quote.price, quote.currency, None, None
