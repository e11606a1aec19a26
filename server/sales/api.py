"""Sales API: payment terms, orders, invoices and bills, credit notes, the sales and purchase books."""
from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.validation import page
from ..routes import VersionIn, route
from . import books, orders, schemas, service

bp = Blueprint("sales", __name__, url_prefix="/api/v1")

# Sales staff create orders and sales invoices; bills and the books are the accountants'.
SALES = ("owner", "accountant", "sales")
BOOKS = ("owner", "accountant")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _term(t: object) -> schemas.PaymentTermOut:
    return schemas.PaymentTermOut.model_validate(t)


def _invoice(session: Session, inv: object) -> schemas.InvoiceOut:
    return service.present_invoice(inv)  # type: ignore[arg-type]


# --- payment terms -----------------------------------------------------------------------------

@route(bp, "/payment-terms", roles=SALES, query=schemas.TermListQuery, response=schemas.PaymentTermList)
def list_payment_terms(session: Session, actor: Actor, query: schemas.TermListQuery) -> schemas.PaymentTermList:
    """List the payment terms."""
    return schemas.PaymentTermList(items=[_term(t) for t in
                                          page(service.list_payment_terms(session, actor, query.include_archived), query)])


@route(bp, "/payment-terms", method="POST", roles=BOOKS, body=schemas.PaymentTermIn, response=schemas.PaymentTermOut,
       status=201)
def create_payment_term(session: Session, actor: Actor, body: schemas.PaymentTermIn) -> schemas.PaymentTermOut:
    """Create a payment term (making it the default unsets the old default)."""
    return _term(service.create_payment_term(session, actor, body))


@route(bp, "/payment-terms/<int:id>", roles=SALES, response=schemas.PaymentTermOut)
def get_payment_term(session: Session, actor: Actor, id: int) -> schemas.PaymentTermOut:
    """Read one payment term."""
    return _term(service.get_payment_term(session, actor, id))


@route(bp, "/payment-terms/<int:id>", method="PATCH", roles=BOOKS, body=schemas.PaymentTermPatch,
       response=schemas.PaymentTermOut)
def update_payment_term(session: Session, actor: Actor, id: int, body: schemas.PaymentTermPatch) -> schemas.PaymentTermOut:
    """Change a payment term (needs its current version)."""
    return _term(service.update_payment_term(session, actor, id, body))


@route(bp, "/payment-terms/<int:id>/archive", method="POST", roles=BOOKS, body=VersionIn,
       response=schemas.PaymentTermOut)
