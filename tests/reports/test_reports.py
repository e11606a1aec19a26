"""Reports on a small set of books: every statement, the aging, the overdue list, the calendar, purchases.

The books are made by a factory that inserts posted invoices and allocations and posts their ledger
entries through ledger.service.post_entry (the only ledger writer), so these tests need neither the
sales nor the finance service. The clock is frozen at 2026-03-31.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterator, Optional

import pytest

from server.catalog.models import Category, Product
from server.core import dates
from server.core.money import D
from server.finance.models import Allocation, CashflowCategory
from server.ledger.service import Line, post_entry
from server.parties.models import Counterparty
from server.reports import aging as aging_service
from server.reports import service
from server.sales.models import Invoice, InvoiceLine

TODAY = dt.date(2026, 3, 31)
D_ = dt.date
RECEIVABLE_SIDE = {"sale_invoice": 1, "sale_credit": -1, "bill": 1, "bill_credit": -1}


class Books:
    """make_* factories for posted documents, payments and plain entries, each with its ledger entry."""

    def __init__(self, db: Any, world: Any) -> None:
        self.db, self.world = db, world
        self.actor = world.actor("owner")
        self.numbers: dict[str, int] = {}
        self.ids: dict[str, int] = {}

    def session(self) -> Any:
        return self.db.write_session()

    def client(self, name: str, phone: Optional[str] = None, email: Optional[str] = None, kind: str = "client") -> int:
        with self.session() as s, s.begin():
            c = Counterparty(company_id=self.world.company_id, kind=kind, name=name, name_key=name.casefold(),
                             phone=phone, email=email)
            s.add(c)
            s.flush()
            self.ids[name] = c.id
            return c.id

    def cashflow_category(self, code: str, name: str, ru: str) -> int:
        with self.session() as s, s.begin():
            c = CashflowCategory(company_id=self.world.company_id, code=code, name=name, names={"ru": ru})
            s.add(c)
            s.flush()
            self.ids[code] = c.id
            return c.id

    def product(self, sku: str, category: Optional[str]) -> int:
        with self.session() as s, s.begin():
            cat_id = None
            if category is not None:
                cat_id = self.ids.get(f"cat:{category}")
                if cat_id is None:
                    cat = Category(company_id=self.world.company_id, code=category.upper(), name=category,
                                   names={"ru": {"Food": "Продукты", "Linen": "Текстиль"}.get(category, category)})
                    s.add(cat)
                    s.flush()
                    cat_id = self.ids[f"cat:{category}"] = cat.id
            p = Product(company_id=self.world.company_id, category_id=cat_id, sku=sku, name=sku)
            s.add(p)
            s.flush()
            self.ids[sku] = p.id
            return p.id

    def invoice(self, client: str, *, kind: str = "sale_invoice", date: dt.date, due: dt.date,
                lines: list[tuple[Optional[str], str]], tax: str = "0", currency: str = "USD", rate: str = "1",
                branch: str = "PP", manager: Optional[str] = "sales") -> int:
        """A posted document: lines are (product sku or None, net in the document currency)."""
        net = sum((D(n) for _, n in lines), Decimal(0))
        total, rate_ = net + D(tax), D(rate)
        to_base = (lambda x: (x * rate_).quantize(Decimal("0.01")))
        total_base = to_base(total)
        net_base = total_base - to_base(D(tax))
        self.numbers[kind] = self.numbers.get(kind, 0) + 1
        sale = kind.startswith("sale")
        with self.session() as s, s.begin():
            inv = Invoice(
                company_id=self.world.company_id, branch_id=self.world.branches[branch], kind=kind, status="posted",
                number=f"{kind[:4].upper()}-{self.numbers[kind]:04d}", date=date, due_date=due,
                counterparty_id=self.ids[client], manager_id=self.world.users[manager] if manager else None,
                currency=currency, rate=rate_, net_total=net, tax_total=D(tax), total=total, total_base=total_base,
                open_amount=total, open_base=total_base, posted_at=dates.now())
            inv.lines = [InvoiceLine(line_no=n, product_id=self.ids[sku] if sku else None, description=sku or "service",
                                     qty=D(1), unit_price=D(amount), net=D(amount), tax=Decimal(0), total=D(amount))
                         for n, (sku, amount) in enumerate(lines, start=1)]
            s.add(inv)
            s.flush()
            party, income, vat = ("receivable", "sales", "vat_out") if sale else ("payable", "purchases", "vat_in")
            # A sale debits the receivable; a bill credits the payable; credit notes mirror them.
            debit_party = (kind == "sale_invoice") or (kind == "bill_credit")
            amount = total if currency != "USD" else None
            party_line = Line(party, debit=total_base if debit_party else Decimal(0),
                              credit=Decimal(0) if debit_party else total_base, currency=currency,
                              amount=(amount if debit_party else -amount) if amount is not None else None,
                              counterparty_id=inv.counterparty_id)
            z = Decimal(0)
            other = [Line(income, debit=z if debit_party else net_base, credit=net_base if debit_party else z),
                     Line(vat, debit=z if debit_party else total_base - net_base,
                          credit=total_base - net_base if debit_party else z)]
            entry = post_entry(s, self.actor, date=date, lines=[party_line, *other], source_type="invoice",
                               source_id=inv.id, branch_id=inv.branch_id)
            inv.entry_id = entry.id
            s.flush()
            return inv.id

    def pay(self, invoice_id: int, *, date: dt.date, amount: str, cash: str = "bank",
            category: Optional[str] = None) -> int:
        """Money received for (or paid on) a document, allocated to it at the document's own rate."""
        with self.session() as s, s.begin():
            inv = s.get_one(Invoice, invoice_id)
            paid = D(amount)
            base = (paid * inv.rate).quantize(Decimal("0.01")) if paid != inv.open_amount else inv.open_base
            sale = inv.kind.startswith("sale")
            cp = Line("receivable" if sale else "payable", debit=Decimal(0) if sale else base,
                      credit=base if sale else Decimal(0), counterparty_id=inv.counterparty_id)
            money = Line(cash, debit=base if sale else Decimal(0), credit=Decimal(0) if sale else base,
                         cashflow_category_id=self.ids[category] if category else None)
            entry = post_entry(s, self.actor, date=date, lines=[money, cp], source_type="allocation",
                               branch_id=inv.branch_id)
            a = Allocation(company_id=inv.company_id, invoice_id=inv.id, date=date, amount=paid, payment_amount=paid,
                           amount_base=base, entry_id=entry.id, created_at=dates.now())
            s.add(a)
            inv.open_amount -= paid
            inv.open_base -= base
            if inv.open_amount == 0:
                inv.status = "paid"
            s.flush()
            return a.id

    def entry(self, date: dt.date, debit: str, credit: str, amount: str, category: Optional[str] = None,
              branch: str = "PP") -> None:
        with self.session() as s, s.begin():
            cat = self.ids[category] if category else None
            post_entry(s, self.actor, date=date, source_type="manual", branch_id=self.world.branches[branch], lines=[
                Line(debit, debit=D(amount), cashflow_category_id=cat if debit in ("bank", "cash") else None),
                Line(credit, credit=D(amount), cashflow_category_id=cat if credit in ("bank", "cash") else None)])


