"""clients.xlsm used as a person would: built, opened, typed into, synced through the headless engine."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import xlwings as xw
from sqlalchemy import select

from tests.factories import calc_pdf_text, sync_clients_book

from server.parties.models import Counterparty
from workbook import engine
from workbook.build import build, vba_project
from workbook.layout import CLIENTS, CLIENTS_BOOK, FIRST_ROW, snapshot_sheet


@pytest.fixture
def base(api: Any, world: Any, served: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Four clients on the server and a freshly built clients.xlsm that has never synced."""
    monkeypatch.setenv("CLIENTBASE_TOKEN", world.tokens["owner"])
    for name, extra in (("Angkor Foods", {"phones": [{"number": "012 345 678", "kind": "mobile"},
                                                     {"number": "017 222 333"}, {"number": "092 111 222"}]}),
                        ("Bayon Books", {"emails": [{"email": "info@bayon.example"}]}),
                        ("Chenla Cafe", {}), ("Dara Design", {"emails": [{"email": "dara@design.example"}]})):
        r = api.post("/api/v1/clients", {"name": name, **extra})
        assert r.status_code == 201, r.get_data(as_text=True)
    path = build(CLIENTS_BOOK, tmp_path / "wb", "en", served, {"branches": ["PP", "SR", "MOW"]})
    engine.activate()
    yield path


def table(path: Path) -> list[dict[str, Any]]:
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb[CLIENTS.sheet_name("en")]
    out = []
    for row in ws.iter_rows(min_row=FIRST_ROW, max_col=len(CLIENTS.columns), values_only=True):
        if any(v is not None for v in row):
            out.append(dict(zip(CLIENTS.keys, row)))
    return out


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rows}


def server_clients(db: Any) -> dict[str, Counterparty]:
    with db.read_session() as s:
        return {c.name: c for c in s.scalars(select(Counterparty))}


def test_first_sync_pulls_the_base_and_keeps_the_macro_and_button(base: Path, db: Any) -> None:
    sync_clients_book(base)
    rows = by_name(table(base))
    assert set(rows) == {"Angkor Foods", "Bayon Books", "Chenla Cafe", "Dara Design"}
    assert rows["Angkor Foods"]["phone"] == "+85512345678" and rows["Angkor Foods"]["phone2"] == "+85517222333"
    assert rows["Bayon Books"]["email"] == "info@bayon.example" and rows["Bayon Books"]["status"] is None
    wb = openpyxl.load_workbook(base, keep_vba=True)
    assert wb[CLIENTS.sheet_name("en")]["A2"].value.startswith("Synced ")
    assert len(json.loads(wb[snapshot_sheet(CLIENTS)]["A2"].value)) == 4
    with zipfile.ZipFile(base) as z:
        assert z.read("xl/vbaProject.bin") == vba_project()
        vml = next(n for n in z.namelist() if n.endswith(".vml"))
        assert b"SampleCall" in z.read(vml)


