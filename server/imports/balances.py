"""Importing opening balances: each row a posted invoice or bill for what is open, one ledger entry per date."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..audit.service import log_change, log_created
from ..core import dates
from ..core.actor import Actor
from ..core.errors import ErrorList, FieldError, ValidationFailed
from ..core.i18n import translate
from ..core.money import CURRENCIES, Currency
from ..db import insert_ids
from ..finance.models import Allocation
from ..currency.service import rate_on
from ..ledger.models import JournalEntry
from ..ledger.service import EntrySpec, Line, books, lock_date, post_entries, reverse_entry
from ..org.models import Branch, Company
from ..parties.models import Counterparty
from ..parties.normalize import tax_id_key
from ..sales.models import Invoice, InvoiceLine, NumberSeries
from ..sales.numbering import next_numbers
from ..sales.service import BulkDocument, PricedLine, check_counterparty, document_entry_lines, snapshot_invoice
from .matching import name_match_key
from .rows import Options, Row

ENTITY = "invoice"
ZERO = Decimal(0)
# What each side becomes, and the gap-free series of its opening documents (kind, letters):
# OB-PP-2026-000001 beside the invoices' INV-…, so opening documents are found (and counted) apart.
KIND_OF = {"receivable": "sale_invoice", "payable": "bill"}
SERIES = {"sale_invoice": ("opening_sale", "OB"), "bill": ("opening_bill", "OBB")}
SOURCE_TYPE = "opening_balance"
REFERENCE_MAX = 60  # invoices.external_number
# Currencies as people write them in a Currency column; codes themselves are taken as they are.
_CURRENCY_WORDS = {
    "$": "USD", "us$": "USD", "доллар": "USD", "долл": "USD", "дол": "USD", "ដុល្លារ": "USD",
    "៛": "KHR", "riel": "KHR", "riels": "KHR", "риель": "KHR", "រៀល": "KHR",
    "₽": "RUB", "руб": "RUB", "руб.": "RUB", "рубль": "RUB", "рублей": "RUB", "р.": "RUB", "rur": "RUB",
    "€": "EUR", "евро": "EUR",
}


@dataclass(frozen=True)
class Balance:
    """One row as it will be posted: who, which side, how much in which currency, on which date."""

    counterparty_id: int
    kind: str  # sale_invoice (they owe us) or bill (we owe them)
    currency: str
    amount: Decimal  # positive, rounded by the currency
    date: dt.date
    due_date: dt.date
    reference: str | None
    rate: Decimal

    @property
    def key(self) -> tuple[Any, ...]:
        """What makes two balances the same: a re-import of it is nothing to do."""
        return self.counterparty_id, self.kind, self.currency, self.date, self.amount, self.reference or ""


@dataclass
class Context:
    session: Session
    actor: Actor
    options: Options
    base: Currency
    language: str
    branch_id: int | None
    opening_account: int
    lock_date: dt.date | None
    names: dict[int, str] = field(default_factory=dict)
    active: set[int] = field(default_factory=set)
    by_tax: dict[str, list[int]] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    # Opening documents already posted (any earlier import): their key → (id, number).
    existing: dict[tuple[Any, ...], tuple[int, str]] = field(default_factory=dict)
    documents: dict[int, str] = field(default_factory=dict)
    rates: dict[tuple[str, dt.date], Decimal | FieldError] = field(default_factory=dict)
    parties: dict[int, Any] = field(default_factory=dict)  # check_counterparty's cache


def context(session: Session, actor: Actor, options: Options) -> Context:
    cid = actor.company_id
    company = session.get_one(Company, cid)
    b = books(session, cid)
    # The documents need a branch: the first the importing user sees (a company-wide user: the first one).
    branch_id = next((i for i in session.scalars(select(Branch.id).where(
        Branch.company_id == cid, Branch.archived_at.is_(None)).order_by(Branch.id)) if actor.sees_branch(i)), None)
    ctx = Context(session, actor, options, b.base, company.language, branch_id, b.accounts["opening_balance"],
                  lock_date(session, cid))
    for cp_id, name, tax_key, archived_at in session.execute(select(
            Counterparty.id, Counterparty.name, Counterparty.tax_id_key, Counterparty.archived_at)
            .where(Counterparty.company_id == cid).order_by(Counterparty.id)):
        ctx.names[cp_id] = name
        if archived_at is None:
            ctx.active.add(cp_id)
        if tax_key:
            ctx.by_tax.setdefault(tax_key, []).append(cp_id)
        ctx.by_name.setdefault(name_match_key(name), []).append(cp_id)
    i = Invoice
    for row in session.execute(select(i.id, i.number, i.counterparty_id, i.kind, i.currency, i.date, i.total,
                                      i.external_number)
                               .join(NumberSeries, NumberSeries.id == i.series_id)
                               .where(i.company_id == cid, i.status.in_(("posted", "paid")),
                                      NumberSeries.kind.in_([s for s, _l in SERIES.values()]))
                               .order_by(i.id)):
        key = (row.counterparty_id, row.kind, row.currency, row.date, row.total, row.external_number or "")
        ctx.existing.setdefault(key, (row.id, row.number))
        ctx.documents[row.id] = row.number
    return ctx


def _party(row: Row, ctx: Context) -> int | None:
    """The counterparty: by tax id first, else by name as duplicates are compared; active ones win."""
    tax = row.ident("client_tax_id")
    name = row.text("client")
    column = row.column("client") if name else row.column("client_tax_id")
    if not tax and not name:
        row.error("client", "required", column=column)
        return None
    ids: list[int] = ctx.by_tax.get(tax_id_key(tax), []) if tax else []
    by, value = "client_tax_id", tax
    if not ids and name:
        ids, by, value = ctx.by_name.get(name_match_key(name), []), "client", name
    ids = [i for i in ids if i in ctx.active] or ids
    if not ids:
        row.error("client", "client_not_found", column=column, value=name or tax)
        return None
    if len(ids) > 1:
        row.error(by, "client_ambiguous", value=value)
        return None
    return ids[0]


def _side(row: Row, ctx: Context) -> tuple[str, Decimal] | None:
    """(side, positive amount) from a signed Amount, or from Debit / Credit (one of them filled)."""
    before = len(row.errors)
    given = [(k, row.decimal(k, ctx.options)) for k in ("amount", "receivable", "payable") if k in row.cells]
    if len(row.errors) > before:
        return None
    filled = [(k, v) for k, v in given if v is not None]
    # A 1C turnover sheet writes 0 in the empty column: a zero beside a figure is not a second figure.
    figures = [(k, v) for k, v in filled if v != 0]
    if not filled or len(figures) > 1:
        where = figures[1][0] if len(figures) > 1 else (given[0][0] if given else "amount")
        row.error(where, "balance_side")
        return None
    if not figures:
        row.error(filled[0][0], "balance_zero")
        return None
    key, value = figures[0]
    if key == "amount":
        return ("receivable" if value > 0 else "payable"), abs(value)
    if value < 0:
        row.error(key, "balance_side_signed")
        return None
    return key, value


def _currency(row: Row, ctx: Context) -> str | None:
    raw = row.text("currency")
    if raw is None:
        return ctx.options.currency or ctx.base.code
    code = raw.upper() if raw.upper() in CURRENCIES else _CURRENCY_WORDS.get(raw.casefold())
    if code is None:
        row.error("currency", "invalid_currency", value=raw)
    return code


def _rate(ctx: Context, currency: str, on: dt.date) -> Decimal | FieldError:
    """The rate of the balance's date (base units per unit), or the missing-rate error; one look-up per pair."""
    if (currency, on) not in ctx.rates:
        try:
            ctx.rates[(currency, on)] = rate_on(ctx.session, ctx.actor.company_id, currency, on)
        except ValidationFailed as exc:
            ctx.rates[(currency, on)] = exc.errors[0]
    return ctx.rates[(currency, on)]


