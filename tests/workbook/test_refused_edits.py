"""Every refused edit keeps what was typed and says why, on every sheet of every workbook, in its language.

The walk is derived from the layout (workbook/layout.py): each workbook's tables and grids, each column a
person can type into (read-only ones included: Excel stops no one typing over a Total). A value the server
must refuse, or one a colleague's change conflicts with, goes into each; after Sync the typed value is still
there, the row's status (or the sheet's summary) says why, in the workbook's language, and the database is
as it was. A column added to the layout is walked without touching this file; a table added needs a case
here, or `test_every_table_of_every_workbook_is_walked` fails.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import xlwings as xw
from sqlalchemy import select

from tests.factories import SalesBooks, hire, line, make_party, press_sync

from server.finance.models import Payment
from server.parties.models import Counterparty
from server.sales.models import Invoice
from workbook import clients, engine, payroll, sales_book
from workbook.build import build
from workbook.layout import (BOOKS, CLIENTS, CLIENTS_BOOK, FIRST_ROW, IMPORTS, PAYMENTS, PAYROLL_BOOK,
                             PAYROLL_FIRST_ROW, PAYROLL_HEADER_ROW, PAYROLL_RUN, PAYSLIPS, RECEIVABLES, SALES,
                             SALES_BOOK, TIMESHEET, UNITS, BILLS, EMPLOYEES, Column, Grid, Table)
from workbook.sync import text

# The script each workbook's language is written in: a status in it is in the workbook's language.
SCRIPT = {"ru": re.compile("[А-Яа-яЁё]"), "km": re.compile("[\u1780-\u17ff]"), "en": re.compile("[A-Za-z]")}
# The tables each test below walks, by workbook.
WALKED = {"clients": {"Clients", "Imports"}, "sales_book": {"Sales", "Bills", "Payments", "Receivables"},
          "payroll": {"PayrollRun", "Timesheet", "Units", "Payslips", "Employees"}}


def typeable(table: Table | Grid) -> list[Column]:
    """The columns a person can type into: all but Sync's own status column and the hidden ones."""
    columns = table.columns if isinstance(table, Table) else (*table.left, *table.right)
    return [c for c in columns if c.key != "status" and c.kind != "hidden"]


def other(column: Column, current: Any) -> Any:
    """A value of the column's kind that differs from what the cell holds."""
    if column.kind == "date" or isinstance(current, (dt.date, dt.datetime)):
        return dt.datetime(2025, 1, 2)
    if column.kind == "number" or (isinstance(current, (int, float)) and not isinstance(current, bool)):
        return float(current or 0) + 100_000.0
    if column.kind == "flag":
        return "no" if text(current) == "yes" else "yes"
    return f"typed {column.key}"


def said_in(language: str, status: Any) -> bool:
    return bool(status) and bool(SCRIPT[language].search(str(status)))


def sheet_rows(path: Path, table: Table, language: str) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path, keep_vba=True)[table.sheet_name(language)]
    return [dict(zip(table.keys, r)) for r in ws.iter_rows(min_row=FIRST_ROW, max_col=len(table.columns),
                                                           values_only=True) if any(v is not None for v in r)]


def type_cells(path: Path, sheet_name: str, cells: dict[tuple[int, int], Any]) -> None:
    book = xw.Book(str(path))
    try:
        sheet = book.sheets[sheet_name]
        for at, value in cells.items():
            sheet.range(at).value = value
        book.save()
    finally:
        book.close()


def test_every_table_of_every_workbook_is_walked() -> None:
    assert {stem: {t.name for t in book.tables} for stem, book in BOOKS.items()} == WALKED


