"""The sales and purchase books: one row per posted document of the period, tax by rate, and the xlsx export."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl

from tests.factories import books_for, line, problem

D = Decimal


def test_the_sales_book_lists_invoices_and_credit_notes_with_tax_by_rate(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    inv = b.posted([line("W-1", "2", "50.00"), line("BK", "1", "20.00")], date="2026-03-02")  # 100+10, 20+0
    b.posted([line("W-1", "3", "41000")], currency="KHR", date="2026-03-05")  # 123000 + 12300 KHR = 33.83 USD
    cn = api.post(f"/api/v1/invoices/{inv['id']}/credit-note", {"date": "2026-03-20", "lines": [
        {"product_id": b.products["W-1"], "qty": "1"}]}).json
    api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]})
    cancelled = b.posted([line("W-1", "1", "9.00")], date="2026-03-21")
    api.post(f"/api/v1/invoices/{cancelled['id']}/cancel", {"version": cancelled["version"]})
    b.posted([line("W-1", "1", "9.00")], date="2026-04-01")  # outside the period
    b.posted([line("W-1", "1", "9.00")], kind="bill", date="2026-03-03")  # the other book
    r = api.get("/api/v1/books/sales?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200, r.json
    book = r.json
    assert [(x["number"], x["counterparty"], x["tax_id"]) for x in book["rows"]] == [
        ("INV-PP-2026-000001", "Sokha Shop", "K001-100200300"),
        ("INV-PP-2026-000002", "Sokha Shop", "K001-100200300"),
        ("CN-PP-2026-000001", "Sokha Shop", "K001-100200300")]
    first, khr, credit = book["rows"]
    assert (first["net"], first["tax"], first["total"]) == ("120.00", "10.00", "130.00")
    assert [(t["rate"], t["net_base"], t["tax_base"]) for t in first["taxes"]] == [
        ("0", "20.00", "0.00"), ("10", "100.00", "10.00")]
    assert (khr["currency"], khr["net"], khr["net_base"], khr["tax_base"], khr["total_base"]) == (
        "KHR", "123000", "30.75", "3.08", "33.83")
    assert (credit["net"], credit["tax"], credit["total"], credit["total_base"]) == ("-50.00", "-5.00", "-55.00",
                                                                                    "-55.00")
    assert book["by_rate"] == [{"rate": "0", "net_base": "20.00", "tax_base": "0.00"},
                               {"rate": "10", "net_base": "80.75", "tax_base": "8.08"}]
    assert (book["net_base"], book["tax_base"], book["total_base"]) == ("100.75", "8.08", "108.83")
    # The book agrees with the ledger: VAT on sales of the period.
    assert -b.balance("vat_out") == D("8.08") + D("0.90")  # + the April invoice's VAT
    purchases = api.get("/api/v1/books/purchases?from=2026-03-01&to=2026-03-31").json
    assert [(x["number"], x["counterparty"], x["total_base"]) for x in purchases["rows"]] == [
        ("BILL-PP-2026-000001", "Mekong Supply", "9.90")]


def test_the_book_as_a_workbook(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    b.posted([line("W-1", "2", "50.00"), line("BK", "1", "20.00")], date="2026-03-02")
    b.posted([line("W-1", "1", "5.00")], date="2026-03-04")
    r = api.get("/api/v1/books/sales?from=2026-03-01&to=2026-03-31&format=xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "sales-book-2026-03-01-2026-03-31.xlsx" in r.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert ws.title == "Sales book"
    assert ws["A1"].value == "Sales book 2026-03-01 – 2026-03-31"
    headers = [c.value for c in ws[3]]
    assert headers[:13] == ["Date", "Number", "Kind", "Counterparty", "Tax ID", "Currency", "Rate", "Net", "Tax",
                            "Total", "Net (USD)", "Tax (USD)", "Total (USD)"]
    assert headers[13:] == ["Net 0% (USD)", "Tax 0% (USD)", "Net 10% (USD)", "Tax 10% (USD)"]
    assert ws.freeze_panes == "C4"
    assert ws["A4"].value.date().isoformat() == "2026-03-02" and ws["A4"].number_format == "yyyy-mm-dd"
    assert (ws["B4"].value, ws["D4"].value, ws["J4"].value, ws["M4"].number_format) == (
        "INV-PP-2026-000001", "Sokha Shop", 130, "#,##0.00")
    assert (ws["B5"].value, ws["M5"].value, ws["P5"].value, ws["Q5"].value) == ("INV-PP-2026-000002", 5.5, 5, 0.5)
    assert ws["A6"].value == "Total" and ws["A6"].font.b
    assert (ws["K6"].value, ws["L6"].value, ws["M6"].value, ws["N6"].value, ws["P6"].value) == (
        125, 10.5, 135.5, 20, 105)


def test_book_periods_and_roles(db: Any, world: Any, api: Any) -> None:
    books_for(db, world, api)
    problem(api.get("/api/v1/books/sales?from=2026-03-31&to=2026-03-01"), 422, "validation_failed",
            fields={"to": "period_end_before_start"})
    problem(api.get("/api/v1/books/sales?to=2026-03-01"), 422, "validation_failed", fields={"from": "required"})
    problem(api.as_(world.tokens["sales"]).get("/api/v1/books/sales?from=2026-03-01&to=2026-03-31"), 403,
            "role_forbidden")
    assert api.get("/api/v1/books/purchases?from=2026-03-01&to=2026-03-31").json["rows"] == []