def normalise(row: Row, ctx: Context) -> None:
    """The row as a balance to post, through the rules posting applies; every problem named by its column."""
    opts = ctx.options
    party = _party(row, ctx)
    side = _side(row, ctx)
    currency = _currency(row, ctx)
    before = len(row.errors)
    date = row.date("date", opts) if row.first("date") is not None else opts.date
    if date is None and len(row.errors) == before:
        row.error("date", "date_needed")
    due = row.date("due_date", opts)
    reference = row.text("reference")
    if reference is not None and len(reference) > REFERENCE_MAX:
        row.error("reference", "too_long", max=REFERENCE_MAX)
    if ctx.branch_id is None:
        row.error(None, "balance_no_branch")
    amount = None
    if side is not None and currency is not None:
        cur = CURRENCIES[currency]
        amount = side[1]
        if cur.round(amount) != amount:
            row.error(side[0], "too_many_decimals", currency=currency, places=cur.minor_units)
        amount = cur.round(amount)
    if date is not None:
        if due is not None and due < date:
            row.error("due_date", "due_before_date", date=date.isoformat())
        if ctx.lock_date is not None and date <= ctx.lock_date:
            row.error("date", "period_locked", lock_date=ctx.lock_date.isoformat(), date=date.isoformat())
    rate = None
    if currency is not None and date is not None:
        found = _rate(ctx, currency, date)
        if isinstance(found, FieldError):
            row.error("currency", found.code, **found.params)
        else:
            rate = found
    if party is not None and side is not None:
        # The sales rules: a sales invoice is for a client, a bill for a supplier ("both" takes either).
        errors = ErrorList()
        check_counterparty(ctx.session, ctx.actor, party, KIND_OF[side[0]], errors, cache=ctx.parties)
        column = row.column("client") or row.column("client_tax_id")
        for e in errors.items:
            row.error("client", e.code, column=column, **e.params)
    if row.errors:
        return
    assert party is not None and side is not None and currency is not None and date is not None
    assert amount is not None and rate is not None
    row.record = Balance(party, KIND_OF[side[0]], currency, amount, date, due or date, reference, rate)
    row.values = {"client": ctx.names[party], "client_id": party, "side": side[0], "amount": amount,
                  "currency": currency, "date": date, "due_date": due or date}
    if reference:
        row.values["reference"] = reference
    if currency != ctx.base.code:
        row.values["amount_base"] = ctx.base.round(amount * rate)


