"""Reading uploaded spreadsheets: every format as plain rows, and every hostile file refused with its code."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any, Callable

import pytest

from server.core.errors import ValidationFailed
from server.imports.reader import LIMITS, Sheet, file_kind, read_workbook

from tests.factories import (
    BILLION_LAUGHS, CYRILLIC, KHMER, SHARED_STRINGS, SHEET, XXE_SHEET, bad_crc_xlsx, big_shared_strings_xlsx,
    broken_workbook_xlsx, doctype_after_long_prolog, docx, empty_xlsx, encrypted_entry_zip, encrypted_xlsx,
    fake_encrypted_ole, far_cell_xls, formula_xlsx, huge_declared_xlsx, junk_part_xlsx, lying_size_xlsx,
    many_entries_xlsx, messy_xlsx, nested_bomb_xlsx, ods, password_ods, password_xls, png, raw_xlsx,
    repeated_cells_ods, rowless_refs_xlsx, several_sheets_xlsx, sparse_xlsx, tall_xlsx, xls_via_soffice, zip_bomb_xlsx,
)

MESSY_ROWS: list[list[Any]] = [
    ["Список клиентов на 31.01.2024"],
    [],
    ["Name", "Amount", "Since", "Active"],
    [CYRILLIC, 1234.5, dt.date(2024, 1, 31), True],
    [],
    [KHMER, 7.0, dt.datetime(2023, 12, 1, 9, 30, 15), False],
    ["Group A", 0.1, dt.time(8, 45)],
    [None, -3.0],
]
MESSY_MERGED = [(0, 0, 0, 3), (6, 0, 7, 0)]


def refused(data: bytes, filename: str, code: str, **kwargs: Any) -> ValidationFailed:
    """Read `data`, expect ValidationFailed with `code` on the field "file", and nothing else."""
    with pytest.raises(ValidationFailed) as caught:
        read_workbook(data, filename, **kwargs)
    error = caught.value
    assert error.code == code
    assert [(e.field, e.code) for e in error.errors] == [("file", code)]
    assert error.errors[0].params == error.params
    return error


@pytest.fixture(scope="module")
def xls_book(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The messy workbook as a real BIFF8 .xls, converted once by LibreOffice (fails, never skips, without it)."""
    return xls_via_soffice(messy_xlsx(), tmp_path_factory.mktemp("soffice"))


# --- workbooks ----------------------------------------------------------------------------------------


def test_messy_xlsx_keeps_title_rows_blank_rows_and_positions() -> None:
    sheets = read_workbook(messy_xlsx(), "clients.xlsx")

    assert [s.name for s in sheets] == ["Клиенты", "Товары"]
    first = sheets[0]
    assert first.rows == MESSY_ROWS  # header on row 3 under a title, a blank row kept in place
    assert first.merged == MESSY_MERGED
    assert sheets[1] == Sheet(name="Товары", rows=[["SKU"]], merged=[])


def test_xlsx_numbers_are_floats_and_dates_are_date_types() -> None:
    rows = read_workbook(messy_xlsx(), "clients.xlsx")[0].rows

    # Excel stores doubles: 7 comes back as 7.0, 0.1 as the double nearest 0.1.
    assert [type(v) for v in rows[5]] == [str, float, dt.datetime, bool]
    assert rows[6][1] == 0.1 and repr(rows[6][1]) == "0.1"
    assert type(rows[3][2]) is dt.date and type(rows[6][2]) is dt.time


def test_text_comes_back_byte_exact() -> None:
    rows = read_workbook(messy_xlsx(), "clients.xlsx")[0].rows

    assert rows[5][0].encode("utf-8") == KHMER.encode("utf-8")
    assert rows[3][0].encode("utf-8") == CYRILLIC.encode("utf-8")
    padded = read_workbook(raw_xlsx(shared_strings=SHARED_STRINGS.replace(
        "<t>hello</t>", '<t xml:space="preserve">  two  spaces  </t>')), "a.xlsx")[0].rows
    assert padded == [["  two  spaces  ", 1.5]]


