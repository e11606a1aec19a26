"""Timesheets from files: a grid of days or a row per employee-day, in any of the three languages, all or nothing.

Each file is built here as people send them (a title above the header, a Russian header, a cp1251 CSV, real date
cells) and imported; the server's own timesheet then shows exactly the days the file said, from source "import".
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from server.payroll.timesheet_import import service as timesheet_import
from server.payroll.timesheet_import.service import Staff, parse
from tests.factories import RUNS, Cli, calculated, cli_init, hire, open_run, png, problem, put_days, step, zip_bomb_xlsx

D = Decimal
IMPORT = "/api/v1/timesheets/import"
APRIL = "2026-04"


def xlsx(rows: list[list[Any]], sheet: str = "Sheet1") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def send(api: Any, content: bytes, filename: str = "timesheet.xlsx", period: str = APRIL, **extra: Any) -> Any:
    return api.post(IMPORT, {"period": period, "filename": filename, "file": base64.b64encode(content).decode(),
                             **extra})


def imported(api: Any, content: bytes, filename: str = "timesheet.xlsx", **extra: Any) -> dict[str, Any]:
    r = send(api, content, filename, **extra)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def days_of(api: Any, employee: dict[str, Any], period: str = APRIL) -> dict[str, tuple[Any, ...]]:
    """date → (code, hours, overtime, units, source) of one employee's timesheet as the server shows it."""
    sheet = api.get("/api/v1/timesheets", query_string={"period": period, "employee_id": employee["id"]}).json
    (row,) = sheet["employees"]
    return {d["date"]: (d["code"], D(d["hours"]), D(d["overtime_hours"]), D(d["units"]), d["source"])
            for d in row["days"]}


