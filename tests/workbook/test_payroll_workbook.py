"""payroll.xlsm used as an accountant would: a month's timesheet typed in, the run calculated, approved and
posted from the Action cell, refusals kept as typed; synced headless against a served server.

The company of the `world` fixture is in Cambodia and keeps its books in USD. April 2026 there has 19
working days (Khmer New Year takes Tue 14 – Thu 16) and 152 norm hours.
"""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import xlwings as xw

from tests.factories import calc_pdf_text, hire, press_sync

from workbook import engine, payroll
from workbook.build import build, vba_project
from workbook.layout import (EMPLOYEES, FIRST_ROW, PAYROLL_BOOK, PAYROLL_FIRST_ROW, PAYROLL_HEADER_ROW, PAYROLL_RUN,
                             PAYSLIPS, TIMESHEET, UNITS, Grid, Table)


D = Decimal


@pytest.fixture
def staff(api: Any, world: Any, served: str, monkeypatch: pytest.MonkeyPatch,
          tmp_path: Path) -> Iterator[tuple[Path, dict[str, dict[str, Any]]]]:
    monkeypatch.setenv("CLIENTBASE_TOKEN", world.tokens["owner"])
    people = {
        "dara": hire(api, world, "Chan Dara", salary="1520.00", hired_on="2026-01-05"),
        "vanna": hire(api, world, "Sok Vanna", hourly_rate="5.00", piece_rate="0.50", hired_on="2026-01-05"),
        "sothea": hire(api, world, "Keo Sothea", salary="1200.00", hired_on="2026-04-20"),
        "srey": hire(api, world, "Srey Mom", salary="900.00", hired_on="2026-01-05", branch="SR"),
    }
    path = build(PAYROLL_BOOK, tmp_path / "wb", "en", served, {"branches": ["MOW", "PP", "SR"]})
    engine.activate()
    yield path, people


def sync(path: Path) -> None:
    press_sync(path, payroll.main)


def type_cells(path: Path, grid: Grid, cells: dict[tuple[int, int], Any]) -> None:
    """Type into the sheet as a person would, then save (Excel's Sync saves the open book the same way)."""
    book = xw.Book(str(path))
    sheet = book.sheets[grid.sheet_name("en")]
    for at, value in cells.items():
        sheet.range(at).value = value
    book.save()
    book.close()


def field(grid: Grid, key: str) -> tuple[int, int]:
    return grid.field(key).value_cell


def day(path: Path, grid: Grid, who: str, n: int) -> tuple[int, int]:
    """The cell of day `n` in the row of the employee whose name starts with `who`."""
    ws = openpyxl.load_workbook(path)[grid.sheet_name("en")]
    row = next(r for r in range(PAYROLL_FIRST_ROW, ws.max_row + 1)
               if str(ws.cell(r, grid.column("full_name")).value or "").startswith(who))
    return (row, grid.first_day_column + n - 1)


def grid_rows(path: Path, grid: Grid) -> dict[str, dict[str, Any]]:
    """Each row by employee name: the fixed columns by key, the days as a list (day 1 first)."""
    ws = openpyxl.load_workbook(path)[grid.sheet_name("en")]
    out = {}
    for cells in ws.iter_rows(min_row=PAYROLL_FIRST_ROW, max_col=grid.width, values_only=True):
        if not any(v is not None for v in cells):
            continue
        row = {c.key: cells[grid.column(c.key) - 1] for c in (*grid.left, *grid.right)}
        row["days"] = list(cells[grid.first_day_column - 1:grid.first_day_column - 1 + grid.days])
        out[row["full_name"]] = row
    return out


def table_rows(path: Path, table: Table) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[table.sheet_name("en")]
    return [dict(zip(table.keys, r)) for r in ws.iter_rows(min_row=FIRST_ROW, max_col=len(table.columns),
                                                           values_only=True) if any(v is not None for v in r)]


def cell(path: Path, grid: Grid, key: str) -> Any:
    return openpyxl.load_workbook(path)[grid.sheet_name("en")].cell(*field(grid, key)).value


