"""CSV, xlsx and JSON exports of any filtered view of the client list."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any, Iterable

import xlsxwriter
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .models import (
    Address,
    Counterparty,
    Email,
    LeadSource,
    Phone,
    Segment,
    Tag,
    counterparty_tags,
)

COLUMNS: list[tuple[str, str]] = [
    ("id", "ID"), ("kind", "Kind"), ("person_type", "Type"), ("name", "Name"), ("legal_name", "Legal name"),
    ("country", "Country"), ("tax_id", "Tax ID"), ("phones", "Phones"), ("emails", "Emails"),
    ("segment", "Segment"), ("lead_source", "Lead source"), ("tags", "Tags"), ("manager_id", "Manager"),
    ("branch_id", "Branch"), ("consent_to_mailings", "Consent"), ("notes", "Notes"),
    ("created_at", "Created"), ("updated_at", "Updated"), ("archived_at", "Archived"), ("version", "Version"),
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cells(c: Counterparty, extra_keys: list[str]) -> list[Any]:
    values: dict[str, Any] = {
        "phones": ", ".join(p.e164 for p in c.phones),
        "emails": ", ".join(e.email for e in c.emails),
        "tags": ", ".join(t.name for t in c.tags),
        "segment": c.segment_ref.code if c.segment_ref else None,
        "lead_source": c.lead_source_ref.code if c.lead_source_ref else None,
    }
    row = [values[k] if k in values else getattr(c, k) for k, _ in COLUMNS]
    row += [(c.extra or {}).get(k) for k in extra_keys]
    return row


def safe_text(value: str) -> str:
    """Text that a spreadsheet would read as a formula is prefixed with an apostrophe (CSV only)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(rows: Iterable[Counterparty], extra_keys: list[str]) -> bytes:
    buf = io.StringIO()
    # A BOM so Excel opens Khmer and Cyrillic text as UTF-8.
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow([label for _, label in COLUMNS] + [f"extra.{k}" for k in extra_keys])
    for c in rows:
        w.writerow(["" if v is None else safe_text(v.isoformat() if hasattr(v, "isoformat") else str(v))
                    for v in _cells(c, extra_keys)])
    return buf.getvalue().encode("utf-8")


def to_json(session: Session, filtered: Select[Any]) -> bytes:
    """The view as the workbooks read it: one object per client with its phones, emails, addresses and tags,
    values as stored (no formula guard: the workbook writes every text as text), ordered by name.

    Read column by column in five statements for the whole view (not object by object): a workbook
    pulls the entire base, 100,000 clients, on every Sync.
    """
    C = Counterparty
    ids = select(filtered.with_only_columns(C.id).subquery().c.id)
    children: dict[str, dict[int, list[Any]]] = {"phones": {}, "emails": {}, "addresses": {}, "tags": {}}
    for key, stmt, shape in (
        ("phones", select(Phone.counterparty_id, Phone.e164, Phone.kind).order_by(Phone.counterparty_id, Phone.position),
         lambda r: {"number": r[1], "kind": r[2]}),
        ("emails", select(Email.counterparty_id, Email.email, Email.kind).order_by(Email.counterparty_id, Email.position),
         lambda r: {"email": r[1], "kind": r[2]}),
        ("addresses", select(Address.counterparty_id, Address.kind, Address.country, Address.region, Address.city,
                             Address.line1, Address.line2, Address.postal_code)
         .order_by(Address.counterparty_id, Address.position),
         lambda r: dict(zip(("kind", "country", "region", "city", "line1", "line2", "postal_code"), r[1:]))),
        ("tags", select(counterparty_tags.c.counterparty_id, Tag.name).join(Tag, Tag.id == counterparty_tags.c.tag_id)
         .order_by(counterparty_tags.c.counterparty_id, Tag.name), lambda r: r[1]),
    ):
        table = children[key]
        for row in session.execute(stmt.where(stmt.selected_columns[0].in_(ids))):
            table.setdefault(row[0], []).append(shape(row))
    rows = session.execute(
        select(C.id, C.version, C.kind, C.person_type, C.name, C.legal_name, C.country, C.tax_id, Segment.code,
               LeadSource.code, C.manager_id, C.branch_id, C.consent_to_mailings, C.notes, C.extra, C.archived_at)
        .outerjoin(Segment, Segment.id == C.segment_id).outerjoin(LeadSource, LeadSource.id == C.lead_source_id)
        .where(C.id.in_(ids)).order_by(C.name, C.id))
    out = [{
        "id": r[0], "version": r[1], "kind": r[2], "person_type": r[3], "name": r[4], "legal_name": r[5],
        "country": r[6], "tax_id": r[7], "phones": children["phones"].get(r[0], []),
        "emails": children["emails"].get(r[0], []), "addresses": children["addresses"].get(r[0], []),
        "segment": r[8], "lead_source": r[9], "manager_id": r[10], "branch_id": r[11],
        "tags": children["tags"].get(r[0], []), "consent_to_mailings": r[12], "notes": r[13], "extra": r[14] or {},
        "archived": r[15] is not None,
    } for r in rows]
    return json.dumps({"items": out}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def to_xlsx(rows: Iterable[Counterparty], extra_keys: list[str], extra_types: dict[str, str] | None = None) -> bytes:
    """The view as a sheet; extra fields of type number and date become numbers and dates Excel can add up."""
    out = io.BytesIO()
    # strings_to_formulas off: a client named "=1+1" stays text in the sheet.
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "constant_memory": True})
    ws = wb.add_worksheet("Clients")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    dates = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    days = wb.add_format({"num_format": "yyyy-mm-dd"})
    typed = {len(COLUMNS) + i: (extra_types or {}).get(k) for i, k in enumerate(extra_keys)}
    headers = [label for _, label in COLUMNS] + [f"extra.{k}" for k in extra_keys]
    ws.write_row(0, 0, headers, bold)
    n = 0
    for n, c in enumerate(rows, start=1):
        for col, value in enumerate(_cells(c, extra_keys)):
            if value is None:
                continue
            if typed.get(col) == "number" and isinstance(value, str):
                ws.write_number(n, col, float(Decimal(value)))
            elif typed.get(col) == "date" and isinstance(value, str):
                ws.write_datetime(n, col, dt.datetime.combine(dt.date.fromisoformat(value), dt.time()), days)
            elif hasattr(value, "tzinfo"):
                ws.write_datetime(n, col, value.replace(tzinfo=None), dates)
            elif isinstance(value, bool):
                ws.write_boolean(n, col, value)
            elif isinstance(value, int):
                ws.write_number(n, col, value)
            else:
                ws.write_string(n, col, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
    ws.set_column(0, 0, 8)
    ws.set_column(3, 4, 30)
    ws.set_column(5, len(headers) - 1, 16)
    wb.close()
    return out.getvalue()
