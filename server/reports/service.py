"""Statements read from the ledger: trial balance, profit and loss, balance sheet, cash flow; purchase levels.

Every sum is done in SQL (money columns are exact on both databases, so SQL SUM is exact);
Python only subtracts, rounds by the base currency at the report's named points and lays rows out.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable, Optional

from sqlalchemy import ColumnElement, case, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from ..catalog.models import Category, Product
from ..core import dates
from ..core.actor import Actor
from ..core.errors import DomainError, FieldError, ValidationFailed
from ..core.i18n import translate
from ..core.money import Currency
from ..db import ExactDecimal
from ..finance.models import CashAccount, CashflowCategory
from ..ledger.models import Account, JournalLine
from ..ledger.service import books
from ..parties.models import Counterparty
from ..sales.models import Invoice, InvoiceLine
from .schemas import (
    AccountAmount, BalanceSheetOut, CashFlowLine, CashFlowOut, Column, ProfitAndLossOut, PurchaseLevelsOut, PurchaseRow,
    TrialBalanceLine, TrialBalanceOut, TrialBalanceTotals,
)

ZERO = Decimal(0)
MONEY = ExactDecimal(20, 4)
# A literal, not a bound parameter: SQLite proves a partial index applies only from literal terms.
SQL_ZERO = literal_column("0")


def money_sum(expr: Any) -> ColumnElement[Decimal]:
    """SUM of a money expression, 0 when there are no rows, read back through the exact money type."""
    return type_coerce(func.coalesce(func.sum(expr), SQL_ZERO), MONEY)


def when(cond: Any, value: Any) -> Any:
    return case((cond, value), else_=SQL_ZERO)


def branch_scope(actor: Actor, branch_id: Optional[int], column: Any) -> list[Any]:
    """The branch filter of a report: the one asked for (inside the actor's scope), else the actor's scope."""
    if branch_id is not None:
        if not actor.sees_branch(branch_id):
            raise DomainError("out_of_branch_scope", status=403,
                              errors=[FieldError("branch_id", "out_of_branch_scope")])
        return [column == branch_id]
    if actor.branch_ids:
        # Records without a branch belong to the whole company and are visible to all of it (Actor.sees_branch).
        return [or_(column.in_(actor.branch_ids), column.is_(None))]
    return []


def period(from_: Optional[dt.date], to: Optional[dt.date]) -> tuple[dt.date, dt.date]:
    """from/to with defaults: the start of `to`'s year up to today (or the end of `from`'s year if later)."""
    today = dates.today()
    if to is None:
        to = today if from_ is None or from_ <= today else dt.date(from_.year, 12, 31)
    if from_ is None:
        from_ = dt.date(to.year, 1, 1)
    check_period(from_, to)
    return from_, to


def check_period(from_: dt.date, to: dt.date) -> None:
    if from_ > to:
        params = {"from_date": from_.isoformat(), "to_date": to.isoformat()}
        raise ValidationFailed(errors=[FieldError("from", "invalid_period", params)])


def local_name(name: str, names: Optional[dict[str, Any]], language: str) -> str:
    return str((names or {}).get(language) or name)


# --- trial balance ------------------------------------------------------------------------------

def _split(base: Currency, net: Decimal) -> tuple[Decimal, Decimal]:
    """A signed balance (debit positive) as its debit and credit columns."""
    net = base.round(net)
    return (net, base.round(ZERO)) if net >= 0 else (base.round(ZERO), -net)


def _accounts(session: Session, actor: Actor, ids: Iterable[int]) -> dict[int, Account]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.scalars(select(Account).where(Account.company_id == actor.company_id, Account.id.in_(ids)))
    return {a.id: a for a in rows}


def trial_balance(session: Session, actor: Actor, from_: Optional[dt.date], to: Optional[dt.date],
                  branch_id: Optional[int] = None, language: str = "en") -> TrialBalanceOut:
    """Per account: opening balance, the period's debits and credits, closing balance; totals balance."""
    from_, to = period(from_, to)
    base = books(session, actor.company_id).base
    jl = JournalLine
    before, inside = jl.date < from_, jl.date >= from_
    rows = session.execute(
        select(jl.account_id, money_sum(when(before, jl.debit)), money_sum(when(before, jl.credit)),
               money_sum(when(inside, jl.debit)), money_sum(when(inside, jl.credit)))
        .where(jl.company_id == actor.company_id, jl.date <= to, *branch_scope(actor, branch_id, jl.branch_id))
        .group_by(jl.account_id)
    ).all()
    accounts = _accounts(session, actor, (r[0] for r in rows))
    lines = []
    for account_id, od, oc, d, c in rows:
        acc = accounts[account_id]
        opening = od - oc
        lines.append(TrialBalanceLine(
            account_id, acc.code, local_name(acc.name, acc.names, language), acc.type,
            *_split(base, opening), base.round(d), base.round(c), *_split(base, opening + d - c)))
    lines = [line for line in lines if any((line.opening_debit, line.opening_credit, line.debit, line.credit))]
    lines.sort(key=lambda line: line.code)
    totals = TrialBalanceTotals(*(base.round(sum((getattr(line, f) for line in lines), ZERO)) for f in (
        "opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit")))
    return TrialBalanceOut(from_, to, base.code, branch_id, lines, totals)


