"""Sales invoices and supplier bills: pricing, posting, immutability, cancelling, credit notes, bad input."""
from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from server.finance.models import Allocation
from server.ledger.models import JournalEntry
from server.ledger.service import close_period
from server.sales.models import Invoice

from tests.factories import SALES_DAY, books_for, line, make_khr_rate, make_party, problem

D = Decimal
# --- scenarios with exact figures -----------------------------------------------------------------

def test_a_usd_invoice_with_vat_and_a_discount_posts_one_balanced_entry(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    r = b.invoice([line("W-1", "3", "19.99", discount_percent="15"), line("G-1", "2", "100.00")])
    assert r.status_code == 201, r.json
    draft = r.json
    assert draft["status"] == "draft" and draft["number"] is None
    assert [(l["net"], l["tax"], l["total"]) for l in draft["lines"]] == [
        ("50.97", "5.10", "56.07"), ("200.00", "20.00", "220.00")]
    assert (draft["net_total"], draft["tax_total"], draft["total"]) == ("250.97", "25.10", "276.07")
    assert draft["due_date"] == SALES_DAY  # no term anywhere: due on the day
    r = api.post(f"/api/v1/invoices/{draft['id']}/post", {"version": draft["version"]})
    assert r.status_code == 200, r.json
    inv = r.json
    assert inv["status"] == "posted" and inv["number"] == "INV-PP-2026-000001"
    assert (inv["rate"], inv["total_base"], inv["open_amount"], inv["open_base"]) == ("1", "276.07", "276.07", "276.07")
    assert b.balance("receivable") == D("276.07")
    assert b.balance("sales") == D("-250.97")
    assert b.balance("vat_out") == D("-25.10")
    with db.read_session() as s:
        entry = s.get(JournalEntry, inv["entry_id"])
        assert entry.source_type == "sale_invoice" and entry.source_id == inv["id"]
        rec = [l for l in entry.lines if l.debit > 0]
        assert len(rec) == 1 and rec[0].counterparty_id == b.client and rec[0].currency == "USD"
    # Posting twice: 409, nothing changes.
    r = api.post(f"/api/v1/invoices/{inv['id']}/post", {"version": inv["version"]})
    problem(r, 409, "invalid_state")


def test_a_khr_invoice_converts_per_line_and_puts_the_remainder_on_the_largest_line(db: Any, world: Any,
                                                                                     api: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("BK", "1", "10020"), line("BK", "1", "10020"), line("BK", "1", "10060")], currency="KHR")
    assert (inv["total"], inv["rate"], inv["total_base"]) == ("30100", "0.00025", "7.53")
    assert b.balance("receivable") == D("7.53")
    assert b.balance("sales") == D("-7.53")
    with db.read_session() as s:
        lines = s.get(JournalEntry, inv["entry_id"]).lines
        rec = next(l for l in lines if l.debit > 0)
        assert (rec.currency, rec.amount_currency) == ("KHR", D("30100"))
    # The book shows the same conversion: 2.51 + 2.51 + 2.52 = 7.54 → the largest line gives back 0.01.
    r = api.get("/api/v1/books/sales?from=2026-03-01&to=2026-03-31")
    row = r.json["rows"][0]
    assert (row["net_base"], row["tax_base"], row["total_base"]) == ("7.53", "0.00", "7.53")


def test_khr_with_vat_converts_tax_per_line(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("W-1", "3", "41000")], currency="KHR")
    # 123000 + 12300 = 135300 KHR × 0.00025 = 33.825 → 33.83; net 30.75, tax 3.075 → 3.08.
    assert (inv["net_total"], inv["tax_total"], inv["total"], inv["total_base"]) == ("123000", "12300", "135300",
                                                                                     "33.83")
    assert (b.balance("receivable"), b.balance("sales"), b.balance("vat_out")) == (D("33.83"), D("-30.75"),
                                                                                 D("-3.08"))