@pytest.fixture
def frozen() -> Iterator[None]:
    with dates.frozen(dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.timezone.utc)):
        yield


@pytest.fixture
def books(db: Any, world: Any, frozen: None) -> Books:
    """The scenario every test here reads (the expected figures are worked out in the tests' comments)."""
    b = Books(db, world)
    for name, phone, email in (("Bopha Market", "+85512345678", "bopha@example.kh"),
                               ("Chenda Hotel", "+85563777888", None), ("Dara Shop", None, "dara@example.kh")):
        b.client(name, phone, email)
    b.client("Mekong Supply", kind="supplier")
    for code, name, ru in (("FIN", "Financing", "Финансирование"), ("SALES", "Sales receipts", "Поступления от продаж"),
                           ("RENT", "Rent", "Аренда")):
        b.cashflow_category(code, name, ru)
    b.product("RICE-25", "Food")
    b.product("TOWEL", "Linen")
    b.ids["C"] = b.invoice("Chenda Hotel", date=D_(2025, 12, 1), due=D_(2025, 12, 31), lines=[("RICE-25", "240.00")],
                           branch="SR", manager=None)
    b.entry(D_(2026, 1, 2), "bank", "capital", "10000.00", "FIN")
    b.ids["A"] = b.invoice("Bopha Market", date=D_(2026, 1, 10), due=D_(2026, 2, 9), lines=[("RICE-25", "1000.00")],
                           tax="100.00")
    b.pay(b.ids["C"], date=D_(2026, 1, 15), amount="100.00", cash="cash")
    b.ids["F"] = b.invoice("Mekong Supply", kind="bill", date=D_(2026, 2, 1), due=D_(2026, 3, 3),
                           lines=[(None, "300.00")], tax="30.00", manager=None)
    b.ids["D"] = b.invoice("Chenda Hotel", kind="sale_credit", date=D_(2026, 2, 15), due=D_(2026, 2, 15),
                           lines=[("RICE-25", "40.00")], branch="SR", manager=None)
    b.pay(b.ids["A"], date=D_(2026, 2, 20), amount="600.00", category="SALES")
    # 410,000 riel at 0.00025 USD per riel: 102.50 USD.
    b.ids["B"] = b.invoice("Bopha Market", date=D_(2026, 3, 1), due=D_(2026, 3, 31), lines=[("TOWEL", "410000")],
                           currency="KHR", rate="0.00025")
    b.entry(D_(2026, 3, 5), "expenses", "bank", "200.00", "RENT")
    b.ids["E"] = b.invoice("Dara Shop", date=D_(2026, 3, 20), due=D_(2026, 4, 19),
                           lines=[("RICE-25", "300.00"), (None, "200.00")])
    return b


