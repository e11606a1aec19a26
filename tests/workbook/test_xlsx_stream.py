"""Large sheets kept as rows and saved as a stream read, write and save exactly what openpyxl does."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation

from workbook import engine, xlsx_stream
from workbook.build import build
from workbook.layout import CLIENTS, CLIENTS_BOOK, FIRST_ROW

HOSTILE = [
    "x" * 40_000,                       # longer than a cell holds: cut to 32,767 like openpyxl
    "tab\tnew\nline\r\nreturn\rend",
    " leading and trailing ",
    "=1+1", "'=1+1", "+85512345678", "-5", "@home", "#N/A", "'#N/A",
    "ក្រុមហ៊ុន សុខដារ៉ា", "ООО «Ромашка» & <Co> \"quoted\" 'single'",
    "0012345", "1e5", "TRUE", "😀 emoji", "\x7f\x80\x9f C1", "_x000D_ escaped-looking",
    "", "'", "a]]>b",
]


def _source(path: Path) -> Path:
    """A workbook with what a table sheet may hold: every kind of cell, styles, validations, names, panes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "title"
    ws["A1"].font = Font(bold=True)
    ws.freeze_panes = "B2"
    ws.column_dimensions["B"].width = 33
    ws.row_dimensions[3].height = 30
    dv = DataValidation(type="list", formula1='"yes,no"', showErrorMessage=True)
    ws.add_data_validation(dv)
    dv.add("C2:C500")
    wb.defined_names["things"] = openpyxl.workbook.defined_name.DefinedName("things", attr_text="Data!$A$2:$A$9")
    for r, text in enumerate(HOSTILE, 2):
        ws.cell(r, 1, text[:32767] if not text.startswith("=") else text).data_type = "s"
        ws.cell(r, 2, r * 1.5)
        ws.cell(r, 3, r % 2 == 0)
        ws.cell(r, 4, r)
    ws["E2"] = "=SUM(D2:D5)"
    ws["E3"] = "#DIV/0!"
    ws["E4"] = dt.datetime(2026, 12, 8, 1, 2, 3)
    ws["E5"] = dt.date(2026, 1, 31)
    ws["E6"].number_format = "0.00"            # styled, empty
    ws["E7"] = 12.5
    ws["E7"].number_format = "yyyy-mm-dd"      # a number in a date format
    ws["F2"] = "phone"
    ws["F2"].quotePrefix = True
    ws["G9"] = 1e-20
    ws["G10"] = 12345678901234567890
    ws["H40"] = "far below"
    out = path / "data.xlsx"
    wb.save(out)
    return out


def _open(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(xlsx_stream, "STREAM_BYTES", 0 if fast else 1 << 62)
    monkeypatch.setattr(xlsx_stream, "ADOPT_CELLS", 1 if fast else 1 << 62)
    engine.activate()
    book = xw.Book(str(path))
    return book


def _edit(book: Any) -> None:
    """What a Sync and a person do to a table: read it, clear it, write it back changed."""
    sheet = book.sheets["Data"]
    body = sheet.range((2, 1), (sheet.used_range.last_cell.row, 8)).value
    sheet.range((2, 1), (60, 8)).clear_contents()
    rows = [[*row[:7], text] for row, text in zip(body, HOSTILE + HOSTILE)]
    sheet.range((2, 1)).value = rows
    engine.write_text(sheet.range((2, 9)), [[text] for text in HOSTILE if "\x7f" not in text])
    sheet.range("J2").value = "=A2&\"!\""
    sheet.range("J3").value = dt.datetime(2020, 2, 29, 12, 0)
    sheet.range("J4").value = "'=not a formula"
    sheet.range("F2").value = "no longer quoted"
    sheet.range("E6").value = 7
    sheet.range("K2:K4").value = 3
    sheet.range("A70").value = [[1, "two", None, True]]


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "docProps/core.xml"}


