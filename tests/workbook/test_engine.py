"""The headless engine: xlwings' public API on closed .xlsx/.xlsm files, as Excel would answer."""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
import xlwings as xw
from openpyxl.styles import PatternFill

from workbook import engine
from workbook.engine import write_text


pytestmark = pytest.mark.usefixtures("headless")


def make_xlsx(path: Path, rows: list[list], title: str = "Data") -> Path:
    """A one-sheet workbook written by openpyxl, rows from A1."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def as_excel_saved_it(path: Path) -> None:
    """Drop the "calculate on load" flag writers set, as Excel's own save does: cached results count."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = re.sub(rb'\s*fullCalcOnLoad="1"', b"", parts["xl/workbook.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_activate_registers_once_and_makes_the_engine_active() -> None:
    engine.activate()
    engine.activate()
    assert [e.name for e in xw.engines].count("headless") == 1
    assert xw.engines.active.name == "headless"


def test_a_book_opens_by_path_and_its_sheets_answer_by_index_and_any_case(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "clients.xlsx", [["name"]])
    book = xw.Book(path)
    book.sheets.add("Second", after=book.sheets[0])

    assert (book.name, book.fullname) == ("clients.xlsx", str(path.resolve()))
    assert len(book.sheets) == 2 and [s.name for s in book.sheets] == ["Data", "Second"]
    assert book.sheets[0].name == "Data" and book.sheets[-1].name == "Second" and book.sheets[1].index == 2
    assert book.sheets["DATA"] == book.sheets["data"] == book.sheets[0]
    assert "SECOND" in book.sheets and "Third" not in book.sheets
    with pytest.raises(KeyError):
        book.sheets["Third"]
    assert xw.Book(str(path)) == book  # opening an open book finds it, as in Excel
    book.close()
    assert len(xw.apps.active.books) == 0


def test_reads_hand_values_over_as_excel_does(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["text", 3, 2.5, True, False, None, ""])
    ws["A2"], ws["B2"], ws["C2"] = dt.datetime(2024, 3, 1, 14, 30), dt.date(2024, 3, 2), dt.datetime(2024, 3, 3)
    ws["C2"].number_format = "0.00"  # a date in a number-formatted cell is its serial
    ws["D2"] = 45000
    ws["D2"].number_format = "dd/mm/yyyy"  # a number in a date-formatted cell is a date
    ws["E2"] = dt.time(6, 0)
    ws["F2"] = Decimal("12.30")
    wb.save(tmp_path / "types.xlsx")

    sheet = xw.Book(tmp_path / "types.xlsx").sheets[0]
    first, second = sheet["A1:G2"].value
    assert first == ["text", 3.0, 2.5, True, False, None, None]
    assert [type(v) for v in first[:5]] == [str, float, float, bool, bool]
    assert second[:6] == [dt.datetime(2024, 3, 1, 14, 30), dt.datetime(2024, 3, 2), 45354.0,
                          dt.datetime(2023, 3, 15), dt.datetime(1899, 12, 30, 6, 0), 12.3]
    assert type(second[5]) is float


def test_reading_never_grows_the_sheet(tmp_path: Path) -> None:
    book = xw.Book(make_xlsx(tmp_path / "small.xlsx", [["a", "b"], [1, 2]]))
    sheet = book.sheets[0]
    cells = sheet.impl.ws._cells
    before = set(cells)

    assert sheet["A1:Z500"].value[499] == [None] * 26
    sheet["A1"].expand().value, sheet["D4"].end("down"), sheet["D4"].end("right"), sheet["D4"].end("up")
    sheet.used_range.value, sheet["C1:E9"].number_format, sheet["C1:E9"].color, sheet["C1:E9"].formula
    sheet["A:A"].value, sheet["D4"].font.bold
    assert set(cells) == before
    book.save()
    assert openpyxl.load_workbook(tmp_path / "small.xlsx").active.dimensions == "A1:B2"


