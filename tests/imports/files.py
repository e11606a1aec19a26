"""Spreadsheet files built at test time: good workbooks in every format, and hostile ones."""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

import openpyxl
import xlsxwriter

KHMER = "ក្រុមហ៊ុន ស្រីមុំ"  # shaping-heavy: coeng, vowel signs; must come back byte-exact
CYRILLIC = "ООО «Ромашка», ёлка"

# --- good workbooks -------------------------------------------------------------------------------


def messy_xlsx() -> bytes:
    """What people really send: title rows above the header, a merged title, blank rows, dates, a formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Клиенты"
    ws["A1"] = "Список клиентов на 31.01.2024"
    ws.merge_cells("A1:D1")
    ws["A2"] = None  # an empty line under the title
    ws.append(["Name", "Amount", "Since", "Active"])  # row 3
    ws.append([CYRILLIC, 1234.5, dt.date(2024, 1, 31), True])  # row 4
    ws.append([])  # row 5: a blank row in the middle
    ws.append([KHMER, 7, dt.datetime(2023, 12, 1, 9, 30, 15), False])  # row 6
    ws.append(["Group A", 0.1, dt.time(8, 45), None])  # row 7
    ws.merge_cells("A7:A8")  # a group name merged down over two rows
    ws["B8"] = -3
    wb.create_sheet("Товары")["A1"] = "SKU"
    return _saved(wb)


def formula_xlsx() -> bytes:
    """Formulas with the values Excel cached (XlsxWriter writes a cached value like Excel does)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Calc")
    ws.write_row(0, 0, ["qty", "price", "total", "label"])
    ws.write_row(1, 0, [3, 2.5])
    ws.write_formula(1, 2, "=A2*B2", None, 7.5)
    ws.write_formula(1, 3, '="x"&A2', None, "x3")
    wb.close()
    return buf.getvalue()


def several_sheets_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Clients"
    wb.active["A1"] = "client"
    wb.create_sheet("Products")["A1"] = "product"
    wb.create_sheet("Empty")
    wb.create_sheet("Balances")["B2"] = 42
    return _saved(wb)


def tall_xlsx(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["n"])
    for i in range(rows):
        ws.append([i])
    return _saved(wb)


def empty_xlsx() -> bytes:
    return _saved(openpyxl.Workbook())


def sparse_xlsx(row: int, col: int) -> bytes:
    """One cell in A1 and one far away: tiny on disk, a huge grid for a reader that fills the gaps."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "a"
    wb.active.cell(row=row + 1, column=col + 1, value="b")
    return _saved(wb)


def _saved(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Клиенты">
<table:table-row><table:table-cell office:value-type="string"><text:p>Report</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Amount</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Since</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>{khmer}</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1234.5"><text:p>1 234,50</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2024-01-31"><text:p>31.01.2024</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>{cyrillic}</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="-7"><text:p>-7</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1021"/></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
<table:table table:name="Second"><table:table-row><table:table-cell office:value-type="string"><text:p>two</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>
"""

ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def ods(content: str | None = None, manifest: str = ODS_MANIFEST) -> bytes:
    """A minimal .ods as LibreOffice lays it out: `mimetype` first and stored, then content and manifest.

    The trailing repeated empty rows and columns are what LibreOffice writes to fill the sheet.
    No whitespace between cells: LibreOffice writes none, and calamine refuses a row that has some.
    """
    content = content or ODS_CONTENT.format(khmer=KHMER, cyrillic=CYRILLIC)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


def xls_via_soffice(xlsx: bytes, workdir: Path) -> bytes:
    """Convert an .xlsx to a BIFF8 .xls with LibreOffice: nothing in Python writes .xls any more.

    soffice absent → the test fails (CI installs it with `make system-packages`); it never skips.
    """
    soffice = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)
    assert soffice, "soffice (LibreOffice) is needed to build the .xls fixture: run `make system-packages`"
    src = workdir / "book.xlsx"
    src.write_bytes(xlsx)
    profile = Path(tempfile.mkdtemp(prefix="soffice-profile-", dir=workdir))
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xls", "--outdir", str(workdir), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    out = workdir / "book.xls"
    assert out.exists(), "soffice did not write book.xls"
    return out.read_bytes()


