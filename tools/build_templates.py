"""Builds the shipped Word templates (3 contracts, 6 invoice kinds, the payslip; each in en/km/ru) with python-docx.

Run `python -m tools.build_templates` (or `make templates`) from the checkout to rebuild templates/. Each
template is laid out from one `Layout` per kind (which blocks, which columns, which signatures) and one
file of words per language (templates/words/<lang>.json), so a wording fix is one edit and every document
keeps the same structure. A build tool, not part of the server: the server only reads the .docx files.
The variables are exactly the paths of `kinds.sample_context`; tests/documents/test_shipped_build.py
checks that, renders every template, and checks templates/ is the current output of this module.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor, Twips

from server.documents.kinds import KINDS, LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
LATIN_FONT = "Arial"                 # Word has it everywhere; LibreOffice maps it to Liberation Sans
KHMER_FONT = "Khmer OS System"       # Debian's fonts-khmeros; Word takes Khmer from the cs slot
FIXED = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # core properties must not change per build
GREY = RGBColor(0x59, 0x59, 0x59)
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


# --- what each kind shows, in every language ------------------------------------------------------

# A signature column is a tuple of items: ("head", role) a bold role name; ("sign", who, name) a
# signature line over a name tag (None: left blank for handwriting); ("text", who) a line of words;
# ("date",) a blank date; ("stamp",) the place for the seal; ("image", "qr") the QR code.
SELLER_SIGNS = (("head", "seller"), ("sign", "director", "{{ company.director }}"),
                ("sign", "accountant", "{{ company.accountant }}"), ("stamp",))


@dataclass(frozen=True)
class Layout:
    blocks: tuple[str, ...]
    columns: tuple[str, ...] = ()              # the lines table, left to right
    totals: tuple[str, ...] = ()               # rows of the totals box under the lines table
    sums: tuple[str, ...] = ()                 # columns summed in the lines table's last row
    bold: tuple[str, ...] = ()                 # columns printed bold (the waybill's quantities)
    info: tuple[str, ...] = ()                 # document facts beside the client box
    parties: tuple[tuple[str, str], ...] = ()  # (role, party line) rows of a parties block
    signs: tuple[tuple[tuple, ...], ...] = ()
    landscape: bool = False


CONTRACT = Layout(
    blocks=("header", "contract_title", "preamble", "sections", "requisites", "appendix"),
    columns=("no", "description", "qty", "unit", "price", "net", "tax_rate", "tax", "total"),
    totals=("net", "tax", "total"))

LAYOUTS: dict[str, Layout] = {
    "sales_contract": CONTRACT, "service_contract": CONTRACT, "supply_agreement": CONTRACT,
    "invoice": Layout(
        blocks=("header", "title", "client_box", "bank", "lines", "totals", "in_words", "terms", "notes", "signs"),
        # As a Cambodian tax invoice and a Russian счёт print it: net amounts per line, the tax in the totals.
        columns=("no", "description", "qty", "unit", "price", "discount", "net"),
        totals=("net", "tax", "total"), info=("number", "date", "due", "order", "currency"),
        signs=(SELLER_SIGNS, (("head", "buyer"), ("sign", "received", "{{ client.contact }}"), ("date",)),
               (("image", "qr"),))),
    "proforma": Layout(
        blocks=("header", "title", "client_box", "bank", "lines", "totals", "in_words", "terms", "notice", "notes",
                "signs"),
        columns=("no", "description", "qty", "unit", "price", "discount", "net", "tax", "total"),
        totals=("net", "tax", "total"), info=("number", "date", "valid", "order", "currency"),
        signs=(SELLER_SIGNS, (("image", "qr"),))),
    "act": Layout(
        blocks=("header", "title", "parties", "lines", "totals", "in_words", "statement", "notes", "signs"),
        columns=("no", "description", "qty", "unit", "price", "net", "tax", "total"), totals=("net", "tax", "total"),
        parties=(("contractor", "company"), ("customer", "client"), ("basis", "invoice")),
        signs=((("head", "contractor"), ("sign", "director", "{{ company.director }}"), ("stamp",)),
               (("head", "customer"), ("sign", "representative", "{{ client.contact }}"), ("stamp",)))),
    "waybill": Layout(
        blocks=("header", "parties", "title", "lines", "second", "in_words", "statement", "notes", "signs"),
        columns=("no", "sku", "description", "unit", "qty", "price", "net", "tax_rate", "tax", "total"),
        sums=("qty", "net", "tax", "total"), bold=("qty",),
        parties=(("shipper", "company"), ("consignee", "client"), ("supplier", "company_bank"), ("payer", "client"),
                 ("basis", "invoice_order")),
        signs=((("head", "shipper"), ("sign", "released", "{{ company.director }}"),
                ("sign", "accountant", "{{ company.accountant }}"), ("sign", "shipped", "{{ manager.name }}"),
                ("stamp",)),
               (("head", "consignee"), ("sign", "accepted", None),
                ("sign", "consignee_received", "{{ client.contact }}"), ("date",), ("stamp",)))),
    "upd": Layout(
        blocks=("header", "upd_head", "lines", "second", "in_words", "signs", "upd_basis", "upd_signs"),
        columns=("no", "sku", "description", "unit", "qty", "price", "net", "excise", "tax_rate", "tax", "total"),
        sums=("net", "tax", "total"), landscape=True,
        signs=((("sign", "upd_head", "{{ company.director }}"),), (("sign", "upd_acc", "{{ company.accountant }}"),))),
    "receipt": Layout(
        blocks=("header", "title", "payment", "allocations", "statement", "signs"),
        signs=((("sign", "accountant", "{{ company.accountant }}"), ("sign", "cashier", None), ("stamp",)),
               (("image", "qr"),))),
    "payslip": Layout(blocks=("header", "payslip_head", "payslip_employee", "payslip_lines", "payslip_totals",
                              "payslip_signs")),
}

UPD_SIGNS = ((("sign", "upd10", "{{ company.director }}"), ("text", "upd11"), ("text", "upd12"),
              ("sign", "upd13", "{{ manager.name }}"), ("text", "upd14"), ("stamp",)),
             (("sign", "upd15", "{{ client.contact }}"), ("text", "upd16"), ("text", "upd17"),
              ("sign", "upd18", None), ("text", "upd19"), ("stamp",)))

# Relative column widths of the lines table, scaled to the page; numbers align right.
WEIGHTS = {"no": 1.0, "sku": 1.9, "description": 4.4, "qty": 1.5, "unit": 1.1, "price": 1.8, "discount": 1.6,
           "net": 2.0, "tax_rate": 1.5, "tax": 1.7, "total": 2.0, "excise": 1.6}
# The УПД's headers are long ("Сумма налога, предъявляемая покупателю (8)"): wider money columns.
UPD_WEIGHTS = {**WEIGHTS, "sku": 1.4, "description": 4.6, "qty": 1.6, "net": 2.2, "excise": 1.8,
               "tax_rate": 1.3, "tax": 2.2, "total": 2.2}
RIGHT = {"qty", "price", "discount", "net", "tax", "total"}
CENTER = {"no", "unit", "tax_rate", "excise"}

PARTY = {  # party lines: label keys in {braces} come from the language's "req" words
    "company": "{{ company.legal_name }}, {tax} {{ company.tax_id }}, {{ company.address }}, {tel} {{ company.phone }}",
    "client": "{{ client.legal_name }}, {tax} {{ client.tax_id }}, {{ client.address }}, {tel} {{ client.phone }}",
    "company_bank": "{{ company.legal_name }}, {account} {{ company.bank_account }}, {bank} {{ company.bank_name }}, "
                    "{bic} {{ company.bank_bic }}",
}
INFO = {"number": "{{ doc.number }}", "date": "{{ doc.date }}", "due": "{{ source.due_date }}",
        "valid": "{{ source.due_date }}", "order": "{{ source.order_number }}", "currency": "{{ totals.currency }}"}


# --- the words, per language ----------------------------------------------------------------------

# Each language's words are a data file, templates/words/<lang>.json: "documents" for every kind, "payslip"
# for the payslip's own (its title, the requisites' labels, the signatures and "Date" come from "documents").
WORDS_DIR = ROOT / "templates" / "words"
_LOADED = {lang: json.loads((WORDS_DIR / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGUAGES}
WORDS: dict[str, dict[str, Any]] = {lang: words["documents"] for lang, words in _LOADED.items()}
PAYSLIP_WORDS: dict[str, dict[str, Any]] = {lang: words["payslip"] for lang, words in _LOADED.items()}


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace {S}, {title}, {tax}… but never touch the Jinja tags ({{ doc.number }} has spaces and dots)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


# --- python-docx helpers --------------------------------------------------------------------------

ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def _place(parent, child, after: tuple[str, ...]) -> None:
    """Insert child after the last of its schema predecessors: Word refuses elements out of order."""
    anchor = None
    for element in parent:
        if element.tag in {qn(t) for t in after}:
            anchor = element
    if anchor is None:
        parent.insert(0, child)
    else:
        anchor.addnext(child)


def _run(paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
         grey: bool = False):
    # bCs/iCs/szCs too: Word styles Khmer (a complex script) from the cs properties only.
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    if bold:
        rpr.get_or_add_b()
        rpr.get_or_add_bCs()
    if italic:
        rpr.get_or_add_i()
        rpr.get_or_add_iCs()
    if grey:
        run.font.color.rgb = GREY
    if size:
        run.font.size = Pt(size)
        size_cs = OxmlElement("w:szCs")
        size_cs.set(qn("w:val"), str(int(size * 2)))
        rpr.find(qn("w:sz")).addnext(size_cs)
    return run


def _para(where, text: str | list[tuple[str, bool]] = "", *, align: str | None = None, before: float = 0,
          after: float | None = None, keep: bool = False, **fmt):
    """A paragraph in the document or a cell (a cell's own empty first paragraph is used first)."""
    first = getattr(where, "paragraphs", [])
    if hasattr(where, "_tc") and len(first) == 1 and not first[0].runs and not first[0].text:
        paragraph = first[0]
    else:
        paragraph = where.add_paragraph()
    for chunk, bold in ([(text, fmt.pop("bold", False))] if isinstance(text, str) else text):
        if chunk:
            _run(paragraph, chunk, bold=bold, **fmt)
    if align:
        paragraph.alignment = ALIGN[align]
    if before:
        paragraph.paragraph_format.space_before = Pt(before)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _table(doc, rows: int, widths: list[float], *, grid: bool = False, align: str | None = None):
    table = doc.add_table(rows=rows, cols=len(widths), style="Table Grid" if grid else None)
    table.autofit = False
    if align == "right":
        table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths):
        col.w = Cm(width)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
    margins = parse_xml(f'<w:tblCellMar {nsdecls("w")}><w:left w:w="57" w:type="dxa"/>'
                        f'<w:right w:w="57" w:type="dxa"/></w:tblCellMar>')
    _place(table._tbl.tblPr, margins, ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                                       "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
                                       "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout"))
    return table