def test_formulas_give_their_values() -> None:
    assert read_workbook(formula_xlsx(), "calc.xlsx")[0].rows == [
        ["qty", "price", "total", "label"],
        [3.0, 2.5, 7.5, "x3"],
    ]


def test_several_sheets_and_one_chosen_by_name_in_any_case() -> None:
    data = several_sheets_xlsx()

    sheets = read_workbook(data, "book.xlsx")
    assert [(s.name, s.rows) for s in sheets] == [
        ("Clients", [["client"]]),
        ("Products", [["product"]]),
        ("Empty", []),
        ("Balances", [[], [None, 42.0]]),
    ]
    assert read_workbook(data, "book.xlsx", sheet="pRODUCTS") == [Sheet("Products", [["product"]], [])]


def test_unknown_sheet_lists_the_sheets_there_are() -> None:
    error = refused(several_sheets_xlsx(), "book.xlsx", "sheet_not_found", sheet="Clients 2024")

    assert error.params == {"sheet": "Clients 2024", "sheets": "Clients, Products, Empty, Balances"}


def test_hand_built_ods() -> None:
    sheets = read_workbook(ods(), "clients.ods")

    assert [s.name for s in sheets] == ["Клиенты", "Second"]
    assert sheets[0].rows == [
        ["Report"],
        ["Name", "Amount", "Since"],
        [KHMER, 1234.5, dt.date(2024, 1, 31)],
        [],
        [],
        [CYRILLIC, -7.0],
    ]  # and the million repeated empty rows LibreOffice writes are not rows
    assert sheets[0].merged == []  # calamine does not report spans in .ods
    assert sheets[1].rows == [["two"]]


def test_xls_converted_by_libreoffice(xls_book: bytes) -> None:
    sheets = read_workbook(xls_book, "clients.xls")

    assert [s.name for s in sheets] == ["Клиенты", "Товары"]
    rows = sheets[0].rows
    assert rows == MESSY_ROWS
    # BIFF8 stores small whole numbers as integers (RK records): 7 and -3 come back as int, not float.
    assert [type(rows[5][1]), type(rows[7][1]), type(rows[3][1])] == [int, int, float]
    assert rows[5][0].encode("utf-8") == KHMER.encode("utf-8")
    assert sheets[0].merged == MESSY_MERGED


def test_nested_archives_are_not_opened() -> None:
    assert read_workbook(nested_bomb_xlsx(), "a.xlsx")[0].rows == [["hello", 1.5]]


def test_only_the_prolog_of_an_xml_part_is_parsed() -> None:
    # Over 64 KiB: the prefix parse stops at the root element, calamine reads the rest.
    rows = read_workbook(big_shared_strings_xlsx(), "a.xlsx")[0].rows
    assert rows == [["hello", 1.5]]
    # Not XML at all, in a part calamine never reads: not "damaged", not "forbidden".
    assert read_workbook(junk_part_xlsx(), "a.xlsx")[0].rows == [["hello", 1.5]]


# --- CSV ----------------------------------------------------------------------------------------------


def test_csv_from_russian_excel_cp1251_with_semicolons() -> None:
    text = ('Наименование;Цена;Примечание\r\n'
            'Стол "Ёлка";1234,50;"В две\r\nстроки; с точкой с запятой"\r\n'
            '\r\n'
            'Стул;;\r\n'
            ';;\r\n')

    sheet = read_workbook(text.encode("cp1251"), "Клиенты.csv")[0]

    assert sheet == Sheet("Клиенты", [
        ["Наименование", "Цена", "Примечание"],
        ['Стол "Ёлка"', "1234,50", "В две\r\nстроки; с точкой с запятой"],
        [],
        ["Стул"],
    ], [])


