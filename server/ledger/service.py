"""The one writer of the ledger: post_entry and reverse_entry, the period lock, account look-ups."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable, Optional

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from ..audit.service import json_plain, log_change, log_posted
from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..core.errors import Conflict, DomainError, ErrorList, FieldError, NotFound, ValidationFailed
from ..core.money import currency as currency_of
from ..db import insert_ids
from ..org.models import Branch, Company
from ..parties.models import Counterparty
from .chart import ensure_chart
from .models import Account, JournalEntry, JournalLine, PeriodLock

if TYPE_CHECKING:
    from .schemas import AccountIn, AccountPatch, EntryIn, EntryQuery, ReverseIn, StatementQuery

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


@dataclass(frozen=True)
class EntrySpec:
    """One entry of a bulk posting (post_entries): the same arguments post_entry takes."""

    date: dt.date
    lines: tuple[Line, ...]
    source_type: str
    source_id: Optional[int] = None
    memo: str = ""
    branch_id: Optional[int] = None
    reversal_of_id: Optional[int] = None


def _checked_lines(b: CompanyBooks, company_id: int, date: dt.date, lines: Iterable[Line],
                   branch_id: Optional[int]) -> tuple[list[dict[str, object]], Decimal]:
    """The line rows of one entry, after the checks no entry may skip; returns them and the entry's total."""
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
            "company_id": company_id, "date": date, "branch_id": line.branch_id or branch_id,
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
    return rows, total_debit


def post_entry(
    session: Session, actor: Actor, *, date: dt.date, lines: Iterable[Line], source_type: str,
    source_id: Optional[int] = None, memo: str = "", branch_id: Optional[int] = None,
    reversal_of_id: Optional[int] = None, date_field: str = "date",
) -> JournalEntry:
    """Post one balanced entry. Every financial event goes through here (or post_entries); nothing else writes the ledger."""
    b = books(session, actor.company_id)
    check_open_period(session, actor.company_id, date, date_field)
    rows, total = _checked_lines(b, actor.company_id, date, lines, branch_id)
    entry = JournalEntry(
        company_id=actor.company_id, branch_id=branch_id, date=date, memo=memo[:500], source_type=source_type,
        source_id=source_id, reversal_of_id=reversal_of_id, created_at=dates.now(), created_by=actor.user_id,
    )
    session.add(entry)
    session.flush()
    for row in rows:
        row["entry_id"] = entry.id
    session.execute(insert(JournalLine), rows)
    log_change(session, actor, "journal_entry", entry.id, "post", None, _logged(entry.memo, date, source_type,
                                                                                 source_id, total, reversal_of_id))
    return entry


def post_entries(session: Session, actor: Actor, specs: list[EntrySpec], date_field: str = "date") -> list[int]:
    """Post many entries at once (batch posting): the same checks as post_entry, three statements in all.

    Every entry is checked before anything is written; the ids come back in the order of `specs`.
    """
    if not specs:
        return []
    b = books(session, actor.company_id)
    checked = []
    for spec in specs:
        check_open_period(session, actor.company_id, spec.date, date_field)
        checked.append(_checked_lines(b, actor.company_id, spec.date, spec.lines, spec.branch_id))
    now = dates.now()
    table = JournalEntry.__table__
    ids = insert_ids(session, table, [
        {"company_id": actor.company_id, "branch_id": s.branch_id, "date": s.date, "memo": s.memo[:500],
         "source_type": s.source_type, "source_id": s.source_id, "reversal_of_id": s.reversal_of_id,
         "created_at": now, "created_by": actor.user_id}
        for s in specs
    ])
    line_rows = [dict(row, entry_id=entry_id) for entry_id, (rows, _total) in zip(ids, checked) for row in rows]
    session.execute(insert(JournalLine), line_rows)
    log_posted(session, actor, "journal_entry", [
        (entry_id, json_plain(_logged(s.memo[:500], s.date, s.source_type, s.source_id, total, s.reversal_of_id)))
        for entry_id, s, (_rows, total) in zip(ids, specs, checked)
    ])
    return list(ids)


def _logged(memo: str, date: dt.date, source_type: str, source_id: Optional[int], total: Decimal,
            reversal_of_id: Optional[int]) -> dict[str, object]:
    return {"date": date, "source_type": source_type, "source_id": source_id, "memo": memo,
            "debit": total, "credit": total, "reversal_of_id": reversal_of_id}


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
    current = lock.lock_date if lock is not None else None
    reopens = current is not None and (new_lock_date is None or new_lock_date < current)
    if reopens and actor.role != "owner":
        # Closing is routine accounting work; reopening a closed period is the owner's decision.
        raise DomainError("reopen_owner_only", status=403, errors=[FieldError("lock_date", "reopen_owner_only")])
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


