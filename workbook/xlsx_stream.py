"""Large worksheets for the headless engine without openpyxl cells: read in one pass, kept as rows, written as a stream.

openpyxl spends about 20 µs and 350 bytes on each cell it reads, holds or writes, so a 100,000-client
table (2.2 million cells) took minutes and more than a gigabyte. Here a large worksheet part is read
with one regular expression per row, its cells kept as plain lists of values (a `Store`), and its
<sheetData> written back from those lists on save, while openpyxl still reads and writes everything
else of the sheet (columns, panes, validations, formatting, VBA, buttons...) from the same XML with
the rows taken out. What a plain list cannot hold exactly (formulas, errors, dates, typed blanks) is
kept as a real openpyxl Cell in the list, read and written by openpyxl's and the engine's own code.

The contract: a sheet read, changed and saved here reads, writes and saves exactly what openpyxl would
have done — the same values and types, the same style ids, the same bytes in <sheetData> (a test
compares them with openpyxl's writer). Where the file holds something the fast reader does not know
(another attribute order, shared or array formulas, rich text, merged cells, hyperlinks, another
encoding, pretty-printed XML...) the sheet is left to openpyxl as before, only slower.

Which engine operations use the rows directly: reading and writing values (`raw_value`),
`clear_contents` and `used_range`, which is all a Sync does. Every other use of the sheet's cells
(formats, fonts, insert/delete rows, end(), renaming, copying...) goes through `ws._cells`, which is
a `Deferred` mapping: its first use turns the rows into ordinary openpyxl cells for good, so code
written against openpyxl worksheets keeps working unchanged and exactly, only at openpyxl's speed.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import re
import time
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from lxml.etree import fromstring, xmlfile
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.compat import safe_string
from openpyxl.styles.cell_style import StyleArray
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.formula.translate import Translator
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.writer.excel import ExcelWriter

__all__ = ["NEEDS_PREFIX", "Reader", "Store", "adopt", "attach", "gc_paused", "save", "store_of"]

# A worksheet part at least this large (uncompressed) is read here; smaller ones are not worth it.
STREAM_BYTES = 1 << 20
# A write of at least this many cells into an openpyxl sheet moves the sheet into a Store first.
ADOPT_CELLS = 20_000

_ERROR_CODES = frozenset(ERROR_CODES)
_NO = object()  # no cell at this place of a row (None is a cell that exists and is empty)
_ROW = re.compile(rb'<row r="([0-9]{1,7})"([^>]*?)(?:/>|>(.*?)</row>)', re.S)
_ROW_HEAD = re.compile(rb'<row r="([0-9]{1,7})"([^>]*)>')
_EMPTY_ROW = re.compile(rb"<row\b[^>]*/>")
# The two shapes of nearly every cell openpyxl and Excel write: a value, or a plain inline string.
# Groups: column, style, ' t="inlineStr"' (the second shape), its text, type, value.
_SIMPLE = re.compile(
    rb'<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="([0-9]{1,9})")?'
    rb'(?:( t="inlineStr")><is><t(?: xml:space="preserve")?>([^<]*)</t></is>|(?: t="([a-z]{1,9})")?><v>([^<]*)</v>)</c>')
_CELL = re.compile(
    rb'(<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    rb'(?:/>|>(<f>[^<]*</f>|<f/>|<f t="shared"(?: ref="[A-Z0-9:]{1,32}")? si="[0-9]{1,9}"(?:/>|>[^<]*</f>))?'
    rb'(?:<v>([^<]*)</v>|<v/>)?'
    rb'(<is>(?:<t/>|<t(?: xml:space="preserve")?>[^<]*</t>)</is>)?</c>))')
# What Excel would not keep as text if it were typed in again: it needs the quote prefix.
NEEDS_PREFIX = ("=", "+", "-", "@", "\t", "\r", "'")


@contextlib.contextmanager
def gc_paused():
    """Hold the cyclic collector (a context manager, or a decorator): reading, writing or moving a
    table makes a hundred thousand row lists or a million cells that it would walk again and again
    and never free (measured 2-3x slower with it on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Unsupported(Exception):
    """The part holds something the fast reader does not know: openpyxl reads it."""


def _texts(raws: list[bytes]) -> list[str]:
    """XML character data (each non-empty) as openpyxl gets it: parsed by lxml, openpyxl's own parser,
    all in one document (references resolved and line ends normalised in C, not a call per reference)."""
    out: list[str] = []
    for start in range(0, len(raws), 50_000):
        root = fromstring(b"<a><t>" + b"</t><t>".join(raws[start:start + 50_000]) + b"</t></a>")
        texts = [t.text for t in root]
        if any(text is None for text in texts):
            raise _Unsupported
        out += texts
    return out


def _text(raw: bytes) -> str:
    return _texts([raw])[0] if raw else ""


def _column_numbers() -> dict[bytes, int]:
    return {get_column_letter(c).encode(): c for c in range(1, 16_385)}


_COLUMNS: dict[bytes, int] = {}
_LETTERS: list[bytes] = []


class Store:
    """A worksheet's cells as rows: {row: [value or Cell or _NO, ...]} and {row: [style id, ...]}.

    A plain entry is str (text), int/float (number), bool, or None (an empty cell that exists), with
    its style in `styles` (a row without styles has none); anything else is a Cell.

    Styles are numbered here (0 is none), not in the workbook's list: openpyxl numbers a cell's style
    when it writes the cell, so a new style (a quote prefix...) gets its number in the file's order.
    """

    def __init__(self, ws):
        self.ws, self.wb = ws, ws.parent
        self.rows: dict[int, list] = {}
        self.styles: dict[int, list[int]] = {}
        self._arrays: list[StyleArray] = [StyleArray()]
        self._ids: dict[StyleArray, int] = {self._arrays[0]: 0}
        self._styled: dict[int, bool] = {}   # style id: has a style (openpyxl writes s=)
        self._dates: dict[int, bool] = {}    # style id: a date number format
        self._quoted: dict[tuple[int, bool], int] = {}  # (style id, quotePrefix): style id

    # --- styles ------------------------------------------------------------------------------
    def style_id(self, array) -> int:
        """This store's number for a StyleArray (None: a cell never styled)."""
        if array is None:
            return 0
        sid = self._ids.get(array)
        if sid is None:
            array = StyleArray(array)
            sid = self._ids[array] = len(self._arrays)
            self._arrays.append(array)
        return sid

    def _has_style(self, sid: int) -> bool:
        styled = self._styled.get(sid)
        if styled is None:
            styled = self._styled[sid] = any(self._arrays[sid])
        return styled

    def _with_quote(self, sid: int, flag: bool) -> int:
        """The style id of `sid` with quotePrefix set or cleared (what Cell.quotePrefix = flag makes)."""
        key = (sid, flag)
        new = self._quoted.get(key)
        if new is None:
            array = self._arrays[sid]
            if bool(array.quotePrefix) == flag:
                new = sid
            else:
                array = StyleArray(array)
                array.quotePrefix = flag
                new = self.style_id(array)
            self._quoted[key] = new
        return new

    def _style_at(self, r: int, i: int) -> int:
        styles = self.styles.get(r)
        return styles[i] if styles is not None and i < len(styles) else 0

    def _set_style(self, r: int, i: int, sid: int) -> None:
        styles = self.styles.get(r)
        if styles is None:
            if not sid:
                return
            styles = self.styles[r] = [0] * len(self.rows[r])
        if i >= len(styles):
            styles.extend([0] * (i + 1 - len(styles)))
        styles[i] = sid

    # --- cells ---------------------------------------------------------------------------------
    def cell(self, r: int, i: int, entry) -> Cell:
        """The openpyxl Cell a plain entry stands for, as openpyxl's reader would have made it."""
        if entry.__class__ is Cell:
            return entry
        cell = Cell(self.ws, row=r, column=i + 1, style_array=self._arrays[self._style_at(r, i)])
        cell._value = entry
        cell.data_type = "s" if entry.__class__ is str else "b" if entry.__class__ is bool else "n"
        return cell

    def _put(self, r: int, i: int, cell: Cell | None) -> None:
        """Keep a Cell in the row, as a plain entry where one holds it exactly."""
        row = self.rows.get(r)
        if row is None:
            row = self.rows[r] = []
        if i >= len(row):
            row.extend([_NO] * (i + 1 - len(row)))
        if cell is None:
            row[i] = _NO
            self._set_style(r, i, 0)
            return
        value, kind = cell._value, cell.data_type
        plain = (kind == "s" and value.__class__ is str or kind == "n" and value.__class__ in (int, float, type(None))
                 or kind == "b" and value.__class__ is bool)
        if plain and cell._hyperlink is None and cell._comment is None and cell.__class__ is Cell:
            row[i] = value
            self._set_style(r, i, self.style_id(cell._style))
        else:
            row[i] = cell
            self._set_style(r, i, 0)

    def read(self, sheet, r1: int, c1: int, r2: int, c2: int, err_to_str: bool) -> list[list]:
        """engine._Range.raw_value for rows held here: the same values, a plain loop."""
        width = c2 - c1 + 1
        empty = [None] * width
        out = []
        rows, styles, dates = self.rows, self.styles, self._dates
        for r in range(r1, r2 + 1):
            row = rows.get(r)
            if row is None:
                out.append(empty[:])
                continue
            part = row[c1 - 1:c2]
            if len(part) < width:
                part = part + [_NO] * (width - len(part))
            st = styles.get(r)
            values = []
            for offset, v in enumerate(part):
                kind = v.__class__
                if kind is str:
                    values.append(v or None)
                elif v is _NO or v is None:
                    values.append(None)
                elif kind is float or kind is int:
                    sid = st[c1 - 1 + offset] if st is not None and c1 - 1 + offset < len(st) else 0
                    is_date = dates.get(sid)
                    if is_date is None:
                        is_date = dates[sid] = sheet._book._is_date(self.cell(r, c1 - 1 + offset, 0.0))
                    values.append(sheet._value_of(self.cell(r, c1 - 1 + offset, v), err_to_str) if is_date
                                  else float(v))
                elif kind is bool:
                    values.append(v)
                else:  # a Cell: the engine's own reading
                    values.append((v._value or None) if v.data_type == "s" else sheet._value_of(v, err_to_str))
            out.append(values)
        return out

    def store(self, sheet, r: int, c: int, value) -> None:
        """engine._Sheet._store for a cell held here: plain values inline, the rest by the engine itself."""
        i = c - 1
        row = self.rows.get(r)
        entry = row[i] if row is not None and i < len(row) else _NO
        if entry.__class__ is not Cell:
            sid = self._style_at(r, i) if entry is not _NO else 0
            if value is None or value == "":
                if entry is _NO:
                    return
                if self._has_style(sid):  # Excel clears contents, not formats
                    row[i] = None
                else:
                    row[i] = _NO
                    self._set_style(r, i, 0)
                return
            kind = value.__class__
            quote = False
            if kind is str:
                if value[0] == "'":
                    value, quote = value[1:], True
                elif len(value) > 1 and value[0] == "=" or value in ERROR_CODES:
                    kind = None  # a formula or an error cell: the engine's way
                if kind is str:
                    value = value[:32767]
                    if ILLEGAL_CHARACTERS_RE.search(value):
                        raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
            elif kind is not int and kind is not float and kind is not bool:
                kind = None
            if kind is not None:
                if row is None:
                    row = self.rows[r] = []
                if i >= len(row):
                    row.extend([_NO] * (i + 1 - len(row)))
                row[i] = value
                if sid or quote:
                    self._set_style(r, i, self._with_quote(sid, quote))
                return
        # the engine's _store on a real cell, in a one-cell dict standing in for the sheet's cells
        one = {} if entry is _NO else {(r, c): self.cell(r, i, entry)}
        cells, sheet.ws._cells = sheet.ws._cells, one
        try:
            sheet._store(r, c, value)
        finally:
            sheet.ws._cells = cells
        self._put(r, i, one.get((r, c)))

    @gc_paused()
    def write(self, sheet, r1: int, c1: int, rows: list) -> None:
        """engine._Range.raw_value = rows: store() for each cell, with the bulk of a table (plain text and
        numbers over unstyled cells) put in place here."""
        plain, store, errors, illegal = self.rows, self.store, _ERROR_CODES, ILLEGAL_CHARACTERS_RE.search
        for r, values in enumerate(rows, r1):
            row = plain.get(r)
            if row is None:
                row = plain[r] = []
            end = c1 - 1 + len(values)
            if len(row) < end:
                row.extend([_NO] * (end - len(row)))
            st = self.styles.get(r)
            texts = [v for v in values if v.__class__ is str]
            if illegal("\n".join(texts)) or any(len(text) > 32767 for text in texts):
                st = ()  # openpyxl's cut or refusal: cell by cell below
            for i, value in enumerate(values, c1 - 1):
                entry = row[i]
                kind = value.__class__
                if entry.__class__ is Cell or st is not None and (not st or i < len(st) and st[i]):
                    store(sheet, r, i + 1, value)
                elif kind is str:
                    if not value:
                        row[i] = _NO
                    elif value[0] == "'" or value[0] == "=" and len(value) > 1 or value in errors:
                        store(sheet, r, i + 1, value)
                    else:
                        row[i] = value
                elif value is None:
                    row[i] = _NO
                elif kind is float or kind is int or kind is bool:
                    row[i] = value
                else:
                    store(sheet, r, i + 1, value)

    def clear(self, sheet, r1: int, c1: int, r2: int, c2: int) -> None:
        """engine._Range.clear_contents: every cell holding a value is cleared (its format stays)."""
        for r, row in self.rows.items():
            if r1 <= r <= r2:
                st = self.styles.get(r)
                for i in range(c1 - 1, min(c2, len(row))):
                    v = row[i]
                    if v is _NO or v is None:
                        continue
                    if v.__class__ is Cell or st is not None and i < len(st) and st[i]:
                        if v.__class__ is not Cell or v._value is not None:
                            self.store(sheet, r, i + 1, None)
                    else:
                        row[i] = _NO

    def bounds(self) -> tuple[int, int, int, int] | None:
        """min_row, min_col, max_row, max_col of the cells that exist (openpyxl's), None if none."""
        min_row = min_col = max_row = max_col = None
        for r, row in self.rows.items():
            first = next((i for i, v in enumerate(row) if v is not _NO), None)
            if first is None:
                continue
            last = next(i for i in range(len(row) - 1, -1, -1) if row[i] is not _NO)
            min_row = r if min_row is None or r < min_row else min_row
            max_row = r if max_row is None or r > max_row else max_row
            min_col = first + 1 if min_col is None or first + 1 < min_col else min_col
            max_col = last + 1 if max_col is None or last + 1 > max_col else max_col
        return None if min_row is None else (min_row, min_col, max_row, max_col)

    def cells(self) -> dict:
        """The rows as openpyxl's ws._cells, in row-major order."""
        cells = {}
        for r in sorted(self.rows):
            for i, v in enumerate(self.rows[r]):
                if v is not _NO:
                    cells[r, i + 1] = self.cell(r, i, v)
        return cells

    # --- writing -------------------------------------------------------------------------------
    @gc_paused()
    def write_rows(self, out) -> None:
        """<sheetData>'s rows, byte for byte as openpyxl's WorksheetWriter.write_rows writes them
        (each row made as one str and encoded once: lxml writes whatever is not ASCII as &#N;)."""
        if not _LETTERS:
            _LETTERS.extend(get_column_letter(c) for c in range(1, 16_385))
        letters, ws, rows, styles = _LETTERS, self.ws, self.rows, self.styles
        dims = ws.row_dimensions
        styled = self._has_style
        numbered: dict[int, str] = {}  # this store's style: s="..." in the workbook's numbering
        add = self.wb._cell_styles.add
        numbers = [r for r, row in rows.items() if any(v is not _NO for v in row)]
        chunk: list[bytes] = []
        for r in sorted(set(numbers) | set(dims.keys())):
            row = rows.get(r, ())
            st = styles.get(r)
            dim = dims.get(r)
            parts = [f'<row r="{r}">' if dim is None else _row_tag(r, dim).decode("ascii")]
            for i, v in enumerate(row):
                if v is _NO:
                    continue
                kind = v.__class__
                if kind is Cell:
                    if v._value is None and not v.has_style and not v._comment:
                        continue
                    if v._comment is not None or v._hyperlink is not None:
                        raise AssertionError("a streamed sheet holds no comments or hyperlinks")
                    parts.append(_cell_xml(ws, v).decode("ascii"))
                    continue
                sid = st[i] if st is not None and i < len(st) else 0
                style = numbered.get(sid) if sid else ""
                if style is None:
                    # numbered when first written, as openpyxl's Cell.style_id does
                    style = numbered[sid] = f' s="{add(self._arrays[sid])}"' if styled(sid) else ""
                if kind is str:
                    if not v:
                        parts.append(f'<c r="{letters[i]}{r}"{style} t="inlineStr"></c>')
                        continue
                    space = v != v.strip()  # openpyxl's test, on the text before escaping
                    if "&" in v or "<" in v or ">" in v or "\r" in v:
                        v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
                    if space:
                        parts.append(f'<c r="{letters[i]}{r}"{style} t="inlineStr"><is><t xml:space="preserve">'
                                     f'{v}</t></is></c>')
                    else:
                        parts.append(f'<c r="{letters[i]}{r}"{style} t="inlineStr"><is><t>{v}</t></is></c>')
                elif v is None:
                    if style:
                        parts.append(f'<c r="{letters[i]}{r}"{style} t="n"></c>')
                elif kind is bool:
                    parts.append(f'<c r="{letters[i]}{r}"{style} t="b"><v>{1 if v else 0}</v></c>')
                else:
                    parts.append(f'<c r="{letters[i]}{r}"{style} t="n"><v>{safe_string(v)}</v></c>')
            parts.append("</row>")
            chunk.append("".join(parts).encode("ascii", "xmlcharrefreplace"))
            if len(chunk) > 2_000:
                out.write(b"".join(chunk))
                chunk = []
        out.write(b"".join(chunk))


def _row_tag(r: int, dim) -> bytes:
    """A <row> start tag with its dimensions, as openpyxl's writer makes it (through lxml)."""
    attrs = {"r": f"{r}"}
    attrs.update(dim)
    buffer = io.BytesIO()
    with xmlfile(buffer) as xf:
        with xf.element("row", attrs):
            xf.write("")
    return buffer.getvalue()[:-len(b"</row>")]


def _cell_xml(ws, cell) -> bytes:
    buffer = io.BytesIO()
    with xmlfile(buffer) as xf:
        write_cell(xf, ws, cell, cell.has_style)
    return buffer.getvalue()


class Deferred:
    """Stands as ws._cells of a sheet held in a Store: any use turns the rows into openpyxl cells
    (and ws._cells into the plain dict openpyxl expects), then answers as that dict."""

    __slots__ = ("ws", "store")

    def __init__(self, ws, store: Store):
        self.ws, self.store = ws, store

    def _cells(self) -> dict:
        cells = self.ws._cells
        if cells is self:
            cells = self.store.cells()
            self.ws._cells = cells
        return cells

    def __getattr__(self, name):
        return getattr(self._cells(), name)

    def __len__(self):
        return len(self._cells())

    def __iter__(self):
        return iter(self._cells())

    def __contains__(self, key):
        return key in self._cells()

    def __getitem__(self, key):
        return self._cells()[key]

    def __setitem__(self, key, value):
        self._cells()[key] = value

    def __delitem__(self, key):
        del self._cells()[key]

    def __eq__(self, other):
        return self._cells() == other

    __hash__ = None


def store_of(ws) -> Store | None:
    """The Store holding ws's cells, or None where openpyxl holds them."""
    cells = ws._cells
    return cells.store if cells.__class__ is Deferred else None


def adopt(ws) -> Store | None:
    """Move an openpyxl sheet's cells into a Store (before a large write), where that is exact."""
    if ws.merged_cells.ranges or any(cell._hyperlink is not None or cell._comment is not None
                                     or cell.__class__ is not Cell for cell in ws._cells.values()):
        return None
    store = Store(ws)
    for (r, c), cell in sorted(ws._cells.items()):
        store._put(r, c - 1, cell)
    ws._cells = Deferred(ws, store)
    return store


# --- reading ----------------------------------------------------------------------------------------

class _Archive(ZipFile):
    """The package as openpyxl's reader sees it: large worksheet parts come with their rows taken out
    (read here into a Store, once openpyxl has read the shared strings and styles they need)."""

    def __init__(self, source: bytes, reader: "Reader"):
        super().__init__(io.BytesIO(source))
        self.reader = reader
        self.stores: dict[str, Store] = {}
        self.stripped: dict[str, bytes] = {}

    def _large(self, name: str) -> bool:
        return (name.startswith("xl/worksheets/") and name.endswith(".xml") and "/" not in name[14:]
                and self.getinfo(name).file_size >= STREAM_BYTES)

    def read(self, name, pwd=None):
        if isinstance(name, str) and self._large(name):
            # openpyxl's keep_vba copies every part aside but writes back only VBA, buttons and the
            # like (writer.excel._merge_vba): a worksheet's copy is never used, so it stays small
            # rather than the workbook's largest part being compressed once more.
            return self.stripped.get(name, b"")
        return super().read(name, pwd)

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        if mode == "r" and isinstance(name, str) and self._large(name):
            if name not in self.stripped:
                with super().open(name) as part:
                    xml = part.read()
                try:
                    self.stripped[name], self.stores[name] = _scan(xml, self.reader)
                except (_Unsupported, KeyError, IndexError, ValueError, OverflowError, UnicodeDecodeError):
                    self.stripped[name] = xml
            return io.BytesIO(self.stripped[name])
        return super().open(name, mode, pwd, force_zip64=force_zip64)


class Reader(ExcelReader):
    """openpyxl's reader with large worksheet parts read into Stores; `attach` hands them to the sheets."""

    def __init__(self, source: bytes, keep_vba: bool):
        super().__init__(io.BytesIO(source), keep_vba=keep_vba, keep_links=True)
        self.archive.close()
        self.archive = _Archive(source, self)
        self.valid_files = self.archive.namelist()


@gc_paused()
def _scan(xml: bytes, reader: Reader) -> tuple[bytes, Store]:
    """The part with only row dimensions left in <sheetData>, and its cells as a Store (not yet bound
    to a worksheet: openpyxl creates that after opening the part)."""
    head_end = xml.find(b"<sheetData>")
    tail_start = xml.rfind(b"</sheetData>")
    if head_end < 0 or tail_start < head_end or not xml.startswith((b"<worksheet", b"<?xml")):
        raise _Unsupported
    declaration = xml[:xml.find(b"?>")] if xml.startswith(b"<?xml") else b""
    if b"encoding" in declaration and not re.search(rb'encoding=["\']utf-8["\']', declaration, re.I):
        raise _Unsupported
    tail = xml[tail_start + len(b"</sheetData>"):]
    if b"<mergeCell" in tail or b"<hyperlink" in tail:
        raise _Unsupported  # openpyxl binds these to cells while it reads the sheet
    if not _COLUMNS:
        _COLUMNS.update(_column_numbers())
    wb = reader.wb
    store = Store.__new__(Store)
    store._arrays, store._ids = [StyleArray()], {StyleArray(): 0}
    canonical = [store.style_id(array) for array in wb._cell_styles]
    zero = canonical[0]  # a cell without s= has the first style (all zeros, unless the file says otherwise)
    dates, strings = wb._date_formats, reader.shared_strings
    rows: dict[int, list] = {}
    row_styles: dict[int, list[int]] = {}
    special: list[tuple[int, int, object, str, int]] = []  # (row, index, value, data type, raw style)
    escaped: list[tuple[list, int, bytes]] = []  # (row, index, raw text) of text with & or CR in it
    dims: list[bytes] = []
    shared: dict[bytes, Translator] = {}  # shared formulas by si, as openpyxl's reader keeps them
    columns = _COLUMNS
    for r, attrs, content in _rows(xml, head_end + len(b"<sheetData>"), tail_start):
        if attrs and re.sub(rb'\s+spans="[^"]*"', b"", attrs).strip():
            dims.append(b'<row r="' + str(r).encode() + b'"' + attrs + b"/>")
        if not content:
            continue
        found = _SIMPLE.findall(content)
        # every tag starts with "<" and text holds none: all of them inside the matches means every cell
        # is one of the two simple shapes; otherwise this row is read by the general expression
        # (an unmatched inline string would add at least 6 to the left and 2 to the right)
        if content.count(b"<") != 4 * len(found) + 2 * content.count(b"<is>"):
            found = _general(content, r, shared)
        if r in rows:
            raise _Unsupported
        row: list = []
        append = row.append
        st: list[int] | None = None
        for letters, s, inline, raw_text, t, v in found:
            i = columns[letters] - 1
            if i != len(row):
                if i < len(row):
                    raise _Unsupported  # cells out of order or repeated
                row.extend([_NO] * (i - len(row)))
            if s:
                raw = int(s)
                sid = canonical[raw]
            else:
                raw, sid = 0, zero
            if inline:  # the bulk of a table: text
                if b"&" in raw_text or b"\r" in raw_text:
                    escaped.append((row, i, raw_text))
                    append(None)
                else:
                    append(raw_text.decode())
                if sid:
                    st = _styled(st, row, i, sid)
                continue
            if t == b"=":
                special.append((r, i, v, "f", raw))
                value = _NO
            elif t == b"inlineStr":  # no <is>: openpyxl keeps the type and no value
                special.append((r, i, None, "inlineStr", raw))
                value = _NO
            elif not v:
                if t and t != b"n":
                    special.append((r, i, None, t.decode(), raw))
                    value = _NO
                else:
                    value = None
            elif not t or t == b"n":
                value = float(v) if b"." in v or b"E" in v or b"e" in v else int(v)  # openpyxl's _cast_number
                if raw in dates:  # openpyxl's date conversion (out of range it warns: left to openpyxl)
                    special.append((r, i, from_excel(value, wb.epoch, timedelta=raw in wb._timedelta_formats),
                                    "d", raw))
                    value = _NO
            elif t == b"s":
                value = strings[int(v)]
            elif t == b"b":
                value = bool(int(v))
            elif t == b"str":
                value = _text(v)
            elif t == b"e":
                special.append((r, i, _text(v), "e", raw))
                value = _NO
            else:
                raise _Unsupported
            append(value)
            if sid:
                st = _styled(st, row, i, sid)
        rows[r] = row
        if st is not None:
            row_styles[r] = st
        if len(escaped) >= 50_000:  # a batch at a time: the raw texts of a whole sheet would double its memory
            _resolve(escaped)
    _resolve(escaped)
    store.rows, store.styles, store.ws, store.wb = rows, row_styles, None, wb
    store._styled, store._dates, store._quoted = {}, {}, {}
    store._special = special
    stripped = xml[:head_end] + b"<sheetData>" + b"".join(dims) + b"</sheetData>" + tail
    return stripped, store


def _resolve(escaped: list[tuple[list, int, bytes]]) -> None:
    """Put the parsed text of each (row, index, raw text) in its place, and empty the list."""
    for (row, i, _), text in zip(escaped, _texts([raw for _, _, raw in escaped])):
        row[i] = text
    escaped.clear()


def _styled(st: list[int] | None, row: list, i: int, sid: int) -> list[int]:
    """A row's styles with cell i's set (made, or made as long as the row, where needed)."""
    if st is None:
        st = [0] * len(row)
    elif len(st) < len(row):
        st.extend([0] * (len(row) - len(st)))
    st[i] = sid
    return st


def _rows(xml: bytes, start: int, end: int):
    """(row number, attributes, content) of each <row> in xml[start:end], in order, one row copied at a time."""
    if not _EMPTY_ROW.search(xml, start, end):
        position, find, head_of = start, xml.find, _ROW_HEAD.match
        while position < end:
            stop = find(b"</row>", position, end)
            if stop < 0:
                if xml[position:end].strip():
                    raise _Unsupported
                return
            head = head_of(xml, position, stop)
            if head is None:
                raise _Unsupported
            yield int(head.group(1)), head.group(2), xml[head.end():stop]
            position = stop + len(b"</row>")
        return
    position = start  # an empty <row .../> among them: the general expression, row by row
    for match in _ROW.finditer(xml, start, end):
        if match.start() != position:
            raise _Unsupported
        position = match.end()
        yield int(match.group(1)), match.group(2), match.group(3)
    if position != end:
        raise _Unsupported


_SHARED = re.compile(rb'<f t="shared"(?: ref="[A-Z0-9:]+")? si="([0-9]+)"(?:/>|>([^<]*)</f>)')


def _general(content: bytes, r: int, shared: dict) -> list[tuple]:
    """A row's cells in any shape the fast reader knows, as _SIMPLE's groups (a formula as type "=" and
    its text as the value, shared formulas translated as openpyxl's parse_formula does)."""
    found = _CELL.findall(content)
    if sum(len(cell[0]) for cell in found) != len(content):
        raise _Unsupported
    cells = []
    for _, letters, s, t, f, v, inline in found:
        if f.startswith(b'<f t="shared"'):
            si, text = _SHARED.fullmatch(f).groups()
            formula = "=" + _text(text)
            coordinate = f"{letters.decode()}{r}"
            if si in shared:
                formula = shared[si].translate_formula(coordinate)
            elif formula != "=":
                shared[si] = Translator(formula, coordinate)
            cells.append((letters, s, b"", b"", b"=", formula))
        elif f:
            cells.append((letters, s, b"", b"", b"=", "=" + _text(f[3:-4] if f != b"<f/>" else b"")))
        elif t == b"inlineStr" and inline:
            cells.append((letters, s, b"x", b"" if inline == b"<is><t/></is>" else inline[inline.index(b">", 5) + 1:-9],
                          t, v))
        else:
            cells.append((letters, s, b"", b"", t, v))
    return cells


def attach(reader: Reader) -> None:
    """Give each worksheet read into a Store its rows (after reader.read())."""
    archive = reader.archive
    wb = reader.wb
    for sheet, rel in reader.parser.find_sheets():
        store = archive.stores.get(rel.target)
        if store is None or sheet.name not in wb.sheetnames:
            continue
        ws = wb[sheet.name]
        store.ws = ws
        for r, i, value, kind, raw in store._special:
            cell = Cell(ws, row=r, column=i + 1, style_array=wb._cell_styles[raw])
            cell._value, cell.data_type = value, kind
            store.rows[r][i] = cell
            if r in store.styles and i < len(store.styles[r]):
                store.styles[r][i] = 0
        del store._special
        bounds = store.bounds()
        if bounds:
            ws._current_row = bounds[2]
        if ws._cells:  # comments bound to cells while reading: those cells take the values, as in openpyxl
            for key, cell in store.cells().items():
                existing = ws._cells.get(key)
                if existing is None:
                    ws._cells[key] = cell
                else:
                    existing._value, existing.data_type, existing._style = cell._value, cell.data_type, cell._style
            continue
        ws._cells = Deferred(ws, store)


# --- saving -----------------------------------------------------------------------------------------

class _SheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer with an empty <sheetData> to put the Store's rows in."""

    def __init__(self, ws, store: Store):
        self.store = store
        super().__init__(ws)

    def write_dimensions(self):
        bounds = self.store.bounds()
        ref = "A1:A1" if bounds is None else (f"{get_column_letter(bounds[1])}{bounds[0]}:"
                                             f"{get_column_letter(bounds[3])}{bounds[2]}")
        self.xf.send(SheetDimension(ref).to_tree())

    def write_rows(self):
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            xf.write("")
        self.xf.send(None)


class _Writer(ExcelWriter):
    def write_worksheet(self, ws):
        store = store_of(ws)
        if store is None:
            return super().write_worksheet(ws)
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        cells, ws._cells = ws._cells, {}  # nothing of openpyxl's writing sees (or turns) the rows
        try:
            writer = _SheetWriter(ws, store)
            writer.write()
        finally:
            ws._cells = cells
        ws._rels = writer._rels
        xml = writer.read()
        split = xml.index(b"<sheetData></sheetData>")
        # the largest part of the file: compressed fast (zlib level 1; openpyxl's default is 6)
        member = ZipInfo(ws.path[1:], date_time=time.localtime()[:6])
        member.compress_type = ZIP_DEFLATED
        if hasattr(member, "compress_level"):  # Python 3.13 on
            member.compress_level = 1
        else:
            member._compresslevel = 1
        with self._archive.open(member, "w", force_zip64=True) as part:
            part.write(xml[:split] + b"<sheetData>")
            store.write_rows(part)
            part.write(b"</sheetData>" + xml[split + len(b"<sheetData></sheetData>"):])
        self.manifest.append(ws)
        writer.cleanup()


def save(wb, filename) -> None:
    """Workbook.save, with the sheets held in Stores written as a stream."""
    if not any(store_of(ws) is not None for ws in wb.worksheets):
        wb.save(filename)
        return
    archive = ZipFile(filename, "w", ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = dt.datetime.now(tz=dt.timezone.utc).replace(tzinfo=None)
    _Writer(wb, archive).save()