def test_csv_utf8_with_bom_khmer_and_commas() -> None:
    text = f'ឈ្មោះ,ទូរស័ព្ទ,note\n{KHMER},012 345 678,"a, b"\n'
    rows = read_workbook(b"\xef\xbb\xbf" + text.encode("utf-8"), "khmer.csv")[0].rows

    assert rows == [["ឈ្មោះ", "ទូរស័ព្ទ", "note"], [KHMER, "012 345 678", "a, b"]]
    assert rows[1][0].encode("utf-8") == KHMER.encode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_csv_utf16_with_tabs(encoding: str) -> None:
    text = f"Имя\tСумма\tNote\nИван\t1\t{KHMER}\nПётр\t2\t\"multi\nline\"\n"

    rows = read_workbook(text.encode(encoding), "export.txt")[0].rows

    assert rows == [["Имя", "Сумма", "Note"], ["Иван", "1", KHMER], ["Пётр", "2", "multi\nline"]]


def test_csv_koi8r_and_cp1252_are_told_apart() -> None:
    koi8 = "Наименование;Цена\nСтол письменный;1500,00\nСтул;250,50\n".encode("koi8_r")
    western = "Name;City\nMüller;Köln\nCafé Noël;Besançon\n".encode("cp1252")

    assert read_workbook(koi8, "a.csv")[0].rows[1] == ["Стол письменный", "1500,00"]
    assert read_workbook(western, "a.csv")[0].rows[2] == ["Café Noël", "Besançon"]


@pytest.mark.parametrize(("text", "expected"), [
    ('name,note\n"Doe, John","a;b;c"\n"Roe, Jane","x;y"\n', [["name", "note"], ["Doe, John", "a;b;c"], ["Roe, Jane", "x;y"]]),
    ("a|b|c\n1|2|3\n", [["a", "b", "c"], ["1", "2", "3"]]),
    ("name\nx\ny\n", [["name"], ["x"], ["y"]]),
    ("  a ; b  \n 1 ; 2,5 \n", [["  a ", " b  "], [" 1 ", " 2,5 "]]),
])
def test_csv_delimiter_is_detected(text: str, expected: list[list[str]]) -> None:
    assert read_workbook(text.encode(), "data.csv")[0].rows == expected


def test_csv_sheet_is_named_after_the_file() -> None:
    data = b"a,b\n1,2\n"
    assert read_workbook(data, "C:\\Users\\me\\clients.csv", sheet="CLIENTS")[0].name == "clients"
    refused(data, "clients.csv", "sheet_not_found", sheet="Sheet1")


# --- what kind of file --------------------------------------------------------------------------------


@pytest.mark.parametrize(("build", "filename", "kind"), [
    (messy_xlsx, "clients.xlsx", "xlsx"),
    (messy_xlsx, "clients.csv", "xlsx"),  # renamed: the bytes win
    (ods, "clients.zip", "ods"),
    (lambda: b"a;b\n1;2\n", "clients.xlsx", "csv"),
    (lambda: "Имя;Сумма\n".encode("cp1251"), "clients.dat", "csv"),
    (messy_xlsx, "clients.xlsm", "xlsx"),
])
def test_file_kind_from_content_first(build: Callable[[], bytes], filename: str, kind: str) -> None:
    assert file_kind(build(), filename) == kind


def test_file_kind_of_an_xls_named_xlsx(xls_book: bytes) -> None:
    assert file_kind(xls_book, "clients.xlsx") == "xls"
    assert read_workbook(xls_book, "clients.xlsx")[0].rows[2] == ["Name", "Amount", "Since", "Active"]


# --- bad input: every code, with a real file ----------------------------------------------------------

