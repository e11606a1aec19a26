"""Open an uploaded spreadsheet safely (.xlsx/.xlsm/.xls/.ods/.csv/.tsv/.txt) and hand it out as plain rows."""
from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator, NoReturn
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

import python_calamine
from charset_normalizer import from_bytes
from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser

from ..core.errors import FieldError, ValidationFailed

MiB = 1024 * 1024

LIMITS: dict[str, int] = {
    "max_bytes": 50 * MiB,  # the upload itself
    "max_rows": 200_000,  # non-empty rows in one sheet
    "max_entries": 2_000,  # entries in an .xlsx/.ods zip
    "max_unzipped": 600 * MiB,  # sum of the sizes the zip directory declares
    "max_ratio": 1_000,  # uncompressed/compressed, for entries over 1 MiB
    # The grid a reader allocates: calamine fills every cell between A1 and the farthest one, so a
    # 5 KB file with one cell in XFD1048576 asks for 17 billion cells and aborts the process.
    "max_cells": 10_000_000,
}

TEXT_EXTENSIONS = ("csv", "tsv", "txt")
DELIMITERS = ",;\t|"
XML_PREFIX = 64 * 1024  # how much of each XML part is parsed to check its prolog
CHUNK = MiB

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# Files people upload by mistake, even named .csv. Only signatures no text file starts with: "BM" or
# "MZ" could be the first letters of a CSV; other binaries fail the text test below.
BINARY_MAGICS = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf",
                 b"\x7fELF", b"II*\x00", b"MM\x00*", b"{\\rtf")


