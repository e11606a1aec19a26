"""The one writer of the ledger: post_entry and reverse_entry, the period lock, account look-ups."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..audit.service import log_change
from ..core import dates, records
from ..core.actor import Actor
from ..core.errors import Conflict, DomainError, FieldError
from ..core.money import currency as currency_of
from ..org.models import Company
from .chart import ensure_chart
from .models import Account, JournalEntry, JournalLine, PeriodLock

ZERO = Decimal(0)


@dataclass(frozen=True)
class Line:
    """One side of an entry. `account` is a chart role ("receivable") or an account id.

    `debit`/`credit` are base-currency amounts; `amount` (signed, debit positive) is the same
    movement in `currency` when that is not the base currency.
    """

    account: str | int
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    currency: Optional[str] = None
    amount: Optional[Decimal] = None
    counterparty_id: Optional[int] = None
    cashflow_category_id: Optional[int] = None
    branch_id: Optional[int] = None
    memo: str = ""


class UnbalancedEntry(DomainError):
    """An entry whose debits and credits differ. Services never build one; manual entries may."""

    status = 422
    code = "unbalanced_entry"


class CompanyBooks:
    """What posting needs to know about a company, read once per transaction."""

    def __init__(self, session: Session, company_id: int) -> None:
        company = session.get_one(Company, company_id)
        self.company_id = company_id
        self.base = currency_of(company.base_currency)
        self.second_currency = company.second_currency
        self.accounts = ensure_chart(session, company_id)
        self.lock_date = lock_date(session, company_id)

    def account_id(self, account: str | int) -> int:
        if isinstance(account, int):
            return account
        return self.accounts[account]


def books(session: Session, company_id: int) -> CompanyBooks:
    """The company's books, cached on the session (one read per transaction, not per posting)."""
    cache = session.info.setdefault("cb_books", {})
    if company_id not in cache:
        cache[company_id] = CompanyBooks(session, company_id)
    return cache[company_id]


def lock_date(session: Session, company_id: int) -> Optional[dt.date]:
    return session.scalar(select(PeriodLock.lock_date).where(PeriodLock.company_id == company_id))


def check_open_period(session: Session, company_id: int, date: dt.date, field: str = "date") -> None:
    """Refuse anything dated on or before the company's lock date (409, naming the field)."""
    locked = books(session, company_id).lock_date
    if locked is not None and date <= locked:
        params = {"lock_date": locked.isoformat(), "date": date.isoformat()}
        raise Conflict("period_locked", params=params, errors=[FieldError(field, "period_locked", params)])


def post_entry(
    session: Session, actor: Actor, *, date: dt.date, lines: Iterable[Line], source_type: str,
    source_id: Optional[int] = None, memo: str = "", branch_id: Optional[int] = None,
    reversal_of_id: Optional[int] = None, date_field: str = "date",
) -> JournalEntry:
    """Post one balanced entry. Every financial event goes through here; nothing else writes the ledger."""
    b = books(session, actor.company_id)
    check_open_period(session, actor.company_id, date, date_field)
    rows = []
    total_debit = total_credit = ZERO
    for line in lines:
        debit, credit = b.base.round(line.debit), b.base.round(line.credit)
        # Invariant that cannot be skipped: amounts arrive already rounded to the base currency.
        if debit != line.debit or credit != line.credit:
            raise ValueError(f"unrounded ledger amount {line.debit}/{line.credit} for {b.base.code}")
        if debit < 0 or credit < 0:
            raise ValueError("ledger amounts are not negative: swap debit and credit instead")
        if debit == 0 and credit == 0 and not line.amount:
            continue
        code = line.currency or b.base.code
        amount = line.amount if line.amount is not None and code != b.base.code else debit - credit
        rows.append({
            "company_id": actor.company_id, "date": date, "branch_id": line.branch_id or branch_id,
            "account_id": b.account_id(line.account), "debit": debit, "credit": credit, "currency": code,
            "amount_currency": amount, "counterparty_id": line.counterparty_id,
            "cashflow_category_id": line.cashflow_category_id, "memo": line.memo[:300],
        })
        total_debit += debit
        total_credit += credit
    # Invariant that cannot be skipped: every entry balances exactly, in Decimal.
    if total_debit != total_credit:
        raise UnbalancedEntry(params={"debit": str(total_debit), "credit": str(total_credit)},
                              errors=[FieldError("lines", "unbalanced_entry",
                                                 {"debit": str(total_debit), "credit": str(total_credit)})])
    if not rows:
        raise UnbalancedEntry("empty_entry", errors=[FieldError("lines", "empty_entry")])
    entry = JournalEntry(
        company_id=actor.company_id, branch_id=branch_id, date=date, memo=memo[:500], source_type=source_type,
        source_id=source_id, reversal_of_id=reversal_of_id, created_at=dates.now(), created_by=actor.user_id,
    )
    session.add(entry)
    session.flush()
    for row in rows:
        row["entry_id"] = entry.id
    session.execute(insert(JournalLine), rows)
    log_change(session, actor, "journal_entry", entry.id, "post", None, {
        "date": date, "source_type": source_type, "source_id": source_id, "memo": entry.memo,
        "debit": total_debit, "credit": total_credit, "reversal_of_id": reversal_of_id,
    })
    return entry