BAD_INPUT: list[tuple[str, Callable[[], bytes], str, str, dict[str, Any]]] = [
    ("zero bytes", lambda: b"", "clients.xlsx", "file_empty", {}),
    ("workbook without a cell", empty_xlsx, "clients.xlsx", "file_empty", {}),
    ("csv of delimiters", lambda: b";;\r\n;;\r\n\r\n", "clients.csv", "file_empty", {}),
    ("over max_bytes", messy_xlsx, "clients.xlsx", "file_too_large", {"max_bytes": 1_000}),
    ("png renamed", png, "clients.xlsx", "file_type_unknown", {}),
    ("pdf renamed", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "clients.xls", "file_type_unknown", {}),
    ("docx renamed", docx, "clients.xlsx", "file_type_unknown", {}),
    ("random bytes", lambda: bytes(range(256)) * 8, "clients.xlsx", "file_type_unknown", {}),
    ("html saved as xls", lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>", "report.xls",
     "file_type_unknown", {}),
    ("ole2 with EncryptionInfo", fake_encrypted_ole, "clients.xlsx", "file_encrypted", {}),
    ("password-protected xlsx", lambda: encrypted_xlsx(messy_xlsx()), "clients.xlsx", "file_encrypted", {}),
    ("zip entry with the encrypted flag", encrypted_entry_zip, "clients.xlsx", "file_encrypted", {}),
    ("password-protected ods", password_ods, "clients.ods", "file_encrypted", {}),
    ("truncated xlsx", lambda: messy_xlsx()[:3_000], "clients.xlsx", "file_corrupt", {}),
    ("bad crc", bad_crc_xlsx, "clients.xlsx", "file_corrupt", {}),
    ("workbook.xml cut short", broken_workbook_xlsx, "clients.xlsx", "file_corrupt", {}),
    ("ratio over 1000", zip_bomb_xlsx, "clients.xlsx", "file_bomb", {}),
    ("declares 700 MiB", huge_declared_xlsx, "clients.xlsx", "file_bomb", {}),
    ("3000 entries", many_entries_xlsx, "clients.xlsx", "file_bomb", {}),
    ("inflates past its declared size", lying_size_xlsx, "clients.xlsx", "file_bomb", {}),
    ("one cell in XFD1048576", lambda: sparse_xlsx(1_048_575, 16_383), "clients.xlsx", "file_bomb", {}),
    ("cells without r= far away", rowless_refs_xlsx, "clients.xlsx", "file_bomb", {}),
    ("ods repeated values", repeated_cells_ods, "clients.ods", "file_bomb", {}),
    ("billion laughs", lambda: raw_xlsx(shared_strings=BILLION_LAUGHS), "clients.xlsx",
     "file_xml_forbidden", {}),
    ("xxe", lambda: raw_xlsx(sheet=XXE_SHEET), "clients.xlsx", "file_xml_forbidden", {}),
    ("doctype past 64 KiB of comment", lambda: raw_xlsx(sheet=doctype_after_long_prolog()),
     "clients.xlsx", "file_xml_forbidden", {}),
    ("ods content.xml with a DTD", lambda: ods(XXE_SHEET), "clients.ods", "file_xml_forbidden", {}),
    ("too many rows", lambda: tall_xlsx(30), "clients.xlsx", "too_many_rows", {"max_rows": 30}),
    ("too many csv rows", lambda: b"n\n" + b"1\n" * 30, "clients.csv", "too_many_rows", {"max_rows": 30}),
    ("undecodable csv", lambda: bytes(range(256)) * 8, "clients.csv", "file_encoding", {}),
    ("missing sheet", messy_xlsx, "clients.xlsx", "sheet_not_found", {"sheet": "Nope"}),
]


