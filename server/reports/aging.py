"""Open items of invoices and bills: aging in buckets, the overdue list, the payment calendar.

Today's open amounts are the documents' own `open_amount`/`open_base`, read through the partial
covering index `ix_invoices_open_items`; an earlier date rebuilds them from the allocations.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterator, Optional

from sqlalchemy import Table, and_, case, func, or_, select, type_coerce, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from ..core import dates
from ..core.actor import Actor
from ..core.i18n import translate
from ..core.money import currency as currency_of
from ..finance.models import Allocation
from ..ledger.service import books
from ..org.models import Branch, User
from ..parties.models import Counterparty
from ..sales.models import Invoice
from .schemas import (
    DEFAULT_BUCKETS, AgingOut, AgingRow, Bucket, CalendarDay, CalendarOut, CurrencyAmounts, CurrencyTotal, OverdueItem,
    OverdueOut,
)
from .service import BOOKED, MONEY, SQL_ZERO, ZERO, branch_scope, check_period, counterparty_names, money_sum



@compiles(Table, "sqlite")
def _table_with_sqlite_hint(element: Table, compiler: Any, **kw: Any) -> str:
    """Render `with_hint(table, "INDEXED BY ...", "sqlite")`, which SQLAlchemy's SQLite compiler drops.

    A no-op for every statement without a SQLite table hint.
    """
    text = compiler.visit_table(element, **kw)
    hint = (kw.get("fromhints") or {}).get(element)
    if hint and kw.get("asfrom"):
        text += " " + hint
    return text


# What each side owes: the first kind raises it, the second (credit notes) lowers it.
SIDES = {"receivable": ("sale_invoice", "sale_credit"), "payable": ("bill", "bill_credit")}
CREDIT_KINDS = ("sale_credit", "bill_credit")


@dataclass
class OpenItems:
    """Where open documents are read from, and their open amounts in their currency and in base."""

    source: Any
    open_amount: Any
    open_base: Any
    where: list[Any]
    fast: bool

    def select(self, *columns: Any) -> Any:
        q = select(*columns).select_from(self.source)
        if self.fast:
            # Without statistics SQLite prefers an index that saves the GROUP BY sort; the open items'
            # index reads a fraction of the rows. INDEXED BY also makes a query that cannot use it fail
            # loudly instead of silently scanning every document.
            q = q.with_hint(Invoice.__table__, "INDEXED BY ix_invoices_open_items", "sqlite")
        return q


def open_items(session: Session, actor: Actor, kinds: tuple[str, ...], as_of: dt.date) -> OpenItems:
    """The open documents of `kinds` as of a date.

    Today (or later): the documents' current open amounts. Only posted documents hold a non-zero
    `open_amount` (drafts hold 0 until posted, paid and cancelled ones are back at 0), so the
    status is not read and the query stays inside the partial index `open_amount <> 0`. The
    index carries everything but `open_base`, which equals `open_amount` for documents in the
    base currency; see `open_sums`, which reads the table only for foreign-currency documents.

    An earlier date: total − the allocations dated on or before it (not reversed by then), for
    documents dated on or before it, including those cancelled later. This reads every booked
    document of the side, so it is slower than today's aging.
    """
    i = Invoice
    if as_of >= dates.today():
        where = [i.company_id == actor.company_id, i.kind.in_(kinds), i.open_amount != SQL_ZERO]
        return OpenItems(i.__table__, i.open_amount, i.open_base, where, True)
    a = Allocation
    # An allocation reversed after the date still counted on it.
    after = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    counted = and_(a.company_id == actor.company_id, a.date <= as_of,
                   or_(a.reversed_at.is_(None), a.reversed_at >= after))
    # A credit note applied to its invoice lowers both: the invoice (invoice_id) and the note (credit_note_id).
    applied = union_all(
        select(a.invoice_id.label("doc_id"), a.amount.label("amount"), a.amount_base.label("base")).where(counted),
        select(a.credit_note_id.label("doc_id"), a.amount.label("amount"), a.amount_base.label("base"))
        .where(counted, a.credit_note_id.is_not(None)),
    ).subquery()
    paid = select(applied.c.doc_id, money_sum(applied.c.amount).label("amount"),
                  money_sum(applied.c.base).label("base")).group_by(applied.c.doc_id).subquery()
    open_amount = type_coerce(i.total - func.coalesce(paid.c.amount, SQL_ZERO), MONEY)
    open_base = type_coerce(i.total_base - func.coalesce(paid.c.base, SQL_ZERO), MONEY)
    booked = or_(i.status.in_(BOOKED), and_(i.status == "cancelled", i.cancelled_at >= after))
    where = [i.company_id == actor.company_id, i.kind.in_(kinds), booked, i.date <= as_of, open_amount != SQL_ZERO]
    return OpenItems(i.__table__.outerjoin(paid, paid.c.doc_id == i.id), open_amount, open_base, where, False)


def _filters(actor: Actor, branch_id: Optional[int], manager_id: Optional[int],
             counterparty_id: Optional[int]) -> list[Any]:
    out = branch_scope(actor, branch_id, Invoice.branch_id)
    if manager_id is not None:
        out.append(Invoice.manager_id == manager_id)
    if counterparty_id is not None:
        out.append(Invoice.counterparty_id == counterparty_id)
    return out


def _signed(value: Any) -> Any:
    """Credit notes count negative."""
    return case((Invoice.kind.in_(CREDIT_KINDS), -value), else_=value)


def open_sums(session: Session, items: OpenItems, base: str, keys: list[Any],
              where: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Open sums per `keys` and currency: (*keys, currency, in base, in the currency), credit notes negative.

    The amount in the currency is None for the base currency (there it is the amount in base).

    Two statements, not one: documents in the base currency are summed from the index alone
    (their open_base is their open_amount); only foreign-currency documents read open_base from
    the table. In one statement the GROUP BY sort would carry open_base for every row, and SQLite
    would then read the table row of every open document. Rows are read through Core: the ORM's
    row loading would only add work to tens of thousands of plain tuples.
    """
    i = Invoice
    conn = session.connection()
    same = (items.select(*keys, money_sum(_signed(items.open_amount)))
            .where(*items.where, *where, i.currency == base).group_by(*keys))
    width = len(keys)
    # all(): one fetch of every row; row by row, the driver would be called once per row.
    for row in conn.execute(same).all():
        yield (*row[:width], base, row[width], None)
    other = (items.select(*keys, i.currency, money_sum(_signed(items.open_base)), money_sum(_signed(items.open_amount)))
             .where(*items.where, *where, i.currency != base).group_by(*keys, i.currency))
    yield from conn.execute(other).all()


