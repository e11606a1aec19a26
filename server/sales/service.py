"""The rules of invoices, bills and credit notes: pricing lines, due dates, posting, cancelling, crediting."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Optional

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, object_session

from ..audit import records
from ..audit.service import log_change, log_created
from ..catalog.models import Product
from ..catalog.pricing import price_for  # the catalog owns price lists and their rules
from ..core import dates
from ..core.actor import Actor
from ..core.errors import (
    Conflict,
    DomainError,
    ErrorList,
    FieldError,
    Forbidden,
    ValidationFailed,
)
from ..core.hooks import Hook
from ..core.money import CURRENCIES, Currency
from ..currency.service import rate_on  # the currency package owns exchange rates
from ..db import insert_ids
from ..ledger.models import JournalEntry
from ..ledger.service import (
    EntrySpec,
    Line,
    books,
    check_open_period,
    post_entries,
    post_entry,
    reverse_entry,
)
from ..org.models import Branch, Company
from ..parties.models import Counterparty
from . import schemas
from .models import (
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    PaymentTerm,
    invoice_workflow,
)
from .numbering import next_number, next_numbers

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Quantities, discounts and tax rates are stored with 4 decimal places.
QTY_PLACES = 4
SALE_KINDS = ("sale_invoice", "sale_credit")
BILL_KINDS = ("bill", "bill_credit")
CREDIT_KINDS = ("sale_credit", "bill_credit")
CREDIT_OF = {"sale_invoice": "sale_credit", "bill": "bill_credit"}
# Who a document's counterparty must be.
PARTY_KINDS = {"sale_invoice": ("client", "both"), "sale_credit": ("client", "both"),
               "bill": ("supplier", "both"), "bill_credit": ("supplier", "both")}
BOOK_ROLES = ("owner", "accountant")
POSTED = ("posted", "paid")

# Finance sits above sales and settles invoices; it registers on these hooks when imported:
# credit_note_posted(session, actor, credit_note, original, base_currency) settles what the credit note can of its
# original; settlements(session, invoice_ids) answers the payments and credit notes allocated to those invoices.
credit_note_posted = Hook("sales.credit_note_posted")
settlements = Hook("sales.settlements")


# --- presentation ----------------------------------------------------------------------------

def plain(value: Decimal) -> Decimal:
    """A stored quantity or rate without its storage padding (2.0000 → 2, 0.0002450000 → 0.000245)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _line_amounts(line: Any, cur: Currency) -> dict[str, Any]:
    """A line's numbers as answers show them: rounded by the currency, rates without trailing zeros."""
    return {
        "qty": plain(line.qty), "unit_price": _price(line.unit_price, cur), "discount_percent": plain(line.discount_percent),
        "tax_rate": plain(line.tax_rate), "net": cur.round(line.net), "tax": cur.round(line.tax),
        "total": cur.round(line.total),
    }


def _line_out(line: Any, cur: Currency) -> dict[str, Any]:
    return {
        "id": line.id, "line_no": line.line_no, "product_id": line.product_id, "description": line.description,
        "unit": line.unit, **_line_amounts(line, cur),
    }


def _price(value: Decimal, cur: Currency) -> Decimal:
    # Unit prices carry the currency's places (see _check_places), shown the same way.
    return cur.round(value) if value == cur.round(value) else plain(value)


def present_invoice(inv: Invoice, base: Currency | None = None) -> schemas.InvoiceOut:
    """The invoice's answer: its columns read through InvoiceOut, amounts rounded by their currency."""
    cur = CURRENCIES[inv.currency]
    if base is None:
        base = books(object_session(inv), inv.company_id).base  # type: ignore[arg-type]
    lines = [schemas.InvoiceLineOut.model_validate(l).model_copy(update=_line_amounts(l, cur)) for l in inv.lines]
    return schemas.InvoiceOut.model_validate(inv).model_copy(update={
        "rate": plain(inv.rate), "net_total": cur.round(inv.net_total), "tax_total": cur.round(inv.tax_total),
        "total": cur.round(inv.total), "total_base": base.round(inv.total_base), "open_amount": cur.round(inv.open_amount),
        "open_base": base.round(inv.open_base), "lines": lines,
    })


def _present_json(inv: Invoice) -> dict[str, Any]:
    return present_invoice(inv).model_dump(mode="json")


def snapshot_invoice(inv: Invoice) -> dict[str, Any]:
    """The invoice's columns and its lines, as the operations log keeps them."""
    snap = records.snapshot(inv)
    snap["lines"] = [records.snapshot(l) for l in inv.lines]
    return snap


# --- checks shared by orders and invoices ------------------------------------------------------

def places(value: Decimal) -> int:
    """Significant decimal places: 12.30 has 1, 12.345 has 3."""
    exp = value.normalize().as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def check_counterparty(session: Session, actor: Actor, counterparty_id: int, kind: str, errors: ErrorList,
                       field: str = "counterparty_id", cache: Optional[dict[int, Any]] = None) -> bool:
    """Add the counterparty's problems for a document of `kind` (unknown, archived, client vs supplier)."""
    row = cache.get(counterparty_id) if cache is not None else None
    if row is None:
        # The columns the rule needs, not the whole card with its phones and addresses.
        row = session.execute(select(Counterparty.company_id, Counterparty.kind, Counterparty.archived_at)
                              .where(Counterparty.id == counterparty_id)).one_or_none()
        if cache is not None and row is not None:
            cache[counterparty_id] = row
    if row is None or row.company_id != actor.company_id:
        errors.add(field, "unknown_reference", entity="counterparty", value=counterparty_id)
        return False
    if row.archived_at is not None:
        errors.add(field, "archived", entity="counterparty", id=counterparty_id)
    elif row.kind not in PARTY_KINDS[kind]:
        errors.add(field, "wrong_counterparty_kind", kind=row.kind, expected=" or ".join(PARTY_KINDS[kind]))
    return True