def read(db: Any, fn: Any, *args: Any, actor: Any, **kw: Any) -> Any:
    """A report function called in a read transaction, as the API calls it."""
    with db.read_session() as s, s.begin():
        return fn(s, actor, *args, **kw)


def owner(world: Any) -> Any:
    return world.actor("owner")


# --- the statements ------------------------------------------------------------------------------

def test_trial_balance_opening_movements_closing_and_equal_totals(db: Any, world: Any, books: Books) -> None:
    tb = read(db, service.trial_balance, D_(2026, 1, 1), D_(2026, 3, 31), actor=owner(world))
    by_code = {a.code: a for a in tb.accounts}
    assert list(by_code) == ["1010", "1020", "1100", "1300", "2100", "2200", "3000", "4000", "5000", "6000"]
    rec = by_code["1100"]
    assert (rec.opening_debit, rec.opening_credit, rec.debit, rec.credit, rec.closing_debit, rec.closing_credit) == (
        Decimal("240.00"), Decimal("0.00"), Decimal("1702.50"), Decimal("740.00"), Decimal("1202.50"), Decimal("0.00"))
    sales = by_code["4000"]
    assert (sales.opening_credit, sales.debit, sales.credit, sales.closing_credit) == (
        Decimal("240.00"), Decimal("40.00"), Decimal("1602.50"), Decimal("1802.50"))
    assert by_code["1020"].closing_debit == Decimal("10400.00")
    assert by_code["2100"].closing_credit == Decimal("330.00")
    t = tb.totals
    assert t.opening_debit == t.opening_credit == Decimal("240.00")
    assert t.debit == t.credit == Decimal("12972.50")
    assert t.closing_debit == t.closing_credit == Decimal("12232.50")


def test_trial_balance_of_one_branch(db: Any, world: Any, books: Books) -> None:
    tb = read(db, service.trial_balance, D_(2026, 1, 1), D_(2026, 3, 31), world.branches["SR"], actor=owner(world))
    rec = {a.code: a for a in tb.accounts}["1100"]
    # Siem Reap: invoice C (240, before the period), its payment 100 and credit note D 40.
    assert (rec.opening_debit, rec.credit, rec.closing_debit) == (Decimal("240.00"), Decimal("140.00"),
                                                                  Decimal("100.00"))
    assert tb.totals.debit == tb.totals.credit == Decimal("140.00")


def test_profit_and_loss(db: Any, world: Any, books: Books) -> None:
    pl = read(db, service.profit_and_loss, D_(2026, 1, 1), D_(2026, 3, 31), actor=owner(world))
    assert [(a.code, a.amount) for a in pl.income] == [("4000", Decimal("1562.50"))]
    assert [(a.code, a.amount) for a in pl.expenses] == [("5000", Decimal("300.00")), ("6000", Decimal("200.00"))]
    assert (pl.total_income, pl.total_expenses, pl.net_profit) == (Decimal("1562.50"), Decimal("500.00"),
                                                                   Decimal("1062.50"))