def reverse_entry(session: Session, actor: Actor, entry_id: int, *, date: Optional[dt.date] = None,
                  source_type: Optional[str] = None, memo: str = "", date_field: str = "date") -> JournalEntry:
    """Post the mirror image of an entry (debits ↔ credits), dated `date` or the original's date.

    The original must itself lie in an open period: cancelling a closed period's event is refused.
    """
    original = session.get_one(JournalEntry, entry_id)
    if original.company_id != actor.company_id:
        raise DomainError("not_found", status=404, params={"entity": "journal_entry", "id": entry_id})
    if session.scalar(select(JournalEntry.id).where(JournalEntry.reversal_of_id == entry_id)) is not None:
        raise Conflict("already_reversed", params={"id": entry_id})
    check_open_period(session, actor.company_id, original.date, date_field)
    lines = [
        Line(account=l.account_id, debit=l.credit, credit=l.debit, currency=l.currency, amount=-l.amount_currency,
             counterparty_id=l.counterparty_id, cashflow_category_id=l.cashflow_category_id,
             branch_id=l.branch_id, memo=l.memo)
        for l in original.lines
    ]
    return post_entry(
        session, actor, date=date or original.date, lines=lines, source_type=source_type or original.source_type,
        source_id=original.source_id, memo=memo or f"Reversal of entry {original.id}", branch_id=original.branch_id,
        reversal_of_id=original.id, date_field=date_field,
    )


def close_period(session: Session, actor: Actor, new_lock_date: Optional[dt.date], version: Optional[int]) -> PeriodLock:
    """Move the lock date (None reopens everything). Logged like every change; needs the current version."""
    lock = session.scalar(select(PeriodLock).where(PeriodLock.company_id == actor.company_id))
    if lock is None:
        lock = records.create(session, actor, PeriodLock(company_id=actor.company_id, lock_date=new_lock_date),
                              "period_lock")
    else:
        records.check_version(lock, version, _present_lock)
        records.change(session, actor, lock, {"lock_date": new_lock_date}, "period_lock")
    session.info.pop("cb_books", None)
    return lock


def get_period_lock(session: Session, actor: Actor) -> PeriodLock | None:
    return session.scalar(select(PeriodLock).where(PeriodLock.company_id == actor.company_id))


def _present_lock(lock: PeriodLock) -> dict[str, object]:
    return {"lock_date": lock.lock_date.isoformat() if lock.lock_date else None, "version": lock.version}


def accounts(session: Session, actor: Actor, include_archived: bool = False) -> list[Account]:
    ensure_chart(session, actor.company_id)
    q = select(Account).where(Account.company_id == actor.company_id)
    if not include_archived:
        q = q.where(Account.archived_at.is_(None))
    return list(session.scalars(q.order_by(Account.code)))