def check_branch(session: Session, actor: Actor, branch_id: int, errors: ErrorList, field: str = "branch_id") -> None:
    branch = session.get(Branch, branch_id)
    if branch is None or branch.company_id != actor.company_id:
        errors.add(field, "unknown_reference", entity="branch", value=branch_id)
    elif not actor.sees_branch(branch_id):
        errors.add(field, "out_of_branch_scope")
    elif branch.archived_at is not None:
        errors.add(field, "archived", entity="branch", id=branch_id)


def check_term(session: Session, actor: Actor, term_id: Optional[int], errors: ErrorList) -> Optional[PaymentTerm]:
    if term_id is None:
        return None
    term = session.get(PaymentTerm, term_id)
    if term is None or term.company_id != actor.company_id:
        errors.add("payment_term_id", "unknown_reference", entity="payment_term", value=term_id)
        return None
    if term.archived_at is not None:
        errors.add("payment_term_id", "archived", entity="payment_term", id=term_id)
    return term


def due_date_for(session: Session, actor: Actor, date: dt.date, term: Optional[PaymentTerm],
                 explicit: Optional[dt.date], errors: ErrorList, cache: Optional[dict[str, Any]] = None) -> dt.date:
    """The explicit due date, else date + the term's days, else + the company default term's, else the date."""
    if explicit is not None:
        if explicit < date:
            errors.add("due_date", "due_before_date", date=date.isoformat())
        return explicit
    if term is None:
        term = _default_term(session, actor, cache)
    return date + dt.timedelta(days=term.days) if term is not None else date


def _default_term(session: Session, actor: Actor, cache: Optional[dict[str, Any]]) -> Optional[PaymentTerm]:
    if cache is not None and "default_term" in cache:
        return cache["default_term"]
    term = session.scalar(select(PaymentTerm).where(
        PaymentTerm.company_id == actor.company_id, PaymentTerm.is_default.is_(True),
        PaymentTerm.archived_at.is_(None)))
    if cache is not None:
        cache["default_term"] = term
    return term


def base_currency(session: Session, company_id: int) -> str:
    return session.scalar(select(Company.base_currency).where(Company.id == company_id))


@dataclass
class PricedLine:
    """A line's columns, computed: net = round(qty × price × (1 − discount/100)); tax = round(net × rate/100)."""

    product_id: Optional[int]
    description: str
    qty: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    price_source: Optional[str] = None
    product_kind: str = "goods"
    account_id: Optional[int] = None

    def columns(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("product_id", "description", "qty", "unit", "unit_price",
                                               "discount_percent", "tax_rate", "net", "tax", "total")}


def compute_line(cur: Currency, qty: Decimal, unit_price: Decimal, discount: Decimal, rate: Decimal) -> tuple[
        Decimal, Decimal, Decimal]:
    """(net, tax, total) of one line, each rounded by the document currency at its named point."""
    net = cur.round(qty * unit_price * (HUNDRED - discount) / HUNDRED)
    tax = cur.round(net * rate / HUNDRED)
    return net, tax, net + tax


def price_lines(session: Session, actor: Actor, lines: list[schemas.LineIn], *, kind: str,
                counterparty_id: Optional[int], currency: str, on: dt.date, branch_id: Optional[int],
                errors: ErrorList, prefix: str = "lines", products: Optional[dict[Any, Product]] = None
                ) -> list[PricedLine]:
    """Resolve products (by id or SKU), fill prices from the price lists and tax rates from products, compute."""
    cur = CURRENCIES.get(currency)
    out: list[PricedLine] = []
    if products is None:
        products = {}
    load_products(session, actor, lines, products)
    for i, line in enumerate(lines):
        where = f"{prefix}.{i}"
        product: Optional[Product] = None
        if line.product_id is not None:
            product = products.get(line.product_id)
            if product is None:
                errors.add(f"{where}.product_id", "unknown_reference", entity="product", value=line.product_id)
                product = None
            elif product.archived_at is not None:
                errors.add(f"{where}.product_id", "archived", entity="product", id=line.product_id)
                product = None
        elif line.sku:
            product = products.get(line.sku)
            if product is None:
                errors.add(f"{where}.sku", "unknown_reference", entity="product", value=line.sku)
            elif product.archived_at is not None:
                errors.add(f"{where}.sku", "archived", entity="product", id=product.id)
                product = None
        else:
            errors.add(f"{where}.product_id", "required")
        n_before = len(errors.items)
        if places(line.qty) > QTY_PLACES:
            errors.add(f"{where}.qty", "line_too_precise", places=QTY_PLACES)
        for name in ("discount_percent", "tax_rate"):
            value = getattr(line, name)
            if value is not None and places(value) > QTY_PLACES:
                errors.add(f"{where}.{name}", "line_too_precise", places=QTY_PLACES)
        unit_price = line.unit_price
        source: Optional[str] = None
        if unit_price is not None:
            if unit_price < 0:
                errors.add(f"{where}.unit_price", "must_not_be_negative")
            elif cur is not None and places(unit_price) > cur.minor_units:
                errors.add(f"{where}.unit_price", "too_many_decimals", currency=cur.code, places=cur.minor_units)
        elif product is not None and cur is not None:
            if kind in BILL_KINDS:
                # Price lists hold sale prices; what a supplier charges is on the bill in front of us.
                errors.add(f"{where}.unit_price", "required")
            else:
                unit_price, source = _quote(session, actor, product.id, counterparty_id, on, line.qty, currency,
                                            branch_id, cur, where, errors)
        if product is None or cur is None or unit_price is None or len(errors.items) > n_before:
            continue
        discount = line.discount_percent if line.discount_percent is not None else ZERO
        rate = line.tax_rate if line.tax_rate is not None else product.tax_rate
        net, tax, total = compute_line(cur, line.qty, unit_price, discount, rate)
        out.append(PricedLine(
            product_id=product.id, description=line.description or product.name, qty=line.qty, unit=product.unit,
            unit_price=unit_price, discount_percent=discount, tax_rate=rate, net=net, tax=tax, total=total,
            price_source=source, product_kind=product.kind,
        ))
    return out