TC_BEFORE_BORDERS = ("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge")


def _cell_border(cell, style: str = "single", color: str = "000000", sides=("top", "left", "bottom", "right")):
    edges = "".join(f'<w:{s} w:val="{style}" w:sz="4" w:space="0" w:color="{color}"/>' for s in sides)
    _place(cell._tc.get_or_add_tcPr(), parse_xml(f'<w:tcBorders {nsdecls("w")}>{edges}</w:tcBorders>'),
           TC_BEFORE_BORDERS)


def _shade(cell, fill: str = "EDEDED") -> None:
    shading = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    _place(cell._tc.get_or_add_tcPr(), shading, TC_BEFORE_BORDERS + ("w:tcBorders",))


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _gap(doc, points: float = 4) -> None:
    """Vertical space between blocks: an empty paragraph of exact height (an empty line is tall in Khmer)."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.line_spacing = Pt(points)
    paragraph.paragraph_format.space_after = Pt(0)


def _rule(doc) -> None:
    """A thin line under the letterhead: a paragraph with a bottom border."""
    paragraph = _para(doc, after=6)
    border = parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="8" w:space="1" '
                       f'w:color="404040"/></w:pBdr>')
    _place(paragraph._p.get_or_add_pPr(), border, ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore",
                                                   "w:framePr", "w:widowControl", "w:numPr", "w:suppressLineNumbers"))
    paragraph.paragraph_format.line_spacing = Pt(2)


def _field(paragraph, code: str, size: float) -> None:
    field = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {code} "><w:r><w:rPr><w:sz w:val="{int(size * 2)}"/>'
                      f'<w:szCs w:val="{int(size * 2)}"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>')
    paragraph._p.append(field)


def _rpr(lang: str, size: float) -> Any:
    """Default run properties: Latin/Cyrillic in the ascii/hAnsi fonts, Khmer in the cs font and size.

    Khmer's language goes in the complex-script slot (w:bidi); a km document's Latin runs are numbers,
    codes and e-mails, so their w:val stays en-US.
    """
    bidi = ' w:bidi="km-KH"' if lang == "km" else ""
    half = int(size * 2)
    return parse_xml(
        f'<w:rPr {nsdecls("w")}><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{KHMER_FONT}" '
        f'w:cs="{KHMER_FONT}"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
        f'<w:lang w:val="{WORDS[lang]["lang"] if lang != "km" else "en-US"}" w:eastAsia="en-US"{bidi}/></w:rPr>')


# --- the document -------------------------------------------------------------------------------

@dataclass
class Build:
    doc: DocxDocument
    kind: str
    lang: str
    t: dict[str, Any]
    layout: Layout
    width: float  # of the text area, in cm

    def req(self, text: str) -> str:
        """Fill the requisite labels ({tax}, {bank}…) of a line; Khmer writes its colon as ៖."""
        return _fill(self.colon(text), self.t["req"])

    def colon(self, text: str) -> str:
        return text.replace(": ", "៖ ") if self.lang == "km" else text


def _setup(doc: DocxDocument, kind: str, lang: str, layout: Layout) -> float:
    """Page, fonts, spacing and core properties; the text width in cm."""
    section = doc.sections[0]
    long, short = Cm(29.7), Cm(21.0)
    section.orientation = WD_ORIENT.LANDSCAPE if layout.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if layout.landscape else (short, long)
    margin = 1.5 if layout.landscape else 2.0
    section.left_margin = section.right_margin = Cm(margin)
    section.top_margin = section.bottom_margin = Cm(1.0 if layout.landscape else 1.5)
    section.footer_distance = Cm(0.8)

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr_default.remove(rpr_default.find(qn("w:rPr")))
    rpr_default.append(_rpr(lang, 10))
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")  # python-docx's default 10 pt after and 1.15 lines are too airy for forms
    spacing.set(qn("w:line"), "240")
    for name, size in (("Normal", 10), ("Table Grid", 9)):
        style = doc.styles[name].element
        old = style.find(qn("w:rPr"))
        if old is not None:
            style.remove(old)
        rpr = _rpr(lang, size)
        table_props = style.find(qn("w:tblPr"))  # rPr must precede a table style's tblPr
        if table_props is not None:
            table_props.addprevious(rpr)
        else:
            style.append(rpr)
    doc.styles["Normal"].paragraph_format.space_after = Pt(2)

    props = doc.core_properties
    props.author = props.last_modified_by = "ClientBase"
    props.title = "{{ doc.number }}"  # rendered with the document
    props.subject = WORDS[lang]["title"][kind]
    props.comments = props.keywords = props.category = ""
    props.language = WORDS[lang]["lang"]
    props.created = props.modified = FIXED
    props.revision = 1
    width = (long if layout.landscape else short) - 2 * Cm(margin)
    return width / Cm(1)


def _footer(b: Build) -> None:
    paragraph = b.doc.sections[0].footer.paragraphs[0]
    tabs = paragraph.paragraph_format.tab_stops
    for inherited in (Twips(4680), Twips(9360)):  # the Footer style's centre and right stops (Letter width)
        tabs.add_tab_stop(inherited, WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(Cm(b.width), WD_TAB_ALIGNMENT.RIGHT)
    _run(paragraph, "{{ doc.number }} · {{ company.name }}", size=7.5, grey=True)
    page, of = b.t["page"]
    _run(paragraph, f"\t{page} ", size=7.5, grey=True)
    _field(paragraph, "PAGE", 7.5)
    _run(paragraph, f" {of} ", size=7.5, grey=True)
    _field(paragraph, "NUMPAGES", 7.5)


# --- blocks: each writes one part of the document -------------------------------------------------

def header(b: Build) -> None:
    """Letterhead: the logo placeholder, the company's requisites, the barcode in the top-right corner."""
    logo_w, code_w = 3.0, 5.9  # the barcode prints 55 mm wide
    table = _table(b.doc, 1, [logo_w, b.width - logo_w - code_w, code_w])
    logo, middle, corner = table.rows[0].cells
    table.rows[0].height = Cm(2.2)
    _cell_border(logo, "dashed", "BFBFBF")
    logo.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    _para(logo, "{{ logo }}", align="center")
    _para(middle, "{{ company.legal_name }}", bold=True, size=11, after=1)
    lines = ["{address}: {{ company.address }}", "{tax_full}: {{ company.tax_id }}", "{phone}: {{ company.phone }}",
             "{email}: {{ company.email }}"]
    if "bank" not in b.layout.blocks:  # else the bank form below carries them
        lines.append("{bank}: {{ company.bank_name }}, {account}: {{ company.bank_account }}, "
                     "{bic}: {{ company.bank_bic }}")
    if b.layout.landscape:  # room enough to pair the lines: the УПД needs the height
        lines = ["   ".join(lines[i:i + 2]) for i in range(0, len(lines), 2)]
    for line in lines:
        _para(middle, b.req(line), size=8)
    corner.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    _para(corner, "{{ barcode }}", align="right")
    _rule(b.doc)


