"""Building spreadsheets as people send them, and driving the imports API."""
from __future__ import annotations

import base64
import io
from typing import Any

import openpyxl


def xlsx(rows: list[list[Any]], *, title: list[list[Any]] | None = None, merge: list[str] | None = None,
         sheet: str = "Sheet1", extra_sheets: dict[str, list[list[Any]]] | None = None) -> bytes:
    """An .xlsx with `title` rows above the table (as people add them) and `merge` ranges ("A1:D1")."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r in (title or []) + rows:
        ws.append(r)
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula, as a user typed it with a quote
    for m in merge or []:
        ws.merge_cells(m)
    for name, data in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for r in data:
            other.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload(api: Any, content: bytes, kind: str = "clients", name: str = "clients.xlsx", **extra: Any) -> Any:
    body = {"kind": kind, "file_name": name, "content_base64": base64.b64encode(content).decode(), **extra}
    return api.post("/api/v1/imports", json=body)


def planned(api: Any, content: bytes, kind: str = "clients", name: str = "clients.xlsx", **extra: Any) -> dict[str, Any]:
    r = upload(api, content, kind, name, **extra)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def commit(api: Any, imp: dict[str, Any], **extra: Any) -> Any:
    return api.post(f"/api/v1/imports/{imp['id']}/commit", json={"version": imp["version"], **extra})


def committed(api: Any, content: bytes, kind: str = "clients", **extra: Any) -> dict[str, Any]:
    imp = planned(api, content, kind, **extra)
    r = commit(api, imp)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def report(api: Any, imp: dict[str, Any], **query: Any) -> dict[str, Any]:
    r = api.get(f"/api/v1/imports/{imp['id']}/report", query_string={"limit": 100000, **query})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def by_row(rep: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in rep["rows"]}