@dataclass
class Sheet:
    """One sheet as rows of cell values; `merged` ranges are (first_row, first_col, last_row, last_col), 0-based."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def read_workbook(data: bytes, filename: str, *, max_bytes: int = LIMITS["max_bytes"],
                  max_rows: int = LIMITS["max_rows"], sheet: str | None = None) -> list[Sheet]:
    """All sheets (or only `sheet`, matched case-insensitively) of an .xlsx/.xlsm/.xls/.ods/.csv/.tsv/.txt file, as rows of cell values."""
    return read_checked(data, filename, check_file(data, filename, max_bytes=max_bytes), max_rows=max_rows,
                        sheet=sheet)


def check_file(data: bytes, filename: str, *, max_bytes: int = LIMITS["max_bytes"]) -> str:
    """Refuse a file too large, of an unknown kind, encrypted, a bomb or damaged, before any reader opens it;
    answers its kind for read_checked. Reads no cell (the import checks a large file beside other work)."""
    if len(data) > max_bytes:
        _fail("file_too_large", limit_mb=_megabytes(max_bytes))
    kind = file_kind(data, filename)
    if kind in ("xlsx", "ods"):
        _check_zip(data, kind)
    elif kind == "xls":
        _check_xls(data)
    return kind


def read_checked(data: bytes, filename: str, kind: str, *, max_rows: int = LIMITS["max_rows"],
                 sheet: str | None = None) -> list[Sheet]:
    """The sheets of a file check_file passed as `kind`."""
    if kind == "csv":
        sheets = [_read_csv(data, filename, sheet)]
    else:
        sheets = _read_calamine(data, sheet)
    if all(not s.rows for s in sheets):
        _fail("file_empty")
    for s in sheets:
        count = sum(1 for row in s.rows if row)
        if count > max_rows:
            _fail("too_many_rows", max=max_rows, count=count)
    return sheets


def file_kind(data: bytes, filename: str) -> str:
    """Which reader opens the file: "xlsx", "xls", "ods" or "csv", by its bytes first, its name second.

    A renamed file is still what it is. Raises file_empty, file_encrypted or file_type_unknown
    when there is no answer.
    """
    if not data:
        _fail("file_empty")
    ext = _extension(filename)
    if data.startswith(OLE2_MAGIC):
        # A password-protected .xlsx is an OLE2 container with EncryptionInfo/EncryptedPackage streams.
        if _has_ole_stream(data, "EncryptionInfo") or _has_ole_stream(data, "EncryptedPackage"):
            _fail("file_encrypted")
        if _has_ole_stream(data, "Workbook") or _has_ole_stream(data, "Book"):
            return "xls"
        _fail("file_type_unknown", name=_basename(filename))  # a .doc, an .msg
    if data.startswith(ZIP_MAGICS):
        return _zip_kind(data, ext, filename)
    if data.startswith(BINARY_MAGICS):
        _fail("file_type_unknown", name=_basename(filename))
    if ext in TEXT_EXTENSIONS or _looks_like_text(data[:8192]):
        return "csv"
    _fail("file_type_unknown", name=_basename(filename))


# --- errors -----------------------------------------------------------------------------------------


def _fail(code: str, **params: Any) -> NoReturn:
    raise ValidationFailed(code, params=params, errors=[FieldError("file", code, params)])


def _megabytes(n: int) -> int | float:
    return n // MiB if n % MiB == 0 else float(f"{n / MiB:.3g}")


# --- what kind of file -----------------------------------------------------------------------------


def _extension(filename: str) -> str:
    name = _basename(filename)
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _basename(filename: str) -> str:
    return re.split(r"[\\/]", filename or "")[-1]


def _has_ole_stream(data: bytes, name: str) -> bool:
    # Directory entries hold the stream name in UTF-16LE, NUL-terminated.
    return (name + "\0").encode("utf-16-le") in data


def _looks_like_text(sample: bytes) -> bool:
    if sample.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if b"\0" in sample or sample.lstrip().startswith(b"<"):  # binary, or HTML/XML saved as .xls
        return False
    controls = sum(1 for b in sample if b < 32 and b not in b"\t\n\r\f")
    return controls <= len(sample) // 100


def _zip_kind(data: bytes, ext: str, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {info.filename.lower(): info for info in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        # Unreadable zip: trust the name so the user hears "damaged", not "unknown".
        if ext in ("xlsx", "xlsm", "ods"):
            return "ods" if ext == "ods" else "xlsx"
        _fail("file_type_unknown", name=_basename(filename))
    if "xl/workbook.xml" in names:
        return "xlsx"
    mimetype = names.get("mimetype")
    if mimetype is not None and mimetype.file_size <= 256 and mimetype.flag_bits & 0x1 == 0:
        try:
            if b"".join(_inflate(data, mimetype)).strip().startswith(ODS_MIMETYPE):
                return "ods"
        except ValidationFailed:
            pass
    if "content.xml" in names and ext == "ods":
        return "ods"
    _fail("file_type_unknown", name=_basename(filename))  # .docx, .xlsb, a plain .zip


# --- zip containers: checked from the central directory, then streamed with caps -------------------


def _check_zip(data: bytes, kind: str) -> None:
    """Refuse bombs, encryption, DTDs and damage before calamine sees the archive.

    Nothing here trusts a declared size: every entry is inflated in bounded chunks, and one that
    inflates past its declared size is a bomb. Nested archives are never opened.
    """
    _check_zip_directory_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        _fail("file_corrupt", reason="the file is damaged or truncated")
    if len(infos) > LIMITS["max_entries"]:
        _fail("file_bomb", reason=f"the archive holds more than {LIMITS['max_entries']} files")
    if any(info.flag_bits & 0x1 for info in infos):
        _fail("file_encrypted")
    if sum(info.file_size for info in infos) > LIMITS["max_unzipped"]:
        _fail("file_bomb", reason=f"the archive would unpack to more than {_megabytes(LIMITS['max_unzipped'])} MB")
    for info in infos:
        if info.file_size > MiB and info.file_size > LIMITS["max_ratio"] * max(info.compress_size, 1):
            _fail("file_bomb", reason=f"a part is compressed more than {LIMITS['max_ratio']} to 1")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _fail("file_corrupt", reason="a part uses an unsupported compression method")

    for info in infos:
        prolog = _XmlProlog(info.filename)
        scan: _XlsxExtent | _OdsExtent | None = (
            _OdsExtent() if kind == "ods" and info.filename == "content.xml" else None)
        for i, chunk in enumerate(_inflate(data, info)):
            prolog.feed(chunk)
            if kind == "ods" and info.filename == "META-INF/manifest.xml" and b"encryption-data" in chunk:
                _fail("file_encrypted")  # a password-protected .ods: its parts are encrypted, the zip is not
            if i == 0 and kind == "xlsx" and prolog.is_xml:
                # Any part may be what the workbook calls a worksheet; <c> and <row> occur only in those.
                scan = _XlsxExtent()
            if scan is not None:
                scan.feed(chunk)
        prolog.close()
        if scan is not None:
            rows, cols = scan.close()
            if rows * cols > LIMITS["max_cells"]:
                _fail("file_bomb", reason=f"a sheet spans {rows} rows by {cols} columns")


def _check_zip_directory_size(data: bytes) -> None:
    # Python's zipfile builds an object per entry; read the count from the end record first.
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end == -1 or end + 22 > len(data):
        return  # zipfile reports the damage
    entries, cd_size = struct.unpack_from("<HI", data, end + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        return  # zip64: the real counts are elsewhere; zipfile reads them
    if entries > LIMITS["max_entries"] or cd_size > LIMITS["max_entries"] * 1024:
        _fail("file_bomb", reason=f"the archive holds more than {LIMITS['max_entries']} files")


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes in chunks, never more than it declares; checked against its CRC."""
    start = info.header_offset
    if data[start:start + 4] != b"PK\x03\x04":
        _fail("file_corrupt", reason="the file is damaged or truncated")
    name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_len + extra_len
    raw = memoryview(data)[begin:begin + info.compress_size]
    if len(raw) < info.compress_size:
        _fail("file_corrupt", reason="the file is damaged or truncated")
    crc, produced = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[bytes] = (bytes(raw[i:i + CHUNK]) for i in range(0, len(raw), CHUNK))
    else:
        chunks = _deflated(raw, info.file_size)
    for chunk in chunks:
        produced += len(chunk)
        if produced > info.file_size:
            _fail("file_bomb", reason="a part unpacks to more than it declares")
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if produced != info.file_size or crc != info.CRC:
        _fail("file_corrupt", reason="a part fails its checksum (CRC)")