def match(rows: list[Row], ctx: Context) -> None:
    """A balance already posted by an earlier import is nothing to do; the same balance twice in the file is
    taken once."""
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        if row.action == "error":
            continue
        key = row.record.key
        if key in seen:
            row.action, row.reason = "skip", "duplicate_in_file"
            row.match = {"row": seen[key], "by": "opening_balance"}
            continue
        seen[key] = row.number
        if key in ctx.existing:
            doc_id, number = ctx.existing[key]
            row.action, row.target = "unchanged", doc_id
            row.match = {"id": doc_id, "by": "opening_balance", "number": number}
            continue
        row.action = "create"


def exists(ctx: Context, ident: int) -> bool:
    return ident in ctx.documents


def retarget(row: Row, ctx: Context, target: int) -> None:
    """The user says this row is already in the books as that opening document: nothing to post."""
    row.target = target
    row.match = {"id": target, "by": "decision", "number": ctx.documents[target]}
    row.action, row.reason = "unchanged", None


def apply(rows: list[Row], ctx: Context) -> tuple[list[int], list[tuple[int, dict[str, Any], int]], dict[str, Any]]:
    """Post the balances: one document each (numbered in its opening series), and one balanced entry per
    date in which receivables are debited, payables credited and the opening-balance account takes the
    difference. Answers (document ids, no updates, {"created": {"journal_entry": ids}, "entry_id": first})."""
    balances = [r.record for r in rows if r.action == "create"]
    if not balances:
        return [], [], {}
    s, actor, base = ctx.session, ctx.actor, ctx.base
    assert ctx.branch_id is not None  # normalise refused every row otherwise
    numbers: dict[int, tuple[str, int, int]] = {}
    series: dict[tuple[str, int], list[int]] = {}
    for n, bal in enumerate(balances):
        series.setdefault((bal.kind, bal.date.year), []).append(n)
    for (kind, year), idxs in series.items():
        series_kind, letters = SERIES[kind]
        numbers.update(zip(idxs, next_numbers(s, actor.company_id, ctx.branch_id, series_kind, year, len(idxs),
                                              letters=letters)))
    description = translate("opening_balance_line", ctx.language)
    now = dates.now()
    docs, rows_out = [], []
    for n, bal in enumerate(balances):
        line = PricedLine(product_id=None, description=description, qty=Decimal(1), unit="pcs",
                          unit_price=bal.amount, discount_percent=ZERO, tax_rate=ZERO, net=bal.amount, tax=ZERO,
                          total=bal.amount, account_id=ctx.opening_account)
        doc = BulkDocument(kind=bal.kind, currency=bal.currency, rate=bal.rate, total=bal.amount,
                           counterparty_id=bal.counterparty_id, branch_id=ctx.branch_id, date=bal.date, lines=[line],
                           number=numbers[n][0])
        total_base, entry_lines = document_entry_lines(doc, base)
        number, seq, series_id = numbers[n]
        rows_out.append({
            "company_id": actor.company_id, "branch_id": ctx.branch_id, "kind": bal.kind, "status": "posted",
            "number": number, "seq": seq, "series_id": series_id, "date": bal.date, "due_date": bal.due_date,
            "counterparty_id": bal.counterparty_id, "manager_id": actor.user_id, "order_id": None,
            "original_id": None, "payment_term_id": None, "external_number": bal.reference,
            "currency": bal.currency, "rate": bal.rate, "net_total": bal.amount, "tax_total": ZERO,
            "total": bal.amount, "total_base": total_base, "open_amount": bal.amount, "open_base": total_base,
            "notes": None, "entry_id": None, "reversal_entry_id": None, "posted_at": now,
            "posted_by": actor.user_id, "cancelled_at": None, "version": 1, "created_at": now, "updated_at": now,
        })
        docs.append((bal, line, entry_lines))
    table = Invoice.__table__
    ids = insert_ids(s, table, rows_out)
    line_rows = []
    for (_bal, line, _lines), row, inv_id in zip(docs, rows_out, ids):
        row["id"] = inv_id
        row["lines"] = [dict(line.columns(), invoice_id=inv_id, line_no=1, order_line_id=None,
                             account_id=ctx.opening_account)]
        line_rows.extend(row["lines"])
    s.execute(insert(InvoiceLine.__table__), line_rows)

    # One entry per date: the balances of one date are one event. A file with several dates (balances
    # as of each client's last reconciliation) cannot be one entry, since an entry has one date.
    by_date: dict[dt.date, list[Line]] = {}
    for bal, _line, entry_lines in docs:
        by_date.setdefault(bal.date, []).extend(entry_lines)
    entry_dates = sorted(by_date)
    specs = [EntrySpec(date=d, lines=tuple(_merged(by_date[d], ctx.opening_account)), source_type=SOURCE_TYPE,
                       memo=f"Opening balances as of {d.isoformat()}", branch_id=ctx.branch_id)
             for d in entry_dates]
    entry_ids = post_entries(s, actor, specs)
    entry_of = dict(zip(entry_dates, entry_ids))
    s.execute(update(table).where(table.c.id == bindparam("b_id")).values(entry_id=bindparam("b_entry")),
              [{"b_id": row["id"], "b_entry": entry_of[bal.date]} for (bal, _l, _e), row in zip(docs, rows_out)])
    for (bal, _l, _e), row in zip(docs, rows_out):
        row["entry_id"] = entry_of[bal.date]
    log_created(s, actor, ENTITY, [(row["id"], json.loads(json.dumps(row, default=str))) for row in rows_out])
    return list(ids), [], {"created": {"journal_entry": list(entry_ids)}, "entry_id": entry_ids[0]}


