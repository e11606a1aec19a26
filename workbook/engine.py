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
- Sheet names match case-insensitively; activating a sheet leaves only its tab selected;
  `sheets.add` without a position inserts before the active sheet and activates the new one.
- No Excel means no recalculation, VBA, charts, pictures, shapes, COM `api`, autofit,
  passwords or the many other members xlwings' engines implement: each raises
  NotImplementedError("the headless engine cannot ...").
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
from openpyxl.cell.cell import Cell
from openpyxl.formula.translate import Translator
from openpyxl.styles import PatternFill
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel, to_excel
from openpyxl.workbook.defined_name import DefinedName
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
# What Excel would not keep as text if it were typed in again: it needs the quote prefix.
_NEEDS_PREFIX = ("=", "+", "-", "@", "\t", "\r", "'")
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
    if cell.quotePrefix != text.startswith(_NEEDS_PREFIX):
        cell.quotePrefix = text.startswith(_NEEDS_PREFIX)


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
            message = f"the headless engine cannot do {cls.__name__[1:]}.{name}: only a real Excel can"

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
    """A sheet name as formulas write it."""
    if title.replace("_", "").isalnum() and not title[0].isdigit():
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
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        self._fullname = str(target)

    def _result(self, ws, row, col):
        """Excel's cached (type, text) for the formula at row, col, or None if unknown."""
        if (ws, row, col) in self._fresh:
            return None
        if ws not in self._results:
            part = self._parts.get(self._titles.get(ws))
            if part is None:
                self._results[ws] = {}
            else:
                with zipfile.ZipFile(io.BytesIO(self._source)) as archive:
                    self._results[ws] = _formula_results(archive.read(part))
        return self._results[ws].get((row, col))

    def _is_date(self, cell) -> bool:
        # cached per number format: the lookup sits in the loop over every numeric cell
        key = cell._style.numFmtId if cell._style is not None else 0
        if key not in self._date_formats:
            self._date_formats[key] = is_date_format(cell.number_format)
        return self._date_formats[key]


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
        if value.lower() == old.lower():  # a new spelling: openpyxl would see a duplicate and add a "1"
            self.ws.title = "~renaming~"
            self.ws.title = value
            return
        if value in _Sheets(self._book):
            raise ValueError(f"a sheet named {value!r} already exists")  # openpyxl would rename it silently
        texts = [dn.attr_text or "" for dn, _ in _Names(self._book)._defined()]
        texts += [_formula_text(cell._value) for ws in self._book.wb.worksheets for cell in ws._cells.values()
                  if cell.data_type == "f"]
        if any(f"{_quoted(old)}!".lower() in text.lower() for text in texts):
            raise NotImplementedError(f"the headless engine cannot rename {old!r}: formulas or names refer to it "
                                      "and it does not rewrite them as Excel does")
        self.ws.title = value

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
            formula = Translator(data, origin) if isinstance(data, str) and data.startswith("=") else None
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
        step_r, step_c = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}[direction.lower()]
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


_ENGINE = _Engine()
