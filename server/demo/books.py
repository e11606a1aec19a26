"""A year of the demo company's books: catalog, prices, rates, orders, invoices, bills, payments, a closed quarter.

Generated from `random.Random(seed)` and pushed through the same services as the API, so every
document is numbered, posted, logged and balanced exactly as a user's would be. The year ends on
`today`; a share of recent invoices is left open and some of them overdue, so the aging report,
the overdue list and the payment calendar have something to show.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import schemas as cat
from ..catalog import service as catalog
from ..core.actor import Actor
from ..core.errors import DomainError
from ..documents import service as documents
from ..finance import schemas as fin
from ..finance import service as finance
from ..currency.service import create_rate
from ..ledger.service import close_period
from ..parties import schemas as party_schemas
from ..parties.models import Counterparty, Segment
from ..parties.service import create_client
from ..sales import orders as order_service
from ..sales import schemas as sal
from ..sales import service as sales
from ..sales.models import Invoice, Order

# code, English, Khmer, Russian, parent code
CATEGORIES = (
    ("FOOD", "Food and drinks", "អាហារ និងភេសជ្ជៈ", "Продукты и напитки", None),
    ("COFFEE", "Coffee and tea", "កាហ្វេ និងតែ", "Кофе и чай", "FOOD"),
    ("RICE", "Rice and grains", "អង្ករ និងគ្រាប់ធញ្ញជាតិ", "Рис и крупы", "FOOD"),
    ("BUILD", "Building materials", "សម្ភារៈសំណង់", "Стройматериалы", None),
    ("CEMENT", "Cement", "ស៊ីម៉ងត៍", "Цемент", "BUILD"),
    ("STEEL", "Steel", "ដែកថែប", "Металлопрокат", "BUILD"),
    ("OFFICE", "Office supplies", "សម្ភារៈការិយាល័យ", "Канцтовары", None),
    ("SERVICES", "Services", "សេវាកម្ម", "Услуги", None),
)

# sku, category, kind, unit, English, Khmer, Russian, base price USD, VAT %
PRODUCTS = (
    ("COF-ARA-1KG", "COFFEE", "goods", "kg", "Mondulkiri arabica, 1 kg", "កាហ្វេអារ៉ាប៊ីកាមណ្ឌលគិរី ១គ.ក", "Арабика Мондулкири, 1 кг", "14.50", "10"),
    ("COF-ROB-1KG", "COFFEE", "goods", "kg", "Ratanakiri robusta, 1 kg", "កាហ្វេរ៉ូបូស្តារតនគិរី ១គ.ក", "Робуста Ратанакири, 1 кг", "9.80", "10"),
    ("TEA-JAS-500", "COFFEE", "goods", "pcs", "Jasmine tea, 500 g", "តែម្លិះ ៥០០ក្រាម", "Жасминовый чай, 500 г", "6.20", "10"),
    ("RICE-JAS-25", "RICE", "goods", "bag", "Jasmine rice, 25 kg bag", "អង្ករផ្កាម្លិះ ២៥គ.ក", "Рис жасминовый, мешок 25 кг", "27.00", "10"),
    ("RICE-WHT-50", "RICE", "goods", "bag", "White rice, 50 kg bag", "អង្ករស ៥០គ.ក", "Рис белый, мешок 50 кг", "38.50", "10"),
    ("CEM-PC40-50", "CEMENT", "goods", "bag", "Portland cement PC40, 50 kg", "ស៊ីម៉ងត៍ PC40 ៥០គ.ក", "Цемент ПЦ400, 50 кг", "5.60", "10"),
    ("CEM-WHT-40", "CEMENT", "goods", "bag", "White cement, 40 kg", "ស៊ីម៉ងត៍ស ៤០គ.ក", "Цемент белый, 40 кг", "11.40", "10"),
    ("STL-RB12-12", "STEEL", "goods", "pcs", "Rebar 12 mm, 12 m", "ដែកសរសៃ ១២មម ១២ម", "Арматура 12 мм, 12 м", "8.90", "10"),
    ("STL-PIPE-50", "STEEL", "goods", "pcs", "Steel pipe 50 mm, 6 m", "បំពង់ដែក ៥០មម ៦ម", "Труба стальная 50 мм, 6 м", "21.75", "10"),
    ("OFF-A4-BOX", "OFFICE", "goods", "box", "A4 paper, box of 5 reams", "ក្រដាស A4 មួយប្រអប់", "Бумага A4, коробка 5 пачек", "17.30", "10"),
    ("OFF-PEN-50", "OFFICE", "goods", "box", "Ballpoint pens, box of 50", "ប៊ិច ៥០ដើម", "Ручки шариковые, 50 шт.", "4.90", "10"),
    ("SRV-DELIV", "SERVICES", "service", "trip", "Delivery within the city", "ការដឹកជញ្ជូនក្នុងក្រុង", "Доставка по городу", "12.00", "10"),
    ("SRV-INSTALL", "SERVICES", "service", "hour", "Installation work", "ការងារតំឡើង", "Монтажные работы", "18.00", "10"),
)

TERMS = (("COD", "Cash on delivery", 0, False), ("NET15", "15 days", 15, False), ("NET30", "30 days", 30, True))

# code, branch, kind, currency, name, bank
CASH_ACCOUNTS = (
    ("CASH-PP-USD", "PP", "cash", "USD", "Phnom Penh cash desk, USD", None),
    ("CASH-PP-KHR", "PP", "cash", "KHR", "Phnom Penh cash desk, riel", None),
    ("BANK-PP-USD", "PP", "bank", "USD", "ABA Bank current account", "ABA Bank"),
    ("CASH-SR-USD", "SR", "cash", "USD", "Siem Reap cash desk, USD", None),
    ("BANK-SR-USD", "SR", "bank", "USD", "ACLEDA Bank current account", "ACLEDA Bank"),
    ("CASH-MOW-RUB", "MOW", "cash", "RUB", "Касса (Москва)", None),
    ("BANK-MOW-RUB", "MOW", "bank", "RUB", "Расчётный счёт в Сбербанке", "ПАО Сбербанк"),
)

# supplier name, branch, what they bill (sku or None for a service bill), monthly amount USD
SUPPLIERS = (
    ("Mekong Coffee Growers Co., Ltd.", "PP", "COF-ARA-1KG"),
    ("Battambang Rice Mill", "PP", "RICE-JAS-25"),
    ("Kampot Cement Co., Ltd.", "PP", "CEM-PC40-50"),
    ("Siam Steel Trading", "SR", "STL-RB12-12"),
    ("ООО «Канцлидер»", "MOW", "OFF-A4-BOX"),
)


@dataclass
class BooksSummary:
    invoices: int = 0
    bills: int = 0
    payments: int = 0
    orders: int = 0
    open_invoices: int = 0
    refused: list[str] = field(default_factory=list)


# The demo's fixed "today", so the same seed gives the same books and payroll.
DEMO_TODAY = dt.date(2026, 11, 27)


def load_books(session: Session, actor: Actor, branches: dict[str, int], rng: random.Random, *,
               invoices: int = 1200, today: dt.date | None = None) -> BooksSummary:
    """A year of activity ending `today` (default: the demo's fixed date, so the same seed gives the same books)."""
    today = today or DEMO_TODAY
    start = _months_back(today, 12)
    summary = BooksSummary()
    _forget(session)
    products = _catalog(session, actor)
    terms = {code: sales.create_payment_term(session, actor, sal.PaymentTermIn(
        code=code, name=name, days=days, is_default=default)).id for code, name, days, default in TERMS}
    _rates(session, actor, rng, start - dt.timedelta(days=31), today)
    _price_lists(session, actor, products)
    cash = {code: finance.create_cash_account(session, actor, fin.CashAccountIn(
        kind=kind, branch_id=branches[branch], code=code, name=name, currency=cur, bank_name=bank)).id
        for code, branch, kind, cur, name, bank in CASH_ACCOUNTS}
    clients = _clients(session, actor, branches)
    suppliers = _suppliers(session, actor, branches)
    currencies = {"PP": ("USD", "USD", "USD", "KHR"), "SR": ("USD",), "MOW": ("RUB",)}
    days = (today - start).days
    for n in range(invoices):
        date = start + dt.timedelta(days=days * n // invoices)
        branch_code, client_id = rng.choice(clients)
        currency = rng.choice(currencies[branch_code])
        lines = [sal.LineIn(product_id=products[sku], qty=Decimal(rng.choice((1, 2, 3, 5, 10, 12, 20, 40))))
                 for sku in rng.sample(sorted(products), rng.randint(1, 4))]
        term = rng.choice(("COD", "NET15", "NET30", "NET30"))
        as_order = n % 6 == 0
        inv = _sale(session, actor, summary, as_order, sal.InvoiceIn(
            branch_id=branches[branch_code], counterparty_id=client_id, date=date, currency=currency,
            payment_term_id=terms[term], lines=lines, post=True))
        if inv is None:
            continue
        summary.invoices += 1
        _settle(session, actor, rng, summary, inv, cash, branch_code, today)
        _forget(session)
    for month in range(12):
        first = _months_back(today, 12 - month)
        for supplier_id, branch_code, sku in suppliers:
            bill_date = first + dt.timedelta(days=rng.randint(0, 20))
            if bill_date > today:
                continue
            bill = _post(session, actor, summary, lambda: sales.create_invoice(session, actor, sal.InvoiceIn(
                kind="bill", branch_id=branches[branch_code], counterparty_id=supplier_id, date=bill_date,
                currency="RUB" if branch_code == "MOW" else "USD", payment_term_id=terms["NET30"],
                external_number=f"{rng.randint(1000, 9999)}/{bill_date:%m}",
                lines=[sal.LineIn(product_id=products[sku], qty=Decimal(rng.choice((20, 40, 50, 100))),
                                  unit_price=_purchase_price(sku, branch_code))], post=True)))
            if bill is None:
                continue
            summary.bills += 1
            pay_on = bill.due_date - dt.timedelta(days=rng.randint(0, 10))
            if pay_on <= today:
                account = cash["BANK-MOW-RUB" if branch_code == "MOW" else f"BANK-{branch_code}-USD"]
                _pay(session, actor, summary, "payment", account, bill, bill.total, pay_on)
            _forget(session)
    # The books are closed through the end of last month, as an accountant closes them monthly.
    close_period(session, actor, _months_back(today, 0) - dt.timedelta(days=1), None)
    return summary


def _forget(session: Session) -> None:
    """Write out and drop what the session holds: one long transaction with thousands of objects
    in the identity map makes every autoflush slower, and the demo writes a year in one go."""
    session.flush()
    session.expunge_all()


def _sale(session: Session, actor: Actor, summary: BooksSummary, as_order: bool, body: sal.InvoiceIn) -> Any:
    """A posted invoice, straight or through an order (confirmed, shipped, invoiced) like a sales desk does."""
    if not as_order:
        return _post(session, actor, summary, lambda: sales.create_invoice(session, actor, body))

    def through_order() -> Any:
        order = order_service.create_order(session, actor, sal.OrderIn(
            branch_id=body.branch_id, counterparty_id=body.counterparty_id, date=body.date, currency=body.currency,
            payment_term_id=body.payment_term_id, lines=body.lines))
        order = order_service.confirm_order(session, actor, order.id, order.version)
        order = order_service.ship_order(session, actor, order.id, order.version)
        order = order_service.invoice_order(session, actor, order.id, sal.OrderInvoiceIn(
            version=order.version, date=body.date))
        summary.orders += 1
        return session.scalars(select(Invoice).where(Invoice.order_id == order.id)).one()

    return _post(session, actor, summary, through_order)


def _settle(session: Session, actor: Actor, rng: random.Random, summary: BooksSummary, inv: Any,
            cash: dict[str, int], branch_code: str, today: dt.date) -> None:
    """Most clients pay on time, some late, some in two parts; recent invoices are often still open."""
    roll = rng.random()
    account = _receiving_account(rng, cash, branch_code, inv.currency)
    if roll < 0.10:
        summary.open_invoices += 1
        return
    delay = rng.randint(0, max((inv.due_date - inv.date).days, 3)) if roll < 0.85 else rng.randint(20, 120)
    paid_on = inv.date + dt.timedelta(days=delay)
    if paid_on > today:
        summary.open_invoices += 1
        return
    if roll > 0.93:  # two instalments, the first about half
        first = _round(inv.total * Decimal("0.5"), inv.currency)
        _pay(session, actor, summary, "receipt", account, inv, first, paid_on)
        second_on = paid_on + dt.timedelta(days=rng.randint(10, 40))
        if second_on <= today:
            _pay(session, actor, summary, "receipt", account, inv, inv.total - first, second_on)
        return
    _pay(session, actor, summary, "receipt", account, inv, inv.total, paid_on)


def _pay(session: Session, actor: Actor, summary: BooksSummary, kind: str, account: int, inv: Any,
         amount: Decimal, on: dt.date) -> None:
    body = fin.PaymentIn(kind=kind, date=on, cash_account_id=account, amount=amount,
                         counterparty_id=inv.counterparty_id,
                         allocations=[fin.AllocationIn(invoice_id=inv.id, amount=amount)])
    if _post(session, actor, summary, lambda: finance.create_payment(session, actor, body)) is not None:
        summary.payments += 1


def _post(session: Session, actor: Actor, summary: BooksSummary, make: Any) -> Any:
    """Run one document through its service in a savepoint; a refusal is recorded, never half-written."""
    try:
        with session.begin_nested():
            return make()
    except DomainError as exc:
        summary.refused.append(f"{exc.code}: {[(e.field, e.code) for e in exc.errors][:3]}")
        return None


def _receiving_account(rng: random.Random, cash: dict[str, int], branch: str, currency: str) -> int:
    if branch == "MOW":
        return cash[rng.choice(("CASH-MOW-RUB", "BANK-MOW-RUB"))]
    if currency == "KHR":
        return cash["CASH-PP-KHR"]
    return cash[rng.choice((f"CASH-{branch}-USD", f"BANK-{branch}-USD"))]


def _catalog(session: Session, actor: Actor) -> dict[str, int]:
    categories: dict[str, int] = {}
    for code, en, km, ru, parent in CATEGORIES:
        categories[code] = catalog.create_category(session, actor, cat.ProductCategoryIn(
            code=code, name=en, names=cat.CatalogNames(km=km, ru=ru),
            parent_id=categories[parent] if parent else None)).id
    products: dict[str, int] = {}
    for i, (sku, category, kind, unit, en, km, ru, _price, vat) in enumerate(PRODUCTS):
        barcode = _ean13(f"884{i:09d}") if kind == "goods" else None
        products[sku] = catalog.create_product(session, actor, cat.ProductIn(
            sku=sku, name=en, names=cat.CatalogNames(km=km, ru=ru), kind=kind, unit=unit, barcode=barcode,
            tax_rate=Decimal(vat), category_id=categories[category])).id
    return products


def _price_lists(session: Session, actor: Actor, products: dict[str, int]) -> None:
    prices = {sku: Decimal(price) for sku, *_rest, price, _vat in PRODUCTS}
    catalog.create_price_list(session, actor, cat.PriceListIn(
        code="RETAIL-USD", name="Retail prices, USD", currency="USD",
        rules=[cat.PriceRuleIn(product_id=products[sku], price=p) for sku, p in prices.items()]
        + [cat.PriceRuleIn(product_id=products[sku], min_qty=Decimal(20), price=_round(p * Decimal("0.95"), "USD"))
           for sku, p in prices.items()]))
    catalog.create_price_list(session, actor, cat.PriceListIn(
        code="RETAIL-KHR", name="Retail prices, riel", currency="KHR",
        rules=[cat.PriceRuleIn(product_id=products[sku], price=_round(p * 4100, "KHR").quantize(Decimal(100)))
               for sku, p in prices.items()]))
    catalog.create_price_list(session, actor, cat.PriceListIn(
        code="RETAIL-RUB", name="Розничные цены, руб.", currency="RUB",
        rules=[cat.PriceRuleIn(product_id=products[sku], price=_round(p * 92, "RUB")) for sku, p in prices.items()]))
    wholesale = session.scalar(select(Segment.id).where(Segment.company_id == actor.company_id,
                                                        Segment.code == "wholesale"))
    catalog.create_price_list(session, actor, cat.PriceListIn(
        code="WHOLESALE-USD", name="Wholesale, USD", currency="USD", segment_id=wholesale, priority=10,
        rules=[cat.PriceRuleIn(category_id=None, product_id=products[sku], discount_percent=Decimal(8))
               for sku in prices]))


def _rates(session: Session, actor: Actor, rng: random.Random, first: dt.date, last: dt.date) -> None:
    """Daily KHR and RUB rates (USD per unit) drifting like the real ones did."""
    khr, rub = Decimal(4100), Decimal(92)
    day = first
    while day <= last:
        khr = min(max(khr + rng.choice((-5, 0, 0, 5)), Decimal(4020)), Decimal(4140))
        rub = min(max(rub + Decimal(rng.choice((-40, -10, 0, 10, 40))) / 100, Decimal(78)), Decimal(104))
        for code, per_usd in (("KHR", khr), ("RUB", rub)):
            create_rate(session, actor, currency=code, on=day,
                        rate=(Decimal(1) / per_usd).quantize(Decimal("0.0000000001")), source="demo")
        day += dt.timedelta(days=1)
    _forget(session)


def _clients(session: Session, actor: Actor, branches: dict[str, int]) -> list[tuple[str, int]]:
    """The clients who buy: every client with a branch (the demo's client base has them all)."""
    codes = {v: k for k, v in branches.items()}
    rows = session.execute(select(Counterparty.id, Counterparty.branch_id).where(
        Counterparty.company_id == actor.company_id, Counterparty.kind.in_(("client", "both")),
        Counterparty.archived_at.is_(None), Counterparty.branch_id.is_not(None)).order_by(Counterparty.id)).all()
    # A few hundred regular buyers, as a small business has, rather than every name in the base.
    return [(codes[b], id) for id, b in rows[:400]]


def _suppliers(session: Session, actor: Actor, branches: dict[str, int]) -> list[tuple[int, str, str]]:
    out = []
    for name, branch, sku in SUPPLIERS:
        cp = create_client(session, actor, party_schemas.ClientIn(
            name=name, kind="supplier", person_type="company", branch_id=branches[branch],
            country="RU" if branch == "MOW" else "KH"))
        out.append((cp.id, branch, sku))
    return out


def _purchase_price(sku: str, branch: str) -> Decimal:
    usd = next(Decimal(p) for s, *_rest, p, _vat in PRODUCTS if s == sku) * Decimal("0.62")
    return _round(usd * 92, "RUB") if branch == "MOW" else _round(usd, "USD")


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1) if currency == "KHR" else Decimal("0.01"))


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(y, m + 1, 1)