def run_register(path: Path) -> dict[str, dict[str, Decimal]]:
    """The run sheet as employee name → column label → amount (as Decimal, from the float Excel holds)."""
    ws = openpyxl.load_workbook(path)[PAYROLL_RUN.sheet_name("en")]
    header = [c.value for c in ws[PAYROLL_HEADER_ROW]]
    out = {}
    for cells in ws.iter_rows(min_row=PAYROLL_FIRST_ROW, values_only=True):
        if cells[0] is None:
            continue
        out[cells[2]] = {label: D(repr(v)) for label, v in zip(header[5:], cells[5:]) if label}
    return out


def server_days(api: Any, world: Any, employee: dict[str, Any]) -> dict[int, tuple[str, Decimal, Decimal, Decimal]]:
    sheet = api.get("/api/v1/timesheets", query_string={"period": "2026-04", "employee_id": employee["id"]}).json
    (row,) = sheet["employees"]
    return {int(d["date"][-2:]): (d["code"], D(d["hours"]), D(d["overtime_hours"]), D(d["units"])) for d in row["days"]}


def test_a_month_from_timesheet_to_posted_run(staff: Any, api: Any, world: Any, unchanged: Any) -> None:
    path, people = staff
    dara, vanna, sothea = people["dara"], people["vanna"], people["sothea"]
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "period"): "2026-04", field(PAYROLL_RUN, "branch"): "PP"})
    sync(path)

    # Everyone employed in the company is on the Employees sheet; the Phnom Penh timesheet has its three.
    employees = {r["full_name"]: r for r in table_rows(path, EMPLOYEES)}
    assert set(employees) == {"Chan Dara", "Sok Vanna", "Keo Sothea", "Srey Mom"}
    assert (employees["Sok Vanna"]["hourly_rate"], employees["Srey Mom"]["branch"]) == (5.0, "SR")
    assert employees["Srey Mom"]["employee_status"] == "active"
    assert employees["Keo Sothea"]["hired_on"] == dt.datetime(2026, 4, 20)
    sheet = grid_rows(path, TIMESHEET)
    assert list(sheet) == ["Chan Dara", "Sok Vanna", "Keo Sothea"]
    assert sheet["Chan Dara"]["days"][:5] == ["8", "8", "8", "H", "H"] and sheet["Chan Dara"]["days"][13] == "H"
    assert sheet["Chan Dara"]["days"][30] is None                                  # April has 30 days
    assert sheet["Keo Sothea"]["days"][18:20] == [None, "8"]                        # hired on the 20th
    assert (sheet["Chan Dara"]["worked_days"], sheet["Chan Dara"]["worked_hours"]) == (19, 152.0)
    ts = openpyxl.load_workbook(path)[TIMESHEET.sheet_name("en")]
    assert ts.cell(PAYROLL_HEADER_ROW, TIMESHEET.first_day_column + 13).value == "14"
    assert ts.cell(PAYROLL_HEADER_ROW - 1, TIMESHEET.first_day_column + 13).value == "Tu H"
    assert (cell(path, TIMESHEET, "period"), cell(path, TIMESHEET, "norm_days")) == ("2026-04", 19)
    assert cell(path, PAYROLL_RUN, "run_status").startswith("no run yet")

    # An absence, overtime and pieces made: only these days go to the server.
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Sok", 1): "8+2", day(path, TIMESHEET, "Sok", 6): "a",
                                 day(path, TIMESHEET, "Chan", 7): "8+3"})
    type_cells(path, UNITS, {day(path, UNITS, "Sok", 2): 40.0, day(path, UNITS, "Sok", 3): "100"})
    sync(path)
    got = server_days(api, world, vanna)
    assert got[1] == ("W", D(8), D(2), D(0)) and got[6] == ("A", D(0), D(0), D(0))
    assert got[2] == ("W", D(8), D(0), D(40)) and got[3][3] == D(100)
    assert server_days(api, world, dara)[7] == ("W", D(8), D(3), D(0))
    sheet = grid_rows(path, TIMESHEET)
    assert sheet["Sok Vanna"]["days"][:6] == ["8+2", "8", "8", "H", "H", "A"]
    assert sheet["Sok Vanna"]["status"] is None and sheet["Sok Vanna"]["overtime_hours"] == 2.0
    assert grid_rows(path, UNITS)["Sok Vanna"]["units"] == 140.0

    # Bad cells: the whole batch is refused, every typed cell stays, each row says which day and why.
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Chan", 8): 25.0, day(path, TIMESHEET, "Sok", 9): "X",
                                 day(path, TIMESHEET, "Keo", 21): "7,5"})
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "action"): "calculate"})
    with unchanged():
        sync(path)
    sheet = grid_rows(path, TIMESHEET)
    assert sheet["Chan Dara"]["status"] == "Not saved: day 8, hours: Must be at most 24."
    assert sheet["Sok Vanna"]["status"] == "Not saved: day 9, code: Must be one of: W, V, S, B, U, A or H."
    assert sheet["Keo Sothea"]["status"].startswith("Not saved: the timesheet is saved whole")
    assert (sheet["Chan Dara"]["days"][7], sheet["Sok Vanna"]["days"][8], sheet["Keo Sothea"]["days"][20]) == \
        (25, "X", "7,5")
    assert sheet["Sok Vanna"]["days"][0] == "8+2"                                  # saved days still shown
    assert cell(path, PAYROLL_RUN, "action") == "calculate"
    assert cell(path, PAYROLL_RUN, "action_status").startswith("Not done: the timesheet was not saved")
    # Not the notation at all: refused here, before anything is sent.
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Chan", 8): "8h"})
    with unchanged():
        sync(path)
    assert grid_rows(path, TIMESHEET)["Chan Dara"]["status"].startswith("Not saved: day 8: «8h» is not a day")

    # Fixed: the held day is saved. Approving a run never calculated: opened as a draft, and refused.
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Chan", 8): "8", day(path, TIMESHEET, "Sok", 9): "8"})
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "action"): "approve"})
    sync(path)
    assert server_days(api, world, sothea)[21] == ("W", D("7.5"), D(0), D(0))
    assert grid_rows(path, TIMESHEET)["Keo Sothea"]["days"][20] == "7.5"
    assert all(r["status"] is None for r in grid_rows(path, TIMESHEET).values())
    number = cell(path, PAYROLL_RUN, "run")
    assert number.startswith("PR-PP-2026-") and cell(path, PAYROLL_RUN, "run_status") == "draft"
    assert cell(path, PAYROLL_RUN, "action") == "approve"
    run_id = next(r["id"] for r in api.get("/api/v1/payroll-runs").json["items"] if r["number"] == number)
    assert cell(path, PAYROLL_RUN, "action_status") == (
        f"Not done: payroll_run {run_id} is draft: approve is not allowed; the moves allowed from draft: calculate.")

    # A day emptied goes back to the calendar; calculate (in Russian here) runs after the timesheet is in.
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Keo", 21): None})
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "action"): "рассчитать"})
    sync(path)
    assert server_days(api, world, sothea)[21] == ("W", D(8), D(0), D(0))
    assert cell(path, PAYROLL_RUN, "action") is None
    assert cell(path, PAYROLL_RUN, "action_status") == f"Done: рассчитать. Run {number} is calculated."
    register = run_register(path)
    # Vanna: 18 days × 8 h × 5.00 = 720.00; 2 h overtime × 5.00 × 1.5 = 15.00; 140 units × 0.50 = 70.00.
    # Dara: a salaried hour is 1,520 / 152 = 10.00; 3 h × 10.00 × 1.5 = 45.00. Sothea: 1,200 × 9/19 = 568.42.
    assert register["Sok Vanna"] == {"Salary": 0, "Hourly pay": D("720.00"), "Overtime": D("15.00"),
                                     "Piece work": D("70.00"), "Gross": D("805.00"), "Deductions": 0,
                                     "Net": D("805.00"), "Contributions": 0}
    assert (register["Chan Dara"]["Salary"], register["Chan Dara"]["Overtime"], register["Chan Dara"]["Net"]) == \
        (D("1520.00"), D("45.00"), D("1565.00"))
    assert register["Keo Sothea"]["Salary"] == D("568.42")
    assert (D(repr(cell(path, PAYROLL_RUN, "gross"))), cell(path, PAYROLL_RUN, "employees")) == (D("2938.42"), 3)
    slips = {r["full_name"]: r for r in table_rows(path, PAYSLIPS)}
    assert (slips["Sok Vanna"]["run"], slips["Sok Vanna"]["run_status"], slips["Sok Vanna"]["net"],
            slips["Sok Vanna"]["paid"]) == (number, "calculated", 805.0, "no")

    # Recalculated by a colleague since this workbook showed the run: not approved unseen. The refusal
    # pulled the run afresh, so approving again approves what is now shown.
    run = api.get("/api/v1/payroll-runs", query_string={"period": "2026-04"}).json["items"][0]
    r = api.post(f"/api/v1/payroll-runs/{run['id']}/calculate", {"version": run["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "action"): "approve"})
    sync(path)
    assert cell(path, PAYROLL_RUN, "run_status") == "calculated"
    assert cell(path, PAYROLL_RUN, "action_status").startswith("Not done: The record was changed by someone else")
    sync(path)
    assert cell(path, PAYROLL_RUN, "run_status") == "approved"
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "action"): "post"})
    sync(path)
    assert cell(path, PAYROLL_RUN, "run_status") == "posted"
    assert {r["run_status"] for r in table_rows(path, PAYSLIPS)} == {"posted"}
    assert grid_rows(path, TIMESHEET)["Chan Dara"]["status"] == f"Posted in run {number}: read-only."

    # The month is posted: a changed day is refused and kept; an unknown action is kept with the reason.
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Chan", 2): "A"})
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "action"): "frobnicate"})
    with unchanged():
        sync(path)
    dara_row = grid_rows(path, TIMESHEET)["Chan Dara"]
    assert dara_row["days"][1] == "A"
    assert dara_row["status"] == (f"Not saved: day 2: The payroll of 2026-04 is posted (run {number}); correct it "
                                  "with an adjustment run.")
    assert server_days(api, world, dara)[2] == ("W", D(8), D(0), D(0))
    assert cell(path, PAYROLL_RUN, "action") == "frobnicate"
    assert cell(path, PAYROLL_RUN, "action_status").startswith("Not done: «frobnicate» is not an action")

    # On to May: the run sheet follows at once, the timesheet only once its refused day is put back.
    type_cells(path, PAYROLL_RUN, {field(PAYROLL_RUN, "period"): "2026-05", field(PAYROLL_RUN, "action"): None})
    sync(path)
    assert cell(path, PAYROLL_RUN, "run") is None and cell(path, TIMESHEET, "period") == "2026-04"
    summary = openpyxl.load_workbook(path)[TIMESHEET.sheet_name("en")]["A2"].value
    assert summary.endswith("The timesheet stays on 2026-04 until its refused days are fixed.")
    type_cells(path, TIMESHEET, {day(path, TIMESHEET, "Chan", 2): "8"})
    sync(path)
    sheet = grid_rows(path, TIMESHEET)
    assert cell(path, TIMESHEET, "period") == "2026-05" and sheet["Chan Dara"]["status"] is None
    # Friday 1 May is Labour Day, then a weekend; May has a 31st (a Sunday).
    assert (sheet["Chan Dara"]["days"][:4], sheet["Chan Dara"]["days"][30]) == (["H", "H", "H", "8"], "H")


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_in_russian_refusals_are_russian_and_the_book_opens_in_libreoffice(staff: Any, served: str,
                                                                           tmp_path: Path) -> None:
    _path, _people = staff
    path = build(PAYROLL_BOOK, tmp_path / "ru", "ru", served, {"branches": ["MOW", "PP", "SR"]})
    book = xw.Book(str(path))
    book.sheets["Зарплата"].range(field(PAYROLL_RUN, "period")).value = "2026-4"
    book.sheets["Зарплата"].range(field(PAYROLL_RUN, "branch")).value = "pp"
    book.save()
    book.close()
    sync(path)
    book = xw.Book(str(path))
    at = (PAYROLL_FIRST_ROW, TIMESHEET.first_day_column + 2)
    book.sheets["Табель"].range(at).value = "8ч"
    book.save()
    book.close()
    sync(path)
    wb = openpyxl.load_workbook(path)
    run, sheet = wb["Зарплата"], wb["Табель"]
    assert (run.cell(*field(PAYROLL_RUN, "period")).value, run.cell(*field(PAYROLL_RUN, "branch")).value) == \
        ("2026-04", "PP")
    assert run.cell(*field(PAYROLL_RUN, "run_status")).value == "ведомости нет: впишите «рассчитать» в «Действие»"
    assert sheet.cell(*at).value == "8ч"
    assert sheet.cell(PAYROLL_FIRST_ROW, TIMESHEET.column("status")).value.startswith(
        "Не сохранено: день 3: «8ч» — не день")
    assert sheet.cell(2, 1).value.startswith("Синхронизировано") and "отклонено 1" in sheet.cell(2, 1).value
    assert sheet.cell(PAYROLL_HEADER_ROW - 1, TIMESHEET.first_day_column + 13).value == "Вт H"

    text = calc_pdf_text(path, tmp_path)
    assert "Chan Dara" in text and "табель учёта времени" in text and "Не сохранено: день 3" in text


