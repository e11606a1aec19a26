"""The rules of orders: drafts priced by the price lists, a declared state machine, invoicing from the order."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit import records
from ..audit.service import log_change
from ..core import dates
from ..core.actor import Actor
from ..core.errors import Conflict, ErrorList
from ..core.money import CURRENCIES
from . import schemas, service
from .models import ORDER, Invoice, InvoiceLine, Order, OrderLine, PaymentTerm
from .numbering import next_number
from .service import (
    POSTED,
    ZERO,
    _line_out,
    base_currency,
    check_branch,
    check_counterparty,
    check_term,
    compute_line,
    due_date_for,
    plain,
    post_invoice,
    price_lines,
    snapshot_invoice,
    totals,
)

STAMPS = {"confirmed": "confirmed_at", "shipped": "shipped_at", "closed": "closed_at", "cancelled": "cancelled_at"}


def snapshot_order(order: Order) -> dict[str, Any]:
    snap = records.snapshot(order)
    snap["lines"] = [records.snapshot(l) for l in order.lines]
    return snap


def present_order(order: Order) -> dict[str, Any]:
    cur = CURRENCIES[order.currency]
    return {
        "id": order.id, "number": order.number, "status": order.status, "branch_id": order.branch_id,
        "date": order.date, "counterparty_id": order.counterparty_id, "currency": order.currency,
        "payment_term_id": order.payment_term_id, "net_total": cur.round(order.net_total),
        "tax_total": cur.round(order.tax_total), "total": cur.round(order.total), "notes": order.notes,
        "confirmed_at": order.confirmed_at, "shipped_at": order.shipped_at, "closed_at": order.closed_at,
        "cancelled_at": order.cancelled_at, "version": order.version,
        "lines": [dict(_line_out(l, cur), price_source=l.price_source, qty_shipped=plain(l.qty_shipped),
                       qty_invoiced=plain(l.qty_invoiced)) for l in order.lines],
    }


def _present_json(order: Order) -> dict[str, Any]:
    return schemas.OrderOut.model_validate(present_order(order)).model_dump(mode="json")


def get_order(session: Session, actor: Actor, order_id: int) -> Order:
    return records.get_owned(session, actor, Order, order_id, "order")


def _invoices(session: Session, order_id: int) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(Invoice.order_id == order_id).order_by(Invoice.id)))


def _left_to_invoice(order: Order) -> bool:
    return any(l.qty_invoiced < l.qty for l in order.lines)


def allowed(session: Session, order: Order) -> list[str]:
    """The actions the order's status (and its invoices) allow now; editing a draft is not an action here."""
    out = []
    for action in ORDER.allowed(order.status):
        if action == "edit":
            continue
        if action == "invoice" and not _left_to_invoice(order):
            continue
        if action == "cancel" and order.status == "invoiced" and any(
                i.status != "cancelled" for i in _invoices(session, order.id)):
            continue
        out.append(action)
    return out


def _move(session: Session, actor: Actor, order: Order, action: str, extra: Optional[dict[str, Any]] = None) -> Order:
    before = snapshot_order(order)
    to = ORDER.move(order, action)
    if to in STAMPS:
        setattr(order, STAMPS[to], dates.now())
    for key, value in (extra or {}).items():
        setattr(order, key, value)
    # Line changes alone (quantities shipped or invoiced) must still bump the order's version.
    order.updated_at = dates.now()
    session.flush()
    log_change(session, actor, "order", order.id, action, before, snapshot_order(order))
    return order


# --- drafts --------------------------------------------------------------------------------------

def create_order(session: Session, actor: Actor, data: schemas.OrderIn) -> Order:
    errors = ErrorList()
    date = data.date or dates.today()
    currency = data.currency or base_currency(session, actor.company_id)
    check_branch(session, actor, data.branch_id, errors)
    check_counterparty(session, actor, data.counterparty_id, "sale_invoice", errors)
    check_term(session, actor, data.payment_term_id, errors)
    priced = price_lines(session, actor, data.lines, kind="sale_invoice", counterparty_id=data.counterparty_id,
                         currency=currency, on=date, branch_id=data.branch_id, errors=errors)
    errors.raise_if_any()
    net, tax, total = totals(priced)
    number, _seq, _series = next_number(session, actor.company_id, data.branch_id, "order", date.year)
    order = Order(
        company_id=actor.company_id, branch_id=data.branch_id, number=number, date=date,
        counterparty_id=data.counterparty_id, manager_id=actor.user_id, currency=currency,
        payment_term_id=data.payment_term_id, status="draft", net_total=net, tax_total=tax, total=total,
        notes=data.notes,
        lines=[OrderLine(line_no=i + 1, price_source=p.price_source, **p.columns()) for i, p in enumerate(priced)],
    )
    session.add(order)
    session.flush()
    log_change(session, actor, "order", order.id, "create", None, snapshot_order(order))
    return order