# --- profit and loss, balance sheet ---------------------------------------------------------------

def _movements(session: Session, actor: Actor, from_: Optional[dt.date], to: dt.date,
               branch_id: Optional[int]) -> list[tuple[Account, Decimal, Decimal]]:
    """(account, debits, credits) of every account that moved between from_ (or the beginning) and to."""
    jl = JournalLine
    where = [jl.company_id == actor.company_id, jl.date <= to, *branch_scope(actor, branch_id, jl.branch_id)]
    if from_ is not None:
        where.append(jl.date >= from_)
    rows = session.execute(
        select(jl.account_id, money_sum(jl.debit), money_sum(jl.credit)).where(*where).group_by(jl.account_id)
    ).all()
    accounts = _accounts(session, actor, (r[0] for r in rows))
    return sorted(((accounts[a], d, c) for a, d, c in rows), key=lambda r: r[0].code)


def _section(base: Currency, rows: list[tuple[Account, Decimal, Decimal]], type_: str, credit_side: bool,
             language: str) -> list[AccountAmount]:
    out = []
    for acc, d, c in rows:
        if acc.type != type_:
            continue
        amount = base.round(c - d if credit_side else d - c)
        if amount != 0:
            out.append(AccountAmount(acc.id, acc.code, local_name(acc.name, acc.names, language), amount))
    return out


def _total(base: Currency, items: list[AccountAmount]) -> Decimal:
    return base.round(sum((i.amount for i in items), ZERO))


def profit_and_loss(session: Session, actor: Actor, from_: Optional[dt.date], to: Optional[dt.date],
                    branch_id: Optional[int] = None, language: str = "en") -> ProfitAndLossOut:
    """Income and expense accounts over a period, and the net profit."""
    from_, to = period(from_, to)
    base = books(session, actor.company_id).base
    rows = _movements(session, actor, from_, to, branch_id)
    income = _section(base, rows, "income", True, language)
    expenses = _section(base, rows, "expense", False, language)
    ti, te = _total(base, income), _total(base, expenses)
    return ProfitAndLossOut(from_, to, base.code, branch_id, income, expenses, ti, te, ti - te)


def balance_sheet(session: Session, actor: Actor, as_of: Optional[dt.date], branch_id: Optional[int] = None,
                  language: str = "en") -> BalanceSheetOut:
    """Assets, liabilities and equity as of a date; income and expenses not yet closed count as equity."""
    as_of = as_of or dates.today()
    base = books(session, actor.company_id).base
    rows = _movements(session, actor, None, as_of, branch_id)
    assets = _section(base, rows, "asset", False, language)
    liabilities = _section(base, rows, "liability", True, language)
    equity = _section(base, rows, "equity", True, language)
    earnings = _total(base, _section(base, rows, "income", True, language)) - _total(
        base, _section(base, rows, "expense", False, language))
    ta, tl = _total(base, assets), _total(base, liabilities)
    te = _total(base, equity) + earnings
    return BalanceSheetOut(as_of, base.code, branch_id, assets, liabilities, equity, earnings, ta, tl, te, tl + te)


# --- cash flow ------------------------------------------------------------------------------------

def cash_account_ids(session: Session, actor: Actor) -> list[int]:
    """Ledger accounts that hold money: the chart's cash and bank, and any account a cash desk or bank uses."""
    b = books(session, actor.company_id)
    ids = {b.accounts["cash"], b.accounts["bank"]}
    ids.update(session.scalars(select(CashAccount.account_id).where(CashAccount.company_id == actor.company_id)))
    return sorted(ids)