def test_writes_store_values_formulas_and_fills_as_excel_does(tmp_path: Path) -> None:
    book = xw.Book(make_xlsx(tmp_path / "w.xlsx", [["keep"]]))
    sheet = book.sheets[0]
    sheet["A2"].value = [[1, "two", True], [dt.date(2024, 5, 1), None, 2.5]]
    sheet["E1:E3"].value = 7
    sheet["F1:F3"].value = "=E1*2"  # relative references move along, as in Excel
    sheet["G1"].value = "=SUM(E1:E3)"
    sheet["H1"].value = "123"  # text stays text
    sheet["A1"].color = (255, 255, 0)
    sheet["A1"].value = None  # contents go, the fill stays
    book.save()

    ws = openpyxl.load_workbook(tmp_path / "w.xlsx").active
    assert [c.value for c in ws[2][:3]] == [1, "two", True] and ws["A3"].value == dt.datetime(2024, 5, 1)
    assert ws["B3"].value is None and ws["C3"].value == 2.5
    assert [ws[f"E{r}"].value for r in (1, 2, 3)] == [7, 7, 7]
    assert [ws[f"F{r}"].value for r in (1, 2, 3)] == ["=E1*2", "=E2*2", "=E3*2"]
    assert ws["G1"].data_type == "f" and ws["H1"].value == "123" and ws["H1"].data_type == "s"
    assert ws["A1"].value is None and ws["A1"].fill.fgColor.rgb == "FFFFFF00"


def test_a_leading_apostrophe_is_excels_quote_prefix(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "q.xlsx", [[]])
    book = xw.Book(path)
    sheet = book.sheets[0]
    sheet["A1"].value = [["'=1+2", "'007", "it's"]]  # how the Sync writes text that looks like a formula
    sheet["A2"].value = "'+1"
    sheet["A2"].value = 5  # a plain value over quoted text loses the prefix
    assert sheet["A1:C1"].value == ["=1+2", "007", "it's"]
    book.save()

    ws = openpyxl.load_workbook(path).active
    assert [(c.value, c.data_type, c.quotePrefix) for c in ws[1]] == [
        ("=1+2", "s", True), ("007", "s", True), ("it's", "s", False)]
    assert (ws["A2"].value, ws["A2"].quotePrefix) == (5, False)


def test_python_types_from_numpy_and_pandas_are_stored_as_plain_values(tmp_path: Path) -> None:
    sheet = xw.Book(make_xlsx(tmp_path / "np.xlsx", [[]])).sheets[0]
    sheet["A1"].value = [np.int64(4), np.float64("nan"), pd.Timestamp("2024-01-02 03:04", tz="UTC"), pd.NaT,
                         Decimal("1.25"), np.bool_(True), float("nan")]
    assert sheet["A1:G1"].value == [4.0, None, dt.datetime(2024, 1, 2, 3, 4), None, 1.25, True, None]
    with pytest.raises(ValueError, match="infinite"):
        sheet["A2"].value = float("inf")


