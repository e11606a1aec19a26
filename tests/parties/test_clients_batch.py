"""POST /clients/batch: what Excel's Sync sends. Each row is applied whole or refused whole, with its own answer."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, func, select

from server.audit.models import Operation
from server.parties.models import Counterparty, Tag

from tests.factories import problem

CLIENTS = "/api/v1/clients"
BATCH = "/api/v1/clients/batch"


def make(api: Any, **fields: Any) -> dict[str, Any]:
    r = api.post(CLIENTS, json={"name": "Client", **fields})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def batch(api: Any, rows: list[Any]) -> dict[str, Any]:
    r = api.post(BATCH, json={"rows": rows})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    body = r.json
    assert [x["index"] for x in body["results"]] == list(range(len(rows)))
    assert body["ok"] + body["failed"] == len(rows)
    assert body["ok"] == sum(1 for x in body["results"] if x["status"] == "ok")
    for x in body["results"]:
        for e in x.get("errors", []):
            assert set(e) == {"field", "code", "message"} and e["message"]
    return body


def errors(result: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in result.get("errors", [])}


def names_in_db(db: Any) -> list[str]:
    with db.read_session() as s:
        return sorted(s.scalars(select(Counterparty.name)))


def operations(db: Any) -> list[tuple[str, int, str | None]]:
    with db.read_session() as s:
        return [(o.action, o.entity_id, o.request_id) for o in s.scalars(
            select(Operation).where(Operation.entity == "counterparty").order_by(Operation.id))]


def test_a_mixed_batch_applies_good_rows_and_refuses_bad_ones_each_with_its_answer(api: Any, db: Any) -> None:
    keep = make(api, name="Keep Ltd", phones=[{"number": "012 345 678"}])
    change = make(api, name="Change Ltd")
    stale = make(api, name="Stale Ltd")
    api.patch(f"{CLIENTS}/{stale['id']}", json={"version": 1, "notes": "changed by someone else"})
    gone = make(api, name="Gone Ltd")
    back = make(api, name="Back Ltd")
    api.post(f"{CLIENTS}/{back['id']}/archive", json={"version": 1})
    ops_before = operations(db)

    rows: list[Any] = [
        {"op": "create", "ref": "A2", "data": {"name": "Новый клиент", "country": "RU", "phones": [{"number": "8 916 123 45 67"}],
                                               "tags": ["Batch"]}},
        {"op": "create", "ref": "A3", "data": {"name": "Bad phone", "phones": [{"number": "12"}]}},
        {"op": "update", "ref": "A4", "id": change["id"], "version": 1, "data": {"name": "Changed Ltd", "tags": ["batch"]}},
        {"op": "update", "ref": "A5", "id": stale["id"], "version": 1, "data": {"name": "Lost update"}},
        {"op": "archive", "ref": "A6", "id": gone["id"], "version": 1},
        {"op": "restore", "ref": "A7", "id": back["id"], "version": 2},
        {"op": "create", "ref": "A8", "data": {"name": "Unknown field", "colour": "red"}},
        {"op": "create", "ref": "A9", "data": {"name": 5, "phones": "x", "consent_to_mailings": "yes"}},
        "not an object",
        {"op": "update", "ref": "A11", "id": keep["id"], "version": 1, "data": {"emails": [{"email": "not-an-email"}]}},
        {"op": "update", "ref": "A12", "id": 999999, "version": 1, "data": {"name": "Nobody"}},
        {"op": "update", "ref": "A13", "id": keep["id"], "data": {"name": "No version"}},
        {"op": "delete", "ref": "A14", "id": keep["id"], "version": 1},
        {"op": "create", "ref": "A15", "data": {"name": "Also good", "emails": [{"email": "Good@Example.COM"}]}},
        [1, 2, 3],
    ]
    out = batch(api, rows)
    res = out["results"]
    assert [r["status"] for r in res] == ["ok", "error", "ok", "conflict", "ok", "ok", "error", "error", "error",
                                          "error", "error", "error", "error", "ok", "error"]
    assert [r["ref"] for r in res] == ["A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", None, "A11", "A12", "A13",
                                       "A14", "A15", None]
    assert (out["ok"], out["failed"]) == (5, 10)

    created = api.get(f"{CLIENTS}/{res[0]['id']}").json
    assert created["name"] == "Новый клиент" and created["phone"] == "+79161234567"
    assert [t.casefold() for t in created["tags"]] == ["batch"]
    assert res[0]["version"] == 1
    assert errors(res[1]) == {"data.phones.0.number": "invalid_phone"}
    assert res[2]["version"] == 2
    changed = api.get(f"{CLIENTS}/{change['id']}").json
    assert changed["name"] == "Changed Ltd" and changed["tags"] == created["tags"]   # one tag, whatever the case
    assert res[3]["current"]["version"] == 2 and res[3]["current"]["notes"] == "changed by someone else"
    assert errors(res[3]) == {"version": "stale_version"}
    assert api.get(f"{CLIENTS}/{gone['id']}").json["archived_at"] is not None
    assert api.get(f"{CLIENTS}/{back['id']}").json["archived_at"] is None
    assert errors(res[6]) == {"data.colour": "unknown_field"}
    assert errors(res[7]) == {"data.name": "wrong_type", "data.phones": "wrong_type", "data.consent_to_mailings": "wrong_type"}
    assert [e["code"] for e in res[8]["errors"]] == ["wrong_type"] and "id" not in res[8]
    assert errors(res[9]) == {"data.emails.0.email": "invalid_email"}
    assert [e["code"] for e in res[10]["errors"]] == ["not_found"]
    assert errors(res[11]) == {"version": "version_required"}
    assert [e["code"] for e in res[12]["errors"]] == ["invalid_choice"]
    assert api.get(f"{CLIENTS}/{res[13]['id']}").json["email"] == "good@example.com"
    assert [e["code"] for e in res[14]["errors"]] == ["wrong_type"]

    # Refused rows wrote nothing: no stray clients, the refused updates left their records as they were.
    assert names_in_db(db) == sorted(["Keep Ltd", "Changed Ltd", "Stale Ltd", "Gone Ltd", "Back Ltd", "Новый клиент",
                                      "Also good"])
    assert api.get(f"{CLIENTS}/{keep['id']}").json == keep
    assert api.get(f"{CLIENTS}/{stale['id']}").json == res[3]["current"]
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Tag)) == 1
    new_ops = operations(db)[len(ops_before):]
    assert sorted((a, i) for a, i, _ in new_ops) == sorted([
        ("create", res[0]["id"]), ("update", change["id"]), ("archive", gone["id"]), ("restore", back["id"]),
        ("create", res[13]["id"])])
    assert len({rid for _, _, rid in new_ops}) == 1   # one request, one request id


def test_the_request_id_of_a_batch_is_in_its_operations(api: Any, db: Any) -> None:
    r = api.post(BATCH, json={"rows": [{"op": "create", "data": {"name": "A"}}, {"op": "create", "data": {"name": "B"}}]},
                 headers={"X-Request-Id": "sync-2026-05-01"})
    assert r.status_code == 200 and r.headers["X-Request-Id"] == "sync-2026-05-01"
    ops = api.get("/api/v1/operations", query_string={"request_id": "sync-2026-05-01"}).json["items"]
    assert sorted(o["entity_id"] for o in ops) == sorted(x["id"] for x in r.json["results"])
    assert all(o["action"] == "create" and o["after"]["name"] in ("A", "B") for o in ops)


def test_the_same_record_twice_in_one_batch_needs_the_new_version(api: Any) -> None:
    c = make(api, name="Twice")
    out = batch(api, [
        {"op": "update", "id": c["id"], "version": 1, "data": {"notes": "first"}},
        {"op": "update", "id": c["id"], "version": 1, "data": {"notes": "second (stale)"}},
        {"op": "update", "id": c["id"], "version": 2, "data": {"notes": "third"}},
    ])
    assert [r["status"] for r in out["results"]] == ["ok", "conflict", "ok"]
    assert out["results"][1]["current"]["notes"] == "first"
    final = api.get(f"{CLIENTS}/{c['id']}").json
    assert final["notes"] == "third" and final["version"] == 3


def test_an_update_refused_after_a_tag_was_made_leaves_no_trace(api: Any, db: Any) -> None:
    a = make(api, name="A")
    out = batch(api, [
        {"op": "update", "id": a["id"], "version": 1, "data": {"tags": ["fresh"], "phones": [{"number": "1"}]}},
        {"op": "create", "data": {"name": "B", "tags": ["Fresh"]}},
    ])
    assert [r["status"] for r in out["results"]] == ["error", "ok"]
    assert api.get(f"{CLIENTS}/{a['id']}").json == a
    assert api.get(f"{CLIENTS}/{out['results'][1]['id']}").json["tags"] == ["Fresh"]
    assert [t["name"] for t in api.get("/api/v1/tags").json["items"]] == ["Fresh"]


def test_too_many_rows_refuse_the_whole_batch(app: Any, api: Any, unchanged: Any) -> None:
    app.config["BATCH_MAX_ROWS"] = 3
    rows = [{"op": "create", "data": {"name": f"C{i}"}} for i in range(4)]
    with unchanged():
        body = problem(api.post(BATCH, json={"rows": rows}), 422, "batch_too_large")
    assert body["params"] == {"max": 3, "count": 4}
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("rows", "too_many")]
    assert batch(api, rows[:3])["ok"] == 3


def test_the_batch_body_itself_must_be_right(api: Any, unchanged: Any) -> None:
    with unchanged():
        body = problem(api.post(BATCH, json={"rows": {"op": "create"}}), 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("rows", "wrong_type")]
        body = problem(api.post(BATCH, json={}), 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("rows", "required")]
        body = problem(api.post(BATCH, json={"rows": [], "mode": "all"}), 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("mode", "unknown_field")]
        problem(api.post(BATCH, json=[{"op": "create"}]), 400, "json_object_expected")
        problem(api.post(BATCH, data='{"rows": [', content_type="application/json"), 400, "malformed_json")
        problem(api.post(BATCH, data='{"rows": []}', content_type="text/csv"), 415, "unsupported_media_type")
    assert batch(api, []) == {"results": [], "ok": 0, "failed": 0}


def test_row_level_mistakes(api: Any, unchanged: Any) -> None:
    c = make(api, name="C")
    with unchanged():
        out = batch(api, [
            {"op": "create"},                                            # no data: the name is missing
            {"op": "update", "version": 1, "data": {"name": "x"}},       # no id
            {"op": "archive", "id": c["id"], "version": "1"},            # a version as text
            {"op": "create", "data": {"name": "x"}, "extra_key": 1},    # unknown row key
            {"data": {"name": "x"}},                                     # no op
            {"op": "update", "id": c["id"], "version": 1, "data": {"version": 7, "name": "x" * 201}},
            {"op": "create", "data": "name=x"},
            None,
            42,
        ])
    res = out["results"]
    assert all(r["status"] == "error" for r in res) and out["ok"] == 0
    assert errors(res[0]) == {"data.name": "required"}
    assert errors(res[1]) == {"id": "required"}
    assert [e["code"] for e in res[2]["errors"]] == ["wrong_type"] and res[2]["errors"][0]["field"].endswith("version")
    assert [e["code"] for e in res[3]["errors"]] == ["unknown_field"] and res[3]["errors"][0]["field"].endswith("extra_key")
    assert [e["code"] for e in res[4]["errors"]] == ["required"] and res[4]["errors"][0]["field"].endswith("op")
    assert errors(res[5]) == {"data.name": "too_long"}
    assert [e["code"] for e in res[6]["errors"]] == ["wrong_type"]
    assert [e["code"] for e in res[7]["errors"]] == ["wrong_type"]
    assert [e["code"] for e in res[8]["errors"]] == ["wrong_type"]


def test_batch_rows_obey_extra_field_rules(api: Any) -> None:
    assert api.post("/api/v1/extra-fields", json={"key": "contract_no", "label": "Contract", "type": "text",
                                                  "required": True}).status_code == 201
    out = batch(api, [
        {"op": "create", "data": {"name": "No contract"}},
        {"op": "create", "data": {"name": "With contract", "extra": {"contract_no": "C-1"}}},
        {"op": "create", "data": {"name": "Unknown extra", "extra": {"contract_no": "C-2", "colour": "red"}}},
        {"op": "create", "data": {"name": "Wrong type", "extra": {"contract_no": 12}}},
    ])
    res = out["results"]
    assert [r["status"] for r in res] == ["error", "ok", "error", "error"]
    assert errors(res[0]) == {"data.extra.contract_no": "required"}
    assert errors(res[2]) == {"data.extra.colour": "extra_field_unknown"}
    assert errors(res[3]) == {"data.extra.contract_no": "extra_field_type"}
    assert api.get(f"{CLIENTS}/{res[1]['id']}").json["extra"] == {"contract_no": "C-1"}


def test_a_branch_scoped_user_batches_only_into_their_branch(api: Any, world: Any, db: Any) -> None:
    sr = make(api, name="Siem Reap client", branch_id=world.branches["SR"])
    pp = make(api, name="Phnom Penh client", branch_id=world.branches["PP"])
    out = batch(api.as_(world.tokens["sales_pp"]), [
        {"op": "create", "data": {"name": "Mine"}},
        {"op": "create", "data": {"name": "Into SR", "branch_id": world.branches["SR"]}},
        {"op": "update", "id": sr["id"], "version": 1, "data": {"name": "Taken over"}},
        {"op": "archive", "id": sr["id"], "version": 1},
        {"op": "update", "id": pp["id"], "version": 1, "data": {"branch_id": world.branches["SR"]}},
        {"op": "update", "id": pp["id"], "version": 1, "data": {"notes": "fine"}},
    ])
    res = out["results"]
    assert [r["status"] for r in res] == ["ok", "error", "error", "error", "error", "ok"]
    assert api.get(f"{CLIENTS}/{res[0]['id']}").json["branch_id"] == world.branches["PP"]
    assert errors(res[1]) == {"data.branch_id": "out_of_branch_scope"}
    assert errors(res[2]) == {"branch_id": "out_of_branch_scope"} == errors(res[3])
    assert "current" not in res[2] or res[2]["current"] is None   # no peek at another branch's record
    assert errors(res[4]) == {"data.branch_id": "out_of_branch_scope"}
    assert api.get(f"{CLIENTS}/{sr['id']}").json == sr
    assert names_in_db(db) == sorted(["Siem Reap client", "Phnom Penh client", "Mine"])


def test_roles_that_may_not_write_cannot_batch(api: Any, world: Any, unchanged: Any) -> None:
    rows = {"rows": [{"op": "create", "data": {"name": "x"}}]}
    for role in ("warehouse", "hr"):
        with unchanged():
            problem(api.as_(world.tokens[role]).post(BATCH, json=rows), 403, "role_forbidden")
    with unchanged():
        problem(api.as_("cb_wrong").post(BATCH, json=rows), 401, "token_invalid")
    assert api.as_(world.tokens["accountant"]).post(BATCH, json=rows).json["ok"] == 1


def test_row_messages_speak_the_users_language(api: Any, world: Any, db: Any) -> None:
    from server.org.models import User

    with db.write_session() as s, s.begin():
        s.get_one(User, world.users["sales"]).language = "ru"
    out = batch(api.as_(world.tokens["sales"]), [{"op": "create", "data": {"name": "N", "phones": [{"number": "12"}]}}])
    message = out["results"][0]["errors"][0]["message"]
    assert re.search(r"[А-Яа-я]", message) and "KH" in message


def test_a_thousand_rows_in_one_request(api: Any, db: Any) -> None:
    rows = [{"op": "create", "ref": f"R{i}", "data": {"name": f"Client {i:04d}", "phones": [{"number": f"+855 12 {i:06d}"}],
                                                      "tags": ["bulk", f"group {i % 7}"]}} for i in range(1000)]
    rows[500]["data"]["phones"] = [{"number": "nonsense"}]
    out = batch(api, rows)
    assert (out["ok"], out["failed"]) == (999, 1)
    assert out["results"][500]["status"] == "error" and out["results"][500]["ref"] == "R500"
    ids = [r["id"] for r in out["results"] if r["status"] == "ok"]
    assert len(set(ids)) == 999
    page = api.get(CLIENTS, query_string={"q": "12 000 499"}).json["items"]
    assert [c["name"] for c in page] == ["Client 0499"]
    assert page[0]["id"] == out["results"][499]["id"] and sorted(page[0]["tags"]) == ["bulk", "group 2"]
    assert len(names_in_db(db)) == 999


def test_a_reference_list_changing_between_check_and_write_is_caught(db: Any, world: Any, api: Any) -> None:
    """The batch is checked outside the write lock; if a segment is archived meanwhile, the rows are
    checked again under the lock, so no client lands on an archived segment."""
    from server.parties import service

    seg = api.post("/api/v1/segments", {"code": "retail", "name": "Retail"}).json
    rows = [{"op": "create", "ref": "r1", "data": {"name": "Sok Dara", "segment": "retail"}},
            {"op": "create", "ref": "r2", "data": {"name": "Иван"}}]
    actor = world.actor("owner")
    with db.read_session() as s, s.begin():
        prepared = service.prepare_batch(s, actor, rows, 100)
    assert [r["status"] for r in prepared.results] == ["ok", "ok"]
    api.post(f"/api/v1/segments/{seg['id']}/archive", {"version": seg["version"]})
    with db.write_session() as s, s.begin():
        results = service.apply_batch(s, actor, rows, 100, prepared)
    assert results[0]["status"] == "error"
    assert [(e.field, e.code) for e in results[0]["errors"]] == [("data.segment", "unknown_reference")]
    assert results[1]["status"] == "ok"
    names = [c["name"] for c in api.get("/api/v1/clients").json["items"]]
    assert names == ["Иван"]


def test_updates_in_a_batch_load_their_clients_together_not_row_by_row(api: Any, db: Any) -> None:
    made = batch(api, [{"op": "create", "ref": f"R{i}", "data": {"name": f"Client {i}", "tags": ["t"],
                                                                "phones": [{"number": f"+855 12 {i:06d}"}]}}
                       for i in range(60)])["results"]

    def update(n: int, word: str) -> list[dict[str, Any]]:
        return [{"op": "update", "ref": f"U{r['id']}", "id": r["id"], "version": r["version"],
                 "data": {"notes": f"{word} {r['id']}"}} for r in made[:n]]

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert batch(api, update(10, "first"))["ok"] == 10
        ten, statements[:] = len(statements), []
        made = [dict(r, version=2) if i < 10 else r for i, r in enumerate(made)]
        rows = update(60, "second")
        rows[7]["version"] = 1  # a conflict: its savepoint is rolled back, the others go on
        out = batch(api, rows)
        sixty = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert (out["ok"], out["results"][7]["status"]) == (59, "conflict")
    # the reading does not grow with the rows: what grows is each row's own UPDATE, audit record, savepoint
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) < 30, reads[:40]
    assert sixty < ten * 6 + 40
    with db.engine.connect() as conn:
        names = dict(conn.execute(select(Counterparty.id, Counterparty.notes)).all())
    assert names[made[8]["id"]] == f"second {made[8]['id']}" and names[made[7]["id"]] == f"first {made[7]['id']}"