def test_a_bill_debits_purchases_expenses_and_vat_in(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    bill = b.posted([line("W-1", "10", "4.00"), line("SVC", "1", "50.00")], kind="bill", external_number="S-77")
    assert bill["number"] == "BILL-PP-2026-000001" and bill["total"] == "99.00"
    assert b.balance("purchases") == D("40.00")
    assert b.balance("expenses") == D("50.00")
    assert b.balance("vat_in") == D("9.00")
    assert b.balance("payable") == D("-99.00")
    assert -b.balance("payable") == b.open_base(("bill", "bill_credit"))


def test_prices_come_from_the_price_lists_when_not_given(db: Any, world: Any, api: Any) -> None:
    from server.catalog.models import PriceList, PriceRule

    b = books_for(db, world, api)
    with db.write_session() as s, s.begin():
        pl = PriceList(company_id=world.company_id, code="BASE", name="Base", currency="USD")
        s.add(pl)
        s.flush()
        s.add(PriceRule(price_list_id=pl.id, product_id=b.products["W-1"], price=D("12.50")))
    r = b.invoice([line("W-1", "2")])
    assert r.status_code == 201, r.json
    assert (r.json["lines"][0]["unit_price"], r.json["lines"][0]["tax_rate"], r.json["total"]) == ("12.50", "10",
                                                                                                  "27.50")
    # No price anywhere for the gadget: the line's price is named.
    r = b.invoice([line("G-1", "2")])
    body = problem(r, 422, "validation_failed")
    assert {e["field"] for e in body["errors"]} == {"lines.0.unit_price"}


def test_due_date_from_the_term_else_the_company_default(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    net30 = api.post("/api/v1/payment-terms", {"code": "NET30", "name": "30 days", "days": 30}).json
    net7 = api.post("/api/v1/payment-terms", {"code": "NET7", "name": "7 days", "days": 7, "is_default": True}).json
    assert b.invoice([line("W-1", "1", "1.00")]).json["due_date"] == "2026-03-17"
    assert b.invoice([line("W-1", "1", "1.00")], payment_term_id=net30["id"]).json["due_date"] == "2026-04-09"
    assert b.invoice([line("W-1", "1", "1.00")], due_date="2026-03-12").json["due_date"] == "2026-03-12"
    # One default per company: a new default unsets the old one.
    r = api.patch(f"/api/v1/payment-terms/{net30['id']}", {"version": net30["version"], "is_default": True})
    assert r.status_code == 200 and r.json["is_default"] is True
    assert api.get(f"/api/v1/payment-terms/{net7['id']}").json["is_default"] is False
    assert b.invoice([line("W-1", "1", "1.00")]).json["due_date"] == "2026-04-09"
    r = b.invoice([line("W-1", "1", "1.00")], due_date="2026-03-01")
    problem(r, 422, "validation_failed", fields={"due_date": "due_before_date"})


# --- immutability, locks, cancelling ----------------------------------------------------------------

def test_a_posted_invoice_refuses_changes(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("W-1", "1", "10.00")])
    with unchanged():
        r = api.patch(f"/api/v1/invoices/{inv['id']}", {"version": inv["version"], "notes": "edited"})
        problem(r, 409, "invoice_posted")
        r = api.patch(f"/api/v1/invoices/{inv['id']}", {"version": 1, "lines": [line("W-1", "5", "1.00")]})
        problem(r, 409, "invoice_posted")
        body = problem(api.post(f"/api/v1/invoices/{inv['id']}/post", {"version": inv["version"]}), 409,
                       "invalid_state")
        assert body["params"] == {"entity": "invoice", "id": inv["id"], "status": "posted", "action": "post",
                                  "allowed": "cancel, credit, allocate"}
        assert body["allowed"] == ["cancel", "credit", "allocate"]


def test_drafts_change_with_their_version(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    draft = b.invoice([line("W-1", "1", "10.00")]).json
    r = api.patch(f"/api/v1/invoices/{draft['id']}", {"version": draft["version"], "lines": [line("W-1", "2", "10.00")]})
    assert r.status_code == 200 and r.json["total"] == "22.00" and r.json["version"] == draft["version"] + 1
    problem(api.patch(f"/api/v1/invoices/{draft['id']}", {"version": draft["version"], "notes": "x"}), 409,
            "stale_version")
    # Cancelling a draft uses no number: the next posting takes 000001.
    r = api.post(f"/api/v1/invoices/{draft['id']}/cancel", {"version": r.json["version"]})
    assert r.status_code == 200 and r.json["status"] == "cancelled" and r.json["number"] is None
    assert b.posted([line("W-1", "1", "1.00")])["number"] == "INV-PP-2026-000001"


def test_posting_into_a_locked_period_is_refused_naming_date(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    draft = b.invoice([line("W-1", "1", "10.00")]).json
    with db.write_session() as s, s.begin():
        close_period(s, world.actor(), dt.date(2026, 3, 31), None)
    with unchanged():
        r = api.post(f"/api/v1/invoices/{draft['id']}/post", {"version": draft["version"]})
        problem(r, 409, "period_locked", fields={"date": "period_locked"})
        r = b.invoice([line("W-1", "1", "10.00")], post=True)
        problem(r, 409, "period_locked", fields={"date": "period_locked"})


def test_cancel_a_posted_invoice_reverses_it(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("W-1", "1", "10.00")])
    r = api.post(f"/api/v1/invoices/{inv['id']}/cancel", {"version": inv["version"]})
    assert r.status_code == 200, r.json
    assert (r.json["status"], r.json["open_amount"], r.json["number"]) == ("cancelled", "0.00", inv["number"])
    assert r.json["reversal_entry_id"] is not None
    assert b.balance("receivable") == D(0) == b.open_base(("sale_invoice", "sale_credit"))
    assert b.balance("sales") == D(0)
    body = problem(api.post(f"/api/v1/invoices/{inv['id']}/cancel", {"version": r.json["version"]}), 409,
                   "invalid_state")
    assert body["title"] == f"invoice {inv['id']} is cancelled: cancel is not allowed; the moves allowed from cancelled: —."
    assert body["allowed"] == []


def test_cancel_is_refused_when_something_is_allocated_or_the_period_is_locked(db: Any, world: Any, api: Any,
                                                                               unchanged: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("W-1", "2", "10.00")])
    cn = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"date": SALES_DAY, "lines": [
        {"product_id": b.products["W-1"], "qty": "1"}]}).json
    api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]})
    inv = api.get(f"/api/v1/invoices/{inv['id']}").json
    with unchanged():
        problem(api.post(f"/api/v1/invoices/{inv['id']}/cancel", {"version": inv["version"]}), 409, "has_allocations")
    other = b.posted([line("W-1", "1", "10.00")])
    with db.write_session() as s, s.begin():
        close_period(s, world.actor(), dt.date(2026, 3, 31), None)
    with unchanged():
        r = api.post(f"/api/v1/invoices/{other['id']}/cancel", {"version": other["version"]})
        problem(r, 409, "period_locked", fields={"date": "period_locked"})