def test_formulas_read_excels_cached_results_and_their_text_where_no_result_is_known(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Calc")
    ws.write_column("A1", [1, 2, 3])
    ws.write_formula("B1", "=SUM(A1:A3)", None, 6)
    ws.write_formula("B2", '=IF(A1=1,"one","")', None, "one")
    ws.write_formula("B3", "=A1>0", None, True)
    ws.write_formula("B4", "=1/0", None, "#DIV/0!")
    ws.write_formula("B5", "=A1*10", wb.add_format({"num_format": "yyyy-mm-dd"}), 45000)
    wb.close()

    # XlsxWriter leaves calculating to Excel: its cached results are placeholders
    sheet = xw.Book(path).sheets["calc"]
    assert sheet["B1"].value == "=SUM(A1:A3)"
    sheet.book.close()

    as_excel_saved_it(path)
    book = xw.Book(path)
    sheet = book.sheets["calc"]
    assert sheet["B1:B5"].value == [6.0, "one", True, None, dt.datetime(2023, 3, 15)]
    assert sheet["B4"].options(err_to_str=True).value == "#DIV/0!"
    assert sheet["B1"].formula == "=SUM(A1:A3)" and sheet["A1"].formula == "1"
    sheet["A1"].value = 100
    assert sheet["B1"].value == 6.0  # nothing recalculates: the cached result stays
    sheet["B1"].value = "=SUM(A1:A2)"
    sheet["C1"].formula = "=A1+1"
    assert sheet["B1"].value == "=SUM(A1:A2)" and sheet["C1"].value == "=A1+1"
    assert sheet["A1:A5"].expand("down").shape == (3, 1) and sheet["B1"].expand("down").shape == (5, 1)

    book.save()  # openpyxl saves no results: after it, every formula reads as its text
    book.close()
    assert xw.Book(path).sheets[0]["B2"].value == '=IF(A1=1,"one","")'


def test_end_moves_like_ctrl_arrow_and_expand_like_xlwings_on_excel(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["h1", "h2", "h3"], [1, 2, 3], [4, None, 6], [None, None, None], [7, 8, 9]):
        ws.append(row)
    ws["E1"] = "far"
    wb.save(tmp_path / "grid.xlsx")
    sheet = xw.Book(tmp_path / "grid.xlsx").sheets[0]
    empty = sheet.book.sheets.add("Empty")

    assert empty["A1"].end("down").address == "$A$1048576" and empty["A1"].end("right").address == "$XFD$1"
    assert empty["C5"].end("up").address == "$C$1" and empty["C5"].end("left").address == "$A$5"
    assert empty["A1"].expand().address == "$A$1" and empty["A1"].expand().value is None
    assert sheet["A1"].end("down").address == "$A$3"  # the end of the block
    assert sheet["A3"].end("down").address == "$A$5"  # over the gap to the next filled cell
    assert sheet["A5"].end("down").address == "$A$1048576"  # nothing below: the edge
    assert sheet["C1"].end("right").address == "$E$1" and sheet["E1"].end("right").address == "$XFD$1"
    assert sheet["A5"].end("up").address == "$A$3" and sheet["C5"].end("left").address == "$A$5"
    assert sheet["A1"].expand().address == "$A$1:$C$3"  # stops at the blank row and column
    assert sheet["A1"].expand("table").value == [["h1", "h2", "h3"], [1.0, 2.0, 3.0], [4.0, None, 6.0]]
    assert sheet["B1"].expand("down").address == "$B$1:$B$2"
    assert sheet["A1"].expand("right").address == "$A$1:$C$1"
    assert sheet["A5"].expand().address == "$A$5:$C$5"


def test_range_geometry_follows_xlwings(tmp_path: Path) -> None:
    sheet = xw.Book(make_xlsx(tmp_path / "g.xlsx", [[1, 2, 3], [4, 5, 6], [7, 8, 9]])).sheets[0]
    rng = sheet["A1:C3"]

    assert rng.value == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
    assert (rng.row, rng.column, rng.shape, rng.size, len(rng)) == (1, 1, (3, 3), 9, 9)
    assert (rng.rows.count, rng.columns.count, rng.last_cell.address) == (3, 3, "$C$3")
    assert rng.resize(2, 2).address == "$A$1:$B$2" and rng.resize(row_size=1).address == "$A$1:$C$1"
    assert rng.offset(1, 1).address == "$B$2:$D$4"
    assert rng(2, 3).value == 6.0 and rng(4).value == 4.0 and rng(5, 5).address == "$E$5"
    assert rng[1:, 0].value == [4.0, 7.0] and rng[-1, -1].value == 9.0
    assert [cell.value for cell in rng.rows[0]] == [1.0, 2.0, 3.0]
    assert sheet.range((2, 2)).value == 5.0 and sheet.range((1, 1), (2, 3)).address == "$A$1:$C$2"
    assert sheet.range("A1", "B2").address == sheet.range(sheet["B2"], sheet["A1"]).address == "$A$1:$B$2"
    assert sheet["$B$2"].value == 5.0 and sheet["Data!C3"].value == 9.0 and sheet[1, 1].value == 5.0
    assert sheet["A:B"].address == "$A:$B" and sheet["2:3"].address == "$2:$3"
    assert (sheet.cells.last_cell.row, sheet.cells.last_cell.column) == (1048576, 16384)
    assert sheet.used_range.address == "$A$1:$C$3" and sheet.book.sheets.add().used_range.address == "$A$1"
    assert rng.get_address(False, False) == "A1:C3"
    assert rng.get_address(include_sheetname=True) == "Data!$A$1:$C$3"
    assert rng.get_address(external=True) == "[g.xlsx]Data!$A$1:$C$3"
    with pytest.raises(IndexError):
        sheet["A1"].offset(-1, 0)


def test_value_options_behave_as_in_excel(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([1.7, dt.datetime(2024, 1, 2, 3, 4)])
    ws.append([None, 2])
    wb.save(tmp_path / "o.xlsx")
    sheet = xw.Book(tmp_path / "o.xlsx").sheets[0]

    assert sheet["A1"].options(ndim=2).value == [[1.7]]
    assert sheet["A1:A2"].options(ndim=2).value == [[1.7], [None]]
    assert sheet["A1:B2"].options(numbers=int, empty="", dates=dt.date).value == [[2, dt.date(2024, 1, 2)], ["", 2]]
    assert sheet["A1:B2"].options(transpose=True).value == [[1.7, None], [dt.datetime(2024, 1, 2, 3, 4), 2.0]]
    sheet["D1"].options(transpose=True).value = [1, 2, 3]
    assert sheet["D1:D3"].value == [1.0, 2.0, 3.0]


def test_dataframes_round_trip_through_the_sheet(tmp_path: Path) -> None:
    sheet = xw.Book(make_xlsx(tmp_path / "df.xlsx", [[]])).sheets[0]
    df = pd.DataFrame({  # expand follows the first column, as in Excel: keep it full
        "count": [1, 2, 3],
        "name": ["Ana", None, "Cy"],
        "amount": [1.5, np.nan, 3.0],
        "since": pd.to_datetime(["2024-01-01", "2024-02-01", None]),
        "vip": [True, False, True],
    })
    sheet["A1"].options(pd.DataFrame, index=False).value = df

    back = sheet["A1"].expand().options(pd.DataFrame, index=False, header=True).value
    expected = df.assign(count=df["count"].astype(float))
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert back["since"].dtype.kind == "M" and back["count"].tolist() == [1.0, 2.0, 3.0]
    assert sheet["A1"].options(pd.DataFrame, expand="table", index=1).value.index.name == "count"


def test_number_formats_fills_and_fonts(tmp_path: Path) -> None:
    book = xw.Book(make_xlsx(tmp_path / "f.xlsx", [[1, 2], [3, 4]]))
    sheet = book.sheets[0]

    assert sheet["A1"].number_format == "General"
    sheet["A1:B1"].number_format = "0.00"
    assert sheet["A1:B1"].number_format == "0.00" and sheet["A1:B2"].number_format is None  # mixed
    assert sheet["A1"].color is None
    sheet["A1:B1"].color = "#00ff00"
    sheet["B2"].color = (1, 2, 3)
    assert sheet["A1:B1"].color == (0, 255, 0) and sheet["B2"].color == (1, 2, 3) and sheet["A1:B2"].color is None
    sheet["A1"].color = None
    assert sheet["A1"].color is None
    sheet["A1:B1"].font.bold = True
    sheet["A1"].font.color = (255, 0, 0)
    assert sheet["A1:B1"].font.bold is True and sheet["A2"].font.bold is False and sheet["A1:A2"].font.bold is None
    assert sheet["A1"].font.color == (255, 0, 0)
    with pytest.raises(NotImplementedError, match="the headless engine cannot resolve theme colours"):
        sheet["A2"].font.color  # noqa: B018 - openpyxl's default font is theme-coloured
    book.save()
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert ws["A1"].number_format == "0.00" and ws["B1"].fill.fgColor.rgb == "FF00FF00" and ws["B1"].font.b


def test_clear_contents_keeps_formats(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([1, 2, 3])
    ws["A1"].fill = PatternFill("solid", fgColor="FFFF0000")
    wb.save(path)
    book = xw.Book(path)
    sheet = book.sheets[0]

    sheet["A1:B1"].clear_contents()
    assert sheet["A1:C1"].value == [None, None, 3.0] and sheet["A1"].color == (255, 0, 0)
    sheet.clear_contents()
    assert sheet["C1"].value is None and sheet["A1"].color == (255, 0, 0)


def test_defined_names_add_read_and_resolve_like_excels(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "n.xlsx", [["id", "name"], [1, "Ana"]], title="Client List")
    book = xw.Book(path)
    sheet = book.sheets[0]

    book.names.add("Clients", "='Client List'!$A$1:$B$2")
    book.names.add("Tax", "=0.1")  # a name, though TAX is also a column
    sheet["B2"].name = "FirstName"
    sheet.names.add("Local", "='Client List'!$A$1")
    assert len(book.names) == 4 and len(sheet.names) == 1
    assert book.names["clients"].refers_to == "='Client List'!$A$1:$B$2"
    assert book.names["Clients"].refers_to_range.value == [["id", "name"], [1.0, "Ana"]]
    assert sheet["clients"].address == "$A$1:$B$2" and sheet["FirstName"].value == "Ana"
    assert sheet["B2"].name.name == "FirstName" and sheet["A2"].name is None
    assert "'Client List'!Local" in book.names and sheet.names["Local"].refers_to == "='Client List'!$A$1"
    assert book.names["Tax"].refers_to == "=0.1"
    with pytest.raises(ValueError):
        sheet["Tax"]  # noqa: B018 - a constant, not a range
    with pytest.raises(ValueError, match="cell address"):
        book.names.add("AB12", "=1")
    book.names["Tax"].delete()
    assert "Tax" not in book.names
    book.save()
    assert openpyxl.load_workbook(path).defined_names["Clients"].attr_text == "'Client List'!$A$1:$B$2"


def test_sheets_add_where_excel_does_and_only_the_active_tab_is_selected(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "s.xlsx", [[1]], title="First")
    book = xw.Book(path)
    first = book.sheets[0]

    book.sheets.add("Last", after=first)
    assert book.sheets.active.name == "Last"
    book.sheets.add()  # before the active sheet, named as Excel would
    book.sheets.add("Front", before=first)
    assert [s.name for s in book.sheets] == ["Front", "First", "Sheet3", "Last"]
    with pytest.raises(ValueError):
        book.sheets.add("LAST")
    book.sheets["first"].activate()
    book.sheets["Last"].name = "Renamed"
    book.sheets["front"].name = "FRONT"  # only the spelling changes
    with pytest.raises(ValueError):
        book.sheets["Renamed"].name = "front"
    book.save()

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["FRONT", "First", "Sheet3", "Renamed"] and wb.active.title == "First"
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [False, True, False, False]


def test_renaming_a_sheet_rewrites_the_formulas_and_names_that_use_it(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "r.xlsx", [[1]], title="Data")
    book = xw.Book(path)
    book.sheets.add("Report")["A1"].value = "=Data!A1*2+'Data'!$B$2+A1"
    book.names.add("First", "=Data!$A$1")
    book.sheets["Data"].name = "Source 2026"
    assert book.sheets["Report"]["A1"].formula == "='Source 2026'!A1*2+'Source 2026'!$B$2+A1"
    assert book.names["First"].refers_to == "='Source 2026'!$A$1"
    book.sheets["source 2026"].name = "Q1"  # a name like a cell address is quoted, as Excel quotes it
    assert book.sheets["Report"]["A1"].formula == "='Q1'!A1*2+'Q1'!$B$2+A1"
    book.save()
    assert openpyxl.load_workbook(path).defined_names["First"].attr_text == "'Q1'!$A$1"


def test_save_in_place_save_as_and_a_new_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_xlsx(tmp_path / "a.xlsx", [["x"]])
    book = xw.Book(path)
    book.sheets[0]["A2"].value = "saved"
    book.save()
    book.sheets[0]["A3"].value = "saved as"
    book.save(tmp_path / "b.xlsx")
    assert book.name == "b.xlsx" and book.fullname == str((tmp_path / "b.xlsx").resolve())
    assert openpyxl.load_workbook(path).active["A3"].value is None
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").active["A3"].value == "saved as"
    with pytest.raises(NotImplementedError, match="without macros as .xlsm"):
        book.save(tmp_path / "b.xlsm")

    book.close()
    monkeypatch.chdir(tmp_path)  # an unsaved book is saved to the working directory, as in Excel
    new = xw.Book()
    assert new.name == "Book1" and [s.name for s in new.sheets] == ["Sheet1"]
    new.sheets[0]["A1"].value = 1
    new.save()
    assert new.fullname == str(tmp_path / "Book1.xlsx")
    assert openpyxl.load_workbook(tmp_path / "Book1.xlsx").active["A1"].value == 1


def test_an_xlsm_keeps_its_vba_project_and_form_button_byte_for_byte(tmp_path: Path) -> None:
    with zipfile.ZipFile(Path(xw.__file__).parent / "quickstart_standalone.xlsm") as template:
        vba = template.read("xl/vbaProject.bin")
    path = tmp_path / "sync.xlsm"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1")
    wb.set_vba_name("ThisWorkbook")
    ws.set_vba_name("Sheet1")
    wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    ws.insert_button("D2", {"macro": "SampleCall", "caption": "Sync"})
    ws.write("A1", "before")
    wb.close()

    def parts(p: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(p) as archive:
            return {n: archive.read(n) for n in archive.namelist() if n.endswith((".bin", ".vml"))}

    original = parts(path)
    book = xw.Book(path)
    book.sheets[0]["A1"].value = "after"
    book.save()
    saved = parts(path)
    assert original["xl/vbaProject.bin"] == vba
    assert saved == original and any(name.endswith(".vml") for name in saved)
    assert b"SampleCall" in next(data for name, data in saved.items() if name.endswith(".vml"))
    assert openpyxl.load_workbook(path).active["A1"].value == "after"


def test_the_mock_caller_is_what_book_caller_returns(tmp_path: Path) -> None:
    def main() -> None:  # the shape of a workbook's Sync entry point
        xw.Book.caller().sheets[0]["B1"].value = "synced"

    path = make_xlsx(tmp_path / "m.xlsx", [["x"]])
    xw.Book(path).set_mock_caller()
    main()
    assert xw.Book.caller().sheets[0]["B1"].value == "synced" and xw.Book.caller().fullname == str(path.resolve())


def test_write_text_stores_literal_text_that_no_leading_character_turns_into_a_formula(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "t.xlsx", [[]])
    book = xw.Book(path)
    sheet = book.sheets[0]
    texts = ["=1+2", "+33", "-x", "@SUM(A1)", "\tx", "\rx", "'kept", "#N/A", "plain"]
    write_text(sheet["A1"], [texts, [None, "", "after blanks"]])
    sheet["A3"].value = "=1+2"  # through .value it is a formula, as in Excel

    assert sheet["A1:I1"].value == texts and sheet["C2"].value == "after blanks"
    with pytest.raises(TypeError):
        write_text(sheet["A4"], [[1]])
    book.save()

    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(1, c).value for c in range(1, 10)] == texts
    assert {ws.cell(1, c).data_type for c in range(1, 10)} == {"s"}
    assert [ws.cell(1, c).quotePrefix for c in range(1, 10)] == [True] * 7 + [False, False]
    assert ws["A3"].data_type == "f" and ws["A2"].value is None


def test_what_the_engine_cannot_do_raises_a_clear_error(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "u.xlsx", [[1]])
    book = xw.Book(path)
    sheet = book.sheets[0]
    cannot = pytest.raises(NotImplementedError, match="the headless engine cannot")

    with cannot:
        sheet.charts  # noqa: B018
    with cannot:
        sheet.pictures  # noqa: B018
    with cannot:
        sheet.shapes  # noqa: B018
    with cannot:
        book.macro("SampleCall")()
    with cannot:
        sheet["A1"].api.Value  # noqa: B018
    with cannot:
        book.api.VBProject  # noqa: B018
    with cannot:
        book.app.calculate()
    with cannot:
        book.app.calculation = "automatic"
    with cannot:
        sheet["A1"].autofit()
    with cannot:
        sheet.cells.value  # noqa: B018 - 17 billion cells
    with cannot:
        book.save(password="secret")
    (tmp_path / "old.xls").write_bytes(b"")
    with cannot:
        xw.Book(tmp_path / "old.xls")
    with book.app.properties(screen_updating=False, display_alerts=False, calculation="manual"):
        sheet["A2"].value = 2  # the settings Sync code sets on Excel are harmless here
    assert sheet["A2"].value == 2.0


def test_a_book_with_drawn_shapes_opens_but_refuses_to_be_saved(tmp_path: Path) -> None:
    path = tmp_path / "shapes.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write("A1", "read me")
    ws.insert_textbox("C3", "How to sync")  # openpyxl would drop it without a word
    wb.close()

    book = xw.Book(path)
    assert book.sheets[0]["A1"].value == "read me"
    with pytest.raises(NotImplementedError, match="drop its drawn shapes"):
        book.save()


def test_what_openpyxl_drops_on_opening_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = make_xlsx(tmp_path / "dv.xlsx", [[1]])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    extension = b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"/></extLst></worksheet>'
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</worksheet>", extension)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    with caplog.at_level(logging.WARNING, logger="workbook.engine"):
        sheet = xw.Book(path).sheets[0]
    assert sheet["A1"].value == 1.0
    assert "dv.xlsx: Data Validation extension is not supported" in caplog.text