@pytest.fixture
def served_as_owner(world: Any, served: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CLIENTBASE_TOKEN", world.tokens["owner"])
    engine.activate()
    yield served


# --- clients.xlsm ----------------------------------------------------------------------------------

def test_clients_every_column_typed_over_a_colleagues_change_is_kept_with_the_reason(
        served_as_owner: str, api: Any, db: Any, tmp_path: Path) -> None:
    language = "ru"
    columns = typeable(CLIENTS)
    ids = [make_party(api, f"Client {i:02d}", "client") for i in range(len(columns))]
    path = build(CLIENTS_BOOK, tmp_path / "wb", language, served_as_owner, {})
    press_sync(path, clients.main)
    # A colleague changes every client after this workbook pulled them.
    for i, client_id in enumerate(ids):
        version = api.get(f"/api/v1/clients/{client_id}").json["version"]
        r = api.patch(f"/api/v1/clients/{client_id}", {"version": version, "notes": f"colleague {i}"})
        assert r.status_code == 200, r.get_data(as_text=True)
    before = {c: api.get(f"/api/v1/clients/{c}").json for c in ids}
    with db.read_session() as s:
        count = len(s.scalars(select(Counterparty)).all())

    rows = sheet_rows(path, CLIENTS, language)
    at = {r["id"]: FIRST_ROW + n for n, r in enumerate(rows)}
    typed: dict[int, tuple[Column, Any]] = {}
    cells = {}
    for client_id, column in zip(ids, columns):
        current = rows[at[client_id] - FIRST_ROW][column.key]
        value = 999_999.0 if column.key == "id" else other(column, current)
        typed[client_id] = (column, value)
        cells[(at[client_id], CLIENTS.index(column.key) + 1)] = value
    type_cells(path, CLIENTS.sheet_name(language), cells)
    press_sync(path, clients.main)

    after = sheet_rows(path, CLIENTS, language)
    for client_id, (column, value) in typed.items():
        mine = [r for r in after if text(r["id"]) == text(999_999 if column.key == "id" else client_id)
                and text(r[column.key]) == text(value)]
        assert len(mine) == 1, (column.key, after)
        assert text(mine[0][column.key]) == text(value), column.key            # the typed value stays
        assert said_in(language, mine[0]["status"]), (column.key, mine[0]["status"])
    for client_id in ids:                                                      # and nothing was saved
        assert api.get(f"/api/v1/clients/{client_id}").json == before[client_id]
    with db.read_session() as s:
        assert len(s.scalars(select(Counterparty)).all()) == count


def test_clients_import_sheet_every_column_refused_keeps_the_row(served_as_owner: str, tmp_path: Path) -> None:
    language = "km"
    path = build(CLIENTS_BOOK, tmp_path / "wb", language, served_as_owner, {})
    listing = tmp_path / "wb" / "list.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Name", "Phone"])
    wb.active.append(["Angkor Foods", "012 345 678"])
    wb.save(listing)
    good = {"file": "list.xlsx", "kind": "clients", "action": "dry run"}
    bad = {"file": "nowhere.xlsx", "kind": "no such kind", "profile": "no such profile", "skip_errors": "maybe",
           "action": "frobnicate", "import_id": "abc", "counts": "typed counts", "report": "typed report"}
    cases = []
    for column in typeable(IMPORTS):
        row = dict(good)
        if column.key in ("import_id", "counts", "report"):
            row["action"] = "commit"        # these belong to an earlier dry run: commit asks for its Import ID
        row[column.key] = bad[column.key]
        cases.append((column, row))
    cells = {(FIRST_ROW + n, IMPORTS.index(k) + 1): v for n, (_c, row) in enumerate(cases) for k, v in row.items()}
    type_cells(path, IMPORTS.sheet_name(language), cells)
    press_sync(path, clients.main)
    after = sheet_rows(path, IMPORTS, language)
    assert len(after) == len(cases)
    for (column, row), shown in zip(cases, after):
        assert text(shown[column.key]) == text(row[column.key]), column.key
        assert text(shown["action"]) == text(row["action"]), column.key       # asked again next time
        assert said_in(language, shown["status"]), (column.key, shown["status"])


