"""The headless engine against what xlwings documents for Excel: sheets selected, copied and deleted,
cells cleared, inserted and deleted, widths, heights and merged areas, each saved and read back."""
from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwings as xw
from openpyxl.formatting.rule import CellIsRule
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from workbook import engine


pytestmark = pytest.mark.usefixtures("headless")


def grid(path: Path, rows: list[list], title: str = "Data", more: tuple[str, ...] = ()) -> Path:
    """A workbook written by openpyxl: `rows` from A1 on sheet `title`, then empty sheets `more`."""
    wb = openpyxl.Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(row)
    for name in more:
        wb.create_sheet(name)
    wb.save(path)
    return path


def reopened(path: Path, sheet: str | None = None) -> openpyxl.worksheet.worksheet.Worksheet:
    wb = openpyxl.load_workbook(path)
    return wb[sheet] if sheet else wb.active


def test_end_takes_the_first_letter_of_a_direction_as_excels_engines_do(tmp_path: Path) -> None:
    sheet = xw.Book(grid(tmp_path / "e.xlsx", [[1, 2, 3], [4, 5, 6]])).sheets[0]

    assert [sheet["A1"].end(d).address for d in ("d", "down", "D", "Down")] == ["$A$2"] * 4
    assert sheet["A1"].end("r").address == sheet["A1"].end("right").address == "$C$1"
    assert sheet["C2"].end("u").address == "$C$1" and sheet["C2"].end("l").address == "$A$2"
    with pytest.raises(ValueError, match="'sideways' is not one of down, left, right, up"):
        sheet["A1"].end("sideways")


def test_select_makes_the_sheet_active_and_its_tab_the_only_one_selected(tmp_path: Path) -> None:
    path = grid(tmp_path / "s.xlsx", [[1]], more=("Second", "Third"))
    other = xw.Book(grid(tmp_path / "other.xlsx", [[1]]))
    book = xw.Book(path)
    other.activate()

    book.sheets["third"].select()  # xlwings activates the book first, as in Excel
    assert xw.books.active == book and book.sheets.active.name == "Third"
    book.sheets["Third"]["B2:C3"].select()
    book.save()

    wb = openpyxl.load_workbook(path)
    assert wb.active.title == "Third" and [ws.sheet_view.tabSelected for ws in wb.worksheets] == [False, False, True]
    assert wb["Third"].sheet_view.selection[0].sqref == "B2:C3"


def test_a_copy_is_named_as_excel_names_it_and_placed_where_asked(tmp_path: Path) -> None:
    path = grid(tmp_path / "c.xlsx", [["a", 1]], more=("Last",))
    book = xw.Book(path)
    data = book.sheets["Data"]

    first = data.copy()  # after the last sheet by default, and active, as Excel leaves it
    assert first.name == "Data (2)" and book.sheets.active.name == "Data (2)"
    assert data.copy(before=book.sheets["Last"]).name == "Data (3)"
    assert first.copy(after=data).name == "Data (4)"  # a copy of a copy counts on
    assert data.copy(name="Archive", before=data).name == "Archive"
    long = book.sheets.add("A" * 31, after=book.sheets[-1])
    assert long.copy().name == "A" * 27 + " (2)"  # cut to Excel's 31 characters
    with pytest.raises(ValueError, match="already present"):
        data.copy(name="DATA (2)")
    assert [s.name for s in book.sheets] == ["Archive", "Data", "Data (4)", "Data (3)", "Last", "Data (2)",
                                             "A" * 31, "A" * 27 + " (2)"]
    book.save()
    assert openpyxl.load_workbook(path).sheetnames == [s.name for s in book.sheets]


def test_a_copy_keeps_what_excel_copies(tmp_path: Path) -> None:
    path = tmp_path / "keep.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["name", "amount"])
    ws.append(["Ana", 10])
    ws["A1"].font = Font(bold=True)
    ws["B2"].fill = PatternFill("solid", fgColor="FFFFFF00")
    ws["C2"] = "=B2*2"
    ws.column_dimensions["A"].width = 30
    ws.row_dimensions[2].height = 40
    ws.merge_cells("D1:E1")
    ws.freeze_panes = "A2"
    validation = DataValidation(type="list", formula1='"yes,no"', showErrorMessage=True)
    validation.add("F2:F9")
    ws.add_data_validation(validation)
    ws.conditional_formatting.add("B2:B9", CellIsRule(operator="greaterThan", formula=["100"], fill=PatternFill()))
    wb.save(path)

    book = xw.Book(path)
    book.sheets[0].copy(name="Copy")
    book.save()

    copied = reopened(path, "Copy")
    assert [[c.value for c in row] for row in copied["A1:C2"]] == [["name", "amount", None], ["Ana", 10, "=B2*2"]]
    assert copied["A1"].font.b and copied["B2"].fill.fgColor.rgb == "FFFFFF00"
    assert copied.column_dimensions["A"].width == 30 and copied.row_dimensions[2].height == 40
    assert [str(m) for m in copied.merged_cells.ranges] == ["D1:E1"] and copied.freeze_panes == "A2"
    assert [str(dv.sqref) for dv in copied.data_validations.dataValidation] == ["F2:F9"]
    assert [str(cf.sqref) for cf in copied.conditional_formatting] == ["B2:B9"]
    assert openpyxl.load_workbook(path).active.title == "Copy"