def _deflated(raw: memoryview, declared: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-15)
    pos, produced = 0, 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                pending = inflater.unconsumed_tail
            elif pos < len(raw):
                pending, pos = raw[pos:pos + CHUNK], pos + CHUNK
            else:
                _fail("file_corrupt", reason="the file is damaged or truncated")
            # One byte more than declared is enough to prove a lie; never inflate further.
            out = inflater.decompress(pending, min(CHUNK, declared - produced + 1))
            produced += len(out)
            if out:
                yield out
    except zlib.error:
        _fail("file_corrupt", reason="a part is not valid compressed data")


class _RootReached(Exception):
    """The prolog is over: no DTD can follow the first element."""


class _StopAtRoot(ContentHandler):
    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (SAX API)
        raise _RootReached


class _XmlProlog:
    """Refuse a DTD or entity declaration in any XML part, reading no further than its first element."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.seen = b""
        self.done = False
        self.is_xml: bool | None = None
        self.parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.parser.setContentHandler(_StopAtRoot())

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        piece = chunk[:XML_PREFIX - len(self.seen)]
        self.seen += piece
        if self.is_xml is None:
            self.is_xml = self.part.lower().endswith((".xml", ".rels", ".vml")) or self.seen.lstrip(
                b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")
            if not self.is_xml:
                self.done = True
                return
        try:
            self.parser.feed(piece)
        except _RootReached:
            self.done = True
            return
        except DefusedXmlException:
            _fail("file_xml_forbidden", part=self.part)
        except SAXException:
            # Not well-formed: calamine will say so. A parser that stopped early could have missed
            # a declaration, so look for one by its bytes.
            self.done = True
            self._search_bytes()
            return
        if len(self.seen) >= XML_PREFIX:
            # 64 KiB of prolog before the first element: nothing legitimate, and a DTD could hide past it.
            _fail("file_xml_forbidden", part=self.part)

    def close(self) -> None:
        if not self.done and self.is_xml:
            self._search_bytes()

    def _search_bytes(self) -> None:
        for marker in ("<!DOCTYPE", "<!ENTITY"):
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if marker.encode(encoding) in self.seen:
                    _fail("file_xml_forbidden", part=self.part)


# --- how big a grid a sheet asks for ----------------------------------------------------------------

# Excel, LibreOffice, openpyxl and XlsxWriter open every <c> and <row> with r="A1": regexes running
# at C speed bound such a part. Any other shape is walked tag by tag, counting positions as calamine does.
_R_ROW = re.compile(rb' r="[A-Za-z]*(\d+)"')
_R_COLUMN = re.compile(rb' r="([A-Za-z]+)\d')
_TAG_WITHOUT_R = re.compile(rb'<(?:c|row)(?=[\s>/])(?! r="[A-Za-z]*\d+")')
_ODD_R_VALUE = re.compile(rb' r="(?![A-Za-z]*\d+")')
_ODD_R_SYNTAX = re.compile(rb'r(?:\s+=|=\s|=\')')
_PREFIXED = re.compile(rb'<[A-Za-z_][\w.\-]*:(?:c|row)[\s>/]')
_TAG = re.compile(rb'<(/?)(?:[A-Za-z_][\w.\-]*:)?(c|row)(?=[\s>/])([^>]*)>')
_R_ATTR = re.compile(rb'(?<![\w:.\-])r\s*=\s*(["\'])(.*?)\1', re.DOTALL)
_REF = re.compile(rb'([A-Za-z]*)(\d+)')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _Streamed:
    """Feeds whole tags to `scan`: a chunk is cut after its last '>' and the rest carried over."""

    def __init__(self) -> None:
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        text = self.carry + chunk
        cut = text.rfind(b">") + 1
        if cut == 0 and len(text) < 4 * CHUNK:
            self.carry = text
            return
        cut = cut or len(text)
        self.carry = text[cut:]
        self.scan(text[:cut])

    def scan(self, text: bytes) -> None:
        raise NotImplementedError


class _XlsxExtent(_Streamed):
    """Rows × columns of the grid calamine allocates for a worksheet part: up to its farthest cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = self.cols = 0
        self.row = self.col = 0  # calamine's running position, for cells without r
        self.walking = False

    def scan(self, text: bytes) -> None:
        if not self.walking and _irregular(text):
            # Walk from here on, from where the regular part may have left calamine's counters.
            self.walking = True
            self.row, self.col = self.rows, self.cols
        if self.walking:
            self._walk(text)
            return
        self.rows = max(self.rows, max(map(int, set(_R_ROW.findall(text))), default=0))
        self.cols = max(self.cols, max(map(_column_number, set(_R_COLUMN.findall(text))), default=0))

    def _walk(self, text: bytes) -> None:
        for closing, tag, attrs in _TAG.findall(text):
            if closing:
                if tag == b"row":
                    self.row, self.col = self.row + 1, 0
                continue
            refs = [_parse_ref(value) for _, value in _R_ATTR.findall(attrs)]
            if tag == b"row":
                if refs:
                    self.row = max(row for row, _ in refs)
                continue
            if refs:  # calamine takes the last r of a cell; the bound takes the farthest
                row, col = max(row for row, _ in refs), max(col for _, col in refs)
            else:
                row, col = self.row, self.col
            self.col = col + 1
            self.rows, self.cols = max(self.rows, row + 1), max(self.cols, col + 1)

    def close(self) -> tuple[int, int]:
        self.scan(self.carry)
        return self.rows, self.cols