# --- aging ----------------------------------------------------------------------------------------

def buckets_of(days: tuple[int, ...], language: str) -> list[Bucket]:
    """[0, 30, 60, 90] → current, 1–30, 31–60, 61–90, over 90 (days past the due or invoice date)."""
    out = []
    first = days[0]
    if first == 0:
        out.append(Bucket("current", translate("report_bucket_current", language), None, 0))
    else:
        out.append(Bucket(f"upto_{first}", translate("report_bucket_up_to", language, days=first), None, first))
    for low, high in zip(days, days[1:]):
        out.append(Bucket(f"{low + 1}_{high}", translate("report_bucket_range", language, low=low + 1, high=high),
                          low + 1, high))
    out.append(Bucket(f"over_{days[-1]}", translate("report_bucket_over", language, days=days[-1]), days[-1] + 1, None))
    return out


GROUP_COLUMNS = {"client": Invoice.counterparty_id, "branch": Invoice.branch_id, "manager": Invoice.manager_id}


def aging(session: Session, actor: Actor, *, side: str = "receivable", as_of: Optional[dt.date] = None,
          basis: str = "due", group: str = "client", buckets: tuple[int, ...] = DEFAULT_BUCKETS,
          branch_id: Optional[int] = None, manager_id: Optional[int] = None,
          counterparty_id: Optional[int] = None, language: str = "en") -> AgingOut:
    """Open receivables or payables per client, branch or manager in day buckets, in base and per currency."""
    as_of = as_of or dates.today()
    base = books(session, actor.company_id).base
    items = open_items(session, actor, SIDES[side], as_of)
    column = Invoice.due_date if basis == "due" else Invoice.date
    # The bucket cutoffs are dates, computed once here: an item falls in bucket n when its date is on or
    # after as_of − days[n]. SQL then compares a date column with constants; no per-row date arithmetic.
    cutoffs = [as_of - dt.timedelta(days=d) for d in buckets]
    bucket = case(*[(column >= c, n) for n, c in enumerate(cutoffs)], else_=len(cutoffs))
    n = len(cutoffs) + 1
    # Sums per group: in base (all currencies); of other currencies in their currency and in base.
    in_base: dict[Optional[int], list[Decimal]] = {}
    foreign: dict[Optional[int], dict[str, list[Decimal]]] = {}
    foreign_base: dict[Optional[int], list[Decimal]] = {}
    keys = [GROUP_COLUMNS[group], bucket]
    for k, b, code, amount_base, amount in open_sums(session, items, base.code, keys,
                                                    _filters(actor, branch_id, manager_id, counterparty_id)):
        row = in_base.get(k)
        if row is None:
            row = in_base[k] = [ZERO] * n
        row[b] += amount_base
        if amount is not None:
            theirs = foreign.setdefault(k, {})
            if code not in theirs:
                theirs[code] = [ZERO] * n
            theirs[code][b] += amount
            fb = foreign_base.get(k)
            if fb is None:
                fb = foreign_base[k] = [ZERO] * n
            fb[b] += amount_base
    names = _group_names(session, actor, group, set(in_base), language)
    rounding = _Rounding(base.code)
    rows = []
    totals_own: list[Decimal] = [ZERO] * n
    totals_foreign: dict[str, list[Decimal]] = {}
    for k, amounts in in_base.items():
        theirs = foreign.get(k)
        if theirs is None:
            own = amounts
        else:
            # What the base-currency documents owe: the group's base sum less its foreign documents'.
            own = [x - y for x, y in zip(amounts, foreign_base[k])]
            for code, values in theirs.items():
                t = totals_foreign.setdefault(code, [ZERO] * n)
                for j in range(n):
                    t[j] += values[j]
        for j in range(n):
            totals_own[j] += own[j]
        rows.append(rounding.row(k, names.get(k) or str(k), amounts, own, theirs))
    # A group whose items offset each other to nothing in every bucket says nothing; offsetting buckets stay.
    rows = [r for r in rows if any(r.buckets) or any(any(c.buckets) for c in r.by_currency)]
    rows.sort(key=lambda r: (r.name.casefold(), r.key or 0))
    totals_base = [sum((r.buckets[j] for r in rows), ZERO) for j in range(n)]
    totals = rounding.row(None, translate("report_total", language), totals_base, totals_own, totals_foreign)
    return AgingOut(side, as_of, basis, group, base.code, buckets_of(buckets, language), rows, totals)


