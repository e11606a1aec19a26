"""Bad input on every client base endpoint: each answer is problem+json naming what is wrong, and nothing is written."""
from __future__ import annotations

from typing import Any

import pytest

from server.core.i18n import catalog
from server.core.messages import MESSAGES

from tests.factories import problem

CLIENTS = "/api/v1/clients"
BIG = 2**63   # past any 64-bit id


def fields(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body.get("errors", [])}


@pytest.fixture
def target(api: Any) -> dict[str, Any]:
    """One client, one archived client, one segment, lead source and extra field to aim at."""
    r = api.post(CLIENTS, json={"name": "Target Co", "phones": [{"number": "012 345 678"}]})
    assert r.status_code == 201
    archived = api.post(CLIENTS, json={"name": "Archived Co"}).json
    assert api.post(f"{CLIENTS}/{archived['id']}/archive", json={"version": 1}).status_code == 200
    seg = api.post("/api/v1/segments", json={"code": "retail", "name": "Retail"}).json
    src = api.post("/api/v1/lead-sources", json={"code": "web", "name": "Web"}).json
    xf = api.post("/api/v1/extra-fields", json={"key": "tier", "label": "Tier", "type": "text"}).json
    return {"client": r.json, "archived": archived, "segment": seg, "lead_source": src, "extra_field": xf}