def _irregular(text: bytes) -> bool:
    """A cell or row not opened with r="A1", an r written another way, or a namespace prefix."""
    return bool(_TAG_WITHOUT_R.search(text) or _ODD_R_VALUE.search(text) or _ODD_R_SYNTAX.search(text)
                or b"\tr=" in text or b"\nr=" in text or b"\rr=" in text
                or ((b":c" in text or b":row" in text) and _PREFIXED.search(text)))


def _parse_ref(value: bytes) -> tuple[int, int]:
    """(row, column), 0-based, of an r value; a value calamine might read some other way is refused."""
    m = _REF.fullmatch(value)
    if not m:
        _fail("file_corrupt", reason="a cell reference is malformed")
    return int(m.group(2)) - 1, _column_number(m.group(1)) - 1


_ODS_TAG = re.compile(rb'<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>')
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated\s*=\s*["\'](\d+)')
_COLS_REPEATED = re.compile(rb'table:number-columns-repeated\s*=\s*["\'](\d+)')
_HAS_VALUE = re.compile(rb'office:(?:value|value-type|string-value|date-value|time-value|boolean-value)\s*=|table:formula\s*=')


class _OdsExtent(_Streamed):
    """Rows × columns calamine materialises for the largest table of an .ods content.xml.

    Repeated cells and rows are copied out one by one, so `number-columns-repeated` on a cell with a
    value is a bomb; the repeated empty rows and cells LibreOffice writes to fill a sheet are not.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows = self.cols = 0  # the largest table so far
        self._new_table()

    def _new_table(self) -> None:
        self.t_rows = self.t_cols = 0  # rows up to the last non-empty one; widest row
        self.pending_rows = 0  # rows seen since the last non-empty one
        self.row_repeats, self.width, self.filled = 1, 0, 0

    def scan(self, text: bytes) -> None:
        for closing, tag, attrs in _ODS_TAG.findall(text):
            if tag == b"table":
                if closing:
                    self._end_table()
                else:
                    self._new_table()
            elif tag == b"table-row":
                if not closing:
                    m = _ROWS_REPEATED.search(attrs)
                    self.row_repeats, self.width, self.filled = int(m.group(1)) if m else 1, 0, 0
                    if attrs.rstrip().endswith(b"/"):
                        self._end_row()
                else:
                    self._end_row()
            elif not closing:
                m = _COLS_REPEATED.search(attrs)
                self.width += int(m.group(1)) if m else 1
                if _HAS_VALUE.search(attrs):
                    self.filled = self.width

    def _end_row(self) -> None:
        self.pending_rows += self.row_repeats
        if self.filled:
            self.t_rows += self.pending_rows
            self.pending_rows = 0
            self.t_cols = max(self.t_cols, self.filled)
        self.row_repeats, self.width, self.filled = 1, 0, 0

    def _end_table(self) -> None:
        if self.t_rows * self.t_cols > self.rows * self.cols:
            self.rows, self.cols = self.t_rows, self.t_cols
        self._new_table()

    def close(self) -> tuple[int, int]:
        self.scan(self.carry)
        self._end_table()
        return self.rows, self.cols


# --- .xls: the same grid check, on the BIFF records ---------------------------------------------------

# BIFF8 records whose body starts with (row, column): LABELSST, NUMBER, RK, BLANK, BOOLERR, FORMULA,
# LABEL, RSTRING; MULRK and MULBLANK end with their last column.
_CELL_RECORDS = {0x00FD, 0x0203, 0x027E, 0x0201, 0x0205, 0x0006, 0x0204, 0x00D6}
_MULTI_RECORDS = {0x00BD, 0x00BE}
_EOF, _FILEPASS = 0x000A, 0x002F


def _check_xls(data: bytes) -> None:
    """Refuse a password-protected .xls, and one whose cells ask for a grid over max_cells (calamine would abort).

    calamine does detect FILEPASS, but reading from memory it reports every failure alike.
    """
    stream = _ole_stream(data, ("Workbook", "Book"))
    if stream is None:
        # Unreadable here means unchecked there: refuse rather than let calamine allocate blind.
        _fail("file_corrupt", reason="the workbook could not be read: it is damaged or not what its name says")
    rows = cols = 0
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        rtype, size = struct.unpack_from("<HH", stream, pos)
        body = pos + 4
        if rtype == _FILEPASS:
            _fail("file_encrypted")  # the records after it are encrypted: nothing more to read here
        if rtype in _CELL_RECORDS and size >= 4:
            row, col = struct.unpack_from("<HH", stream, body)
            rows, cols = max(rows, row + 1), max(cols, col + 1)
        elif rtype in _MULTI_RECORDS and size >= 6:
            row = struct.unpack_from("<H", stream, body)[0]
            last = struct.unpack_from("<H", stream, body + size - 2)[0]
            rows, cols = max(rows, row + 1), max(cols, last + 1)
        elif rtype == _EOF:
            if rows * cols > LIMITS["max_cells"]:
                _fail("file_bomb", reason=f"a sheet spans {rows} rows by {cols} columns")
            rows = cols = 0
        pos = body + size
    if rows * cols > LIMITS["max_cells"]:
        _fail("file_bomb", reason=f"a sheet spans {rows} rows by {cols} columns")


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """One stream of an OLE2 (compound file) container, or None if it cannot be found or read."""
    try:
        return _OleFile(data).stream(names)
    except (struct.error, IndexError, ValueError, KeyError):
        return None


class _OleFile:
    """Just enough of the compound file format to read a stream: FAT, directory, mini stream."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if sector_shift not in (9, 12) or mini_shift != 6:  # the only sizes the format allows
            raise ValueError("not a compound file")
        self.sector, self.mini_sector = 1 << sector_shift, 1 << mini_shift
        n_fat, self.dir_start, _, self.mini_cutoff, mini_fat_start, _, difat_start, n_difat = (
            struct.unpack_from("<IIIIIIII", data, 44))
        fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < 0xFFFFFFFA]
        seen = set()
        while difat_start < 0xFFFFFFFA and n_difat and difat_start not in seen:
            seen.add(difat_start)
            entries = struct.unpack_from(f"<{self.sector // 4}I", data, self._offset(difat_start))
            fat_sectors += [s for s in entries[:-1] if s < 0xFFFFFFFA]
            difat_start, n_difat = entries[-1], n_difat - 1
        fat_bytes = b"".join(self._sector(s) for s in fat_sectors[:n_fat])
        self.fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)
        self.mini_fat_start = mini_fat_start

    def _offset(self, sector: int) -> int:
        return (sector + 1) * self.sector

    def _sector(self, sector: int) -> bytes:
        return self.data[self._offset(sector):self._offset(sector) + self.sector]

    def _chain(self, start: int, fat: tuple[int, ...]) -> Iterator[int]:
        seen = set()
        while start < 0xFFFFFFFA:
            if start in seen or start >= len(fat):
                raise ValueError("broken sector chain")
            seen.add(start)
            yield start
            start = fat[start]

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        directory = b"".join(self._sector(s) for s in self._chain(self.dir_start, self.fat))
        root_start = root_size = None
        for i in range(0, len(directory) - 127, 128):
            entry = directory[i:i + 128]
            name_len = struct.unpack_from("<H", entry, 64)[0]
            name = entry[:max(name_len - 2, 0)].decode("utf-16-le", "replace")
            kind = entry[66]
            start, size = struct.unpack_from("<II", entry, 116)
            if kind == 5:
                root_start, root_size = start, size
            elif kind == 2 and name in names:
                return self._read(start, size, root_start, root_size)
        return None

    def _read(self, start: int, size: int, root_start: int | None, root_size: int | None) -> bytes:
        if size >= self.mini_cutoff or root_start is None:
            return b"".join(self._sector(s) for s in self._chain(start, self.fat))[:size]
        mini_fat_bytes = b"".join(self._sector(s) for s in self._chain(self.mini_fat_start, self.fat))
        mini_fat = struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes)
        mini_stream = b"".join(self._sector(s) for s in self._chain(root_start, self.fat))[:root_size]
        m = self.mini_sector
        return b"".join(mini_stream[s * m:(s + 1) * m] for s in self._chain(start, mini_fat))[:size]