def test_the_day_notation() -> None:
    read = payroll.read_day
    assert read("8", "en") == payroll.Day("W", D(8)) and read(8.0, "en") == payroll.Day("W", D(8))
    assert read("7,5+1.5", "en") == payroll.Day("W", D("7.5"), D("1.5")) and read(" w8 ", "en") == read("8", "en")
    assert read("b", "en") == payroll.Day("B") and read("B8", "en") == payroll.Day("B", D(8))
    assert read("H+4", "en") == payroll.Day("H", D(0), D(4)) and read(None, "en") is None
    for wrong in ("8h", "OT", "8++2", "-1", "W"):
        with pytest.raises(payroll.BadCell):
            read(wrong, "ru")
    for shown in ({"code": "W", "hours": "8.00", "overtime_hours": "0"},
                  {"code": "W", "hours": "7.50", "overtime_hours": "2"},
                  {"code": "B", "hours": "0", "overtime_hours": "0"},
                  {"code": "H", "hours": "0", "overtime_hours": "4"}):
        text = payroll.show_day(shown)
        assert read(text, "en") == payroll.Day(shown["code"], D(shown["hours"]), D(shown["overtime_hours"])), text
    assert payroll.show_day({"code": "W", "hours": "7.50", "overtime_hours": "2.00"}) == "7.5+2"