# --- the chart, as users see and extend it ------------------------------------------------

MODELS = {"account": Account}


def list_accounts(session: Session, actor: Actor, include_archived: bool) -> list[Account]:
    return accounts(session, actor, include_archived)


def _present_account(acc: Account) -> dict[str, object]:
    return {"id": acc.id, "code": acc.code, "name": acc.name, "type": acc.type, "version": acc.version}


def _check_account(session: Session, actor: Actor, acc_id: Optional[int], code: Optional[str],
                   parent_id: Optional[int], errors: ErrorList) -> None:
    if code is not None:
        clash = session.scalar(select(Account.id).where(Account.company_id == actor.company_id, Account.code == code))
        if clash is not None and clash != acc_id:
            errors.add("code", "already_exists")
    if parent_id is not None:
        parent = session.get(Account, parent_id)
        if parent is None or parent.company_id != actor.company_id:
            errors.add("parent_id", "unknown_reference", entity="account", value=parent_id)
        elif records.is_own_ancestor(session, Account, acc_id, parent):
            errors.add("parent_id", "account_cycle")


def create_account(session: Session, actor: Actor, data: "AccountIn") -> Account:
    ensure_chart(session, actor.company_id)
    errors = ErrorList()
    _check_account(session, actor, None, data.code, data.parent_id, errors)
    errors.raise_if_any()
    return records.create(session, actor, Account(company_id=actor.company_id, **data.model_dump()), "account")


def update_account(session: Session, actor: Actor, acc_id: int, patch: "AccountPatch") -> Account:
    acc = records.get_versioned(session, actor, Account, acc_id, "account", patch.version, _present_account)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    if acc.role is not None and "type" in changes and changes["type"] != acc.type:
        # Postings rely on a system account's type (a receivable is an asset): it cannot change.
        errors.add("type", "system_account")
    if "type" in changes and changes["type"] != acc.type and _has_lines(session, acc.id):
        errors.add("type", "account_in_use")
    _check_account(session, actor, acc.id, changes.get("code"), changes.get("parent_id"), errors)
    errors.raise_if_any()
    return records.change(session, actor, acc, changes, "account")


def archive_account(session: Session, actor: Actor, acc_id: int, version: int) -> Account:
    acc = records.get_versioned(session, actor, Account, acc_id, "account", version, _present_account)
    if acc.role is not None:
        raise Conflict("system_account", errors=[FieldError("id", "system_account")])
    return records.archive(session, actor, acc, "account")


def _has_lines(session: Session, account_id: int) -> bool:
    return session.scalar(select(JournalLine.id).where(JournalLine.account_id == account_id).limit(1)) is not None


# --- entries ----------------------------------------------------------------------------------

def post_manual_entry(session: Session, actor: Actor, data: "EntryIn") -> JournalEntry:
    """A manual entry in the base currency: every line checked, every problem reported."""
    b = books(session, actor.company_id)
    errors = ErrorList()
    if data.branch_id is not None:
        _check_branch(session, actor, data.branch_id, "branch_id", errors)
    ids = {line.account_id for line in data.lines}
    known = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}
    party_ids = {line.counterparty_id for line in data.lines if line.counterparty_id}
    parties = set(session.scalars(select(Counterparty.id).where(
        Counterparty.id.in_(party_ids), Counterparty.company_id == actor.company_id))) if party_ids else set()
    debit = credit = ZERO
    for i, line in enumerate(data.lines):
        acc = known.get(line.account_id)
        if acc is None or acc.company_id != actor.company_id:
            errors.add(f"lines.{i}.account_id", "unknown_reference", entity="account", value=line.account_id)
        elif acc.archived_at is not None:
            errors.add(f"lines.{i}.account_id", "archived", entity="account", id=acc.id)
        if line.counterparty_id and line.counterparty_id not in parties:
            errors.add(f"lines.{i}.counterparty_id", "unknown_reference", entity="counterparty",
                       value=line.counterparty_id)
        for name in ("debit", "credit"):
            value = getattr(line, name)
            if value < 0:
                errors.add(f"lines.{i}.{name}", "must_not_be_negative")
            elif b.base.round(value) != value:
                errors.add(f"lines.{i}.{name}", "too_many_decimals", currency=b.base.code,
                           places=b.base.minor_units)
        if (line.debit > 0) == (line.credit > 0):
            errors.add(f"lines.{i}", "one_side_only")
        debit += line.debit
        credit += line.credit
    if not errors and debit != credit:
        errors.add("lines", "unbalanced_entry", debit=str(debit), credit=str(credit))
    errors.raise_if_any()
    return post_entry(
        session, actor, date=data.date, source_type="manual", memo=data.memo, branch_id=data.branch_id,
        lines=[Line(account=l.account_id, debit=l.debit, credit=l.credit, counterparty_id=l.counterparty_id,
                    memo=l.memo) for l in data.lines],
    )