def test_a_users_edits_go_in_refusals_keep_the_typed_values_and_conflicts_show_both(base: Path, db: Any,
                                                                                    api: Any) -> None:
    sync_clients_book(base)
    book = xw.Book(str(base))
    sheet = book.sheets[CLIENTS.sheet_name("en")]
    keys = CLIENTS.keys
    rows = sheet.range((FIRST_ROW, 3)).expand("down").value          # the names: no blanks in between
    rows = sheet.range((FIRST_ROW, 1), (FIRST_ROW + len(rows) - 1, len(keys))).value
    at = {r[keys.index("name")]: FIRST_ROW + i for i, r in enumerate(rows)}
    col = {k: i + 1 for i, k in enumerate(keys)}
    # Typed as a person would: a changed phone, a bad email, a deleted row, a new client at the bottom.
    sheet.range((at["Angkor Foods"], col["phone"])).value = "016 999 888"
    sheet.range((at["Bayon Books"], col["email"])).value = "not-an-email"
    sheet.range((at["Dara Design"], col["email"])).value = "mine@design.example"
    chenla = at["Chenla Cafe"]
    below = sheet.range((chenla + 1, 1), (FIRST_ROW + len(rows) - 1, len(keys))).value
    sheet.range((chenla, 1)).value = below            # Excel's "delete row": the rows below move up
    sheet.range((FIRST_ROW + len(rows) - 1, 1), (FIRST_ROW + len(rows) - 1, len(keys))).clear_contents()
    new = FIRST_ROW + len(rows) + 1                   # a blank row left between: Excel users do that
    sheet.range((new, col["name"])).value = "=Khmer Kitchen"
    sheet.range((new, col["phone"])).value = 12345678.0   # typed without the leading 0: Excel made it a number
    sheet.range((new, col["tags"])).value = "vip, ថ្មី"
    book.save()
    book.close()
    # Meanwhile a colleague changes Dara Design's email through the API.
    dara = api.get("/api/v1/clients?q=Dara").json["items"][0]
    r = api.patch(f"/api/v1/clients/{dara['id']}", {"version": dara["version"],
                                                    "emails": [{"email": "theirs@design.example"}]})
    assert r.status_code == 200, r.get_data(as_text=True)

    sync_clients_book(base)

    server = server_clients(db)
    assert [p.e164 for p in server["Angkor Foods"].phones] == ["+85516999888", "+85517222333", "+85592111222"]
    assert server["Angkor Foods"].phones[0].kind == "mobile"         # the kind and the third phone survive
    assert [e.email for e in server["Bayon Books"].emails] == ["info@bayon.example"]
    assert server["Chenla Cafe"].archived_at is not None
    assert [e.email for e in server["Dara Design"].emails] == ["theirs@design.example"]
    assert [p.e164 for p in server["=Khmer Kitchen"].phones] == ["+85512345678"]
    assert sorted(t.name for t in server["=Khmer Kitchen"].tags) == ["vip", "ថ្មី"]
    rows = by_name(table(base))
    assert "Chenla Cafe" not in rows and rows["=Khmer Kitchen"]["id"] == server["=Khmer Kitchen"].id
    bayon = rows["Bayon Books"]
    assert bayon["email"] == "not-an-email" and bayon["status"].startswith("Not saved: Email")
    dara_row = rows["Dara Design"]
    assert dara_row["email"] == "mine@design.example"
    assert "yours «mine@design.example», theirs «theirs@design.example»" in dara_row["status"]
    wb = openpyxl.load_workbook(base, keep_vba=True)
    ws = wb[CLIENTS.sheet_name("en")]
    name_cell = next(c for c in ws[f"C{FIRST_ROW}":f"C{ws.max_row}"] if c[0].value == "=Khmer Kitchen")[0]
    assert name_cell.data_type == "s"                                # text, never a formula

    sync_clients_book(base)                                                         # pressing Sync again keeps "mine"
    server = server_clients(db)
    assert [e.email for e in server["Dara Design"].emails] == ["mine@design.example"]
    rows = by_name(table(base))
    assert rows["Dara Design"]["status"] is None and rows["Bayon Books"]["status"].startswith("Not saved")


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_the_workbook_opens_in_libreoffice(base: Path, tmp_path: Path) -> None:
    sync_clients_book(base)
    text = calc_pdf_text(base, tmp_path)
    assert "Angkor Foods" in text and "Sync status" in text


def test_a_row_pasted_with_an_unknown_id_is_kept_not_overwritten(base: Path, db: Any) -> None:
    sync_clients_book(base)
    book = xw.Book(str(base))
    sheet = book.sheets[CLIENTS.sheet_name("en")]
    at = FIRST_ROW + len(table(base)) + 2
    sheet.range((at, 1)).value = [999, None, "Pasted From Elsewhere"]
    book.save()
    book.close()
    sync_clients_book(base)
    rows = by_name(table(base))
    assert rows["Pasted From Elsewhere"]["id"] == 999
    assert rows["Pasted From Elsewhere"]["status"].startswith("Not sent: this ID was not in the last Sync")
    assert "Pasted From Elsewhere" not in server_clients(db)


def test_the_json_pull_takes_the_list_filters_and_names_a_bad_one(api: Any, world: Any) -> None:
    from tests.factories import problem

    for name in ("Angkor Foods", "Bayon Books"):
        api.post("/api/v1/clients", {"name": name, "tags": ["vip"] if name == "Bayon Books" else []})
    items = api.get("/api/v1/clients/export?format=json&filter=tags:in:vip").json["items"]
    assert [c["name"] for c in items] == ["Bayon Books"] and items[0]["tags"] == ["vip"]
    problem(api.get("/api/v1/clients/export?format=json&filter=nope:eq:1"), 422, "validation_failed",
            fields={"filter.0.field": "unknown_filter_field"})
    problem(api.get("/api/v1/clients/export?format=yaml"), 422, "validation_failed")
    problem(api.as_(world.tokens["hr"]).get("/api/v1/clients/export?format=json"), 403, "role_forbidden")