# oletools calls pyparsing's old names on import; nothing of ours.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:oletools.*")
def test_the_cli_builds_payroll_in_khmer_with_its_button(database_url: str, world: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from click.testing import CliRunner
    from oletools.olevba import VBA_Parser

    from clientbase.cli import main

    for key in list(os.environ):
        if key.startswith("CLIENTBASE_"):
            monkeypatch.delenv(key)
    env = {"CLIENTBASE_DATABASE_URL": database_url, "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance")}
    out = tmp_path / "wb"
    result = CliRunner().invoke(main, ["workbooks", "build", "--out", str(out), "--language", "km"], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    path = out / "payroll.xlsm"
    assert (out / "payroll.py").read_text().strip().endswith("from workbook.payroll import main  # noqa: F401")
    wb = openpyxl.load_workbook(path, keep_vba=True)
    assert wb.sheetnames[:5] == ["ប្រាក់បៀវត្សរ៍", "តារាងម៉ោងធ្វើការ", "ចំនួនផលិតផល", "បង្កាន់ដៃប្រាក់ខែ", "បុគ្គលិក"]
    run = wb["ប្រាក់បៀវត្សរ៍"]
    action = PAYROLL_RUN.field("action")
    assert run.cell(action.row, action.column).value == "សកម្មភាព"
    assert run.cell(*field(PAYROLL_RUN, "period")).number_format == "@"   # "2026-04" stays text in Excel
    lists = wb["_lists"]
    header = [c.value for c in lists[1]]
    col = header.index("run_actions") + 1
    assert [lists.cell(r, col).value for r in range(2, 6)] == ["គណនា", "អនុម័ត", "បើកឡើងវិញ", "កត់ត្រា"]
    assert lists.cell(2, header.index("branches") + 1).value == "MOW"
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == vba_project()
        vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml"))
        assert vml.count(b"[0]!SampleCall") == 5 and "ធ្វើសមកាលកម្ម".encode() in vml   # one on each sheet
    parser = VBA_Parser(str(path))
    try:
        assert "Sub SampleCall" in "\n".join(source for *_x, source in parser.extract_macros())
    finally:
        parser.close()
