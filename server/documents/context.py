"""One context builder per source (invoice, order, payment): the records turned into the strings a template prints.

Everything a template sees is already formatted for the document's language: amounts rounded by
their currency and grouped, amounts in words, dates as the language writes them, product names
in the language when the catalog has them. The shape is the kind's sample context (`kinds.py`);
a test holds the builders to it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Product
from ..core.errors import DomainError
from ..finance.models import Allocation, CashAccount, Payment
from ..core.money import currency as currency_of
from ..currency.service import rate_on
from ..org.models import Branch, Company, User
from ..parties.models import Counterparty
from ..sales.models import Invoice, Order, PaymentTerm
from .codes import barcode_image, qr_image, qr_payload
from .formats import format_amount, format_date, format_percent, format_quantity
from .kinds import Kind
from .words import amount_words


def _s(value: Optional[str]) -> str:
    return value or ""


def memo(session: Session, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """A value kept for the session's life: a batch builds hundreds of contexts from the same few
    parties, branches and rates, and one transaction sees them unchanged."""
    cache = session.info.setdefault("cb_documents", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def company_part(session: Session, company: Company, branch: Branch, currency: str) -> dict[str, str]:
    """The seller's requisites: the company, its branch's address, its bank account in the document's currency."""
    bank = session.scalars(
        select(CashAccount).where(CashAccount.company_id == company.id, CashAccount.kind == "bank",
                                  CashAccount.archived_at.is_(None))
        .order_by((CashAccount.branch_id != branch.id), (CashAccount.currency != currency), CashAccount.id)
        .limit(1)
    ).first()
    address = company.address or ", ".join(p for p in (branch.address, branch.city) if p)
    return {
        "name": company.name, "legal_name": company.legal_name or company.name, "tax_id": _s(company.tax_id),
        "address": address, "phone": _s(company.phone), "email": _s(company.email),
        "director": _s(company.director_name), "accountant": _s(company.accountant_name),
        "bank_name": _s(bank.bank_name) if bank else "", "bank_account": _s(bank.account_number) if bank else "",
        "bank_bic": _s(bank.bic) if bank else "",
    }


def client_part(party: Counterparty) -> dict[str, str]:
    """The buyer's requisites: legal name, tax id, its first (legal before actual) address, the first contact."""
    addresses = sorted(party.addresses, key=lambda a: (a.kind != "legal", a.position))
    address = ""
    if addresses:
        a = addresses[0]
        address = ", ".join(p for p in (a.postal_code, a.line1, a.line2, a.city, a.region) if p)
    return {
        "name": party.name, "legal_name": party.legal_name or party.name, "tax_id": _s(party.tax_id),
        "address": address, "phone": _s(party.phone), "email": _s(party.email),
        "contact": party.contacts[0].name if party.contacts else "",
    }


def manager_part(session: Session, user_id: Optional[int]) -> dict[str, str]:
    user = session.get(User, user_id) if user_id else None
    return {"name": user.name if user else "", "email": user.email if user else "", "phone": ""}


def _lines(session: Session, lines: Iterable[Any], currency: str, language: str) -> tuple[list[dict[str, str]], Decimal]:
    lines = list(lines)
    known = session.info.setdefault("cb_documents", {}).setdefault("products", {})
    missing = {l.product_id for l in lines if l.product_id and l.product_id not in known}
    if missing:
        known.update({p.id: p for p in session.scalars(select(Product).where(Product.id.in_(missing)))})
    products = known
    rows, qty = [], Decimal(0)
    for l in lines:
        product = products.get(l.product_id)
        description = l.description
        # A line that still reads as the catalog name prints in the document's language.
        if product is not None and description == product.name and (product.names or {}).get(language):
            description = product.names[language]
        rows.append({
            "no": str(l.line_no), "sku": product.sku if product else "", "description": description,
            "qty": format_quantity(l.qty, language), "unit": l.unit, "price": format_amount(l.unit_price, currency, language),
            "discount": format_percent(l.discount_percent, language), "net": format_amount(l.net, currency, language),
            "tax_rate": format_percent(l.tax_rate, language), "tax": format_amount(l.tax, currency, language),
            "total": format_amount(l.total, currency, language),
        })
        qty += l.qty
    return rows, qty


def _totals(session: Session, company: Company, doc: Any, currency: str, day: dt.date, language: str,
            rows: list[dict[str, str]], qty: Decimal, paid: Decimal) -> dict[str, str]:
    money = lambda v: format_amount(v, currency, language)  # noqa: E731
    second = company.second_currency if company.second_currency != currency else company.base_currency
    second_total = rate_text = ""
    if second and second != currency:
        try:
            # As finance.rates.convert does it: through the base amount, each rate read once per batch.
            r_from, r_to = (memo(session, ("rate", c, day), lambda c=c: rate_on(session, company.id, c, day))
                            for c in (currency, second))
            rate, amount = r_from / r_to, currency_of(second).round(doc.total * r_from / r_to)
            second_total, rate_text = format_amount(amount, second, language), format_quantity(rate.normalize(), language)
        except DomainError:
            second = ""  # no rate on file for that day: the document shows its own currency only
    return {
        "net": money(doc.net_total), "tax": money(doc.tax_total), "total": money(doc.total), "currency": currency,
        "count": str(len(rows)), "qty": format_quantity(qty, language),
        "second_total": second_total, "second_currency": second if second_total else "", "rate": rate_text,
        "paid": money(paid), "due": money(doc.total - paid),
    }


def _term_days(session: Session, term_id: Optional[int], start: dt.date, due: Optional[dt.date]) -> str:
    if due is not None:
        return str((due - start).days)
    term = session.get(PaymentTerm, term_id) if term_id else None
    return str(term.days) if term else ""


