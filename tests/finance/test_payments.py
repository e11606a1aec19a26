"""Payment scenarios with exact figures: settling invoices, advances, exchange differences, transfers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from server.ledger.models import JournalEntry
from tests.factories import check_invariants, invoice, make_cash, make_client, make_invoice, make_rate, role_balance

D = Decimal
URL = "/api/v1/payments"


def receipt(api: Any, cash: int, client: int, amount: str, date: str = "2026-03-05", **extra: Any) -> Any:
    r = api.post(URL, {"kind": "receipt", "date": date, "cash_account_id": cash, "amount": amount,
                       "counterparty_id": client, **extra})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def entry_lines(db: Any, entry_id: int) -> list[tuple[str, Decimal, Decimal]]:
    """(account code, debit, credit) of an entry's lines."""
    from server.ledger.models import Account

    with db.read_session() as s:
        entry = s.get_one(JournalEntry, entry_id)
        return sorted((s.get_one(Account, l.account_id).role or "", l.debit, l.credit) for l in entry.lines)


def test_a_full_payment_settles_the_invoice(api: Any, world: Any, db: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "240.00")
    p = receipt(api, cash, client, "240.00", allocations=[{"invoice_id": inv, "amount": "240.00"}])
    assert p["number"] == "RCT-PP-2026-000001" and D(p["unallocated"]) == D("0.00")
    (alloc,) = p["allocations"]
    assert (D(alloc["amount"]), D(alloc["payment_amount"]), D(alloc["amount_base"]), D(alloc["exchange_difference"])) \
        == (D("240.00"), D("240.00"), D("240.00"), D("0.00"))
    assert entry_lines(db, p["entry_id"]) == [("cash", D("240.00"), D(0)), ("customer_advances", D(0), D("240.00"))]
    assert entry_lines(db, alloc["entry_id"]) == [
        ("customer_advances", D("240.00"), D(0)), ("receivable", D(0), D("240.00"))]
    i = invoice(db, inv)
    assert (i.status, i.open_amount, i.open_base) == ("paid", D("0.00"), D("0.00"))
    assert role_balance(db, world, "receivable", client) == D("0.00")
    assert role_balance(db, world, "customer_advances", client) == D("0.00")
    assert D(api.get(f"/api/v1/cash-accounts/{cash}").json["balance"]) == D("240.00")
    check_invariants(db, world)


def test_two_partial_payments(api: Any, world: Any, db: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "300.00")
    receipt(api, cash, client, "100.00", allocations=[{"invoice_id": inv, "amount": "100.00"}])
    i = invoice(db, inv)
    assert (i.status, i.open_amount, i.open_base) == ("posted", D("200.00"), D("200.00"))
    second = receipt(api, cash, client, "200.00", date="2026-03-20")
    r = api.post(f"{URL}/{second['id']}/allocations", {"allocations": [{"invoice_id": inv, "amount": "200.00"}]})
    assert r.status_code == 201, r.json
    assert r.json["allocations"][0]["date"] == "2026-03-20" and D(r.json["unallocated"]) == D("0.00")
    i = invoice(db, inv)
    assert (i.status, i.open_amount, i.open_base) == ("paid", D("0.00"), D("0.00"))
    assert role_balance(db, world, "receivable", client) == D("0.00")
    check_invariants(db, world)


