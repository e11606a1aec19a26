"""Reports on a small set of books: every statement, the aging, the overdue list, the calendar, purchases.

The books are made by a factory that inserts posted invoices and allocations and posts their ledger
entries through ledger.service.post_entry (the only ledger writer), so these tests need neither the
sales nor the finance service. The clock is frozen at 2026-03-31.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from server.finance.models import Allocation
from server.reports import aging as aging_service
from server.reports import service

from tests.factories import LedgerBooks

TODAY = dt.date(2026, 3, 31)
D_ = dt.date
RECEIVABLE_SIDE = {"sale_invoice": 1, "sale_credit": -1, "bill": 1, "bill_credit": -1}


def read(db: Any, fn: Any, *args: Any, actor: Any, **kw: Any) -> Any:
    """A report function called in a read transaction, as the API calls it."""
    with db.read_session() as s, s.begin():
        return fn(s, actor, *args, **kw)


def owner(world: Any) -> Any:
    return world.actor("owner")


# --- the statements ------------------------------------------------------------------------------

def test_trial_balance_opening_movements_closing_and_equal_totals(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_trial_balance_of_one_branch(db: Any, world: Any, books: LedgerBooks) -> None:
    tb = read(db, service.trial_balance, D_(2026, 1, 1), D_(2026, 3, 31), world.branches["SR"], actor=owner(world))
    rec = {a.code: a for a in tb.accounts}["1100"]
    # Siem Reap: invoice C (240, before the period), its payment 100 and credit note D 40.
    assert (rec.opening_debit, rec.credit, rec.closing_debit) == (Decimal("240.00"), Decimal("140.00"),
                                                                  Decimal("100.00"))
    assert tb.totals.debit == tb.totals.credit == Decimal("140.00")


def test_profit_and_loss(db: Any, world: Any, books: LedgerBooks) -> None:
    pl = read(db, service.profit_and_loss, D_(2026, 1, 1), D_(2026, 3, 31), actor=owner(world))
    assert [(a.code, a.amount) for a in pl.income] == [("4000", Decimal("1562.50"))]
    assert [(a.code, a.amount) for a in pl.expenses] == [("5000", Decimal("300.00")), ("6000", Decimal("200.00"))]
    assert (pl.total_income, pl.total_expenses, pl.net_profit) == (Decimal("1562.50"), Decimal("500.00"),
                                                                   Decimal("1062.50"))


def test_balance_sheet_balances(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_cash_flow_by_category(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_purchase_levels_per_client_and_category(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_aging_by_due_date_today(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_aging_by_invoice_date_and_custom_buckets(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_aging_per_branch_manager_and_one_client(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_aging_in_the_branch_scope_of_a_sales_user(db: Any, world: Any, books: LedgerBooks) -> None:
    r = _aging(db, world, role="sales_pp")
    assert [row.name for row in r.rows] == ["Bopha Market", "Dara Shop"]
    assert r.totals.total == Decimal("1102.50")


def test_aging_of_payables(db: Any, world: Any, books: LedgerBooks) -> None:
    r = _aging(db, world, side="payable")
    assert _rows(r) == [("Mekong Supply", _d("0.00", "330.00", "0.00", "0.00", "0.00"), Decimal("330.00"))]


def test_aging_on_a_past_date_rebuilds_open_amounts_from_allocations(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_aging_counts_an_allocation_reversed_later_on_the_earlier_date(db: Any, world: Any, books: LedgerBooks) -> None:
    with db.write_session() as s, s.begin():
        a = s.query(Allocation).filter_by(invoice_id=books.ids["A"]).one()
        a.reversed_at = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone.utc)
    # Bopha Market: A (1,100, of which 600 paid on 20 Feb and taken back on 10 Mar) and B (102.50).
    assert _aging(db, world, as_of=D_(2026, 3, 9)).rows[0].total == Decimal("602.50")
    assert _aging(db, world, as_of=D_(2026, 3, 10)).rows[0].total == Decimal("1202.50")


def test_overdue_list(db: Any, world: Any, books: LedgerBooks) -> None:
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


def test_payment_calendar(db: Any, world: Any, books: LedgerBooks) -> None:
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