def title(b: Build) -> None:
    text = _fill(b.t["title_fmt"], {"title": b.t["title"][b.kind]})
    _para(b.doc, text, bold=True, size=13, align="center", before=4, after=2 if b.kind == "receipt" else 8)
    if b.kind == "receipt":
        _para(b.doc, b.t["receipt"]["subtitle"], size=9, align="center", after=8)


def client_box(b: Build) -> None:
    """The buyer's requisites on the left, the document's facts on the right."""
    left_w = b.width * 0.55
    table = _table(b.doc, 1, [left_w, b.width - left_w], grid=True)
    left, right = table.rows[0].cells
    _para(left, b.t["role"]["bill_to"], bold=True, size=8, grey=True)
    _para(left, "{{ client.legal_name }}", bold=True)
    for line in ("{address}: {{ client.address }}", "{tax_full}: {{ client.tax_id }}",
                 "{phone}: {{ client.phone }}   {email}: {{ client.email }}", "{contact}: {{ client.contact }}"):
        _para(left, b.req(line), size=9)
    for key in b.layout.info:
        _para(right, [(b.colon(b.t["info"][key] + ": "), True), (INFO[key], False)], size=9, after=2)
    _gap(b.doc, 4)


def bank(b: Build) -> None:
    """Payment details in the Russian bank-form layout: bank and BIC, account, beneficiary."""
    words = b.t["bank"]
    table = _table(b.doc, 3, [b.width - 7.2, 1.8, 5.4], grid=True)
    rows = table.rows
    rows[1].cells[1].merge(rows[2].cells[1])
    rows[1].cells[2].merge(rows[2].cells[2])
    _para(rows[0].cells[0], "{{ company.bank_name }}", size=9)
    _para(rows[0].cells[0], words["bank"], size=7, grey=True)
    _para(rows[0].cells[1], words["bic"], size=8)
    _para(rows[0].cells[2], "{{ company.bank_bic }}", size=9)
    _para(rows[1].cells[0], b.req("{tax} {{ company.tax_id }}"), size=9)
    _para(rows[1].cells[1], words["account"], size=8)
    _para(rows[1].cells[2], "{{ company.bank_account }}", size=9)
    _para(rows[2].cells[0], "{{ company.legal_name }}", size=9)
    _para(rows[2].cells[0], words["payee"], size=7, grey=True)
    _gap(b.doc, 4)


