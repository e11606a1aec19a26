"""The dry-run report as an .xlsx the user opens in Excel: one line per source row, errors by column.

The sheet is written here as XML straight into the zip, a block of rows at a time: XlsxWriter's
constant_memory mode spent about 60 µs a cell (6 s for 100,000 rows), this about a tenth of it,
and memory stays one block of rows whatever the report's length. The file is the same one:
every cell a string (or the row number), so nothing in a client's name becomes a formula.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any, Iterable

from .mapping import column_letter
from .messages import describe, words

HEADINGS = {
    "en": ("Row", "Action", "Matches", "Errors", "Warnings", "Values"),
    "ru": ("Строка", "Действие", "Совпадение", "Ошибки", "Предупреждения", "Значения"),
    "km": ("ជួរ", "សកម្មភាព", "ត្រូវគ្នា", "កំហុស", "ការព្រមាន", "តម្លៃ"),
}
ACTIONS = {
    "en": {"create": "create", "update": "update", "unchanged": "unchanged", "skip": "skip", "error": "error"},
    "ru": {"create": "создать", "update": "обновить", "unchanged": "без изменений", "skip": "пропустить",
           "error": "ошибка"},
    "km": {"create": "បង្កើត", "update": "ធ្វើបច្ចុប្បន្នភាព", "unchanged": "មិនផ្លាស់ប្តូរ", "skip": "រំលង",
           "error": "កំហុស"},
}
COLOURS = {"create": "#E2EFDA", "update": "#DDEBF7", "unchanged": "#FFFFFF", "skip": "#EDEDED", "error": "#F8CBAD"}
WIDTHS = (7, 14, 30, 50, 50, 80)
BLOCK = 2_000  # rows per write into the zip stream

# Style ids in styles.xml below: 0 plain, 1 the bold grey headings, 2.. one per action (fill, top, wrap).
_STYLE = {action: i for i, action in enumerate(COLOURS, start=2)}
# XML 1.0 cannot hold these characters at all: Excel's own escape for them is _xHHHH_.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    """A report cell: always text, so nothing in a client's name becomes a formula."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def _match(m: dict[str, Any] | None) -> str:
    if not m:
        return ""
    # The name score beside the threshold a name needs to decide, for every merge and look-alike.
    score = f", {m['score']}" + (f" ≥ {m['threshold']}" if m.get("threshold") and m["score"] >= m["threshold"] else
                                  f" < {m['threshold']}" if m.get("threshold") else "") if "score" in m else ""
    if "row" in m:
        return f"row {m['row']} ({m.get('by')}{score})"
    return f"#{m.get('id')} {m.get('name') or ''} ({m.get('by')}{score})"


def _xml(text: str) -> str:
    # Three replaces at C speed (str.translate with a table is a dictionary look-up per character).
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text


def _string(ref: str, style: int, text: str) -> str:
    # An empty text is still a text cell (as XlsxWriter wrote it), not a blank one.
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_xml(text)}</t></is></c>'


def _cells(report: dict[str, Any], language: str) -> Iterable[str]:
    """The sheet's rows as XML, from the third on (two lines of counts and headings above)."""
    names = ACTIONS.get(language, ACTIONS["en"])
    for n, r in enumerate(report["rows"], start=3):
        style = _STYLE.get(r["action"], 0)
        # Sentences naming the row, the column's letter and header, and the value as typed.
        errors = "\n".join(describe(e, r["row"], language) for e in r.get("errors", ()))
        notes = [describe(w, r["row"], language) for w in r.get("warnings", ())]
        if r.get("reason"):
            notes.insert(0, words(r["reason"], language, r.get("match")))
        values = r.get("values") or {}
        if r.get("changes"):
            values = dict(values, changes=r["changes"])
        yield (f'<row r="{n}"><c r="A{n}" s="{style}"><v>{r["row"]}</v></c>'
               + _string(f"B{n}", style, names.get(r["action"], r["action"]))
               + _string(f"C{n}", style, _match(r.get("match")))
               + _string(f"D{n}", style, errors)
               + _string(f"E{n}", style, "\n".join(notes))
               + _string(f"F{n}", style, _text(values)) + "</row>")


def _styles() -> str:
    fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c[1:]}"/><bgColor indexed="64"/>'
                    f'</patternFill></fill>' for c in ("#D9D9D9", *COLOURS.values()))
    xfs = ('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>')
    xfs += "".join(f'<xf numFmtId="0" fontId="0" fillId="{i}" borderId="0" xfId="0" applyFill="1" applyAlignment="1">'
                   f'<alignment vertical="top" wrapText="1"/></xf>' for i in range(3, 3 + len(COLOURS)))
    font = '<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
            f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
            f'<fills count="{2 + 1 + len(COLOURS)}"><fill><patternFill patternType="none"/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{2 + len(COLOURS)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml": _HEAD + (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": _HEAD + (
        f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": _HEAD + (
        f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
}


def xlsx(report: dict[str, Any], language: str = "en") -> bytes:
    buf = io.BytesIO()
    last = 2 + len(report["rows"])
    heads = HEADINGS.get(language, HEADINGS["en"])
    counts = [f"{k}: {v}" for k, v in report.get("counts", {}).items()]
    # Level 1: the sheet is repetitive XML, and the next levels cost twice the time for a few per cent.
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, content in _PARTS.items():
            zf.writestr(name, content)
        zf.writestr("xl/workbook.xml", _HEAD + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            '<sheets><sheet name="Report" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"Report!$A$2:$F${last}</definedName></definedNames></workbook>"))
        zf.writestr("xl/styles.xml", _styles())
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            cols = "".join(f'<col min="{i}" max="{i}" width="{w + 0.7109375}" customWidth="1"/>'
                           for i, w in enumerate(WIDTHS, start=1))
            top = "".join(_string(f"{column_letter(i)}1", 0, t) for i, t in enumerate(counts))
            heading = "".join(_string(f"{column_letter(i)}2", 1, t) for i, t in enumerate(heads))
            sheet.write((_HEAD + (
                f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><dimension ref="A1:F{last}"/>'
                '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
                '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                f'<row r="1">{top}</row><row r="2">{heading}</row>')).encode())
            block: list[str] = []
            for line in _cells(report, language):
                block.append(line)
                if len(block) == BLOCK:
                    sheet.write("".join(block).encode())
                    block.clear()
            sheet.write(("".join(block) + f'</sheetData><autoFilter ref="A2:F{last}"/></worksheet>').encode())
    return buf.getvalue()
