"""The dry-run report as an .xlsx the user opens in Excel: one line per source row, errors by column."""
from __future__ import annotations

import io
import json
from typing import Any

import xlsxwriter

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


def xlsx(report: dict[str, Any], language: str = "en") -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Report")
    bold = book.add_format({"bold": True, "bg_color": "#D9D9D9"})
    formats = {a: book.add_format({"bg_color": c, "valign": "top", "text_wrap": True}) for a, c in COLOURS.items()}
    heads = HEADINGS.get(language, HEADINGS["en"])
    counts = report.get("counts", {})
    sheet.write_row(0, 0, [f"{k}: {v}" for k, v in counts.items()])
    sheet.write_row(1, 0, heads, bold)
    sheet.freeze_panes(2, 0)
    sheet.set_column(0, 0, 7)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 30)
    sheet.set_column(3, 4, 50)
    sheet.set_column(5, 5, 80)
    names = ACTIONS.get(language, ACTIONS["en"])
    for i, r in enumerate(report["rows"], start=2):
        fmt = formats.get(r["action"])
        # Sentences naming the row, the column's letter and header, and the value as typed.
        errors = "\n".join(describe(e, r["row"], language) for e in r.get("errors", []))
        notes = [describe(w, r["row"], language) for w in r.get("warnings", [])]
        if r.get("reason"):
            notes.insert(0, words(r["reason"], language, r.get("match")))
        sheet.write_number(i, 0, r["row"], fmt)
        sheet.write_string(i, 1, names.get(r["action"], r["action"]), fmt)
        sheet.write_string(i, 2, _match(r.get("match")), fmt)
        sheet.write_string(i, 3, errors, fmt)
        sheet.write_string(i, 4, "\n".join(notes), fmt)
        values = dict(r.get("values") or {})
        if r.get("changes"):
            values["changes"] = r["changes"]
        sheet.write_string(i, 5, _text(values), fmt)
    sheet.autofilter(1, 0, 1 + len(report["rows"]), 5)
    book.close()
    return buf.getvalue()