# --- sales_book.xlsm -------------------------------------------------------------------------------

@pytest.fixture
def sales(served_as_owner: str, db: Any, world: Any, api: Any, tmp_path: Path) -> Iterator[tuple[SalesBooks, Path]]:
    b = SalesBooks(db, world, api)
    # A posted document (sales and bills), a posted payment and a receivables row to type over per column.
    customers = [b.client] + [make_party(api, f"Customer {i}", "client") for i in range(len(typeable(RECEIVABLES)))]
    for i in range(len(typeable(SALES))):
        b.posted([line("W-1", "1", f"{10 + i}.00")], counterparty_id=customers[i % len(customers)],
                 due_date="2026-03-20")
        b.posted([line("W-1", "1", f"{5 + i}.00")], kind="bill")
    r = api.post("/api/v1/cash-accounts", {"branch_id": b.pp, "kind": "cash", "code": "CASH-PP",
                                           "name": "Cash desk PP", "currency": "USD"})
    assert r.status_code == 201, r.get_data(as_text=True)
    for i in range(len(typeable(PAYMENTS))):
        p = api.post("/api/v1/payments", {"kind": "receipt", "cash_account_id": r.json["id"], "counterparty_id": b.client,
                                          "amount": f"{i + 1}.00", "date": "2026-03-16", "memo": f"payment {i}"})
        assert p.status_code == 201, p.get_data(as_text=True)
    path = build(SALES_BOOK, tmp_path / "wb", "km", served_as_owner, {"branches": ["PP"], "cash_accounts": ["CASH-PP"]})
    press_sync(path, sales_book.main)
    yield b, path