def load_products(session: Session, actor: Actor, lines: Iterable[Any], products: dict[Any, Product]) -> None:
    """The lines' products of the actor's company, by id and by SKU, in two queries (kept in `products`)."""
    ids = {l.product_id for l in lines if l.product_id is not None and l.product_id not in products}
    skus = {l.sku for l in lines if l.product_id is None and l.sku and l.sku not in products}
    for cond in ((Product.id.in_(ids)) if ids else None, (Product.sku.in_(skus)) if skus else None):
        if cond is None:
            continue
        for p in session.scalars(select(Product).where(Product.company_id == actor.company_id, cond)):
            products[p.id] = p
            products[p.sku] = p


def _quote(session: Session, actor: Actor, product_id: int, counterparty_id: Optional[int], on: dt.date,
           qty: Decimal, currency: str, branch_id: Optional[int], cur: Currency, where: str,
           errors: ErrorList) -> tuple[Optional[Decimal], Optional[str]]:
    try:
        quote = price_for(session, actor, product_id=product_id, counterparty_id=counterparty_id, on=on, qty=qty,
                          currency=currency, branch_id=branch_id)
    except ValidationFailed as exc:
        for e in exc.errors:
            # No price is the line's problem; a missing rate or a bad client is the document's.
            field = {"product_id": f"{where}.unit_price", "qty": f"{where}.qty"}.get(e.field, e.field)
            if FieldError(field, e.code, e.params) not in errors.items:
                errors.add(field, e.code, **e.params)
        return None, None
    # The quoted price already includes its rule's discount; it is rounded once, to the document currency.
    return cur.round(quote.price), (quote.explanation or "")[:300] or None


def totals(lines: Iterable[Any]) -> tuple[Decimal, Decimal, Decimal]:
    net = tax = ZERO
    for l in lines:
        net += l.net
        tax += l.tax
    return net, tax, net + tax


# --- payment terms ---------------------------------------------------------------------------

def _present_term(term: PaymentTerm) -> dict[str, Any]:
    return schemas.PaymentTermOut.model_validate(term).model_dump(mode="json")


def list_payment_terms(session: Session, actor: Actor, include_archived: bool) -> list[PaymentTerm]:
    q = select(PaymentTerm).where(PaymentTerm.company_id == actor.company_id).order_by(PaymentTerm.code)
    if not include_archived:
        q = q.where(PaymentTerm.archived_at.is_(None))
    return list(session.scalars(q))


def get_payment_term(session: Session, actor: Actor, term_id: int) -> PaymentTerm:
    return records.get_owned(session, actor, PaymentTerm, term_id, "payment_term")


def _unique_code(session: Session, actor: Actor, code: str, exclude: Optional[int], errors: ErrorList) -> None:
    q = select(PaymentTerm.id).where(PaymentTerm.company_id == actor.company_id, PaymentTerm.code == code)
    if exclude is not None:
        q = q.where(PaymentTerm.id != exclude)
    if session.scalar(q.limit(1)) is not None:
        errors.add("code", "already_exists")


def _clear_default(session: Session, actor: Actor, keep: Optional[int]) -> None:
    """One default term per company: making one the default unsets the others (each change logged)."""
    q = select(PaymentTerm).where(PaymentTerm.company_id == actor.company_id, PaymentTerm.is_default.is_(True))
    for other in session.scalars(q):
        if other.id != keep:
            records.change(session, actor, other, {"is_default": False}, "payment_term")


def create_payment_term(session: Session, actor: Actor, data: schemas.PaymentTermIn) -> PaymentTerm:
    errors = ErrorList()
    _unique_code(session, actor, data.code, None, errors)
    errors.raise_if_any()
    if data.is_default:
        _clear_default(session, actor, None)
    return records.create(session, actor, PaymentTerm(company_id=actor.company_id, **data.model_dump()),
                          "payment_term")


def update_payment_term(session: Session, actor: Actor, term_id: int, patch: schemas.PaymentTermPatch) -> PaymentTerm:
    term = records.get_versioned(session, actor, PaymentTerm, term_id, "payment_term", patch.version, _present_term)
    changes = {k: v for k, v in patch.model_dump(exclude_unset=True, exclude={"version"}).items() if v is not None}
    errors = ErrorList()
    if "code" in changes:
        _unique_code(session, actor, changes["code"], term.id, errors)
    errors.raise_if_any()
    if changes.get("is_default"):
        _clear_default(session, actor, term.id)
    return records.change(session, actor, term, changes, "payment_term")


def archive_payment_term(session: Session, actor: Actor, term_id: int, version: int) -> PaymentTerm:
    term = records.get_versioned(session, actor, PaymentTerm, term_id, "payment_term", version, _present_term)
    if term.is_default:
        records.change(session, actor, term, {"is_default": False}, "payment_term")
    return records.archive(session, actor, term, "payment_term")