def parties(b: Build) -> None:
    """Role: party lines (shipper, consignee, basis…), the first-page block of Russian primary documents."""
    table = _table(b.doc, len(b.layout.parties), [3.8, b.width - 3.8])
    for row, (role, line) in zip(table.rows, b.layout.parties):
        _para(row.cells[0], b.t["role"][role] + ":", bold=True, size=9)
        text = b.req(PARTY[line]) if line in PARTY else b.t["basis"][line]
        _para(row.cells[1], text, size=9, after=3)
    _gap(b.doc, 4)


def lines(b: Build, columns: tuple[str, ...] | None = None) -> None:
    """The lines table: a bold repeating header, the `{%tr for %}` loop row, and an optional sum row."""
    columns = columns or b.layout.columns
    labels = b.t["upd_col"] if b.kind == "upd" else b.t["col"]
    weights = [(UPD_WEIGHTS if b.kind == "upd" else WEIGHTS)[c] for c in columns]
    widths = [b.width * w / sum(weights) for w in weights]
    sums = b.layout.sums if columns == b.layout.columns else ()
    table = _table(b.doc, 4 + bool(sums), widths, grid=True)
    head, opening, row, closing = table.rows[:4]
    for i, col in enumerate(columns):
        _shade(head.cells[i])
        head.cells[i].vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        _para(head.cells[i], labels[col], bold=True, size=7.5 if b.kind == "upd" else 8, align="center")
        value = b.t["no_excise"] if col == "excise" else "{{ l.%s }}" % col
        align = "right" if col in RIGHT else "center" if col in CENTER else "left"
        _para(row.cells[i], value, size=8, align=align, bold=col in b.layout.bold)
        if b.lang == "km":  # an exact line height: Khmer OS System's own (1.8 em) doubles every row
            row.cells[i].paragraphs[-1].paragraph_format.line_spacing = Pt(12)
    _repeat_header(head)
    _para(opening.cells[0], "{%tr for l in lines %}")
    _para(closing.cells[0], "{%tr endfor %}")
    if sums:
        last = table.rows[4]
        first = columns.index(sums[0])
        label = last.cells[0].merge(last.cells[first - 1]) if first > 1 else last.cells[0]
        _para(label, b.t["tot"]["upd_sum" if b.kind == "upd" else "sum"], bold=True, size=8, align="right")
        for col in sums:
            _para(last.cells[columns.index(col)], "{{ totals.%s }}" % col, bold=True, size=8, align="right")
    _gap(b.doc, 2)