def _ean13(twelve: str) -> str:
    digits = [int(c) for c in twelve]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return twelve + str(check)


def load_documents(session: Session, actor: Actor, rng: random.Random, contracts: int = 30,
                   invoices: int = 60) -> int:
    """Contracts of recent orders and papers of recent invoices, signed to various degrees: the gaps report's holes.

    `actor` must be a person (documents record who made them and who moved their signing).
    """
    languages = ("en", "km", "ru")
    orders = session.scalars(select(Order.id).where(Order.company_id == actor.company_id, Order.status != "cancelled")
                             .order_by(Order.date.desc()).limit(contracts)).all()
    sold = session.scalars(select(Invoice.id).where(Invoice.company_id == actor.company_id,
                                                    Invoice.kind == "sale_invoice",
                                                    Invoice.status.in_(("posted", "paid")))
                           .order_by(Invoice.date.desc()).limit(invoices)).all()
    made = 0
    for kind, ids in (("sales_contract", orders), ("invoice", sold)):
        for source_id in ids:
            doc = documents.generate(session, actor, kind, source_id, rng.choice(languages))
            made += 1
            steps = rng.choice(((), ("sent",), ("sent", "signed_by_us"), ("signed_by_both",),
                                ("signed_by_both", "original_received")))
            for step in steps:
                doc = documents.set_status(session, actor, doc.id, doc.version, step, None, None)
    return made