# --- invoices: drafts --------------------------------------------------------------------------

def _check_kind_role(actor: Actor, kind: str) -> None:
    if kind in BILL_KINDS and actor.role not in BOOK_ROLES:
        raise Forbidden("role_forbidden", params={"role": actor.role, "allowed": ", ".join(BOOK_ROLES)})


def get_invoice(session: Session, actor: Actor, invoice_id: int) -> Invoice:
    inv = records.get_owned(session, actor, Invoice, invoice_id, "invoice")
    if inv.kind in BILL_KINDS and actor.role not in BOOK_ROLES:
        # Sales staff see sales documents only; a bill is not theirs to know about.
        raise DomainError("not_found", status=404, params={"entity": "invoice", "id": invoice_id})
    return inv


def _lines_of(priced: list[PricedLine], cls: Any = InvoiceLine, **extra: Any) -> list[Any]:
    return [cls(line_no=i + 1, **p.columns(), **extra) for i, p in enumerate(priced)]


def create_invoice(session: Session, actor: Actor, data: schemas.InvoiceIn) -> Invoice:
    """A draft invoice, bill or credit note without an original; posted at once when `post` is true."""
    _check_kind_role(actor, data.kind)
    errors = ErrorList()
    date = data.date or dates.today()
    currency = data.currency or base_currency(session, actor.company_id)
    check_branch(session, actor, data.branch_id, errors)
    check_counterparty(session, actor, data.counterparty_id, data.kind, errors)
    term = check_term(session, actor, data.payment_term_id, errors)
    due = due_date_for(session, actor, date, term, data.due_date, errors)
    priced = price_lines(session, actor, data.lines, kind=data.kind, counterparty_id=data.counterparty_id,
                         currency=currency, on=date, branch_id=data.branch_id, errors=errors)
    errors.raise_if_any()
    net, tax, total = totals(priced)
    inv = Invoice(
        company_id=actor.company_id, branch_id=data.branch_id, kind=data.kind, status="draft", date=date,
        due_date=due, counterparty_id=data.counterparty_id, manager_id=actor.user_id, currency=currency,
        payment_term_id=data.payment_term_id, external_number=data.external_number, notes=data.notes,
        net_total=net, tax_total=tax, total=total, total_base=ZERO, open_amount=ZERO, open_base=ZERO,
        lines=_lines_of(priced),
    )
    session.add(inv)
    session.flush()
    log_change(session, actor, "invoice", inv.id, "create", None, snapshot_invoice(inv))
    if data.post:
        post_invoice(session, actor, inv)
    return inv


def update_invoice(session: Session, actor: Actor, invoice_id: int, patch: schemas.InvoicePatch) -> Invoice:
    """Change a draft. Posted and cancelled documents refuse every change (409), whatever the version."""
    inv = get_invoice(session, actor, invoice_id)
    if inv.status != "draft":
        raise Conflict("invoice_posted", params={"id": inv.id, "status": inv.status})
    records.check_version(inv, patch.version, _present_json)
    given = patch.model_dump(exclude_unset=True, exclude={"version", "lines"})
    errors = ErrorList()
    for name in ("counterparty_id", "date", "currency"):
        if name in given and given[name] is None:
            errors.add(name, "required")
    errors.raise_if_any()
    before = snapshot_invoice(inv)
    date = given.get("date", inv.date)
    currency = given.get("currency", inv.currency)
    if "counterparty_id" in given:
        check_counterparty(session, actor, given["counterparty_id"], inv.kind, errors)
    term_id = given.get("payment_term_id", inv.payment_term_id)
    term = check_term(session, actor, term_id, errors) if "payment_term_id" in given else (
        session.get(PaymentTerm, term_id) if term_id else None)
    if {"date", "payment_term_id", "due_date"} & set(given):
        given["due_date"] = due_date_for(session, actor, date, term, given.get("due_date"), errors)
    if inv.original_id is not None and ("currency" in given or "counterparty_id" in given or patch.lines):
        # A credit note keeps its original's counterparty, currency and rate; its lines come from the original.
        errors.add("original_id", "credit_note_fixed")
    priced = None
    if patch.lines is not None or "currency" in given:
        source = patch.lines if patch.lines is not None else [
            schemas.LineIn(product_id=l.product_id, description=l.description, qty=l.qty, unit_price=l.unit_price,
                           discount_percent=l.discount_percent, tax_rate=l.tax_rate) for l in inv.lines]
        priced = price_lines(session, actor, source, kind=inv.kind,
                             counterparty_id=given.get("counterparty_id", inv.counterparty_id), currency=currency,
                             on=date, branch_id=inv.branch_id, errors=errors)
    errors.raise_if_any()
    for key, value in given.items():
        setattr(inv, key, value)
    if priced is not None:
        inv.lines = _lines_of(priced)
        inv.net_total, inv.tax_total, inv.total = totals(priced)
    # Lines alone do not touch the invoice row: stamping it bumps the version all the same.
    inv.updated_at = dates.now()
    session.flush()
    log_change(session, actor, "invoice", inv.id, "update", before, snapshot_invoice(inv))
    return inv


# --- posting -----------------------------------------------------------------------------------