def totals(b: Build) -> None:
    """Net, tax and total in a box on the right; the riel equivalent when there is one."""
    table = _table(b.doc, len(b.layout.totals), [6.2, 3.8], grid=True, align="right")
    for row, key in zip(table.rows, b.layout.totals):
        strong = key == "total"
        _para(row.cells[0], b.t["tot"][key], bold=strong, size=9, align="right")
        _para(row.cells[1], "{{ totals.%s }} {{ totals.currency }}" % key, bold=strong, size=9, align="right")
    second(b)


def second(b: Build) -> None:
    _para(b.doc, "{%p if totals.second_total %}")
    _para(b.doc, b.t["second"], size=9, align="right", before=3)
    _para(b.doc, "{%p endif %}")


def in_words(b: Build) -> None:
    _para(b.doc, [(b.t["words"] + " ", True), ("{{ total_words }}", False)], before=6, after=6)


def terms(b: Build) -> None:
    for text in b.t["terms"]:
        _para(b.doc, text, size=9, after=3)


def notice(b: Build) -> None:
    for text in b.t["notice"][b.kind]:
        _para(b.doc, text, size=9, italic=True, after=3)


def notes(b: Build) -> None:
    _para(b.doc, "{%p if source.notes %}")
    _para(b.doc, "{{ source.notes }}", size=9, italic=True, after=3)
    _para(b.doc, "{%p endif %}")


def statement(b: Build) -> None:
    for text in b.t["statement"][b.kind]:
        _para(b.doc, text, size=9.5, after=4, align="justify" if b.lang != "km" else None)


def signs(b: Build, columns: tuple[tuple, ...] | None = None) -> None:
    """Signature columns side by side: role, signature lines over names, date, the stamp, a QR code.

    One table row per item, so both sides line up and a page may break between two signatures;
    an image column is one cell merged down all the rows.
    """
    columns = columns or b.layout.signs
    image_w = 3.0
    images = sum(1 for c in columns if c[0][0] == "image")
    share = (b.width - image_w * images) / (len(columns) - images)
    depth = max(len(c) for c in columns)
    table = _table(b.doc, depth, [image_w if c[0][0] == "image" else share for c in columns])
    for i, items in enumerate(columns):
        if items[0][0] == "image":
            _sign_item(b, table.cell(0, i).merge(table.cell(depth - 1, i)), items[0])
            continue
        for row, item in zip(table.rows, items):
            _sign_item(b, row.cells[i], item)
    for row in table.rows[:-1]:  # the block moves to the next page whole, never leaving its heads behind
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    _gap(b.doc, 4)


