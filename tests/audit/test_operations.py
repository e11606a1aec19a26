"""The operations log API: filters, pages, and bad parameters refused without a change."""
from __future__ import annotations

from typing import Any

import pytest

from tests.factories import problem

OPS = "/api/v1/operations"


def test_filters_and_keyset_pages(api: Any) -> None:
    ids = [api.post("/api/v1/clients", {"name": f"Client {i}"}).json["id"] for i in range(5)]
    api.patch(f"/api/v1/clients/{ids[0]}", {"version": 1, "name": "Renamed"})
    mine = api.get(OPS, query_string={"entity": "counterparty", "entity_id": ids[0]}).json["items"]
    assert [o["action"] for o in mine] == ["update", "create"]
    assert mine[0]["before"]["name"] == "Client 0" and mine[0]["after"]["name"] == "Renamed"
    seen, before_id = [], None
    while True:
        params = {"entity": "counterparty", "limit": 2, **({"before_id": before_id} if before_id else {})}
        page = api.get(OPS, query_string=params).json
        seen += [o["id"] for o in page["items"]]
        before_id = page["next_before_id"]
        if before_id is None:
            break
    assert len(seen) == len(set(seen)) == 6 and seen == sorted(seen, reverse=True)
    creates = api.get(OPS, query_string={"entity": "counterparty", "action": "create",
                                         "since": "2000-01-01T00:00:00Z", "until": "2999-01-01"}).json["items"]
    assert len(creates) == 5


@pytest.mark.parametrize("params, field, code", [
    ({"limit": 0}, "limit", "too_small"),
    ({"limit": 5000}, "limit", "too_large"),
    ({"limit": "many"}, "limit", "wrong_type"),
    ({"entity_id": "x"}, "entity_id", "wrong_type"),
    ({"since": "yesterday"}, "since", "invalid_datetime"),
    ({"until": "0.5"}, "until", "invalid_datetime"),
    ({"entity": "x" * 41}, "entity", "too_long"),
    ({"request_id": "a\x00b"}, "request_id", "control_characters"),
    ({"colour": "red"}, "colour", "unknown_field"),
])
def test_bad_parameters_are_named(api: Any, unchanged: Any, params: dict[str, Any], field: str, code: str) -> None:
    with unchanged():
        body = problem(api.get(OPS, query_string=params), 422, "validation_failed")
    assert {e["field"]: e["code"] for e in body["errors"]} == {field: code}


def test_only_owner_and_accountant_read_the_log(api: Any, world: Any) -> None:
    for role in ("sales", "warehouse", "hr"):
        problem(api.as_(world.tokens[role]).get(OPS), 403, "role_forbidden")
    assert api.as_(world.tokens["accountant"]).get(OPS).status_code == 200


def test_no_route_changes_the_log(app: Any, world: Any) -> None:
    client = app.test_client()
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        r = client.open(OPS, method=method, headers={"Authorization": f"Bearer {world.tokens['owner']}"}, json={})
        assert r.status_code == 405 and r.json["code"] == "method_not_allowed"