def base_split(inv: Invoice, base: Currency) -> tuple[Decimal, list[tuple[Decimal, Decimal]]]:
    """(total in base, [(net in base, tax in base) per line]) at the invoice's rate.

    Each line converts on its own; the rounding remainder goes onto the largest line's net, so the
    parts add up to the converted total exactly (and the entry balances).
    """
    total_base = base.round(inv.total * inv.rate)
    parts = [[base.round(l.net * inv.rate), base.round(l.tax * inv.rate)] for l in inv.lines]
    remainder = total_base - sum((n + t for n, t in parts), ZERO)
    if parts and remainder:
        largest = max(range(len(parts)), key=lambda i: (inv.lines[i].total, -i))
        parts[largest][0] += remainder
    return total_base, [(n, t) for n, t in parts]


def _entry_lines(inv: Invoice, base: Currency, kinds: dict[int, str]) -> tuple[Decimal, list[Line]]:
    total_base, parts = base_split(inv, base)
    # +1: the document's own side (receivable for sales, payable for bills) is debited.
    sign = 1 if inv.kind in ("sale_invoice", "bill_credit") else -1
    party_role = "receivable" if inv.kind in SALE_KINDS else "payable"
    tax_role = "vat_out" if inv.kind in SALE_KINDS else "vat_in"
    by_account: dict[str | int, Decimal] = {}
    tax_base = ZERO
    for line, (net_b, tax_b) in zip(inv.lines, parts):
        if line.account_id is not None:
            account: str | int = line.account_id
        elif inv.kind in SALE_KINDS:
            account = "sales"
        else:
            account = "expenses" if kinds.get(line.product_id or 0) == "service" else "purchases"
        by_account[account] = by_account.get(account, ZERO) + net_b
        tax_base += tax_b

    def side(value: Decimal, s: int, **kw: Any) -> Line:
        # s > 0 debits; a negative value (a rounding remainder larger than a tiny line) swaps sides.
        s = s if value >= 0 else -s
        value = abs(value)
        return Line(debit=value if s > 0 else ZERO, credit=value if s < 0 else ZERO, **kw)

    memo = f"{inv.kind} {inv.number}"
    lines = [side(total_base, sign, account=party_role, currency=inv.currency,
                  amount=inv.total if sign > 0 else -inv.total, counterparty_id=inv.counterparty_id, memo=memo)]
    lines += [side(amount, -sign, account=acc, memo=memo) for acc, amount in by_account.items()]
    if tax_base:
        lines.append(side(tax_base, -sign, account=tax_role, memo=memo))
    return total_base, lines


def document_entry_lines(inv: Any, base: Currency) -> tuple[Decimal, list[Line]]:
    """(total in base, ledger lines) of one document whose lines name their accounts: for writers that post
    several documents in one entry (imported opening balances), as posting each alone would."""
    return _entry_lines(inv, base, {})


def posting_checks(session: Session, actor: Actor, *, kind: str, branch_id: int, counterparty_id: int,
                   currency: str, date: dt.date, errors: ErrorList, rate: Optional[Decimal] = None,
                   cache: Optional[dict[str, Any]] = None) -> Optional[Decimal]:
    """What posting demands beyond a valid draft; answers the rate (base units per unit of `currency`).

    An open period and the branch scope are refusals (409/403); the rest are field errors.
    """
    check_open_period(session, actor.company_id, date, "date")
    if not actor.sees_branch(branch_id):
        raise DomainError("out_of_branch_scope", status=403, errors=[FieldError("branch_id", "out_of_branch_scope")])
    check_counterparty(session, actor, counterparty_id, kind, errors,
                       cache=cache.setdefault("parties", {}) if cache is not None else None)
    if currency not in CURRENCIES:
        errors.add("currency", "invalid_currency")
        return None
    if rate is not None:
        return rate  # a credit note keeps its original's rate
    rates = cache.setdefault("rates", {}) if cache is not None else {}
    if (currency, date) not in rates:
        try:
            rates[(currency, date)] = rate_on(session, actor.company_id, currency, date, field="currency")
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            return None
    return rates[(currency, date)]


def post_invoice(session: Session, actor: Actor, inv: Invoice) -> Invoice:
    """Number, convert, post one balanced entry, and freeze the document. Everything or nothing."""
    invoice_workflow(inv.kind).check(inv, "post")
    errors = ErrorList()
    rate = posting_checks(session, actor, kind=inv.kind, branch_id=inv.branch_id, counterparty_id=inv.counterparty_id,
                          currency=inv.currency, date=inv.date, errors=errors,
                          rate=inv.rate if inv.original_id is not None else None)
    original = None
    if inv.original_id is not None:
        original = session.get_one(Invoice, inv.original_id)
        _check_creditable(session, original, [(l.product_id, l.qty, f"lines.{i}.qty") for i, l in enumerate(inv.lines)],
                          errors, exclude_id=inv.id)
    errors.raise_if_any()
    assert rate is not None
    b = books(session, actor.company_id)
    before = snapshot_invoice(inv)
    inv.rate = rate
    inv.number, inv.seq, inv.series_id = next_number(session, actor.company_id, inv.branch_id, inv.kind,
                                                     inv.date.year)
    total_base, lines = _entry_lines(inv, b.base, _product_kinds(session, inv))
    entry = post_entry(session, actor, date=inv.date, lines=lines, source_type=inv.kind, source_id=inv.id,
                       memo=f"{inv.kind} {inv.number}", branch_id=inv.branch_id)
    inv.entry_id = entry.id
    inv.total_base = total_base
    inv.open_amount = inv.total
    inv.open_base = total_base
    inv.status = "posted"
    inv.posted_at = dates.now()
    inv.posted_by = actor.user_id
    session.flush()
    log_change(session, actor, "invoice", inv.id, "post", before, snapshot_invoice(inv))
    if original is not None:
        credit_note_posted(session, actor, inv, original, b.base)
    return inv


