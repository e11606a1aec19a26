"""sales_book.xlsm used as an accountant would: new invoices and payments typed in, a print mark, synced headless."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import xlwings as xw
from sqlalchemy import select

from tests.factories import SalesBooks, calc_pdf_text, docx_text, line, press_sync

from server.finance.models import Allocation, Payment
from server.sales.models import Invoice
from workbook import engine, sales_book
from workbook.build import build
from workbook.layout import FIRST_ROW, PAYMENTS, RECEIVABLES, SALES, SALES_BOOK


@pytest.fixture
def books(db: Any, world: Any, api: Any, served: str, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> Iterator[tuple[SalesBooks, Path, dict[str, Any]]]:
    monkeypatch.setenv("CLIENTBASE_TOKEN", world.tokens["owner"])
    b = SalesBooks(db, world, api)
    inv = b.posted([line("W-1", "3", "20.00")], due_date="2026-03-20")
    r = api.post("/api/v1/cash-accounts", {"branch_id": b.pp, "kind": "cash", "code": "CASH-PP",
                                           "name": "Cash desk PP", "currency": "USD"})
    assert r.status_code == 201, r.get_data(as_text=True)
    path = build(SALES_BOOK, tmp_path / "wb", "en", served, {"branches": ["PP"], "cash_accounts": ["CASH-PP"]})
    engine.activate()
    yield b, path, inv


def sync(path: Path) -> None:
    press_sync(path, sales_book.main)


def rows(path: Path, table: Any) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path, keep_vba=True)[table.sheet_name("en")]
    return [dict(zip(table.keys, r)) for r in ws.iter_rows(min_row=FIRST_ROW, max_col=len(table.columns),
                                                           values_only=True) if any(v is not None for v in r)]


def type_row(sheet: Any, table: Any, at: int, **values: Any) -> None:
    for key, value in values.items():
        sheet.range((at, table.index(key) + 1)).value = value


def test_new_documents_payments_refusals_and_print(books: Any, db: Any) -> None:
    b, path, inv = books
    sync(path)
    sales = rows(path, SALES)
    assert [(r["number"], r["total"], r["open_amount"], r["doc_status"]) for r in sales] == \
        [(inv["number"], 66.0, 66.0, "posted")]
    assert rows(path, RECEIVABLES)[0]["client"] == "Sokha Shop"

    book = xw.Book(str(path))
    s = book.sheets[SALES.sheet_name("en")]
    type_row(s, SALES, FIRST_ROW, date=dt.datetime(2026, 3, 9), print="print")        # a posted one edited
    day = dt.datetime(2026, 3, 15)
    type_row(s, SALES, FIRST_ROW + 1, ref="A", date=day, client="Sokha Shop", branch="PP", sku="W-1", qty=2.0,
             unit_price=10.0)
    type_row(s, SALES, FIRST_ROW + 2, ref="A", sku="SVC", qty=1.0, unit_price=50.0)
    type_row(s, SALES, FIRST_ROW + 3, date=day, client="Nobody Ltd", branch="PP", sku="W-1", qty=1.0)
    type_row(s, SALES, FIRST_ROW + 4, date=day, client="Sokha Shop", branch="PP", sku="NOPE", qty=1.0,
             unit_price=1.0)
    p = book.sheets[PAYMENTS.sheet_name("en")]
    type_row(p, PAYMENTS, FIRST_ROW, kind="receipt", date=dt.datetime(2026, 3, 16), client="K001-100200300",
             cash_account="CASH-PP", amount=50.0, invoice=inv["number"], memo="part payment")
    type_row(p, PAYMENTS, FIRST_ROW + 1, kind="receipt", date=dt.datetime(2026, 3, 16), client="Sokha Shop",
             cash_account="CASH-PP", amount=5.0, invoice="INV-NOPE-1")
    book.save()
    book.close()

    sync(path)

    with db.read_session() as session:
        new = session.scalars(select(Invoice).where(Invoice.date == day.date())).all()
        assert len(new) == 1 and new[0].status == "posted" and len(new[0].lines) == 2
        receipt = session.scalars(select(Payment)).one()
        assert receipt.amount == 50 and receipt.memo == "part payment"
        alloc = session.scalars(select(Allocation)).one()
        assert alloc.invoice_id == inv["id"] and alloc.amount == 50
    sales = {r["number"] or r["client"] + r["sku"]: r for r in rows(path, SALES)}
    old = sales[inv["number"]]
    assert old["status"].startswith(f"{inv['number']} is posted and cannot change")
    assert old["date"] == dt.datetime(2026, 3, 9)                              # the typed value is kept
    assert sales[new[0].number]["open_amount"] == pytest.approx(new[0].total)
    assert sales["Nobody LtdW-1"]["status"] == "No such counterparty: Nobody Ltd"
    assert sales["Sokha ShopNOPE"]["status"].startswith("Not saved:")
    payments = rows(path, PAYMENTS)
    assert len(payments) == 2 and payments[0]["number"] and payments[0]["unallocated"] == 0
    assert payments[1]["status"] == "No such open document: INV-NOPE-1" and payments[1]["amount"] == 5.0

    # Put the date back and print: the invoice document lands beside the workbook.
    book = xw.Book(str(path))
    s = book.sheets[SALES.sheet_name("en")]
    at = next(FIRST_ROW + i for i, r in enumerate(rows(path, SALES)) if r["number"] == inv["number"])
    type_row(s, SALES, at, date=dt.datetime(2026, 3, 10))
    book.save()
    book.close()
    sync(path)
    old = next(r for r in rows(path, SALES) if r["number"] == inv["number"])
    assert old["status"] == f"Printed: {old['document']}" and old["print"] is None
    assert inv["number"] in docx_text((path.parent / old["document"]).read_bytes())


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_the_sales_book_opens_in_libreoffice(books: Any, tmp_path: Path) -> None:
    _b, path, inv = books
    sync(path)
    text = calc_pdf_text(path, tmp_path)
    assert inv["number"] in text and "Sokha Shop" in text