class _Rounding:
    """Rounds a group's sums by each currency, cheaply: the report may have tens of thousands of rows."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.quanta: dict[str, tuple[Decimal, Decimal]] = {}

    def amounts(self, code: str, values: list[Decimal]) -> tuple[list[Decimal], Decimal]:
        q = self.quanta.get(code)
        if q is None:
            quantum = currency_of(code).quantum
            q = self.quanta[code] = (quantum, Decimal(0).quantize(quantum))
        quantum, zero = q
        rounded = [v.quantize(quantum, ROUND_HALF_UP) if v else zero for v in values]
        return rounded, sum(rounded, zero)

    def row(self, key: Optional[int], name: str, amounts: list[Decimal], own: Optional[list[Decimal]],
            foreign: Optional[dict[str, list[Decimal]]]) -> AgingRow:
        rounded, total = self.amounts(self.base, amounts)
        if not foreign:
            # All in the base currency: the same figures, rounded once.
            return AgingRow.record(key, name, rounded, total, [CurrencyAmounts.record(self.base, rounded, total)])
        per_currency = dict(foreign)
        if own is not None and any(own):
            per_currency[self.base] = own
        cur_rows = [CurrencyAmounts.record(code, *self.amounts(code, per_currency[code])) for code in sorted(per_currency)]
        return AgingRow.record(key, name, rounded, total, cur_rows)


def _group_names(session: Session, actor: Actor, group: str, keys: set[Optional[int]],
                 language: str) -> dict[Optional[int], str]:
    ids = {k for k in keys if k is not None}
    names: dict[Optional[int], str] = {}
    if group == "client":
        names.update(counterparty_names(session, actor, ids))
    elif ids:
        model = Branch if group == "branch" else User
        rows = session.execute(select(model.id, model.name).where(model.id.in_(ids)))
        names.update({id_: name for id_, name in rows})
    if None in keys:
        names[None] = translate("report_no_manager", language)
    return names


# --- overdue list ---------------------------------------------------------------------------------

def overdue(session: Session, actor: Actor, *, side: str = "receivable", as_of: Optional[dt.date] = None,
            branch_id: Optional[int] = None, manager_id: Optional[int] = None,
            counterparty_id: Optional[int] = None) -> OverdueOut:
    """Invoices (or bills) still open and past due as of a date, longest overdue first, with whom to call.

    Credit notes are not listed: they are not overdue, and the aging already nets them.
    """
    as_of = as_of or dates.today()
    base = books(session, actor.company_id).base
    kind = SIDES[side][0]
    items = open_items(session, actor, (kind,), as_of)
    i = Invoice
    q = (items.select(i.id, i.number, i.kind, i.date, i.due_date, i.counterparty_id, Counterparty.name,
                      Counterparty.phone, Counterparty.email, i.manager_id, User.name, i.branch_id, i.currency,
                      items.open_amount, items.open_base)
         .join(Counterparty, Counterparty.id == i.counterparty_id)
         .outerjoin(User, User.id == i.manager_id)
         .where(*items.where, i.due_date < as_of, *_filters(actor, branch_id, manager_id, counterparty_id))
         .order_by(i.due_date, i.id))
    out = []
    per_currency: dict[str, Decimal] = {}
    for (id_, number, kind_, date, due, cp, cp_name, phone, email, mgr, mgr_name, branch, code, amount,
         amount_base) in session.execute(q):
        cur = currency_of(code)
        out.append(OverdueItem(id_, number, kind_, date, due, (as_of - due).days, cp, cp_name, phone, email, mgr,
                               mgr_name, branch, code, cur.round(amount), base.round(amount_base)))
        per_currency[code] = per_currency.get(code, ZERO) + cur.round(amount)
    total = base.round(sum((x.open_base for x in out), ZERO))
    return OverdueOut(side, as_of, base.code, out, total,
                   [CurrencyTotal(c, per_currency[c]) for c in sorted(per_currency)])


# --- payment calendar -----------------------------------------------------------------------------

def payment_calendar(session: Session, actor: Actor, from_: Optional[dt.date] = None, to: Optional[dt.date] = None,
                     branch_id: Optional[int] = None, manager_id: Optional[int] = None) -> CalendarOut:
    """Expected receipts (open sales documents) and payments (open bills) by due date, in base currency.

    What fell due before `from` is not spread over the first day: it is its own "overdue" line at the
    top, because money already late is less certain than money falling due. Credit notes lower the day
    they are due. The running total starts with the overdue line.
    """
    from_ = from_ or dates.today()
    to = to or from_ + dt.timedelta(days=27)
    check_period(from_, to)
    base = books(session, actor.company_id).base
    kinds = SIDES["receivable"] + SIDES["payable"]
    items = open_items(session, actor, kinds, dates.today())
    i = Invoice
    filters = [i.due_date <= to, *_filters(actor, branch_id, manager_id, None)]
    late = [ZERO, ZERO]
    per_day: dict[dt.date, list[Decimal]] = {}
    for due, kind, _code, amount, _ in open_sums(session, items, base.code, [i.due_date, i.kind], filters):
        side = 0 if kind in SIDES["receivable"] else 1
        target = late if due < from_ else per_day.setdefault(due, [ZERO, ZERO])
        target[side] += amount
    running = base.round(late[0] - late[1])
    overdue_line = CalendarDay(None, base.round(late[0]), base.round(late[1]), running, running)
    days = []
    for day in sorted(per_day):
        rec, pay = (base.round(x) for x in per_day[day])
        running += rec - pay
        days.append(CalendarDay(day, rec, pay, rec - pay, running))
    tr = overdue_line.receipts + sum((d.receipts for d in days), ZERO)
    tp = overdue_line.payments + sum((d.payments for d in days), ZERO)
    return CalendarOut(from_, to, base.code, overdue_line, days, base.round(tr), base.round(tp), base.round(tr - tp))