def body_endpoints(t: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, a valid body) for every client base endpoint that takes a JSON body."""
    cid, aid = t["client"]["id"], t["archived"]["id"]
    return [
        ("POST", CLIENTS, {"name": "N"}),
        ("PATCH", f"{CLIENTS}/{cid}", {"version": 1, "name": "N"}),
        ("POST", f"{CLIENTS}/{cid}/archive", {"version": 1}),
        ("POST", f"{CLIENTS}/{aid}/restore", {"version": 2}),
        ("POST", f"{CLIENTS}/batch", {"rows": []}),
        ("POST", f"{CLIENTS}/query", {"q": "x"}),
        ("POST", "/api/v1/segments", {"code": "new", "name": "New"}),
        ("PATCH", f"/api/v1/segments/{t['segment']['id']}", {"version": 1, "name": "N"}),
        ("POST", f"/api/v1/segments/{t['segment']['id']}/archive", {"version": 1}),
        ("POST", "/api/v1/lead-sources", {"code": "new", "name": "New"}),
        ("PATCH", f"/api/v1/lead-sources/{t['lead_source']['id']}", {"version": 1, "name": "N"}),
        ("POST", f"/api/v1/lead-sources/{t['lead_source']['id']}/archive", {"version": 1}),
        ("POST", "/api/v1/extra-fields", {"key": "k", "label": "K", "type": "text"}),
        ("PATCH", f"/api/v1/extra-fields/{t['extra_field']['id']}", {"version": 1, "label": "L"}),
        ("POST", f"/api/v1/extra-fields/{t['extra_field']['id']}/archive", {"version": 1}),
    ]


def get_endpoints(t: dict[str, Any]) -> list[str]:
    return [CLIENTS, f"{CLIENTS}/{t['client']['id']}", f"{CLIENTS}/groups?by=kind", f"{CLIENTS}/export",
            f"{CLIENTS}/export?format=xlsx", "/api/v1/tags", "/api/v1/segments", "/api/v1/lead-sources",
            "/api/v1/extra-fields", f"/api/v1/segments/{t['segment']['id']}"]


def send(api: Any, method: str, path: str, **kw: Any) -> Any:
    return api.client.open(path, method=method, headers=api.headers(kw.pop("headers", None)), **kw)


# --- the body itself ---------------------------------------------------------------------------------

def test_malformed_json_is_400_everywhere(api: Any, target: Any, unchanged: Any) -> None:
    for method, path, _ in body_endpoints(target):
        for raw in ('{"name": "N",', "{'name': 'N'}", '{"name": "N"} trailing', "", "\xff\xfe"):
            with unchanged():
                body = problem(send(api, method, path, data=raw, content_type="application/json"), 400,
                               "malformed_json", (method, path, raw))
            assert body["params"]["reason"]


def test_json_that_is_not_an_object_is_400_everywhere(api: Any, target: Any, unchanged: Any) -> None:
    for method, path, valid in body_endpoints(target):
        for raw in ([valid], '"text"', "42", "null", "true"):
            raw = raw if isinstance(raw, str) else __import__("json").dumps(raw)
            with unchanged():
                problem(send(api, method, path, data=raw, content_type="application/json"), 400,
                        "json_object_expected", (method, path, raw))


def test_a_body_that_is_not_json_is_415_everywhere(api: Any, target: Any, unchanged: Any) -> None:
    import json

    for method, path, valid in body_endpoints(target):
        for kw in ({"data": json.dumps(valid), "content_type": "text/plain"},
                   {"data": {"name": "N"}},                                    # an HTML form
                   {"data": json.dumps(valid)},                                # no content type at all
                   {"data": json.dumps(valid), "content_type": "application/xml"}):
            with unchanged():
                problem(send(api, method, path, **kw), 415, "unsupported_media_type", (method, path, kw))
        # application/problem+json and charset parameters are still JSON.
        ok = send(api, method, path, data=json.dumps(valid), content_type="application/json; charset=utf-8")
        assert ok.status_code < 400 or ok.status_code == 409, (method, path, ok.get_data(as_text=True))


def test_unknown_fields_are_named_everywhere(api: Any, target: Any, unchanged: Any) -> None:
    for method, path, valid in body_endpoints(target):
        with unchanged():
            body = problem(send(api, method, path, json={**valid, "colour": "red", "Name": "x"}), 422,
                           "validation_failed", (method, path))
        assert fields(body) == {"colour": "unknown_field", "Name": "unknown_field"}, (method, path)


def test_wrong_types_are_each_named(api: Any, target: Any, unchanged: Any) -> None:
    cid = target["client"]["id"]
    with unchanged():
        body = problem(api.post(CLIENTS, json={
            "name": 5, "phones": "x", "emails": [{"email": 7}], "tags": "vip", "consent_to_mailings": "true",
            "manager_id": "3", "branch_id": 1.5, "extra": [], "kind": "customer", "person_type": None,
            "country": "XX", "addresses": [{"country": "XY", "city": ["Phnom Penh"]}], "contacts": [{}],
            "notes": {"text": "x"}, "legal_name": False,
        }), 422, "validation_failed")
    assert fields(body) == {
        "name": "wrong_type", "phones": "wrong_type", "emails.0.email": "wrong_type", "tags": "wrong_type",
        "consent_to_mailings": "wrong_type", "manager_id": "wrong_type", "branch_id": "wrong_type",
        "extra": "wrong_type", "kind": "invalid_choice", "person_type": "invalid_choice",
        "country": "invalid_country", "addresses.0.country": "invalid_country", "addresses.0.city": "wrong_type",
        "contacts.0.name": "required", "notes": "wrong_type", "legal_name": "wrong_type",
    }
    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{cid}", json={"version": "1", "name": 5, "phones": "x"}), 422,
                       "validation_failed")
    assert fields(body) == {"version": "wrong_type", "name": "wrong_type", "phones": "wrong_type"}
    for path in (f"{CLIENTS}/{cid}/archive", f"{CLIENTS}/{target['archived']['id']}/restore"):
        for version in ("1", 1.0, True, None, [1]):
            with unchanged():
                body = problem(api.post(path, json={"version": version}), 422, "validation_failed", (path, version))
            assert list(fields(body)) == ["version"]
        with unchanged():
            assert fields(problem(api.post(path, json={}), 422, "validation_failed")) == {"version": "required"}
    with unchanged():
        assert fields(problem(api.patch(f"{CLIENTS}/{cid}", json={"name": "x"}), 422, "validation_failed")) == {
            "version": "required"}


def test_over_long_text_and_too_many_items(api: Any, unchanged: Any) -> None:
    assert api.post(CLIENTS, json={"name": "Я" * 200}).status_code == 201   # the limit itself is fine
    with unchanged():
        body = problem(api.post(CLIENTS, json={
            "name": "Я" * 201, "legal_name": "x" * 301, "tax_id": "1" * 41, "notes": "n" * 10_001,
            "tags": ["t" * 61], "phones": [{"number": "012 345 678"}] * 21, "contacts": [{"name": "c" * 201}],
            "addresses": [{"line1": "a" * 301, "postal_code": "1" * 21}], "emails": [{"email": "e" * 255}],
        }), 422, "validation_failed")
    assert fields(body) == {
        "name": "too_long", "legal_name": "too_long", "tax_id": "too_long", "notes": "too_long", "tags.0": "too_long",
        "phones": "too_many", "contacts.0.name": "too_long", "addresses.0.line1": "too_long",
        "addresses.0.postal_code": "too_long", "emails.0.email": "too_long",
    }
    assert "200" in next(e["message"] for e in body["errors"] if e["field"] == "name")


def test_control_characters_are_refused_but_newlines_in_notes_are_fine(api: Any, target: Any, unchanged: Any) -> None:
    with unchanged():
        body = problem(api.post(CLIENTS, json={
            "name": "A\x00B", "legal_name": "L\nM", "tags": ["a\tb"], "addresses": [{"line1": "x\x1by"}],
            "notes": "bell\x07", "contacts": [{"name": "C\rD"}],
        }), 422, "validation_failed")
    assert fields(body) == {"name": "control_characters", "legal_name": "control_characters",
                            "tags.0": "control_characters", "addresses.0.line1": "control_characters",
                            "notes": "control_characters", "contacts.0.name": "control_characters"}
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "N", "extra": {"tier": "a\x00"}}), 422, "validation_failed")
    assert fields(body) == {"extra.tier": "extra_field_type"}
    ok = api.post(CLIENTS, json={"name": "Fine", "notes": "line 1\nline 2\ttabbed",
                                 "extra": {"tier": "ស្រូវ\u200bអង្ករ\u00a0A"}})
    assert ok.status_code == 201 and ok.json["notes"] == "line 1\nline 2\ttabbed"
    for path in (CLIENTS + "?q=a%00b", CLIENTS + "?filter=name:eq:a%01", CLIENTS + "/groups?by=kind%00"):
        with unchanged():
            problem(api.get(path), 422, "validation_failed", path)
    with unchanged():
        body = problem(api.post(f"{CLIENTS}/query", json={"filters": [{"field": "name", "op": "eq", "value": "a\x00"}]}),
                       422, "validation_failed")
    assert list(fields(body))[0].startswith("filters.0.value")


def test_blank_required_text_is_required(api: Any, target: Any, unchanged: Any) -> None:
    for name in ("", "   ", "\u3000"):
        with unchanged():
            assert fields(problem(api.post(CLIENTS, json={"name": name}), 422, "validation_failed", name)) == {
                "name": "required"}
    with unchanged():
        assert fields(problem(api.post(CLIENTS, json={}), 422, "validation_failed")) == {"name": "required"}


def test_invalid_tax_ids_phones_and_emails_are_all_reported_at_once(api: Any, target: Any, unchanged: Any) -> None:
    bad = {
        "name": "Everything wrong", "country": "RU", "tax_id": "7707083894",
        "phones": [{"number": "12"}, {"number": "+7 916 123 45 67"}, {"number": "abc"}],
        "emails": [{"email": "x@"}, {"email": "ok@example.com"}, {"email": "no-at-sign"}],
        "contacts": [{"name": "Contact", "phone": "1", "email": "bad@"}],
        "segment": "nope", "extra": {"unknown": 1},
    }
    with unchanged():
        body = problem(api.post(CLIENTS, json=bad), 422, "validation_failed")
    expected = {
        "tax_id": "invalid_tax_id", "phones.0.number": "invalid_phone", "phones.2.number": "invalid_phone",
        "emails.0.email": "invalid_email", "emails.2.email": "invalid_email", "contacts.0.phone": "invalid_phone",
        "contacts.0.email": "invalid_email", "segment": "unknown_reference", "extra.unknown": "extra_field_unknown",
    }
    assert fields(body) == expected and len(body["errors"]) == len(expected)
    msgs = {e["field"]: e["message"] for e in body["errors"]}
    assert "RU" in msgs["phones.0.number"] and "RU" in msgs["tax_id"] and "@" in msgs["emails.0.email"]
    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{target['client']['id']}", json={"version": 1, **bad}), 422,
                       "validation_failed")
    assert fields(body) == expected


# --- versions, ids, other companies ------------------------------------------------------------------

def test_stale_versions_get_409_with_the_current_record(api: Any, target: Any, unchanged: Any) -> None:
    c, a = target["client"], target["archived"]
    for method, path, version in (("PATCH", f"{CLIENTS}/{c['id']}", 2), ("PATCH", f"{CLIENTS}/{c['id']}", 7),
                                  ("POST", f"{CLIENTS}/{c['id']}/archive", 5),
                                  ("POST", f"{CLIENTS}/{a['id']}/restore", 1)):
        with unchanged():
            body = problem(send(api, method, path, json={"version": version, **({"name": "x"} if method == "PATCH" else {})}),
                           409, "stale_version", (method, path, version))
        assert body["current"]["id"] == int(path.split("/")[4])
        assert body["current"]["version"] != version and body["params"]["given"] == version
    for version in (0, -1, BIG):
        with unchanged():
            body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": version, "name": "x"}), 422,
                           "validation_failed", version)
        assert list(fields(body)) == ["version"]


@pytest.mark.parametrize("cid", [999_999, BIG])
def test_unknown_ids_are_404(api: Any, target: Any, unchanged: Any, cid: int) -> None:
    for method, path, body_json in (("GET", f"{CLIENTS}/{cid}", None), ("PATCH", f"{CLIENTS}/{cid}", {"version": 1}),
                                    ("POST", f"{CLIENTS}/{cid}/archive", {"version": 1}),
                                    ("POST", f"{CLIENTS}/{cid}/restore", {"version": 1}),
                                    ("PATCH", f"/api/v1/segments/{cid}", {"version": 1, "name": "x"})):
        with unchanged():
            problem(send(api, method, path, json=body_json), 404, "not_found", (method, path))
    with unchanged():
        problem(api.get(f"{CLIENTS}/not-a-number"), 404, "route_not_found")
        problem(api.get(f"{CLIENTS}/-1"), 404, "route_not_found")
        problem(api.get("/api/v1/clientz"), 404, "route_not_found")


def test_another_companys_client_does_not_exist_for_me(app: Any, api: Any, db: Any, unchanged: Any) -> None:
    from server.setup.service import create_company
    from tests.factories import Api

    with db.write_session() as s, s.begin():
        _, _, token = create_company(s, name="Rival", country="RU", currency="RUB", second_currency=None,
                                     language="ru", owner_email="boss@rival.example", owner_name="Boss")
    rival = Api(app, token)
    theirs = rival.post(CLIENTS, json={"name": "Их клиент", "tags": ["secret"]}).json
    with unchanged():
        problem(api.get(f"{CLIENTS}/{theirs['id']}"), 404, "not_found")
        problem(api.patch(f"{CLIENTS}/{theirs['id']}", json={"version": 1, "name": "mine"}), 404, "not_found")
        problem(api.post(f"{CLIENTS}/{theirs['id']}/archive", json={"version": 1}), 404, "not_found")
        out = api.post(f"{CLIENTS}/batch", json={"rows": [{"op": "update", "id": theirs["id"], "version": 1,
                                                            "data": {"name": "mine"}}]}).json
        assert out["results"][0]["status"] == "error" and out["results"][0].get("current") is None
    # Their rows, tags and names never show up in my lists, searches, groups or exports.
    assert api.get(CLIENTS, query_string={"q": "Их клиент"}).json["items"] == []
    assert api.get("/api/v1/tags").json["items"] == []
    assert "Их клиент" not in api.get(f"{CLIENTS}/export").get_data(as_text=True)
    assert api.get(f"{CLIENTS}/groups", query_string={"by": "kind"}).json["total"] == 0


# --- who may do what ---------------------------------------------------------------------------------

def test_missing_or_wrong_tokens_are_401_everywhere(app: Any, api: Any, target: Any, unchanged: Any) -> None:
    client = app.test_client()
    calls = [(m, p, b) for m, p, b in body_endpoints(target)] + [("GET", p, None) for p in get_endpoints(target)]
    for method, path, valid in calls:
        for headers, code in (({}, "unauthorized"), ({"Authorization": "Bearer cb_nope"}, "token_invalid"),
                              ({"Authorization": "Token " + api.token}, "token_invalid"),
                              ({"Authorization": "Bearer"}, "token_invalid"),
                              ({"Authorization": "Bearer " + api.token + "x"}, "token_invalid")):
            with unchanged():
                problem(client.open(path, method=method, json=valid, headers=headers), 401, code, (method, path, headers))


def test_roles_without_rights_are_403(api: Any, world: Any, target: Any, unchanged: Any) -> None:
    warehouse, hr, sales = (api.as_(world.tokens[r]) for r in ("warehouse", "hr", "sales"))
    for method, path, valid in body_endpoints(target):
        if path.endswith("/query"):
            continue   # a read, for everyone who may read clients
        with unchanged():
            body = problem(send(warehouse, method, path, json=valid), 403, "role_forbidden", (method, path))
        assert body["params"]["role"] == "warehouse"
        with unchanged():
            problem(send(hr, method, path, json=valid), 403, "role_forbidden", (method, path))
        if "/clients" not in path:   # reference lists are set up by the owner only
            with unchanged():
                problem(send(sales, method, path, json=valid), 403, "role_forbidden", (method, path))
    for path in get_endpoints(target):
        if "/clients" in path or path.endswith("/tags"):
            with unchanged():
                problem(hr.get(path), 403, "role_forbidden", path)
            assert warehouse.get(path).status_code == 200, path   # the warehouse may look clients up
    with unchanged():
        problem(hr.post(f"{CLIENTS}/query", json={}), 403, "role_forbidden")
    assert warehouse.post(f"{CLIENTS}/query", json={}).status_code == 200


def test_another_branchs_record_is_out_of_scope(api: Any, world: Any, unchanged: Any) -> None:
    sr = api.post(CLIENTS, json={"name": "Siem Reap Hotel", "branch_id": world.branches["SR"]}).json
    pp = api.post(CLIENTS, json={"name": "PP Shop", "branch_id": world.branches["PP"]}).json
    sales_pp = api.as_(world.tokens["sales_pp"])
    for method, path, body_json in (("GET", f"{CLIENTS}/{sr['id']}", None),
                                    ("PATCH", f"{CLIENTS}/{sr['id']}", {"version": 1, "name": "x"}),
                                    ("POST", f"{CLIENTS}/{sr['id']}/archive", {"version": 1}),
                                    ("POST", f"{CLIENTS}/{sr['id']}/restore", {"version": 1}),
                                    ("PATCH", f"{CLIENTS}/{sr['id']}", {"version": 99, "name": "x"})):
        with unchanged():
            body = problem(send(sales_pp, method, path, json=body_json), 403, "out_of_branch_scope", (method, path))
        assert fields(body) == {"branch_id": "out_of_branch_scope"}
        assert "current" not in body   # a stale version must not leak the record either
    for data in ({"name": "Into SR", "branch_id": world.branches["SR"]}, {"name": "Company-wide", "branch_id": None}):
        with unchanged():
            body = problem(sales_pp.post(CLIENTS, json=data), 422, "validation_failed", data)
        assert fields(body) == {"branch_id": "out_of_branch_scope"}
    with unchanged():
        body = problem(sales_pp.patch(f"{CLIENTS}/{pp['id']}", json={"version": 1, "branch_id": world.branches["MOW"]}),
                       422, "validation_failed")
    assert fields(body) == {"branch_id": "out_of_branch_scope"}
    # Filtering for the other branch finds nothing rather than an error that confirms it exists.
    assert sales_pp.get(CLIENTS, query_string={"filter": f"branch_id:eq:{world.branches['SR']}"}).json["items"] == []
    assert sales_pp.get(CLIENTS, query_string={"q": "Siem Reap"}).json["items"] == []


# --- list, query, groups and export parameters --------------------------------------------------------

BAD_LIST_PARAMETERS = [
    ({"limit": "abc"}, {"limit": "wrong_type"}),
    ({"limit": "0"}, {"limit": "too_small"}),
    ({"limit": "1001"}, {"limit": "too_large"}),
    ({"colour": "red"}, {"colour": "unknown_field"}),
    ({"include_archived": "maybe"}, {"include_archived": "wrong_type"}),
    ({"q": "x" * 201}, {"q": "too_long"}),
    ({"filter": "name"}, {"filter.0": "invalid_filter"}),
    ({"filter": ":eq:x"}, {"filter.0": "invalid_filter"}),
    ({"filter": "name:like:x"}, {"filter.0.op": "invalid_operator"}),
    ({"filter": "name:eq:a\x01b"}, {"filter.0": "control_characters"}),
    ({"filter": "x" * 61 + ":eq:1"}, {"filter.0.field": "too_long"}),
    ({"filter": "nope:eq:1"}, {"filter.0.field": "unknown_filter_field"}),
    ({"filter": "id:contains:1"}, {"filter.0.op": "invalid_operator"}),
    ({"filter": "id:eq:one"}, {"filter.0.value": "wrong_type"}),
    ({"filter": "id:between:1"}, {"filter.0.value": "wrong_type"}),
    ({"filter": "id:in:"}, {"filter.0.value": "too_many"}),
    ({"filter": "created_at:gt:yesterday"}, {"filter.0.value": "wrong_type"}),
    ({"filter": "consent_to_mailings:eq:perhaps"}, {"filter.0.value": "wrong_type"}),
    ({"filter": "tags:contains:v"}, {"filter.0.op": "invalid_operator"}),
    ({"sort": "nope"}, {"sort.0": "unknown_sort_field"}),
    ({"sort": "name,-colour"}, {"sort.1": "unknown_sort_field"}),
    ({"cursor": "not-a-cursor"}, {"cursor": "invalid_cursor"}),
]


def test_bad_list_parameters(api: Any, unchanged: Any) -> None:
    for params, expected in BAD_LIST_PARAMETERS:
        with unchanged():
            body = problem(api.get(CLIENTS, query_string=params), 422, "validation_failed", params)
        assert fields(body) == expected, params


def test_every_bad_filter_in_one_request_is_reported(api: Any, unchanged: Any) -> None:
    with unchanged():
        body = problem(api.post(f"{CLIENTS}/query", json={
            "filters": [{"field": "nope", "op": "eq", "value": 1}, {"field": "id", "op": "contains", "value": "1"},
                        {"field": "created_at", "op": "lt", "value": "soon"}, {"field": "name", "op": "like"}],
            "sort": ["colour", "-name", "-shade"], "limit": "10",
        }), 422, "validation_failed")
    assert fields(body) == {"filters.3.op": "invalid_choice", "limit": "wrong_type"}
    with unchanged():
        body = problem(api.post(f"{CLIENTS}/query", json={
            "filters": [{"field": "nope", "op": "eq", "value": 1}, {"field": "id", "op": "contains", "value": "1"},
                        {"field": "created_at", "op": "lt", "value": "soon"}, {"field": "name", "op": "lt"},
                        {"field": "id", "op": "in", "value": [1, "two"]}, {"field": "kind", "op": "eq", "value": ["a"]}]}),
            422, "validation_failed")
    assert fields(body) == {"filters.0.field": "unknown_filter_field", "filters.1.op": "invalid_operator",
                            "filters.2.value": "wrong_type", "filters.3.value": "required",
                            "filters.4.value": "wrong_type", "filters.5.value": "wrong_type"}
    with unchanged():
        body = problem(api.post(f"{CLIENTS}/query", json={"sort": ["colour", "-name", "-shade"]}), 422,
                       "validation_failed")
    assert fields(body) == {"sort.0": "unknown_sort_field", "sort.2": "unknown_sort_field"}


def test_bad_group_and_export_parameters(api: Any, unchanged: Any) -> None:
    for path, params, expected in (
        (f"{CLIENTS}/groups", {}, {"by": "required"}),
        (f"{CLIENTS}/groups", {"by": "name"}, {"by.0": "unknown_group_field"}),
        (f"{CLIENTS}/groups", {"by": "kind", "sort": "name"}, {"sort": "unknown_field"}),
        (f"{CLIENTS}/groups", {"by": "kind", "filter": "nope:eq:1"}, {"filter.0.field": "unknown_filter_field"}),
        (f"{CLIENTS}/export", {"format": "pdf"}, {"format": "invalid_choice"}),
        (f"{CLIENTS}/export", {"sort": "nope"}, {"sort.0": "unknown_sort_field"}),
        (f"{CLIENTS}/export", {"limit": "5"}, {"limit": "unknown_field"}),
        (f"{CLIENTS}/export", {"filter": "kind:contains:x"}, {"filter.0.op": "invalid_operator"}),
    ):
        with unchanged():
            body = problem(api.get(path, query_string=params), 422, "validation_failed", (path, params))
        assert fields(body) == expected, (path, params)


# --- transport-level refusals -------------------------------------------------------------------------

def test_too_large_bodies_and_wrong_methods(app: Any, api: Any, target: Any, unchanged: Any) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2000
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "N", "notes": "x" * 5000}), 413, "payload_too_large")
    assert body["params"]["limit"] == 2000
    for method, path in (("DELETE", f"{CLIENTS}/{target['client']['id']}"), ("PUT", f"{CLIENTS}/{target['client']['id']}"),
                         ("DELETE", CLIENTS), ("PATCH", CLIENTS), ("GET", f"{CLIENTS}/batch")):
        with unchanged():
            r = send(api, method, path, json={"version": 1})
        assert r.status_code in (404, 405), (method, path)
        if r.status_code == 405:
            problem(r, 405, "method_not_allowed", (method, path))
            assert r.headers["Allow"]


def test_bad_input_speaks_the_users_language(api: Any, db: Any, world: Any, unchanged: Any) -> None:
    from server.org.models import User

    with db.write_session() as s, s.begin():
        s.get_one(User, world.users["accountant"]).language = "km"
    km = api.as_(world.tokens["accountant"])
    cat = catalog("km")
    with unchanged():
        body = problem(km.post(CLIENTS, json={"name": "x" * 201, "kind": "customer"}), 422, "validation_failed")
    assert body["title"] == cat[MESSAGES["validation_failed"]]
    msgs = {e["field"]: e["message"] for e in body["errors"]}
    assert msgs["name"] == cat[MESSAGES["too_long"]].format(max=200)
    assert msgs["kind"].startswith(cat[MESSAGES["invalid_choice"]].split("{")[0])
    with unchanged():
        body = problem(km.post(CLIENTS, data="{", content_type="application/json"), 400, "malformed_json")
    assert body["title"].startswith(cat[MESSAGES["malformed_json"]].split("{")[0])
    with unchanged():
        body = problem(km.get(CLIENTS, query_string={"filter": "nope:eq:1"}), 422, "validation_failed")
    allowed = body["errors"][0]["message"].rsplit("៖ ", 1)[1].rstrip("។")
    assert "name" in allowed.split(", ")
    assert body["errors"][0]["message"] == cat[MESSAGES["unknown_filter_field"]].format(name="nope", allowed=allowed)


def test_bad_idempotency_keys(api: Any, target: Any, unchanged: Any) -> None:
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "N"}, headers={"Idempotency-Key": "k" * 201}), 422,
                       "validation_failed")
    assert list(fields(body)) == ["Idempotency-Key"]
    assert api.post(CLIENTS, json={"name": "N"}, headers={"Idempotency-Key": "sync-1"}).status_code == 201
    # The same key on another address, or with another body, is another request: refused, nothing written.
    with unchanged():
        problem(api.post(f"{CLIENTS}/batch", json={"rows": []}, headers={"Idempotency-Key": "sync-1"}), 422,
                "idempotency_key_reused")
        problem(api.post(CLIENTS, json={"name": "M"}, headers={"Idempotency-Key": "sync-1"}), 422,
                "idempotency_key_reused")
        problem(api.post(f"{CLIENTS}?x=1", json={"name": "N"}, headers={"Idempotency-Key": "sync-1"}), 422,
                "idempotency_key_reused")


def test_shape_and_rule_errors_come_back_together(api: Any, unchanged: Any) -> None:
    body = {"name": "x" * 201, "phones": [{"number": "12"}], "emails": [{"email": "nope"}],
            "tax_id": "7707083894", "country": "RU", "segment": "no-such", "bogus": 1}
    with unchanged():
        r = api.post("/api/v1/clients", body)
    assert r.status_code == 422
    fields = {e["field"]: e["code"] for e in r.json["errors"]}
    assert fields == {"name": "too_long", "bogus": "unknown_field", "phones.0.number": "invalid_phone",
                      "emails.0.email": "invalid_email", "tax_id": "invalid_tax_id", "segment": "unknown_reference"}


def test_patch_reports_rule_errors_beside_shape_errors(api: Any, unchanged: Any) -> None:
    client = api.post("/api/v1/clients", {"name": "Иван", "country": "RU"}).json
    with unchanged():
        r = api.patch(f"/api/v1/clients/{client['id']}", {"version": client["version"], "name": 5,
                                                          "tax_id": "7707083894"})
    fields = {e["field"]: e["code"] for e in r.json["errors"]}
    assert fields == {"name": "wrong_type", "tax_id": "invalid_tax_id"}


def test_batch_rows_report_shape_and_rule_errors_together(api: Any, unchanged: Any) -> None:
    with unchanged():
        r = api.post("/api/v1/clients/batch", {"rows": [
            {"op": "create", "data": {"name": "", "phones": [{"number": "abc"}], "emails": [{"email": "x@"}]}}]})
    fields = {e["field"]: e["code"] for e in r.json["results"][0]["errors"]}
    assert fields == {"data.name": "required", "data.phones.0.number": "invalid_phone",
                      "data.emails.0.email": "invalid_email"}
