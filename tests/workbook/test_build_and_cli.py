"""`clientbase workbooks build|sync`: the workbooks in each language, their VBA and button, Sync without Excel."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from clientbase.cli import main
from workbook.build import vba_project
from workbook.layout import CLIENTS, FIRST_ROW, SALES


def run(args: list[str], env: dict[str, str]) -> Any:
    result = CliRunner().invoke(main, args, env=env)
    return result


# oletools calls pyparsing's old names on import; nothing of ours.
@pytest.mark.filterwarnings("ignore::DeprecationWarning:oletools.*")
def test_build_writes_both_workbooks_in_khmer_with_the_vba_and_a_bound_button(env: dict[str, str], api: Any,
                                                                              tmp_path: Path) -> None:
    from oletools.olevba import VBA_Parser

    api.post("/api/v1/segments", {"code": "vip", "name": "VIP"})
    out = tmp_path / "wb"
    result = run(["workbooks", "build", "--out", str(out), "--language", "km"], env)
    assert result.exit_code == 0, (result.output, result.exception)
    for stem, table in (("clients", CLIENTS), ("sales_book", SALES)):
        path = out / f"{stem}.xlsm"
        assert (out / f"{stem}.py").read_text().strip().endswith(f"from workbook.{stem} import main  # noqa: F401")
        wb = openpyxl.load_workbook(path, keep_vba=True)
        ws = wb[table.sheet_name("km")]
        assert ws.cell(FIRST_ROW - 1, table.index("status") + 1).value == "ស្ថានភាពសមកាលកម្ម"
        assert wb["xlwings.conf"]["B10"].value is not None
        with zipfile.ZipFile(path) as z:
            assert z.read("xl/vbaProject.bin") == vba_project()
            vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml"))
            assert b"[0]!SampleCall" in vml and "ធ្វើសមកាលកម្ម".encode() in vml
            assert not any("token" in z.read(n).decode("utf-8", "ignore").lower() and "cb_" in
                           z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
        parser = VBA_Parser(str(path))
        try:
            code = "\n".join(source for *_x, source in parser.extract_macros())
        finally:
            parser.close()
        assert "Sub SampleCall" in code and "RunPython" in code
    lists = openpyxl.load_workbook(out / "clients.xlsm")["_lists"]
    header = [c.value for c in lists[1]]
    assert lists.cell(2, header.index("segments") + 1).value == "vip"
    assert lists.cell(2, header.index("branches") + 1).value == "MOW"
    assert run(["workbooks", "build", "--out", str(out), "--language", "fr"], env).exit_code != 0


def test_sync_runs_without_excel_and_names_what_is_wrong(env: dict[str, str], api: Any, world: Any, served: str,
                                                          tmp_path: Path) -> None:
    api.post("/api/v1/clients", {"name": "Angkor Foods"})
    out = tmp_path / "wb"
    assert run(["workbooks", "build", "--out", str(out), "--url", served], env).exit_code == 0
    no_token = run(["workbooks", "sync", str(out / "clients.xlsm")], {**env, "XDG_CONFIG_HOME": str(tmp_path)})
    assert no_token.exit_code != 0 and "no API token" in no_token.output and "Traceback" not in no_token.output
    env = {**env, "CLIENTBASE_TOKEN": world.tokens["owner"]}
    result = run(["workbooks", "sync", str(out / "clients.xlsm")], env)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "1 rows from the server" in result.output
    ws = openpyxl.load_workbook(out / "clients.xlsm", keep_vba=True)[CLIENTS.sheet_name("en")]
    assert ws.cell(FIRST_ROW, CLIENTS.index("name") + 1).value == "Angkor Foods"
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    bad = run(["workbooks", "sync", str(other)], env)
    assert bad.exit_code != 0 and "Traceback" not in bad.output
