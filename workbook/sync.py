"""What every workbook's Sync does with its sheets: read a table and its snapshot, write rows back as text-safe values.

Only xlwings' public API is used here, so the same code runs in Excel and on the headless engine.
Excel hands numbers over as floats; they become text or Decimal once, here at the edge.
"""
from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

# A cell as text and as Decimal: defined with the day notation, which the server shares.
from notation.timesheet import cell_decimal as decimal, cell_text as text  # noqa: F401  (re-exported for the workbooks)
from .layout import CONFIG_SHEET, FIRST_ROW, LANGUAGES, LISTS_SHEET, Table, snapshot_sheet

# A cell holds at most 32,767 characters; the snapshot packs rows into cells below that.
SNAPSHOT_CELL = 30_000
# Text a spreadsheet would take for a formula: written so that it stays text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Row:
    """One row of a table as the user left it: its sheet row, its values by column key."""
    number: int
    values: dict[str, Any]

    @property
    def id(self) -> Optional[int]:
        value = self.values.get("id")
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    @property
    def version(self) -> Optional[int]:
        value = self.values.get("version")
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class Config:
    url: str
    language: str
    stem: str


def config(book: Any) -> Config:
    """The workbook's settings sheet: server URL, language, which workbook it is."""
    sheet = book.sheets[CONFIG_SHEET]
    last = sheet.range("A1").expand("down").last_cell.row     # keys run down column A; values may be blank
    values = sheet.range((1, 1), (last, 2)).options(ndim=2).value
    settings = {str(k): v for k, v in values if k}
    language = str(settings.get("ClientBase Language") or "en")
    return Config(url=str(settings.get("ClientBase URL") or "http://127.0.0.1:5000"),
                  language=language if language in LANGUAGES else "en",
                  stem=str(settings.get("ClientBase Workbook") or ""))


def table_sheet(book: Any, table: Table) -> Any:
    """The table's sheet, whichever language the workbook was built in."""
    names = {s.name.lower(): s for s in book.sheets}
    for name in table.sheet:
        if name.lower() in names:
            return names[name.lower()]
    raise LookupError(f"the workbook has no sheet for {table.name} ({', '.join(table.sheet)})")


# What a yes/no cell may say, in the workbooks' three languages (a dropdown offers "yes" and "no").
YES = ("yes", "true", "1", "да", "បាទ", "ចាស")


def is_yes(value: Any) -> bool:
    """A yes/no cell: yes (or TRUE, 1, да, បាទ, ចាស) is True; anything else, blank included, is False."""
    return (text(value) or "").lower() in YES


# And no, in the same languages.
NO = ("no", "false", "0", "нет", "ទេ")


def is_yes_or_no(value: Any) -> bool:
    """Whether a yes/no cell says one of the two (blank is no): anything else is refused, not read as no."""
    said = (text(value) or "").lower()
    return not said or said in YES or said in NO


def read_rows(sheet: Any, table: Table) -> list[Row]:
    """Every non-blank row under the header, by column key; blank rows in between are skipped."""
    width = len(table.columns)
    bottom = _bottom(sheet)
    if bottom < FIRST_ROW:
        return []
    values = sheet.range((FIRST_ROW, 1), (bottom, width)).options(ndim=2).value
    rows = []
    for offset, cells in enumerate(values):
        if any(c is not None and c != "" for c in cells):
            rows.append(Row(FIRST_ROW + offset, dict(zip(table.keys, cells))))
    return rows


def _bottom(sheet: Any) -> int:
    """The last row with anything in the table's columns (a user may leave gaps, or fill only column C)."""
    used = sheet.used_range
    return used.last_cell.row if used.last_cell.row >= FIRST_ROW else 0


def read_snapshot(book: Any, table: Table) -> dict[int, dict[str, Any]]:
    """What the last Sync wrote, by id."""
    sheet = book.sheets[snapshot_sheet(table)]
    bottom = sheet.used_range.last_cell.row
    if bottom < 2:
        return {}
    chunks = sheet.range((2, 1), (bottom, 1)).options(ndim=1).value
    out = {}
    for chunk in chunks:
        for cells in json.loads(chunk) if chunk else ():
            row = dict(zip(table.keys, cells))
            if isinstance(row.get("id"), (int, float)):
                out[int(row["id"])] = row
    return out


def save(book: Any) -> None:
    """Save the workbook where it is; its file keeps its permissions and owner (the engine sees to it, as Excel does)."""
    book.save()