def cash_flow(session: Session, actor: Actor, from_: Optional[dt.date], to: Optional[dt.date],
              branch_id: Optional[int] = None, language: str = "en") -> CashFlowOut:
    """Money in and out of cash and bank accounts per cash-flow category, with opening and closing cash."""
    from_, to = period(from_, to)
    base = books(session, actor.company_id).base
    jl = JournalLine
    where = [jl.company_id == actor.company_id, jl.account_id.in_(cash_account_ids(session, actor)),
             *branch_scope(actor, branch_id, jl.branch_id)]
    opening = session.execute(
        select(money_sum(jl.debit), money_sum(jl.credit)).where(*where, jl.date < from_)).one()
    rows = session.execute(
        select(jl.cashflow_category_id, money_sum(jl.debit), money_sum(jl.credit))
        .where(*where, jl.date >= from_, jl.date <= to).group_by(jl.cashflow_category_id)
    ).all()
    ids = [r[0] for r in rows if r[0] is not None]
    cats = {c.id: c for c in session.scalars(select(CashflowCategory).where(CashflowCategory.id.in_(ids)))}
    lines = []
    for cat_id, d, c in rows:
        cat = cats.get(cat_id)
        name = local_name(cat.name, cat.names, language) if cat else translate("report_uncategorised", language)
        lines.append(CashFlowLine(cat_id, cat.code if cat else None, name, base.round(d), base.round(c),
                                  base.round(d - c)))
    # Categories by code; the uncategorised line last, where a reader looks for what is left to sort.
    lines.sort(key=lambda line: (line.code is None, line.code or ""))
    tin = base.round(sum((line.inflow for line in lines), ZERO))
    tout = base.round(sum((line.outflow for line in lines), ZERO))
    open_ = base.round(opening[0] - opening[1])
    return CashFlowOut(from_, to, base.code, branch_id, open_, lines, tin, tout, tin - tout, open_ + tin - tout)


# --- purchase levels ------------------------------------------------------------------------------

SALE_KINDS = ("sale_invoice", "sale_credit")
CREDIT_KINDS = ("sale_credit", "bill_credit")
BOOKED = ("posted", "paid")


def purchase_levels(session: Session, actor: Actor, from_: Optional[dt.date], to: Optional[dt.date],
                    branch_id: Optional[int] = None, counterparty_id: Optional[int] = None,
                    language: str = "en") -> PurchaseLevelsOut:
    """What each client bought per product category: net sales of posted invoices, credit notes negative.

    Amounts are in the base currency: a document's lines of one category are summed in its currency
    in SQL and converted at its rate, rounded by the base currency per (client, category, rate).
    """
    from_, to = period(from_, to)
    base = books(session, actor.company_id).base
    i, il = Invoice, InvoiceLine
    where = [i.company_id == actor.company_id, i.kind.in_(SALE_KINDS), i.status.in_(BOOKED),
             i.date >= from_, i.date <= to, *branch_scope(actor, branch_id, i.branch_id)]
    if counterparty_id is not None:
        where.append(i.counterparty_id == counterparty_id)
    rows = session.execute(
        select(i.counterparty_id, Product.category_id, i.kind, i.rate, money_sum(il.net))
        .select_from(il).join(i, i.id == il.invoice_id).outerjoin(Product, Product.id == il.product_id)
        .where(*where).group_by(i.counterparty_id, Product.category_id, i.kind, i.rate)
    ).all()
    cells: dict[tuple[int, Optional[int]], Decimal] = {}
    for cp, cat, kind, rate, net in rows:
        amount = base.round(net * rate)
        cells[(cp, cat)] = cells.get((cp, cat), ZERO) + (-amount if kind in CREDIT_KINDS else amount)
    cat_ids = sorted({cat for _, cat in cells if cat is not None})
    cats = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(cat_ids)))} if cat_ids else {}
    columns = sorted((Column(c, local_name(cats[c].name, cats[c].names, language)) for c in cat_ids),
                     key=lambda col: col.name.casefold())
    if any(cat is None for _, cat in cells):
        columns.append(Column(None, translate("report_no_category", language)))
    names = counterparty_names(session, actor, {cp for cp, _ in cells})
    out_rows = []
    for cp in {cp for cp, _ in cells}:
        amounts = [cells.get((cp, col.category_id), base.round(ZERO)) for col in columns]
        out_rows.append(PurchaseRow(cp, names.get(cp, str(cp)), amounts, base.round(sum(amounts, ZERO))))
    out_rows.sort(key=lambda r: (r.name.casefold(), r.counterparty_id))
    totals = [base.round(sum((r.amounts[n] for r in out_rows), ZERO)) for n in range(len(columns))]
    return PurchaseLevelsOut(from_, to, base.code, branch_id, columns, out_rows, totals,
                          base.round(sum(totals, ZERO)))


def counterparty_names(session: Session, actor: Actor, ids: set[int]) -> dict[int, str]:
    """id → name; one indexed read of the company's list when many are asked for."""
    if not ids:
        return {}
    q = select(Counterparty.id, Counterparty.name).where(Counterparty.company_id == actor.company_id)
    if len(ids) <= 500:
        q = q.where(Counterparty.id.in_(ids))
    return {id_: name for id_, name in session.execute(q) if id_ in ids}

