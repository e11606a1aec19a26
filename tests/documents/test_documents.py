"""Documents as a reader and a clerk see them: generated, read back, numbered, signed, missing, packaged."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from server.core import dates
from server.documents.models import Document, DocumentFile, DocumentStatusChange
from server.sales.models import NumberSeries

from tests.factories import HOSTILE_CLIENT_NAME, DocBooks, docx_text, line, problem


@pytest.fixture
def b(db: Any, world: Any, api: Any) -> DocBooks:
    return DocBooks(db, world, api)


def test_an_invoice_reads_back_with_its_figures_words_and_the_client_literal(b: DocBooks, db: Any) -> None:
    inv = b.sale(b.hostile)
    doc = b.made("invoice", inv["id"])
    assert doc["number"] == inv["number"] and doc["status"] == "drafted" and doc["language"] == "en"
    data = b.file(doc["id"])
    assert hashlib.sha256(data).hexdigest() == doc["sha256"]
    text = docx_text(data)
    assert inv["number"] in text
    assert HOSTILE_CLIENT_NAME in text                                  # escaped into the XML, shown literally, not run
    assert "49" not in text.replace(inv["number"], "")      # {{ 7*7 }} from data is never evaluated
    assert "Angkor Trading Co., Ltd." in text and "K001-901234567" in text and "Sokha Chan" in text
    assert "37.50" in text and "100.00" in text             # line totals before tax
    assert "151.25" in text                                 # 137.50 + 10 % VAT
    assert "One hundred fifty-one US dollars and 25 cents" in text
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "word/media/cb_barcode.png" in names and "word/media/cb_qr.png" in names


def test_the_same_invoice_in_khmer_and_russian_keeps_its_number(b: DocBooks) -> None:
    inv = b.sale(b.khmer)
    km = b.made("invoice", inv["id"], language="km")
    ru = b.made("invoice", inv["id"], language="ru")
    assert km["number"] == ru["number"] == inv["number"] and km["id"] != ru["id"]
    km_text, ru_text = docx_text(b.file(km["id"])), docx_text(b.file(ru["id"]))
    assert "ក្រុមហ៊ុន មេគង្គ ហ្វូដ" in km_text
    assert "មួយរយហាសិបមួយដុល្លារ" in km_text              # 151.25 USD in Khmer words
    assert re.search(r"[\u1780-\u17FF]{20}", km_text)
    assert "Сто пятьдесят один доллар США 25 центов" in ru_text
    assert "151,25" in ru_text                              # Russian decimal comma
    again = b.made("invoice", inv["id"], language="km")
    assert again["id"] == km["id"] and again["sha256"] == km["sha256"]


def test_a_draft_invoice_gets_no_document_and_nothing_is_written(b: DocBooks, unchanged: Any) -> None:
    r = b.invoice([line("W-1", "1", "10.00")])
    assert r.status_code == 201
    bill = b.posted([line("W-1", "1", "5.00")], kind="bill")
    with unchanged():
        problem(b.generate("invoice", r.json["id"]), 409, "invoice_not_posted")
        problem(b.generate("invoice", 987654), 404, "not_found")
        problem(b.generate("receipt", r.json["id"]), 404, "not_found")
        problem(b.generate("invoice", bill["id"]), 404, "not_found")          # a bill is the supplier's paper
        problem(b.generate("nonsense", r.json["id"]), 422, "validation_failed", fields={"kind": "invalid_choice"})
        problem(b.generate("invoice", r.json["id"], language="fr"), 422, "validation_failed")


def test_contracts_take_gap_free_numbers_and_a_failure_gives_its_number_back(b: DocBooks, db: Any,
                                                                            unchanged: Any) -> None:
    first, second, cancelled = b.order(), b.order(), b.order()
    r = b.api.post(f"/api/v1/orders/{cancelled['id']}/cancel", {"version": cancelled["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    year = dates.today().year
    one = b.made("sales_contract", first["id"])
    with unchanged():
        problem(b.generate("sales_contract", cancelled["id"]), 409, "order_cancelled")
    two = b.made("sales_contract", second["id"])
    assert (one["number"], two["number"]) == (f"CTR-PP-{year}-000001", f"CTR-PP-{year}-000002")
    assert b.made("sales_contract", first["id"], language="ru")["number"] == one["number"]
    with db.read_session() as s:
        assert s.scalar(select(NumberSeries.next_number).where(NumberSeries.kind == "doc_sales_contract")) == 3
    text = docx_text(b.file(two["id"]))
    assert two["number"] in text and "Sokha Shop" in text and "Sokha Chan" in text


def test_signing_moves_forward_with_dates_and_gives_a_contract_its_force(b: DocBooks, db: Any, world: Any,
                                                                        unchanged: Any) -> None:
    order = b.order()
    doc = b.made("sales_contract", order["id"])
    assert doc["legal_force"] is False and doc["history"] == []
    today = dates.today()
    r = b.api.post(f"/api/v1/documents/{doc['id']}/status", {"version": doc["version"], "status": "sent"})
    assert r.status_code == 200, r.get_data(as_text=True)
    sent = r.json
    assert sent["sent_on"] == today.isoformat() and sent["legal_force"] is False
    with unchanged():
        body = problem(b.api.post(f"/api/v1/documents/{doc['id']}/status",
                                  {"version": sent["version"], "status": "drafted"}), 409, "invalid_state")
        assert body["params"] == {"entity": "document", "id": doc["id"], "status": "sent", "action": "drafted",
                                  "allowed": "signed_by_us, signed_by_both, original_received"}
        assert body["allowed"] == ["signed_by_us", "signed_by_both", "original_received"]
        problem(b.api.post(f"/api/v1/documents/{doc['id']}/status",
                           {"version": sent["version"], "status": "signed_by_both",
                            "on": (today + dt.timedelta(days=1)).isoformat()}),
                422, "validation_failed", fields={"on": "date_in_future"})
        problem(b.api.post(f"/api/v1/documents/{doc['id']}/status", {"version": doc["version"], "status": "signed_by_us"}),
                409, "stale_version")
        problem(b.api.post(f"/api/v1/documents/{doc['id']}/status", {"version": sent["version"], "status": "lost"}),
                422, "validation_failed", fields={"status": "invalid_choice"})
        problem(b.generate("sales_contract", order["id"], regenerate=True), 409, "document_sent")
    r = b.api.as_(world.tokens["sales"]).post(f"/api/v1/documents/{doc['id']}/status",
                                              {"version": sent["version"], "status": "signed_by_both", "note": "met"})
    both = r.json
    assert both["legal_force"] is True
    assert both["signed_by_us_on"] == both["signed_by_both_on"] == today.isoformat()   # the skipped step is dated too
    assert [(h["from_status"], h["to_status"]) for h in both["history"]] == [("drafted", "sent"),
                                                                            ("sent", "signed_by_both")]
    assert both["history"][1]["changed_by"] == world.users["sales"] and both["history"][1]["note"] == "met"
    ops = b.api.get(f"/api/v1/operations?entity=document&entity_id={doc['id']}").json["items"]
    assert {o["action"] for o in ops} >= {"create", "status"}
    with db.read_session() as s:
        assert s.scalar(select(DocumentFile.sha256).where(DocumentFile.document_id == doc["id"])) == doc["sha256"]


def test_a_drafted_document_regenerates_in_place_keeping_its_number(b: DocBooks, db: Any) -> None:
    order = b.order()
    doc = b.made("proforma", order["id"])
    r = b.api.patch(f"/api/v1/orders/{order['id']}", {"version": order["version"], "notes": "Rush delivery"})
    assert r.status_code == 200, r.get_data(as_text=True)
    again = b.made("proforma", order["id"], regenerate=True)
    assert again["id"] == doc["id"] and again["number"] == doc["number"] and again["sha256"] != doc["sha256"]
    assert "Rush delivery" in docx_text(b.file(doc["id"]))


def test_the_gaps_report_names_what_is_missing_per_counterparty_and_manager(b: DocBooks, world: Any) -> None:
    old, new = b.order(), b.order(b.khmer)
    contract = b.made("sales_contract", old["id"])
    proforma = b.made("proforma", new["id"])
    inv = b.made("invoice", b.sale()["id"])
    for doc, steps in ((contract, ["sent", "signed_by_us"]), (inv, ["original_received"])):
        version = doc["version"]
        for step in steps:
            r = b.api.post(f"/api/v1/documents/{doc['id']}/status", {"version": version, "status": step})
            assert r.status_code == 200, r.get_data(as_text=True)
            version = r.json["version"]
    later = (dates.today() + dt.timedelta(days=40)).isoformat()
    report = b.api.get(f"/api/v1/documents/gaps?as_of={later}").json
    assert report["missing"] == 2
    by_number = {i["number"]: i for i in report["items"]}
    assert by_number[contract["number"]]["missing"] == "signature_theirs"
    assert by_number[contract["number"]]["legal_force"] is False and by_number[contract["number"]]["age_days"] == 40
    assert by_number[proforma["number"]]["missing"] == "signature_ours"
    assert by_number[proforma["number"]]["legal_force"] is None
    parties = {g["name"]: g for g in report["by_counterparty"]}
    assert parties["Sokha Shop"] == {"id": b.client, "name": "Sokha Shop", "missing": 1, "without_legal_force": 1,
                                     "oldest_days": 40}
    assert parties["ក្រុមហ៊ុន មេគង្គ ហ្វូដ"]["missing"] == 1
    assert sum(g["missing"] for g in report["by_manager"]) == 2
    only = b.api.get(f"/api/v1/documents/gaps?as_of={later}&counterparty_id={b.khmer}").json
    assert [i["number"] for i in only["items"]] == [proforma["number"]]
    problem(b.api.get("/api/v1/documents/gaps?as_of=28.11.2026"), 422, "validation_failed")
    problem(b.api.as_(world.tokens["warehouse"]).get("/api/v1/documents/gaps"), 403, "role_forbidden")


def test_the_package_of_an_order_holds_every_paper_once(b: DocBooks, db: Any) -> None:
    order = b.order()
    r = b.api.post(f"/api/v1/orders/{order['id']}/confirm", {"version": order["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    r = b.api.post(f"/api/v1/orders/{order['id']}/invoice", {"version": r.json["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    r = b.api.post(f"/api/v1/orders/{order['id']}/documents/package", {})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.data))
    kinds = [re.sub(r"^\d\d_", "", n).split("_")[0] for n in archive.namelist()]
    assert kinds[0] == "sales" and {"invoice", "waybill", "act", "upd"} <= set(kinds)
    invoice_number = next(n for n in archive.namelist() if n.split("_", 1)[1].startswith("invoice"))
    text = docx_text(archive.read(invoice_number))
    assert order["number"] in docx_text(archive.read(archive.namelist()[0])) or "Sokha Shop" in text
    first_ids = r.headers["X-Document-Ids"]
    again = b.api.post(f"/api/v1/orders/{order['id']}/documents/package", {})
    assert again.headers["X-Document-Ids"] == first_ids                        # reused, not numbered again
    with db.read_session() as s:
        assert len(s.scalars(select(Document.id).where(Document.order_id == order["id"])).all()) == len(kinds)


def test_documents_follow_branch_scope_and_roles(b: DocBooks, world: Any, db: Any) -> None:
    r = b.invoice([line("W-1", "1", "10.00")], branch_id=world.branches["SR"], post=True)
    assert r.status_code == 201, r.get_data(as_text=True)
    doc = b.made("invoice", r.json["id"])
    sales_pp = b.api.as_(world.tokens["sales_pp"])
    problem(sales_pp.get(f"/api/v1/documents/{doc['id']}"), 403, "out_of_branch_scope")
    problem(b.generate("invoice", r.json["id"], as_=sales_pp), 403, "out_of_branch_scope")
    assert sales_pp.get("/api/v1/documents").json["total"] == 0
    problem(b.api.as_(world.tokens["hr"]).get(f"/api/v1/documents/{doc['id']}/file"), 403, "role_forbidden")
    problem(b.api.get(f"/api/v1/documents/{doc['id']}/file?format=pdf"), 404, "not_found")
    listed = b.api.get(f"/api/v1/documents?invoice_id={r.json['id']}").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == doc["id"]


def test_a_receipt_lists_what_the_payment_paid(b: DocBooks, db: Any) -> None:
    inv = b.sale()
    r = b.api.post("/api/v1/cash-accounts", {"branch_id": b.pp, "kind": "cash", "code": "CASH-PP", "name": "Cash desk PP",
                                             "currency": "USD"})
    assert r.status_code == 201, r.get_data(as_text=True)
    r = b.api.post("/api/v1/payments", {
        "kind": "receipt", "date": "2026-03-12", "cash_account_id": r.json["id"],
        "counterparty_id": b.client, "amount": "151.25", "memo": "Invoice in full",
        "allocations": [{"invoice_id": inv["id"], "amount": "151.25"}]})
    assert r.status_code == 201, r.get_data(as_text=True)
    doc = b.made("receipt", r.json["id"])
    text = docx_text(b.file(doc["id"]))
    assert "151.25" in text and inv["number"] in text and "Cash desk PP" in text
    assert "One hundred fifty-one US dollars and 25 cents" in text


def test_stored_documents_are_immutable_once_sent(b: DocBooks, db: Any) -> None:
    from server.core.posted import PostedRecordChanged

    doc = b.made("invoice", b.sale()["id"])
    b.api.post(f"/api/v1/documents/{doc['id']}/status", {"version": doc["version"], "status": "sent"})
    with db.write_session() as s, s.begin():
        row = s.get(Document, doc["id"])
        row.sha256 = "0" * 64
        with pytest.raises(PostedRecordChanged):
            s.flush()
        s.rollback()
    with db.read_session() as s:
        assert s.scalar(select(DocumentStatusChange.to_status).where(DocumentStatusChange.document_id == doc["id"])) == "sent"


def test_the_printed_barcode_and_qr_read_back_as_the_document_number(b: DocBooks, tmp_path: Any) -> None:
    import shutil
    import subprocess

    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbar-tools is not installed: run `make system-packages`"
    inv = b.sale()
    data = b.file(b.made("invoice", inv["id"])["id"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in ("barcode", "qr"):
            (tmp_path / f"{name}.png").write_bytes(archive.read(f"word/media/cb_{name}.png"))
    read = subprocess.run([zbarimg, "-q", "--raw", str(tmp_path / "barcode.png"), str(tmp_path / "qr.png")],
                          capture_output=True, text=True, check=True).stdout.splitlines()
    assert read[0] == inv["number"]
    assert read[1].split("|")[:3] == ["CB1", "invoice", inv["number"]] and "151.25 USD" in read[1]