def books(db: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every invoice and payment as stored: what must not change."""
    with db.read_session() as s:
        invoices = [(i.id, i.number, i.date, i.due_date, i.counterparty_id, i.currency, i.total, i.status, i.version)
                    for i in s.scalars(select(Invoice).order_by(Invoice.id))]
        payments = [(p.id, p.number, p.date, p.amount, p.memo, p.counterparty_id, p.status, p.version)
                    for p in s.scalars(select(Payment).order_by(Payment.id))]
    return invoices, payments


def test_sales_book_every_column_of_a_posted_row_typed_over_is_kept_with_the_reason(sales: Any, db: Any) -> None:
    _b, path = sales
    language = "km"
    stored = books(db)
    typed: dict[str, list[tuple[Column, Any, Any]]] = {}    # table → (column, typed, row key)
    for table in (SALES, BILLS, PAYMENTS, RECEIVABLES):
        rows = sheet_rows(path, table, language)
        columns = typeable(table)
        assert len(rows) >= len(columns), table.name
        cells = {}
        typed[table.name] = []
        for n, column in enumerate(columns):
            current = rows[n][column.key]
            if column.key == "print":
                value = "maybe"                       # not «print»: refused, not printed
            elif column.key == "memo":
                value = "m" * 2001                    # the one field a posted payment changes, too long to take
            else:
                value = other(column, current)
            key = rows[n][table.key]
            typed[table.name].append((column, value, value if column.key == table.key else key))
            cells[(FIRST_ROW + n, table.index(column.key) + 1)] = value
        type_cells(path, table.sheet_name(language), cells)
    press_sync(path, sales_book.main)

    for table in (SALES, BILLS, PAYMENTS, RECEIVABLES):
        after = sheet_rows(path, table, language)
        for column, value, key in typed[table.name]:
            mine = [r for r in after if text(r[table.key]) == text(key) and text(r[column.key]) == text(value)]
            assert len(mine) == 1, (table.name, column.key, value)             # the typed value stays
            assert said_in(language, mine[0]["status"]), (table.name, column.key, mine[0]["status"])
    assert books(db) == stored                                                 # and nothing was saved


def test_sales_book_every_column_of_a_new_row_refused_keeps_the_row(sales: Any, db: Any) -> None:
    _b, path = sales
    language = "km"
    stored = books(db)
    valid = {SALES.name: {"date": dt.datetime(2026, 3, 15), "client": "Sokha Shop", "branch": "PP", "sku": "W-1",
                          "qty": 1.0, "unit_price": 10.0},
             PAYMENTS.name: {"kind": "receipt", "date": dt.datetime(2026, 3, 16), "client": "Sokha Shop",
                             "cash_account": "CASH-PP", "amount": 5.0}}
    valid[BILLS.name] = {**valid[SALES.name], "client": "Mekong Supply"}
    bad = {"date": "not a date", "due_date": "soon", "qty": "abc", "unit_price": "abc", "amount": "abc",
           "print": "maybe", "memo": "m" * 2001, "invoice": "INV-NOPE-1"}
    typed: dict[str, list[tuple[Column, dict[str, Any]]]] = {}
    for table in (SALES, BILLS, PAYMENTS):
        cases = []
        for column in typeable(table):
            if column.key == "id":
                continue                            # a new row has none: an ID typed is the stray case above
            row = dict(valid[table.name])
            if column.key == "ref":
                # Two rows of one document that disagree on its date: refused whole.
                row["ref"] = "R1"
                cases.append((column, {**row, "date": dt.datetime(2026, 3, 1)}))
            else:
                row[column.key] = bad.get(column.key, f"zz {column.key}")
            cases.append((column, row))
        start = len(sheet_rows(path, table, language)) + FIRST_ROW
        cells = {(start + n, table.index(k) + 1): v for n, (_c, row) in enumerate(cases) for k, v in row.items()}
        type_cells(path, table.sheet_name(language), cells)
        typed[table.name] = cases
    press_sync(path, sales_book.main)

    for table in (SALES, BILLS, PAYMENTS):
        after = [r for r in sheet_rows(path, table, language) if r["id"] is None]
        assert len(after) == len(typed[table.name]), (table.name, [c.key for c, _r in typed[table.name]],
                                                      [(r["sku"], r["date"], r["status"]) for r in after])
        for (column, row), shown in zip(typed[table.name], after):
            for key, value in row.items():
                assert text(shown[key]) == text(value), (table.name, column.key, key)
            assert said_in(language, shown["status"]), (table.name, column.key, shown["status"])
    assert books(db) == stored


# --- payroll.xlsm ----------------------------------------------------------------------------------

def test_payroll_every_cell_typed_over_is_kept_with_the_reason(served_as_owner: str, api: Any, world: Any,
                                                                tmp_path: Path) -> None:
    language = "ru"
    for i in range(len(typeable(EMPLOYEES)) + 2):
        hire(api, world, f"Employee {i:02d}", salary="1000.00", hired_on="2026-01-05")
    path = build(PAYROLL_BOOK, tmp_path / "wb", language, served_as_owner, {"branches": ["MOW", "PP", "SR"]})
    run_sheet = PAYROLL_RUN.sheet_name(language)
    type_cells(path, run_sheet, {PAYROLL_RUN.field("period").value_cell: "2026-04",
                                 PAYROLL_RUN.field("branch").value_cell: "PP",
                                 PAYROLL_RUN.field("action").value_cell: "calculate"})
    press_sync(path, payroll.main)
    paths = ("/api/v1/employees?status=all", "/api/v1/payroll-runs",
             f"/api/v1/timesheets?period=2026-04&branch_id={world.branches['PP']}")
    stored = {p: api.get(p).json for p in paths}
    wb = openpyxl.load_workbook(path)
    expected: list[tuple[Table | Grid, int, Any]] = []     # (sheet, column, typed): looked for in that column
    cells: dict[str, dict[tuple[int, int], Any]] = {}

    def type_over(grid: Table | Grid, at: tuple[int, int], value: Any) -> None:
        cells.setdefault(grid.sheet_name(language), {})[at] = value
        expected.append((grid, at[1], value))

    # The top cells Sync writes (the run's figures, the period and norms the other sheets show).
    for grid in (PAYROLL_RUN, TIMESHEET, UNITS):
        ws = wb[grid.sheet_name(language)]
        for f in grid.fields:
            if f.kind == "readonly" and f.key != "action_status" or grid is not PAYROLL_RUN:
                type_over(grid, f.value_cell, other(Column(f.key, ("", "", "")), ws.cell(*f.value_cell).value))
    # The grids: a row per column (the run's pay-line columns too), and a day typed as no day is written.
    for grid in (PAYROLL_RUN, TIMESHEET, UNITS):
        ws = wb[grid.sheet_name(language)]
        columns = [grid.column(c.key) for c in typeable(grid)]
        if grid is PAYROLL_RUN:
            pay = [c for c in range(len(grid.left) + 1, ws.max_column + 1) if ws.cell(PAYROLL_HEADER_ROW, c).value]
            assert pay, "the run has pay-line columns"
            columns += pay
        else:
            columns.append(grid.first_day_column)
        assert ws.max_row - PAYROLL_FIRST_ROW + 1 >= len(columns), grid.name
        for n, col in enumerate(columns):
            at = (PAYROLL_FIRST_ROW + n, col)
            if grid is not PAYROLL_RUN and col == grid.first_day_column:
                value = "QQ" if grid is TIMESHEET else "abc"
            else:
                value = other(Column("x", ("", "", "")), ws.cell(*at).value)
            type_over(grid, at, value)
    # The read-only tables: a row per column.
    for table in (PAYSLIPS, EMPLOYEES):
        rows = sheet_rows(path, table, language)
        assert len(rows) >= len(typeable(table)), table.name
        for n, column in enumerate(typeable(table)):
            type_over(table, (FIRST_ROW + n, table.index(column.key) + 1), other(column, rows[n][column.key]))
    for name, typed in cells.items():
        type_cells(path, name, typed)
    press_sync(path, payroll.main)
    check(path, language, expected)

    # The Payroll sheet's own choices, refused: a month that is none, a branch that is none, an action that is none.
    expected = []
    cells = {}
    for key, value in (("period", "2026-13"), ("branch", "XX"), ("action", "frobnicate")):
        type_over(PAYROLL_RUN, PAYROLL_RUN.field(key).value_cell, value)
    type_cells(path, run_sheet, cells[run_sheet])
    press_sync(path, payroll.main)
    check(path, language, expected)
    status = openpyxl.load_workbook(path)[run_sheet].cell(*PAYROLL_RUN.field("action_status").value_cell).value
    assert said_in(language, status) and "frobnicate" in status
    for p, before in stored.items():
        assert api.get(p).json == before, p                                    # nothing was saved


def check(path: Path, language: str, expected: list[tuple[Table | Grid, int, Any]]) -> None:
    """Each typed value is still in its column, and where it is the row's status (or the sheet's summary) says
    why in the workbook's language."""
    wb = openpyxl.load_workbook(path)
    for grid, col, value in expected:
        ws = wb[grid.sheet_name(language)]
        found = [r for r in range(1, ws.max_row + 1) if text(ws.cell(r, col).value) == text(value)]
        assert found, (grid.name, col, value)                                   # the typed value stays
        row = found[0]
        if isinstance(grid, Table):
            status = ws.cell(row, grid.index("status") + 1).value
        elif row >= PAYROLL_FIRST_ROW and grid is not PAYROLL_RUN:
            status = ws.cell(row, grid.column("status")).value
        elif grid is PAYROLL_RUN and (row, col) == PAYROLL_RUN.field("action").value_cell:
            status = ws.cell(*PAYROLL_RUN.field("action_status").value_cell).value
        else:
            status = ws["A2"].value                   # the Payroll sheet and the top cells: the summary says it
            assert text(value) in status, (grid.name, value, status)
        assert said_in(language, status), (grid.name, col, value, status)