# --- credit notes -------------------------------------------------------------------------------------

def test_a_credit_note_offsets_its_original(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("W-1", "4", "25.00"), line("BK", "2", "5.00")])  # 110.00 + 10.00 = 120.00
    assert inv["total"] == "120.00"
    r = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"date": "2026-03-12", "lines": [
        {"product_id": b.products["W-1"], "qty": "1"}]})
    assert r.status_code == 201, r.json
    cn = r.json
    assert (cn["kind"], cn["status"], cn["original_id"], cn["total"]) == ("sale_credit", "draft", inv["id"], "27.50")
    r = api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]})
    assert r.status_code == 200, r.json
    cn = r.json
    assert (cn["number"], cn["status"], cn["open_amount"]) == ("CN-PP-2026-000001", "paid", "0.00")
    inv = api.get(f"/api/v1/invoices/{inv['id']}").json
    assert (inv["open_amount"], inv["open_base"], inv["status"]) == ("92.50", "92.50", "posted")
    assert b.balance("receivable") == D("92.50") == b.open_base(("sale_invoice", "sale_credit"))
    assert b.balance("sales") == D("-85.00") and b.balance("vat_out") == D("-7.50")
    with db.read_session() as s:
        alloc = s.scalars(select(Allocation)).one()
        assert (alloc.credit_note_id, alloc.invoice_id, alloc.payment_id, alloc.amount, alloc.amount_base) == (
            cn["id"], inv["id"], None, D("27.50"), D("27.50"))
    # More widgets than are left uncredited (4 − 1 = 3): the line is named.
    r = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"lines": [
        {"product_id": b.products["W-1"], "qty": "4"}]})
    problem(r, 422, "validation_failed", fields={"lines.0.qty": "exceeds_uncredited"})
    r = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"lines": [
        {"product_id": b.products["G-1"], "qty": "1"}]})
    problem(r, 422, "validation_failed", fields={"lines.0.product_id": "not_on_original"})
    # The default takes back all that is left, and closes the original.
    cn2 = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"date": "2026-03-13"}).json
    assert [l["qty"] for l in cn2["lines"]] == ["3", "2"] and cn2["total"] == "92.50"
    api.post(f"/api/v1/invoices/{cn2['id']}/post", {"version": cn2["version"]})
    inv = api.get(f"/api/v1/invoices/{inv['id']}").json
    assert (inv["open_amount"], inv["open_base"], inv["status"]) == ("0.00", "0.00", "paid")
    assert b.balance("receivable") == D(0) == b.open_base(("sale_invoice", "sale_credit"))
    problem(api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {}), 422, "validation_failed",
            fields={"lines": "nothing_to_credit"})