# --- hostile files --------------------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c></row>
</sheetData></worksheet>"""
SHARED_STRINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>hello</t></si></sst>"""


def raw_xlsx(sheet: str | bytes = SHEET, shared_strings: str | bytes = SHARED_STRINGS,
             extra: dict[str, bytes] | None = None) -> bytes:
    """A hand-made .xlsx whose parts a test can poison one at a time."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", shared_strings)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return buf.getvalue()


BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>"""

XXE_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>
</sheetData></worksheet>"""


def doctype_after_long_prolog() -> bytes:
    """A DOCTYPE pushed past the first 64 KiB by a long comment: a prefix-only check would miss it."""
    return (b'<?xml version="1.0"?>\n<!--' + b"x" * 70_000 + b"-->\n"
            + XXE_SHEET.split("\n", 1)[1].encode())


def zip_bomb_xlsx() -> bytes:
    """An .xlsx whose sheet entry inflates 8 MB from about 8 KB.

    Deflate tops out near 1030:1, so only pure repetition passes the 1000:1 line: the entry is all zeros.
    """
    return raw_xlsx(sheet=b"0" * 8_000_000)


def huge_declared_xlsx() -> bytes:
    """An .xlsx whose central directory declares a 700 MiB sheet (more than max_unzipped in total)."""
    data = bytearray(raw_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_sizes(data, info, uncompressed=700 * 1024 * 1024)
    return bytes(data)


def many_entries_xlsx(count: int = 3_000) -> bytes:
    return raw_xlsx(extra={f"xl/media/pad{i}.xml": b"<a/>" for i in range(count)})


def lying_size_xlsx() -> bytes:
    """The central directory declares a tiny sheet; the deflate stream holds far more (a reader
    trusting the declared size would inflate it all)."""
    sheet = SHEET.encode().replace(b"<sheetData>", b"<sheetData>" + b" " * 300_000)
    data = bytearray(raw_xlsx(sheet=sheet))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_sizes(data, info, uncompressed=len(SHEET))
    return bytes(data)


def bad_crc_xlsx() -> bytes:
    data = bytearray(raw_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_crc(data, info, info.CRC ^ 0xFFFFFFFF)
    return bytes(data)


def broken_workbook_xlsx() -> bytes:
    """Passes every zip and XML check, but its workbook part stops mid-tag: calamine cannot read it."""
    src = zipfile.ZipFile(io.BytesIO(raw_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = b"<workbook><sheets><sheet" if info.filename == "xl/workbook.xml" else src.read(info)
            z.writestr(info.filename, body)
    return out.getvalue()


def encrypted_entry_zip() -> bytes:
    """An .xlsx whose sheet entry has the 'encrypted' flag bit (0x1) set, in both headers."""
    data = bytearray(raw_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    local = info.header_offset
    data[local + 6] |= 0x01  # general purpose flag, local file header
    central = _central_header_offset(data, info.filename)
    data[central + 8] |= 0x01  # general purpose flag, central directory header
    return bytes(data)


def docx() -> bytes:
    """A Word document: a zip, but no workbook in it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", ROOT_RELS.replace("xl/workbook.xml", "word/document.xml"))
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    return buf.getvalue()


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def fake_encrypted_ole() -> bytes:
    """Not a full OLE2 file: the magic, padding and the UTF-16LE stream name "EncryptionInfo".

    That is all the detection looks at: a password-protected .xlsx is an OLE2 container whose
    directory holds the EncryptionInfo and EncryptedPackage streams.
    """
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016
            + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100)