def test_balance_sheet_balances(db: Any, world: Any, books: Books) -> None:
    bs = read(db, service.balance_sheet, D_(2026, 3, 31), actor=owner(world))
    assert [(a.code, a.amount) for a in bs.assets] == [
        ("1010", Decimal("100.00")), ("1020", Decimal("10400.00")), ("1100", Decimal("1202.50")),
        ("1300", Decimal("30.00"))]
    assert [(a.code, a.amount) for a in bs.liabilities] == [("2100", Decimal("330.00")), ("2200", Decimal("100.00"))]
    assert [(a.code, a.amount) for a in bs.equity] == [("3000", Decimal("10000.00"))]
    assert bs.current_earnings == Decimal("1302.50")
    assert bs.total_assets == Decimal("11732.50")
    assert bs.total_liabilities + bs.total_equity == bs.total_liabilities_and_equity == bs.total_assets
    earlier = read(db, service.balance_sheet, D_(2026, 1, 31), actor=owner(world))
    # End of January: capital 10,000 in the bank, cash 100, receivables 240 − 100 + 1,100.
    assert earlier.total_assets == Decimal("11340.00") == earlier.total_liabilities_and_equity


def test_cash_flow_by_category(db: Any, world: Any, books: Books) -> None:
    cf = read(db, service.cash_flow, D_(2026, 2, 1), D_(2026, 3, 31), actor=owner(world))
    assert cf.opening == Decimal("10100.00")
    assert [(c.code, c.inflow, c.outflow, c.net) for c in cf.categories] == [
        ("RENT", Decimal("0.00"), Decimal("200.00"), Decimal("-200.00")),
        ("SALES", Decimal("600.00"), Decimal("0.00"), Decimal("600.00"))]
    assert (cf.total_inflow, cf.total_outflow, cf.net, cf.closing) == (
        Decimal("600.00"), Decimal("200.00"), Decimal("400.00"), Decimal("10500.00"))
    whole = read(db, service.cash_flow, D_(2026, 1, 1), D_(2026, 3, 31), actor=owner(world), language="ru")
    assert [(c.name, c.net) for c in whole.categories] == [
        ("Финансирование", Decimal("10000.00")), ("Аренда", Decimal("-200.00")),
        ("Поступления от продаж", Decimal("600.00")), ("Без статьи", Decimal("100.00"))]
    assert (whole.opening, whole.closing) == (Decimal("0.00"), Decimal("10500.00"))


def test_purchase_levels_per_client_and_category(db: Any, world: Any, books: Books) -> None:
    pl = read(db, service.purchase_levels, D_(2026, 1, 1), D_(2026, 3, 31), actor=owner(world))
    assert [c.name for c in pl.categories] == ["Food", "Linen", "No category"]
    assert [(r.name, r.amounts, r.total) for r in pl.rows] == [
        ("Bopha Market", [Decimal("1000.00"), Decimal("102.50"), Decimal("0.00")], Decimal("1102.50")),
        ("Chenda Hotel", [Decimal("-40.00"), Decimal("0.00"), Decimal("0.00")], Decimal("-40.00")),
        ("Dara Shop", [Decimal("300.00"), Decimal("0.00"), Decimal("200.00")], Decimal("500.00"))]
    # The same net sales the profit and loss shows for the period.
    assert pl.totals == [Decimal("1260.00"), Decimal("102.50"), Decimal("200.00")]
    assert pl.total == Decimal("1562.50")


# --- open items ------------------------------------------------------------------------------------

def _aging(db: Any, world: Any, role: str = "owner", **kw: Any) -> Any:
    from server.core.actor import Actor

    actor = world.actor(role)
    if role == "sales_pp":
        actor = Actor(user_id=actor.user_id, company_id=actor.company_id, role="sales",
                      branch_ids=(world.branches["PP"],))
    with db.read_session() as s, s.begin():
        return aging_service.aging(s, actor, **kw)


def _rows(report: Any) -> list[tuple[str, list[Decimal], Decimal]]:
    return [(r.name, r.buckets, r.total) for r in report.rows]


def _d(*xs: str) -> list[Decimal]:
    return [Decimal(x) for x in xs]