def _product_kinds(session: Session, inv: Invoice, products: Optional[dict[Any, Product]] = None) -> dict[int, str]:
    """Goods or service per product: a bill's lines go to purchases or expenses by it."""
    if inv.kind not in BILL_KINDS:
        return {}
    ids = {l.product_id for l in inv.lines if l.product_id}
    if products is not None and all(i in products for i in ids):
        return {i: products[i].kind for i in ids}
    return dict(session.execute(select(Product.id, Product.kind).where(Product.id.in_(ids))).all()) if ids else {}


def post_invoice_by_id(session: Session, actor: Actor, invoice_id: int, version: int) -> Invoice:
    inv = get_invoice(session, actor, invoice_id)
    _check_kind_role(actor, inv.kind)
    invoice_workflow(inv.kind).check(inv, "post")
    records.check_version(inv, version, _present_json)
    return post_invoice(session, actor, inv)


# --- cancelling and crediting ----------------------------------------------------------------

def cancel_invoice(session: Session, actor: Actor, invoice_id: int, version: int) -> Invoice:
    """A draft is cancelled without a number; a posted document is reversed, if nothing is allocated to it."""
    inv = get_invoice(session, actor, invoice_id)
    _check_kind_role(actor, inv.kind)
    invoice_workflow(inv.kind).check(inv, "cancel")
    records.check_version(inv, version, _present_json)
    before = snapshot_invoice(inv)
    if inv.status == "posted":
        if inv.open_amount != inv.total:
            raise Conflict("has_allocations", params={"id": inv.id})
        check_open_period(session, actor.company_id, inv.date, "date")
        rev = _reverse_posting(session, actor, inv)
        inv.reversal_entry_id = rev.id
        inv.open_amount = ZERO
        inv.open_base = ZERO
        for line in inv.lines:
            if line.order_line_id is not None:
                ol = session.get_one(OrderLine, line.order_line_id)
                ol.qty_invoiced = ol.qty_invoiced - line.qty
    inv.status = "cancelled"
    inv.cancelled_at = dates.now()
    session.flush()
    log_change(session, actor, "invoice", inv.id, "cancel", before, snapshot_invoice(inv))
    if inv.order_id is not None:
        sync_order_status(session, inv.order_id)
    return inv


def _reverse_posting(session: Session, actor: Actor, inv: Invoice) -> Any:
    """The entry that takes a posted document out of the ledger.

    A document posted alone: the mirror of its entry. One posted in an entry with others (opening
    balances are one entry per date): the mirror of its own lines only, so the others stay booked.
    """
    source_id = session.scalar(select(JournalEntry.source_id).where(JournalEntry.id == inv.entry_id))
    memo = f"Cancellation of {inv.kind} {inv.number}"
    if source_id == inv.id:
        return reverse_entry(session, actor, inv.entry_id, source_type=inv.kind, memo=memo)
    _total_base, lines = _entry_lines(inv, books(session, inv.company_id).base, _product_kinds(session, inv))
    mirror = [Line(account=l.account, debit=l.credit, credit=l.debit, currency=l.currency,
                   amount=-l.amount if l.amount is not None else None, counterparty_id=l.counterparty_id,
                   memo=l.memo) for l in lines]
    return post_entry(session, actor, date=inv.date, lines=mirror, source_type=inv.kind, source_id=inv.id,
                      memo=memo, branch_id=inv.branch_id)


def _credited(session: Session, original_id: int, exclude_id: Optional[int]) -> dict[int, Decimal]:
    """Quantity per product already credited against an original (drafts count: they are on their way)."""
    q = (select(InvoiceLine.product_id, func.sum(InvoiceLine.qty))
         .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
         .where(Invoice.original_id == original_id, Invoice.status != "cancelled")
         .group_by(InvoiceLine.product_id))
    if exclude_id is not None:
        q = q.where(Invoice.id != exclude_id)
    return {pid: qty for pid, qty in session.execute(q).all()}


def _check_creditable(session: Session, original: Invoice, wanted: list[tuple[Optional[int], Decimal, str]],
                      errors: ErrorList, exclude_id: Optional[int]) -> None:
    credited = _credited(session, original.id, exclude_id)
    sold: dict[int, Decimal] = {}
    for l in original.lines:
        sold[l.product_id or 0] = sold.get(l.product_id or 0, ZERO) + l.qty
    asked: dict[int, Decimal] = {}
    for pid, qty, field in wanted:
        key = pid or 0
        asked[key] = asked.get(key, ZERO) + qty
        left = sold.get(key, ZERO) - credited.get(key, ZERO)
        if key not in sold:
            errors.add(field.replace(".qty", ".product_id"), "not_on_original", id=original.id)
        elif asked[key] > left:
            errors.add(field, "exceeds_uncredited", left=str(plain(left)))


