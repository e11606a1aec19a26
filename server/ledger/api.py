"""Ledger API: the chart of accounts, journal entries, account statements, the period lock."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..audit.crud import crud_routes
from ..routes import route
from ..core.money import money_text
from . import schemas, service

bp = Blueprint("ledger", __name__, url_prefix="/api/v1")
BOOKS = ("owner", "accountant")

crud_routes(
    bp, "accounts", "account", schema_in=schemas.AccountIn, schema_patch=schemas.AccountPatch,
    schema_out=schemas.AccountOut, schema_list=schemas.AccountList, list_query=schemas.ListQuery,
    service=service, read_roles=BOOKS, write_roles=BOOKS,
)


@route(bp, "/accounts/<int:id>/statement", roles=BOOKS, query=schemas.StatementQuery, response=schemas.StatementOut)
def account_statement(session: Session, actor: Actor, id: int, query: schemas.StatementQuery) -> schemas.StatementOut:
    """An account's lines in a period, with opening, running and closing balances (debit positive)."""
    acc, opening, lines = service.statement(session, actor, id, query)
    debit = sum((l.debit for l, _ in lines), start=service.ZERO)
    credit = sum((l.credit for l, _ in lines), start=service.ZERO)
    return schemas.StatementOut(
        account=schemas.AccountOut.model_validate(acc), opening=money_text(opening), debit=money_text(debit),
        credit=money_text(credit), closing=money_text(opening + debit - credit),
        lines=[schemas.StatementLine(entry_id=l.entry_id, date=l.date, memo=l.memo, debit=money_text(l.debit),
                                     credit=money_text(l.credit), balance=money_text(bal),
                                     counterparty_id=l.counterparty_id) for l, bal in lines],
    )


@route(bp, "/journal-entries", roles=BOOKS, query=schemas.EntryQuery, response=schemas.EntryList)
def list_entries(session: Session, actor: Actor, query: schemas.EntryQuery) -> schemas.EntryList:
    """List journal entries with their lines, oldest first, paged by id."""
    items = service.list_entries(session, actor, query)
    return schemas.EntryList(items=[schemas.EntryOut.model_validate(e) for e in items],
                             next_after=items[-1].id if len(items) == query.limit else None)


@route(bp, "/journal-entries", method="POST", roles=BOOKS, body=schemas.EntryIn, response=schemas.EntryOut,
       status=201)
def post_entry(session: Session, actor: Actor, body: schemas.EntryIn) -> schemas.EntryOut:
    """Post a manual entry in the base currency; it must balance."""
    return schemas.EntryOut.model_validate(service.post_manual_entry(session, actor, body))


@route(bp, "/journal-entries/<int:id>", roles=BOOKS, response=schemas.EntryOut)
def get_entry(session: Session, actor: Actor, id: int) -> schemas.EntryOut:
    """Read one journal entry with its lines."""
    return schemas.EntryOut.model_validate(service.get_entry(session, actor, id))


@route(bp, "/journal-entries/<int:id>/reverse", method="POST", roles=BOOKS, body=schemas.ReverseIn,
       response=schemas.EntryOut, status=201)
def reverse_entry(session: Session, actor: Actor, id: int, body: schemas.ReverseIn) -> schemas.EntryOut:
    """Reverse a manual entry (documents' entries are reversed by cancelling the document)."""
    return schemas.EntryOut.model_validate(service.reverse_manual_entry(session, actor, id, body))


@route(bp, "/period-lock", roles=BOOKS, response=schemas.PeriodLockOut)
def get_period_lock(session: Session, actor: Actor) -> schemas.PeriodLockOut:
    """The lock date: nothing dated on or before it can be created, changed or cancelled."""
    lock = service.get_period_lock(session, actor)
    return schemas.PeriodLockOut(lock_date=lock.lock_date if lock else None, version=lock.version if lock else None)


@route(bp, "/period-lock", method="PUT", roles=BOOKS, body=schemas.PeriodLockIn, response=schemas.PeriodLockOut)
def set_period_lock(session: Session, actor: Actor, body: schemas.PeriodLockIn) -> schemas.PeriodLockOut:
    """Close the books up to a date (moving it back reopens; owners only)."""
    lock = service.close_period(session, actor, body.lock_date, body.version)
    return schemas.PeriodLockOut(lock_date=lock.lock_date, version=lock.version)