def test_aging_by_due_date_today(db: Any, world: Any, books: Books) -> None:
    r = _aging(db, world)
    assert r.as_of == TODAY and r.currency == "USD"
    assert [b.label for b in r.buckets] == ["Current", "1 to 30 days", "31 to 60 days", "61 to 90 days",
                                            "Over 90 days"]
    assert _rows(r) == [
        # A: 500 left, 50 days late; B: 102.50 (410,000 riel) due today.
        ("Bopha Market", _d("102.50", "0.00", "500.00", "0.00", "0.00"), Decimal("602.50")),
        # C: 140 left, 90 days late; its credit note D lowers the 31–60 bucket.
        ("Chenda Hotel", _d("0.00", "0.00", "-40.00", "140.00", "0.00"), Decimal("100.00")),
        ("Dara Shop", _d("500.00", "0.00", "0.00", "0.00", "0.00"), Decimal("500.00"))]
    bopha = r.rows[0]
    assert [(c.currency, c.buckets, c.total) for c in bopha.by_currency] == [
        ("KHR", _d("410000", "0", "0", "0", "0"), Decimal("410000")),
        ("USD", _d("0.00", "0.00", "500.00", "0.00", "0.00"), Decimal("500.00"))]
    assert r.totals.buckets == _d("602.50", "0.00", "460.00", "140.00", "0.00")
    # The aging adds up to the receivable the ledger carries.
    tb = read(db, service.trial_balance, None, TODAY, actor=owner(world))
    assert r.totals.total == Decimal("1202.50") == {a.code: a for a in tb.accounts}["1100"].closing_debit


def test_aging_by_invoice_date_and_custom_buckets(db: Any, world: Any, books: Books) -> None:
    r = _aging(db, world, basis="invoice")
    assert _rows(r) == [
        ("Bopha Market", _d("0.00", "102.50", "0.00", "500.00", "0.00"), Decimal("602.50")),
        ("Chenda Hotel", _d("0.00", "0.00", "-40.00", "0.00", "140.00"), Decimal("100.00")),
        ("Dara Shop", _d("0.00", "500.00", "0.00", "0.00", "0.00"), Decimal("500.00"))]
    r = _aging(db, world, buckets=(15, 45))
    assert [(b.key, b.label, b.min_days, b.max_days) for b in r.buckets] == [
        ("upto_15", "Up to 15 days", None, 15), ("16_45", "16 to 45 days", 16, 45),
        ("over_45", "Over 45 days", 46, None)]
    assert _rows(r) == [
        ("Bopha Market", _d("102.50", "0.00", "500.00"), Decimal("602.50")),
        ("Chenda Hotel", _d("0.00", "-40.00", "140.00"), Decimal("100.00")),
        ("Dara Shop", _d("500.00", "0.00", "0.00"), Decimal("500.00"))]


def test_aging_per_branch_manager_and_one_client(db: Any, world: Any, books: Books) -> None:
    assert _rows(_aging(db, world, group="branch")) == [
        ("Phnom Penh", _d("602.50", "0.00", "500.00", "0.00", "0.00"), Decimal("1102.50")),
        ("Siem Reap", _d("0.00", "0.00", "-40.00", "140.00", "0.00"), Decimal("100.00"))]
    by_manager = _aging(db, world, group="manager")
    assert [(r.key, r.name, r.total) for r in by_manager.rows] == [
        (None, "No manager", Decimal("100.00")), (world.users["sales"], "Sales", Decimal("1102.50"))]
    one = _aging(db, world, counterparty_id=books.ids["Dara Shop"])
    assert _rows(one) == [("Dara Shop", _d("500.00", "0.00", "0.00", "0.00", "0.00"), Decimal("500.00"))]
    assert one.totals.total == Decimal("500.00")
    mine = _aging(db, world, manager_id=world.users["sales"])
    assert mine.totals.total == Decimal("1102.50")


def test_aging_in_the_branch_scope_of_a_sales_user(db: Any, world: Any, books: Books) -> None:
    r = _aging(db, world, role="sales_pp")
    assert [row.name for row in r.rows] == ["Bopha Market", "Dara Shop"]
    assert r.totals.total == Decimal("1102.50")


def test_aging_of_payables(db: Any, world: Any, books: Books) -> None:
    r = _aging(db, world, side="payable")
    assert _rows(r) == [("Mekong Supply", _d("0.00", "330.00", "0.00", "0.00", "0.00"), Decimal("330.00"))]