def create_credit_note(session: Session, actor: Actor, invoice_id: int, data: schemas.CreditNoteIn) -> Invoice:
    """A draft credit note of a posted invoice or bill: same counterparty, currency and rate as the original."""
    original = get_invoice(session, actor, invoice_id)
    _check_kind_role(actor, original.kind)
    invoice_workflow(original.kind).check(original, "credit")
    errors = ErrorList()
    date = data.date or dates.today()
    if date < original.date:
        errors.add("date", "credit_before_original", date=original.date.isoformat())
    cur = CURRENCIES[original.currency]
    credited = _credited(session, original.id, None)
    new_lines: list[InvoiceLine] = []
    if data.lines is None:
        # Every line, less what earlier credit notes already took back.
        left = dict(credited)
        for l in original.lines:
            take = min(l.qty, max(ZERO, l.qty - left.get(l.product_id or 0, ZERO)))
            left[l.product_id or 0] = max(ZERO, left.get(l.product_id or 0, ZERO) - l.qty)
            if take > 0:
                new_lines.append(_credit_line(l, take, cur))
        if not new_lines:
            errors.add("lines", "nothing_to_credit", id=original.id)
    else:
        wanted = []
        for i, cl in enumerate(data.lines):
            if places(cl.qty) > QTY_PLACES:
                errors.add(f"lines.{i}.qty", "line_too_precise", places=QTY_PLACES)
            wanted.append((cl.product_id, cl.qty, f"lines.{i}.qty"))
        _check_creditable(session, original, wanted, errors, exclude_id=None)
        if not errors:
            for cl in data.lines:
                # A product on several lines of the original is taken back from its lines in order.
                need = cl.qty
                for l in original.lines:
                    if l.product_id == cl.product_id and need > 0:
                        take = min(need, l.qty)
                        new_lines.append(_credit_line(l, take, cur))
                        need -= take
    errors.raise_if_any()
    for i, l in enumerate(new_lines):
        l.line_no = i + 1
    net, tax, total = totals(new_lines)
    cn = Invoice(
        company_id=actor.company_id, branch_id=original.branch_id, kind=CREDIT_OF[original.kind], status="draft",
        date=date, due_date=date, counterparty_id=original.counterparty_id, manager_id=actor.user_id,
        original_id=original.id, order_id=original.order_id, currency=original.currency, rate=original.rate,
        notes=data.notes, net_total=net, tax_total=tax, total=total, total_base=ZERO, open_amount=ZERO,
        open_base=ZERO, lines=new_lines,
    )
    session.add(cn)
    session.flush()
    log_change(session, actor, "invoice", cn.id, "create", None, snapshot_invoice(cn))
    return cn


def _credit_line(l: InvoiceLine, qty: Decimal, cur: Currency) -> InvoiceLine:
    net, tax, total = compute_line(cur, qty, l.unit_price, l.discount_percent, l.tax_rate)
    return InvoiceLine(line_no=l.line_no, product_id=l.product_id, description=l.description, qty=qty, unit=l.unit,
                       unit_price=l.unit_price, discount_percent=l.discount_percent, tax_rate=l.tax_rate, net=net,
                       tax=tax, total=total, account_id=l.account_id)


# --- lists ---------------------------------------------------------------------------------------

def list_invoices(session: Session, actor: Actor, q: schemas.InvoiceListQuery) -> tuple[list[Invoice], int]:
    cond = [Invoice.company_id == actor.company_id]
    if actor.role not in BOOK_ROLES:
        cond.append(Invoice.kind.in_(SALE_KINDS))
    if actor.branch_ids:
        cond.append(Invoice.branch_id.in_(actor.branch_ids))
    for name in ("status", "kind", "counterparty_id", "branch_id", "order_id"):
        value = getattr(q, name)
        if value is not None:
            cond.append(getattr(Invoice, name) == value)
    if q.date_from is not None:
        cond.append(Invoice.date >= q.date_from)
    if q.date_to is not None:
        cond.append(Invoice.date <= q.date_to)
    if q.overdue:
        cond += [Invoice.status == "posted", Invoice.open_amount != 0, Invoice.due_date < dates.today()]
    total = session.scalar(select(func.count()).select_from(Invoice).where(*cond)) or 0
    rows = session.scalars(select(Invoice).where(*cond).order_by(Invoice.date.desc(), Invoice.id.desc())
                           .limit(q.limit).offset(q.offset)).all()
    return list(rows), total


def summary(inv: Invoice) -> dict[str, Any]:
    cur = CURRENCIES[inv.currency]
    return {"id": inv.id, "kind": inv.kind, "status": inv.status, "number": inv.number, "branch_id": inv.branch_id,
            "date": inv.date, "due_date": inv.due_date, "counterparty_id": inv.counterparty_id,
            "order_id": inv.order_id, "currency": inv.currency, "total": cur.round(inv.total),
            "open_amount": cur.round(inv.open_amount), "version": inv.version}


# --- order status ------------------------------------------------------------------------------

def sync_order_status(session: Session, order_id: int) -> None:
    """Move an order between invoiced and paid as its posted invoices' open amounts change.

    Called by finance after every allocation (and its reversal): invoiced → paid when every posted
    invoice of the order is settled, paid → invoiced when one of them is open again.
    """
    order = session.get(Order, order_id)
    if order is None or order.status not in ("invoiced", "paid"):
        return
    opens = session.scalars(
        select(Invoice.open_amount).where(
            Invoice.order_id == order_id, Invoice.kind == "sale_invoice", Invoice.status.in_(POSTED)
        )
    ).all()
    settled = bool(opens) and all(o == 0 for o in opens)
    if order.status == "invoiced" and settled:
        order.status = "paid"
    elif order.status == "paid" and not settled:
        order.status = "invoiced"
    session.flush()


# --- batch -----------------------------------------------------------------------------------------

