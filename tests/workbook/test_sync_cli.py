"""`clientbase workbooks sync`: what it says and exits with on refused rows and on files that are not ours; the file's mode."""
from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.factories import SalesBooks, line

from clientbase.cli import main
from server.finance.models import Payment
from server.sales.models import Invoice
from workbook import engine, sales_book
from workbook.build import build
from workbook.layout import CLIENTS, CLIENTS_BOOK, CONFIG_SHEET, FIRST_ROW, SALES, SALES_BOOK


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world: Any, served: str) -> dict[str, str]:
    for key in list(os.environ):
        if key.startswith("CLIENTBASE_"):
            monkeypatch.delenv(key)
    return {"CLIENTBASE_DATABASE_URL": database_url, "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance"),
            "CLIENTBASE_TOKEN": world.tokens["owner"]}


def sync(path: Path, env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, ["workbooks", "sync", str(path)], env=env)


def said(result: Any) -> str:
    return result.output     # stdout and stderr as a terminal shows them


def refused(result: Any, *words: str) -> None:
    """Refused in a sentence (exit status 1, no traceback) that says each of `words`."""
    assert result.exit_code == 1, said(result)
    # A ClickException ends in SystemExit(1); anything else would be an uncaught error (a traceback).
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    for word in words:
        assert word in said(result), (word, said(result))


def type_row(path: Path, values: dict[str, Any]) -> None:
    engine.activate()
    book = xw.Book(str(path))
    try:
        sheet = book.sheets[CLIENTS.sheet_name("en")]
        for key, value in values.items():
            sheet.range((FIRST_ROW, CLIENTS.index(key) + 1)).value = value
        book.save()
    finally:
        book.close()


def test_refused_rows_exit_3_with_the_workbook_saved_and_its_mode_and_owner_kept(env: dict[str, str], served: str,
                                                                                  tmp_path: Path, api: Any) -> None:
    api.post("/api/v1/clients", {"name": "Angkor Foods"})
    path = build(CLIENTS_BOOK, tmp_path / "wb", "en", served, {})
    os.chmod(path, 0o640)
    owner = (4321, 4322) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(path, *owner)

    done = sync(path, env)
    assert done.exit_code == 0, said(done)
    assert "1 rows from the server" in done.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o640            # not the 0600 of a temporary file
    assert (path.stat().st_uid, path.stat().st_gid) == owner     # (given away and kept when run as root)

    rows = openpyxl.load_workbook(path)[CLIENTS.sheet_name("en")]  # not read-only: that mode holds the file open
    assert [r[CLIENTS.index("name")] for r in rows.iter_rows(min_row=FIRST_ROW, values_only=True)] == ["Angkor Foods"]
    type_row(path, {"id": None, "name": "Bayon Books", "email": "bayon(at)example.com", "version": None})
    os.chmod(path, 0o664)
    result = sync(path, env)
    assert result.exit_code == 3, said(result)
    assert "1 refused" in result.output and "refused: see the status cells" in result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o664
    ws = openpyxl.load_workbook(path)[CLIENTS.sheet_name("en")]  # not read-only: that mode holds the file open
    typed = [dict(zip(CLIENTS.keys, r)) for r in ws.iter_rows(min_row=FIRST_ROW, values_only=True)
             if r[CLIENTS.index("name")] == "Bayon Books"]
    assert len(typed) == 1 and typed[0]["email"] == "bayon(at)example.com"     # saved, as typed
    assert typed[0]["status"].startswith("Not saved: Email")


def test_files_that_are_not_clientbase_workbooks_are_refused_in_a_sentence(env: dict[str, str], served: str,
                                                                           tmp_path: Path) -> None:
    refused(sync(tmp_path / "nowhere.xlsm", env), "nowhere.xlsm", "no such file")
    text = tmp_path / "list.csv"
    text.write_text("name\nAngkor\n")
    refused(sync(text, env), "list.csv", "not an Excel workbook")
    broken = tmp_path / "broken.xlsm"
    broken.write_bytes(b"PK\x03\x04" + os.urandom(200))
    refused(sync(broken, env), "broken.xlsm", "damaged")
    cut = tmp_path / "cut.xlsm"
    cut.write_bytes(build(CLIENTS_BOOK, tmp_path / "wb", "en", served, {}).read_bytes()[:3000])
    refused(sync(cut, env), "cut.xlsm", "damaged")
    other_zip = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    refused(sync(other_zip, env), "letter.xlsx", "another kind")

    ordinary = tmp_path / "prices.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "price"
    wb.save(ordinary)
    before = ordinary.read_bytes()
    refused(sync(ordinary, env), "prices.xlsx", "not a ClientBase workbook", CONFIG_SHEET)
    assert ordinary.read_bytes() == before                      # not written to

    # A settings sheet that names a module of ours that is no workbook's Sync (or a path) imports nothing.
    for stem in ("engine", "build", "../clients", "os"):
        wb = openpyxl.Workbook()
        conf = wb.create_sheet(CONFIG_SHEET)
        conf.append(["ClientBase Workbook", stem])
        hostile = tmp_path / "hostile.xlsx"
        wb.save(hostile)
        refused(sync(hostile, env), "hostile.xlsx", "none of clients, sales_book, payroll")

    # Ours, but a sheet deleted since it was built.
    path = build(CLIENTS_BOOK, tmp_path / "cut-down", "en", served, {})
    wb = openpyxl.load_workbook(path, keep_vba=True)
    del wb[CLIENTS.sheet_name("en")]
    wb.save(path)
    refused(sync(path, env), "clients.xlsm", "damaged or incomplete", "clientbase workbooks build")