def _sign_item(b: Build, cell, item: tuple) -> None:
    what, tight = item[0], b.kind == "upd"  # the УПД packs its many signatures onto one page
    if what in ("head", "head_text"):
        text = b.t["role"][item[1]] if what == "head" else item[1]
        _para(cell, text, bold=True, size=9.5, before=6, after=4)
    elif what == "sign":
        # Russian forms put the role above the line and "подпись / расшифровка" under it; Cambodian
        # and English ones print the role under the line.
        role, line = b.t["who"][item[1]], "___________ / " + (item[2] or "_______________")
        if b.t["sig_caption"]:
            _para(cell, role, size=7.5 if tight else 8.5, before=2 if tight else 6, keep=True)
        _para(cell, line, size=8 if tight else 8.5, before=6 if tight else 12, keep=True)
        if not b.t["sig_caption"]:
            _para(cell, role, size=7.5 if tight else 8)
        elif not tight:  # the УПД has no room for the caption line
            _para(cell, b.t["sig_caption"], size=6, grey=True)
    elif what == "text":
        _para(cell, b.t["who"][item[1]], size=7.5 if tight else 8.5, before=3 if tight else 6)
    elif what == "date":
        _para(cell, b.t["date_blank"], size=8.5, before=8)
    elif what == "stamp":
        _para(cell, b.t["stamp"], size=9, bold=True, before=4 if tight else 10, align="center")
    elif what == "image":
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
        _para(cell, "{{ %s }}" % item[1], align="right")


def upd_head(b: Build) -> None:
    """The УПД's top: the status box on the left, the numbered fields (1)–(8) on the right."""
    rows = b.t["upd"]["rows"]
    status_w, code_w = 4.2, 1.2
    label_w = 7.5
    table = _table(b.doc, len(rows), [status_w, label_w, b.width - status_w - label_w - code_w, code_w])
    status = table.cell(0, 0).merge(table.cell(len(rows) - 1, 0))
    _cell_border(status)
    first, state, *legend = b.t["upd"]["status"]
    _para(status, first, bold=True, size=11, after=6)
    _para(status, state, bold=True, size=10, after=6)
    for line in legend:
        _para(status, line, size=7.5)
    for row, (label, value, code) in zip(table.rows, rows):
        big = code == "(1)"
        _para(row.cells[1], label, size=10 if big else 7.5, bold=big, after=0)
        _para(row.cells[2], value, size=10 if big else 8, bold=big, after=0)
        _cell_border(row.cells[2], sides=("bottom",))
        _para(row.cells[3], code, size=7.5, align="center", after=0)
    _gap(b.doc, 4)


def upd_basis(b: Build) -> None:
    for text in b.t["upd"]["basis"]:
        _para(b.doc, text, size=8.5, after=3)


def upd_signs(b: Build) -> None:
    signs(b, UPD_SIGNS)


def payment(b: Build) -> None:
    """The receipt's fields: who paid, what for, how, how much, in figures and in words."""
    rows = b.t["receipt"]["rows"]
    table = _table(b.doc, len(rows), [4.5, b.width - 4.5], grid=True)
    for row, (label, value) in zip(table.rows, rows):
        _shade(row.cells[0], "F2F2F2")
        strong = "payment.amount }}" in value
        _para(row.cells[0], label, bold=True, size=9)
        _para(row.cells[1], value, bold=strong, size=11 if strong else 9.5)
    _gap(b.doc, 6)


def allocations(b: Build) -> None:
    words = b.t["receipt"]
    _para(b.doc, words["alloc_heading"], bold=True, size=9.5, after=3)
    widths = [b.width * 0.4, b.width * 0.3, b.width * 0.3]
    table = _table(b.doc, 5, widths, grid=True)
    head, opening, row, closing, total = table.rows
    for cell, label in zip(head.cells, words["alloc_cols"]):
        _shade(cell)
        _para(cell, label, bold=True, size=8.5, align="center")
    for cell, value, align in zip(row.cells, ("{{ a.number }}", "{{ a.date }}",
                                              "{{ a.amount }} {{ payment.currency }}"), ("left", "center", "right")):
        _para(cell, value, size=9, align=align)
    _para(opening.cells[0], "{%tr for a in payment.allocations %}")
    _para(closing.cells[0], "{%tr endfor %}")
    _para(total.cells[0].merge(total.cells[1]), words["alloc_total"], bold=True, size=9, align="right")
    _para(total.cells[2], "{{ payment.amount }} {{ payment.currency }}", bold=True, size=9, align="right")
    _gap(b.doc, 6)


# --- contracts ----------------------------------------------------------------------------------

def _roles(b: Build) -> dict[str, str]:
    roles = dict(b.t["contract"]["roles"][b.kind])
    roles["CU"] = roles["C"].upper()
    return roles


def _num(b: Build, value: int) -> str:
    return str(value).translate(KHMER_DIGITS) if b.lang == "km" else str(value)