def test_a_khr_credit_note_uses_the_original_rate(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("BK", "3", "10000")], currency="KHR")  # 30000 KHR = 7.50 USD at 0.00025
    make_khr_rate(db, world, rate="0.0002", on="2026-03-11")
    cn = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"date": "2026-03-12", "lines": [
        {"product_id": b.products["BK"], "qty": "1"}]}).json
    assert cn["rate"] == "0.00025"
    cn = api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]}).json
    assert (cn["rate"], cn["total_base"]) == ("0.00025", "2.50")
    assert b.balance("receivable") == D("5.00") == b.open_base(("sale_invoice", "sale_credit"))
    assert b.balance("fx_gain") == D(0) and b.balance("fx_loss") == D(0)


def test_a_bill_credit_mirrors_the_bill(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    bill = b.posted([line("W-1", "10", "4.00")], kind="bill")
    cn = api.post(f"/api/v1/invoices/{bill['id']}/credit-note", {"lines": [
        {"product_id": b.products["W-1"], "qty": "5"}], "date": SALES_DAY}).json
    cn = api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]}).json
    assert (cn["kind"], cn["number"], cn["total"]) == ("bill_credit", "BCN-PP-2026-000001", "22.00")
    assert b.balance("payable") == D("-22.00") == -b.open_base(("bill", "bill_credit"))
    assert b.balance("purchases") == D("20.00") and b.balance("vat_in") == D("2.00")


# --- bad input ------------------------------------------------------------------------------------------