def test_the_sales_books_summary_counts_every_row_pulled_over_several_pages(
        env: dict[str, str], served: str, db: Any, world: Any, api: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    b = SalesBooks(db, world, api)
    for n in range(5):
        b.posted([line("W-1", "1", f"{10 + n}.00")])
    b.posted([line("W-1", "2", "5.00")], kind="bill")
    r = api.post("/api/v1/cash-accounts", {"branch_id": b.pp, "kind": "cash", "code": "CASH-PP",
                                           "name": "Cash desk PP", "currency": "USD"})
    assert r.status_code == 201, r.get_data(as_text=True)
    r = api.post("/api/v1/payments", {"kind": "receipt", "cash_account_id": r.json["id"], "counterparty_id": b.client,
                                      "amount": "3.00", "date": "2026-03-16"})
    assert r.status_code == 201, r.get_data(as_text=True)
    with db.read_session() as s:
        documents = s.scalar(select(func.count()).select_from(Invoice).where(Invoice.status != "draft"))
        payments = s.scalar(select(func.count()).select_from(Payment))
    assert (documents, payments) == (6, 1)
    # Two to a page: the pull takes three pages of sales invoices; every page counts.
    monkeypatch.setattr(sales_book, "PAGE", 2)
    path = build(SALES_BOOK, tmp_path / "wb", "en", served, {"branches": ["PP"], "cash_accounts": ["CASH-PP"]})
    result = sync(path, env)
    assert result.exit_code == 0, said(result)
    assert re.search(r"; 7 rows from the server\.", result.output), result.output
    ws = openpyxl.load_workbook(path)[SALES.sheet_name("en")]  # not read-only: that mode holds the file open
    assert ws["A2"].value.endswith("7 rows from the server.")
    assert len([r for r in ws.iter_rows(min_row=FIRST_ROW, values_only=True) if r[0] is not None]) == 5


def test_a_posted_invoices_total_typed_over_exits_3_and_stays(env: dict[str, str], served: str, db: Any, world: Any,
                                                               api: Any, tmp_path: Path) -> None:
    b = SalesBooks(db, world, api)
    inv = b.posted([line("W-1", "3", "20.00")], due_date="2026-03-20")
    path = build(SALES_BOOK, tmp_path / "wb", "en", served, {"branches": ["PP"]})
    assert sync(path, env).exit_code == 0
    engine.activate()
    book = xw.Book(str(path))
    sheet = book.sheets[SALES.sheet_name("en")]
    sheet.range((FIRST_ROW, SALES.index("total") + 1)).value = 60.0
    sheet.range((FIRST_ROW, SALES.index("due_date") + 1)).value = "2026-04-30"
    book.save()
    book.close()
    result = sync(path, env)
    assert result.exit_code == 3, said(result)
    ws = openpyxl.load_workbook(path)[SALES.sheet_name("en")]  # not read-only: that mode holds the file open
    row = dict(zip(SALES.keys, next(ws.iter_rows(min_row=FIRST_ROW, values_only=True))))
    assert (row["total"], row["due_date"]) == (60.0, "2026-04-30")
    assert row["status"] == (f"{inv['number']} is posted and cannot change (Total, Due): put the values back, or "
                             "issue a credit note in ClientBase.")
    with db.read_session() as s:
        stored = s.get(Invoice, inv["id"])
        assert (stored.total, stored.due_date.isoformat()) == (66, "2026-03-20")
    # Put back (a read-only cell emptied is put back too): nothing refused, the server's values return.
    book = xw.Book(str(path))
    sheet = book.sheets[SALES.sheet_name("en")]
    sheet.range((FIRST_ROW, SALES.index("total") + 1)).value = None
    sheet.range((FIRST_ROW, SALES.index("due_date") + 1)).value = None
    book.save()
    book.close()
    again = sync(path, env)
    assert again.exit_code == 0, said(again)
    ws = openpyxl.load_workbook(path)[SALES.sheet_name("en")]  # not read-only: that mode holds the file open
    row = dict(zip(SALES.keys, next(ws.iter_rows(min_row=FIRST_ROW, values_only=True))))
    assert row["total"] == 66.0 and row["status"] is None
