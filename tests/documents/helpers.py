"""Shared set-up of the documents tests: a company with requisites, products, a client, orders and invoices."""
from __future__ import annotations

import io
import zipfile
from typing import Any

from docx import Document as Docx

from tests.sales.test_invoices import Books, line

HOSTILE = 'Sokha <Shop> & "Sons" ]]> {{ 7*7 }} {% if 1 %}x{% endif %}'


def docx_text(data: bytes) -> str:
    """All the text a reader sees: paragraphs, tables (nested too), headers and footers."""
    doc = Docx(io.BytesIO(data))
    parts: list[str] = []

    def cells(tables: Any) -> None:
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)

    parts.extend(p.text for p in doc.paragraphs)
    cells(doc.tables)
    for section in doc.sections:
        for hf in (section.header, section.footer):
            parts.extend(p.text for p in hf.paragraphs)
            cells(hf.tables)
    return "\n".join(parts)


def zip_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


class DocBooks(Books):
    """Books with the company's requisites, a bank account, a hostile-named client and a Khmer-named one."""

    def __init__(self, db: Any, world: Any, api: Any) -> None:
        super().__init__(db, world, api)
        company = api.get("/api/v1/company").json
        r = api.patch("/api/v1/company", {
            "version": company["version"], "legal_name": "Angkor Trading Co., Ltd.", "tax_id": "K001-901234567",
            "address": "No. 12, Street 214, Phnom Penh", "phone": "+855 23 456 789",
            "email": "office@angkor.example", "director_name": "Sokha Chan", "accountant_name": "Dara Keo"})
        assert r.status_code == 200, r.get_data(as_text=True)
        self.hostile = self._party(HOSTILE)
        self.khmer = self._party("ក្រុមហ៊ុន មេគង្គ ហ្វូដ")

    def _party(self, name: str) -> int:
        r = self.api.post("/api/v1/clients", {"name": name, "kind": "client"})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json["id"]

    def sale(self, client: int | None = None, lines: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
        return self.posted(lines or [line("W-1", "3", "12.50"), line("SVC", "1", "100.00")],
                           counterparty_id=client or self.client, **kw)

    def order(self, client: int | None = None, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        r = self.api.post("/api/v1/orders", {
            "branch_id": self.pp, "counterparty_id": client or self.client, "date": "2026-03-10",
            "lines": lines or [line("W-1", "4", "25.00"), line("SVC", "2", "50.00")]})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json

    def generate(self, kind: str, source_id: int, as_: Any = None, **kw: Any) -> Any:
        return (as_ or self.api).post("/api/v1/documents", {"kind": kind, "source_id": source_id, **kw})

    def made(self, kind: str, source_id: int, **kw: Any) -> dict[str, Any]:
        r = self.generate(kind, source_id, **kw)
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json

    def file(self, doc_id: int, fmt: str = "docx") -> bytes:
        r = self.api.get(f"/api/v1/documents/{doc_id}/file?format={fmt}")
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.data