def update_order(session: Session, actor: Actor, order_id: int, patch: schemas.OrderPatch) -> Order:
    order = get_order(session, actor, order_id)
    ORDER.check(order, "edit")
    records.check_version(order, patch.version, _present_json)
    given = patch.model_dump(exclude_unset=True, exclude={"version", "lines"})
    errors = ErrorList()
    for name in ("counterparty_id", "date", "currency"):
        if name in given and given[name] is None:
            errors.add(name, "required")
    errors.raise_if_any()
    if "counterparty_id" in given:
        check_counterparty(session, actor, given["counterparty_id"], "sale_invoice", errors)
    if "payment_term_id" in given:
        check_term(session, actor, given["payment_term_id"], errors)
    priced = None
    if patch.lines is not None or {"currency", "date", "counterparty_id"} & set(given):
        # Prices depend on client, date and currency: a change of any of them prices the lines again.
        source = patch.lines if patch.lines is not None else [
            schemas.LineIn(product_id=l.product_id, description=l.description, qty=l.qty,
                           unit_price=None if l.price_source else l.unit_price,
                           discount_percent=l.discount_percent, tax_rate=l.tax_rate) for l in order.lines]
        priced = price_lines(session, actor, source, kind="sale_invoice",
                             counterparty_id=given.get("counterparty_id", order.counterparty_id),
                             currency=given.get("currency", order.currency), on=given.get("date", order.date),
                             branch_id=order.branch_id, errors=errors)
    errors.raise_if_any()
    before = snapshot_order(order)
    for key, value in given.items():
        setattr(order, key, value)
    if priced is not None:
        order.lines = [OrderLine(line_no=i + 1, price_source=p.price_source, **p.columns())
                       for i, p in enumerate(priced)]
        order.net_total, order.tax_total, order.total = totals(priced)
    order.updated_at = dates.now()
    session.flush()
    log_change(session, actor, "order", order.id, "update", before, snapshot_order(order))
    return order


# --- transitions ---------------------------------------------------------------------------------

def _versioned(session: Session, actor: Actor, order_id: int, version: int, action: str) -> Order:
    order = get_order(session, actor, order_id)
    ORDER.check(order, action)
    records.check_version(order, version, _present_json)
    return order


def confirm_order(session: Session, actor: Actor, order_id: int, version: int) -> Order:
    return _move(session, actor, _versioned(session, actor, order_id, version, "confirm"), "confirm")


def ship_order(session: Session, actor: Actor, order_id: int, version: int) -> Order:
    order = _versioned(session, actor, order_id, version, "ship")
    for line in order.lines:
        line.qty_shipped = line.qty
    return _move(session, actor, order, "ship")


def close_order(session: Session, actor: Actor, order_id: int, version: int) -> Order:
    return _move(session, actor, _versioned(session, actor, order_id, version, "close"), "close")


def cancel_order(session: Session, actor: Actor, order_id: int, version: int) -> Order:
    order = _versioned(session, actor, order_id, version, "cancel")
    if order.status == "invoiced" and any(i.status != "cancelled" for i in _invoices(session, order.id)):
        raise Conflict("has_invoices", params={"id": order.id})
    return _move(session, actor, order, "cancel")


