"""PDF through a real LibreOffice, read back as text; batches through the process pool with their progress."""
from __future__ import annotations

import io
import re
import time
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from server.documents import batch as batches
from server.documents import pdf
from server.documents.models import Document

from tests.factories import DocBooks, docx_text, line, problem


@pytest.fixture
def b(db: Any, world: Any, api: Any) -> DocBooks:
    return DocBooks(db, world, api)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_libreoffice_is_installed_for_the_suite() -> None:
    # `make test` installs it; without it the PDF tests below would have nothing to check.
    assert pdf.available(), "LibreOffice (soffice) is not installed: run `make system-packages`"


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_an_invoice_as_pdf_reads_back_in_each_language(b: DocBooks) -> None:
    inv = b.sale(b.khmer)
    texts = {}
    for language in ("en", "ru", "km"):
        doc = b.made("invoice", inv["id"], language=language, pdf=True)
        assert doc["files"] == ["docx", "pdf"]
        texts[language] = pdf_text(b.file(doc["id"], "pdf"))
        assert inv["number"] in texts[language]
    assert "151.25" in texts["en"] and "One hundred fifty-one US dollars" in texts["en"]
    assert re.search(r"151,25", texts["ru"]) and "Сто пятьдесят один доллар США" in texts["ru"]
    assert re.search(r"[\u1780-\u17FF]", texts["km"])          # Khmer text is in the PDF's text layer


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_a_batch_renders_in_the_pool_reports_progress_and_refusals(b: DocBooks, db: Any, world: Any) -> None:
    invoices = [b.sale(lines=[line("W-1", str(n), "3.00")])["id"] for n in range(1, 8)]
    draft = b.invoice([line("W-1", "1", "10.00")]).json["id"]
    r = b.api.post("/api/v1/document-batches", {"kind": "invoice", "source_ids": invoices + [draft, invoices[0]],
                                                "pdf": True})
    assert r.status_code == 202, r.get_data(as_text=True)
    assert r.json["total"] == 8 and r.json["status"] == "queued"
    batch_id = r.json["id"]
    deadline = time.monotonic() + 180
    while True:
        state = b.api.get(f"/api/v1/document-batches/{batch_id}").json
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert state["status"] == "done", state
    assert state["done"] == 8 and len(state["document_ids"]) == 7
    assert state["errors"] == [{"source_id": draft, "code": "invoice_not_posted",
                                "params": {"id": draft, "status": "draft"}}]
    last = state["document_ids"][-1]
    assert "21.00" in docx_text(b.file(last))                     # 7 × 3.00
    assert pdf_text(b.file(last, "pdf")).count("21.00") >= 1
    # A second batch of the same invoices registers nothing new.
    with db.read_session() as s:
        before = s.scalar(select(func.count()).select_from(Document))
    with db.write_session() as s, s.begin():
        second = batches.start_batch(s, world.actor(), "invoice", invoices, None, False).id
    seen = []
    result = batches.run_batch(db, world.actor(), second, workers=1, progress=lambda d, t: seen.append((d, t)))
    assert result.document_ids == state["document_ids"] and seen == [(7, 7)]
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == before


def test_batch_input_is_checked_and_other_companies_batches_are_not_found(b: DocBooks, world: Any,
                                                                           unchanged: Any) -> None:
    with unchanged():
        problem(b.api.post("/api/v1/document-batches", {"kind": "invoice", "source_ids": []}), 422,
                "validation_failed", fields={"source_ids": "too_short"})
        problem(b.api.post("/api/v1/document-batches", {"kind": "invoice", "source_ids": [0]}), 422,
                "validation_failed", fields={"source_ids.0": "too_small"})
        problem(b.api.post("/api/v1/document-batches", {"kind": "letter", "source_ids": [1]}), 422,
                "validation_failed", fields={"kind": "invalid_choice"})
        problem(b.api.as_(world.tokens["warehouse"]).post("/api/v1/document-batches",
                                                          {"kind": "invoice", "source_ids": [1]}), 403, "role_forbidden")
        problem(b.api.get("/api/v1/document-batches/999999"), 404, "not_found")


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_a_pdf_conversion_of_many_files_is_one_libreoffice_run(b: DocBooks) -> None:
    files = {f"{i}.docx": b.file(b.made("invoice", b.sale()["id"])["id"]) for i in range(3)}
    started = time.monotonic()
    out = pdf.convert(files)
    assert sorted(out) == sorted(files) and all(v.startswith(b"%PDF-") for v in out.values())
    assert time.monotonic() - started < 120


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_package_with_pdf_has_both_files_of_each_paper(b: DocBooks) -> None:
    order = b.order()
    r = b.api.post(f"/api/v1/orders/{order['id']}/documents/package", {"pdf": True, "language": "ru"})
    assert r.status_code == 200, r.get_data(as_text=True)
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == len([n for n in names if n.endswith(".docx")]) == 2
    with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
        contract_pdf = next(n for n in names if n.endswith(".pdf") and "contract" in n)
        assert "Sokha Shop" in pdf_text(archive.read(contract_pdf))


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_the_pdf_of_a_sent_paper_is_made_from_its_stored_file(b: DocBooks, db: Any, world: Any) -> None:
    doc = b.made("invoice", b.sale()["id"])
    r = b.api.post(f"/api/v1/documents/{doc['id']}/status", {"version": doc["version"], "status": "sent"})
    assert r.status_code == 200, r.get_data(as_text=True)
    stored = b.file(doc["id"])
    again = b.made("invoice", doc["invoice_id"], pdf=True)          # asked once more, now with its PDF
    assert again["id"] == doc["id"] and again["sha256"] == doc["sha256"] and again["files"] == ["docx", "pdf"]
    assert b.file(doc["id"]) == stored and doc["number"] in pdf_text(b.file(doc["id"], "pdf"))
    second = b.made("invoice", b.sale()["id"])
    with db.write_session() as s, s.begin():
        batch_id = batches.start_batch(s, world.actor(), "invoice", [doc["invoice_id"], second["invoice_id"]],
                                       None, True).id
    result = batches.run_batch(db, world.actor(), batch_id, workers=1)
    assert result.document_ids == [doc["id"], second["id"]]
    assert second["number"] in pdf_text(b.file(second["id"], "pdf")) and b.file(doc["id"]) == stored
