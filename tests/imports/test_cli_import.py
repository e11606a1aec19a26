"""`clientbase import FILE --kind …`: dry run with a report, commit, mapping and options, clear refusals."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import openpyxl

from server.imports.models import Import
from server.parties.models import Counterparty
from tests.factories import Cli, cli_init, xlsx


def test_dry_run_report_then_import(cli: Cli, tmp_path: Path) -> None:
    cli_init(cli)
    path = tmp_path / "клиенты.xlsx"
    path.write_bytes(xlsx([["Наименование", "Телефон", "Почта"], ["ООО «Альфа»", "012 345 678", "a@alpha.example"],
                           ["Bad", "12", "nope"]], title=[["Выгрузка"]]))
    result = cli("import", str(path), "--kind", "clients", "--dry-run", "--strict", "--report", str(tmp_path / "plan.xlsx"))
    assert "dry run" in result.output and "create 1" in result.output and "error 1" in result.output
    assert "Row 4, column B “Телефон”: The phone “12” is not a valid number in KH;" in result.output
    assert "Row 4, column C “Почта”: The e-mail “nope” is not valid: it has no @ sign." in result.output
    assert "A 'Наименование' → name" in result.output
    book = openpyxl.load_workbook(io.BytesIO((tmp_path / "plan.xlsx").read_bytes()))
    assert [r[0] for r in book.active.iter_rows(min_row=3, values_only=True)] == [3, 4]
    assert cli.count(Counterparty) == 0 and cli.count(Import) == 1
    # Rows with errors stop a strict import until they are fixed or skipped; nothing is written.
    result = cli("import", str(path), "--kind", "clients", "--strict", ok=False)
    assert "rows have errors" in result.output
    assert cli.count(Counterparty) == 0
    result = cli("import", str(path), "--kind", "clients", "--strict", "--skip-errors", "--report",
                 str(tmp_path / "done.json"))
    assert "committed" in result.output
    report: dict[str, Any] = json.loads((tmp_path / "done.json").read_text(encoding="utf-8"))
    assert report["counts"]["create"] == 1 and report["rows"][0]["values"]["phones"] == ["+85512345678"]
    assert cli.count(Counterparty) == 1
    # Without --strict the client with the bad phone and e-mail is not lost: imported without them.
    result = cli("import", str(path), "--kind", "clients")
    assert "committed" in result.output and "create 1" in result.output and "unchanged 1" in result.output
    assert "The phone “12” is not a valid number in KH;" in result.output and "It was left out" in result.output
    assert cli.count(Counterparty) == 2


def test_mapping_and_options_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    cli_init(cli)
    path = tmp_path / "list.csv"
    path.write_text("Cust;Mob;Since\nBayon Tours;012 333 222;03/04/2026\n", encoding="utf-8")
    result = cli("import", str(path), "--kind", "clients", ok=False)
    assert "No header row was recognised" in result.output
    result = cli("import", str(path), "--kind", "clients", "--map", "Cust=name", "--map", "Mob=phone", "--map", "Since=",
                 "--option", "date_order=MDY")
    assert "committed" in result.output and "A 'Cust' → name" in result.output
    assert cli.count(Counterparty) == 1
    result = cli("import", str(path), "--kind", "clients", "--map", "Cust=nmae", ok=False)
    assert "There is no field nmae" in result.output
    result = cli("import", str(path), "--kind", "clients", "--option", "date_order=YMD", ok=False)
    assert "options.date_order" in result.output
    result = cli("import", str(tmp_path / "missing.xlsx"), "--kind", "clients", ok=False)
    assert "does not exist" in result.output
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = cli("import", str(tmp_path / "broken.xlsx"), "--kind", "clients", ok=False)
    assert "damaged" in result.output
    assert cli.count(Counterparty) == 1