def test_copying_what_openpyxl_would_leave_out_is_refused(tmp_path: Path) -> None:
    book = xw.Book(vba_workbook(tmp_path / "b.xlsm"))
    other = xw.Book(grid(tmp_path / "o.xlsx", [[1]]))
    cannot = pytest.raises(NotImplementedError, match="the headless engine cannot copy")

    with cannot:
        book.sheets[0].copy()  # its Sync button lives in VML that openpyxl keeps byte for byte, not copies
    with cannot:
        other.sheets[0].copy(after=book.sheets[0])  # into another workbook


def test_delete_turns_references_to_the_sheet_into_ref_errors_as_excel_does(tmp_path: Path) -> None:
    path = grid(tmp_path / "d.xlsx", [[5]], title="Rates", more=("Report", "Notes"))
    book = xw.Book(path)
    report = book.sheets["Report"]
    report["A1"].value = "=Rates!A1*2"
    report["A2"].value = "=SUM('Rates'!$A$1:$A$3)+A1"
    book.names.add("Rate", "=Rates!$A$1")
    book.sheets["Rates"].names.add("Local", "=Rates!$A$1")
    book.sheets["Rates"].select()

    book.sheets["Rates"].delete()
    assert [s.name for s in book.sheets] == ["Report", "Notes"]
    assert book.sheets.active.name == "Report"  # Excel shows the next sheet
    assert report["A1:A2"].formula == (("=#REF!A1*2",), ("=SUM(#REF!$A$1:$A$3)+A1",))
    assert book.names["Rate"].refers_to == "=#REF!$A$1" and len(book.names) == 1  # the sheet's own name went
    book.sheets["Notes"].visible = False
    with pytest.raises(ValueError, match="at least one visible sheet"):
        report.delete()
    book.save()

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Report", "Notes"] and wb["Report"]["A1"].value == "=#REF!A1*2"
    assert wb["Notes"].sheet_state == "hidden" and wb.defined_names["Rate"].attr_text == "#REF!$A$1"


def test_deleting_the_last_sheet_moves_the_active_one_back(tmp_path: Path) -> None:
    book = xw.Book(grid(tmp_path / "l.xlsx", [[1]], more=("Second", "Third")))
    book.sheets["Third"].activate()
    book.sheets["Third"].delete()
    assert book.sheets.active.name == "Second"
    book.sheets["Data"].delete()
    assert book.sheets.active.name == "Second" and len(book.sheets) == 1


def test_clear_clear_formats_and_clear_contents_do_what_their_names_say(tmp_path: Path) -> None:
    path = tmp_path / "clear.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ([1, 2, 3], [4, 5, 6]):
        ws.append(row)
    for cell in ("A1", "B1", "C1", "A2"):
        ws[cell].fill = PatternFill("solid", fgColor="FFFF0000")
        ws[cell].number_format = "0.00"
    ws.merge_cells("B2:C2")
    wb.save(path)
    book = xw.Book(path)
    sheet = book.sheets[0]

    sheet["A1"].clear_contents()
    sheet["B1"].clear_formats()
    sheet["C1"].clear()
    sheet["A2:C2"].clear_formats()  # undoes the merged area too
    assert sheet["A1:C1"].value == [None, 2.0, None] and sheet["A1"].color == (255, 0, 0)
    assert sheet["B1"].color is None and sheet["B1"].number_format == "General" and sheet["C1"].color is None
    assert sheet["A2"].value == 4.0 and sheet["A2"].color is None and not sheet["B2"].merge_cells
    book.save()

    ws = reopened(path)
    assert [ws.cell(1, c).value for c in (1, 2, 3)] == [None, 2, None] and ws["A1"].fill.fgColor.rgb == "FFFF0000"
    assert ws["B1"].fill.fill_type is None and ws["B1"].number_format == "General" and not ws.merged_cells.ranges
    sheet.clear()
    book.save()
    assert reopened(path).max_row == 1 and reopened(path)["A2"].value is None


