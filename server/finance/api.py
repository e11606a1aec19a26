"""Finance API: cash desks and bank accounts, cash-flow categories, payments, allocations, balances."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.validation import page
from ..audit.crud import crud_routes
from ..routes import VersionIn, route
from . import schemas, service

bp = Blueprint("finance", __name__, url_prefix="/api/v1")

BOOKS = ("owner", "accountant")
# Sales staff read their clients' figures: payments and balances, within their branches.
FIGURES = ("owner", "accountant", "sales")


# --- cash accounts -----------------------------------------------------------------------------

@route(bp, "/cash-accounts", roles=BOOKS, query=schemas.ListQuery, response=schemas.CashAccountList)
def list_cash_accounts(session: Session, actor: Actor, query: schemas.ListQuery) -> schemas.CashAccountList:
    """List the cash desks and bank accounts."""
    rows = page(service.list_cash_accounts(session, actor, query.include_archived), query)
    return schemas.CashAccountList(items=[schemas.CashAccountOut.model_validate(c) for c in rows])


@route(bp, "/cash-accounts", method="POST", roles=BOOKS, body=schemas.CashAccountIn,
       response=schemas.CashAccountOut, status=201)
def create_cash_account(session: Session, actor: Actor, body: schemas.CashAccountIn) -> schemas.CashAccountOut:
    """Create a cash desk or bank account of a branch, in one currency."""
    return schemas.CashAccountOut.model_validate(service.create_cash_account(session, actor, body))


@route(bp, "/cash-accounts/<int:id>", roles=BOOKS, response=schemas.CashAccountView)
def get_cash_account(session: Session, actor: Actor, id: int) -> schemas.CashAccountView:
    """Read one cash account with its balance in its currency and in the base currency."""
    return service.cash_account_view(session, actor, id)


@route(bp, "/cash-accounts/<int:id>", method="PATCH", roles=BOOKS, body=schemas.CashAccountPatch,
       response=schemas.CashAccountOut, errors=(409,))
def update_cash_account(session: Session, actor: Actor, id: int, body: schemas.CashAccountPatch) -> schemas.CashAccountOut:
    """Change a cash account's code, name or bank details (needs its current version)."""
    return schemas.CashAccountOut.model_validate(service.update_cash_account(session, actor, id, body))


@route(bp, "/cash-accounts/<int:id>/archive", method="POST", roles=BOOKS, body=VersionIn,
       response=schemas.CashAccountOut, errors=(409,))
def archive_cash_account(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.CashAccountOut:
    """Archive a cash account (it takes no new payments)."""
    return schemas.CashAccountOut.model_validate(service.archive_cash_account(session, actor, id, body.version))


# --- cash-flow categories ----------------------------------------------------------------------

crud_routes(
    bp, "cashflow-categories", "cashflow_category", schema_in=schemas.CategoryIn, schema_patch=schemas.CategoryPatch,
    schema_out=schemas.CategoryOut, schema_list=schemas.CategoryList, list_query=schemas.ListQuery,
    service=service, read_roles=BOOKS, write_roles=BOOKS,
)


# --- payments ----------------------------------------------------------------------------------

@route(bp, "/payments", roles=FIGURES, query=schemas.PaymentQuery, response=schemas.PaymentPage)
def list_payments(session: Session, actor: Actor, query: schemas.PaymentQuery) -> schemas.PaymentPage:
    """List receipts, payments and transfers, newest first, with filters."""
    rows, total = service.list_payments(session, actor, query)
    return schemas.PaymentPage(items=[schemas.PaymentOut.model_validate(p) for p in rows], total=total)


@route(bp, "/payments", method="POST", roles=BOOKS, body=schemas.PaymentIn, response=schemas.PaymentView,
       status=201, errors=(409,))
def create_payment(session: Session, actor: Actor, body: schemas.PaymentIn) -> schemas.PaymentView:
    """Post a receipt, a payment or a transfer, optionally allocated to invoices or bills."""
    payment = service.create_payment(session, actor, body)
    return service.payment_view(session, actor, payment.id)


@route(bp, "/payments/<int:id>", roles=FIGURES, response=schemas.PaymentView)
def get_payment(session: Session, actor: Actor, id: int) -> schemas.PaymentView:
    """Read one payment with its allocations."""
    return service.payment_view(session, actor, id)


@route(bp, "/payments/<int:id>", method="PATCH", roles=BOOKS, body=schemas.PaymentPatch,
       response=schemas.PaymentView, errors=(409,))
def update_payment(session: Session, actor: Actor, id: int, body: schemas.PaymentPatch) -> schemas.PaymentView:
    """Change a posted payment's memo or reference; anything else answers 409."""
    service.update_payment(session, actor, id, body)
    return service.payment_view(session, actor, id)


@route(bp, "/payments/<int:id>/cancel", method="POST", roles=BOOKS, body=schemas.CancelIn,
       response=schemas.PaymentView, errors=(409,))
def cancel_payment(session: Session, actor: Actor, id: int, body: schemas.CancelIn) -> schemas.PaymentView:
    """Cancel a payment without active allocations: its entry is reversed."""
    service.cancel_payment(session, actor, id, body.version)
    return service.payment_view(session, actor, id)


@route(bp, "/payments/<int:id>/allocations", method="POST", roles=BOOKS, body=schemas.AllocateIn,
       response=schemas.PaymentView, status=201, errors=(409,))
def allocate_payment(session: Session, actor: Actor, id: int, body: schemas.AllocateIn) -> schemas.PaymentView:
    """Allocate a payment to one or several invoices or bills (amounts in the documents' currencies)."""
    service.allocate(session, actor, id, body)
    return service.payment_view(session, actor, id)


@route(bp, "/allocations/<int:id>/reverse", method="POST", roles=BOOKS, response=schemas.AllocationOut,
       errors=(409,))
def reverse_allocation(session: Session, actor: Actor, id: int) -> schemas.AllocationOut:
    """Reverse an allocation: the invoice is open again and the payment's advance restored."""
    return schemas.AllocationOut.model_validate(service.reverse_allocation(session, actor, id))


# --- balances ----------------------------------------------------------------------------------

@route(bp, "/counterparties/<int:id>/balance", roles=FIGURES, response=schemas.BalanceOut)
def counterparty_balance(session: Session, actor: Actor, id: int) -> schemas.BalanceOut:
    """A counterparty's receivable, payable, advances and open documents, in the base currency."""
    return service.counterparty_balance(session, actor, id)
