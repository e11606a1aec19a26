"""The headless engine: xlwings' public API on a closed .xlsx/.xlsm file, through openpyxl.

`activate()` registers it with xlwings' own engine interface and makes it the active
engine, so the Sync code written for real Excel (`xw.Book.caller()`, `sheet["A1"].expand()
.value`, DataFrames, names, `book.save()`) runs unchanged on Linux, in tests and on the
server. Everything else in this module is internal.

How it behaves where Excel and a file differ (decided here, relied on by the Sync code):

- Reads hand values over as Excel does through xlwings: numbers as floats (bools stay
  bools), text as str, empty cells and "" as None, dates as naive datetimes only where the
  cell has a date number format (a date in a number-formatted cell is its serial float).
  Error cells read as None, or as their text with `options(err_to_str=True)`.
- Formulas: `.value` gives the result Excel cached in the file when it last calculated.
  Nothing recalculates, so a result is stale once its inputs are written here. Where no
  result is known, `.value` gives the formula text itself ("=SUM(A1:A3)"): formulas
  written through the engine, every formula of a file saved by the engine (openpyxl writes
  no results) or by a tool that left Excel to calculate on opening (XlsxWriter caches 0).
  Text is visibly not a number, keeps `expand()` going over a column of formulas, and
  `.formula` always gives the formula text.
- Writes: a str starting with "=" becomes a formula (Excel does the same); a leading
  apostrophe is Excel's quote prefix: dropped, the rest kept as text, as when typed (the
  Sync writes formula-like text as "'=..."); any other str is stored as text, never parsed
  into a number or date as Excel would; "#N/A" and the other error literals become error
  cells, as in Excel. None, "" and NaN/NaT clear the
  cell but keep its formatting; timezone-aware datetimes lose their zone (as on Windows).
  A scalar written to a larger range fills it, a formula's relative references moving
  along. User data goes through `write_text`, which stores strings as literal text (with
  Excel's quotePrefix) so a leading = + - @ TAB or CR never becomes a formula.
- Reading never adds cells to the sheet; writes, formats and fills do.
- .xlsm/.xltm open with openpyxl's keep_vba, so vbaProject.bin and the form buttons
  (VML) are saved byte-identical. What openpyxl warns it drops (data-validation and
  conditional-format extensions...) is logged on opening; drawn shapes (text boxes, shape
  buttons) it drops without a word, so a book holding any refuses to be saved.
- Large sheets (a part of 1 MB or more, or a write of 20,000 cells or more) are held as rows by
  xlsx_stream rather than as openpyxl cells, and streamed on save: values, reads and the saved
  bytes are openpyxl's own (tested against it). Only reading and writing values, clear_contents
  and used_range work on the rows; anything else that touches ws._cells (formats, end(), insert
  or delete rows, copying...) first turns the rows into openpyxl cells for good, so every
  openpyxl-based operation stays exact, at openpyxl's speed.
- Sheet names match case-insensitively; activating or selecting a sheet leaves only its tab
  selected; `sheets.add` without a position inserts before the active sheet and activates the
  new one. Renaming, deleting and copying sheets, and inserting and deleting cells, rewrite
  every formula, name, validation and conditional format that refers to them as Excel does
  (`_Shift`, `_rewritten`), worked out in full before anything changes, so a reference the
  engine cannot rewrite (a 3-D one, Sheet1:Sheet3!A1) leaves the book as it was.
- No Excel means no recalculation, VBA, charts, pictures, shapes, tables, notes, COM `api`,
  autofit (it needs font rendering), rendering to PDF or pictures, clipboard or passwords:
  each raises NotImplementedError("the headless engine cannot ...").
"""

from __future__ import annotations

import contextlib
import copy
import functools
import datetime as dt
import io
import logging
import math
import os
import re
import stat
import tempfile
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pandas as pd
import xlwings as xw
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formula.translate import Translator
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import COLOR_INDEX, Color
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel, to_excel
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.copier import WorksheetCopy
from openpyxl.worksheet.dimensions import ColumnDimension
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.views import Selection
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring
from xlwings import base_classes, utils

from . import xlsx_stream

__all__ = ["activate", "write_text"]

_log = logging.getLogger(__name__)

MAX_ROWS, MAX_COLS = 1_048_576, 16_384
# One read or write above this is a runaway (sheet.cells is 17 billion cells), not a table.
_MAX_CELLS = 2**25
_OPENABLE = {".xlsx": False, ".xlsm": True, ".xltx": False, ".xltm": True}  # suffix: has VBA
# Excel's engines take the first letter of a direction as well as the word (xlwings' directions_s2i)
_DIRECTIONS = {"up": "up", "down": "down", "left": "left", "right": "right",
               "u": "up", "d": "down", "l": "left", "r": "right"}
# Pixels of the widest digit of a Normal font, which column widths count in (XlsxWriter's and
# the OOXML spec's figure for Excel's default font); other fonts need Excel to measure them.
_DIGIT_WIDTHS = {("Calibri", 11.0): 7}
_NO_AUTOFIT = ("the headless engine cannot autofit: a width or height that fits the text needs Excel's font "
               "rendering to measure it; set column_width or row_height instead")
# xlwings' alignment names (its Windows engine's maps) and openpyxl's
_H_ALIGN = {"general": None, "left": "left", "center": "center", "right": "right", "fill": "fill",
            "justify": "justify", "center_across_selection": "centerContinuous", "distributed": "distributed"}
_H_ALIGN_NAMES = {value or "general": key for key, value in _H_ALIGN.items()}
_V_ALIGN = ("top", "center", "bottom", "justify", "distributed")
# A drawn shape (text box, shape button) in a drawing part: openpyxl does not keep them.
_SHAPE = re.compile(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[\s>]")
# A1, A1:C3, A:C or 1:3; openpyxl alone would also take a name like "Tax" for column TAX.
_ADDRESS = re.compile(r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|\$?[A-Z]{1,3}:\$?[A-Z]{1,3}|\$?\d+:\$?\d+", re.I)


def activate() -> None:
    """Register the headless engine with xlwings (once) and make it the active engine."""
    if _ENGINE.name not in [engine.name for engine in xw.engines]:
        xw.engines.add(xw.Engine(impl=_ENGINE))
    xw.engines[_ENGINE.name].activate()


def write_text(rng: xw.Range, values: list[list[str | None]]) -> None:
    """Write a 2-D list of strings from rng's top-left cell as literal text cells.

    Unlike `.value`, a leading = + - @ TAB CR or apostrophe stays text, so a client named
    "=HYPERLINK(...)" can never become a formula; those cells get Excel's quotePrefix,
    which keeps them text when a user edits them later. None and "" clear the cell.
    """
    impl = rng.impl
    if not isinstance(impl, _Range):
        raise TypeError("write_text needs a range of a book opened by the headless engine")
    sheet = impl.sheet
    for r, row in enumerate(values, impl.r1):
        for c, text in enumerate(row, impl.c1):
            if text is None or text == "":
                sheet._store(r, c, None)
                continue
            if not isinstance(text, str):
                raise TypeError(f"write_text writes text only, got {text!r} for {get_column_letter(c)}{r}")
            _set_text(sheet._cell(r, c), text)


def _set_text(cell, text: str) -> None:
    """Store text as text, quote-prefixed where Excel would otherwise parse it."""
    cell.value = text  # openpyxl's checks (illegal characters, length) ...
    cell.data_type = "s"  # ... then text, whatever openpyxl inferred from a leading "=" or "#"
    if cell.quotePrefix != text.startswith(xlsx_stream.NEEDS_PREFIX):
        cell.quotePrefix = text.startswith(xlsx_stream.NEEDS_PREFIX)


class _NoApi:
    """Stands where xlwings expects a COM object: truthy, because xlwings skips writing to
    a range whose api is falsy, and unusable, because there is no Excel behind it."""

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name):
        raise NotImplementedError(f"the headless engine cannot give COM access (api.{name}): there is no Excel")


_NO_API = _NoApi()


def _refuse_the_rest(cls):
    """Make each base-class member this engine does not implement raise a message naming it
    (xlwings' base classes raise a bare NotImplementedError)."""
    for base in cls.__mro__[1:-1]:
        for name, member in vars(base).items():
            function = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
            code = getattr(function, "__code__", None)
            if name.startswith("_") or name in vars(cls) or "NotImplementedError" not in getattr(code, "co_names", ()):
                continue
            message = (f"the headless engine cannot do {cls.__name__[1:]}.{name}: it works on the closed file, "
                       "and this needs Excel or is not implemented for a file (see the README)")

            def refuse(*args, _message=message, **kwargs):
                raise NotImplementedError(_message)

            setattr(cls, name, property(refuse, refuse) if isinstance(member, property) else refuse)
    return cls


@contextlib.contextmanager
def _warnings_logged(name: str):
    """openpyxl warns about what it drops while reading (data-validation extensions...):
    log that, so opening neither fails under warnings-as-errors nor loses things silently."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        if issubclass(warning.category, UserWarning) and "openpyxl" in warning.filename:
            _log.warning("%s: %s", name, warning.message)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


_CELL, _FORMULA, _VALUE = (f"{SHEET_MAIN_NS}|{tag}" for tag in ("c", "f", "v"))


def _formula_results(xml: bytes) -> dict[tuple[int, int], tuple[str, str | None]]:
    """Excel's cached result of each formula in a worksheet part: {(row, col): (type, text)}.

    openpyxl reads either a cell's formula or its result, and a second openpyxl load for
    the results costs as much as the first; expat picks them out of the one sheet's XML
    several times faster.
    """
    results = {}
    cell, has_formula, text = {}, False, None

    def start(tag, attrs):
        nonlocal cell, has_formula, text
        if tag == _CELL:
            cell, has_formula, text = attrs, False, None
        elif tag == _FORMULA:
            has_formula = True
        elif tag == _VALUE:
            text = []

    def end(tag):
        if tag == _CELL and has_formula and "r" in cell:
            results[coordinate_to_tuple(cell["r"])] = (cell.get("t", "n"), None if text is None else "".join(text))

    def data(chunk):
        if text is not None:
            text.append(chunk)

    parser = expat.ParserCreate(namespace_separator="|")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.Parse(xml, True)
    return results


def _formula_text(formula) -> str:
    return formula if isinstance(formula, str) else getattr(formula, "text", None) or str(formula)


def _as_datetime(value, epoch: dt.datetime):
    """A date-formatted cell's value as Excel hands it over: a naive datetime (the serial
    float where no datetime can hold it)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    serial = to_excel(value, epoch) if isinstance(value, (dt.time, dt.timedelta)) else float(value)
    try:
        moment = from_excel(serial, epoch)
    except (OverflowError, ValueError):
        return serial
    # Excel's time-only values sit on day 0 of its calendar
    return dt.datetime.combine(epoch.date(), moment) if isinstance(moment, dt.time) else moment