def safe_cell(value: Any) -> Any:
    """A value as it must be written: text that looks like a formula is prefixed with Excel's quote mark."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_rows(sheet: Any, table: Table, rows: list[list[Any]], clear_to: int) -> None:
    """Replace the table's body with `rows` (lists in column order), clearing what was below."""
    width = len(table.columns)
    last = max(clear_to, FIRST_ROW + len(rows) - 1)
    if last >= FIRST_ROW:
        sheet.range((FIRST_ROW, 1), (last, width)).clear_contents()
    if rows:
        sheet.range((FIRST_ROW, 1)).value = [[safe_cell(v) for v in r] for r in rows]


def write_snapshot(book: Any, table: Any, rows: list[list[Any]], head: Optional[str] = None) -> None:
    """The pulled rows as JSON, many rows to a cell: a twentieth of the cells a copy of the table takes,
    which is most of the time a large workbook spends opening and saving. `head`, when given, is written
    first in A2 (payroll.xlsm keeps the grid's facts there)."""
    sheet = book.sheets[snapshot_sheet(table)]
    bottom = sheet.used_range.last_cell.row
    if bottom >= 2:
        sheet.range((2, 1), (bottom, 1)).clear_contents()
    chunks: list[str] = [] if head is None else [head]
    current: list[str] = []
    size = 0
    for row in rows:
        item = json.dumps([_plain(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        if current and size + len(item) > SNAPSHOT_CELL:
            chunks.append("[" + ",".join(current) + "]")
            current, size = [], 0
        current.append(item)
        size += len(item) + 1
    if current:
        chunks.append("[" + ",".join(current) + "]")
    if chunks:
        sheet.range((2, 1)).options(transpose=True).value = chunks


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def write_list(book: Any, name: str, values: list[str]) -> None:
    """Refresh one dropdown list on the lists sheet (its defined name counts the values)."""
    sheet = book.sheets[LISTS_SHEET]
    header = sheet.range("A1").expand("right").value
    header = header if isinstance(header, list) else [header]
    if name not in header:
        return
    col = header.index(name) + 1
    bottom = max(sheet.used_range.last_cell.row, 2)
    sheet.range((2, col), (bottom, col)).clear_contents()
    if values:
        sheet.range((2, col)).options(transpose=True).value = [safe_cell(v) for v in values]


# --- read-only sheets ------------------------------------------------------------------------------
# A report sheet (receivables, payslips, employees) is rewritten by every pull; a cell typed over there is
# kept as typed, over the fresh pull, with the reason in the row's status, until the user clears it.

READ_ONLY = {
    "typed": ("Read-only here: {fields} not saved (ClientBase fills this sheet in); your value stays until you "
              "clear it.",
              "អានតែប៉ុណ្ណោះនៅទីនេះ៖ {fields} មិនត្រូវបានរក្សាទុកទេ (ClientBase បំពេញសន្លឹកនេះ)៖ "
              "តម្លៃរបស់អ្នកនៅដដែលរហូតដល់អ្នកលុបវា។",
              "Только чтение: {fields} не сохранено (этот лист заполняет ClientBase); ваше значение останется, "
              "пока вы его не очистите."),
    "row": ("Read-only here: this row is not ClientBase's and was not saved; it stays until you delete it.",
            "អានតែប៉ុណ្ណោះនៅទីនេះ៖ ជួរនេះមិនមែនមកពី ClientBase ហើយមិនត្រូវបានរក្សាទុកទេ៖ វានៅដដែលរហូតដល់អ្នកលុបវា។",
            "Только чтение: этой строки нет в ClientBase, она не сохранена; она останется, пока вы её не удалите."),
}


@dataclass
class Typed:
    """What a user typed on a read-only sheet since the last pull: cells over pulled rows (by row key), and
    rows that match none."""
    cells: dict[tuple[Optional[str], ...], dict[str, Any]] = field(default_factory=dict)
    strays: list[Row] = field(default_factory=list)


def _has_sheet(book: Any, name: str) -> bool:
    return name.casefold() in {s.name.casefold() for s in book.sheets}


def typed_on_read_only(book: Any, sheet: Any, table: Table, key: tuple[str, ...]) -> Typed:
    """Compare a read-only sheet with what the last Sync wrote there. A cell emptied is not an edit (the pull
    fills it in again); a workbook built before this sheet had a snapshot has nothing to compare with."""
    typed = Typed()
    if not _has_sheet(book, snapshot_sheet(table)):
        return typed
    pulled = {}
    snap = book.sheets[snapshot_sheet(table)]
    bottom = snap.used_range.last_cell.row
    if bottom >= 2:
        for chunk in snap.range((2, 1), (bottom, 1)).options(ndim=1).value:
            for cells in json.loads(chunk) if chunk else ():
                row = dict(zip(table.keys, cells))
                pulled[tuple(text(row.get(k)) for k in key)] = row
    for row in read_rows(sheet, table):
        before = pulled.get(tuple(text(row.values.get(k)) for k in key))
        if before is None:
            typed.strays.append(row)
            continue
        cells = {c.key: row.values[c.key] for c in table.columns if c.key != "status"
                 and text(row.values.get(c.key)) not in (None, text(before.get(c.key)))}
        if cells:
            typed.cells[tuple(text(row.values.get(k)) for k in key)] = cells
    return typed


def write_read_only(book: Any, sheet: Any, table: Table, rows: list[dict[str, Any]], key: tuple[str, ...],
                    typed: Typed, language: str, summary: "Summary") -> None:
    """The pulled rows, with the cells typed over them kept and said in their status, then the rows that
    match none as typed; the snapshot is what was pulled."""
    at = LANGUAGES.index(language)
    body = []
    for row in rows:
        cells = typed.cells.get(tuple(text(row.get(k)) for k in key))
        values = dict(row)
        if cells:
            values.update(cells)
            fields = ", ".join(table.columns[table.index(k)].label(language) for k in cells)
            values["status"] = READ_ONLY["typed"][at].format(fields=fields)
            summary.refused += 1
        body.append([values.get(k) for k in table.keys])
    for row in typed.strays:
        body.append([{**row.values, "status": READ_ONLY["row"][at]}.get(k) for k in table.keys])
        summary.refused += 1
    bottom = sheet.used_range.last_cell.row
    write_rows(sheet, table, body, bottom)
    if _has_sheet(book, snapshot_sheet(table)):
        write_snapshot(book, table, [[row.get(k) for k in table.keys] for row in rows])


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    archived: int = 0
    refused: int = 0
    conflicts: int = 0
    pulled: int = 0
    # Rows of a request list (the Import sheet) done and refused in this Sync.
    requests_done: int = 0
    requests_refused: int = 0
    messages: list[str] = field(default_factory=list)
    # Seconds per step (read, diff, request, pull, write, save): what a slow Sync spends its time on.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def refusals(self) -> int:
        """Rows and requests refused or in conflict: what `clientbase workbooks sync` exits with status 3 for."""
        return self.refused + self.conflicts + self.requests_refused

    def timed(self, step: str, started: float) -> float:
        now = time.perf_counter()
        self.timings[step] = self.timings.get(step, 0.0) + now - started
        return now

    def line(self, language: str) -> str:
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        parts = {
            "en": (f"Synced {now}: {self.created} created, {self.updated} updated, {self.archived} archived, "
                   f"{self.refused} refused, {self.conflicts} conflicts; {self.pulled} rows from the server."),
            "km": (f"បានធ្វើសមកាលកម្ម {now}៖ បង្កើត {self.created} កែប្រែ {self.updated} ទុកក្នុងបណ្ណសារ "
                   f"{self.archived} បដិសេធ {self.refused} ជម្លោះ {self.conflicts}; {self.pulled} ជួរពីម៉ាស៊ីនមេ។"),
            "ru": (f"Синхронизировано {now}: создано {self.created}, изменено {self.updated}, в архиве "
                   f"{self.archived}, отклонено {self.refused}, конфликтов {self.conflicts}; "
                   f"строк с сервера: {self.pulled}."),
        }
        line = parts[language]
        if self.requests_done or self.requests_refused:
            line += " " + self.requests_line(language)
        return line

    def requests_line(self, language: str) -> str:
        """What the Sync did with a request list's rows (the Import sheet's second row shows it)."""
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        done, refused = self.requests_done, self.requests_refused
        return {"en": f"Imports {now}: {done} done, {refused} refused.",
                "km": f"ការនាំចូល {now}៖ បានធ្វើ {done} មិនបានធ្វើ {refused}។",
                "ru": f"Загрузки {now}: выполнено {done}, не выполнено {refused}."}[language]