def contract_title(b: Build) -> None:
    words = b.t["contract"]
    _para(b.doc, _fill(words["title_fmt"], {"title": b.t["title"][b.kind]}), bold=True, size=13, align="center",
          before=4, after=8)
    table = _table(b.doc, 1, [b.width / 2, b.width / 2])
    _para(table.cell(0, 0), words["city"])
    _para(table.cell(0, 1), "{{ doc.date }}", align="right")
    _gap(b.doc, 6)


def preamble(b: Build) -> None:
    words = b.t["contract"]
    _para(b.doc, _fill(words["preamble"], _roles(b)), align="justify" if words["justify"] else None, after=6)


def _heading(b: Build, n: int, text: str) -> None:
    words = b.t["contract"]
    _para(b.doc, _fill(words["heading_fmt"], {"n": _num(b, n), "title": text}), bold=True, before=8, after=4,
          keep=True, align="center" if words["center"] else None)


def sections(b: Build) -> None:
    """The numbered sections: the kind's own (subject, price, delivery, quality) then the common ones."""
    words, roles = b.t["contract"], _roles(b)
    for n, (heading, clauses) in enumerate(words["sections"][b.kind] + words["common"], start=1):
        _heading(b, n, _fill(heading, roles))
        for m, clause in enumerate(clauses, start=1):
            number = _fill(words["clause_fmt"], {"n": _num(b, n), "m": _num(b, m)})
            _para(b.doc, number + _fill(clause, roles), align="justify" if words["justify"] else None, after=3)


def requisites(b: Build) -> None:
    """Both parties' requisites side by side, then the signature lines and the places for the stamps."""
    words, roles = b.t["contract"], _roles(b)
    n = len(words["sections"][b.kind]) + len(words["common"]) + 1
    _heading(b, n, words["requisites"])
    table = _table(b.doc, 2, [b.width / 2, b.width / 2], grid=True)
    seller, buyer = table.rows[0].cells
    _para(seller, roles["S"].upper(), bold=True, after=3)
    _para(seller, "{{ company.legal_name }}", bold=True, after=2)
    for line in ("{address}: {{ company.address }}", "{tax_full}: {{ company.tax_id }}",
                 "{bank}: {{ company.bank_name }}", "{account}: {{ company.bank_account }}",
                 "{bic}: {{ company.bank_bic }}", "{phone}: {{ company.phone }}", "{email}: {{ company.email }}"):
        _para(seller, b.req(line), size=9)
    _para(buyer, roles["B"].upper(), bold=True, after=3)
    _para(buyer, "{{ client.legal_name }}", bold=True, after=2)
    for line in ("{address}: {{ client.address }}", "{tax_full}: {{ client.tax_id }}", "{phone}: {{ client.phone }}",
                 "{email}: {{ client.email }}", "{contact}: {{ client.contact }}"):
        _para(buyer, b.req(line), size=9)
    for cell, (who, name) in zip(table.rows[1].cells, (("director", "{{ company.director }}"),
                                                      ("representative", "{{ client.contact }}"))):
        _sign_item(b, cell, ("sign", who, name))
        _sign_item(b, cell, ("stamp",))


def appendix(b: Build) -> None:
    """Appendix No. 1, the Specification: the lines, the totals and both signatures."""
    words, roles = b.t["contract"], _roles(b)
    heading = _para(b.doc, _fill(words["appendix"], roles), size=9, align="right", after=8)
    heading.paragraph_format.page_break_before = True
    _para(b.doc, words["spec_title"], bold=True, size=12, align="center", after=8)
    lines(b)
    totals(b)
    words_line = _fill(words["spec_terms"], roles)
    _para(b.doc, [(b.t["words"] + " ", True), ("{{ contract.total_words }}", False)], before=6, after=4)
    _para(b.doc, words_line, size=9, after=8)
    signs(b, ((("head_text", roles["S"]), ("sign", "director", "{{ company.director }}"), ("stamp",)),
              (("head_text", roles["B"]), ("sign", "representative", "{{ client.contact }}"), ("stamp",))))


# --- payslips ----------------------------------------------------------------------------------

PAYSLIP_SECTIONS = (("earnings", "gross"), ("deductions", "deductions"), ("contributions", "contributions"))


def payslip_head(b: Build) -> None:
    """The title, the month and the run, and the note of a payslip that is not final or corrects another.

    No date in the title (the month is the payslip's date), so that it keeps to one line in every language.
    """
    words = PAYSLIP_WORDS[b.lang]
    _para(b.doc, words["title"], bold=True, size=13, align="center", before=4, after=2)
    _para(b.doc, words["subtitle"], size=9.5, align="center", after=6)
    _para(b.doc, "{%p if run.note %}")
    _para(b.doc, "{{ run.note }}", bold=True, italic=True, size=9, align="center", after=6)
    _para(b.doc, "{%p endif %}")