def invoice_order(session: Session, actor: Actor, order_id: int, data: schemas.OrderInvoiceIn) -> Order:
    """Create and post a sales invoice for what is not yet invoiced (or for the lines given)."""
    order = _versioned(session, actor, order_id, data.version, "invoice")
    errors = ErrorList()
    date = data.date or dates.today()
    if date < order.date:
        errors.add("date", "invoice_before_order", date=order.date.isoformat())
    by_id = {l.id: l for l in order.lines}
    wanted: list[tuple[OrderLine, Decimal]] = []
    if data.lines is None:
        wanted = [(l, l.qty - l.qty_invoiced) for l in order.lines if l.qty_invoiced < l.qty]
        if not wanted:
            raise Conflict("nothing_to_invoice", params={"id": order.id})
    else:
        seen: set[int] = set()
        for i, item in enumerate(data.lines):
            line = by_id.get(item.order_line_id)
            if line is None:
                errors.add(f"lines.{i}.order_line_id", "unknown_reference", entity="order_line",
                           value=item.order_line_id)
                continue
            if line.id in seen:
                errors.add(f"lines.{i}.order_line_id", "duplicate_in_request")
                continue
            seen.add(line.id)
            left = line.qty - line.qty_invoiced
            if item.qty > left:
                errors.add(f"lines.{i}.qty", "exceeds_uninvoiced", left=str(plain(left)))
            wanted.append((line, item.qty))
    errors.raise_if_any()
    cur = CURRENCIES[order.currency]
    inv_lines = []
    for n, (ol, qty) in enumerate(wanted, start=1):
        net, tax, total = compute_line(cur, qty, ol.unit_price, ol.discount_percent, ol.tax_rate)
        inv_lines.append(InvoiceLine(
            line_no=n, product_id=ol.product_id, order_line_id=ol.id, description=ol.description, qty=qty,
            unit=ol.unit, unit_price=ol.unit_price, discount_percent=ol.discount_percent, tax_rate=ol.tax_rate,
            net=net, tax=tax, total=total))
        ol.qty_invoiced = ol.qty_invoiced + qty
    net, tax, total = totals(inv_lines)
    term = session.get(PaymentTerm, order.payment_term_id) if order.payment_term_id else None
    due = due_date_for(session, actor, date, term, None, errors)
    inv = Invoice(
        company_id=actor.company_id, branch_id=order.branch_id, kind="sale_invoice", status="draft", date=date,
        due_date=due, counterparty_id=order.counterparty_id, manager_id=actor.user_id, order_id=order.id,
        payment_term_id=order.payment_term_id, currency=order.currency, net_total=net, tax_total=tax, total=total,
        total_base=ZERO, open_amount=ZERO, open_base=ZERO, lines=inv_lines,
    )
    session.add(inv)
    session.flush()
    log_change(session, actor, "invoice", inv.id, "create", None, snapshot_invoice(inv))
    post_invoice(session, actor, inv)
    return _move(session, actor, order, "invoice")


# --- reading -------------------------------------------------------------------------------------

def order_view(session: Session, actor: Actor, order: Order) -> dict[str, Any]:
    """The order and where it stands."""
    cur = CURRENCIES[order.currency]
    invoices = _invoices(session, order.id)
    posted = [i for i in invoices if i.status in POSTED]
    sign = {"sale_invoice": 1, "sale_credit": -1}
    invoiced = sum((sign.get(i.kind, 0) * i.total for i in posted), ZERO)
    open_ = sum((sign.get(i.kind, 0) * i.open_amount for i in posted), ZERO)
    paid = sum((i.total - i.open_amount for i in posted if i.kind == "sale_invoice"), ZERO)
    # Credit notes that settled an invoice are not money received.
    paid -= sum((i.total - i.open_amount for i in posted if i.kind == "sale_credit"), ZERO)
    shipped = sum((cur.round(l.total * l.qty_shipped / l.qty) for l in order.lines), ZERO)
    ids = [i.id for i in invoices]
    payments = [{**row, "amount": cur.round(row["amount"])}
                 for found in service.settlements(session, ids) for row in found]
    view = present_order(order)
    view.update(
        actions=allowed(session, order),
        totals={"ordered": cur.round(order.total), "shipped": cur.round(shipped), "invoiced": cur.round(invoiced),
                "paid": cur.round(paid), "open": cur.round(open_)},
        invoices=[{"id": i.id, "kind": i.kind, "number": i.number, "status": i.status, "date": i.date,
                   "currency": i.currency, "total": cur.round(i.total), "open_amount": cur.round(i.open_amount)}
                  for i in invoices],
        payments=payments,
        # Generated documents arrive with the documents package.
        documents=[],
    )
    return view


def list_orders(session: Session, actor: Actor, q: schemas.OrderListQuery) -> tuple[list[Order], int]:
    cond = [Order.company_id == actor.company_id]
    if actor.branch_ids:
        cond.append(Order.branch_id.in_(actor.branch_ids))
    for name in ("status", "counterparty_id", "branch_id"):
        value = getattr(q, name)
        if value is not None:
            cond.append(getattr(Order, name) == value)
    if q.date_from is not None:
        cond.append(Order.date >= q.date_from)
    if q.date_to is not None:
        cond.append(Order.date <= q.date_to)
    total = session.scalar(select(func.count()).select_from(Order).where(*cond)) or 0
    rows = session.scalars(select(Order).where(*cond).order_by(Order.date.desc(), Order.id.desc())
                           .limit(q.limit).offset(q.offset)).all()
    return list(rows), total


def order_summary(order: Order) -> dict[str, Any]:
    cur = CURRENCIES[order.currency]
    return {"id": order.id, "number": order.number, "status": order.status, "branch_id": order.branch_id,
            "date": order.date, "counterparty_id": order.counterparty_id, "currency": order.currency,
            "total": cur.round(order.total), "version": order.version}