def test_bad_lines_are_all_named_and_nothing_is_written(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    with unchanged():
        r = b.invoice([line("W-1", "0", "1.00"), line("W-1", "-1", "1.00"), line("NOPE", "1", "1.00"),
                       {"product_id": 999999, "qty": "1", "unit_price": "1.00"}, line("W-1", "1", "1.005"),
                       line("W-1", "1", "-1.00"), line("W-1", "1.00001", "1.00"), {"qty": "1", "unit_price": "1"}])
        body = problem(r, 422, "validation_failed")
        got = {e["field"]: e["code"] for e in body["errors"]}
        assert got == {"lines.0.qty": "must_be_positive", "lines.1.qty": "must_be_positive"}
        r = b.invoice([line("NOPE", "1", "1.00"), {"product_id": 999999, "qty": "1", "unit_price": "1.00"},
                       line("W-1", "1", "1.005"), line("W-1", "1", "-1.00"), line("W-1", "1.00001", "1.00"),
                       {"qty": "1", "unit_price": "1"}, line("W-1", "1", "100.5", ), line("W-1", "1", "1", tax_rate="101")])
        body = problem(r, 422, "validation_failed")
        assert {e["field"]: e["code"] for e in body["errors"]} == {"lines.7.tax_rate": "invalid_percent"}
        r = b.invoice([line("NOPE", "1", "1.00"), {"product_id": 999999, "qty": "1", "unit_price": "1.00"},
                       line("W-1", "1", "1.005"), line("W-1", "1", "-1.00"), line("W-1", "1.00001", "1.00"),
                       {"qty": "1", "unit_price": "1"}, line("BK", "1", "100.5", ), line("BK", "1", "100.5")],
                      currency="KHR")
        problem(r, 422, "validation_failed", fields={
            "lines.0.sku": "unknown_reference", "lines.1.product_id": "unknown_reference",
            "lines.2.unit_price": "too_many_decimals", "lines.3.unit_price": "must_not_be_negative",
            "lines.4.qty": "line_too_precise", "lines.5.product_id": "required", "lines.6.unit_price": "too_many_decimals",
            "lines.7.unit_price": "too_many_decimals"})
        r = b.invoice([line("W-1", "1", "1.005")])
        body = problem(r, 422, "validation_failed", fields={"lines.0.unit_price": "too_many_decimals"})
        assert "2" in body["errors"][0]["message"] and "USD" in body["errors"][0]["message"]


def test_wrong_counterparties_currencies_and_rates(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    with db.write_session() as s, s.begin():
        from server.setup.service import create_company
        other, _, other_token = create_company(s, name="Other Co", country="KH", currency="USD", second_currency=None,
                                               language="en", owner_email="o@other.example", owner_name="O")
        other_id = other.id
    from tests.factories import Api
    stranger = make_party(Api(api.client.application, other_token), "Their Client")
    with unchanged():
        problem(b.invoice([line("W-1", "1", "1.00")], counterparty_id=b.supplier), 422, "validation_failed",
                fields={"counterparty_id": "wrong_counterparty_kind"})
        problem(b.invoice([line("W-1", "1", "1.00")], kind="bill", counterparty_id=b.client), 422,
                "validation_failed", fields={"counterparty_id": "wrong_counterparty_kind"})
        problem(b.invoice([line("W-1", "1", "1.00")], counterparty_id=stranger), 422, "validation_failed",
                fields={"counterparty_id": "unknown_reference"})
        problem(b.invoice([line("W-1", "1", "1.00")], counterparty_id=99999999), 422, "validation_failed",
                fields={"counterparty_id": "unknown_reference"})
        problem(b.invoice([line("W-1", "1", "1.00")], currency="XYZ"), 422, "validation_failed",
                fields={"currency": "invalid_currency"})
        problem(b.invoice([line("W-1", "1", "1.00")], currency="RUB", post=True), 422, "validation_failed",
                fields={"currency": "missing_rate"})
        problem(b.invoice([line("W-1", "1", "1.00")], branch_id=other_id * 1000), 422, "validation_failed",
                fields={"branch_id": "unknown_reference"})
    # A draft in RUB is fine; posting it names the missing rate and changes nothing.
    draft = b.invoice([line("W-1", "1", "1.00")], currency="RUB").json
    with unchanged():
        problem(api.post(f"/api/v1/invoices/{draft['id']}/post", {"version": draft["version"]}), 422,
                "validation_failed", fields={"currency": "missing_rate"})


def test_roles_and_branch_scope(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    sales = api.as_(world.tokens["sales"])
    sales_pp = api.as_(world.tokens["sales_pp"])
    bill = b.posted([line("W-1", "1", "1.00")], kind="bill")
    sr = b.posted([line("W-1", "1", "1.00")], branch_id=world.branches["SR"])
    with unchanged():
        problem(b.invoice([line("W-1", "1", "1.00")], kind="bill", as_=sales), 403, "role_forbidden")
        problem(sales.get(f"/api/v1/invoices/{bill['id']}"), 404, "not_found")
        problem(api.as_(world.tokens["warehouse"]).get("/api/v1/invoices"), 403, "role_forbidden")
        problem(sales_pp.get(f"/api/v1/invoices/{sr['id']}"), 403, "out_of_branch_scope")
        problem(b.invoice([line("W-1", "1", "1.00")], branch_id=world.branches["SR"], as_=sales_pp), 422,
                "validation_failed", fields={"branch_id": "out_of_branch_scope"})
    assert {i["kind"] for i in sales.get("/api/v1/invoices").json["items"]} == {"sale_invoice"}
    assert sales_pp.get("/api/v1/invoices").json["total"] == 0
    assert b.invoice([line("W-1", "1", "1.00")], as_=sales_pp, post=True).status_code == 201


def test_list_filters_and_paging(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    for day in ("2026-03-01", "2026-03-05", "2026-03-09"):
        b.posted([line("W-1", "1", "1.00")], date=day)
    b.invoice([line("W-1", "1", "1.00")], date="2026-03-09")
    page = api.get("/api/v1/invoices?status=posted&limit=2").json
    assert page["total"] == 3 and [i["date"] for i in page["items"]] == ["2026-03-09", "2026-03-05"]
    assert [i["date"] for i in api.get("/api/v1/invoices?status=posted&limit=2&offset=2").json["items"]] == [
        "2026-03-01"]
    assert api.get("/api/v1/invoices?date_from=2026-03-02&date_to=2026-03-08").json["total"] == 1
    assert api.get("/api/v1/invoices?overdue=true").json["total"] == 3  # due on the day, long past today
    assert api.get(f"/api/v1/invoices?counterparty_id={b.supplier}").json["total"] == 0
    assert api.get("/api/v1/invoices?kind=bill").json["total"] == 0


def test_sequences_are_per_branch_and_kind(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    numbers = [b.posted([line("W-1", "1", "1.00")])["number"] for _ in range(3)]
    assert numbers == ["INV-PP-2026-000001", "INV-PP-2026-000002", "INV-PP-2026-000003"]
    assert b.posted([line("W-1", "1", "1.00")], branch_id=world.branches["SR"])["number"] == "INV-SR-2026-000001"
    assert b.posted([line("W-1", "1", "1.00")], date="2027-01-02")["number"] == "INV-PP-2027-000001"


# --- batch posting and concurrency ---------------------------------------------------------------------

def test_the_batch_path_posts_like_the_single_one(db: Any, world: Any, api: Any) -> None:
    from server.audit.models import Operation
    from server.sales import schemas, service

    b = books_for(db, world, api)
    bodies = [{"kind": "sale_invoice", "branch_id": b.pp, "counterparty_id": b.client, "date": SALES_DAY,
               "currency": cur, "post": post, "lines": [line("BK", "1", price), line("W-1", "3", "41000" if cur == "KHR" else "19.99", discount_percent="15")]}
              for cur, price, post in (("USD", "10.00", True), ("KHR", "10020", True), ("USD", "1.00", False),
                                       ("USD", "2.00", True))]
    items = [schemas.InvoiceIn.model_validate_json(json.dumps(x)) for x in bodies]
    with db.write_session() as s, s.begin():
        ids = service.create_invoices(s, world.actor(), items)
    got = [api.get(f"/api/v1/invoices/{i}").json for i in ids]
    assert [(g["number"], g["status"], g["total"], g["total_base"]) for g in got] == [
        ("INV-PP-2026-000001", "posted", "66.07", "66.07"),
        ("INV-PP-2026-000002", "posted", "125025", "31.26"),
        (None, "draft", "57.07", "0.00"),
        ("INV-PP-2026-000003", "posted", "58.07", "58.07")]
    # The same figures as the single path: the KHR one through the API gives the same base amounts.
    single = b.posted(bodies[1]["lines"], currency="KHR")
    assert (single["total"], single["total_base"]) == ("125025", "31.26")
    assert b.balance("receivable") == D("66.07") + D("31.26") * 2 + D("58.07") == b.open_base(
        ("sale_invoice", "sale_credit"))
    with db.read_session() as s:
        logged = s.scalars(select(Operation.entity_id).where(Operation.entity == "invoice",
                                                             Operation.action == "create")).all()
        assert set(ids) <= set(logged)
        assert s.get(Invoice, ids[0]).entry_id is not None and s.get(Invoice, ids[2]).entry_id is None


def test_the_batch_path_names_every_bad_item_and_writes_nothing(db: Any, world: Any, api: Any,
                                                                unchanged: Any) -> None:
    from server.core.errors import ValidationFailed
    from server.sales import schemas, service

    b = books_for(db, world, api)
    good = {"kind": "sale_invoice", "branch_id": b.pp, "counterparty_id": b.client, "date": SALES_DAY, "post": True,
            "lines": [line("W-1", "1", "1.00")]}
    items = [schemas.InvoiceIn.model_validate_json(json.dumps(x)) for x in (
        good, dict(good, counterparty_id=b.supplier), dict(good, currency="RUB"), dict(good, lines=[line("NOPE", "1", "1")]))]
    with unchanged():
        with db.write_session() as s, s.begin(), pytest.raises(ValidationFailed) as exc:
            service.create_invoices(s, world.actor(), items)
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("items.1.counterparty_id", "wrong_counterparty_kind"), ("items.2.currency", "missing_rate"),
        ("items.3.lines.0.sku", "unknown_reference")}


def test_numbers_stay_gap_free_with_many_users_posting_at_once(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    drafts = [b.invoice([line("W-1", "1", "1.00")]).json for _ in range(12)]
    errors: list[Any] = []

    def worker(chunk: list[dict[str, Any]], token: str) -> None:
        client = api.as_(token)
        for d in chunk:
            r = client.post(f"/api/v1/invoices/{d['id']}/post", {"version": d["version"]})
            if r.status_code != 200:
                errors.append(r.get_data(as_text=True))

    threads = [threading.Thread(target=worker, args=(drafts[k::4], world.tokens[role]))
               for k, role in enumerate(("owner", "accountant", "sales", "sales_pp"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read_session() as s:
        seqs = sorted(s.scalars(select(Invoice.seq).where(Invoice.status == "posted")).all())
    assert seqs == list(range(1, 13))