def payslip_employee(b: Build) -> None:
    """Who is paid (left) and the month's days and hours (right)."""
    words = PAYSLIP_WORDS[b.lang]
    left_w = b.width * 0.5
    table = _table(b.doc, 1, [left_w, b.width - left_w], grid=True)
    left, right = table.rows[0].cells
    _para(left, words["employee"], bold=True, size=8, grey=True)
    _para(left, "{{ employee.name }}", bold=True)
    for key in ("number", "position", "department", "tax_id"):
        _para(left, [(b.colon(words[key] + ": "), True), ("{{ employee.%s }}" % key, False)], size=9)
    for key in ("period", "days", "hours", "currency"):
        _para(right, b.colon(words[key]), size=9, after=2)
    _gap(b.doc, 4)


def payslip_lines(b: Build) -> None:
    """One table, three sections (earnings, deductions, contributions): a heading, the loop row, the subtotal."""
    words = PAYSLIP_WORDS[b.lang]
    weights = [0.8, 4.2, 7.6, 2.4]
    widths = [b.width * w / sum(weights) for w in weights]
    table = _table(b.doc, 1 + 5 * len(PAYSLIP_SECTIONS), widths, grid=True)
    head = table.rows[0]
    for cell, label in zip(head.cells, words["cols"]):
        _shade(cell)
        _para(cell, label, bold=True, size=8, align="center")
    _repeat_header(head)
    for n, (section, total) in enumerate(PAYSLIP_SECTIONS):
        heading, opening, row, closing, subtotal = table.rows[1 + 5 * n:6 + 5 * n]
        merged = heading.cells[0].merge(heading.cells[3])
        _shade(merged, "F2F2F2")
        _para(merged, words["sections"][section], bold=True, size=9)
        _para(opening.cells[0], "{%%tr for l in %s %%}" % section)
        for cell, value, align, grey in zip(row.cells, ("{{ l.no }}", "{{ l.name }}", "{{ l.explanation }}",
                                                        "{{ l.amount }}"),
                                            ("center", "left", "left", "right"), (False, False, True, False)):
            _para(cell, value, size=7.5 if grey else 8.5, align=align, grey=grey)
            if b.lang == "km":  # an exact line height: Khmer OS System's own (1.8 em) doubles every row
                cell.paragraphs[-1].paragraph_format.line_spacing = Pt(12)
        _para(closing.cells[0], "{%tr endfor %}")
        label = subtotal.cells[0].merge(subtotal.cells[2])
        _para(label, words["subtotals"][section], bold=True, size=8.5, align="right")
        _para(subtotal.cells[3], "{{ totals.%s }}" % total, bold=True, size=8.5, align="right")
    _gap(b.doc, 4)


def payslip_totals(b: Build) -> None:
    """Gross, deductions and net pay in a box on the right; net pay in words; the company's cost."""
    words = PAYSLIP_WORDS[b.lang]
    table = _table(b.doc, 3, [6.2, 3.8], grid=True, align="right")
    for row, key in zip(table.rows, ("gross", "deductions", "net")):
        strong = key == "net"
        _para(row.cells[0], words[key], bold=strong, size=9, align="right")
        _para(row.cells[1], "{{ totals.%s }} {{ totals.currency }}" % key, bold=strong, size=9, align="right")
    _para(b.doc, [(words["words"] + " ", True), ("{{ net_words }}", False)], before=6, after=4)
    _para(b.doc, words["cost"], size=8, grey=True, after=8)


def payslip_signs(b: Build) -> None:
    words = PAYSLIP_WORDS[b.lang]
    signs(b, ((("head_text", words["employer"]), ("sign", "accountant", "{{ company.accountant }}"), ("stamp",)),
              (("head_text", words["employee"]), ("sign", "received", "{{ employee.name }}"), ("date",))))


BLOCKS = {f.__name__: f for f in (header, title, client_box, bank, parties, lines, totals, second, in_words, terms,
                                  notice, notes, statement, signs, upd_head, upd_basis, upd_signs, payment,
                                  allocations, contract_title, preamble, sections, requisites, appendix,
                                  payslip_head, payslip_employee, payslip_lines, payslip_totals, payslip_signs)}


def build_template(kind_code: str, language: str) -> DocxDocument:
    """One template, as a python-docx Document."""
    layout = LAYOUTS[kind_code]
    doc = Document()
    width = _setup(doc, kind_code, language, layout)
    b = Build(doc, kind_code, language, WORDS[language], layout, width)
    for block in layout.blocks:
        BLOCKS[block](b)
    last = doc.paragraphs[-1].paragraph_format  # the gap after the last table must not push a page over
    last.line_spacing, last.space_after = Pt(1), Pt(0)
    _footer(b)
    return doc


def build_templates(out_dir: Path = ROOT / "templates") -> list[Path]:
    """Write every kind × language to out_dir/<family>/<kind>.<lang>.docx; the paths written."""
    written = []
    for code, kind in KINDS.items():
        for language in LANGUAGES:
            path = out_dir / kind.family / f"{code}.{language}.docx"
            path.parent.mkdir(parents=True, exist_ok=True)
            build_template(code, language).save(path)
            written.append(path)
    return written


if __name__ == "__main__":
    for written_path in build_templates():
        print(written_path)