def test_column_widths_and_row_heights_in_excels_units(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(path)  # XlsxWriter converts widths the way Excel does
    ws = wb.add_worksheet("Data")
    ws.set_column("B:B", 20)
    ws.set_column("D:F", 12)
    ws.set_row(1, 30)
    ws.write("A1", "x")
    wb.close()
    book = xw.Book(path)
    sheet = book.sheets[0]

    assert sheet["A1"].column_width == 8.43 and sheet["B1"].column_width == 20  # Excel's default for Calibri 11
    assert sheet["A1:B1"].column_width is None and sheet["D:F"].column_width == 12
    assert sheet["A1"].row_height == 15 and sheet["A2"].row_height == 30 and sheet["A1:A2"].row_height is None
    assert sheet["B1"].width == 108.75 and sheet["C1"].left == 156.75  # 64 + 145 pixels at 0.75 points each
    assert sheet["A1:A3"].height == 60 and sheet["A3"].top == 45
    sheet["A:A"].column_width = 20
    sheet["E1"].column_width = 30  # splits XlsxWriter's D:F span
    sheet["C1"].column_width = 0  # hides, as in Excel
    sheet["3:4"].row_height = 24.75
    assert sheet["A1"].column_width == 20 and sheet["D1:F1"].column_width is None and sheet["C1"].column_width == 0
    with pytest.raises(ValueError):
        sheet["A1"].column_width = 256
    with pytest.raises(ValueError):
        sheet["A1"].row_height = 410
    book.save()

    ws = reopened(path)
    assert ws.column_dimensions["A"].width == 20.7109375 and ws.column_dimensions["C"].hidden
    assert [(d.min, d.max, d.width) for d in ws.column_dimensions.values() if d.min >= 4] == [
        (4, 4, 12.7109375), (5, 5, 30.7109375), (6, 6, 12.7109375)]
    assert ws.row_dimensions[3].height == ws.row_dimensions[4].height == 24.75


def table(path: Path) -> Path:
    """Data!A1:C5 (amounts, doubled, labels), a total, names and another sheet's formula on them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for r in range(1, 6):
        ws.append([r, f"=A{r}*2", f"row {r}"])
    ws["E1"] = "=SUM(A1:A5)"
    ws["E2"] = "=SUM($A$2:$A$3)"
    ws["E3"] = "=SUM(A:A)"
    ws["A3"].fill = PatternFill("solid", fgColor="FF00FF00")
    ws.row_dimensions[3].height = 33
    ws.merge_cells("F2:G4")
    validation = DataValidation(type="whole", showErrorMessage=True)
    validation.add("A1:A5")
    ws.add_data_validation(validation)
    ws.conditional_formatting.add("B2:B4", CellIsRule(operator="greaterThan", formula=["$A$4"], fill=PatternFill()))
    report = wb.create_sheet("Report")
    report["A1"] = "=Data!A4*10"
    report["A2"] = "=SUM(Data!A1:A5)"
    wb.defined_names["Amounts"] = openpyxl.workbook.defined_name.DefinedName("Amounts", attr_text="Data!$A$1:$A$5")
    wb.save(path)
    return path


def test_inserting_whole_rows_moves_cells_and_every_reference_to_them(tmp_path: Path) -> None:
    path = table(tmp_path / "ins.xlsx")
    book = xw.Book(path)
    sheet = book.sheets["Data"]

    sheet.range("3:4").insert("down")  # two rows above row 3; new rows take row 2's format
    assert sheet["A1:A7"].value == [1.0, 2.0, None, None, 3.0, 4.0, 5.0]
    assert sheet["B5:B7"].formula == (("=A5*2",), ("=A6*2",), ("=A7*2",))
    assert sheet["E1:E2"].formula == (("=SUM(A1:A7)",), ("=SUM($A$2:$A$5)",))  # $ or not, as in Excel
    assert sheet["E5"].formula == "=SUM(A:A)" and sheet["E3"].formula == ""  # whole columns stay whole
    assert book.sheets["Report"]["A1:A2"].formula == (("=Data!A6*10",), ("=SUM(Data!A1:A7)",))
    assert book.names["Amounts"].refers_to == "=Data!$A$1:$A$7"
    assert sheet["F2"].merge_area.address == "$F$2:$G$6"  # the insertion cut it: it grows
    assert sheet["A5"].color == (0, 255, 0) and sheet["A3"].color is None and sheet["A5"].row_height == 33
    book.save()

    wb = openpyxl.load_workbook(path)
    ws = wb["Data"]
    assert [ws.cell(r, 1).value for r in range(1, 8)] == [1, 2, None, None, 3, 4, 5]
    assert ws["E2"].value == "=SUM($A$2:$A$5)" and wb["Report"]["A1"].value == "=Data!A6*10"
    assert [str(m) for m in ws.merged_cells.ranges] == ["F2:G6"] and ws.row_dimensions[5].height == 33
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["A1:A7"]
    cf = next(iter(ws.conditional_formatting))
    assert str(cf.sqref) == "B2:B6" and cf.rules[0].formula == ["$A$6"]
    assert wb.defined_names["Amounts"].attr_text == "Data!$A$1:$A$7"


def test_inserted_rows_take_the_format_of_the_row_above_or_below(tmp_path: Path) -> None:
    path = table(tmp_path / "fmt.xlsx")
    sheet = xw.Book(path).sheets["Data"]

    sheet.range("3:3").insert("down")
    assert sheet["A3"].color is None and sheet["A3"].row_height == 15  # row 2's
    sheet.range("3:3").insert("down", copy_origin="format_from_right_or_below")
    assert sheet["A3"].color is None and sheet["A5"].color == (0, 255, 0)
    sheet.range("5:5").insert("down", copy_origin="format_from_right_or_below")
    assert sheet["A5"].color == (0, 255, 0) and sheet["A5"].row_height == 33 and sheet["A5"].value is None


def test_inserting_cells_shifts_only_their_columns_or_rows(tmp_path: Path) -> None:
    path = table(tmp_path / "cells.xlsx")
    book = xw.Book(path)
    sheet = book.sheets["Data"]

    sheet["A2:B2"].insert("down")  # C and E stay
    assert sheet["A1:C3"].value == [[1.0, "=A1*2", "row 1"], [None, None, "row 2"], [2.0, "=A3*2", "row 3"]]
    assert sheet["B6"].formula == "=A6*2"  # moved, and still refers to its neighbour
    assert sheet["E1"].formula == "=SUM(A1:A6)"  # within the moved columns: grows
    assert book.sheets["Report"]["A1"].formula == "=Data!A5*10"
    sheet["A6"].insert("right")  # row 6 only
    assert sheet["A6:C6"].value == [None, 5.0, "=B6*2"]
    assert sheet["E1"].formula == "=SUM(A1:A6)"  # reaches beyond the moved row: stays
    assert sheet["F3:G3"].insert("down") is None and sheet["F2"].merge_area.address == "$F$2:$G$5"
    with pytest.raises(ValueError, match="merged cells F2:G5"):
        sheet["G3"].insert("down")  # would split the merged area: Excel refuses too
    book.save()
    ws = reopened(path, "Data")
    assert [ws.cell(6, c).value for c in (1, 2, 3)] == [None, 5, "=B6*2"]


def test_deleting_rows_and_columns_shrinks_references_and_breaks_those_to_deleted_cells(tmp_path: Path) -> None:
    path = table(tmp_path / "del.xlsx")
    book = xw.Book(path)
    sheet = book.sheets["Data"]

    sheet.range("2:3").delete()  # shift is optional for delete: whole rows go up
    assert sheet["A1:A3"].value == [1.0, 4.0, 5.0] and sheet["B2"].formula == "=A2*2"
    assert sheet["E1"].formula == "=SUM(A1:A3)"
    assert sheet["E2:E3"].value == [None, None]  # E2 and E3 were deleted with their rows
    assert book.sheets["Report"]["A1:A2"].formula == (("=Data!A2*10",), ("=SUM(Data!A1:A3)",))
    assert sheet["F2"].merge_area.address == "$F$2:$G$2"
    sheet["A3"].value = "=A2+C1"
    sheet["A:A"].delete()
    assert sheet["A1:B1"].formula == (("=#REF!*2", "row 1"),)
    assert sheet["D1"].formula == "=SUM(#REF!)" and book.names["Amounts"].refers_to == "=Data!#REF!"
    assert sheet["A3"].formula == "=#REF!*2" and sheet["E3"].formula == "" and sheet["B3"].formula == "row 5"
    assert book.sheets["Report"]["A1"].formula == "=Data!#REF!*10"
    sheet["A1:B1"].delete("up")  # columns C on stay
    assert sheet["B1"].value == "row 4" and sheet["D1"].formula == "=SUM(#REF!)"
    book.save()
    ws = reopened(path, "Data")
    assert ws["D1"].value == "=SUM(#REF!)"


def test_delete_without_a_direction_goes_by_the_shape_of_the_range(tmp_path: Path) -> None:
    sheet = xw.Book(grid(tmp_path / "shape.xlsx", [[1, 2, 3], [4, 5, 6], [7, 8, 9]])).sheets[0]

    sheet["A1:B1"].delete()  # wider than tall: up
    assert sheet["A1:C3"].value == [[4.0, 5.0, 3.0], [7.0, 8.0, 6.0], [None, None, 9.0]]
    sheet["A1:A2"].delete()  # taller than wide: left
    assert sheet["A1:C2"].value == [[5.0, 3.0, None], [8.0, 6.0, None]]


def test_cells_are_never_pushed_off_the_sheet(tmp_path: Path) -> None:
    book = xw.Book(grid(tmp_path / "edge.xlsx", [[1]]))
    sheet = book.sheets[0]
    sheet["A1048576"].value = "last"
    with pytest.raises(ValueError, match="nonblank cells off the worksheet"):
        sheet.range("2:2").insert("down")
    assert sheet["A1048576"].value == "last"
    sheet["A1048576"].value = None
    sheet["A1048576"].color = (255, 0, 0)  # a format alone goes over the edge
    sheet.range("2:2").insert("down")
    assert max(row for row, _ in sheet.impl.ws._cells) < 1048576 and sheet["A1"].value == 1.0


def test_formulas_keep_their_cached_results_when_their_cells_move(tmp_path: Path) -> None:
    path = tmp_path / "cached.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write_column("A1", [1, 2, 3])
    ws.write_formula("B3", "=SUM(A1:A3)", None, 6)
    wb.close()
    with zipfile.ZipFile(path) as archive:  # as Excel saves: cached results count
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    sheet = xw.Book(path).sheets[0]
    assert sheet["B3"].value == 6.0
    sheet.range("1:1").insert("down")
    assert sheet["B4"].value == 6.0 and sheet["B4"].formula == "=SUM(A2:A4)" and sheet["B3"].value is None
    sheet["A1"].delete("up")
    assert sheet["B4"].value == 6.0


def test_merge_unmerge_and_merge_area_as_in_excel(tmp_path: Path) -> None:
    path = grid(tmp_path / "m.xlsx", [[1, 2, 3], [4, 5, 6]])
    book = xw.Book(path)
    sheet = book.sheets[0]

    sheet["A1:B2"].merge()  # only the top-left value stays
    assert sheet["B2"].merge_area.address == "$A$1:$B$2" and sheet["A1:B2"].merge_cells is True
    assert sheet["A1:C1"].merge_cells is None and sheet["C1"].merge_cells is False
    assert sheet["C1"].merge_area.address == "$C$1"
    assert sheet["A1:B2"].value == [[1.0, None], [None, None]]
    sheet["B2:C2"].merge()  # touches A1:B2: they merge into one
    assert sheet["C2"].merge_area.address == "$A$1:$C$2"
    sheet["B1"].unmerge()
    assert not sheet["A1:C2"].merge_cells
    sheet["A4:C5"].merge(across=True)
    book.save()
    assert sorted(str(m) for m in reopened(path).merged_cells.ranges) == ["A4:C4", "A5:C5"]


def test_current_region_is_bounded_by_blank_rows_and_columns(tmp_path: Path) -> None:
    rows = [["h1", "h2", None, "x"], [1, 2, None, None], [None, None, 3, None], [None, None, None, None], [9]]
    sheet = xw.Book(grid(tmp_path / "r.xlsx", rows)).sheets[0]

    assert sheet["A1"].current_region.address == "$A$1:$D$3"  # C3 joins by B2's corner, then D1 by C's column
    assert sheet["A5"].current_region.address == "$A$5"
    assert sheet["F9"].current_region.address == "$F$9"


def test_wrap_text_visible_and_the_selection(tmp_path: Path) -> None:
    path = grid(tmp_path / "v.xlsx", [["long text"]], more=("Hidden",))
    book = xw.Book(path)
    sheet = book.sheets[0]

    sheet["A1"].wrap_text = True
    assert sheet["A1"].wrap_text is True and sheet["A2"].wrap_text is False and sheet["A1:A2"].wrap_text is None
    book.sheets["Hidden"].visible = False
    assert book.sheets["Hidden"].visible is False and sheet.visible is True
    with pytest.raises(ValueError, match="at least one visible sheet"):
        sheet.visible = False
    book.save()
    wb = openpyxl.load_workbook(path)
    assert wb.active["A1"].alignment.wrap_text and wb["Hidden"].sheet_state == "hidden"


def vba_workbook(path: Path) -> Path:
    """An .xlsm with xlwings' VBA project and a Sync button on Sheet1, and a plain second sheet."""
    with zipfile.ZipFile(Path(xw.__file__).parent / "quickstart_standalone.xlsm") as template:
        vba = template.read("xl/vbaProject.bin")
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Sheet1")
    plain = wb.add_worksheet("Plain")
    wb.set_vba_name("ThisWorkbook")
    ws.set_vba_name("Sheet1")
    plain.set_vba_name("Sheet2")
    wb.add_vba_project(io.BytesIO(vba), is_stream=True)
    ws.insert_button("D2", {"macro": "SampleCall", "caption": "Sync"})
    ws.write_column("A1", ["a", "b", "c"])
    plain.write("A1", "plain")
    wb.close()
    return path


def test_vba_and_the_button_survive_every_operation(tmp_path: Path) -> None:
    path = vba_workbook(tmp_path / "sync.xlsm")

    def kept(p: Path) -> dict[str, bytes]:
        with zipfile.ZipFile(p) as archive:
            return {n: archive.read(n) for n in archive.namelist() if n.endswith((".bin", ".vml"))}

    original = kept(path)
    book = xw.Book(path)
    sheet = book.sheets["Sheet1"]
    sheet.select()
    sheet.range("2:2").insert("down")
    sheet["A1"].delete("up")
    sheet["A:A"].column_width = 25
    sheet["1:1"].row_height = 20
    sheet["A1:B1"].merge()
    sheet["A3"].clear()
    book.sheets["Plain"].copy(name="Plain copy")
    book.sheets["Plain"].delete()
    book.save()

    assert kept(path) == original and b"SampleCall" in next(v for n, v in original.items() if n.endswith(".vml"))
    wb = openpyxl.load_workbook(path, keep_vba=True)
    wb.vba_archive.close()  # else the garbage collector closes it after its buffer, and warns
    assert wb.sheetnames == ["Sheet1", "Plain copy"] and wb["Sheet1"]["A2"].value == "b"
    assert wb["Plain copy"].sheet_properties.codeName is None  # Excel names the copy's VBA module itself
    assert wb["Sheet1"].legacy_drawing is not None and wb["Plain copy"]["A1"].value == "plain"


def test_what_a_closed_file_cannot_do_still_raises_a_clear_error(tmp_path: Path) -> None:
    path = grid(tmp_path / "u.xlsx", [[1]])
    book = xw.Book(path)
    sheet = book.sheets[0]
    cannot = pytest.raises(NotImplementedError, match="the headless engine cannot")

    with pytest.raises(NotImplementedError, match="cannot autofit: .* needs Excel's font rendering"):
        sheet["A1"].autofit()
    with pytest.raises(NotImplementedError, match="cannot autofit"):
        sheet.autofit("c")
    with pytest.raises(NotImplementedError, match="cannot autofit"):
        sheet["A:A"].columns.autofit()
    with cannot:
        sheet["A1:A3"].sort(keys=[1])
    with cannot:
        sheet["A1"].copy_picture()
    with cannot:
        sheet["A1"].to_png(tmp_path / "a.png")
    with cannot:
        book.to_pdf(tmp_path / "a.pdf")
    with cannot:
        sheet["A1"].add_note("no VML for notes")


def test_a_sheet_moves_and_the_active_one_stays_active(tmp_path: Path) -> None:
    path = grid(tmp_path / "mv.xlsx", [[1]], more=("B", "C"))
    book = xw.Book(path)
    book.sheets["B"].activate()

    book.sheets["C"].move(before=book.sheets["Data"])
    book.sheets["Data"].move(after=book.sheets["B"])
    assert [s.name for s in book.sheets] == ["C", "B", "Data"] and book.sheets.active.name == "B"
    book.save()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["C", "B", "Data"] and wb.active.title == "B"


def test_freeze_panes_the_selection_and_rows_and_columns_hidden_by_a_zero_size(tmp_path: Path) -> None:
    path = grid(tmp_path / "fz.xlsx", [[1, 2, 3]], more=("Other",))
    book = xw.Book(path)
    sheet = book.sheets[0]

    sheet.freeze_panes.freeze_at("1:1")
    assert sheet.impl.ws.freeze_panes == "A2"
    sheet.freeze_panes.freeze_at(sheet["B2"])  # the rows and columns up to it
    assert sheet.impl.ws.freeze_panes == "C3"
    book.sheets["Other"].freeze_panes.freeze_at("A:A")
    book.sheets["Other"].freeze_panes.unfreeze()
    assert book.sheets["Other"].impl.ws.freeze_panes is None
    sheet["B2:C4"].select()
    assert book.app.selection.address == "$B$2:$C$4"
    assert sheet.show_gridlines is True
    sheet.show_gridlines = False
    sheet["2:3"].row_height = 0  # hides them, as in Excel
    sheet["B:C"].column_width = 0
    assert sheet["A2"].row_height == 0 and sheet["1:2"].row_height is None and sheet["A4"].row_height == 15
    assert sheet["C1"].column_width == 0 and sheet["A1:B1"].column_width is None and sheet["A1"].column_width == 8.43
    book.save()

    ws = reopened(path, "Data")
    assert ws.freeze_panes == "C3" and ws.row_dimensions[2].hidden and ws.row_dimensions[3].hidden
    assert ws.column_dimensions["B"].hidden and ws.column_dimensions["B"].max == 3
    assert ws.sheet_view.selection[-1].sqref == "B2:C4" and ws.sheet_view.showGridLines is False


def test_alignment_and_hyperlinks_as_xlwings_names_them(tmp_path: Path) -> None:
    path = grid(tmp_path / "al.xlsx", [["a", "b"]])
    book = xw.Book(path)
    sheet = book.sheets[0]

    assert sheet["A1"].horizontal_alignment == "general" and sheet["A1"].vertical_alignment == "bottom"
    sheet["A1"].horizontal_alignment = "center_across_selection"
    sheet["A1:B1"].vertical_alignment = "top"
    assert sheet["A1"].horizontal_alignment == "center_across_selection" and sheet["A1:B1"].horizontal_alignment is None
    assert sheet["A1:B1"].vertical_alignment == "top"
    sheet["C1"].add_hyperlink("www.xlwings.org")  # xlwings adds the http:// and the text
    sheet["C2"].add_hyperlink("https://example.com", "=not a formula", "tip")
    assert sheet["C1"].value == "www.xlwings.org" and sheet["C1"].hyperlink == "http://www.xlwings.org"
    assert sheet["C2"].value == "=not a formula"
    with pytest.raises(Exception, match="doesn't seem to contain a hyperlink"):
        sheet["A1"].hyperlink  # noqa: B018
    book.save()

    ws = reopened(path)
    assert ws["A1"].alignment.horizontal == "centerContinuous" and ws["B1"].alignment.vertical == "top"
    assert ws["C2"].hyperlink.target == "https://example.com" and ws["C2"].hyperlink.tooltip == "tip"
    assert ws["C2"].data_type == "s" and ws["C1"].font.u == "single" and ws["C1"].font.color.theme == 10
    assert ws["C1"].font.sz == 11  # the Normal font's size, as Excel's Hyperlink style keeps it


def test_range_copy_pastes_values_formulas_and_formats_as_excel_does(tmp_path: Path) -> None:
    path = tmp_path / "cp.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append([1, 2, "=A1+B1"])
    ws.append([None, None, "=SUM($A$1:A2)"])
    ws["A2"], ws["A2"].data_type, ws["A2"].quotePrefix = "=text", "s", True  # text typed as '=text
    ws["A1"].fill = PatternFill("solid", fgColor="FF0000FF")
    ws.merge_cells("A3:B3")
    ws["A3"] = "merged"
    wb.create_sheet("Other")
    wb.save(path)
    book = xw.Book(path)
    sheet = book.sheets["Data"]
    other = book.sheets["Other"]

    other["Z9"].value = "overwritten"
    sheet["A1:C3"].copy(other["Y8"])
    assert other["Y8:AA8"].formula == (("1", "2", "=Y8+Z8"),)
    assert other["Y9:AA9"].formula == (("=text", "", "=SUM($A$1:Y9)"),) and other["Y9"].value == "=text"
    assert other["Y8"].color == (0, 0, 255) and other["Y10"].merge_area.address == "$Y$10:$Z$10"
    sheet["A1:B2"].copy(sheet["B1"])  # overlapping: Excel reads the source first
    assert sheet["A1:C2"].value == [[1.0, 1.0, 2.0], ["=text", "=text", None]]
    other["A1"].copy_from(sheet["A1:C1"], copy_type="values", transpose=True)
    assert other["A1:A3"].value == [1.0, 1.0, 2.0] and other["A1"].color is None
    other["B1"].copy_from(sheet["A1:C1"], copy_type="formats")
    assert other["B1"].color == (0, 0, 255) and other["B1"].value is None
    other["C1"].copy_from(sheet["A1:B1"], copy_type="link")
    assert other["C1:D1"].formula == (("=Data!$A$1", "=Data!$B$1"),)
    with pytest.raises(NotImplementedError, match="no clipboard|there is none"):
        sheet["A1"].copy()
    book.save()

    ws = reopened(path, "Other")
    assert ws["AA8"].value == "=Y8+Z8" and ws["Y9"].quotePrefix
    assert "Y10:Z10" in [str(m) for m in ws.merged_cells.ranges]


def test_a_copy_refers_to_itself_where_the_sheet_referred_to_itself_by_name(tmp_path: Path) -> None:
    path = grid(tmp_path / "self.xlsx", [[1, "=Data!A1*2", "=A1+Other!A1"]], more=("Other",))
    book = xw.Book(path)
    book.sheets["Data"].names.add("Here", "=Data!$A$1")

    copied = book.sheets["Data"].copy()
    assert copied["B1:C1"].formula == (("='Data (2)'!A1*2", "=A1+Other!A1"),)
    assert copied.names["Here"].refers_to == "='Data (2)'!$A$1"
    assert book.sheets["Data"]["B1"].formula == "=Data!A1*2" and book.names["Data!Here"].refers_to == "=Data!$A$1"


def test_spills_move_and_a_3d_reference_is_refused_before_anything_changes(tmp_path: Path) -> None:
    book = xw.Book(grid(tmp_path / "spill.xlsx", [[1, 2], [3, 4]], more=("Other",)))
    sheet = book.sheets[0]
    sheet["D1"].value = "=SUM(A1#)"  # a spilled range: openpyxl's tokenizer does not know it
    sheet.range("1:1").insert("down")
    assert sheet["D2"].formula == "=SUM(A2#)"

    sheet["E2"].value = "=SUM(Data:Other!A1)"
    with pytest.raises(NotImplementedError, match="cannot rewrite the 3-D reference Data:Other!A1"):
        sheet.range("1:1").insert("down")
    assert sheet["A2:B3"].value == [[1.0, 2.0], [3.0, 4.0]] and sheet["D2"].formula == "=SUM(A2#)"


@pytest.mark.parametrize("formula", [
    "=SUM(A1:B2)+Data!$C$3*'My Sheet'!A:A", "=A1 B2", '=IF(A1>0,"x, A1 and Data!B2",{1,2})', "=LOG10(A1)+1E5",
    "=[1]Data!A1+Tax+A1", "=1:1", "=$A$1:$B$2 * 2", "=Table1[[#This Row],[A1]]+Table1[Amount]", "=#REF!A1+B$7",
    "=Продажи!A1+'It''s'!$B:$C", "=ATAN2(A1,B1)+XFD1048576", "=SUMIFS(Data!C:C,Data!A:A,\"a\")",
])
def test_the_references_the_engine_finds_are_those_openpyxls_tokenizer_finds(formula: str) -> None:
    found: list[str] = []
    engine._REFERENCE.sub(lambda m: found.append(m[0]) or m[0] if m["address"] else m[0], formula)
    tokens = Tokenizer(formula).items
    # The tokenizer also calls names (Tax), tables' columns and [1]Data!A1 (another book's) ranges, and reads
    # #REF!A1 (a reference to a deleted sheet, dead) as an error followed by A1
    expected = [t.value for before, t in zip([None, *tokens], tokens)
                if t.type == Token.OPERAND and t.subtype == Token.RANGE and re.search(r"\d|:", t.value)
                and "[" not in t.value and not (before and before.subtype == Token.ERROR)]
    assert found == expected


@pytest.mark.parametrize(("name", "written"), [
    ("Sales_2026", "Sales_2026"), ("Q1", "'Q1'"), ("R2C3", "'R2C3'"), ("R", "'R'"), ("2026", "'2026'"),
    ("My Sheet", "'My Sheet'"), ("O'Neil", "'O''Neil'"), ("Продажи", "Продажи"),
])
def test_a_renamed_sheet_is_quoted_in_formulas_where_excel_quotes_it(tmp_path: Path, name: str, written: str) -> None:
    book = xw.Book(grid(tmp_path / "q.xlsx", [[1]], more=("Report",)))
    book.sheets["Report"]["A1"].value = "=Data!A1"
    book.sheets["Data"].name = name
    assert book.sheets["Report"]["A1"].formula == f"={written}!A1"


def test_the_print_area_and_titles_follow_inserted_and_deleted_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "print.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.print_area, wb.active.print_title_rows, wb.active.print_title_cols = "A1:C10", "2:3", "A:B"
    wb.save(path)
    book = xw.Book(path)
    sheet = book.sheets[0]

    sheet.range("1:1").insert("down")
    sheet["A:A"].insert("right")
    sheet.range("3:4").delete()  # every title row: Excel drops them
    book.save()
    ws = reopened(path)
    assert (ws.print_area, ws.print_title_rows, ws.print_title_cols) == ("'Data'!$B$2:$D$9", None, "$B:$C")


def test_move_cuts_and_pastes_and_references_follow_the_cells(tmp_path: Path) -> None:
    path = table(tmp_path / "mv.xlsx")
    book = xw.Book(path)
    sheet = book.sheets["Data"]
    sheet["J1"].value = "=J9"  # will be pasted over: #REF!, as in Excel

    sheet["A4:C5"].move(sheet["H8"])  # rows 4-5 (4, 5 and their doubles) to H8:J9
    assert sheet["A4:C5"].value == [[None] * 3] * 2
    assert sheet["H8:I9"].value == [[4.0, "=H8*2"], [5.0, "=H9*2"]]  # references inside the block moved with it
    assert sheet["E1"].formula == "=SUM(A1:A5)"  # only partly inside the block: unchanged
    assert book.sheets["Report"]["A1"].formula == "=Data!H8*10"  # A4 moved to H8
    assert sheet["J1"].formula == "=#REF!"
    with pytest.raises(ValueError, match="merged cells F2:G4"):
        sheet["F2:F4"].move(sheet["F10"])  # part of a merged area
    sheet["F2:G4"].move(sheet["F12"])
    assert sheet["F12"].merge_area.address == "$F$12:$G$14"
    with pytest.raises(NotImplementedError, match="another sheet"):
        sheet["A1"].move(book.sheets["Report"]["A5"])
    book.save()
    ws = reopened(path, "Data")
    assert ws["I9"].value == "=H9*2" and [str(m) for m in ws.merged_cells.ranges] == ["F12:G14"]


def test_a_save_keeps_the_files_permissions_and_a_new_file_gets_the_usual_ones(tmp_path: Path) -> None:
    """Saving goes through a 0600 temporary file; as Excel does, a saved-over file keeps its mode and a new one gets 0666 less the umask."""
    path = grid(tmp_path / "shared.xlsx", [[1]])
    path.chmod(0o664)
    book = xw.Book(path)
    book.sheets[0]["A2"].value = 2
    book.save()
    assert path.stat().st_mode & 0o777 == 0o664

    umask = os.umask(0o027)
    try:
        book.save(tmp_path / "copy.xlsx")
    finally:
        os.umask(umask)
    assert (tmp_path / "copy.xlsx").stat().st_mode & 0o777 == 0o640
    assert reopened(path)["A2"].value == 2