def archive_payment_term(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.PaymentTermOut:
    """Archive a payment term."""
    return _term(service.archive_payment_term(session, actor, id, body.version))


# --- invoices ----------------------------------------------------------------------------------

@route(bp, "/invoices", roles=SALES, query=schemas.InvoiceListQuery, response=schemas.InvoicePage)
def list_invoices(session: Session, actor: Actor, query: schemas.InvoiceListQuery) -> schemas.InvoicePage:
    """List invoices, bills and credit notes by status, kind, counterparty, branch, order, dates, overdue."""
    rows, total = service.list_invoices(session, actor, query)
    return schemas.InvoicePage(items=[schemas.InvoiceSummary.model_validate(service.summary(i)) for i in rows],
                               total=total)


@route(bp, "/invoices", method="POST", roles=SALES, body=schemas.InvoiceIn, response=schemas.InvoiceOut, status=201)
def create_invoice(session: Session, actor: Actor, body: schemas.InvoiceIn) -> schemas.InvoiceOut:
    """Create a draft invoice or bill (`"post": true` posts it at once)."""
    return _invoice(session, service.create_invoice(session, actor, body))


@route(bp, "/invoices/<int:id>", roles=SALES, response=schemas.InvoiceOut)
def get_invoice(session: Session, actor: Actor, id: int) -> schemas.InvoiceOut:
    """Read one invoice, bill or credit note with its lines."""
    return _invoice(session, service.get_invoice(session, actor, id))


@route(bp, "/invoices/<int:id>", method="PATCH", roles=SALES, body=schemas.InvoicePatch, response=schemas.InvoiceOut)
def update_invoice(session: Session, actor: Actor, id: int, body: schemas.InvoicePatch) -> schemas.InvoiceOut:
    """Change a draft (posted documents answer 409 invoice_posted)."""
    return _invoice(session, service.update_invoice(session, actor, id, body))


@route(bp, "/invoices/<int:id>/post", method="POST", roles=SALES, body=schemas.VersionBody,
       response=schemas.InvoiceOut)
def post_invoice(session: Session, actor: Actor, id: int, body: schemas.VersionBody) -> schemas.InvoiceOut:
    """Post a draft: number it, post its ledger entry, freeze it."""
    return _invoice(session, service.post_invoice_by_id(session, actor, id, body.version))


@route(bp, "/invoices/<int:id>/cancel", method="POST", roles=SALES, body=schemas.VersionBody,
       response=schemas.InvoiceOut)
def cancel_invoice(session: Session, actor: Actor, id: int, body: schemas.VersionBody) -> schemas.InvoiceOut:
    """Cancel a draft, or reverse a posted document that nothing is allocated to."""
    return _invoice(session, service.cancel_invoice(session, actor, id, body.version))


@route(bp, "/invoices/<int:id>/credit-note", method="POST", roles=SALES, body=schemas.CreditNoteIn,
       response=schemas.InvoiceOut, status=201)
def create_credit_note(session: Session, actor: Actor, id: int, body: schemas.CreditNoteIn) -> schemas.InvoiceOut:
    """Draft a credit note of a posted invoice or bill (default: everything not yet credited)."""
    return _invoice(session, service.create_credit_note(session, actor, id, body))


# --- orders ------------------------------------------------------------------------------------

def _order(session: Session, actor: Actor, order: object) -> schemas.OrderView:
    return schemas.OrderView.model_validate(orders.order_view(session, actor, order))  # type: ignore[arg-type]


@route(bp, "/orders", roles=SALES, query=schemas.OrderListQuery, response=schemas.OrderPage)
def list_orders(session: Session, actor: Actor, query: schemas.OrderListQuery) -> schemas.OrderPage:
    """List orders by status, counterparty, branch and dates."""
    rows, total = orders.list_orders(session, actor, query)
    return schemas.OrderPage(items=[schemas.OrderSummary.model_validate(orders.order_summary(o)) for o in rows],
                             total=total)


@route(bp, "/orders", method="POST", roles=SALES, body=schemas.OrderIn, response=schemas.OrderView, status=201)
def create_order(session: Session, actor: Actor, body: schemas.OrderIn) -> schemas.OrderView:
    """Create a draft order; lines without a price are priced from the price lists."""
    return _order(session, actor, orders.create_order(session, actor, body))


@route(bp, "/orders/<int:id>", roles=SALES, response=schemas.OrderView)
def get_order(session: Session, actor: Actor, id: int) -> schemas.OrderView:
    """Read an order and where it stands: next actions, totals, invoices, payments, documents."""
    return _order(session, actor, orders.get_order(session, actor, id))


@route(bp, "/orders/<int:id>", method="PATCH", roles=SALES, body=schemas.OrderPatch, response=schemas.OrderView)
def update_order(session: Session, actor: Actor, id: int, body: schemas.OrderPatch) -> schemas.OrderView:
    """Change a draft order (needs its current version)."""
    return _order(session, actor, orders.update_order(session, actor, id, body))


@route(bp, "/orders/<int:id>/confirm", method="POST", roles=SALES, body=VersionIn, response=schemas.OrderView)
def confirm_order(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.OrderView:
    """Confirm a draft order."""
    return _order(session, actor, orders.confirm_order(session, actor, id, body.version))


@route(bp, "/orders/<int:id>/ship", method="POST", roles=SALES, body=VersionIn, response=schemas.OrderView)
def ship_order(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.OrderView:
    """Mark a confirmed order shipped (every line in full)."""
    return _order(session, actor, orders.ship_order(session, actor, id, body.version))


@route(bp, "/orders/<int:id>/invoice", method="POST", roles=SALES, body=schemas.OrderInvoiceIn,
       response=schemas.OrderView)
def invoice_order(session: Session, actor: Actor, id: int, body: schemas.OrderInvoiceIn) -> schemas.OrderView:
    """Create and post the invoice of what is not yet invoiced (or of the lines given)."""
    return _order(session, actor, orders.invoice_order(session, actor, id, body))


@route(bp, "/orders/<int:id>/close", method="POST", roles=SALES, body=VersionIn, response=schemas.OrderView)
def close_order(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.OrderView:
    """Close an invoiced or paid order."""
    return _order(session, actor, orders.close_order(session, actor, id, body.version))


@route(bp, "/orders/<int:id>/cancel", method="POST", roles=SALES, body=VersionIn, response=schemas.OrderView)
def cancel_order(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.OrderView:
    """Cancel an order that is not invoiced (or whose invoices are all cancelled)."""
    return _order(session, actor, orders.cancel_order(session, actor, id, body.version))


# --- books -------------------------------------------------------------------------------------

def _book(session: Session, actor: Actor, which: str, query: schemas.BookQuery) -> object:
    data = books.book(session, actor, which, query.from_, query.to, query.branch_id)
    if query.format == "xlsx":
        resp = Response(books.to_xlsx(data), mimetype=XLSX)
        resp.headers["Content-Disposition"] = f"attachment; filename={which}-book-{query.from_}-{query.to}.xlsx"
        return resp
    return schemas.Book.model_validate(data)


@route(bp, "/books/sales", roles=BOOKS, query=schemas.BookQuery, response=schemas.Book,
       produces=("application/json", XLSX))
def sales_book(session: Session, actor: Actor, query: schemas.BookQuery) -> object:
    """The sales book of a period: issued invoices and credit notes with tax by rate (`format=xlsx` for a workbook)."""
    return _book(session, actor, "sales", query)


@route(bp, "/books/purchases", roles=BOOKS, query=schemas.BookQuery, response=schemas.Book,
       produces=("application/json", XLSX))
def purchase_book(session: Session, actor: Actor, query: schemas.BookQuery) -> object:
    """The purchase book of a period: received bills and credit notes with tax by rate (`format=xlsx`)."""
    return _book(session, actor, "purchases", query)