def from_import(days: dict[str, tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {date: d[:4] for date, d in days.items() if d[4] == "import"}


def grid(rows: list[list[Any]]) -> bytes:
    """A grid as an accountant keeps it: a title, a blank line, a Russian header with days 1–10 (some typed as
    text) and 31, which April has not."""
    header = ["Таб. №", "ФИО", 1, 2, "3", "4", 5, 6, 7, 8, 9, "10", "31", "Итого часов"]
    return xlsx([["Табель учёта рабочего времени за апрель 2026 г."], [], header, *rows], sheet="Табель")


def test_a_grid_with_a_title_and_a_russian_header_becomes_the_timesheet(api: Any, world: Any) -> None:
    dara = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    mealea = hire(api, world, "Sok Mealea", salary="800.00", hired_on="2026-03-01")
    put_days(api, [{"employee_id": dara["id"], "date": "2026-04-09", "code": "A"},
                   {"employee_id": dara["id"], "date": "2026-04-10", "code": "S"}])
    content = grid([
        [dara["number"], "Chan Dara", "8", "8+2", "7,5", "H+4", None, "V", "B8", "W8", "-", None, None, 53.5],
        [None, "  sok   MEALEA ", 8, "s", None, None, None, None, None, None, None, None, None, 8],
        [None, None, None, None, None, None, None, None, None, None, None, None, None, None],   # a blank row
    ])
    out = imported(api, content)
    assert out == {"layout": "grid", "sheet": "Табель", "days": 10, "employees": 2, "saved": 9, "cleared": 1,
                   "dry_run": False, "errors": []}
    days = days_of(api, dara)
    assert from_import(days) == {
        "2026-04-01": ("W", D(8), D(0), D(0)), "2026-04-02": ("W", D(8), D(2), D(0)),
        "2026-04-03": ("W", D("7.5"), D(0), D(0)), "2026-04-04": ("H", D(0), D(4), D(0)),
        "2026-04-06": ("V", D(0), D(0), D(0)), "2026-04-07": ("B", D(8), D(0), D(0)),
        "2026-04-08": ("W", D(8), D(0), D(0)),
    }
    # "-" cleared the 9th back to the calendar; the blank 10th is left as it was entered (a file is no snapshot).
    assert days["2026-04-09"][4] != "manual" and days["2026-04-09"][0] == "W"
    assert days["2026-04-10"] == ("S", D(0), D(0), D(0), "manual")
    assert from_import(days_of(api, mealea)) == {"2026-04-01": ("W", D(8), D(0), D(0)),
                                                 "2026-04-02": ("S", D(0), D(0), D(0))}
    # The same file again changes nothing: no day is saved twice.
    assert imported(api, content)["saved"] == 0


def test_a_cp1251_csv_with_a_row_per_day(api: Any, world: Any) -> None:
    ivan = hire(api, world, "Иванов Иван Иванович", salary="90000.00", hired_on="2026-03-01", branch="MOW")
    olga = hire(api, world, "Петрова Ольга Сергеевна", salary="80000.00", hired_on="2026-03-01", branch="MOW")
    csv = ("Табель учёта рабочего времени (выгрузка из СКУД), апрель 2026\r\n"
           "Табельный номер;Сотрудник;Дата;Код;Часы;Сверхурочные;Выработка\r\n"
           f"{ivan['number']};Иванов Иван Иванович;01.04.2026;;8;1;12\r\n"
           f"{ivan['number']};Иванов Иван Иванович;2026-04-02;V;;;\r\n"
           f"{ivan['number']};Иванов Иван Иванович;03.04.2026;;;;5,5\r\n"
           ";Петрова Ольга Сергеевна;01.04.2026;b;7,5;;\r\n"
           ";Петрова Ольга Сергеевна;02.04.2026;;;;\r\n")      # nothing said: left as it is
    out = imported(api, csv.encode("cp1251"), "скуд.csv", branch_id=world.branches["MOW"])
    assert (out["layout"], out["days"], out["employees"], out["saved"]) == ("long", 4, 2, 4)
    assert from_import(days_of(api, ivan)) == {"2026-04-01": ("W", D(8), D(1), D(12)),
                                               "2026-04-02": ("V", D(0), D(0), D(0)),
                                               "2026-04-03": ("W", D(8), D(0), D("5.5"))}
    assert from_import(days_of(api, olga)) == {"2026-04-01": ("B", D("7.5"), D(0), D(0))}


def test_an_xlsx_with_a_row_per_day_and_real_date_cells(api: Any, world: Any) -> None:
    dara = hire(api, world, "Chan Dara", hourly_rate="5.00", hired_on="2026-03-01")
    put_days(api, [{"employee_id": dara["id"], "date": "2026-04-03", "code": "A"}])
    content = xlsx([["Name", "Date", "Code", "Hours", "Overtime", "Units"],
                    ["Chan Dara", dt.date(2026, 4, 1), "W", 8, 2, None],
                    ["Chan Dara", dt.datetime(2026, 4, 2, 8, 30), None, 7.5, None, 40],
                    ["Chan Dara", dt.date(2026, 4, 3), "clear", None, None, None],
                    ["Chan Dara", dt.date(2026, 4, 6), "s", None, None, None]])
    out = imported(api, content, "clock.xlsx")
    assert (out["layout"], out["days"], out["saved"], out["cleared"]) == ("long", 4, 3, 1)
    days = days_of(api, dara)
    assert from_import(days) == {"2026-04-01": ("W", D(8), D(2), D(0)), "2026-04-02": ("W", D("7.5"), D(0), D(40)),
                                 "2026-04-06": ("S", D(0), D(0), D(0))}
    assert days["2026-04-03"][4] not in ("manual", "import")


def test_an_import_sends_a_calculated_run_back_to_draft(api: Any, world: Any) -> None:
    dara = hire(api, world, "Chan Dara", salary="1900.00", hired_on="2026-03-01")
    run = calculated(api, world)
    imported(api, grid([[dara["number"], None, "A", None, None, None, None, None, None, None, None, None]]))
    fresh = api.get(f"{RUNS}/{run['id']}").json
    assert fresh["status"] == "draft" and fresh["version"] > run["version"]


def test_a_dry_run_answers_what_would_happen_and_writes_nothing(api: Any, world: Any, unchanged: Any) -> None:
    dara = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    good = grid([[dara["number"], None, "8", "8+2", "V"]])
    bad = grid([[dara["number"], None, "8h", "8", "V"], ["E99999", None, "8", "zz"]])
    hr = api.as_(world.tokens["hr"])
    with unchanged():
        assert imported(hr, good, dry_run=True) == {"layout": "grid", "sheet": "Табель", "days": 3, "employees": 1,
                                                    "saved": 3, "cleared": 0, "dry_run": True, "errors": []}
        out = imported(hr, bad, dry_run=True)
        assert (out["saved"], out["dry_run"]) == (0, True)
        assert [(e["field"], e["code"]) for e in out["errors"]] == [
            ("rows.4.C", "timesheet_import_bad_day"), ("rows.5.A", "timesheet_import_unknown_number"),
            ("rows.5.D", "timesheet_import_bad_day")]
        assert "«8h»" in out["errors"][0]["message"] and "E99999" in out["errors"][1]["message"]
    assert len(from_import(days_of(api, dara))) == 0


def test_bad_files_are_refused_naming_the_cell_and_the_reason(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    dara = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    march = step(api, step(api, step(api, open_run(api, world, "2026-03"), "calculate"), "approve"), "post")
    assert march["status"] == "posted"
    n = dara["number"]
    long_header = ["No.", "Date", "Hours"]
    cases: list[tuple[bytes, str, dict[str, str], str]] = [
        (grid([["E00042", None, "8"]]), APRIL, {"rows.4.A": "timesheet_import_unknown_number"}, "E00042"),
        (grid([[n, None, "8", "8h"]]), APRIL, {"rows.4.D": "timesheet_import_bad_day"}, "«8h»"),
        (grid([[n, None, "W"]]), APRIL, {"rows.4.C": "timesheet_import_w_hours"}, "W8"),
        (xlsx([long_header, [n, "2026-05-03", 8]]), APRIL, {"rows.2.B": "timesheet_import_outside_period"},
         "2026-05-03"),
        (xlsx([long_header, [n, "3/4/2026", 8]]), APRIL, {"rows.2.B": "timesheet_import_bad_date"}, "3/4/2026"),
        (xlsx([long_header, [n, "2026-04-03", "eight"]]), APRIL, {"rows.2.C": "timesheet_import_bad_number"}, "eight"),
        (grid([[n, None, "8", "25"]]), APRIL, {"rows.4.D": "too_large"}, "24"),
        (grid([[n, None, "8", "20+5"]]), APRIL, {"rows.4.D": "hours_exceed_day"}, "25"),
        (grid([[n, None, "X"]]), APRIL, {"rows.4.C": "invalid_choice"}, "W, V"),
        (grid([[n, None, None, None, None, None, None, None, None, None, None, None, "8"]]), APRIL,
         {"rows.4.M": "timesheet_import_no_such_day"}, "31"),
        (grid([[n, None, "8"], [n, None, None, "8"]]), APRIL, {"rows.5.A": "timesheet_import_employee_twice"}, "4"),
        (grid([[n, None, None, "8"]]), "2026-03", {"rows.4.D": "payroll_period_posted"}, march["number"]),
        (png(), APRIL, {"file": "file_type_unknown"}, "timesheet.xlsx"),
        (xlsx([]), APRIL, {"file": "file_empty"}, "empty"),
        (zip_bomb_xlsx(), APRIL, {"file": "file_bomb"}, "refused"),
        (xlsx([["Employee", "Hours"], ["Chan Dara", 8]]), APRIL, {"file": "timesheet_import_no_header"}, "Date"),
    ]
    with unchanged():
        for content, period, fields, said in cases:
            body = problem(send(api, content, period=period), 422, "timesheet_import_has_errors", fields, fields=fields)
            assert said in body["errors"][0]["message"], (fields, body["errors"])
        problem(send(api, b""), 422, "validation_failed", fields={"file": "required"})
        problem(send(api, grid([[n, None, "8"]]), branch_id=world.branches["SR"]), 422,
                "timesheet_import_has_errors", fields={"rows.4.A": "timesheet_import_unknown_number"})
        problem(send(api, grid([[n, None, "8"]]), branch_id=999999), 422, "validation_failed",
                fields={"branch_id": "unknown_reference"})
        problem(send(api.as_(world.tokens["sales"]), grid([[n, None, "8"]])), 403, "role_forbidden")
        problem(send(api.as_(world.tokens["warehouse"]), grid([[n, None, "8"]]), dry_run=True), 403, "role_forbidden")


def test_headers_in_khmer_names_that_repeat_and_columns_that_repeat() -> None:
    staff = Staff.of(dt.date(2026, 4, 1), [(1, "E00001", "Chan Dara"), (2, "E00002", "Chan Dara"),
                                           (3, "E00003", "សុខ មាលា")])
    content = xlsx([["លេខបុគ្គលិក", "ឈ្មោះ", "1", "2", "2"],
                    [None, "សុខ មាលា", "8", "V", None],
                    [None, "chan dara", "8", None, None],
                    ["e00002", "Chan Dara", "–", None, None]])
    out = parse(content, "km.xlsx", dt.date(2026, 4, 1), staff)
    assert out.layout == "grid"
    assert [(e.field, e.code) for e in out.errors] == [("rows.1.E", "timesheet_import_day_twice"),
                                                       ("rows.3.B", "timesheet_import_ambiguous_name")]
    assert out.days == [
        {"employee_id": 3, "date": "2026-04-01", "code": "W", "hours": "8", "overtime_hours": "0"},
        {"employee_id": 3, "date": "2026-04-02", "code": "V", "hours": "0", "overtime_hours": "0"},
        {"employee_id": 2, "date": "2026-04-01", "clear": True},
    ]
    assert timesheet_import.place("rows.3.B") == "B3" and timesheet_import.place("rows.7") == "row 7"


def test_the_workbook_reads_the_notation_without_starting_the_server() -> None:
    code = ("import sys, workbook.payroll as p; assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules;"
            "import server.payroll.timesheet_import.service as t; assert p.read_day is t.read_day;"
            "assert p.read_day('8+2', 'ru') == p.Day('W', 8, 2)")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_command_line_import(cli: Cli, tmp_path: Path) -> None:
    token = cli_init(cli)
    client = cli.client(token)
    branch = client.post("/api/v1/branches", json={"code": "PP", "name": "Phnom Penh", "country": "KH"}).json
    r = client.post("/api/v1/employees", json={"full_name": "Chan Dara", "branch_id": branch["id"], "salary": "900.00",
                                               "hired_on": "2026-03-01"})
    assert r.status_code == 201, r.get_data(as_text=True)
    number = r.json["number"]
    path = tmp_path / "april.xlsx"
    path.write_bytes(xlsx([["Number", "1", "2", "3"], [number, "8", "8+1", "V"]]))
    result = cli("timesheet", "import", str(path), "--period", "2026-04", "--branch", branch["code"], "--dry-run")
    assert "dry run of april.xlsx (grid, sheet Sheet1): 3 days of 1 employees for 2026-04" in result.output
    assert "3 would be saved" in result.output
    result = cli("timesheet", "import", str(path), "--period", "2026-04")
    assert "imported april.xlsx" in result.output and "3 saved, 0 cleared" in result.output
    sheet = client.get("/api/v1/timesheets", query_string={"period": "2026-04"}).json
    assert sum(d["source"] == "import" for d in sheet["employees"][0]["days"]) == 3
    path.write_bytes(xlsx([["Number", "1", "2"], [number, "8h", None], ["E404", "8", None]]))
    result = cli("timesheet", "import", str(path), "--period", "2026-04", ok=False)
    assert "B2: «8h» is not a day" in result.output and "A3: No employee with number E404" in result.output
    assert "nothing was saved" in result.output
    cli("timesheet", "import", str(path), "--period", "2026-13", ok=False)
    result = cli("timesheet", "import", str(path), "--period", "2026-04", "--branch", "NOPE", ok=False)
    assert "no branch with code 'NOPE'" in result.output


def test_the_letter_codes_of_the_russian_t13_timesheet() -> None:
    """1C and time clocks export the unified form Т-13: Я worked, ОТ leave, Б sick, К trip, НН absent, РВ a day off worked."""
    staff = Staff.of(dt.date(2026, 4, 1), [(1, "E00001", "Иванов Иван")])
    content = xlsx([["Таб. №", "ФИО", "1", "2", "3", "4", "6", "7", "8"],
                    ["E00001", "Иванов Иван", "Я8", "я/7,5", "ОТ", "РВ4", "Б", "К8", "НН"]])
    out = parse(content, "t13.xlsx", dt.date(2026, 4, 1), staff)
    assert out.errors == []
    assert [(d["date"][-2:], d["code"], d["hours"], d["overtime_hours"]) for d in out.days] == [
        ("01", "W", "8", "0"), ("02", "W", "7.5", "0"), ("03", "V", "0", "0"), ("04", "H", "0", "4"),
        ("06", "S", "0", "0"), ("07", "B", "8", "0"), ("08", "A", "0", "0")]
    bad = parse(xlsx([["Таб. №", "1"], ["E00001", "ЖЖ"]]), "t13.xlsx", dt.date(2026, 4, 1), staff)
    assert [(e.field, e.code) for e in bad.errors] == [("rows.2.B", "timesheet_import_bad_day")]


def test_dates_of_the_long_layout_read_as_the_imports_read_them() -> None:
    staff = Staff.of(dt.date(2026, 4, 1), [(1, "E00001", "Иванов Иван")])
    content = xlsx([["Таб. №", "Дата", "Часы"], ["E00001", "1 апреля 2026", 8], ["E00001", "02.04.2026 08:02", 7],
                    ["E00001", "2026-04-03T09:00:00", 6], ["E00001", 46119, 5], ["E00001", "06/04/2026", 4]])
    out = parse(content, "long.xlsx", dt.date(2026, 4, 1), staff)
    # 46119 is the serial Excel keeps for 2026-04-07 when a date cell lost its format; 06/04/2026 is refused.
    assert [d["date"] for d in out.days] == ["2026-04-01", "2026-04-02", "2026-04-03", "2026-04-07"]
    assert [(e.field, e.code) for e in out.errors] == [("rows.6.B", "timesheet_import_bad_date")]
