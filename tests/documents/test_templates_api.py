"""A company's own templates through the API: checked on upload, previewed, used, and the shape builders hand out."""
from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from docx import Document as Docx

from server.documents import context as builders
from server.documents.kinds import KINDS, known_paths, paths_of
from server.documents.service import plan, shipped_template_path

from tests.factories import DocBooks, docx_template, docx_text, problem


@pytest.fixture
def b(db: Any, world: Any, api: Any) -> DocBooks:
    return DocBooks(db, world, api)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def own_invoice() -> bytes:
    """The shipped English invoice with one more line of text, as a company edits it in Word."""
    doc = Docx(io.BytesIO(shipped_template_path("invoice", "en").read_bytes()))
    doc.add_paragraph("Thank you for your business, {{ client.name }}! Our bank: {{ company.bank_name }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_an_uploaded_template_is_checked_kept_and_used_until_archived(b: DocBooks, world: Any) -> None:
    mine = own_invoice()
    r = b.api.post("/api/v1/document-templates", {"kind": "invoice", "language": "en", "name": "With thanks",
                                                  "content_base64": b64(mine)})
    assert r.status_code == 201, r.get_data(as_text=True)
    tpl = r.json
    assert tpl["is_default"] is True and "client" in tpl["variables"] and len(tpl["sha256"]) == 64
    slots = {(s["kind"], s["language"]): s for s in b.api.get("/api/v1/document-templates").json["items"]}
    assert [t["id"] for t in slots[("invoice", "en")]["company_templates"]] == [tpl["id"]]
    assert slots[("invoice", "km")]["company_templates"] == [] and len(slots) == len(KINDS) * 3
    doc = b.made("invoice", b.sale()["id"])
    assert doc["template"] == f"company:{tpl['id']}"
    assert "Thank you for your business, Sokha Shop!" in docx_text(b.file(doc["id"]))
    assert b.api.get(f"/api/v1/document-templates/{tpl['id']}/file").data == mine
    r = b.api.post(f"/api/v1/document-templates/{tpl['id']}/archive", {"version": tpl["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    after = b.made("invoice", b.sale()["id"])
    assert after["template"] == "shipped:invoice.en"
    assert "Thank you for your business" not in docx_text(b.file(after["id"]))
    problem(b.api.as_(world.tokens["sales"]).post("/api/v1/document-templates", {
        "kind": "invoice", "language": "en", "name": "x", "content_base64": b64(own_invoice())}), 403, "role_forbidden")


@pytest.mark.parametrize("source, field_code", [
    ("{{ cycler.__init__.__globals__ }}", "template_not_allowed"),
    ("{{ ''.__class__.__mro__ }}", "template_not_allowed"),
    ("{{ doc|attr('__class__') }}", "template_not_allowed"),
    ("{{ company.nmae }}", "template_unknown_variable"),
    ("{% if %}", "template_syntax"),
])
def test_a_bad_template_is_refused_naming_why_and_nothing_is_kept(b: DocBooks, unchanged: Any, source: str,
                                                                  field_code: str) -> None:
    with unchanged():
        body = problem(b.api.post("/api/v1/document-templates", {
            "kind": "invoice", "language": "en", "name": "Bad", "content_base64": b64(docx_template(source))}),
            422, "validation_failed")
    assert ("file", field_code) in {(e["field"], e["code"]) for e in body["errors"]}
    assert all(e["message"] for e in body["errors"])        # a sentence a person reads, not a code


def test_upload_input_errors(b: DocBooks, unchanged: Any) -> None:
    with unchanged():
        problem(b.api.post("/api/v1/document-templates", {"kind": "invoice", "language": "en", "name": "x",
                                                          "content_base64": "not base64!"}),
                422, "validation_failed", fields={"content_base64": "not_base64"})
        problem(b.api.post("/api/v1/document-templates", {"kind": "invoice", "language": "en", "name": "x",
                                                          "content_base64": b64(b"just text")}),
                422, "validation_failed", fields={"file": "template_not_docx"})
        problem(b.api.post("/api/v1/document-templates", {"kind": "memo", "language": "en", "name": "x",
                                                          "content_base64": b64(own_invoice())}),
                422, "validation_failed", fields={"kind": "invalid_choice"})
    first = b.api.post("/api/v1/document-templates", {"kind": "invoice", "language": "en", "name": "Mine",
                                                      "content_base64": b64(own_invoice())})
    assert first.status_code == 201
    with unchanged():
        problem(b.api.post("/api/v1/document-templates", {"kind": "invoice", "language": "en", "name": "Mine",
                                                          "content_base64": b64(own_invoice())}),
                409, "duplicate", fields={"name": "already_exists"})


def test_preview_with_sample_or_real_data_registers_nothing(b: DocBooks, unchanged: Any) -> None:
    inv = b.sale()
    with unchanged():
        r = b.api.post("/api/v1/document-templates/preview", {"kind": "invoice", "language": "km"})
        assert r.status_code == 200 and "ក្រុមហ៊ុន មេគង្គ ហ្វូដ" in docx_text(r.data)
        r = b.api.post("/api/v1/document-templates/preview", {"kind": "invoice", "language": "en",
                                                              "source_id": inv["id"],
                                                              "content_base64": b64(own_invoice())})
        assert r.status_code == 200, r.get_data(as_text=True)
        text = docx_text(r.data)
        assert "PREVIEW" in text and "Thank you for your business, Sokha Shop!" in text
        problem(b.api.post("/api/v1/document-templates/preview", {"kind": "invoice", "language": "en",
                                                                  "content_base64": b64(docx_template("{{ x.y }}"))}),
                422, "validation_failed", fields={"file": "template_unknown_variable"})


def test_builders_hand_every_kind_the_shape_its_templates_may_use(b: DocBooks, db: Any, world: Any) -> None:
    inv = b.sale()
    order = b.order()
    cash = b.api.post("/api/v1/cash-accounts", {"branch_id": b.pp, "kind": "bank", "code": "BANK", "name": "ABA USD",
                                                "currency": "USD", "bank_name": "ABA Bank", "account_number": "000 111 222",
                                                "bic": "ABAAKHPP"}).json
    pay = b.api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-12", "cash_account_id": cash["id"],
                                          "counterparty_id": b.client, "amount": "10.00",
                                          "allocations": [{"invoice_id": inv["id"], "amount": "10.00"}]}).json
    sources = {"invoice": inv["id"], "order": order["id"], "payment": pay["id"]}
    with db.write_session() as s:
        trans = s.begin()  # rolled back: planning takes numbers, and nothing is registered here
        for code, k in KINDS.items():
            if k.source not in sources:  # payslips: tests/payroll/test_payslip_documents.py
                continue
            p = plan(s, world.actor(), code, sources[k.source], "en")
            assert paths_of(p.context) == known_paths(code), code
            assert p.context["company"]["bank_name"] == "ABA Bank" and p.context["company"]["bank_bic"] == "ABAAKHPP"
        trans.rollback()
    assert builders.with_codes(p.context)["qr"].png.startswith(b"\x89PNG")