def test_one_payment_over_three_invoices(api: Any, world: Any, db: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    invs = [make_invoice(db, world, client, t) for t in ("100.00", "150.50", "49.50")]
    p = receipt(api, cash, client, "300.00", allocations=[
        {"invoice_id": invs[0], "amount": "100.00"}, {"invoice_id": invs[1], "amount": "150.50"},
        {"invoice_id": invs[2], "amount": "40.00"}])
    assert D(p["unallocated"]) == D("9.50") and len(p["allocations"]) == 3
    assert [invoice(db, i).open_amount for i in invs] == [D("0.00"), D("0.00"), D("9.50")]
    assert [invoice(db, i).status for i in invs] == ["paid", "paid", "posted"]
    assert role_balance(db, world, "receivable", client) == D("9.50")
    assert role_balance(db, world, "customer_advances", client) == D("-9.50")
    check_invariants(db, world)


def test_an_over_payment_is_kept_as_an_advance_and_used_on_a_later_invoice(api: Any, world: Any, db: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    first = make_invoice(db, world, client, "100.00")
    p = receipt(api, cash, client, "150.00", allocations=[{"invoice_id": first, "amount": "100.00"}])
    bal = api.get(f"/api/v1/counterparties/{client}/balance").json
    assert (D(bal["receivable"]), D(bal["advances_received"]), D(bal["net"])) == (D("0.00"), D("50.00"), D("-50.00"))
    assert bal["advances_by_currency"]["received"] == [{"currency": "USD", "unallocated": "50.00"}]
    later = make_invoice(db, world, client, "80.00", date=dt.date(2026, 3, 25))
    bal = api.get(f"/api/v1/counterparties/{client}/balance").json
    assert (D(bal["receivable"]), D(bal["net"])) == (D("80.00"), D("30.00"))
    assert [i["id"] for i in bal["open_items"]] == [later]
    r = api.post(f"{URL}/{p['id']}/allocations", {"allocations": [{"invoice_id": later, "amount": "50.00"}]})
    assert r.status_code == 201, r.json
    # Dated the later of the payment and the invoice: the advance could not settle it earlier.
    assert r.json["allocations"][1]["date"] == "2026-03-25" and D(r.json["unallocated"]) == D("0.00")
    i = invoice(db, later)
    assert (i.status, i.open_amount) == ("posted", D("30.00"))
    bal = api.get(f"/api/v1/counterparties/{client}/balance").json
    assert (D(bal["receivable"]), D(bal["advances_received"]), D(bal["net"])) == (D("30.00"), D("0.00"), D("30.00"))
    assert [p["unallocated"] for p in api.get(f"{URL}?unallocated_only=true").json["items"]] == []
    check_invariants(db, world)


def test_a_khr_receipt_settles_a_usd_invoice(api: Any, world: Any, db: Any) -> None:
    make_rate(db, world, "KHR", dt.date(2026, 3, 1), "0.00025")
    khr, client = make_cash(api, world, "PP-KHR", currency="KHR"), make_client(api)
    inv = make_invoice(db, world, client, "100.00")
    p = receipt(api, khr, client, "400000", allocations=[{"invoice_id": inv, "amount": "100.00"}])
    assert (p["currency"], D(p["amount"]), D(p["amount_base"]), D(p["rate"])) == ("KHR", D(400000), D("100.00"),
                                                                                 D("0.00025"))
    (alloc,) = p["allocations"]
    assert (D(alloc["payment_amount"]), D(alloc["amount_base"]), D(alloc["exchange_difference"])) == (
        D("400000"), D("100.00"), D("0.00"))
    assert invoice(db, inv).status == "paid" and D(p["unallocated"]) == D(0)
    view = api.get(f"/api/v1/cash-accounts/{khr}").json
    assert (D(view["balance"]), D(view["balance_base"])) == (D("400000"), D("100.00"))
    check_invariants(db, world)


def test_a_khr_invoice_paid_at_a_better_rate_books_an_exchange_gain(api: Any, world: Any, db: Any) -> None:
    make_rate(db, world, "KHR", dt.date(2026, 3, 1), "0.00025")
    make_rate(db, world, "KHR", dt.date(2026, 3, 10), "0.000256")
    khr, client = make_cash(api, world, "PP-KHR", currency="KHR"), make_client(api)
    inv = make_invoice(db, world, client, "400000", currency="KHR", rate="0.00025", date=dt.date(2026, 3, 1))
    p = receipt(api, khr, client, "400000", date="2026-03-10", allocations=[{"invoice_id": inv, "amount": "400000"}])
    assert D(p["amount_base"]) == D("102.40")
    (alloc,) = p["allocations"]
    assert D(alloc["exchange_difference"]) == D("2.40")
    assert entry_lines(db, alloc["entry_id"]) == [
        ("customer_advances", D("102.40"), D(0)), ("fx_gain", D(0), D("2.40")), ("receivable", D(0), D("100.00"))]
    assert role_balance(db, world, "fx_gain") == D("-2.40")
    check_invariants(db, world)


def test_exchange_losses_on_a_sale_and_on_a_bill(api: Any, world: Any, db: Any) -> None:
    make_rate(db, world, "KHR", dt.date(2026, 3, 1), "0.00025")
    make_rate(db, world, "KHR", dt.date(2026, 3, 10), "0.00024")
    make_rate(db, world, "KHR", dt.date(2026, 3, 20), "0.000256")
    khr, client = make_cash(api, world, "PP-KHR", currency="KHR"), make_client(api)
    supplier = make_client(api, "Mekong Supply", kind="supplier")
    sale = make_invoice(db, world, client, "400000", currency="KHR", rate="0.00025", date=dt.date(2026, 3, 1))
    bill = make_invoice(db, world, supplier, "400000", kind="bill", currency="KHR", rate="0.00025",
                        date=dt.date(2026, 3, 1))
    # The client pays when the riel is worth less: 400,000 KHR bring 96.00 USD for a 100.00 USD claim.
    p = receipt(api, khr, client, "400000", date="2026-03-10", allocations=[{"invoice_id": sale, "amount": "400000"}])
    assert D(p["allocations"][0]["exchange_difference"]) == D("-4.00")
    assert entry_lines(db, p["allocations"][0]["entry_id"]) == [
        ("customer_advances", D("96.00"), D(0)), ("fx_loss", D("4.00"), D(0)), ("receivable", D(0), D("100.00"))]
    # We pay the supplier when the riel is worth more: 102.40 USD for a 100.00 USD debt.
    r = api.post(URL, {"kind": "payment", "date": "2026-03-20", "cash_account_id": khr, "amount": "400000",
                       "counterparty_id": supplier, "allocations": [{"invoice_id": bill, "amount": "400000"}]})
    assert r.status_code == 201, r.json
    assert r.json["number"] == "PAY-PP-2026-000001" and D(r.json["amount_base"]) == D("102.40")
    assert entry_lines(db, r.json["entry_id"]) == [("cash", D(0), D("102.40")), ("supplier_advances", D("102.40"), D(0))]
    assert entry_lines(db, r.json["allocations"][0]["entry_id"]) == [
        ("fx_loss", D("2.40"), D(0)), ("payable", D("100.00"), D(0)), ("supplier_advances", D(0), D("102.40"))]
    assert role_balance(db, world, "fx_loss") == D("6.40")
    assert invoice(db, bill).status == "paid"
    view = api.get(f"/api/v1/cash-accounts/{khr}").json
    assert (D(view["balance"]), D(view["balance_base"])) == (D("0"), D("-6.40"))
    check_invariants(db, world)


def test_a_usd_to_khr_transfer(api: Any, world: Any, db: Any) -> None:
    make_rate(db, world, "KHR", dt.date(2026, 3, 1), "0.00025")
    usd, khr = make_cash(api, world, "PP-USD"), make_cash(api, world, "SR-KHR", currency="KHR", branch="SR")
    receipt(api, usd, make_client(api), "1000.00")
    r = api.post(URL, {"kind": "transfer", "date": "2026-03-06", "cash_account_id": usd, "amount": "100.00",
                       "to_cash_account_id": khr, "to_amount": "410000"})
    assert r.status_code == 201, r.json
    t = r.json
    assert t["number"] == "TRF-PP-2026-000001" and D(t["to_amount"]) == D("410000")
    # 410,000 KHR at 0.00025 are worth 102.50 USD: 2.50 more than the 100.00 sent.
    assert entry_lines(db, t["entry_id"]) == [
        ("cash", D(0), D("100.00")), ("cash", D("102.50"), D(0)), ("fx_gain", D(0), D("2.50"))]
    usd_view, khr_view = (api.get(f"/api/v1/cash-accounts/{i}").json for i in (usd, khr))
    assert (D(usd_view["balance"]), D(usd_view["balance_base"])) == (D("900.00"), D("900.00"))
    assert (D(khr_view["balance"]), D(khr_view["balance_base"])) == (D("410000"), D("102.50"))
    # The same currency: the amount that arrives is the amount sent.
    other = make_cash(api, world, "PP-USD-2")
    r = api.post(URL, {"kind": "transfer", "date": "2026-03-06", "cash_account_id": usd, "amount": "50.00",
                       "to_cash_account_id": other})
    assert r.status_code == 201 and D(r.json["to_amount"]) == D("50.00")
    assert D(api.get(f"/api/v1/cash-accounts/{usd}").json["balance"]) == D("850.00")
    assert D(api.get(f"/api/v1/cash-accounts/{other}").json["balance"]) == D("50.00")
    listed = api.get(f"{URL}?kind=transfer&cash_account_id={other}").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == r.json["id"]
    check_invariants(db, world)


def test_a_refund_to_a_client_clears_the_credit_note(api: Any, world: Any, db: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "100.00")
    credit = make_invoice(db, world, client, "30.00", kind="sale_credit")
    receipt(api, cash, client, "100.00", allocations=[{"invoice_id": inv, "amount": "100.00"}])
    r = api.post(URL, {"kind": "payment", "date": "2026-03-07", "cash_account_id": cash, "amount": "30.00",
                       "counterparty_id": client, "allocations": [{"invoice_id": credit, "amount": "30.00"}]})
    assert r.status_code == 201, r.json
    assert entry_lines(db, r.json["allocations"][0]["entry_id"]) == [
        ("receivable", D("30.00"), D(0)), ("supplier_advances", D(0), D("30.00"))]
    assert invoice(db, credit).status == "paid"
    assert role_balance(db, world, "receivable", client) == D("0.00")
    assert D(api.get(f"/api/v1/cash-accounts/{cash}").json["balance"]) == D("70.00")
    check_invariants(db, world)


def test_reversing_an_allocation_and_cancelling_the_payment(api: Any, world: Any, db: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "240.00")
    p = receipt(api, cash, client, "240.00", allocations=[{"invoice_id": inv, "amount": "240.00"}])
    r = api.post(f"{URL}/{p['id']}/cancel", {"version": p["version"]})
    assert r.status_code == 409 and r.json["code"] == "has_allocations"
    r = api.post(f"/api/v1/allocations/{p['allocations'][0]['id']}/reverse")
    assert r.status_code == 200 and r.json["reversed_at"] and r.json["reversal_entry_id"]
    i = invoice(db, inv)
    assert (i.status, i.open_amount, i.open_base) == ("posted", D("240.00"), D("240.00"))
    p = api.get(f"{URL}/{p['id']}").json
    assert D(p["unallocated"]) == D("240.00")
    check_invariants(db, world)
    r = api.post(f"{URL}/{p['id']}/cancel", {"version": p["version"]})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "cancelled" and r.json["reversal_entry_id"]
    assert D(r.json["amount"]) == D("240.00")
    assert D(api.get(f"/api/v1/cash-accounts/{cash}").json["balance"]) == D("0")
    assert role_balance(db, world, "customer_advances", client) == D("0.00")
    assert role_balance(db, world, "receivable", client) == D("240.00")
    assert api.get(f"/api/v1/counterparties/{client}/balance").json["advances_received"] == "0.00"
    with db.read_session() as s:
        assert len(s.scalars(select(JournalEntry).where(JournalEntry.reversal_of_id.is_not(None))).all()) == 2
    check_invariants(db, world)


def test_an_allocation_moves_the_order_to_paid_and_back(api: Any, world: Any, db: Any) -> None:
    from server.sales.models import Order

    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    with db.write_session() as s, s.begin():
        order = Order(company_id=world.company_id, branch_id=world.branches["PP"], number="SO-T-1",
                      date=dt.date(2026, 3, 1), counterparty_id=client, currency="USD", status="invoiced")
        s.add(order)
        s.flush()
        order_id = order.id
    inv = make_invoice(db, world, client, "50.00", order_id=order_id)
    p = receipt(api, cash, client, "50.00", allocations=[{"invoice_id": inv, "amount": "50.00"}])
    with db.read_session() as s:
        assert s.get_one(Order, order_id).status == "paid"
    api.post(f"/api/v1/allocations/{p['allocations'][0]['id']}/reverse")
    with db.read_session() as s:
        assert s.get_one(Order, order_id).status == "invoiced"


def test_memo_and_reference_change_but_nothing_else(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    p = receipt(api, cash, client, "10.00")
    r = api.patch(f"{URL}/{p['id']}", {"version": p["version"], "memo": "cash at the counter", "reference": "R-7"})
    assert r.status_code == 200 and (r.json["memo"], r.json["reference"]) == ("cash at the counter", "R-7")
    with unchanged():
        r = api.patch(f"{URL}/{p['id']}", {"version": r.json["version"], "amount": "11.00", "date": "2026-03-06"})
        assert r.status_code == 409 and r.json["code"] == "posted_immutable"
        assert {e["field"]: e["code"] for e in r.json["errors"]} == {"amount": "immutable_field",
                                                                      "date": "immutable_field"}