def reverse_manual_entry(session: Session, actor: Actor, entry_id: int, data: "ReverseIn") -> JournalEntry:
    entry = get_entry(session, actor, entry_id)
    if entry.source_type != "manual":
        # An invoice's or payment's entry is reversed by cancelling that document, which also
        # updates its open amounts; reversing the entry alone would leave them wrong.
        raise Conflict("reverse_via_document", params={"source_type": entry.source_type, "id": entry.source_id})
    if data.date is not None and data.date < entry.date:
        raise ValidationFailed(errors=[FieldError("date", "before_original", {"date": entry.date.isoformat()})])
    return reverse_entry(session, actor, entry.id, date=data.date, memo=data.memo)


def get_entry(session: Session, actor: Actor, entry_id: int) -> JournalEntry:
    entry = session.get(JournalEntry, entry_id)
    if entry is None or entry.company_id != actor.company_id or not actor.sees_branch(entry.branch_id):
        raise NotFound("not_found", params={"entity": "journal_entry", "id": entry_id})
    return entry


def list_entries(session: Session, actor: Actor, q: "EntryQuery") -> list[JournalEntry]:
    stmt = select(JournalEntry).where(JournalEntry.company_id == actor.company_id)
    if actor.branch_ids:
        stmt = stmt.where(or_(JournalEntry.branch_id.is_(None), JournalEntry.branch_id.in_(actor.branch_ids)))
    if q.date_from:
        stmt = stmt.where(JournalEntry.date >= q.date_from)
    if q.date_to:
        stmt = stmt.where(JournalEntry.date <= q.date_to)
    if q.source_type:
        stmt = stmt.where(JournalEntry.source_type == q.source_type)
    if q.source_id:
        stmt = stmt.where(JournalEntry.source_id == q.source_id)
    for column, value in ((JournalLine.account_id, q.account_id), (JournalLine.counterparty_id, q.counterparty_id)):
        if value:
            stmt = stmt.where(JournalEntry.id.in_(select(JournalLine.entry_id).where(
                JournalLine.company_id == actor.company_id, column == value)))
    if q.after:
        stmt = stmt.where(JournalEntry.id > q.after)
    return list(session.scalars(stmt.order_by(JournalEntry.id).limit(q.limit)))


def statement(session: Session, actor: Actor, account_id: int, q: "StatementQuery") -> tuple[Account, Decimal, list[tuple[JournalLine, Decimal]]]:
    """An account's lines in a period with the opening balance and a running balance (debit positive)."""
    acc = records.get_owned(session, actor, Account, account_id, "account")
    base = select(JournalLine).where(JournalLine.company_id == actor.company_id, JournalLine.account_id == acc.id)
    if q.counterparty_id:
        base = base.where(JournalLine.counterparty_id == q.counterparty_id)
    if actor.branch_ids:
        base = base.where(or_(JournalLine.branch_id.is_(None), JournalLine.branch_id.in_(actor.branch_ids)))
    opening = ZERO
    if q.date_from:
        before = base.where(JournalLine.date < q.date_from).subquery()
        debit, credit = session.execute(select(func.sum(before.c.debit), func.sum(before.c.credit))).one()
        opening = (debit or ZERO) - (credit or ZERO)
        base = base.where(JournalLine.date >= q.date_from)
    if q.date_to:
        base = base.where(JournalLine.date <= q.date_to)
    running, out = opening, []
    for line in session.scalars(base.order_by(JournalLine.date, JournalLine.id)):
        running += line.debit - line.credit
        out.append((line, running))
    return acc, opening, out


def _check_branch(session: Session, actor: Actor, branch_id: int, field: str, errors: ErrorList) -> None:
    branch = session.get(Branch, branch_id)
    if branch is None or branch.company_id != actor.company_id:
        errors.add(field, "unknown_reference", entity="branch", value=branch_id)
    elif not actor.sees_branch(branch_id):
        errors.add(field, "out_of_branch_scope")