@pytest.mark.parametrize(("build", "filename", "code", "kwargs"),
                         [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_with_its_code(build: Callable[[], bytes], filename: str, code: str,
                                            kwargs: dict[str, Any]) -> None:
    refused(build(), filename, code, **kwargs)


def test_xls_asking_for_a_huge_grid_is_a_bomb(xls_book: bytes) -> None:
    error = refused(far_cell_xls(xls_book), "clients.xls", "file_bomb")
    assert error.params == {"reason": "a sheet spans 65536 rows by 65536 columns"}


def test_password_protected_xls_is_encrypted(xls_book: bytes) -> None:
    refused(password_xls(xls_book), "clients.xls", "file_encrypted")


@pytest.mark.parametrize("cell", [
    '<c r="A5" r="XFD1048576">',  # calamine takes the last r of a cell
    '<c r="xfd1048576">',
    '<c\tr="XFD1048576">',
    '<c r = "XFD1048576">',
    "<c r='XFD1048576'>",
    '<c s="1" r="XFD1048576">',
    '<x:c r="XFD1048576">',
])
def test_far_cells_are_found_however_the_reference_is_written(cell: str) -> None:
    end = "</x:c>" if cell.startswith("<x:") else "</c>"
    sheet = SHEET.replace("</sheetData>", f'<row r="5">{cell}<v>1</v>{end}</row></sheetData>')
    error = refused(raw_xlsx(sheet=sheet), "a.xlsx", "file_bomb")
    assert error.params == {"reason": "a sheet spans 1048576 rows by 16384 columns"}


def test_a_cell_reference_calamine_might_read_otherwise_is_refused() -> None:
    sheet = SHEET.replace("</sheetData>", '<row r="5"><c r="&#88;FD1048576"><v>1</v></c></row></sheetData>')
    assert refused(raw_xlsx(sheet=sheet), "a.xlsx", "file_corrupt").params == {
        "reason": "a cell reference is malformed"}


def test_size_is_checked_before_anything_else() -> None:
    error = refused(png(), "picture.png", "file_too_large", max_bytes=10)
    assert error.params == {"limit_mb": 0.00000954}
    assert refused(b"x" * (2 * 1024 * 1024 + 1), "a.csv", "file_too_large",
                   max_bytes=2 * 1024 * 1024).params == {"limit_mb": 2}


def test_error_params_are_plain() -> None:
    assert refused(png(), "C:\\fakepath\\photo.xlsx", "file_type_unknown").params == {"name": "photo.xlsx"}
    assert refused(tall_xlsx(30), "a.xlsx", "too_many_rows", max_rows=10).params == {"max": 10, "count": 31}
    assert refused(raw_xlsx(shared_strings=BILLION_LAUGHS), "a.xlsx",
                   "file_xml_forbidden").params == {"part": "xl/sharedStrings.xml"}
    for data in (messy_xlsx()[:3_000], bad_crc_xlsx(), broken_workbook_xlsx(), zip_bomb_xlsx()):
        with pytest.raises(ValidationFailed) as caught:
            read_workbook(data, "/tmp/uploads/clients.xlsx")
        reason = caught.value.params["reason"]
        assert reason and reason[0].islower() and len(reason) < 100
        assert not any(bit in reason for bit in ("Error", "Exception", "/", "\\", "'", "<", "0x"))


def test_too_many_rows_counts_non_empty_rows_only() -> None:
    data = "\n".join(["a"] + [""] * 40 + ["b"]).encode()
    assert len(read_workbook(data, "a.csv", max_rows=2)[0].rows) == 42
    refused(data + b"\nc\n", "a.csv", "too_many_rows", max_rows=2)


def test_limits_are_the_documented_ones() -> None:
    assert LIMITS == {
        "max_bytes": 50 * 1024 * 1024,
        "max_rows": 200_000,
        "max_entries": 2_000,
        "max_unzipped": 600 * 1024 * 1024,
        "max_ratio": 1_000,
        "max_cells": 10_000_000,
    }


def test_zip_limits_follow_LIMITS(monkeypatch: pytest.MonkeyPatch) -> None:
    data = messy_xlsx()
    monkeypatch.setitem(LIMITS, "max_entries", 5)
    refused(data, "a.xlsx", "file_bomb")
    monkeypatch.setitem(LIMITS, "max_entries", 2_000)
    monkeypatch.setitem(LIMITS, "max_cells", 20)
    assert refused(data, "a.xlsx", "file_bomb").params == {"reason": "a sheet spans 8 rows by 4 columns"}


def test_fixture_builders_are_what_they_claim() -> None:
    """The hostile files are hostile for the stated reason, not broken by accident."""
    with zipfile.ZipFile(io.BytesIO(zip_bomb_xlsx())) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size > 1024 * 1024 and info.file_size / info.compress_size > 1_000
    with zipfile.ZipFile(io.BytesIO(many_entries_xlsx())) as z:
        assert len(z.infolist()) > 3_000
    with zipfile.ZipFile(io.BytesIO(ods())) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert encrypted_xlsx(messy_xlsx()).startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