def _permissions_as(target: Path, temporary: str) -> None:
    """Give the temporary file the mode (and owner, where allowed) the saved file should have.

    mkstemp makes a 0600 file; moved over a shared workbook it would shut out the colleagues who could
    read it. Excel keeps a file's permissions when it saves over it and gives a new file the
    creator's default (0666 less the umask), so the engine does the same.
    """
    try:
        before = target.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        return
    # Owner first: changing it may clear mode bits that chmod then puts back.
    if hasattr(os, "chown") and (before.st_uid, before.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(PermissionError):  # only root gives a file away; the mode is kept all the same
            os.chown(temporary, before.st_uid, before.st_gid)
    os.chmod(temporary, stat.S_IMODE(before.st_mode))


def _address(r1: int, c1: int, r2: int, c2: int, row_absolute: bool = True, col_absolute: bool = True) -> str:
    """An A1 address as Excel writes it: whole columns as $A:$C, whole rows as $1:$3."""
    row_mark, col_mark = "$" if row_absolute else "", "$" if col_absolute else ""
    if r1 == 1 and r2 == MAX_ROWS and not (c1 == 1 and c2 == MAX_COLS):
        return f"{col_mark}{get_column_letter(c1)}:{col_mark}{get_column_letter(c2)}"
    if c1 == 1 and c2 == MAX_COLS:
        return f"{row_mark}{r1}:{row_mark}{r2}"
    first = f"{col_mark}{get_column_letter(c1)}{row_mark}{r1}"
    return first if (r1, c1) == (r2, c2) else f"{first}:{col_mark}{get_column_letter(c2)}{row_mark}{r2}"


def _quoted(title: str) -> str:
    """A sheet name as formulas write it: quoted where it is more than letters, digits and
    underscores, starts with a digit, or reads as an A1 or R1C1 reference, as Excel quotes it."""
    if (title.replace("_", "").isalnum() and not title[0].isdigit() and not _ADDRESS.fullmatch(title)
            and not re.fullmatch(r"[rc]|r\d*c\d*|r\d+|c\d+", title, re.I)):
        return title
    return "'" + title.replace("'", "''") + "'"


def _rgb(color) -> tuple[int, int, int] | None:
    """An openpyxl colour as xlwings' (r, g, b)."""
    if color is None:
        return None
    if color.type == "rgb":
        return utils.hex_to_rgb(color.rgb[-6:])
    if color.type == "indexed" and color.indexed < len(COLOR_INDEX):
        return utils.hex_to_rgb(COLOR_INDEX[color.indexed][-6:])
    raise NotImplementedError("the headless engine cannot resolve theme colours")


def _argb(color_or_rgb) -> str:
    """xlwings' colour argument (hex str, (r, g, b) or Excel's BGR int) as openpyxl's ARGB."""
    if isinstance(color_or_rgb, str):
        color_or_rgb = utils.hex_to_rgb(color_or_rgb)
    elif isinstance(color_or_rgb, int):
        color_or_rgb = utils.int_to_rgb(color_or_rgb)
    return "FF" + "".join(f"{part:02X}" for part in color_or_rgb)


# A reference inside a formula, with its sheet: an area (A1, $A$1:B2, A1# spilling), whole
# columns (A:C) or whole rows (1:3); text and bracketed names are matched to be passed over.
# A reference never follows or precedes a name's characters (LOG10( is a function, E5 in 1E5
# a number, A1 in #REF!A1 or [1]Sheet!A1 not this book's).
_REFERENCE = re.compile(r"""
    "(?:[^"]|"")*"
  | \[[^\]]*\]
  | (?<![\w.!$#\]'"])
    (?P<sheet>(?:'(?:[^']|'')+'|[^\W\d][\w.]*(?::[^\W\d][\w.]*)?)!)?
    (?P<address>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|\$?[A-Z]{1,3}:\$?[A-Z]{1,3}|\$?\d+:\$?\d+)
    (?P<spill>\#?)(?![\w.(!\[])
""", re.X | re.I)
# One address: an area (A1, $A$1:B2), whole columns (A:C) or whole rows (1:3)
_AREA = re.compile(r"(\$?)([A-Z]{1,3})(\$?)(\d+)(?::(\$?)([A-Z]{1,3})(\$?)(\d+))?", re.I)
_COLUMNS = re.compile(r"(\$?)([A-Z]{1,3}):(\$?)([A-Z]{1,3})", re.I)
_ROWS = re.compile(r"(\$?)(\d+):(\$?)(\d+)")


class _Shift:
    """Cells moving as Excel's Insert and Delete move them: along `axis` ("rows" or
    "columns"), from line `start` on, by `count` lines (negative: lines start..start-count-1
    are deleted), within the lines lo..hi of the other axis (all of them for whole rows
    or columns)."""

    def __init__(self, axis, start, count, lo, hi):
        self.axis, self.start, self.count, self.lo, self.hi = axis, start, count, lo, hi
        self.limit = MAX_ROWS if axis == "rows" else MAX_COLS
        self.whole = (lo, hi) == (1, MAX_COLS if axis == "rows" else MAX_ROWS)

    def _along(self, r1, c1, r2, c2):
        """(first, last) along the shift, (first, last) across it."""
        return ((r1, r2), (c1, c2)) if self.axis == "rows" else ((c1, c2), (r1, r2))

    def _back(self, along, across):
        (a1, a2), (x1, x2) = along, across
        return (a1, x1, a2, x2) if self.axis == "rows" else (x1, a1, x2, a2)

    def crosses(self, r1, c1, r2, c2) -> bool:
        """Whether an area lies partly inside and partly outside the moving cells (a merged
        area Excel refuses to split)."""
        (a1, a2), (x1, x2) = self._along(r1, c1, r2, c2)
        reached = a2 >= self.start and x2 >= self.lo and x1 <= self.hi
        return reached and not (self.lo <= x1 and x2 <= self.hi)

    def area(self, r1, c1, r2, c2):
        """Where a reference to an area points afterwards, as Excel rewrites references:
        an area the insertion line cuts grows, one the deleted lines cut shrinks; None where
        every cell it named was deleted (Excel's #REF!)."""
        (a1, a2), across = self._along(r1, c1, r2, c2)
        x1, x2 = across
        if not (self.lo <= x1 and x2 <= self.hi) or (a1, a2) == (1, self.limit):
            return r1, c1, r2, c2  # beside the moving cells, or whole lines along the shift
        start, count = self.start, self.count
        if count > 0:
            a1, a2 = a1 + count if a1 >= start else a1, min(a2 + count if a2 >= start else a2, self.limit)
            return None if a1 > self.limit else self._back((a1, a2), across)
        end = start - count - 1
        if start <= a1 and a2 <= end:
            return None
        a1 = a1 if a1 < start else start if a1 <= end else a1 + count
        a2 = a2 if a2 < start else start - 1 if a2 <= end else a2 + count
        return self._back((a1, a2), across)

    def cell(self, row, col):
        """Where a cell moves (None: deleted), or (row, col) if it stays."""
        moved = self.area(row, col, row, col)
        return moved and moved[:2]


def _reference_text(address: str, change) -> str | None:
    """An address of a formula rewritten by change(r1, c1, r2, c2) -> corners or None
    (#REF!), keeping its $ marks; None if it did not change."""
    if match := _AREA.fullmatch(address):
        m1, col1, m2, row1, m3, col2, m4, row2 = match.groups()
        corners = (int(row1), column_index_from_string(col1.upper()), int(row2 or row1),
                   column_index_from_string((col2 or col1).upper()))
        moved = change(*corners)
        if moved == corners:
            return None
        if moved is None:
            return "#REF!"
        first = f"{m1}{get_column_letter(moved[1])}{m2}{moved[0]}"
        return first if row2 is None else f"{first}:{m3}{get_column_letter(moved[3])}{m4}{moved[2]}"
    if match := _COLUMNS.fullmatch(address):
        m1, col1, m2, col2 = match.groups()
        corners = (1, column_index_from_string(col1.upper()), MAX_ROWS, column_index_from_string(col2.upper()))
        moved = change(*corners)
        if moved == corners:
            return None
        return "#REF!" if moved is None else f"{m1}{get_column_letter(moved[1])}:{m2}{get_column_letter(moved[3])}"
    if match := _ROWS.fullmatch(address):
        m1, row1, m2, row2 = match.groups()
        corners = (int(row1), 1, int(row2), MAX_COLS)
        moved = change(*corners)
        if moved == corners:
            return None
        return "#REF!" if moved is None else f"{m1}{moved[0]}:{m2}{moved[2]}"
    return None  # a name, a number, an error literal: nothing to move


def _rewritten(formula: str, own: str | None, title: str, change) -> str | None:
    """formula with its references to sheet `title` changed (see _reference_text), or None
    if none changed. `own` is the sheet the formula sits on (None for a defined name):
    its unqualified references are to that sheet. change=None turns every reference to the
    sheet into #REF! (the sheet is deleted) and a str names the sheet anew (it is renamed),
    as Excel does."""
    changed = False

    def rewrite(match):
        nonlocal changed
        address = match["address"]
        if address is None:
            return match[0]  # text, or a bracketed name: no reference in it
        sheet = match["sheet"] or ""
        name = sheet[1:-2].replace("''", "'") if sheet.startswith("'") else sheet[:-1]
        if ":" in name:  # no sheet name holds a colon: Sheet1:Sheet3!A1 spans sheets
            raise NotImplementedError(f"the headless engine cannot rewrite the 3-D reference {match[0]} in {formula}")
        if (name or own or "").lower() != title.lower():
            return match[0]
        if isinstance(change, str):
            if not name:  # unqualified references name no sheet
                return match[0]
            changed = True
            return f"{_quoted(change)}!{address}{match['spill']}"
        if change is None:
            changed = True
            return f"#REF!{address}{match['spill']}"
        new = _reference_text(address, change)
        if new is None:
            return match[0]
        changed = True
        return f"{sheet}{new}" if new == "#REF!" else f"{sheet}{new}{match['spill']}"

    text = _REFERENCE.sub(rewrite, formula)
    return text if changed else None


def _changed_ranges(ranges: MultiCellRange, change) -> MultiCellRange:
    """A validation's or conditional format's ranges where change(r1, c1, r2, c2) takes
    them (a _Shift's area); those it returns None for go."""
    areas = (change(r.min_row, r.min_col, r.max_row, r.max_col) for r in ranges.ranges)
    return MultiCellRange([CellRange(min_row=a[0], min_col=a[1], max_row=a[2], max_col=a[3]) for a in areas if a])


def _active_selection(view) -> Selection:
    """The selection of a sheet view's active pane (frozen or split sheets keep one per pane)."""
    if not view.selection:
        view.selection = [Selection()]
    pane = view.pane.activePane if view.pane is not None else None
    return next((selection for selection in view.selection if selection.pane == pane), view.selection[-1])


def _copy_style(source: Cell, target: Cell, same_book: bool) -> None:
    """Give target source's format; another workbook needs the styles themselves, not
    the indices into the source's style tables."""
    if same_book:
        target._style = copy.copy(source._style)
        return
    for key in ("font", "fill", "border", "alignment", "protection", "number_format"):
        setattr(target, key, copy.copy(getattr(source, key)))
    target.quotePrefix = source.quotePrefix


def _copy_name(title: str, taken: list[str]) -> str:
    """Excel's name for a copy of sheet `title`: "Sheet1 (2)", the first free number, the
    original cut short to keep within 31 characters."""
    base, taken = re.sub(r" \(\d+\)$", "", title), {name.lower() for name in taken}
    number = 2
    while (name := f"{base[:31 - len(f' ({number})')]} ({number})").lower() in taken:
        number += 1
    return name

class _Engine:
    """What xlwings needs of an engine; it has no base class."""

    name = type = "headless"

    def __init__(self):
        self.apps = _Apps()

    @staticmethod
    def prepare_xl_data_element(x, options):
        """A Python value as the engine stores it (the Windows engine's conversions)."""
        kind = type(x)
        if x is None or kind is str or kind is int or kind is bool:
            return x
        if kind is float and not math.isinf(x):  # the bulk of a table: spare it the checks below
            return None if x != x else x
        if isinstance(x, np.generic):
            x = pd.Timestamp(x) if isinstance(x, np.datetime64) else x.item()
        if isinstance(x, pd.Timestamp):
            x = x.to_pydatetime(warn=False)  # Excel keeps milliseconds: nanoseconds go quietly
        with contextlib.suppress(TypeError, ValueError):
            if not isinstance(x, (list, tuple)) and pd.isna(x):
                return None
        if isinstance(x, float) and math.isinf(x):
            raise ValueError("Excel cannot store an infinite number")
        if isinstance(x, dt.datetime) and x.tzinfo is not None:
            x = x.replace(tzinfo=None)
        return x

    @staticmethod
    def clean_value_data(data, datetime_builder, empty_as, number_builder, err_to_str):
        # err_to_str was applied while reading: only the cell knows it holds an error
        if datetime_builder is dt.datetime and empty_as is None and number_builder is None:
            return data

        def clean(value):
            if value is None:
                return empty_as
            if isinstance(value, dt.datetime):
                return datetime_builder(
                    year=value.year, month=value.month, day=value.day, hour=value.hour, minute=value.minute,
                    second=value.second, microsecond=value.microsecond, tzinfo=None,
                )
            if number_builder is not None and type(value) is float:
                return number_builder(value)
            return value

        return [[clean(value) for value in row] for row in data]


@_refuse_the_rest
class _Apps(base_classes.Apps):
    def __init__(self):
        self._apps = [_App(self)]

    def keys(self):
        return [app.pid for app in self._apps]

    def add(self, spec=None, add_book=None, xl=None, visible=None):
        self._apps.insert(0, _App(self))  # the new app is the active one
        return self._apps[0]

    @staticmethod
    def cleanup():
        pass

    def __iter__(self):
        return iter(list(self._apps))

    def __len__(self):
        return len(self._apps)

    def __getitem__(self, pid):
        return next(app for app in self._apps if app.pid == pid)


@_refuse_the_rest
class _App(base_classes.App):
    _last_pid = 0
    # Settings Sync code sets on real Excel for speed or quiet; harmless without Excel.
    visible = screen_updating = enable_events = True
    display_alerts = interactive = cut_copy_mode = False
    status_bar = None

    def __init__(self, apps):
        self._owner = apps
        _App._last_pid -= 1  # negative: never a real process id
        self._pid = _App._last_pid
        self._books = _Books(self)

    api = property(lambda self: _NO_API)
    books = property(lambda self: self._books)
    engine = property(lambda self: _ENGINE)
    pid = property(lambda self: self._pid)

    @property
    def selection(self):
        """The selection saved with the active sheet of the active book (A1 where none is)."""
        book = self._books.active
        if book is None:
            return None
        sheet = _Sheet(book, book.wb.active)
        return sheet.range((_active_selection(sheet.ws.sheet_view).sqref or "A1").split()[0])

    @property
    def calculation(self):
        return "manual"  # nothing ever recalculates

    @calculation.setter
    def calculation(self, value):
        if value != "manual":
            raise NotImplementedError("the headless engine cannot recalculate: calculation stays 'manual'")

    def activate(self, steal_focus=False):
        self._owner._apps.remove(self)
        self._owner._apps.insert(0, self)

    def quit(self):
        for book in list(self._books):
            book.close()
        self._owner._apps.remove(self)

    kill = quit


@_refuse_the_rest
class _Books(base_classes.Books):
    def __init__(self, app):
        self.app = app
        self._books: list[_Book] = []

    api = property(lambda self: _NO_API)

    @property
    def active(self):
        return self._books[-1] if self._books else None

    def __call__(self, name_or_index):
        if isinstance(name_or_index, int):
            return self._books[name_or_index - 1]
        for book in self._books:
            if name_or_index.lower() in (book.name.lower(), book.fullname.lower()):
                return book
        raise KeyError(name_or_index)  # xlwings' Books.open relies on KeyError

    def __len__(self):
        return len(self._books)

    def __iter__(self):
        return iter(list(self._books))

    def add(self):
        wb = Workbook()
        wb.active.title = "Sheet1"
        number = len(self._books) + 1
        while any(book.name == f"Book{number}" for book in self._books):
            number += 1
        return self._opened(_Book(self, wb, f"Book{number}"))

    def open(self, fullname, update_links=None, read_only=None, format=None, password=None, *excel_only):
        path = Path(fullname)
        if path.suffix.lower() not in _OPENABLE:
            raise NotImplementedError(
                f"the headless engine cannot open {path.suffix} files, only {', '.join(_OPENABLE)}")
        if password:
            raise NotImplementedError("the headless engine cannot open password-protected workbooks")
        source = path.read_bytes()
        with _warnings_logged(path.name):
            # large sheets are read into rows, not openpyxl cells (see xlsx_stream)
            reader = xlsx_stream.Reader(source, keep_vba=_OPENABLE[path.suffix.lower()])
            reader.read()
            xlsx_stream.attach(reader)
            parts = {sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()}
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            calc = fromstring(archive.read(reader.parser.workbook_part_name)).find(f"{{{SHEET_MAIN_NS}}}calcPr")
            shapes = any(name.startswith("xl/drawings/") and name.endswith(".xml") and _SHAPE.search(archive.read(name))
                         for name in archive.namelist())
        if calc is not None and calc.get("fullCalcOnLoad") in ("1", "true"):
            parts = {}  # the writer left calculating to Excel: its cached results are placeholders
        book = _Book(self, reader.wb, str(path), source, parts, bool(read_only))
        book._has_shapes = shapes
        return self._opened(book)

    def _opened(self, book):
        self._books.append(book)
        return book


@_refuse_the_rest
class _Book(base_classes.Book):
    def __init__(self, books, wb, fullname, source=None, parts=None, read_only=False):
        self.books, self.wb, self._fullname, self._read_only = books, wb, fullname, read_only
        # Excel's cached formula results stay in the file as opened: openpyxl has the formulas.
        self._source, self._parts = source, parts or {}
        self._titles = {ws: ws.title for ws in wb.worksheets}  # titles as in the file
        self._results = {}  # worksheet: {(row, col): (type, text)}, read on first need
        self._fresh = set()  # (worksheet, row, col) of formulas written here: result unknown
        self._date_formats = {}  # numFmtId: is a date format
        self._has_shapes = False

    api = property(lambda self: _NO_API)
    app = property(lambda self: self.books.app)
    fullname = property(lambda self: self._fullname)
    name = property(lambda self: Path(self._fullname).name)
    sheets = property(lambda self: _Sheets(self))
    names = property(lambda self: _Names(self))

    def activate(self):
        self.books._books.remove(self)
        self.books._books.append(self)

    def close(self):
        self.books._books.remove(self)

    def save(self, path=None, password=None):
        if password:
            raise NotImplementedError("the headless engine cannot protect a workbook with a password")
        # an unsaved book goes to the working directory, as Excel does
        target = Path(path or (self._fullname if os.path.isabs(self._fullname) else self._fullname + ".xlsx"))
        target = target.resolve()
        if self._read_only and str(target) == self._fullname:
            raise PermissionError(f"{self.name} was opened read-only")
        if self._has_shapes:
            raise NotImplementedError(f"the headless engine cannot save {self.name}: openpyxl would drop its drawn "
                                      "shapes (text boxes, shape buttons); form buttons are kept")
        has_vba = self.wb.vba_archive is not None
        if _OPENABLE.get(target.suffix.lower()) != has_vba:
            raise NotImplementedError(f"the headless engine cannot save a workbook {'with' if has_vba else 'without'} "
                                      f"macros as {target.suffix}")
        # A failed save must not leave half a workbook where the user's file was
        handle, temporary = tempfile.mkstemp(suffix=target.suffix, dir=target.parent)
        os.close(handle)
        try:
            xlsx_stream.save(self.wb, temporary)  # wb.save, with large sheets streamed
            _permissions_as(target, temporary)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        self._fullname = str(target)

    def _result(self, ws, row, col):
        """Excel's cached (type, text) for the formula at row, col, or None if unknown."""
        if (ws, row, col) in self._fresh:
            return None
        return self._results_of(ws).get((row, col))

    def _results_of(self, ws):
        """Excel's cached results of a sheet's formulas, {(row, col): (type, text)}."""
        if ws not in self._results:
            part = self._parts.get(self._titles.get(ws))
            if part is None:
                self._results[ws] = {}
            else:
                with zipfile.ZipFile(io.BytesIO(self._source)) as archive:
                    self._results[ws] = _formula_results(archive.read(part))
        return self._results[ws]

    def _is_date(self, cell) -> bool:
        # cached per number format: the lookup sits in the loop over every numeric cell
        key = cell._style.numFmtId if cell._style is not None else 0
        if key not in self._date_formats:
            self._date_formats[key] = is_date_format(cell.number_format)
        return self._date_formats[key]

    def _references(self, title, change):
        """Every formula, defined name, validation and conditional format of the book that
        refers to sheet `title`, rewritten by `change` (see _rewritten): a list of functions
        that apply the rewrites. All are worked out before any is applied, so a formula the
        engine cannot rewrite leaves the book as it was."""
        edits = []

        def plan(text, own, apply):
            if not text or (own or "").lower() != title.lower() and not any(
                    spelling in text.lower() for spelling in (title.lower(), title.lower().replace("'", "''"))):
                return  # cannot refer to the sheet: spare the tokenizer
            bare = not text.startswith("=")
            new = _rewritten("=" + text if bare else text, own, title, change)
            if new is not None:
                edits.append(lambda: apply(new[1:] if bare else new))

        def set_formula(cell, new):
            if isinstance(cell._value, str):
                cell._value = new
            else:
                cell._value.text = new
            if "#REF!" in new:  # Excel's result would be an error: the cached one is not it
                self._fresh.add((cell.parent, cell.row, cell.column))

        for ws in self.wb.worksheets:
            if change is None and ws.title.lower() == title.lower():
                continue  # the sheet being deleted: its own formulas go with it
            for cell in ws._cells.values():
                if cell.data_type == "f":
                    plan(_formula_text(cell._value), ws.title, lambda new, cell=cell: set_formula(cell, new))
            for dv in ws.data_validations.dataValidation:
                for key in ("formula1", "formula2"):
                    plan(getattr(dv, key), ws.title, lambda new, dv=dv, key=key: setattr(dv, key, new))
            for cf in ws.conditional_formatting:
                for rule in cf.rules:
                    for i, formula in enumerate(rule.formula or ()):
                        plan(formula, ws.title, lambda new, rule=rule, i=i: rule.formula.__setitem__(i, new))
        for dn, _ in _Names(self)._defined():
            plan(dn.attr_text, None, lambda new, dn=dn: setattr(dn, "attr_text", new))
        return edits


@_refuse_the_rest
class _Sheets(base_classes.Sheets):
    def __init__(self, book):
        self.book = book

    api = property(lambda self: _NO_API)
    active = property(lambda self: _Sheet(self.book, self.book.wb.active))

    def __call__(self, name_or_index):
        worksheets = self.book.wb.worksheets
        if isinstance(name_or_index, int):
            return _Sheet(self.book, worksheets[name_or_index - 1])
        for ws in worksheets:
            if ws.title.lower() == name_or_index.lower():  # Excel's sheet names ignore case
                return _Sheet(self.book, ws)
        raise KeyError(f"no sheet named {name_or_index!r} in {self.book.name}")

    def __contains__(self, name):
        return any(ws.title.lower() == name.lower() for ws in self.book.wb.worksheets)

    def __len__(self):
        return len(self.book.wb.worksheets)

    def __iter__(self):
        return (_Sheet(self.book, ws) for ws in list(self.book.wb.worksheets))

    def add(self, before=None, after=None, name=None):
        wb = self.book.wb
        if name is None:
            number = len(wb.worksheets) + 1
            while name is None or name in self:
                name, number = f"Sheet{number}", number + 1
        # Excel inserts before the active sheet unless told otherwise
        anchor = before.ws if before else after.ws if after else wb.active
        index = wb._sheets.index(anchor) + (1 if after and not before else 0)
        sheet = _Sheet(self.book, wb.create_sheet(name, index))
        sheet.activate()
        return sheet


@_refuse_the_rest
class _Sheet(base_classes.Sheet):
    def __init__(self, book, ws):
        self._book, self.ws = book, ws

    api = property(lambda self: _NO_API)
    book = property(lambda self: self._book)
    index = property(lambda self: self._book.wb.worksheets.index(self.ws) + 1)
    names = property(lambda self: _Names(self._book, self.ws))
    cells = property(lambda self: _Range(self, 1, 1, MAX_ROWS, MAX_COLS))

    @property
    def name(self):
        return self.ws.title

    @name.setter
    def name(self, value):
        old = self.ws.title
        if value.lower() != old.lower() and value in _Sheets(self._book):
            raise ValueError(f"a sheet named {value!r} already exists")  # openpyxl would rename it silently
        edits = self._book._references(old, value)  # Excel rewrites the references under the new name
        if value.lower() == old.lower():  # a new spelling: openpyxl would see a duplicate and add a "1"
            self.ws.title = "~renaming~"
        self.ws.title = value
        for edit in edits:
            edit()

    def activate(self):
        wb = self._book.wb
        wb.active = self.ws
        # openpyxl leaves the previous tab selected too: Excel would open with both grouped
        for ws in wb.worksheets:
            ws.sheet_view.tabSelected = ws is self.ws

    def range(self, arg1, arg2=None):
        r1, c1, r2, c2 = self._corners(arg1)
        if arg2 is not None:
            s1, d1, s2, d2 = self._corners(arg2)
            r1, c1, r2, c2 = min(r1, s1), min(c1, d1), max(r2, s2), max(c2, d2)
        return _Range(self, r1, c1, r2, c2)

    def _corners(self, arg) -> tuple[int, int, int, int]:
        if isinstance(arg, _Range):
            return arg.r1, arg.c1, arg.r2, arg.c2
        if isinstance(arg, tuple) and len(arg) == 2:
            return arg[0], arg[1], arg[0], arg[1]
        if isinstance(arg, tuple) and len(arg) == 4:  # xlwings' slicing: row, col, nrows, ncols
            row, col, nrows, ncols = arg
            if nrows < 1 or ncols < 1:
                raise IndexError("an empty slice is not a range")
            return row, col, row + nrows - 1, col + ncols - 1
        if not isinstance(arg, str):
            raise TypeError(f"not a cell or range: {arg!r}")
        sheet_name, _, address = arg.rpartition("!")
        if sheet_name and sheet_name.strip("'").replace("''", "'").lower() != self.ws.title.lower():
            raise ValueError(f"{arg!r} is not on sheet {self.ws.title!r}")
        if not _ADDRESS.fullmatch(address):
            return self._named(address)
        c1, r1, c2, r2 = range_boundaries(address.replace("$", ""))
        return r1 or 1, c1 or 1, r2 or MAX_ROWS, c2 or MAX_COLS

    def _named(self, name):
        # a sheet's own name wins over the book's on that sheet, as in Excel
        for dn, ws in sorted(_Names(self._book)._defined(), key=lambda pair: pair[1] is None):
            if dn.name.lower() == name.lower() and ws in (None, self.ws):
                destinations = list(dn.destinations)
                if len(destinations) == 1 and destinations[0][0].lower() == self.ws.title.lower():
                    return self._corners(destinations[0][1])
        raise ValueError(f"{name!r} is neither an address nor a name of a range on sheet {self.ws.title!r}")

    @property
    def used_range(self):
        if (store := xlsx_stream.store_of(self.ws)) is not None:
            bounds = store.bounds()
            return _Range(self, *bounds) if bounds else _Range(self, 1, 1, 1, 1)
        if not self.ws._cells:
            return _Range(self, 1, 1, 1, 1)  # Excel's used range of an empty sheet
        ws = self.ws
        return _Range(self, ws.min_row, ws.min_column, ws.max_row, ws.max_column)

    def clear_contents(self):
        self.cells.clear_contents()

    def select(self):
        # Excel's Select activates the sheet and makes it the only selected tab, as activate does here
        self.activate()

    @property
    def visible(self):
        return self.ws.sheet_state == "visible"

    @visible.setter
    def visible(self, value):
        if not value and self.visible and sum(ws.sheet_state == "visible" for ws in self._book.wb.worksheets) == 1:
            raise ValueError("a workbook must keep at least one visible sheet, as in Excel")
        self.ws.sheet_state = "visible" if value else "hidden"
        if not value and self._book.wb.active is self.ws:  # Excel moves on to the next visible sheet
            _Sheet(self._book, self._neighbour()).activate()

    def _neighbour(self):
        """The visible sheet Excel shows when this one goes: the next, else the previous."""
        sheets = [ws for ws in self._book.wb.worksheets if ws is self.ws or ws.sheet_state == "visible"]
        at = sheets.index(self.ws)
        return (sheets[at + 1:] + sheets[:at][::-1])[0]

    def clear_formats(self):
        self.cells.clear_formats()

    def clear(self):
        self.cells.clear()

    def delete(self):
        wb, ws = self._book.wb, self.ws
        if not [other for other in wb.worksheets if other is not ws and other.sheet_state == "visible"]:
            raise ValueError(f"cannot delete {ws.title!r}: a workbook must keep at least one visible sheet, "
                             "as in Excel")
        # Excel turns references to a deleted sheet into #REF!; the sheet's own names go with it
        edits = self._book._references(ws.title, None)
        was_active = wb.active is ws
        following = self._neighbour()
        active = following if was_active else wb.active
        for edit in edits:
            edit()
        wb.remove(ws)
        self._book._titles.pop(ws, None)
        self._book._results.pop(ws, None)
        _Sheet(self._book, active).activate()

    def copy(self, before, after):
        source, anchor = self.ws, (before or after)
        target_book = anchor.book
        if target_book is not self._book:
            raise NotImplementedError("the headless engine cannot copy a sheet into another workbook: openpyxl "
                                      "copies styles only within one")
        kept = {"tables": source.tables, "pictures": source._images, "charts": source._charts,
                "pivot tables": source._pivots, "form buttons or notes (VML)": source.legacy_drawing}
        if what := [name for name, present in kept.items() if present]:
            raise NotImplementedError(f"the headless engine cannot copy {source.title!r} with its {', '.join(what)}: "
                                      "openpyxl would leave them out of the copy")
        wb = self._book.wb
        name = _copy_name(source.title, wb.sheetnames)
        # the copy's formulas and own names that name the sheet name the copy, as in Excel
        own = {}
        texts = [((cell.row, cell.column), _formula_text(cell._value))
                 for cell in source._cells.values() if cell.data_type == "f"]
        texts += [(key, "=" + (dn.attr_text or "")) for key, dn in source.defined_names.items()]
        for key, text in texts:
            if source.title.lower() in text.lower() or source.title.lower().replace("'", "''") in text.lower():
                own[key] = _rewritten(text, None, source.title, name)
        copied = wb.create_sheet(name)
        WorksheetCopy(source, copied).copy_worksheet()
        # what openpyxl's copy leaves out and Excel's keeps
        copied.sheet_properties.codeName = None  # Excel gives the copy its own VBA code name
        copied.sheet_state = source.sheet_state
        for part in ("views", "data_validations", "conditional_formatting", "auto_filter", "protection",
                     "_print_area", "_print_rows", "_print_cols"):
            setattr(copied, part, copy.deepcopy(getattr(source, part)))
        for key, dn in source.defined_names.items():
            copied.defined_names[key] = copy.deepcopy(dn)
        for key, text in own.items():
            if text is None:
                continue
            if isinstance(key, str):
                copied.defined_names[key].attr_text = text[1:]
            elif isinstance(copied._cells[key]._value, str):
                copied._cells[key]._value = text
            else:
                copied._cells[key]._value = copy.copy(copied._cells[key]._value)
                copied._cells[key]._value.text = text
        for merged in copied.merged_cells.ranges:
            merged.ws = copied
        wb._sheets.remove(copied)
        wb._sheets.insert(wb._sheets.index(anchor.ws) + (0 if before else 1), copied)
        _Sheet(self._book, copied).activate()  # Excel activates the copy

    def _shift(self, shift, copy_origin=None):
        """Move cells as Excel's Insert and Delete do (see _Shift), rewriting every reference
        to the moved cells: formulas, names, merged areas, validations, conditional formats,
        hyperlinks, the autofilter and, for whole rows or columns, their heights and widths."""
        with xlsx_stream.gc_paused():
            self._shift_cells(shift, copy_origin)

    def _shift_cells(self, shift, copy_origin):
        ws, book = self.ws, self._book
        if ws.tables or ws._images or ws._charts or ws._pivots:
            raise NotImplementedError(f"the headless engine cannot insert or delete cells on {ws.title!r}: its tables, "
                                      "pictures or charts would not move with them")
        for merged in ws.merged_cells.ranges:
            if shift.crosses(merged.min_row, merged.min_col, merged.max_row, merged.max_col):
                raise ValueError(f"cannot shift part of the merged cells {merged.coord}, as Excel cannot")
        along = 0 if shift.axis == "rows" else 1
        start, count, lo, hi = shift.start, shift.count, shift.lo, shift.hi
        cells = ws._cells
        if count > 0:
            edge = shift.limit - count
            if any(key[along] > edge and lo <= key[1 - along] <= hi and cell._value is not None
                   for key, cell in cells.items()):
                raise ValueError("Excel cannot shift nonblank cells off the worksheet")
        edits = book._references(ws.title, shift.area)
        results = book._results_of(ws)  # Excel's cached results move with their cells: read them before

        def moved(key):
            a, x = key[along], key[1 - along]
            if a < start or x < lo or x > hi:
                return key
            if count < 0 and a < start - count or a + count > shift.limit:
                return None  # deleted, or a blank cell's format pushed off the sheet
            return (a + count, x) if along == 0 else (x, a + count)

        kept = {}
        for key, cell in cells.items():
            if (target := moved(key)) is not None:
                if target != key:
                    cell.row, cell.column = target
                    if getattr(cell, "hyperlink", None):
                        cell.hyperlink.ref = cell.coordinate
                kept[target] = cell
        cells.clear()
        cells.update(kept)
        book._results[ws] = {target: result for key, result in results.items() if (target := moved(key))}
        fresh = {entry for entry in book._fresh if entry[0] is ws}
        book._fresh -= fresh
        book._fresh |= {(ws, *target) for _, row, col in fresh if (target := moved((row, col)))}
        if shift.whole:
            self._shift_dimensions(shift, copy_origin)
        if count > 0:
            self._format_inserted(shift, copy_origin)
        self._move_areas(shift.area)
        if ws.auto_filter.ref:
            ranges = _changed_ranges(MultiCellRange(ws.auto_filter.ref), shift.area).ranges
            ws.auto_filter.ref = ranges[0].coord if ranges else None
        for key, part in (("print_area", "_print_area"), ("print_title_rows", "_print_rows"),
                          ("print_title_cols", "_print_cols")):
            if (text := getattr(ws, key)) and (new := _rewritten("=" + text, ws.title, ws.title, shift.area)):
                if "#REF!" in new:  # Excel drops a print setting whose cells were all deleted
                    setattr(ws, part, None if part != "_print_area" else type(ws._print_area)())
                else:
                    setattr(ws, key, new[1:] if key == "print_area" else new[1:].replace("$", ""))
        for edit in edits:
            edit()

    def _move_areas(self, change):
        """Merged areas, validations and conditional formats where change(r1, c1, r2, c2)
        takes them (None: they go), after their cells moved."""
        ws, cells = self.ws, self.ws._cells
        merges = [(merged.min_row, merged.min_col, merged.max_row, merged.max_col) for merged in ws.merged_cells.ranges]
        ws.merged_cells = MultiCellRange()
        for area in filter(None, (change(*merged) for merged in merges)):
            if isinstance(top_left := cells.get(area[:2]), MergedCell):  # its first cell was deleted
                cells[area[:2]] = Cell(ws, row=area[0], column=area[1])
                cells[area[:2]]._style = copy.copy(top_left._style)
            ws.merge_cells(start_row=area[0], start_column=area[1], end_row=area[2], end_column=area[3])
        for dv in list(ws.data_validations.dataValidation):
            dv.sqref = _changed_ranges(dv.sqref, change)
            if not dv.sqref.ranges:
                ws.data_validations.dataValidation.remove(dv)
        formats, ws.conditional_formatting = ws.conditional_formatting, ConditionalFormattingList()
        for cf in formats:
            if ranges := _changed_ranges(cf.sqref, change).ranges:
                for rule in cf.rules:
                    ws.conditional_formatting.add(" ".join(r.coord for r in ranges), rule)

    def _move_block(self, source, row, col):
        """Excel's Cut and Paste within a sheet: source's cells go to row, col with their
        formats; references to them follow, those to the cells they cover become #REF!."""
        ws, book, cells = self.ws, self._book, self.ws._cells
        dr, dc = row - source.r1, col - source.c1
        nrows, ncols = source.shape
        if row + nrows - 1 > MAX_ROWS or col + ncols - 1 > MAX_COLS:
            raise ValueError("the moved cells would reach beyond the sheet's edge")
        if not dr and not dc:
            return

        def within(r1, c1, r2, c2, top, left):
            return top <= r1 and r2 <= top + nrows - 1 and left <= c1 and c2 <= left + ncols - 1

        def change(r1, c1, r2, c2):
            if within(r1, c1, r2, c2, source.r1, source.c1):
                return r1 + dr, c1 + dc, r2 + dr, c2 + dc
            if within(r1, c1, r2, c2, row, col):
                return None  # its cells were pasted over
            return r1, c1, r2, c2

        def moved(key):
            return change(*key, *key)[:2] if change(*key, *key) else None

        for merged in source._merged():
            if not within(merged.min_row, merged.min_col, merged.max_row, merged.max_col, source.r1, source.c1):
                raise ValueError(f"cannot move part of the merged cells {merged.coord}, as Excel cannot")

        with xlsx_stream.gc_paused():
            edits = book._references(ws.title, change)
            results = book._results_of(ws)
            for merged in _Range(self, row, col, row + nrows - 1, col + ncols - 1)._merged():
                if not within(merged.min_row, merged.min_col, merged.max_row, merged.max_col, source.r1, source.c1):
                    ws.unmerge_cells(merged.coord)  # pasted over: undone
            block = [cell for key, cell in list(cells.items()) if within(*key, *key, source.r1, source.c1)]
            for cell in block:
                del cells[cell.row, cell.column]
            for key in [key for key in cells if within(*key, *key, row, col)]:
                del cells[key]
            for cell in block:
                cell.row, cell.column = cell.row + dr, cell.column + dc
                if getattr(cell, "hyperlink", None):
                    cell.hyperlink.ref = cell.coordinate
                cells[cell.row, cell.column] = cell
            book._results[ws] = {target: result for key, result in results.items() if (target := moved(key))}
            fresh = {entry for entry in book._fresh if entry[0] is ws}
            book._fresh -= fresh
            book._fresh |= {(ws, *target) for _, r, c in fresh if (target := moved((r, c)))}
            self._move_areas(change)
            for edit in edits:
                edit()

    def _shift_dimensions(self, shift, copy_origin):
        """Heights of whole rows (widths of whole columns) move with them; inserted ones take
        those of the line they copy their format from, as in Excel."""
        if shift.axis == "rows":
            dims = self.ws.row_dimensions
            moved = {}
            for index, dim in list(dims.items()):
                area = shift.area(index, 1, index, MAX_COLS)
                if area is not None:
                    dim.index = area[0]
                    moved[area[0]] = dim
            dims.clear()
            dims.update(moved)
            origin = self._origin(shift, copy_origin)
            if shift.count > 0 and origin in dims:
                for index in range(shift.start, shift.start + shift.count):
                    dims[index] = copy.copy(dims[origin])
                    dims[index].index = index
            return
        dims = self.ws.column_dimensions
        moved = {}
        for dim in list(dims.values()):
            dim.reindex()
            area = shift.area(1, dim.min, MAX_ROWS, dim.max)
            if area is not None:
                dim.min, dim.max = area[1], area[3]
                dim.index = get_column_letter(dim.min)
                moved[dim.index] = dim
        dims.clear()
        dims.update(moved)
        origin = self._origin(shift, copy_origin)
        source = next((dim for dim in dims.values() if dim.min <= origin <= dim.max), None) if origin else None
        if shift.count > 0 and source is not None and not source.min <= shift.start <= source.max:
            dim = copy.copy(source)
            dim.min, dim.max = shift.start, shift.start + shift.count - 1
            dim.index = get_column_letter(dim.min)
            dims[dim.index] = dim

    @staticmethod
    def _origin(shift, copy_origin):
        """The line (after the move) whose format inserted lines copy, or None."""
        origin = shift.start + shift.count if copy_origin == "format_from_right_or_below" else shift.start - 1
        return origin if 1 <= origin <= shift.limit else None

    def _format_inserted(self, shift, copy_origin):
        origin = self._origin(shift, copy_origin)
        if origin is None:
            return
        along = 0 if shift.axis == "rows" else 1
        cells = self.ws._cells
        styles = [(key[1 - along], cell._style) for key, cell in list(cells.items())
                  if key[along] == origin and shift.lo <= key[1 - along] <= shift.hi and cell.has_style]
        for line in range(shift.start, shift.start + shift.count):
            for across, style in styles:
                row, col = (line, across) if along == 0 else (across, line)
                cell = self._cell(row, col)
                cell._style = copy.copy(style)

    def autofit(self, axis=None):
        raise NotImplementedError(_NO_AUTOFIT)

    def _digit_width(self) -> int:
        """Pixels of the Normal font's widest digit: Excel's column widths count them."""
        font = self._book.wb._fonts[0]
        key = (font.name, float(font.sz or 0))
        if key not in _DIGIT_WIDTHS:
            raise NotImplementedError(f"the headless engine cannot convert column widths for the Normal font "
                                      f"{font.name} {font.sz:g}: only Excel knows how wide it renders")
        return _DIGIT_WIDTHS[key]

    def _column_dim(self, col):
        for dim in self.ws.column_dimensions.values():
            dim.reindex()
            if dim.min <= col <= dim.max:
                return dim
        return None

    def _column_pixels(self, col) -> int:
        digit = self._digit_width()
        dim = self._column_dim(col)
        if dim is not None and dim.hidden:
            return 0
        if dim is not None and dim.width:
            return int((256 * dim.width + int(128 / digit)) / 256 * digit)
        fmt = self.ws.sheet_format
        if fmt.defaultColWidth:
            return int((256 * fmt.defaultColWidth + int(128 / digit)) / 256 * digit)
        return math.ceil(((fmt.baseColWidth or 8) * digit + 5) / 8) * 8  # Excel rounds the default up to 8 pixels

    def _column_width(self, col) -> float:
        pixels, digit = self._column_pixels(col), self._digit_width()
        if pixels < digit + 5:  # narrower than one digit and its padding: the padding shrinks too
            return round(pixels / (digit + 5), 2)
        return int((pixels - 5) / digit * 100 + 0.5) / 100

    def _file_width(self, chars) -> float:
        """A width in characters as the file stores it (with the padding), as Excel and XlsxWriter round it."""
        digit = self._digit_width()
        if chars < 1:
            return int(int(chars * (digit + 5) + 0.5) / digit * 256) / 256
        return int((int(chars * digit + 0.5) + 5) / digit * 256) / 256

    def _set_column_widths(self, c1, c2, chars):
        width = self._file_width(chars) if chars else None
        for piece in self._column_pieces(c1, c2):
            if width is None:  # Excel hides a column narrowed to nothing
                piece.hidden = True
            else:
                piece.width, piece.hidden = width, False

    def move(self, before, after):
        wb = self._book.wb
        active = wb.active  # openpyxl keeps the active sheet by position
        wb._sheets.remove(self.ws)
        anchor = (before or after).ws
        wb._sheets.insert(wb._sheets.index(anchor) + (0 if before else 1), self.ws)
        wb.active = active

    @property
    def freeze_panes(self):
        return _FreezePanes(self)

    @property
    def show_gridlines(self):
        return self.ws.sheet_view.showGridLines is not False

    @show_gridlines.setter
    def show_gridlines(self, value):
        self.ws.sheet_view.showGridLines = bool(value)

    def _column_pieces(self, c1, c2):
        """The column dimensions covering exactly columns c1..c2, made by splitting the file's
        column spans (<col min max>) that reach beyond them and filling the gaps."""
        dims = self.ws.column_dimensions
        outside, inside = [], []
        for dim in list(dims.values()):
            dim.reindex()
            if dim.max < c1 or dim.min > c2:
                continue
            del dims[dim.index]
            for lo, hi in ((dim.min, c1 - 1), (max(dim.min, c1), min(dim.max, c2)), (c2 + 1, dim.max)):
                if lo <= hi:
                    piece = copy.copy(dim)
                    piece.min, piece.max, piece.index = lo, hi, get_column_letter(lo)
                    (inside if c1 <= lo <= c2 else outside).append(piece)
        start, gaps = c1, []
        for piece in sorted(inside, key=lambda piece: piece.min) + [None]:
            end = piece.min - 1 if piece is not None else c2
            if start <= end:
                gaps.append(ColumnDimension(self.ws, index=get_column_letter(start), min=start, max=end,
                                            width=0))  # no width: the default
            if piece is not None:
                start = piece.max + 1
        for piece in outside + inside + gaps:
            dims[piece.index] = piece
        return inside + gaps

    def _default_row_height(self) -> float:
        fmt = self.ws.sheet_format
        return 0.0 if fmt.zeroHeight else float(fmt.defaultRowHeight or 15)

    def _row_height(self, row) -> float:
        dim = dict.get(self.ws.row_dimensions, row)
        if dim is not None and dim.hidden:
            return 0.0
        if dim is not None and dim.ht is not None:
            return float(dim.ht)
        return self._default_row_height()

    def _cell(self, row, col):
        """The cell at row, col, created if missing (writing only: reading must not grow the sheet)."""
        cell = self.ws._cells.get((row, col))
        if cell is None:
            cell = self.ws._cells[row, col] = Cell(self.ws, row=row, column=col)
        return cell

    def _store(self, row, col, value):
        """Write one prepared value as Excel would take it."""
        cells = self.ws._cells
        cell = cells.get((row, col))
        if value is None or value == "":
            if cell is not None and cell.has_style:  # Excel clears contents, not formats
                cell._value, cell.data_type = None, "n"
            elif cell is not None:
                del cells[row, col]
            return
        if cell is None:
            cell = cells[row, col] = Cell(self.ws, row=row, column=col)
        if value.__class__ is str and value[0] == "'":  # Excel's quote prefix, as when typed
            _set_text(cell, value[1:])
            cell.quotePrefix = True
            return
        cell.value = value
        if cell.quotePrefix:  # written over a quoted text: Excel drops the prefix
            cell.quotePrefix = False
        if cell.data_type == "f":
            self._book._fresh.add((self.ws, row, col))

    def _value_of(self, cell, err_to_str: bool):
        """A cell's value as Excel hands it to xlwings (text and empty are inlined by the caller)."""
        value, kind = cell._value, cell.data_type
        if kind == "f":
            result = self._book._result(self.ws, cell.row, cell.column)
            if result is None or result[1] is None:
                return _formula_text(value)
            kind, value = result
            if kind in ("str", "inlineStr"):
                return value or None
            if kind == "b":
                return value == "1"
            if kind == "n":
                value = float(value)
        if kind == "s":
            return value or None
        if kind == "b":
            return bool(value)
        if kind == "e":
            return value if err_to_str else None
        if value is None or isinstance(value, bool):
            return value
        if self._book._is_date(cell):
            return _as_datetime(value, self._book.wb.epoch)
        if isinstance(value, (int, float, Decimal)):
            return float(value)
        return float(to_excel(value, self._book.wb.epoch))  # a date where the format says number


@_refuse_the_rest
class _Range(base_classes.Range):
    def __init__(self, sheet, r1, c1, r2=None, c2=None):
        r2, c2 = r2 or r1, c2 or c1
        if not (1 <= r1 <= r2 <= MAX_ROWS and 1 <= c1 <= c2 <= MAX_COLS):
            raise IndexError(f"rows {r1}-{r2}, columns {c1}-{c2} lie outside the sheet")
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2
        self.options = {}  # xlwings' Range assigns its options here

    api = property(lambda self: _NO_API)
    row = property(lambda self: self.r1)
    column = property(lambda self: self.c1)
    shape = property(lambda self: (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1))
    address = property(lambda self: _address(self.r1, self.c1, self.r2, self.c2))
    has_array = False
    # The file is in memory: no reason to read or write in chunks
    max_cells_per_read = max_cells_per_write = None

    def __len__(self):
        return (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1)

    def __call__(self, row, col=None):
        if col is None:  # a 1-based index running along the rows, as in Excel
            row, col = divmod(row - 1, self.c2 - self.c1 + 1)
            row, col = row + 1, col + 1
        return _Range(self.sheet, self.r1 + row - 1, self.c1 + col - 1)

    def get_address(self, row_absolute, col_absolute, external):
        address = _address(self.r1, self.c1, self.r2, self.c2, row_absolute, col_absolute)
        if not external:
            return address
        book, sheet = self.sheet.book.name, self.sheet.name
        prefix = f"[{book}]{sheet}"
        if _quoted(sheet) != sheet or not book.replace(".", "").replace("_", "").isalnum():
            prefix = "'" + prefix.replace("'", "''") + "'"
        return f"{prefix}!{address}"

    def _cells_within(self, create=False):
        """The existing cells of the range (all its cells if create), without visiting
        millions of empty coordinates for whole rows or columns."""
        if create:
            self._check_size()
            return [self.sheet._cell(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)]
        cells = self.sheet.ws._cells
        if len(self) > len(cells):
            return [cell for (r, c), cell in list(cells.items()) if self.r1 <= r <= self.r2 and self.c1 <= c <= self.c2]
        return [cell for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)
                if (cell := cells.get((r, c))) is not None]

    def _check_size(self):
        if len(self) > _MAX_CELLS:
            raise NotImplementedError(f"the headless engine cannot handle {len(self):,} cells at once ({self.address})")

    def _uniform(self, read):
        """What Excel reports for a formatting property: the common value, else None."""
        self._check_size()
        ws = self.sheet.ws
        values = {read(ws._cells.get((r, c)) or Cell(ws, row=r, column=c))  # a stand-in: don't grow the sheet
                  for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)}
        return values.pop() if len(values) == 1 else None

    @property
    def raw_value(self):
        self._check_size()
        err_to_str = bool((self.options or {}).get("err_to_str"))
        if (store := xlsx_stream.store_of(self.sheet.ws)) is not None:
            return store.read(self.sheet, self.r1, self.c1, self.r2, self.c2, err_to_str)
        get, value_of = self.sheet.ws._cells.get, self.sheet._value_of
        columns = range(self.c1, self.c2 + 1)
        # text, the bulk of a table, is inlined: a call per cell would double the time
        return [[None if (cell := get((r, c))) is None
                 else (cell._value or None) if cell.data_type == "s"
                 else value_of(cell, err_to_str)
                 for c in columns]
                for r in range(self.r1, self.r2 + 1)]

    @raw_value.setter
    def raw_value(self, data):
        store = self.sheet._store
        if (rows_store := xlsx_stream.store_of(self.sheet.ws)) is not None:
            store = functools.partial(rows_store.store, self.sheet)
        if not isinstance(data, (list, tuple)):
            # a scalar fills the range, as in Excel; a formula's relative references move along
            self._check_size()
            origin = f"{get_column_letter(self.c1)}{self.r1}"
            # (one cell needs no translating, and openpyxl's tokenizer does not know every formula: A1#)
            is_formula = isinstance(data, str) and data.startswith("=") and len(self) > 1
            formula = Translator(data, origin) if is_formula else None
            for r in range(self.r1, self.r2 + 1):
                for c in range(self.c1, self.c2 + 1):
                    store(r, c, formula.translate_formula(f"{get_column_letter(c)}{r}") if formula else data)
            return
        rows = data if data and isinstance(data[0], (list, tuple)) else [data]
        if rows_store is None and len(rows) * len(rows[0]) >= xlsx_stream.ADOPT_CELLS:
            rows_store = xlsx_stream.adopt(self.sheet.ws)  # a table: rows from here on, not openpyxl cells
        if rows_store is not None:
            return rows_store.write(self.sheet, self.r1, self.c1, rows)
        ws, cells, fresh = self.sheet.ws, self.sheet.ws._cells, self.sheet.book._fresh
        for r, row in enumerate(rows, self.r1):
            for c, value in enumerate(row, self.c1):
                if (r, c) in cells or value is None or value == "" or value.__class__ is str and value[0] == "'":
                    store(r, c, value)
                else:  # a new cell, the bulk of writing a table: inlined for speed
                    cell = cells[r, c] = Cell(ws, r, c, value)
                    if cell.data_type == "f":
                        fresh.add((ws, r, c))

    @property
    def formula(self):
        formulas = tuple(
            tuple(self._formula_of(self.sheet.ws._cells.get((r, c))) for c in range(self.c1, self.c2 + 1))
            for r in range(self.r1, self.r2 + 1)
        )
        return formulas[0][0] if len(self) == 1 else formulas

    @formula.setter
    def formula(self, value):
        self.raw_value = value

    formula2 = formula

    def _formula_of(self, cell) -> str:
        """What Excel's Range.Formula shows: the formula, else the constant as typed."""
        if cell is None or cell._value is None:
            return ""
        value = cell._value
        if cell.data_type == "f":
            return _formula_text(value)
        if isinstance(value, bool):
            return str(value).upper()
        if isinstance(value, (dt.date, dt.time, dt.timedelta)):
            value = to_excel(value, self.sheet.book.wb.epoch)
        if isinstance(value, (int, float, Decimal)):
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        return str(value)

    def end(self, direction):
        """Ctrl+Arrow: to the end of the filled block, else to the next filled cell, else to the edge."""
        step_r, step_c = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}[
            self._direction(direction, {"up", "down", "left", "right"})]
        cells = self.sheet.ws._cells

        def filled(r, c):
            cell = cells.get((r, c))
            return cell is not None and cell._value is not None and cell._value != ""

        r, c = self.r1, self.c1
        if filled(r, c) and filled(r + step_r, c + step_c):
            while filled(r + step_r, c + step_c):
                r, c = r + step_r, c + step_c
            return _Range(self.sheet, r, c)
        ws = self.sheet.ws
        if step_r:
            rows = range(r + 1, ws.max_row + 1) if step_r > 0 else range(r - 1, 0, -1)
            return _Range(self.sheet, next((row for row in rows if filled(row, c)), MAX_ROWS if step_r > 0 else 1), c)
        columns = range(c + 1, ws.max_column + 1) if step_c > 0 else range(c - 1, 0, -1)
        return _Range(self.sheet, r, next((col for col in columns if filled(r, col)), MAX_COLS if step_c > 0 else 1))

    def clear_contents(self):
        if (store := xlsx_stream.store_of(self.sheet.ws)) is not None:
            return store.clear(self.sheet, self.r1, self.c1, self.r2, self.c2)
        for cell in self._cells_within():
            if cell._value is not None:  # merged-away cells hold nothing and take nothing
                self.sheet._store(cell.row, cell.column, None)

    def _direction(self, direction, allowed):
        """Excel's engines take d/u/l/r as well as the full words."""
        if direction is None:
            return None
        full = _DIRECTIONS.get(str(direction).lower())
        if full not in allowed:
            raise ValueError(f"{direction!r} is not one of {', '.join(sorted(allowed))}")
        return full

    def _whole_rows(self):
        return (self.c1, self.c2) == (1, MAX_COLS)

    def _whole_columns(self):
        return (self.r1, self.r2) == (1, MAX_ROWS)

    def _shift_for(self, direction, inserting):
        """The _Shift of inserting or deleting this range's cells towards direction; whole rows
        and columns move as lines whatever the direction, and without one Excel goes by the
        range's shape: a range taller than wide moves sideways."""
        if self._whole_rows() and not self._whole_columns():
            vertical = True
        elif self._whole_columns() and not self._whole_rows():
            vertical = False
        elif direction is None:
            vertical = self.r2 - self.r1 <= self.c2 - self.c1
        else:
            vertical = direction in ("down", "up")
        if vertical:
            count = self.r2 - self.r1 + 1
            return _Shift("rows", self.r1, count if inserting else -count, self.c1, self.c2)
        count = self.c2 - self.c1 + 1
        return _Shift("columns", self.c1, count if inserting else -count, self.r1, self.r2)

    def insert(self, shift=None, copy_origin=None):
        if copy_origin not in (None, "format_from_left_or_above", "format_from_right_or_below"):
            raise ValueError(f"copy_origin {copy_origin!r} is not format_from_left_or_above "
                             "or format_from_right_or_below")
        self.sheet._shift(self._shift_for(self._direction(shift, {"down", "right"}), True), copy_origin)

    def delete(self, shift=None):
        self.sheet._shift(self._shift_for(self._direction(shift, {"up", "left"}), False))

    def clear_formats(self):
        """Excel's ClearFormats: every cell back to the default format and merged areas undone;
        values stay."""
        ws = self.sheet.ws
        self._unmerge_touching()
        for cell in self._cells_within():
            if cell._value is None and not getattr(cell, "hyperlink", None) and not cell.comment:
                del ws._cells[cell.row, cell.column]
            else:
                cell.style = "Normal"
        if self._whole_rows():
            for row in [row for row in ws.row_dimensions if self.r1 <= row <= self.r2]:
                ws.row_dimensions[row]._style = copy.copy(Cell(ws)._style)

    def clear(self):
        """Excel's Clear: values, formats, notes and hyperlinks go, merged areas are undone."""
        self._unmerge_touching()
        for cell in self._cells_within():
            del self.sheet.ws._cells[cell.row, cell.column]

    def _merged(self):
        """The merged areas of the sheet that share a cell with this range."""
        return [merged for merged in self.sheet.ws.merged_cells.ranges
                if not (merged.max_row < self.r1 or merged.min_row > self.r2
                        or merged.max_col < self.c1 or merged.min_col > self.c2)]

    def _unmerge_touching(self):
        for merged in self._merged():
            self.sheet.ws.unmerge_cells(merged.coord)

    @property
    def merge_area(self):
        merged = _Range(self.sheet, self.r1, self.c1)._merged()
        if not merged:
            return self
        area = merged[0]
        return _Range(self.sheet, area.min_row, area.min_col, area.max_row, area.max_col)

    @property
    def merge_cells(self):
        """True if every cell of the range is merged, False if none is, None if some are (as Excel's MergeCells)."""
        merged = self._merged()
        if not merged:
            return False
        inside = sum((min(m.max_row, self.r2) - max(m.min_row, self.r1) + 1)
                     * (min(m.max_col, self.c2) - max(m.min_col, self.c1) + 1) for m in merged)
        return True if inside == len(self) else None

    def merge(self, across):
        """Excel's Merge: the areas it touches merge with it; only the top-left value stays."""
        ws = self.sheet.ws
        rows = [(r, r) for r in range(self.r1, self.r2 + 1)] if across else [(self.r1, self.r2)]
        for r1, r2 in rows:
            corners = [r1, self.c1, r2, self.c2]
            for merged in _Range(self.sheet, r1, self.c1, r2, self.c2)._merged():
                corners = [min(corners[0], merged.min_row), min(corners[1], merged.min_col),
                           max(corners[2], merged.max_row), max(corners[3], merged.max_col)]
                ws.unmerge_cells(merged.coord)
            if corners[:2] != corners[2:]:
                ws.merge_cells(start_row=corners[0], start_column=corners[1], end_row=corners[2], end_column=corners[3])

    def unmerge(self):
        self._unmerge_touching()

    @property
    def current_region(self):
        """Excel's CurrentRegion: grown from the range until blank rows and columns (or the
        sheet's edges) surround it, diagonal neighbours included."""
        cells = self.sheet.ws._cells

        def filled(r, c):
            cell = cells.get((r, c))
            return cell is not None and cell._value is not None and cell._value != ""

        r1, c1, r2, c2 = self.r1, self.c1, self.r2, self.c2
        grown = True
        while grown:
            grown = False
            left, right = max(c1 - 1, 1), min(c2 + 1, MAX_COLS)
            top, bottom = max(r1 - 1, 1), min(r2 + 1, MAX_ROWS)
            while r2 < MAX_ROWS and any(filled(r2 + 1, c) for c in range(left, right + 1)):
                r2, bottom, grown = r2 + 1, min(r2 + 2, MAX_ROWS), True
            while r1 > 1 and any(filled(r1 - 1, c) for c in range(left, right + 1)):
                r1, top, grown = r1 - 1, max(r1 - 2, 1), True
            while c2 < MAX_COLS and any(filled(r, c2 + 1) for r in range(top, bottom + 1)):
                c2, right, grown = c2 + 1, min(c2 + 2, MAX_COLS), True
            while c1 > 1 and any(filled(r, c1 - 1) for r in range(top, bottom + 1)):
                c1, left, grown = c1 - 1, max(c1 - 2, 1), True
        return _Range(self.sheet, r1, c1, r2, c2)

    @property
    def column_width(self):
        """Characters of the Normal font's digit, as Excel's ColumnWidth: the common width, else None."""
        widths = {self.sheet._column_width(c) for c in range(self.c1, min(self.c2, self.c1 + MAX_COLS) + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value):
        if not 0 <= value <= 255:
            raise ValueError(f"a column width is 0 to 255 characters, not {value}")
        self.sheet._set_column_widths(self.c1, self.c2, value)

    @property
    def row_height(self):
        """Points, as Excel's RowHeight: the common height, else None."""
        rows = range(self.r1, self.r2 + 1)
        dims = self.sheet.ws.row_dimensions
        if len(rows) > len(dims) + 1:  # whole columns: most rows have the default height
            heights = {self.sheet._row_height(r) for r in dims if self.r1 <= r <= self.r2}
            heights.add(self.sheet._default_row_height())
        else:
            heights = {self.sheet._row_height(r) for r in rows}
        return heights.pop() if len(heights) == 1 else None

    @row_height.setter
    def row_height(self, value):
        if not 0 <= value <= 409.5:
            raise ValueError(f"a row height is 0 to 409.5 points, not {value}")
        if self.r2 - self.r1 + 1 > 100_000:
            raise NotImplementedError("the headless engine cannot set the height of this many rows one by one; "
                                      "set the sheet's default instead")
        for row in range(self.r1, self.r2 + 1):
            dim = self.sheet.ws.row_dimensions[row]
            dim.height, dim.hidden = (None, True) if value == 0 else (value, False)

    @property
    def height(self):
        """Points: the sum of the rows' recorded heights."""
        dims = self.sheet.ws.row_dimensions
        custom = {r: self.sheet._row_height(r) for r in dims if self.r1 <= r <= self.r2}
        default = self.sheet._default_row_height()
        return sum(custom.values()) + default * (self.r2 - self.r1 + 1 - len(custom))

    @property
    def top(self):
        return _Range(self.sheet, 1, self.c1, self.r1 - 1, self.c1).height if self.r1 > 1 else 0.0

    @property
    def width(self):
        """Points: the columns' pixels (from their widths and the Normal font) at 96 dpi."""
        return sum(self.sheet._column_pixels(c) for c in range(self.c1, self.c2 + 1)) * 0.75

    @property
    def left(self):
        return _Range(self.sheet, self.r1, 1, self.r1, self.c1 - 1).width if self.c1 > 1 else 0.0

    @property
    def wrap_text(self):
        return self._uniform(lambda cell: bool(cell.alignment.wrap_text))

    @wrap_text.setter
    def wrap_text(self, value):
        for cell in self._cells_within(create=True):
            alignment = copy.copy(cell.alignment)
            alignment.wrap_text = bool(value)
            cell.alignment = alignment

    @property
    def horizontal_alignment(self):
        return self._uniform(lambda cell: _H_ALIGN_NAMES.get(cell.alignment.horizontal or "general"))

    @horizontal_alignment.setter
    def horizontal_alignment(self, value):
        self._align("horizontal", _H_ALIGN[value])

    @property
    def vertical_alignment(self):
        return self._uniform(lambda cell: cell.alignment.vertical or "bottom")

    @vertical_alignment.setter
    def vertical_alignment(self, value):
        if value not in _V_ALIGN:
            raise KeyError(value)
        self._align("vertical", value)

    def _align(self, key, value):
        for cell in self._cells_within(create=True):
            alignment = copy.copy(cell.alignment)  # openpyxl's styles are shared: change a copy
            setattr(alignment, key, value)
            cell.alignment = alignment

    @property
    def hyperlink(self):
        link = getattr(self.sheet.ws._cells.get((self.r1, self.c1)), "hyperlink", None)
        if link is None:
            raise Exception("The cell doesn't seem to contain a hyperlink!")  # as xlwings' Windows engine says
        return link.target or ""

    def add_hyperlink(self, address, text_to_display=None, screen_tip=None):
        cell = self.sheet._cell(self.r1, self.c1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, target=address, tooltip=screen_tip)
        _set_text(cell, text_to_display or address)
        # Excel's Hyperlink style: the theme's hyperlink colour, underlined (openpyxl's own
        # "Hyperlink" style is neither underlined nor of the Normal font's size)
        font = copy.copy(cell.font)
        font.u, font.color = "single", Color(theme=10)
        cell.font = font

    def autofit(self, axis=None):
        raise NotImplementedError(_NO_AUTOFIT)

    def move(self, destination):
        destination = destination.impl  # xlwings hands over its Range of the top-left cell
        if destination.sheet.ws is not self.sheet.ws:
            raise NotImplementedError("the headless engine cannot move cells to another sheet: it rewrites "
                                      "references to moved cells within their sheet only")
        self.sheet._move_block(self, destination.r1, destination.c1)

    def copy(self, destination=None):
        """Excel's Copy with a Destination: values, formulas (their relative references moved
        along), formats, merged areas and hyperlinks, from the destination's top-left cell."""
        if destination is None:
            raise NotImplementedError("the headless engine cannot copy to the clipboard: there is none; "
                                      "give a destination")
        destination.impl._paste(self, "all", False, False)

    def copy_from(self, source_range, copy_type="all", skip_blanks=False, transpose=False):
        if copy_type not in ("all", "formats", "formulas", "values", "link"):
            raise ValueError(f"copy_type {copy_type!r} is not all, formats, formulas, values or link")
        self._paste(source_range.impl, copy_type, skip_blanks, transpose)

    def _paste(self, source, copy_type, skip_blanks, transpose):
        """Paste source's cells from this range's top-left cell, as Excel pastes them."""
        source._check_size()
        nrows, ncols = source.shape
        if transpose:
            nrows, ncols = ncols, nrows
        if self.r1 + nrows - 1 > MAX_ROWS or self.c1 + ncols - 1 > MAX_COLS:
            raise ValueError("the copy would reach beyond the sheet's edge")
        same_book = source.sheet.book.wb is self.sheet.book.wb
        ws, cells = source.sheet.ws, source.sheet.ws._cells
        snapshot = []  # read everything before writing: source and destination may overlap
        for r in range(source.r1, source.r2 + 1):
            for c in range(source.c1, source.c2 + 1):
                cell = cells.get((r, c))
                if skip_blanks and (cell is None or cell._value is None):
                    continue
                if copy_type == "link":
                    value = f"={_quoted(ws.title) + '!' if ws is not self.sheet.ws else ''}${get_column_letter(c)}${r}"
                elif cell is None or cell._value is None:
                    value = None
                elif copy_type == "values":  # what the cell shows: a formula's cached result
                    value = cell._value if cell.data_type == "s" else source.sheet._value_of(cell, True)
                elif cell.data_type == "f":  # its relative references move along, as in Excel
                    value = Translator(_formula_text(cell._value), cell.coordinate)
                else:
                    value = cell._value
                i, j = r - source.r1, c - source.c1
                snapshot.append(((j, i) if transpose else (i, j), cell, value))
        merges = [] if copy_type not in ("all", "formats") or transpose else [
            (m.min_row - source.r1, m.min_col - source.c1, m.max_row - source.r1, m.max_col - source.c1)
            for m in source._merged()
            if source.r1 <= m.min_row and m.max_row <= source.r2 and source.c1 <= m.min_col and m.max_col <= source.c2]
        target = _Range(self.sheet, self.r1, self.c1, self.r1 + nrows - 1, self.c1 + ncols - 1)
        if copy_type in ("all", "formats") and not skip_blanks:
            target._unmerge_touching()
        if copy_type == "all" and not skip_blanks:
            target.clear()
        for (i, j), cell, value in snapshot:
            row, col = self.r1 + i, self.c1 + j
            if copy_type != "formats":
                if isinstance(value, Translator):
                    self.sheet._store(row, col, value.translate_formula(f"{get_column_letter(col)}{row}"))
                elif isinstance(value, str) and copy_type != "link":
                    _set_text(self.sheet._cell(row, col), value)  # text stays text, whatever it starts with
                else:
                    self.sheet._store(row, col, value)
            if copy_type in ("all", "formats") and cell is not None and cell.has_style:
                _copy_style(cell, self.sheet._cell(row, col), same_book)
            if copy_type == "all" and getattr(cell, "hyperlink", None):
                link = copy.copy(cell.hyperlink)
                link.ref = f"{get_column_letter(col)}{row}"
                self.sheet._cell(row, col).hyperlink = link
        for r1, c1, r2, c2 in merges:
            self.sheet.ws.merge_cells(start_row=self.r1 + r1, start_column=self.c1 + c1,
                                      end_row=self.r1 + r2, end_column=self.c1 + c2)

    def select(self):
        """Makes this the selection of its sheet, and that sheet the active one."""
        self.sheet.activate()
        selection = _active_selection(self.sheet.ws.sheet_view)
        selection.activeCell = f"{get_column_letter(self.c1)}{self.r1}"
        selection.sqref = self.get_address(False, False, False)

    @property
    def number_format(self):
        return self._uniform(lambda cell: cell.number_format)

    @number_format.setter
    def number_format(self, value):
        for cell in self._cells_within(create=True):
            cell.number_format = value

    @property
    def color(self):
        return self._uniform(lambda cell: _rgb(cell.fill.fgColor) if cell.fill.fill_type == "solid" else None)

    @color.setter
    def color(self, color_or_rgb):
        fill = PatternFill() if color_or_rgb is None else PatternFill("solid", fgColor=_argb(color_or_rgb))
        for cell in self._cells_within(create=True):
            cell.fill = fill

    @property
    def font(self):
        return _Font(self)

    @property
    def name(self):
        reference = f"{_quoted(self.sheet.name)}!{self.address}".lower()
        return next((name for name in _Names(self.sheet.book)
                     if name.refers_to.lstrip("=").lower() == reference), None)

    @name.setter
    def name(self, value):
        _Names(self.sheet.book).add(value, f"={_quoted(self.sheet.name)}!{self.address}")


@_refuse_the_rest
class _Font(base_classes.Font):
    """The font of a range: reads give the common value (else None), writes go to every cell."""

    def __init__(self, rng):
        self.rng = rng

    api = property(lambda self: _NO_API)

    def _set(self, key, value):
        for cell in self.rng._cells_within(create=True):
            font = copy.copy(cell.font)  # openpyxl's styles are shared: change a copy
            setattr(font, key, value)
            cell.font = font

    bold = property(lambda self: self.rng._uniform(lambda cell: bool(cell.font.b)),
                    lambda self, value: self._set("b", value))
    italic = property(lambda self: self.rng._uniform(lambda cell: bool(cell.font.i)),
                      lambda self, value: self._set("i", value))
    size = property(lambda self: self.rng._uniform(lambda cell: cell.font.sz),
                    lambda self, value: self._set("sz", value))
    name = property(lambda self: self.rng._uniform(lambda cell: cell.font.name),
                    lambda self, value: self._set("name", value))
    color = property(lambda self: self.rng._uniform(lambda cell: _rgb(cell.font.color)),
                     lambda self, value: self._set("color", _argb(value)))


@_refuse_the_rest
class _Names(base_classes.Names):
    """A book's defined names (its own and every sheet's), or one sheet's own."""

    def __init__(self, book, ws=None):
        self.book, self.ws = book, ws

    api = property(lambda self: _NO_API)

    def _defined(self):
        """(DefinedName, worksheet or None for book scope) pairs; print areas and other
        _xlnm names stay out, as in Excel's Names."""
        wb = self.book.wb
        pairs = [] if self.ws else [(dn, None) for dn in wb.defined_names.values()]
        for ws in [self.ws] if self.ws else wb.worksheets:
            pairs += [(dn, ws) for dn in ws.defined_names.values()]
        return [(dn, ws) for dn, ws in pairs if not dn.name.startswith("_xlnm.")]

    def __call__(self, name_or_index):
        names = [_Name(self.book, dn, ws) for dn, ws in self._defined()]
        if isinstance(name_or_index, int):
            return names[name_or_index - 1]
        wanted = name_or_index.lower()
        for name in names:  # Excel's names ignore case; a sheet's own answer to their bare name there
            if wanted in (name.name.lower(), name.dn.name.lower() if self.ws else None):
                return name
        raise KeyError(name_or_index)

    def __iter__(self):
        return iter([_Name(self.book, dn, ws) for dn, ws in self._defined()])

    def contains(self, name_or_index):
        try:
            self(name_or_index)
        except (KeyError, IndexError):
            return False
        return True

    def __len__(self):
        return len(self._defined())

    def add(self, name, refers_to):
        sheet_name, _, name = name.rpartition("!")
        ws = _Sheets(self.book)(sheet_name.strip("'").replace("''", "'")).ws if sheet_name else self.ws
        if _ADDRESS.fullmatch(name):
            raise ValueError(f"{name!r} is a cell address, not a name")
        container = ws.defined_names if ws else self.book.wb.defined_names
        for existing in [key for key in container if key.lower() == name.lower()]:
            del container[existing]  # Excel's Names.Add redefines an existing name
        container.add(DefinedName(name, attr_text=refers_to.removeprefix("=")))
        return _Name(self.book, container[name], ws)


@_refuse_the_rest
class _Name(base_classes.Name):
    def __init__(self, book, dn, ws):
        self.book, self.dn, self.ws = book, dn, ws

    api = property(lambda self: _NO_API)

    @property
    def name(self):
        return f"{_quoted(self.ws.title)}!{self.dn.name}" if self.ws else self.dn.name

    @property
    def refers_to(self):
        return "=" + self.dn.attr_text

    @refers_to.setter
    def refers_to(self, value):
        self.dn.attr_text = value.removeprefix("=")

    @property
    def refers_to_range(self):
        destinations = list(self.dn.destinations)
        if len(destinations) != 1:
            raise NotImplementedError(f"the headless engine cannot make one range of {self.refers_to}")
        title, address = destinations[0]
        return _Sheets(self.book)(title.replace("''", "'")).range(address)

    def delete(self):
        container = self.ws.defined_names if self.ws else self.book.wb.defined_names
        del container[self.dn.name]


@_refuse_the_rest
class _FreezePanes(base_classes.FreezePanes):
    """A sheet's frozen rows and columns: those of the given range and all above and left of it."""

    def __init__(self, sheet):
        self.sheet = sheet

    def freeze_at(self, frozen_range):
        r1, c1, r2, c2 = self.sheet._corners(frozen_range)
        row = 1 if r2 == MAX_ROWS else r2 + 1  # whole columns freeze no row
        col = 1 if c2 == MAX_COLS else c2 + 1
        self.sheet.ws.freeze_panes = f"{get_column_letter(col)}{row}"

    def unfreeze(self):
        self.sheet.ws.freeze_panes = None

_ENGINE = _Engine()