def create_invoices(session: Session, actor: Actor, items: list[schemas.InvoiceIn]) -> list[int]:
    """Create many invoices in the caller's transaction, posting those marked `post`: all or nothing.

    The same rules as create_invoice and post_invoice, checked for every item before anything is
    written (errors are named `items.N.<field>`); then numbers are taken a block per series, the
    documents inserted together, one entry posted per document through post_entry, and the log
    written in one statement. Look-ups (products, counterparties, rates, terms) are made once.
    """
    errors = ErrorList()
    cache: dict[str, Any] = {}
    products: dict[Any, Product] = {}
    load_products(session, actor, [l for d in items for l in d.lines], products)
    base_code = base_currency(session, actor.company_id)
    branches: dict[int, list[FieldError]] = {}
    prepared = []
    for i, data in enumerate(items):
        _check_kind_role(actor, data.kind)
        e = ErrorList()
        date = data.date or dates.today()
        currency = data.currency or base_code
        if data.branch_id not in branches:
            be = ErrorList()
            check_branch(session, actor, data.branch_id, be)
            branches[data.branch_id] = be.items
        e.extend(branches[data.branch_id])
        term = check_term(session, actor, data.payment_term_id, e)
        due = due_date_for(session, actor, date, term, data.due_date, e, cache)
        priced = price_lines(session, actor, data.lines, kind=data.kind, counterparty_id=data.counterparty_id,
                             currency=currency, on=date, branch_id=data.branch_id, errors=e, products=products)
        rate = None
        if data.post:
            rate = posting_checks(session, actor, kind=data.kind, branch_id=data.branch_id,
                                  counterparty_id=data.counterparty_id, currency=currency, date=date, errors=e,
                                  cache=cache)
        else:
            check_counterparty(session, actor, data.counterparty_id, data.kind, e,
                               cache=cache.setdefault("parties", {}))
        errors.extend(e.items, prefix=f"items.{i}.")
        prepared.append((data, date, currency, due, priced, rate))
    errors.raise_if_any()

    # Numbers: one locked increment per series, handed out in the order of the items.
    series: dict[tuple[int, str, int], list[int]] = {}
    for i, (data, date, *_rest) in enumerate(prepared):
        if data.post:
            series.setdefault((data.branch_id, data.kind, date.year), []).append(i)
    numbers: dict[int, tuple[str, int, int]] = {}
    for (branch_id, kind, year), idxs in series.items():
        numbers.update(zip(idxs, next_numbers(session, actor.company_id, branch_id, kind, year, len(idxs))))

    base = books(session, actor.company_id).base
    now = dates.now()
    rows, docs = [], []
    for i, (data, date, currency, due, priced, rate) in enumerate(prepared):
        net, tax, total = totals(priced)
        row: dict[str, Any] = {
            "company_id": actor.company_id, "branch_id": data.branch_id, "kind": data.kind, "status": "draft",
            "number": None, "seq": None, "series_id": None, "date": date, "due_date": due,
            "counterparty_id": data.counterparty_id, "manager_id": actor.user_id, "order_id": None,
            "original_id": None, "payment_term_id": data.payment_term_id, "external_number": data.external_number,
            "currency": currency, "rate": Decimal(1), "net_total": net, "tax_total": tax, "total": total,
            "total_base": ZERO, "open_amount": ZERO, "open_base": ZERO, "notes": data.notes, "entry_id": None,
            "reversal_entry_id": None, "posted_at": None, "posted_by": None, "cancelled_at": None,
            "version": 1, "created_at": now, "updated_at": now,
        }
        doc = BulkDocument(kind=data.kind, currency=currency, rate=rate or Decimal(1), total=total,
                   counterparty_id=data.counterparty_id, branch_id=data.branch_id, date=date, lines=priced)
        if data.post:
            doc.number, row["seq"], row["series_id"] = numbers[i]
            total_base, _parts = base_split(doc, base)  # type: ignore[arg-type]
            row.update(number=doc.number, rate=doc.rate, total_base=total_base, open_amount=total,
                       open_base=total_base, status="posted", posted_at=now, posted_by=actor.user_id)
        rows.append(row)
        docs.append(doc)
    # Plain inserts, many rows a statement: the ORM's unit of work costs more than the posting itself here.
    table = Invoice.__table__
    ids = insert_ids(session, table, rows)
    line_rows = []
    for doc, row, inv_id in zip(docs, rows, ids):
        doc.id = row["id"] = inv_id
        row["lines"] = [dict(p.columns(), invoice_id=inv_id, line_no=n, order_line_id=None, account_id=None)
                        for n, p in enumerate(doc.lines, start=1)]
        line_rows.extend(row["lines"])
    session.execute(insert(InvoiceLine.__table__), line_rows)
    posted = [(doc, row) for doc, row in zip(docs, rows) if row["status"] == "posted"]
    specs = []
    for doc, _row in posted:
        _total_base, lines = _entry_lines(doc, base, {l.product_id: l.product_kind for l in doc.lines})  # type: ignore
        specs.append(EntrySpec(date=doc.date, lines=tuple(lines), source_type=doc.kind, source_id=doc.id,
                               memo=f"{doc.kind} {doc.number}", branch_id=doc.branch_id))
    entry_ids = []
    for (doc, row), entry_id in zip(posted, post_entries(session, actor, specs)):
        row["entry_id"] = entry_id
        entry_ids.append({"b_id": doc.id, "b_entry": entry_id})
    if entry_ids:
        session.execute(update(table).where(table.c.id == bindparam("b_id")).values(entry_id=bindparam("b_entry")),
                        entry_ids)
    log_created(session, actor, "invoice", [(row["id"], json.loads(json.dumps(row, default=str))) for row in rows])
    return list(ids)


@dataclass
class BulkDocument:
    """A document written in bulk (here, and by the import of opening balances): what base_split and
    _entry_lines read of an invoice."""

    kind: str
    currency: str
    rate: Decimal
    total: Decimal
    counterparty_id: int
    branch_id: int
    date: dt.date
    lines: list[PricedLine]
    id: int = 0
    number: Optional[str] = None