def test_aging_on_a_past_date_rebuilds_open_amounts_from_allocations(db: Any, world: Any, books: Books) -> None:
    r = _aging(db, world, as_of=D_(2026, 2, 10))
    # A was not yet paid (paid on 20 Feb) and one day late; C had 100 of 240 paid; B, D, E did not exist.
    assert _rows(r) == [
        ("Bopha Market", _d("0.00", "1100.00", "0.00", "0.00", "0.00"), Decimal("1100.00")),
        ("Chenda Hotel", _d("0.00", "0.00", "140.00", "0.00", "0.00"), Decimal("140.00"))]
    tb = read(db, service.trial_balance, None, D_(2026, 2, 10), actor=owner(world))
    assert r.totals.total == {a.code: a for a in tb.accounts}["1100"].closing_debit == Decimal("1240.00")
    # The slow path on yesterday agrees with the fast path on today when nothing happened in between.
    yesterday, today = _aging(db, world, as_of=D_(2026, 3, 30)), _aging(db, world)
    assert _rows(yesterday) == _rows(today)
    assert [r.by_currency for r in yesterday.rows] == [r.by_currency for r in today.rows]


def test_aging_counts_an_allocation_reversed_later_on_the_earlier_date(db: Any, world: Any, books: Books) -> None:
    with db.write_session() as s, s.begin():
        a = s.query(Allocation).filter_by(invoice_id=books.ids["A"]).one()
        a.reversed_at = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone.utc)
    # Bopha Market: A (1,100, of which 600 paid on 20 Feb and taken back on 10 Mar) and B (102.50).
    assert _aging(db, world, as_of=D_(2026, 3, 9)).rows[0].total == Decimal("602.50")
    assert _aging(db, world, as_of=D_(2026, 3, 10)).rows[0].total == Decimal("1202.50")


def test_overdue_list(db: Any, world: Any, books: Books) -> None:
    with db.read_session() as s, s.begin():
        r = aging_service.overdue(s, owner(world))
    assert [(x.number, x.counterparty, x.due_date, x.days_overdue, x.open_amount, x.open_base, x.phone, x.email,
             x.manager) for x in r.items] == [
        ("SALE-0001", "Chenda Hotel", D_(2025, 12, 31), 90, Decimal("140.00"), Decimal("140.00"), "+85563777888",
         None, None),
        ("SALE-0002", "Bopha Market", D_(2026, 2, 9), 50, Decimal("500.00"), Decimal("500.00"), "+85512345678",
         "bopha@example.kh", "Sales")]
    assert r.total_base == Decimal("640.00")
    assert [(c.currency, c.amount) for c in r.by_currency] == [("USD", Decimal("640.00"))]
    with db.read_session() as s, s.begin():
        bills = aging_service.overdue(s, owner(world), side="payable")
        earlier = aging_service.overdue(s, owner(world), as_of=D_(2026, 2, 10))
    assert [(x.counterparty, x.days_overdue, x.open_base) for x in bills.items] == [
        ("Mekong Supply", 28, Decimal("330.00"))]
    assert [(x.counterparty, x.days_overdue, x.open_base) for x in earlier.items] == [
        ("Chenda Hotel", 41, Decimal("140.00")), ("Bopha Market", 1, Decimal("1100.00"))]


def test_payment_calendar(db: Any, world: Any, books: Books) -> None:
    with db.read_session() as s, s.begin():
        r = aging_service.payment_calendar(s, owner(world), D_(2026, 4, 1), D_(2026, 4, 30))
    o = r.overdue
    # Due before April: A 500, B 102.50, C 140, credit note D −40; the bill F 330.
    assert (o.date, o.receipts, o.payments, o.net, o.cumulative) == (
        None, Decimal("702.50"), Decimal("330.00"), Decimal("372.50"), Decimal("372.50"))
    assert [(d.date, d.receipts, d.payments, d.net, d.cumulative) for d in r.days] == [
        (D_(2026, 4, 19), Decimal("500.00"), Decimal("0.00"), Decimal("500.00"), Decimal("872.50"))]
    assert (r.total_receipts, r.total_payments, r.net) == (Decimal("1202.50"), Decimal("330.00"), Decimal("872.50"))
    with db.read_session() as s, s.begin():
        march = aging_service.payment_calendar(s, owner(world), D_(2026, 3, 1), D_(2026, 3, 31))
    assert [(d.date, d.receipts, d.payments) for d in march.days] == [
        (D_(2026, 3, 3), Decimal("0.00"), Decimal("330.00")), (D_(2026, 3, 31), Decimal("102.50"), Decimal("0.00"))]
    assert (march.overdue.receipts, march.overdue.payments) == (Decimal("600.00"), Decimal("0.00"))
