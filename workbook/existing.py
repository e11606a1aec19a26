"""What a workbook already on disk holds that a rebuild would lose, and the dated copy `--force` saves first.

`clientbase workbooks build` (and `make run`, which calls it) writes over `<stem>.xlsm`; a workbook with a
typed, unsynced row, a pulled table, a sheet of the user's own or the interpreter path set in xlwings.conf
would come back empty. The builder asks `holds()` first and refuses to replace such a file unless told to,
and then only after `dated_copy()` has kept it beside the new one.
"""
from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path
from typing import Any, Iterable, Optional

import openpyxl

from .layout import (CONFIG_SHEET, FIRST_ROW, LISTS_SHEET, PAYROLL_FIRST_ROW, XLWINGS_SETTINGS, Grid, Workbook,
                     snapshot_sheet)


class HoldsData(Exception):
    """A file the builder would replace holds something of the user's: which file, and what it holds."""

    def __init__(self, path: Path, reason: str):
        super().__init__(path, reason)
        self.path, self.reason = path, reason

    def __str__(self) -> str:
        return (f"{self.path} was not replaced: it holds {self.reason}. Sync it (or copy what you need) first, "
                f"or build again with --force, which keeps a dated copy of it beside the new one.")


def holds(book: Workbook, path: Path) -> Optional[str]:
    """What replacing `path` would lose, in words; None when it holds only what the builder writes.

    Rows under any table's header (typed or pulled), a snapshot of a pull (rows deleted since are archives
    waiting for a Sync), a payroll sheet's typed period, branch or action, a sheet the builder does not make,
    or xlwings' settings changed (the interpreter path the README has the user set). A file that cannot be
    read as a workbook is not replaced either: whatever it is, it is not ours to throw away.
    """
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return f"something that cannot be read as a workbook ({type(exc).__name__}: {exc})"
    try:
        ours = {LISTS_SHEET.casefold(), CONFIG_SHEET.casefold()}
        for table in book.tables:
            names = {n.casefold() for n in table.sheet}
            ours |= names
            if table.snapshot:
                ours.add(snapshot_sheet(table).casefold())
            for ws in wb.worksheets:
                if ws.title.casefold() not in names:
                    continue
                if isinstance(table, Grid):
                    for f in table.fields:
                        row, col = f.value_cell
                        value = _cell(ws, row, col)
                        if f.kind in ("text", "choice") and _filled(value):
                            return f"«{value}» typed on the sheet {ws.title} (row {row})"
                    found = _first_filled(ws, PAYROLL_FIRST_ROW)
                else:
                    found = _first_filled(ws, FIRST_ROW)
                if found:
                    return f"rows on the sheet {ws.title} (the first at row {found})"
            if table.snapshot and snapshot_sheet(table) in wb.sheetnames:
                if _first_filled(wb[snapshot_sheet(table)], 2):
                    return f"the last Sync's copy of {table.name}, which the next Sync compares the sheet with"
        for ws in wb.worksheets:
            if ws.title.casefold() not in ours:
                return f"a sheet ClientBase does not build ({ws.title})"
        if CONFIG_SHEET in wb.sheetnames:
            settings = {str(k): v for k, v, *_rest in _rows(wb[CONFIG_SHEET], 1, 2) if k}
            for key, built in XLWINGS_SETTINGS:
                if key in settings and (settings[key] or "") != (built or ""):   # blank, None and False alike
                    return f"xlwings' setting {key} = «{settings[key]}» in its {CONFIG_SHEET} sheet"
        return None
    finally:
        wb.close()


def _rows(ws: Any, min_row: int, max_col: Optional[int] = None) -> Iterable[tuple[Any, ...]]:
    # The dimension a file declares may be missing or wrong: read to its last row.
    ws.reset_dimensions()
    return ws.iter_rows(min_row=min_row, max_col=max_col, values_only=True)


def _first_filled(ws: Any, min_row: int) -> Optional[int]:
    """The first row at or below `min_row` with a value in it (reading stops there)."""
    for i, row in enumerate(_rows(ws, min_row), start=min_row):
        if any(_filled(v) for v in row):
            return i
    return None


def _cell(ws: Any, row: int, col: int) -> Any:
    for values in ws.iter_rows(min_row=row, max_row=row, min_col=col, max_col=col, values_only=True):
        return values[0] if values else None
    return None


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def dated_copy(path: Path, now: Optional[dt.datetime] = None) -> Path:
    """Copy `path` to `<stem>.<date-time><suffix>` beside it and return the copy; an existing file of that name
    is never written over (a second copy in the same second is numbered)."""
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    for n in range(1, 1000):
        copy = path.with_name(f"{path.stem}.{stamp}{'' if n == 1 else f'-{n}'}{path.suffix}")
        try:
            # "x": created here or not at all, even if another build runs at the same moment.
            with open(copy, "xb") as out, open(path, "rb") as src:
                shutil.copyfileobj(src, out)
        except FileExistsError:
            continue
        except BaseException:
            copy.unlink(missing_ok=True)   # a half-written copy is no copy
            raise
        shutil.copystat(path, copy)
        return copy
    raise FileExistsError(f"no free name for a copy of {path} beside it")