def _merged(lines: list[Line], opening_account: int) -> list[Line]:
    """The documents' lines with their opening-balance sides folded into one line: the difference."""
    out = [l for l in lines if l.account != opening_account]
    net = sum((l.debit - l.credit for l in lines if l.account == opening_account), ZERO)
    if net:
        out.append(Line(account=opening_account, debit=max(net, ZERO), credit=max(-net, ZERO),
                        memo="Opening balances"))
    return out


def _entries(imp: Any) -> list[int]:
    return list((imp.created or {}).get("journal_entry") or ([imp.entry_id] if imp.entry_id else []))


def undo_problems(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> list[FieldError]:
    """Why the balances cannot be taken back: a document paid (in part), credited or cancelled since, or a
    date now in a closed period. Each one is named."""
    ids = list((imp.created or {}).get(ENTITY, []))
    problems: list[FieldError] = []
    i, a = Invoice, Allocation
    for n in range(0, len(ids), 900):
        chunk = ids[n:n + 900]
        used: dict[int, str] = {}
        for (doc_id,) in session.execute(select(a.invoice_id).where(a.invoice_id.in_(chunk), a.reversed_at.is_(None))):
            used.setdefault(doc_id, "allocations")
        for (doc_id,) in session.execute(select(i.original_id).where(i.original_id.in_(chunk),
                                                                     i.status != "cancelled")):
            used.setdefault(doc_id, "invoices")
        for doc_id, status, open_amount, total in session.execute(
                select(i.id, i.status, i.open_amount, i.total).where(i.id.in_(chunk)).order_by(i.id)):
            if doc_id in used or (status != "cancelled" and open_amount != total):
                problems.append(FieldError(f"invoices.{doc_id}", "import_record_in_use",
                                           {"id": doc_id, "table": used.get(doc_id, "allocations")}))
            elif status != "posted":
                problems.append(FieldError(f"invoices.{doc_id}", "import_record_changed", {"id": doc_id}))
    locked = lock_date(session, actor.company_id)
    if locked is not None:
        for entry_id, on in session.execute(select(JournalEntry.id, JournalEntry.date).where(
                JournalEntry.id.in_(_entries(imp)), JournalEntry.date <= locked)):
            params = {"lock_date": locked.isoformat(), "date": on.isoformat()}
            problems.append(FieldError(f"journal_entries.{entry_id}", "period_locked", params))
    return problems


def undo(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> None:
    """Posted records are not deleted: each entry is reversed, each document cancelled with nothing open."""
    reversal = {e: reverse_entry(session, actor, e, source_type=SOURCE_TYPE,
                                 memo=f"Undo of import {imp.id}: opening balances").id for e in _entries(imp)}
    ids = list((imp.created or {}).get(ENTITY, []))
    now = dates.now()
    for n in range(0, len(ids), 900):
        for inv in session.scalars(select(Invoice).where(Invoice.id.in_(ids[n:n + 900])).order_by(Invoice.id)):
            before = snapshot_invoice(inv)
            inv.status = "cancelled"
            inv.open_amount = ZERO
            inv.open_base = ZERO
            inv.reversal_entry_id = reversal[inv.entry_id]
            inv.cancelled_at = now
            session.flush()
            log_change(session, actor, "invoice", inv.id, "cancel", before, snapshot_invoice(inv))

