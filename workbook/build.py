"""`clientbase workbooks build`: the .xlsm front ends, written with XlsxWriter around xlwings' own VBA project.

Each workbook embeds the vbaProject.bin of xlwings' `quickstart_standalone.xlsm` unchanged (its
`SampleCall` macro runs `import <file stem>; <file stem>.main()`), has a Sync button bound to that
macro, and a `<stem>.py` beside it that hands `main()` to our package. We never write VBA.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter
import xlsxwriter.exceptions
import xlwings

from .existing import HoldsData, holds
from .layout import (CONFIG_SHEET, FIRST_ROW, FIXED_LISTS, HEADER_ROW, LANGUAGES, LISTS_SHEET, PAYROLL_HEADER_ROW,
                     XLWINGS_SETTINGS, Grid, Table, Workbook, choice_labels, snapshot_sheet, word)

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
MACRO = "SampleCall"
LIST_ROWS = 5000          # the longest dropdown list a workbook holds
STUB = '''"""Found by xlwings' Sync button (it runs `import {stem}; {stem}.main()`): hands over to ClientBase."""
from workbook.{stem} import main  # noqa: F401
'''


def vba_project() -> bytes:
    """xlwings' standalone VBA project, byte for byte."""
    with zipfile.ZipFile(XLWINGS_DIR / "quickstart_standalone.xlsm") as z:
        return z.read("xl/vbaProject.bin")


def list_name(name: str) -> str:
    return f"list_{name}"


def build(book: Workbook, out_dir: Path, language: str, url: str, lists: dict[str, Iterable[str]],
          replace: bool = False) -> Path:
    """Write `<stem>.xlsm` and its `<stem>.py` into `out_dir`; `lists` fills the company's dropdowns.

    An existing workbook that holds anything of the user's is replaced only with `replace` (the CLI's
    --force, after it has saved a dated copy): otherwise `existing.HoldsData` says which file and why.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{book.stem}.xlsm"
    if not replace and path.exists():
        reason = holds(book, path)
        if reason:
            raise HoldsData(path, reason)
    vba = out_dir / ".vbaProject.bin"
    vba.write_bytes(vba_project())
    # Written beside it and moved over it when whole: a build that fails half-way leaves the old file as it was.
    part = out_dir / f".{book.stem}.building.xlsm"
    # Text stays text: a client called "=1+1" or "+855…" must never become a formula or a number.
    wb = xlsxwriter.Workbook(str(part), {"strings_to_formulas": False, "strings_to_numbers": False,
                                         "strings_to_urls": False})
    try:
        wb.set_vba_name("ThisWorkbook")
        wb.add_vba_project(str(vba))
        formats = _formats(wb)
        for i, table in enumerate(book.tables):
            if isinstance(table, Grid):
                _grid_sheet(wb, table, language, formats, i + 1)
            else:
                _table_sheet(wb, table, language, formats, i + 1)
        _lists_sheet(wb, book, lists, language)
        _snapshot_sheets(wb, book)
        _config_sheet(wb, url, language, book.stem)
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:   # a folder it may not write in
            raise OSError(str(exc)) from None
        part.replace(path)
    finally:
        vba.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    (out_dir / f"{book.stem}.py").write_text(STUB.format(stem=book.stem), encoding="utf-8")
    return path


def _formats(wb: Any) -> dict[str, Any]:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "note": wb.add_format({"italic": True, "font_color": "#666666"}),
        "header": wb.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True,
                                 "valign": "vcenter"}),
        "readonly": wb.add_format({"bg_color": "#F2F2F2", "font_color": "#555555"}),
        "text": wb.add_format({"num_format": "@"}),
        "number": wb.add_format({"num_format": "#,##0.00"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
    }


def _table_sheet(wb: Any, table: Table, language: str, formats: dict[str, Any], n: int) -> None:
    ws = wb.add_worksheet(table.sheet_name(language))
    ws.set_vba_name(f"Sheet{n}")
    at = LANGUAGES.index(language)
    ws.write(0, 0, table.title[at if table.title[1] else 0], formats["title"])
    ws.write(1, 0, table.hint[at] or word("never_synced", language), formats["note"])
    ws.insert_button(0, len(table.columns) - 4, {"macro": MACRO, "caption": word("sync", language),
                                                 "width": 160, "height": 30})
    for col, c in enumerate(table.columns):
        ws.write(HEADER_ROW - 1, col, c.label(language), formats["header"])
        fmt = {"readonly": formats["readonly"], "number": formats["number"], "date": formats["date"]}.get(
            c.kind, formats["text"])
        ws.set_column(col, col, c.width, fmt, {"hidden": c.kind == "hidden"})
        if c.choices:
            # Showing the error stops a typo; the list comes from the lists sheet, refreshed by every Sync.
            ws.data_validation(FIRST_ROW - 1, col, 1_048_575, col, {
                "validate": "list", "source": f"={list_name(c.choices)}", "error_type": "stop",
                "ignore_blank": True, "show_error": True,
                "error_title": c.label(language), "error_message": c.label(language)})
    ws.set_row(HEADER_ROW - 1, 30)
    ws.freeze_panes(HEADER_ROW, 2)
    ws.autofilter(HEADER_ROW - 1, 0, 1_048_575, len(table.columns) - 1)


# Pay-line columns a run sheet is formatted for in advance (the engine cannot format columns, Excel need not).
RUN_COLUMNS = 40


def _grid_sheet(wb: Any, grid: Grid, language: str, formats: dict[str, Any], n: int) -> None:
    """A payroll sheet: the block of labelled cells, help notes, then the table's header; Sync fills the rest."""
    ws = wb.add_worksheet(grid.sheet_name(language))
    ws.set_vba_name(f"Sheet{n}")
    at = LANGUAGES.index(language)
    ws.write(0, 0, grid.title[at], formats["title"])
    ws.write(1, 0, word("never_synced", language), formats["note"])
    ws.insert_button(0, 5, {"macro": MACRO, "caption": word("sync", language), "width": 160, "height": 30})
    label = wb.add_format({"bold": True, "align": "right", "indent": 1})
    typed = wb.add_format({"num_format": "@", "bg_color": "#FFF2CC", "border": 1})
    shown = wb.add_format({"num_format": "@", "bg_color": "#F2F2F2", "font_color": "#555555"})
    # General, not the 0.00 of the pay columns under it: a count of employees or days (an explicit format,
    # or the column's would show).
    count = wb.add_format({"num_format": "General", "align": "right"})
    spanning = wb.add_format({"bold": True})
    for f in grid.fields:
        # A label over narrow day columns runs on to the right; one beside its value is aligned to it.
        ws.write(f.row - 1, f.column - 1, f.label(language), spanning if f.value_column else label)
        row, col = f.value_cell
        # Text, so that Excel keeps "2026-04" as typed (or as Sync writes it) instead of making it a date.
        if f.kind in ("text", "choice"):
            ws.write_blank(row - 1, col - 1, None, typed)
        else:
            ws.write_blank(row - 1, col - 1, None, {"readonly": shown, "money": formats["number"]}.get(f.kind, count))
        if f.choices:
            ws.data_validation(row - 1, col - 1, row - 1, col - 1, {
                "validate": "list", "source": f"={list_name(f.choices)}", "error_type": "stop",
                "ignore_blank": True, "show_error": True,
                "error_title": f.label(language), "error_message": f.label(language)})
    # The notes end just above the header, or above the weekday marks over day columns (0-based rows).
    below_notes = PAYROLL_HEADER_ROW - (2 if grid.days else 1)
    for i, note in enumerate(grid.notes):
        ws.write(below_notes - len(grid.notes) + i, 0, note[at], formats["note"])
    columns = [*grid.left, *([grid.day_column] * grid.days if grid.day_column else []), *grid.right]
    for col, c in enumerate(columns):
        is_day = len(grid.left) <= col < len(grid.left) + grid.days
        ws.write(PAYROLL_HEADER_ROW - 1, col, str(col - len(grid.left) + 1) if is_day else c.label(language),
                 formats["header"])
        fmt = {"readonly": formats["readonly"], "number": None if is_day else formats["number"],
               "date": formats["date"]}.get(c.kind, formats["text"])
        ws.set_column(col, col, c.width, fmt)
    if not grid.days:
        # The run's pay-line columns: as many as its lines have, all amounts.
        ws.set_column(len(columns), len(columns) + RUN_COLUMNS - 1, 12, formats["number"])
    ws.set_row(PAYROLL_HEADER_ROW - 1, 30)
    ws.freeze_panes(PAYROLL_HEADER_ROW, 3)


def _lists_sheet(wb: Any, book: Workbook, lists: dict[str, Iterable[str]], language: str) -> None:
    ws = wb.add_worksheet(LISTS_SHEET)
    ws.set_vba_name(f"Sheet{len(book.tables) + 1}")
    for col, name in enumerate(book.lists):
        letter = xlsxwriter.utility.xl_col_to_name(col)
        values = (list(FIXED_LISTS.get(name, ())) or choice_labels(name, language)
                  or [str(v) for v in lists.get(name, ())])
        ws.write_string(0, col, name)
        for row, value in enumerate(values[:LIST_ROWS], start=1):
            ws.write_string(row, col, value)
        # The list grows and shrinks with each Sync: the name counts what is there.
        wb.define_name(list_name(name),
                       f"=OFFSET('{LISTS_SHEET}'!${letter}$2,0,0,MAX(1,COUNTA('{LISTS_SHEET}'!${letter}$2:${letter}$"
                       f"{LIST_ROWS + 1})),1)")
    ws.hide()


def _snapshot_sheets(wb: Any, book: Workbook) -> None:
    """One hidden copy per synced table of what the last Sync wrote (JSON rows, see sync.write_snapshot)."""
    for table in book.tables:
        if not table.snapshot:
            continue
        ws = wb.add_worksheet(snapshot_sheet(table))
        ws.set_vba_name(f"Sheet{len(wb.worksheets())}")
        ws.write_string(0, 0, "rows as JSON: " + ", ".join(table.keys))
        ws.hide()


def _config_sheet(wb: Any, url: str, language: str, stem: str) -> None:
    """xlwings' settings sheet, plus ours. The token is never here: see workbook/connection.py."""
    ws = wb.add_worksheet(CONFIG_SHEET)
    ws.set_vba_name(f"Sheet{len(wb.worksheets())}")
    rows = [*XLWINGS_SETTINGS,
            ("ClientBase URL", url), ("ClientBase Language", language), ("ClientBase Workbook", stem),
            ("ClientBase Token", "not kept here: %APPDATA%\\ClientBase\\token (Windows), "
                                 "~/.config/clientbase/token (macOS), or CLIENTBASE_TOKEN")]
    for row, (key, value) in enumerate(rows):
        ws.write_string(row, 0, key)
        if isinstance(value, bool):
            ws.write_boolean(row, 1, value)
        else:
            ws.write_string(row, 1, value)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 60)
    ws.hide()
