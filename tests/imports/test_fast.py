"""The mechanics of a fast import: rows checked in two processes, one log record per import, the streamed report."""
from __future__ import annotations

import io
import json
import os
import random
import threading
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from server.audit.models import Operation
from server.imports import clients, parallel, report as xlsx_report, service
from server.parties.models import Counterparty
from tests.factories import by_row, committed, report, xlsx

HEADER = ["Name", "Phone", "E-mail", "Tax ID", "Country", "Tags", "Consent"]


def rows(n: int, seed: int = 7) -> list[list[Any]]:
    """Clients as a list holds them: most good, some with a bad phone or e-mail, some repeated."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        phone = f"012 {100000 + i * 7:06d}"[:11] if i % 3 else f"+7 912 {1000000 + i:07d}"
        email = f"client{i}@example.com" if i % 4 else None
        if i % 17 == 5:
            phone = "12-34"
        if i % 19 == 7:
            email = "not an e-mail"
        out.append([f"Client {i} {'Ltd' if i % 2 else ''}", phone, email, "7707083893" if i == 11 else None,
                    "Россия" if i % 3 == 0 else "KH", "vip, hotel" if i % 5 == 0 else None, "yes" if i % 2 else "no"])
    out += [list(out[rng.randrange(n)]) for _ in range(n // 20)]
    rng.shuffle(out)
    return out


def test_rows_checked_in_two_processes_plan_exactly_as_in_one(db: Any, world: Any, monkeypatch: Any,
                                                               frozen: None) -> None:
    if threading.active_count() > 1:
        pytest.fail("the test process runs other threads: the two-process path would not be taken")
    content = xlsx([HEADER, *rows(400)])
    plans = {}
    for threshold in (10**9, 1):
        monkeypatch.setattr(parallel, "PARALLEL_ROWS", threshold)
        with db.write_session() as s, s.begin():
            p = service.plan(s, world.actor(), "clients", content, "clients.xlsx", options={"skip_errors": True})
            plans[p.workers] = (p.report(), p.counts(), [r.record for r in p.rows])
            s.rollback()
    assert set(plans) == {1, 2}
    one, two = plans[1], plans[2]
    flagged = sum(1 for r in one[0] if r.get("errors") or r.get("warnings"))  # bad cells: errors, or left out
    assert one[1] == two[1] and flagged > 20 and one[1]["skip"] > 0 and one[1]["create"] > 300
    assert json.dumps(one[0], default=str) == json.dumps(two[0], default=str)
    assert one[2] == two[2]  # the records to write, not only what the report shows


def test_a_child_that_fails_is_not_trusted(db: Any, world: Any, monkeypatch: Any) -> None:
    # The fault is injected (no real row makes the rules crash): a forked child that really dies.
    real = clients.normalise
    parent = os.getpid()

    def dies_in_the_child(row: Any, ctx: Any) -> None:
        if os.getpid() != parent:
            raise SystemExit(3)  # the child is gone before it sends anything
        real(row, ctx)

    monkeypatch.setattr(parallel, "PARALLEL_ROWS", 1)
    monkeypatch.setattr(clients, "normalise", dies_in_the_child)
    content = xlsx([HEADER, *rows(60)])
    with db.write_session() as s, s.begin():
        p = service.plan(s, world.actor(), "clients", content, "clients.xlsx", options={"skip_errors": True})
        s.rollback()
    assert p.workers == 1 and all(r.record is not None or r.action == "error" for r in p.rows)
    assert p.counts()["create"] > 40


def test_one_log_record_per_import_names_the_file_and_every_id(api: Any, db: Any) -> None:
    content = xlsx([HEADER, *rows(40)])
    imp = committed(api, content, options={"skip_errors": True})
    with db.read_session() as s:
        ids = list(s.scalars(select(Counterparty.id).order_by(Counterparty.id)))
        ops = list(s.scalars(select(Operation).where(Operation.entity.in_(("counterparty", "client", "import")))))
    assert len(ids) == imp["created"]["client"] > 30
    # No record per client: the import's commit names them all, with the file they came from.
    assert [(o.entity, o.action) for o in ops] == [("import", "plan"), ("import", "commit")]
    commit = ops[1].after
    assert commit["created"] == {"client": ids} and commit["updated"] == {"client": []}
    assert commit["file_name"] == "clients.xlsx" and commit["status"] == "committed"
    # What each row held is still on record, in the import's report.
    created = [r for r in report(api, imp)["rows"] if r["action"] == "create"]
    assert len(created) == len(ids) and all(r["values"]["name"] for r in created)
    # Undo takes them all back, and logs each removal with what it held.
    r = api.post(f"/api/v1/imports/{imp['id']}/undo", json={"version": imp["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    with db.read_session() as s:
        assert s.scalar(select(Counterparty.id).limit(1)) is None
        deleted = list(s.scalars(select(Operation).where(Operation.action == "delete")))
    assert sorted(o.entity_id for o in deleted) == ids and all(o.before["name"] for o in deleted)


def test_the_streamed_report_is_the_sheet_excel_opens(api: Any) -> None:
    rep = {"counts": {"create": 1, "error": 1, "rows": 2}, "rows": [
        {"row": 2, "action": "create", "values": {"name": "A & B <Ltd>", "phones": ["+85512345678"]}},
        {"row": 3, "action": "error", "values": {"name": "=cmd|' /C calc'!A0\x01"},
         "errors": [{"column": "B", "code": "required", "params": {}}]},
        {"row": 4, "action": "skip", "reason": "totals_row", "values": {}},
    ]}
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_report.xlsx(rep))).active
    assert [c.value for c in ws[1]][:3] == ["create: 1", "error: 1", "rows: 2"]
    assert [c.value for c in ws[2]] == ["Row", "Action", "Matches", "Errors", "Warnings", "Values"]
    assert ws["A3"].value == 2 and ws["B3"].value == "create"
    assert json.loads(ws["F3"].value) == {"name": "A & B <Ltd>", "phones": ["+85512345678"]}
    assert ws["B4"].value == "error" and "B" in ws["D4"].value
    assert ws["F4"].data_type == "s" and ws["F4"].value.startswith('{"name": "=cmd')  # text, never a formula
    assert ws["B5"].value == "skip" and not ws["C5"].value and ws["C5"].data_type == "s"
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:F5"
    assert ws["B3"].fill.fgColor.rgb == "FFE2EFDA" and ws["B4"].fill.fgColor.rgb == "FFF8CBAD"
    assert ws["A2"].font.b and ws["D4"].alignment.wrap_text


def test_the_report_stored_by_a_child_is_the_plan_as_committed(db: Any, world: Any, monkeypatch: Any,
                                                                frozen: None) -> None:
    content = xlsx([HEADER, *rows(300)])
    stored = {}
    for threshold in (10**9, 1):
        monkeypatch.setattr(parallel, "PARALLEL_ROWS", threshold)
        with db.write_session() as s, s.begin():
            imp, p = service.import_now(s, world.actor(), "clients", content, "clients.xlsx",
                                        options={"skip_errors": True})
            rep = service.report_rows(s, world.actor(), imp.id)
            assert rep["rows"] == json.loads(json.dumps(p.report(), default=str)) and rep["counts"] == p.counts()
            stored[p.workers] = rep
            s.rollback()
    assert set(stored) == {1, 2} and stored[1] == stored[2]