# --- reading cells ------------------------------------------------------------------------------------


def _read_calamine(data: bytes, wanted: str | None) -> list[Sheet]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = [m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        chosen = names if wanted is None else [_match_sheet(wanted, names)]
        sheets = []
        for name in chosen:
            grid = book.get_sheet_by_name(name)
            # merged_cell_ranges came in python-calamine 0.4; .ods gives None (spans are not reported)
            spans = getattr(grid, "merged_cell_ranges", None) or ()
            merged = sorted((r0, c0, r1, c1) for (r0, c0), (r1, c1) in spans)
            values = grid.to_python(skip_empty_area=False)
            del grid  # calamine's own copy of the cells goes before the Python one is trimmed
            sheets.append(Sheet(name=name, rows=_trim(values), merged=merged))
        return sheets
    except ValidationFailed:
        raise
    except python_calamine.PasswordError:
        _fail("file_encrypted")
    except Exception:  # noqa: BLE001 - whatever calamine raises, the user hears "damaged"
        _fail("file_corrupt", reason="the workbook could not be read: it is damaged or not what its name says")
    except BaseException as exc:  # pyo3 turns a Rust panic into PanicException, a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        _fail("file_corrupt", reason="the workbook could not be read: it is damaged or not what its name says")


def _match_sheet(wanted: str, names: list[str]) -> str:
    for name in names:
        if name.casefold() == wanted.casefold():
            return name
    _fail("sheet_not_found", sheet=wanted, sheets=", ".join(names))


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    """Empty cells → None, trailing empty cells cut, trailing empty rows dropped.

    In place, row by row: each row's old list is freed as its new one is made, so the sheet is never
    held twice (100,000 rows × 14 cells: 150 MB). A row without an empty cell is kept as it is.
    """
    for i, raw in enumerate(grid):
        # `in` compares at C speed; "" equals no number, date or bool.
        row = [None if value == "" and value.__class__ is str else value for value in raw] if "" in raw else raw
        while row and row[-1] is None:
            row.pop()
        grid[i] = row
    while grid and not grid[-1]:
        grid.pop()
    return grid


# --- CSV ----------------------------------------------------------------------------------------------

# Encodings a guess may land on: what Excel and 1C write in Russia and the West, and UTF-16 without BOM.
GUESSED_ENCODINGS = ["cp1251", "koi8_r", "cp866", "cp1252", "utf_16_le", "utf_16_be"]


def _read_csv(data: bytes, filename: str, wanted: str | None) -> Sheet:
    name = _basename(filename).rsplit(".", 1)[0] or "Sheet1"
    if wanted is not None:
        _match_sheet(wanted, [name])
    text = _decode(data)
    delimiter = _delimiter(text, _extension(filename))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error:
        _fail("file_corrupt", reason="the text could not be split into fields (an unclosed quote?)")
    return Sheet(name=name, rows=_trim(records), merged=[])


def _decode(data: bytes) -> str:
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data.decode("utf-8-sig")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = _decode_without_bom(data)
    except (UnicodeDecodeError, LookupError):
        _fail("file_encoding")
    sample = text[:65536]
    if "\0" in sample or sum(1 for ch in sample if ch < " " and ch not in "\t\r\n\f") > len(sample) // 100:
        _fail("file_encoding")  # a binary file, or text decoded with the wrong encoding
    return text


def _decode_without_bom(data: bytes) -> str:
    sample = data[:4096]
    if b"\0" in sample:
        # No 8-bit text has NUL bytes; UTF-16 without a BOM does, in the high byte of every delimiter.
        little = sample[1::2].count(b"\0") >= sample[0::2].count(b"\0")
        return data.decode("utf-16-le" if little else "utf-16-be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:MiB], cp_isolation=GUESSED_ENCODINGS).best()
    if best is None:
        _fail("file_encoding")
    return data.decode(best.encoding)


def _delimiter(text: str, ext: str) -> str:
    """The candidate giving the most consistent column count; the Sniffer's choice wins a tie."""
    sample = text[:64 * 1024]
    lines = sample.splitlines(keepends=True)[:50]
    if len(sample) < len(text) and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample is cut too
    head = "".join(lines)
    scores = {d: _consistency(head, d) for d in DELIMITERS}
    best = max(scores.values())
    try:
        sniffed = csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    preferred = [sniffed, "\t" if ext == "tsv" else ",", *DELIMITERS]
    return next(d for d in preferred if d in scores and scores[d] == best)


def _consistency(head: str, delimiter: str) -> tuple[bool, float, int]:
    try:
        counts = [len(r) for r in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter) if r]
    except csv.Error:
        return (False, 0.0, 0)
    if not counts:
        return (False, 0.0, 0)
    columns, times = Counter(counts).most_common(1)[0]
    return (columns > 1, times / len(counts), columns)


__all__ = ["LIMITS", "Sheet", "check_file", "file_kind", "read_checked", "read_workbook"]