def _values(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    if wb.vba_archive is not None:
        wb.vba_archive.close()  # else its BytesIO may be collected first and the close in __del__ fails
    return [(ws.title, cell.coordinate, cell.value, cell.data_type, cell.style_id, cell.number_format,
             cell.quotePrefix) for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


@pytest.mark.parametrize("edit", [False, True])
def test_a_streamed_sheet_reads_writes_and_saves_exactly_as_openpyxl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      edit: bool) -> None:
    source = _source(tmp_path)
    results = {}
    for fast in (False, True):
        book = _open(source, fast, monkeypatch)
        sheet = book.sheets["Data"]
        assert (xlsx_stream.store_of(sheet.impl.ws) is not None) == fast
        read = sheet.range("A1:H40").value, sheet.used_range.address, sheet.range("E2:E7").options(err_to_str=True).value
        if edit:
            _edit(book)
            read += (sheet.range("A1:K80").value, sheet.used_range.address)
        assert (xlsx_stream.store_of(sheet.impl.ws) is not None) == fast  # nothing above needed openpyxl cells
        out = tmp_path / f"out-{fast}.xlsx"
        book.save(str(out))
        book.close()
        results[fast] = read, _members(out), _values(out)
    slow, fast = results[False], results[True]
    assert fast[0] == slow[0]
    assert fast[1].keys() == slow[1].keys()
    for name in slow[1]:
        assert fast[1][name] == slow[1][name], name  # every part byte for byte, the sheet's XML included
    assert fast[2] == slow[2]


def test_the_clients_workbook_keeps_its_vba_and_buttons_byte_for_byte(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = build(CLIENTS_BOOK, tmp_path, "en", "http://127.0.0.1:1", {})
    before = _members(path)
    width = len(CLIENTS.columns)
    rows = [[i, None, f"Client {i} «Ромашка» ក្រុមហ៊ុន", None, "client", "company", "KH", f"K{i:03}",
             "'+85512345678", None, f"c{i}@example.com"] + [None] * (width - 11) for i in range(1, 3001)]
    outs = {}
    for fast in (False, True):
        book = _open(path, fast, monkeypatch)
        sheet = book.sheets[CLIENTS.sheet_name("en")]
        sheet.range((FIRST_ROW, 1)).value = rows      # 3,000 rows: adopted into a Store on the fast side
        assert (xlsx_stream.store_of(sheet.impl.ws) is not None) == fast
        out = tmp_path / f"clients-{fast}.xlsm"
        book.save(str(out))
        book.close()
        outs[fast] = _members(out)
        reopened = _open(out, fast, monkeypatch)
        assert reopened.sheets[CLIENTS.sheet_name("en")].range((FIRST_ROW + 2999, 1), (FIRST_ROW + 2999, 11)).value \
            == [3000.0, None, "Client 3000 «Ромашка» ក្រុមហ៊ុន", None, "client", "company", "KH", "K3000",
                "+85512345678", None, "c3000@example.com"]
        reopened.close()
    assert outs[True] == outs[False]
    for name, data in before.items():
        if name.startswith(("xl/vba", "xl/drawings/")):
            assert outs[True][name] == data, name  # the VBA project and the form buttons


def test_what_the_rows_do_not_serve_turns_them_into_openpyxl_cells_first(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    source = _source(tmp_path)
    book = _open(source, True, monkeypatch)
    sheet = book.sheets["Data"]
    sheet.range("A2").value = "changed"
    sheet.range("B2:B3").number_format = "0.000"   # formats are openpyxl's: the sheet becomes cells
    assert xlsx_stream.store_of(sheet.impl.ws) is None
    ws = sheet.impl.ws
    assert isinstance(ws._cells, dict) and isinstance(ws._cells[2, 1], Cell)
    assert sheet.range("A2").value == "changed" and sheet.range("B2").number_format == "0.000"
    assert sheet.range("A1").end("down").address == "$A$19"  # row 20 holds ""
    book.close()


def test_illegal_characters_are_refused_as_openpyxl_refuses_them(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    source = _source(tmp_path)
    for fast in (False, True):
        book = _open(source, fast, monkeypatch)
        with pytest.raises(IllegalCharacterError):
            book.sheets["Data"].range("A2").value = "bell\x07"
        book.close()


def test_what_the_fast_reader_does_not_know_is_left_to_openpyxl(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"] = "merged", "x"
    ws.merge_cells("A1:B1")
    wb.save(tmp_path / "merged.xlsx")
    book = _open(tmp_path / "merged.xlsx", True, monkeypatch)
    assert xlsx_stream.store_of(book.sheets[0].impl.ws) is None
    assert book.sheets[0].range("A1:A2").value == ["merged", "x"]
    book.close()


def _excel_like(path: Path) -> Path:
    """A file shaped as Excel writes it: shared strings, row spans, self-closing rows and cells, a formula
    with its cached result, a shared formula, text with entities and line ends."""
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.save(path / "plain.xlsx")
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        '<dimension ref="A1:D6"/><sheetData>'
        '<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1"><v>2.5</v></c><c r="D1" t="b"><v>1</v></c></row>'
        '<row r="2" spans="1:4" ht="30" customHeight="1"><c r="A2" t="s"><v>2</v></c><c r="B2"/>'
        '<c r="C2"><f>C1*2</f><v>5</v></c><c r="D2" t="str"><f>A1&amp;"!"</f><v>x &amp; y!</v></c></row>'
        '<row r="3" ht="20" customHeight="1"/>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t xml:space="preserve"> a&#13;b\r\nc </t></is></c>'
        '<c r="B4" t="e"><v>#N/A</v></c><c r="C4"><f t="shared" ref="C4:C5" si="0">C1+1</f><v>3.5</v></c></row>'
        '<row r="5"><c r="C5"><f t="shared" si="0"/><v>4.5</v></c></row>'
        '<row r="6"><c r="A6" t="inlineStr"><is><t>&#1082;&#6016; &lt;&gt; &quot;</t></is></c></row>'
        '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '</worksheet>')
    strings = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
               '<si><t>Клиент</t></si><si><t xml:space="preserve"> ក្រុមហ៊ុន </t></si>'
               '<si><r><t>rich</t></r><r><rPr><b/></rPr><t> text</t></r></si></sst>')
    out = path / "excel.xlsx"
    with zipfile.ZipFile(path / "plain.xlsx") as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif name == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats'
                                    b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                                    b"</Relationships>")
            target.writestr(name, data)
        target.writestr("xl/sharedStrings.xml", strings)
    return out


def test_a_sheet_as_excel_writes_it_reads_and_saves_as_with_openpyxl(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    source = _excel_like(tmp_path)
    results = {}
    for fast in (False, True):
        book = _open(source, fast, monkeypatch)
        sheet = book.sheets["Data"]
        assert (xlsx_stream.store_of(sheet.impl.ws) is not None) == fast
        read = (sheet.range("A1:D6").value, sheet.range("A1:D6").options(err_to_str=True).value,
                sheet.range("A1:D6").formula, sheet.used_range.address)
        sheet.range("A1").value = [["changed", None], ["'=kept as text", 7]]
        out = tmp_path / f"excel-{fast}.xlsx"
        book.save(str(out))
        book.close()
        results[fast] = read, _members(out), _values(out)
    assert results[True][0] == results[False][0]
    assert results[True][0][0][3][0] == " a\rb\nc "  # &#13; stays a CR, a CR LF in the file is one line end
    assert results[True][1] == results[False][1]
    assert results[True][2] == results[False][2]


_SHEET_DATA = (b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c>'
               b'<c r="C1" t="n"><v>1</v></c></row>')


@pytest.mark.parametrize("hostile", [
    # cells out of order in a row
    b'<row r="1"><c r="B1" t="inlineStr"><is><t>b</t></is></c><c r="A1" t="inlineStr"><is><t>a</t></is></c>'
    b'<c r="C1" t="n"><v>1</v></c></row>',
    # one cell given twice
    _SHEET_DATA.replace(b"</row>", b'<c r="C1" t="n"><v>9</v></c></row>'),
    # one row given twice
    _SHEET_DATA + b'<row r="1"><c r="A1" t="n"><v>5</v></c></row>',
    # an element the fast reader does not know between rows
    _SHEET_DATA + b'<extLst/><row r="2"><c r="A2" t="n"><v>2</v></c></row>',
    # a rich-text string
    b'<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>',
], ids=["out-of-order", "repeated-cell", "repeated-row", "unknown-element", "rich-text"])
def test_a_sheet_the_fast_reader_cannot_read_exactly_is_read_by_openpyxl_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hostile: bytes) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active.append(["a", "b", 1])
    wb.save(tmp_path / "plain.xlsx")
    path = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                assert _SHEET_DATA in data
                data = data.replace(_SHEET_DATA, hostile)
            target.writestr(name, data)
    book = _open(tmp_path / "plain.xlsx", True, monkeypatch)
    assert xlsx_stream.store_of(book.sheets["Data"].impl.ws) is not None  # the same file unspoilt is read fast
    book.close()
    results = {}
    for fast in (False, True):
        book = _open(path, fast, monkeypatch)
        sheet = book.sheets["Data"]
        assert xlsx_stream.store_of(sheet.impl.ws) is None
        results[fast] = sheet.range("A1:C2").value, sheet.used_range.address
        book.close()
    assert results[True] == results[False]