def encrypted_xlsx(plain: bytes) -> bytes:
    """A real password-protected .xlsx (agile encryption), made with msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
    return out.getvalue()


# --- zip surgery ----------------------------------------------------------------------------------


def _central_header_offset(data: bytearray, name: str) -> int:
    needle = name.encode()
    pos = data.rfind(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_len] == needle:
            return pos
        pos = data.rfind(b"PK\x01\x02", 0, pos)
    raise LookupError(name)


def _patch_sizes(data: bytearray, info: zipfile.ZipInfo, uncompressed: int) -> None:
    struct.pack_into("<I", data, info.header_offset + 22, uncompressed)
    struct.pack_into("<I", data, _central_header_offset(data, info.filename) + 24, uncompressed)


def _patch_crc(data: bytearray, info: zipfile.ZipInfo, crc: int) -> None:
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, _central_header_offset(data, info.filename) + 16, crc)


def far_cell_xls(xls: bytes) -> bytes:
    """The soffice .xls with its "Name" cell (a LABELSST record at row 2, column 0) moved to row
    65535, column 65535: calamine would allocate 4 billion cells and abort."""
    data = bytearray(xls)
    record = struct.pack("<HHHH", 0x00FD, 10, 2, 0)
    at = data.find(record)
    assert at != -1, "no LABELSST record at A3 in the converted .xls"
    struct.pack_into("<HH", data, at + 4, 65535, 65535)
    return bytes(data)


def repeated_cells_ods() -> bytes:
    """60,000 rows of 1,000 copies of one value, written in a few hundred bytes."""
    bomb = ('<table:table-row table:number-rows-repeated="60000">'
            '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="7"/>'
            "</table:table-row>")
    content = ODS_CONTENT.format(khmer=KHMER, cyrillic=CYRILLIC)
    start = content.index('<table:table-row table:number-rows-repeated="2">')
    end = content.index("</table:table-row>", start) + len("</table:table-row>")
    return ods(content[:start] + bomb + content[end:])


def rowless_refs_xlsx() -> bytes:
    """Cells without r= attributes take the next position, as calamine counts them: one row jump
    to 1,000,000 and 20 cells across make a grid of 20 million cells."""
    sheet = SHEET.replace("</sheetData>", '<row r="1000000">' + "<c><v>1</v></c>" * 20 + "</row></sheetData>")
    return raw_xlsx(sheet=sheet)


def nested_bomb_xlsx() -> bytes:
    """A harmless workbook carrying a zip bomb as an embedded object: it must not be opened."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.xml", b"0" * 8_000_000)
    return raw_xlsx(extra={"xl/embeddings/oleObject1.bin": inner.getvalue()})


def junk_part_xlsx() -> bytes:
    """A part calamine never reads that is not XML at all: the DTD check must not call it damage."""
    return raw_xlsx(extra={"docProps/custom.xml": b"<<< not xml at all &&& \x00"})


def big_shared_strings_xlsx() -> bytes:
    """A sharedStrings part far over 64 KiB: only its prolog is parsed, the rest is left to calamine."""
    items = "".join(f"<si><t>строка {i} ស្រី</t></si>" for i in range(5_000))
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5000" '
           f'uniqueCount="5000"><si><t>hello</t></si>{items}</sst>')
    return raw_xlsx(shared_strings=sst)


def password_xls(xls: bytes) -> bytes:
    """The soffice .xls with a FILEPASS record (RC4) where its WRITEACCESS record was, same length:
    what Excel writes first in the workbook stream of a password-protected .xls."""
    data = bytearray(xls)
    at = data.find(struct.pack("<HH", 0x005C, 112))
    assert at != -1, "no WRITEACCESS record in the converted .xls"
    struct.pack_into("<HHHHH", data, at, 0x002F, 112, 1, 1, 1)
    return bytes(data)


def password_ods() -> bytes:
    """What LibreOffice writes for a password-protected .ods: a plain zip whose manifest describes
    how each part is encrypted (the parts here are left readable: the manifest is what is checked)."""
    manifest = ODS_MANIFEST.replace(
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1500">'
        '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k"'
        ' manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"'
        ' manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>')
    assert manifest != ODS_MANIFEST
    return ods(manifest=manifest)
