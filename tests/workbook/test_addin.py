"""The add-in file: xlwings' ribbon add-in relabelled, its VBA untouched; and the Sync it dispatches to."""
from __future__ import annotations

import sys
import types
import zipfile
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
import pytest
from click.testing import CliRunner

from workbook import clientbase_addin
from workbook.addin import MACRO, NS, TEMPLATE, build_addin
from workbook.cli import addin

UI = f"{{{NS}}}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"


def _ribbon(path: Path) -> tuple[Any, Any, Any]:
    with zipfile.ZipFile(path) as z:
        root = SafeET.fromstring(z.read("customUI/customUI.xml"))
    (tab,), (group,), (button,) = (root.findall(f".//{UI}{tag}") for tag in ("tab", "group", "button"))
    return tab, group, button


def test_the_addin_is_the_template_with_a_clientbase_tab(tmp_path: Path) -> None:
    out = build_addin(tmp_path / "clientbase_addin.xlam")
    assert out == tmp_path / "clientbase_addin.xlam"
    tab, group, button = _ribbon(out)
    assert (tab.get("label"), group.get("label"), button.get("label")) == ("ClientBase", "Sync", "Sync")
    assert button.get("onAction") == MACRO == "RibbonMyAddin.RunMain"
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(TEMPLATE) as t:
        assert z.testzip() is None
        assert z.namelist() == t.namelist()
        # Every part but the ribbon is the template's, byte for byte; the VBA project above all.
        assert z.read("xl/vbaProject.bin") == t.read("xl/vbaProject.bin")
        assert [n for n in z.namelist() if z.read(n) != t.read(n)] == ["customUI/customUI.xml"]
        rels = SafeET.fromstring(z.read("_rels/.rels"))
    targets = {r.get("Type"): r.get("Target") for r in rels.findall(f"{RELS}Relationship")}
    assert targets[RIBBON_REL] == "customUI/customUI.xml"
    # The macro imports the add-in's file name: the module of that name is beside it, and imports our main().
    module = out.with_suffix(".py").read_text(encoding="utf-8")
    assert "from workbook.clientbase_addin import main" in module
    compile(module, str(out.with_suffix(".py")), "exec")


# oletools calls pyparsing's old names (enablePackrat), which warn; the warning is theirs, not ours.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_olevba_reads_the_run_main_macro(tmp_path: Path) -> None:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(build_addin(tmp_path / "clientbase_addin.xlam")))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    ribbon = modules["RibbonMyAddin.bas"]
    assert "Sub RunMain(control As IRibbonControl)" in ribbon
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in ribbon


@pytest.mark.parametrize("language, label", [("km", "ធ្វើសមកាលកម្ម"), ("ru", "Синхронизировать")])
def test_the_labels_in_khmer_and_russian(tmp_path: Path, language: str, label: str) -> None:
    tab, group, button = _ribbon(build_addin(tmp_path / "clientbase_addin.xlam", language))
    assert (tab.get("label"), group.get("label"), button.get("label")) == ("ClientBase", label, label)
    assert button.get("onAction") == MACRO


def test_refused_names_and_languages(tmp_path: Path) -> None:
    for name in ("clientbase-addin.xlam", "clientbase_addin.xlsm"):
        with pytest.raises(ValueError):
            build_addin(tmp_path / name)
    with pytest.raises(ValueError):
        build_addin(tmp_path / "clientbase_addin.xlam", "fr")
    assert list(tmp_path.iterdir()) == []


def test_the_cli_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(addin, ["build"])
    assert r.exit_code == 0, r.output
    built = tmp_path / "build"
    assert (built / "clientbase_addin.xlam").is_file() and (built / "clientbase_addin.py").is_file()
    r = CliRunner().invoke(addin, ["build", "--out", "ribbon/cb_ru.xlam", "--language", "ru"])
    assert r.exit_code == 0, r.output
    assert _ribbon(tmp_path / "ribbon" / "cb_ru.xlam")[2].get("label") == "Синхронизировать"
    assert (tmp_path / "ribbon" / "cb_ru.py").is_file()
    r = CliRunner().invoke(addin, ["build", "--language", "fr"])
    assert r.exit_code == 2 and "fr" in r.output
    r = CliRunner().invoke(addin, ["build", "--out", "my add-in.xlam"])
    assert r.exit_code == 2 and "Python module name" in r.output


# --- Sync of the active workbook ---------------------------------------------------------------------

class FakeBook:
    """What the dispatch reads of a workbook: its name, its sheets, and set_mock_caller()."""

    def __init__(self, name: str, conf: list[list[Any]] | None = None) -> None:
        self.name = name
        self.sheets = [FakeSheet("xlwings.conf", conf)] if conf is not None else []
        self.mock_caller = False

    def set_mock_caller(self) -> None:
        self.mock_caller = True


class FakeSheet:
    def __init__(self, name: str, rows: list[list[Any]]) -> None:
        self.name, self.rows = name, rows

    def range(self, _address: str) -> "FakeSheet":
        return self

    def expand(self, _mode: str) -> "FakeSheet":
        return self

    def options(self, **_kw: Any) -> "FakeSheet":
        return self

    @property
    def value(self) -> list[list[Any]]:
        return self.rows


class Workbooks:
    """Stand-ins for the workbooks' modules: each main() notes which one ran, and whether the caller was set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ran: list[tuple[str, bool]] = []
        self.active = FakeBook("")
        for name in ("clients", "sales_book"):
            module = types.ModuleType(f"workbook.{name}")
            module.main = lambda name=name: self.ran.append(  # type: ignore[attr-defined]
                (name, self.active.mock_caller))
            monkeypatch.setitem(sys.modules, f"workbook.{name}", module)
        monkeypatch.setitem(sys.modules, "workbook.payroll", None)  # not written yet: importing it fails

    def sync(self, book: FakeBook) -> None:
        self.active = book
        clientbase_addin.main(book)


def test_sync_runs_the_active_workbooks_main(monkeypatch: pytest.MonkeyPatch) -> None:
    books = Workbooks(monkeypatch)
    books.sync(FakeBook("clients.xlsm"))
    books.sync(FakeBook("Sales_Book (2).xlsm"))
    # The settings sheet wins over a renamed file.
    books.sync(FakeBook("March copy.xlsm", [["Interpreter_Win", ""], ["ClientBase Workbook", "sales_book"]]))
    assert books.ran == [("clients", True), ("sales_book", True), ("sales_book", True)]
    with pytest.raises(clientbase_addin.NotAClientBaseWorkbook, match="Budget.xlsx is not a ClientBase workbook"):
        books.sync(FakeBook("Budget.xlsx"))
    with pytest.raises(clientbase_addin.NotAClientBaseWorkbook, match="Sync of payroll workbooks is not in this"):
        books.sync(FakeBook("payroll.xlsm"))
    assert len(books.ran) == 3
