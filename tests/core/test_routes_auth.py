"""Every API route demands a token and declares a role rule; only health and the OpenAPI document are open."""
from __future__ import annotations

import re
from typing import Any

OPEN = {"healthz", "openapi.document"}


def _concrete(rule: str) -> str:
    return re.sub(r"<(?:int:)?\w+>", "1", rule)


def test_every_route_declares_auth_and_roles(app: Any) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in OPEN:
            assert getattr(view, "cb_public", False) or rule.endpoint == "healthz"
            continue
        meta = getattr(view, "cb_endpoint", None)
        assert meta is not None, f"{rule.rule} was not declared with server.routes.route (no auth, no role rule)"
        assert not meta.public, f"{rule.rule} is public but not in the reviewed list"
        assert meta.roles and set(meta.roles) <= {"owner", "accountant", "sales", "warehouse", "hr"}
        checked += 1
    assert checked > 30


def test_every_route_refuses_a_missing_or_wrong_token(app: Any, world: Any) -> None:
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for headers in ({}, {"Authorization": "Bearer cb_not-a-token"}, {"Authorization": "Basic b3duZXI6eA=="}):
                r = client.open(_concrete(rule.rule), method=method, headers=headers, json={})
                assert r.status_code == 401, (method, rule.rule, headers, r.status_code)
                assert r.mimetype == "application/problem+json"
                assert r.json["code"] in ("unauthorized", "token_invalid")


def test_open_routes_answer_without_a_token(app: Any) -> None:
    client = app.test_client()
    assert client.get("/healthz").json["status"] == "ok"
    assert client.get("/api/v1/openapi.json").json["openapi"].startswith("3.")


def test_each_role_gets_only_what_its_rule_allows(app: Any, world: Any) -> None:
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], "cb_endpoint", None)
        if meta is None or meta.method != "GET":
            continue
        for role in ("owner", "accountant", "sales", "warehouse", "hr"):
            r = client.get(_concrete(rule.rule), headers={"Authorization": f"Bearer {world.tokens[role]}"})
            if role in meta.roles:
                assert r.status_code != 403, (role, rule.rule)
            else:
                assert r.status_code == 403 and r.json["code"] == "role_forbidden", (role, rule.rule, r.status_code)
