"""Building again never wipes the user's work: a workbook (or add-in) in use is kept unless --force, which saves a copy first."""
from __future__ import annotations

import datetime as dt
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import xlwings as xw
from click.testing import CliRunner

from clientbase.cli import main
from workbook import engine
from workbook.existing import dated_copy
from workbook.layout import CLIENTS, CONFIG_SHEET, FIRST_ROW, PAYROLL_RUN

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], env: dict[str, str]) -> Any:
    return CliRunner().invoke(main, args, env=env)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def type_into(path: Path, sheet: str, cell: tuple[int, int], value: Any) -> None:
    """Type a value and save, as a person would in Excel (through the headless engine)."""
    engine.activate()
    book = xw.Book(str(path))
    try:
        book.sheets[sheet].range(cell).value = value
        book.save()
    finally:
        book.close()


def test_a_workbook_with_a_typed_row_is_not_rebuilt_without_force(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "wb"
    built = run(["workbooks", "build", "--out", str(out)], env)
    assert built.exit_code == 0, built.output
    # A workbook that holds nothing yet is rebuilt freely (a new language, a new server URL).
    again = run(["workbooks", "build", "--out", str(out), "--url", "http://127.0.0.1:5001"], env)
    assert again.exit_code == 0, again.output

    clients = out / "clients.xlsm"
    type_into(clients, CLIENTS.sheet_name("en"), (FIRST_ROW, CLIENTS.index("name") + 1), "Typed, not synced Ltd")
    before = files(out)
    refused = run(["workbooks", "build", "--out", str(out)], env)
    assert refused.exit_code == 1
    assert str(clients) in refused.output and "rows on the sheet Clients" in refused.output
    assert "--force" in refused.output and "Traceback" not in refused.output
    assert files(out) == before                       # nothing written: not the other workbooks either

    # `make run`'s build: only what is missing is built, the rest kept as it is.
    (out / "sales_book.xlsm").unlink()
    missing = run(["workbooks", "build", "--out", str(out), "--only-missing"], env)
    assert missing.exit_code == 0, missing.output
    assert (out / "sales_book.xlsm").exists() and clients.read_bytes() == before["clients.xlsm"]
    assert "kept" in missing.output

    forced = run(["workbooks", "build", "--out", str(out), "--force"], env)
    assert forced.exit_code == 0, forced.output
    copies = [p for p in out.glob("clients.*.xlsm")]
    assert len(copies) == 1 and copies[0].read_bytes() == before["clients.xlsm"]
    assert str(copies[0]) in forced.output
    ws = openpyxl.load_workbook(clients)[CLIENTS.sheet_name("en")]  # not read-only: that mode holds the file open
    assert all(v is None for row in ws.iter_rows(min_row=FIRST_ROW, values_only=True) for v in row)
    assert not list(out.glob("sales_book.*.xlsm"))    # an empty one needs no copy


def test_what_counts_as_the_users_work(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "wb"
    assert run(["workbooks", "build", "--out", str(out)], env).exit_code == 0
    payroll, clients = out / "payroll.xlsm", out / "clients.xlsm"

    type_into(payroll, PAYROLL_RUN.sheet_name("en"), PAYROLL_RUN.field("period").value_cell, "2026-04")
    refused = run(["workbooks", "build", "--out", str(out)], env)
    assert refused.exit_code == 1 and str(payroll) in refused.output and "2026-04" in refused.output

    # The interpreter the README has the user set in xlwings.conf.
    wb = openpyxl.load_workbook(clients, keep_vba=True)
    wb[CONFIG_SHEET]["B1"] = r"C:\Python312\pythonw.exe"
    wb.save(clients)
    refused = run(["workbooks", "build", "--out", str(out)], env)
    assert refused.exit_code == 1 and "Interpreter_Win" in refused.output
    wb = openpyxl.load_workbook(clients, keep_vba=True)
    wb[CONFIG_SHEET]["B1"] = None
    wb.create_sheet("My notes")["A1"] = "call Sokha on Monday"
    wb.save(clients)
    refused = run(["workbooks", "build", "--out", str(out)], env)
    assert refused.exit_code == 1 and "My notes" in refused.output

    # Not a workbook at all (a half-copied file, something else saved under the name): not ours to throw away.
    clients.write_bytes(b"PK\x03\x04 not really a zip")
    refused = run(["workbooks", "build", "--out", str(out)], env)
    assert refused.exit_code == 1 and "cannot be read as a workbook" in refused.output
    assert clients.read_bytes() == b"PK\x03\x04 not really a zip"


def test_a_dated_copy_never_overwrites_a_file(tmp_path: Path) -> None:
    path = tmp_path / "clients.xlsm"
    path.write_bytes(b"mine")
    now = dt.datetime(2026, 5, 4, 9, 30, 12)
    taken = tmp_path / "clients.2026-05-04-093012.xlsm"
    taken.write_bytes(b"an older copy")
    first = dated_copy(path, now)
    second = dated_copy(path, now)
    assert taken.read_bytes() == b"an older copy"
    assert (first.name, second.name) == ("clients.2026-05-04-093012-2.xlsm", "clients.2026-05-04-093012-3.xlsm")
    assert first.read_bytes() == second.read_bytes() == b"mine"


def test_an_addin_changed_since_it_was_built_is_kept(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "clientbase_addin.xlam"
    assert run(["addin", "build", "--out", str(out)], env).exit_code == 0
    relabelled = run(["addin", "build", "--out", str(out), "--language", "km"], env)
    assert relabelled.exit_code == 0, relabelled.output      # as built: replaced freely
    with zipfile.ZipFile(out, "a") as z:                    # what Excel or a user adds to it
        z.writestr("xl/mine.xml", "<mine/>")
    mine = out.read_bytes()
    refused = run(["addin", "build", "--out", str(out)], env)
    assert refused.exit_code == 1 and str(out) in refused.output and "--force" in refused.output
    assert out.read_bytes() == mine
    kept = run(["addin", "build", "--out", str(out), "--only-missing"], env)
    assert kept.exit_code == 0 and out.read_bytes() == mine
    forced = run(["addin", "build", "--out", str(out), "--force"], env)
    assert forced.exit_code == 0, forced.output
    (copy,) = tmp_path.glob("clientbase_addin.*.xlam")
    assert copy.read_bytes() == mine and out.read_bytes() != mine


def test_make_run_builds_only_what_is_missing() -> None:
    planned = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    builds = [line for line in planned.splitlines() if " build " in line]
    assert len(builds) == 2 and all("--only-missing" in line and "--force" not in line for line in builds), planned