def _common(session: Session, kind: Kind, company: Company, branch_id: int, party_id: int,
            manager_id: Optional[int], number: str, day: dt.date, language: str, currency: str) -> dict[str, Any]:
    branch = memo(session, ("branch", branch_id), lambda: session.get_one(Branch, branch_id))
    return {
        "doc": {"kind": kind.code, "number": number, "date": format_date(day, language),
                "date_short": format_date(day, language, "short"), "city": _s(branch.city), "language": language},
        "company": memo(session, ("company", branch_id, currency),
                        lambda: company_part(session, company, branch, currency)),
        "client": memo(session, ("client", party_id), lambda: client_part(session.get_one(Counterparty, party_id))),
        "manager": memo(session, ("manager", manager_id), lambda: manager_part(session, manager_id)),
        "barcode": "", "qr": "", "logo": "",
    }


def invoice_context(session: Session, kind: Kind, company: Company, inv: Invoice, number: str, day: dt.date,
                    language: str) -> dict[str, Any]:
    """Invoice, act, waybill and UPD of a posted (or draft) sales invoice."""
    ctx = _common(session, kind, company, inv.branch_id, inv.counterparty_id, inv.manager_id, number, day, language,
                  inv.currency)
    rows, qty = _lines(session, sorted(inv.lines, key=lambda l: l.line_no), inv.currency, language)
    paid = inv.total - inv.open_amount if inv.status in ("posted", "paid") else Decimal(0)
    order = session.get(Order, inv.order_id) if inv.order_id else None
    ctx["lines"] = rows
    ctx["totals"] = _totals(session, company, inv, inv.currency, inv.date, language, rows, qty, paid)
    ctx["total_words"] = amount_words(abs(inv.total), inv.currency, language)
    ctx["source"] = {
        "number": _s(inv.number), "date": format_date(inv.date, language),
        "due_date": format_date(inv.due_date, language), "order_number": order.number if order else "",
        "order_date": format_date(order.date, language) if order else "",
        "payment_terms": _term_days(session, inv.payment_term_id, inv.date, inv.due_date), "notes": _s(inv.notes),
    }
    return ctx


def order_context(session: Session, kind: Kind, company: Company, order: Order, number: str, day: dt.date,
                  language: str) -> dict[str, Any]:
    """Contracts and the proforma of an order."""
    ctx = _common(session, kind, company, order.branch_id, order.counterparty_id, order.manager_id, number, day,
                  language, order.currency)
    rows, qty = _lines(session, sorted(order.lines, key=lambda l: l.line_no), order.currency, language)
    term_days = _term_days(session, order.payment_term_id, order.date, None)
    ctx["lines"] = rows
    ctx["totals"] = _totals(session, company, order, order.currency, order.date, language, rows, qty, Decimal(0))
    ctx["total_words"] = amount_words(abs(order.total), order.currency, language)
    due = order.date + dt.timedelta(days=int(term_days or 0))
    ctx["source"] = {
        "number": order.number, "date": format_date(order.date, language), "due_date": format_date(due, language),
        "order_number": order.number, "order_date": format_date(order.date, language), "payment_terms": term_days,
        "notes": _s(order.notes),
    }
    if "contract" in kind.groups:
        ctx["contract"] = {
            "subject": _s(order.notes) or ", ".join(r["description"] for r in rows[:3]),
            "valid_until": format_date(dt.date(day.year, 12, 31), language), "payment_days": term_days or "0",
            "delivery_days": "10", "prepayment": format_percent(Decimal(0), language),
            "total": format_amount(order.total, order.currency, language),
            "total_words": amount_words(abs(order.total), order.currency, language), "currency": order.currency,
        }
    return ctx


def payment_context(session: Session, kind: Kind, company: Company, payment: Payment, number: str, day: dt.date,
                    language: str) -> dict[str, Any]:
    """The receipt of a payment received, with the documents it paid."""
    party = session.get_one(Counterparty, payment.counterparty_id)
    ctx = _common(session, kind, company, payment.branch_id, party.id, party.manager_id, number, day, language,
                  payment.currency)
    cash = session.get_one(CashAccount, payment.cash_account_id)
    allocations = session.execute(
        select(Invoice.number, Invoice.date, Invoice.currency, Allocation.amount)
        .join(Allocation, Allocation.invoice_id == Invoice.id)
        .where(Allocation.payment_id == payment.id, Allocation.reversed_at.is_(None))
        .order_by(Allocation.id)
    ).all()
    ctx["payment"] = {
        "number": payment.number, "date": format_date(payment.date, language),
        "amount": format_amount(payment.amount, payment.currency, language), "currency": payment.currency,
        "amount_words": amount_words(payment.amount, payment.currency, language),
        "method": cash.name, "purpose": _s(payment.memo) or _s(payment.reference), "received_from": party.legal_name or party.name,
        "allocations": [{"number": _s(n), "date": format_date(d, language), "amount": format_amount(a, c, language)}
                        for n, d, c, a in allocations],
    }
    return ctx


def with_codes(ctx: dict[str, Any], total: str = "", currency: str = "") -> dict[str, Any]:
    """The context with its barcode and QR images (made where the rendering happens: in the worker)."""
    number = ctx["doc"]["number"]
    out = dict(ctx)
    out["barcode"] = barcode_image(number)
    out["qr"] = qr_image(qr_payload(ctx["doc"]["kind"], number, ctx["doc"]["date_short"], total, currency,
                                    ctx["company"]["tax_id"]))
    return out
