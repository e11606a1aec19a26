"""The rules of money moving: cash accounts, cash-flow categories, payments, allocations, advances, FX.

Every financial event posts one entry through ledger.service.post_entry:
- a receipt: Dr its cash account / Cr customer_advances ("advances received");
- a payment: Dr supplier_advances ("advances paid") / Cr its cash account;
- a transfer: Dr the receiving account / Cr the sending one, the difference of base values to FX;
- an allocation: moves the used part of the payment from the advance account to the document's
  receivable or payable; the base value cleared is the document's (at its own rate), the base value
  used is the payment's (at its rate), and the difference is the realised exchange gain or loss.
Whatever is not allocated stays on the advance account: the counterparty's advance.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..audit import records
from ..audit.service import log_change
from ..core import dates
from ..core.actor import Actor
from ..core.errors import (
    Conflict,
    DomainError,
    ErrorList,
    FieldError,
    NotFound,
    ValidationFailed,
)
from ..core.money import Currency
from ..core.money import currency as currency_of
from ..currency import service as rates
from ..ledger.models import Account, JournalLine
from ..ledger.service import Line, books, check_open_period, post_entry, reverse_entry
from ..org.models import Branch
from ..parties.models import Counterparty
from ..sales import service as sales
from ..sales.models import Invoice, invoice_workflow
from ..sales.numbering import next_number
from . import schemas
from .models import (
    CREDIT_NOTE_ALLOCATION,
    PAYMENT_ALLOCATION,
    Allocation,
    CashAccount,
    CashflowCategory,
    Payment,
    payment_workflow,
)

ZERO = Decimal(0)
# Largest amount anything here computes: keeps every figure inside the Money column (20 digits,
# 4 places; SQLite stores it as a scaled 64-bit integer) after conversion between currencies.
MAX_AMOUNT = Decimal(10) ** 13

# Which documents a payment of each kind settles, and the advance account the unallocated part waits on.
SETTLES = {"receipt": ("sale_invoice", "bill_credit"), "payment": ("bill", "sale_credit")}
ADVANCE_ROLE = {"receipt": "customer_advances", "payment": "supplier_advances"}
DOCUMENT_ROLE = {"sale_invoice": "receivable", "sale_credit": "receivable", "bill": "payable",
                 "bill_credit": "payable"}
DEFAULT_CATEGORY = {"receipt": "sales_receipts", "payment": "supplier_payments", "transfer": "transfers"}

# code, direction, English, Khmer, Russian.
DEFAULT_CATEGORIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("sales_receipts", "in", "Receipts from customers", "ការទទួលប្រាក់ពីអតិថិជន", "Поступления от покупателей"),
    ("supplier_payments", "out", "Payments to suppliers", "ការទូទាត់ឱ្យអ្នកផ្គត់ផ្គង់", "Оплата поставщикам"),
    ("salaries", "out", "Salaries", "ប្រាក់បៀវត្ស", "Заработная плата"),
    ("taxes", "out", "Taxes", "ពន្ធ", "Налоги"),
    ("rent", "out", "Rent", "ថ្លៃជួល", "Аренда"),
    ("transfers", "both", "Transfers between accounts", "ការផ្ទេរប្រាក់រវាងគណនី", "Перемещения между счетами"),
    ("other", "both", "Other", "ផ្សេងៗ", "Прочее"),
)


def _present(schema: Any) -> records.Present:
    return lambda obj: schema.model_validate(obj).model_dump(mode="json")


present_cash_account = _present(schemas.CashAccountOut)
present_category = _present(schemas.CategoryOut)
present_payment = _present(schemas.PaymentOut)

MODELS = {"cash_account": CashAccount, "cashflow_category": CashflowCategory}


def _places(errors: ErrorList, field: str, amount: Optional[Decimal], code: str) -> bool:
    """True when `amount` has no more decimals than `code` allows and fits the books; else an error."""
    if amount is None:
        return False
    cur = currency_of(code)
    if amount != cur.round(amount):
        errors.add(field, "too_many_decimals", currency=code, places=cur.minor_units)
        return False
    if abs(amount) >= MAX_AMOUNT:
        errors.add(field, "too_large", max=str(MAX_AMOUNT))
        return False
    return True


def _rate(session: Session, company_id: int, code: str, on: dt.date, field: str, errors: ErrorList) -> Optional[Decimal]:
    try:
        return rates.rate_on(session, company_id, code, on, field)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return None


# --- cash accounts -----------------------------------------------------------------------------

def list_cash_accounts(session: Session, actor: Actor, include_archived: bool) -> list[CashAccount]:
    q = select(CashAccount).where(CashAccount.company_id == actor.company_id)
    if actor.branch_ids:
        q = q.where(CashAccount.branch_id.in_(actor.branch_ids))
    if not include_archived:
        q = q.where(CashAccount.archived_at.is_(None))
    return list(session.scalars(q.order_by(CashAccount.code)))


def create_cash_account(session: Session, actor: Actor, data: schemas.CashAccountIn) -> CashAccount:
    errors = ErrorList()
    records.check_unique(session, CashAccount, actor.company_id, "code", data.code, None, errors)
    branch = session.get(Branch, data.branch_id)
    if branch is None or branch.company_id != actor.company_id:
        errors.add("branch_id", "unknown_reference", entity="branch", value=data.branch_id)
    elif not actor.sees_branch(branch.id):
        errors.add("branch_id", "out_of_branch_scope")
    elif branch.archived_at is not None:
        errors.add("branch_id", "archived", entity="branch", id=branch.id)
    account_id = data.account_id
    if account_id is None:
        account_id = books(session, actor.company_id).accounts[data.kind]
    else:
        account = session.get(Account, account_id)
        if account is None or account.company_id != actor.company_id:
            errors.add("account_id", "unknown_reference", entity="account", value=account_id)
        elif account.type != "asset":
            errors.add("account_id", "not_an_asset_account", account=account.code, type=account.type)
        elif account.archived_at is not None:
            errors.add("account_id", "archived", entity="account", id=account_id)
    errors.raise_if_any()
    obj = CashAccount(company_id=actor.company_id, account_id=account_id, **data.model_dump(exclude={"account_id"}))
    return records.create(session, actor, obj, "cash_account")


def update_cash_account(session: Session, actor: Actor, id: int, patch: schemas.CashAccountPatch) -> CashAccount:
    obj = records.get_versioned(session, actor, CashAccount, id, "cash_account", patch.version, present_cash_account)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    for key in ("code", "name"):
        if key in changes and changes[key] is None:
            errors.add(key, "required")
    records.check_unique(session, CashAccount, actor.company_id, "code", changes.get("code"), obj.id, errors)
    errors.raise_if_any()
    return records.change(session, actor, obj, changes, "cash_account")


def archive_cash_account(session: Session, actor: Actor, id: int, version: int) -> CashAccount:
    obj = records.get_versioned(session, actor, CashAccount, id, "cash_account", version, present_cash_account)
    return records.archive(session, actor, obj, "cash_account")


def cash_account_balance(session: Session, cash: CashAccount) -> tuple[Decimal, Decimal]:
    """(balance in the account's currency, balance in base) from the ledger lines its payments posted.

    Several cash accounts may share one ledger account (the chart's `cash`), so the lines are found
    through the payments that name this cash account: only posted payments count (a cancelled one
    and its reversal cancel out), and on a transfer the sending side is the line that takes money
    out of the ledger account (negative amount) and the receiving side the one that puts it in.
    """
    of_account = and_(JournalLine.account_id == cash.account_id, JournalLine.currency == cash.currency)
    mine = or_(
        and_(Payment.kind != "transfer", Payment.cash_account_id == cash.id),
        and_(Payment.kind == "transfer", Payment.cash_account_id == cash.id, JournalLine.amount_currency < 0),
        and_(Payment.kind == "transfer", Payment.to_cash_account_id == cash.id, JournalLine.amount_currency > 0),
    )
    amount, debit, credit = session.execute(
        select(func.sum(JournalLine.amount_currency), func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .join(Payment, Payment.entry_id == JournalLine.entry_id)
        .where(Payment.company_id == cash.company_id, Payment.status == "posted", of_account, mine)
    ).one()
    return (amount or ZERO), (debit or ZERO) - (credit or ZERO)


def cash_account_view(session: Session, actor: Actor, id: int) -> schemas.CashAccountView:
    cash = records.get_owned(session, actor, CashAccount, id, "cash_account")
    balance, balance_base = cash_account_balance(session, cash)
    base = books(session, actor.company_id).base
    return schemas.CashAccountView(
        **schemas.CashAccountOut.model_validate(cash).model_dump(),
        balance=currency_of(cash.currency).round(balance), balance_base=base.round(balance_base),
        base_currency=base.code,
    )


# --- cash-flow categories ----------------------------------------------------------------------

def ensure_categories(session: Session, company_id: int) -> dict[str, int]:
    """code → id of the company's categories, creating the default set the first time it is needed."""
    have = dict(session.execute(
        select(CashflowCategory.code, CashflowCategory.id).where(CashflowCategory.company_id == company_id)
    ).all())
    if not have:
        for code, direction, en, km, ru in DEFAULT_CATEGORIES:
            obj = CashflowCategory(company_id=company_id, code=code, name=en, names={"km": km, "ru": ru},
                                   direction=direction)
            session.add(obj)
            session.flush()
            have[code] = obj.id
    return have


def list_cashflow_categories(session: Session, actor: Actor, include_archived: bool) -> list[CashflowCategory]:
    ensure_categories(session, actor.company_id)
    q = select(CashflowCategory).where(CashflowCategory.company_id == actor.company_id)
    if not include_archived:
        q = q.where(CashflowCategory.archived_at.is_(None))
    return list(session.scalars(q.order_by(CashflowCategory.code)))


def _check_parent(session: Session, actor: Actor, own_id: Optional[int], parent_id: Optional[int],
                  errors: ErrorList) -> None:
    if parent_id is None:
        return
    parent = session.get(CashflowCategory, parent_id)
    if parent is None or parent.company_id != actor.company_id:
        errors.add("parent_id", "unknown_reference", entity="cashflow_category", value=parent_id)
        return
    if parent.archived_at is not None:
        errors.add("parent_id", "archived", entity="cashflow_category", id=parent_id)
        return
    if records.is_own_ancestor(session, CashflowCategory, own_id, parent):
        errors.add("parent_id", "category_cycle")


def create_cashflow_category(session: Session, actor: Actor, data: schemas.CategoryIn) -> CashflowCategory:
    ensure_categories(session, actor.company_id)
    errors = ErrorList()
    records.check_unique(session, CashflowCategory, actor.company_id, "code", data.code, None, errors)
    _check_parent(session, actor, None, data.parent_id, errors)
    errors.raise_if_any()
    obj = CashflowCategory(company_id=actor.company_id, code=data.code, name=data.name,
                           names=data.names.model_dump(exclude_none=True), direction=data.direction,
                           parent_id=data.parent_id)
    return records.create(session, actor, obj, "cashflow_category")


def update_cashflow_category(session: Session, actor: Actor, id: int, patch: schemas.CategoryPatch) -> CashflowCategory:
    obj = records.get_versioned(session, actor, CashflowCategory, id, "cashflow_category", patch.version,
                                present_category)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    for key in ("code", "name", "direction"):
        if key in changes and changes[key] is None:
            errors.add(key, "required")
    records.check_unique(session, CashflowCategory, actor.company_id, "code", changes.get("code"), obj.id, errors)
    if "parent_id" in changes:
        _check_parent(session, actor, obj.id, changes["parent_id"], errors)
    errors.raise_if_any()
    if "names" in changes:
        changes["names"] = {k: v for k, v in (changes["names"] or {}).items() if v is not None}
    return records.change(session, actor, obj, changes, "cashflow_category")


def archive_cashflow_category(session: Session, actor: Actor, id: int, version: int) -> CashflowCategory:
    obj = records.get_versioned(session, actor, CashflowCategory, id, "cashflow_category", version, present_category)
    children = session.scalar(select(func.count()).select_from(CashflowCategory).where(
        CashflowCategory.parent_id == obj.id, CashflowCategory.archived_at.is_(None)))
    if children:
        raise Conflict("has_children", params={"children": "categories"})
    return records.archive(session, actor, obj, "cashflow_category")


# --- payments ----------------------------------------------------------------------------------

def _cash_account(session: Session, actor: Actor, id: Optional[int], field: str, errors: ErrorList) -> Optional[CashAccount]:
    if id is None:
        return None
    cash = session.get(CashAccount, id)
    if cash is None or cash.company_id != actor.company_id:
        errors.add(field, "unknown_reference", entity="cash_account", value=id)
        return None
    if not actor.sees_branch(cash.branch_id):
        # "A payment in another branch's account": named on the field the user chose it in.
        errors.add(field, "out_of_branch_scope")
        return None
    if cash.archived_at is not None:
        errors.add(field, "archived", entity="cash_account", id=id)
        return None
    return cash


def _counterparty(session: Session, actor: Actor, id: Optional[int], errors: ErrorList) -> Optional[Counterparty]:
    if id is None:
        return None
    cp = session.get(Counterparty, id)
    if cp is None or cp.company_id != actor.company_id:
        errors.add("counterparty_id", "unknown_reference", entity="counterparty", value=id)
        return None
    if not actor.sees_branch(cp.branch_id):
        errors.add("counterparty_id", "out_of_branch_scope")
        return None
    return cp


def _category(session: Session, actor: Actor, id: Optional[int], kind: str, errors: ErrorList) -> Optional[int]:
    codes = ensure_categories(session, actor.company_id)
    if id is None:
        return codes.get(DEFAULT_CATEGORY[kind])
    cat = session.get(CashflowCategory, id)
    if cat is None or cat.company_id != actor.company_id:
        errors.add("cashflow_category_id", "unknown_reference", entity="cashflow_category", value=id)
    elif cat.archived_at is not None:
        errors.add("cashflow_category_id", "archived", entity="cashflow_category", id=id)
    elif kind != "transfer" and cat.direction != "both" and cat.direction != {"receipt": "in", "payment": "out"}[kind]:
        errors.add("cashflow_category_id", "wrong_direction", category=cat.code, direction=cat.direction)
    return id


def create_payment(session: Session, actor: Actor, data: schemas.PaymentIn) -> Payment:
    """Validate everything, then post the payment (and its allocations) at once; nothing is written on error."""
    errors = ErrorList()
    cash = _cash_account(session, actor, data.cash_account_id, "cash_account_id", errors)
    amount_ok = cash is not None and _places(errors, "amount", data.amount, cash.currency)
    transfer = data.kind == "transfer"
    to_cash: Optional[CashAccount] = None
    if transfer:
        for field in ("counterparty_id",):
            if getattr(data, field) is not None:
                errors.add(field, "not_for_transfers")
        if data.allocations:
            errors.add("allocations", "not_for_transfers")
        if data.to_cash_account_id is None:
            errors.add("to_cash_account_id", "required")
        elif data.to_cash_account_id == data.cash_account_id:
            errors.add("to_cash_account_id", "same_cash_account")
        else:
            to_cash = _cash_account(session, actor, data.to_cash_account_id, "to_cash_account_id", errors)
        if cash is not None and to_cash is not None:
            if to_cash.currency != cash.currency:
                if data.to_amount is None:
                    errors.add("to_amount", "required")
                else:
                    _places(errors, "to_amount", data.to_amount, to_cash.currency)
            elif data.to_amount is not None and data.to_amount != data.amount:
                errors.add("to_amount", "transfer_amount_mismatch", amount=str(data.amount))
    else:
        for field in ("to_cash_account_id", "to_amount"):
            if getattr(data, field) is not None:
                errors.add(field, "only_for_transfers")
        if data.counterparty_id is None:
            errors.add("counterparty_id", "required")
        _counterparty(session, actor, data.counterparty_id, errors)
    category_id = _category(session, actor, data.cashflow_category_id, data.kind, errors)
    rate = _rate(session, actor.company_id, cash.currency, data.date, "date", errors) if cash else None
    to_rate = _rate(session, actor.company_id, to_cash.currency, data.date, "date", errors) if to_cash else None
    b = books(session, actor.company_id)
    amount_base = b.base.round(data.amount * rate) if rate is not None and amount_ok else None
    if amount_base is not None and amount_base >= MAX_AMOUNT:
        errors.add("amount", "too_large", max=str(MAX_AMOUNT))
    to_amount = (data.to_amount if data.to_amount is not None else data.amount) if transfer else None
    to_base = b.base.round(to_amount * to_rate) if to_amount is not None and to_rate is not None else None
    if to_base is not None and to_base >= MAX_AMOUNT:
        errors.add("to_amount", "too_large", max=str(MAX_AMOUNT))
    # Allocations are checked against the payment as it will be, so one answer lists every problem.
    planned: list[_Planned] = []
    if data.allocations and cash is not None and not transfer:
        whole = amount_ok and rate is not None and amount_base is not None
        # With a bad amount or rate the allocations are still checked one by one (not their sum).
        probe = Payment(company_id=actor.company_id, kind=data.kind, date=data.date, currency=cash.currency,
                        amount=data.amount if whole else MAX_AMOUNT, rate=rate if whole else Decimal(1),
                        amount_base=amount_base if whole else MAX_AMOUNT,
                        unallocated=data.amount if whole else MAX_AMOUNT,
                        counterparty_id=data.counterparty_id, branch_id=cash.branch_id)
        # Each allocation is dated the later of the payment's and its invoice's dates.
        planned = _plan_allocations(session, actor, probe, data.allocations, None, "allocations", errors,
                                    date_given=False)
    errors.raise_if_any()
    assert cash is not None and rate is not None and amount_base is not None
    check_open_period(session, actor.company_id, data.date, "date")

    number, _seq, _series = next_number(session, actor.company_id, cash.branch_id, data.kind, data.date.year)
    payment = records.create(session, actor, Payment(
        company_id=actor.company_id, branch_id=cash.branch_id, kind=data.kind, number=number, date=data.date,
        cash_account_id=cash.id, to_cash_account_id=to_cash.id if to_cash else None,
        to_amount=to_amount, counterparty_id=data.counterparty_id, currency=cash.currency, amount=data.amount,
        # A transfer is never allocated: its unallocated stays its amount (amount − Σ allocations, as for all).
        rate=rate, amount_base=amount_base, unallocated=data.amount,
        cashflow_category_id=category_id, reference=data.reference, memo=data.memo,
        # A draft only until its entry exists in this same transaction: posted payments are frozen
        # (core.posted), so the entry's id is set in the step that posts it.
        status="draft", posted_by=actor.user_id,
    ), "payment")
    lines = _payment_lines(b, payment, cash, to_cash, to_base)
    entry = post_entry(session, actor, date=data.date, lines=lines, source_type="payment", source_id=payment.id,
                       memo=f"{number}" + (f" {data.memo}" if data.memo else ""), branch_id=payment.branch_id)
    records.change(session, actor, payment, {"entry_id": entry.id, "status": "posted"}, "payment")
    for plan in planned:
        _apply_allocation(session, actor, payment, plan)
    return payment


def _payment_lines(b: Any, p: Payment, cash: CashAccount, to_cash: Optional[CashAccount],
                   to_base: Optional[Decimal]) -> list[Line]:
    cat = p.cashflow_category_id
    if p.kind == "receipt":
        return [
            Line(cash.account_id, debit=p.amount_base, currency=p.currency, amount=p.amount, cashflow_category_id=cat,
                 memo=cash.code),
            Line("customer_advances", credit=p.amount_base, currency=p.currency, amount=-p.amount,
                 counterparty_id=p.counterparty_id),
        ]
    if p.kind == "payment":
        return [
            Line("supplier_advances", debit=p.amount_base, currency=p.currency, amount=p.amount,
                 counterparty_id=p.counterparty_id),
            Line(cash.account_id, credit=p.amount_base, currency=p.currency, amount=-p.amount, cashflow_category_id=cat,
                 memo=cash.code),
        ]
    assert to_cash is not None and to_base is not None and p.to_amount is not None
    lines = [
        Line(to_cash.account_id, debit=to_base, currency=to_cash.currency, amount=p.to_amount,
             cashflow_category_id=cat, branch_id=to_cash.branch_id, memo=to_cash.code),
        Line(cash.account_id, credit=p.amount_base, currency=p.currency, amount=-p.amount,
             cashflow_category_id=cat, memo=cash.code),
    ]
    # The same money valued at two rates: what arrives is worth more (gain) or less (loss) in base.
    diff = to_base - p.amount_base
    if diff > 0:
        lines.append(Line("fx_gain", credit=diff, memo="transfer exchange difference"))
    elif diff < 0:
        lines.append(Line("fx_loss", debit=-diff, memo="transfer exchange difference"))
    return lines


def update_payment(session: Session, actor: Actor, id: int, patch: schemas.PaymentPatch) -> Payment:
    """Memo and reference only: a posted payment's amounts, dates and accounts never change."""
    payment = records.get_versioned(session, actor, Payment, id, "payment", patch.version, present_payment)
    others = sorted(patch.model_extra or {})
    if others:
        raise Conflict("posted_immutable", params={"number": payment.number},
                       errors=[FieldError(k[:100], "immutable_field") for k in others[:50]])
    payment_workflow(payment.kind).check(payment, "edit")
    check_open_period(session, actor.company_id, payment.date, "date")
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    changes = {k: v for k, v in changes.items() if k in ("memo", "reference")}
    return records.change(session, actor, payment, changes, "payment")


def cancel_payment(session: Session, actor: Actor, id: int, version: int) -> Payment:
    """Reverse a payment's entry; refused while any of its allocations is active (reverse those first)."""
    payment = records.get_versioned(session, actor, Payment, id, "payment", version, present_payment)
    payment_workflow(payment.kind).check(payment, "cancel")
    if _active_allocations(session, payment.id):
        raise Conflict("has_allocations", params={"id": payment.id})
    assert payment.entry_id is not None
    reversal = reverse_entry(session, actor, payment.entry_id, memo=f"Cancellation of {payment.number}")
    return records.change(session, actor, payment, {
        "status": "cancelled", "reversal_entry_id": reversal.id, "cancelled_at": dates.now(),
    }, "payment")


def get_payment(session: Session, actor: Actor, id: int) -> Payment:
    return records.get_owned(session, actor, Payment, id, "payment")


def payment_view(session: Session, actor: Actor, id: int) -> schemas.PaymentView:
    payment = get_payment(session, actor, id)
    allocs = session.scalars(select(Allocation).where(Allocation.payment_id == payment.id).order_by(Allocation.id))
    return schemas.PaymentView(**schemas.PaymentOut.model_validate(payment).model_dump(),
                               allocations=[schemas.AllocationOut.model_validate(a) for a in allocs])


def list_payments(session: Session, actor: Actor, q: schemas.PaymentQuery) -> tuple[list[Payment], int]:
    conds = [Payment.company_id == actor.company_id]
    if actor.branch_ids:
        conds.append(Payment.branch_id.in_(actor.branch_ids))
    for field in ("kind", "status", "counterparty_id", "branch_id"):
        value = getattr(q, field)
        if value is not None:
            conds.append(getattr(Payment, field) == value)
    if q.cash_account_id is not None:
        conds.append(or_(Payment.cash_account_id == q.cash_account_id, Payment.to_cash_account_id == q.cash_account_id))
    if q.date_from is not None:
        conds.append(Payment.date >= q.date_from)
    if q.date_to is not None:
        conds.append(Payment.date <= q.date_to)
    if q.unallocated_only:
        conds.append(and_(Payment.status == "posted", Payment.kind != "transfer", Payment.unallocated != 0))
    total = session.scalar(select(func.count()).select_from(Payment).where(*conds)) or 0
    rows = session.scalars(select(Payment).where(*conds).order_by(Payment.date.desc(), Payment.id.desc())
                           .limit(q.limit).offset(q.offset))
    return list(rows), total


# --- allocations -------------------------------------------------------------------------------

class _Planned:
    """One checked allocation, with every figure it will post."""

    def __init__(self, invoice: Invoice, date: dt.date, amount: Decimal, payment_amount: Decimal,
                 amount_base: Decimal, payment_base: Decimal) -> None:
        self.invoice, self.date, self.amount = invoice, date, amount
        self.payment_amount, self.amount_base, self.payment_base = payment_amount, amount_base, payment_base


def _active_allocations(session: Session, payment_id: int) -> list[Allocation]:
    return list(session.scalars(select(Allocation).where(
        Allocation.payment_id == payment_id, Allocation.reversed_at.is_(None)).order_by(Allocation.id)))


def _unallocated_base(session: Session, payment: Payment) -> Decimal:
    """The payment's base value still on the advance account: what it booked minus what allocations used."""
    if payment.id is None:
        return payment.amount_base
    used = sum((a.amount_base + a.exchange_difference for a in _active_allocations(session, payment.id)), ZERO)
    return payment.amount_base - used


def _plan_allocations(session: Session, actor: Actor, payment: Payment, items: list[schemas.AllocationIn],
                      date: Optional[dt.date], prefix: str, errors: ErrorList, *, date_given: bool) -> list[_Planned]:
    """Check allocations of one payment; every problem goes to `errors` under `<prefix>.N.<field>`."""
    b = books(session, actor.company_id)
    pay_cur = currency_of(payment.currency)
    unallocated = payment.unallocated
    remaining_base = _unallocated_base(session, payment)
    seen: set[int] = set()
    planned: list[_Planned] = []
    wanted = ZERO
    for n, item in enumerate(items):
        where = f"{prefix}.{n}"
        if item.invoice_id in seen:
            errors.add(f"{where}.invoice_id", "duplicate_in_request")
            continue
        seen.add(item.invoice_id)
        inv = session.get(Invoice, item.invoice_id)
        if inv is None or inv.company_id != actor.company_id:
            errors.add(f"{where}.invoice_id", "unknown_reference", entity="invoice", value=item.invoice_id)
            continue
        if not actor.sees_branch(inv.branch_id):
            errors.add(f"{where}.invoice_id", "out_of_branch_scope")
            continue
        flow = invoice_workflow(inv.kind)
        if not flow.can(inv.status, "allocate"):
            errors.add(f"{where}.invoice_id", "invalid_state", **flow.params(inv, "allocate"))
            continue
        if inv.kind not in SETTLES.get(payment.kind, ()):
            errors.add(f"{where}.invoice_id", "wrong_document_kind", payment_kind=payment.kind, invoice_kind=inv.kind)
            continue
        if inv.counterparty_id != payment.counterparty_id:
            errors.add(f"{where}.invoice_id", "wrong_counterparty", number=inv.number or str(inv.id))
            continue
        on = date if date is not None else max(payment.date, inv.date)
        if not _places(errors, f"{where}.amount", item.amount, inv.currency):
            continue
        if item.amount > inv.open_amount:
            errors.add(f"{where}.amount", "above_open_amount", number=inv.number or str(inv.id),
                       open_amount=str(inv.open_amount.normalize()), currency=inv.currency)
            continue
        if inv.currency == payment.currency:
            payment_amount = item.amount
        else:
            # The invoice's currency turned into the payment's at the rates of the allocation date.
            field = "date" if date_given else f"{where}.invoice_id"
            inv_rate = _rate(session, actor.company_id, inv.currency, on, field, errors)
            pay_rate = _rate(session, actor.company_id, payment.currency, on, field, errors)
            if inv_rate is None or pay_rate is None:
                continue
            payment_amount = pay_cur.round(item.amount * inv_rate / pay_rate)
            if payment_amount >= MAX_AMOUNT:
                errors.add(f"{where}.amount", "too_large", max=str(MAX_AMOUNT))
                continue
            if payment_amount <= 0:
                errors.add(f"{where}.amount", "below_payment_unit", currency=payment.currency)
                continue
        wanted += payment_amount
        closes_invoice = item.amount == inv.open_amount
        # The last allocation clears exactly what the document still carries; parts are rounded and
        # never clear more than that, so the receivable/payable and open_base stay equal.
        amount_base = inv.open_base if closes_invoice else min(b.base.round(item.amount * inv.rate), inv.open_base)
        planned.append(_Planned(inv, on, item.amount, payment_amount, amount_base, ZERO))
    if wanted > unallocated:
        errors.add(f"{prefix}", "above_unallocated", needed=str(wanted), available=str(unallocated),
                   currency=payment.currency)
        return []
    # The base value the payment gives up, part by part; the part that uses up the payment takes
    # exactly what its advance still carries.
    left, left_base = unallocated, remaining_base
    for plan in planned:
        left -= plan.payment_amount
        if left == 0:
            plan.payment_base = left_base
        else:
            plan.payment_base = min(b.base.round(plan.payment_amount * payment.rate), left_base)
        left_base -= plan.payment_base
    return planned


def _allocation_lines(payment: Payment, plan: _Planned) -> list[Line]:
    inv = plan.invoice
    doc_role = DOCUMENT_ROLE[inv.kind]
    adv_role = ADVANCE_ROLE[payment.kind]
    cp = payment.counterparty_id
    memo = f"{payment.number} → {inv.number}"
    diff = plan.payment_base - plan.amount_base
    if payment.kind == "receipt":
        # Money received: the advance received is used up, the document's claim is cleared.
        lines = [
            Line(adv_role, debit=plan.payment_base, currency=payment.currency, amount=plan.payment_amount,
                 counterparty_id=cp, memo=memo),
            Line(doc_role, credit=plan.amount_base, currency=inv.currency, amount=-plan.amount, counterparty_id=cp,
                 memo=memo),
        ]
        if diff > 0:
            lines.append(Line("fx_gain", credit=diff, memo=memo))
        elif diff < 0:
            lines.append(Line("fx_loss", debit=-diff, memo=memo))
    else:
        # Money paid out: the debt (or the client's credit) is cleared, the advance paid is used up.
        lines = [
            Line(doc_role, debit=plan.amount_base, currency=inv.currency, amount=plan.amount, counterparty_id=cp,
                 memo=memo),
            Line(adv_role, credit=plan.payment_base, currency=payment.currency, amount=-plan.payment_amount,
                 counterparty_id=cp, memo=memo),
        ]
        if diff > 0:
            lines.append(Line("fx_loss", debit=diff, memo=memo))
        elif diff < 0:
            lines.append(Line("fx_gain", credit=-diff, memo=memo))
    return lines


def _apply_allocation(session: Session, actor: Actor, payment: Payment, plan: _Planned) -> Allocation:
    inv = plan.invoice
    alloc = records.create(session, actor, Allocation(
        company_id=actor.company_id, payment_id=payment.id, invoice_id=inv.id, date=plan.date, amount=plan.amount,
        payment_amount=plan.payment_amount, amount_base=plan.amount_base,
        exchange_difference=plan.payment_base - plan.amount_base, created_at=dates.now(), created_by=actor.user_id,
    ), "allocation")
    entry = post_entry(session, actor, date=plan.date, lines=_allocation_lines(payment, plan),
                       source_type="allocation", source_id=alloc.id, memo=f"{payment.number} → {inv.number}",
                       branch_id=payment.branch_id, date_field="date")
    alloc.entry_id = entry.id
    session.flush()
    open_amount = inv.open_amount - plan.amount
    records.change(session, actor, inv, {
        "open_amount": open_amount, "open_base": inv.open_base - plan.amount_base,
        "status": "paid" if open_amount == 0 else "posted",
    }, "invoice")
    records.change(session, actor, payment, {"unallocated": payment.unallocated - plan.payment_amount}, "payment")
    _sync_order(session, inv)
    return alloc


def _sync_order(session: Session, inv: Invoice) -> None:
    if inv.order_id is not None:
        sales.sync_order_status(session, inv.order_id)


def allocate(session: Session, actor: Actor, payment_id: int, data: schemas.AllocateIn) -> list[Allocation]:
    """Apply part of a posted payment to invoices or bills; all or nothing."""
    payment = get_payment(session, actor, payment_id)
    payment_workflow(payment.kind).check(payment, "allocate")
    errors = ErrorList()
    if data.date is not None and data.date < payment.date:
        errors.add("date", "date_too_early", min_date=payment.date.isoformat())
        errors.raise_if_any()
    planned = _plan_allocations(session, actor, payment, data.allocations, data.date, "allocations", errors,
                                date_given=data.date is not None)
    errors.raise_if_any()
    for plan in planned:
        check_open_period(session, actor.company_id, plan.date, "date")
    return [_apply_allocation(session, actor, payment, plan) for plan in planned]


def reverse_allocation(session: Session, actor: Actor, id: int) -> Allocation:
    """Undo an allocation: reverse its entry, give the invoice its open amount and the payment its advance."""
    alloc = session.get(Allocation, id)
    if alloc is None or alloc.company_id != actor.company_id:
        raise NotFound("not_found", params={"entity": "allocation", "id": id})
    payment = session.get(Payment, alloc.payment_id) if alloc.payment_id else None
    if payment is not None and not actor.sees_branch(payment.branch_id):
        raise DomainError("out_of_branch_scope", status=403, errors=[FieldError("branch_id", "out_of_branch_scope")])
    if alloc.reversed_at is not None:
        raise Conflict("allocation_reversed", params={"id": id})
    # Credit-note allocations belong to the sales package, which reverses them itself.
    flow = PAYMENT_ALLOCATION if payment is not None and alloc.entry_id is not None else CREDIT_NOTE_ALLOCATION
    flow.check(alloc, "reverse", state="active")
    assert payment is not None and alloc.entry_id is not None
    reversal = reverse_entry(session, actor, alloc.entry_id, memo=f"Reversal of allocation {alloc.id}")
    before = records.snapshot(alloc)
    alloc.reversed_at = dates.now()
    alloc.reversal_entry_id = reversal.id
    session.flush()
    log_change(session, actor, "allocation", alloc.id, "reverse", before, records.snapshot(alloc))
    inv = session.get_one(Invoice, alloc.invoice_id)
    records.change(session, actor, inv, {
        "open_amount": inv.open_amount + alloc.amount, "open_base": inv.open_base + alloc.amount_base,
        "status": "posted" if inv.status == "paid" else inv.status,
    }, "invoice")
    records.change(session, actor, payment, {"unallocated": payment.unallocated + alloc.payment_amount}, "payment")
    _sync_order(session, inv)
    return alloc


# --- counterparty balance ----------------------------------------------------------------------

def counterparty_balance(session: Session, actor: Actor, counterparty_id: int) -> schemas.BalanceOut:
    """Receivable, payable and advances of one counterparty, with its open documents."""
    cp = session.get(Counterparty, counterparty_id)
    if cp is None or cp.company_id != actor.company_id:
        raise NotFound("not_found", params={"entity": "counterparty", "id": counterparty_id})
    if not actor.sees_branch(cp.branch_id):
        raise DomainError("out_of_branch_scope", status=403, errors=[FieldError("branch_id", "out_of_branch_scope")])
    b = books(session, actor.company_id)
    items = list(session.scalars(select(Invoice).where(
        Invoice.company_id == actor.company_id, Invoice.counterparty_id == cp.id, Invoice.status == "posted",
        Invoice.open_amount != 0,
    ).order_by(Invoice.due_date, Invoice.id)))
    sign = {"sale_invoice": 1, "sale_credit": -1, "bill": 1, "bill_credit": -1}
    receivable = sum((sign[i.kind] * i.open_base for i in items if DOCUMENT_ROLE.get(i.kind) == "receivable"), ZERO)
    payable = sum((sign[i.kind] * i.open_base for i in items if DOCUMENT_ROLE.get(i.kind) == "payable"), ZERO)
    # The advances' base values come from the ledger: what the advance accounts carry for this counterparty.
    received = _account_balance(session, actor.company_id, b.accounts["customer_advances"], cp.id)
    paid = _account_balance(session, actor.company_id, b.accounts["supplier_advances"], cp.id)
    by_currency: dict[str, list[schemas.AdvanceOut]] = {"received": [], "paid": []}
    rows = session.execute(
        select(Payment.kind, Payment.currency, func.sum(Payment.unallocated))
        .where(Payment.company_id == actor.company_id, Payment.counterparty_id == cp.id, Payment.status == "posted",
               Payment.kind.in_(("receipt", "payment")))
        .group_by(Payment.kind, Payment.currency).order_by(Payment.kind, Payment.currency)
    ).all()
    for kind, code, unallocated in rows:
        if unallocated:
            key = "received" if kind == "receipt" else "paid"
            by_currency[key].append(schemas.AdvanceOut(currency=code, unallocated=unallocated))
    advances_received, advances_paid = -received, paid
    return schemas.BalanceOut(
        counterparty_id=cp.id, base_currency=b.base.code, receivable=receivable, payable=payable,
        advances_received=advances_received, advances_paid=advances_paid,
        net=receivable - payable - advances_received + advances_paid,
        advances_by_currency=by_currency, open_items=[schemas.OpenItem.model_validate(i) for i in items],
    )


def _account_balance(session: Session, company_id: int, account_id: int, counterparty_id: int) -> Decimal:
    debit, credit = session.execute(
        select(func.sum(JournalLine.debit), func.sum(JournalLine.credit)).where(
            JournalLine.company_id == company_id, JournalLine.account_id == account_id,
            JournalLine.counterparty_id == counterparty_id)
    ).one()
    return (debit or ZERO) - (credit or ZERO)


def pay_out(session: Session, actor: Actor, *, cash_account_id: int, date: dt.date, amount: Decimal, debit: str | int,
            category: str, memo: str, source_type: str, source_id: int, reference: Optional[str] = None) -> Payment:
    """Pay money out of a cash account against a ledger account other than a supplier's (salaries, an advance to
    an employee, a reimbursed expense): one posted payment without a counterparty, Dr `debit` / Cr the cash account.

    The amount is in the cash account's currency; the caller has checked it is positive.
    """
    errors = ErrorList()
    cash = _cash_account(session, actor, cash_account_id, "cash_account_id", errors)
    if cash is not None:
        _places(errors, "amount", amount, cash.currency)
    rate = _rate(session, actor.company_id, cash.currency, date, "date", errors) if cash else None
    errors.raise_if_any()
    assert cash is not None and rate is not None
    check_open_period(session, actor.company_id, date, "date")
    b = books(session, actor.company_id)
    amount_base = b.base.round(amount * rate)
    number, _seq, _series = next_number(session, actor.company_id, cash.branch_id, "payment", date.year)
    category_id = ensure_categories(session, actor.company_id).get(category)
    payment = records.create(session, actor, Payment(
        company_id=actor.company_id, branch_id=cash.branch_id, kind="payment", number=number, date=date,
        cash_account_id=cash.id, currency=cash.currency, amount=amount, rate=rate, amount_base=amount_base,
        unallocated=Decimal(0), cashflow_category_id=category_id, reference=reference, memo=memo,
        status="draft", posted_by=actor.user_id,
    ), "payment")
    lines = [
        Line(debit, debit=amount_base, currency=cash.currency, amount=amount, memo=memo[:300]),
        Line(cash.account_id, credit=amount_base, currency=cash.currency, amount=-amount,
             cashflow_category_id=category_id, memo=memo[:300]),
    ]
    entry = post_entry(session, actor, date=date, lines=lines, source_type=source_type, source_id=source_id,
                       memo=f"{number} {memo}", branch_id=cash.branch_id)
    records.change(session, actor, payment, {"entry_id": entry.id, "status": "posted"}, "payment")
    return payment


# --- what finance adds to sales (registered on its hooks) ------------------------------------

@sales.credit_note_posted.register
def offset_credit_note(session: Session, actor: Actor, cn: Invoice, original: Invoice, base: Currency) -> None:
    """A posted credit note settles what it can of its original's open amount, through an allocation."""
    if original.status != "posted" or original.open_amount <= 0 or cn.open_amount <= 0:
        return
    amount = min(cn.open_amount, original.open_amount)
    closes = amount == original.open_amount
    amount_base = original.open_base if closes else base.round(amount * original.rate)
    alloc = Allocation(
        company_id=actor.company_id, payment_id=None, credit_note_id=cn.id, invoice_id=original.id, date=cn.date,
        amount=amount, payment_amount=amount, amount_base=amount_base, exchange_difference=ZERO, entry_id=None,
        created_at=dates.now(), created_by=actor.user_id,
    )
    records.create(session, actor, alloc, "allocation")
    for doc in (original, cn):
        open_amount = doc.open_amount - amount
        changes: dict[str, Any] = {"open_amount": open_amount, "open_base": doc.open_base - amount_base}
        if open_amount == 0:
            changes["status"] = "paid"
        records.change(session, actor, doc, changes, "invoice")
    if original.order_id is not None:
        sales.sync_order_status(session, original.order_id)


@sales.settlements.register
def settlements_of(session: Session, invoice_ids: list[int]) -> list[dict[str, Any]]:
    """The payments and credit notes allocated (and not reversed) to these invoices, oldest first."""
    if not invoice_ids:
        return []
    rows = session.execute(
        select(Allocation, Payment.number, Invoice.number)
        .outerjoin(Payment, Payment.id == Allocation.payment_id)
        .outerjoin(Invoice, Invoice.id == Allocation.credit_note_id)
        .where(Allocation.invoice_id.in_(invoice_ids), Allocation.reversed_at.is_(None))
        .order_by(Allocation.date, Allocation.id)).all()
    return [{"payment_id": alloc.payment_id, "credit_note_id": alloc.credit_note_id, "invoice_id": alloc.invoice_id,
             "number": pay_no or cn_no, "date": alloc.date, "amount": alloc.amount} for alloc, pay_no, cn_no in rows]
