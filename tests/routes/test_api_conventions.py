"""The API conventions (README): kebab-case paths with deprecated aliases, one set of list parameters,
read and write shapes that agree, names beside ids, Accept-Language over the stored language,
unknown filter fields that name the valid ones."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from server.core.i18n import catalog
from server.core.messages import MESSAGES
from server.org.models import User

from tests.factories import books_for, hire, line, open_run, problem

V1 = "/api/v1"


# --- paths: kebab-case, old spellings as deprecated aliases ---------------------------------------

def test_every_path_is_kebab_case_or_a_deprecated_alias(app: Any) -> None:
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions.get(rule.endpoint), "cb_endpoint", None)
        if meta is None:
            continue
        static = "/".join(part for part in rule.rule.split("/") if not part.startswith("<"))
        assert ("_" not in static) == (meta.successor is None), rule.rule


@pytest.mark.parametrize("new, old", [("lead-sources", "lead_sources"), ("extra-fields", "extra_fields")])
def test_old_spellings_answer_with_the_same_handler_and_say_they_are_deprecated(api: Any, new: str, old: str) -> None:
    body = {"code": "web", "name": "Web"} if new == "lead-sources" else {"key": "tier", "label": "Tier", "type": "text"}
    created = api.post(f"{V1}/{old}", body)
    assert created.status_code == 201, created.json
    assert created.headers["Deprecation"] == "true"
    assert created.headers["Link"] == f'<{V1}/{new}>; rel="successor-version"'
    rid = created.json["id"]
    fresh = api.get(f"{V1}/{new}/{rid}")
    assert fresh.status_code == 200 and "Deprecation" not in fresh.headers and "Link" not in fresh.headers
    aliased = api.get(f"{V1}/{old}/{rid}")
    assert aliased.json == fresh.json
    assert aliased.headers["Link"] == f'<{V1}/{new}/{rid}>; rel="successor-version"'
    assert api.get(f"{V1}/{old}").json == api.get(f"{V1}/{new}").json
    # Errors on the old path carry the notice too, and are the same errors.
    missing = api.get(f"{V1}/{old}/999999")
    problem(missing, 404, "not_found")
    assert missing.headers["Deprecation"] == "true"
    assert missing.headers["Link"] == f'<{V1}/{new}/999999>; rel="successor-version"'
    r = api.post(f"{V1}/{old}/{rid}/archive", {"version": created.json["version"]})
    assert r.status_code == 200 and r.json["archived_at"] and r.headers["Deprecation"] == "true"


def test_openapi_marks_the_aliases_deprecated_and_nothing_else(api: Any) -> None:
    doc = api.get(f"{V1}/openapi.json").json
    deprecated = {(path, method) for path, ops in doc["paths"].items() for method, op in ops.items()
                  if op.get("deprecated")}
    assert deprecated == {
        (f"{V1}/lead_sources", "get"), (f"{V1}/lead_sources", "post"), (f"{V1}/lead_sources/{{id}}", "get"),
        (f"{V1}/lead_sources/{{id}}", "patch"), (f"{V1}/lead_sources/{{id}}/archive", "post"),
        (f"{V1}/extra_fields", "get"), (f"{V1}/extra_fields", "post"), (f"{V1}/extra_fields/{{id}}", "get"),
        (f"{V1}/extra_fields/{{id}}", "patch"), (f"{V1}/extra_fields/{{id}}/archive", "post"),
    }
    assert f"{V1}/lead-sources" in doc["paths"] and f"{V1}/extra-fields/{{id}}" in doc["paths"]
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


# --- one set of list parameters -------------------------------------------------------------------

LISTS = ["clients", "payroll-runs", "pay-items", "segments", "lead-sources", "branches", "users", "accounts",
         "cash-accounts", "payment-terms", "price-lists", "positions", "tax-rules", "orders", "invoices",
         "payments", "employees", "products", "documents", "staff-requests", "categories/tree"]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_takes_limit_and_offset(api: Any, path: str) -> None:
    r = api.get(f"{V1}/{path}", query_string={"limit": 5, "offset": 0})
    assert r.status_code == 200, (path, r.get_data(as_text=True))
    assert len(r.json["items"]) <= 5


@pytest.mark.parametrize("path", ["clients", "payroll-runs", "segments", "invoices", "employees"])
@pytest.mark.parametrize("params, field, code", [
    ({"limit": -1}, "limit", "too_small"), ({"limit": 0}, "limit", "too_small"),
    ({"limit": 10**9}, "limit", "too_large"), ({"limit": "abc"}, "limit", "not_integer"),
    ({"offset": -1}, "offset", "too_small"), ({"offset": "1.5"}, "offset", "not_integer"),
    ({"offset": 10**12}, "offset", "too_large"),
])
def test_bad_page_parameters_are_422_naming_the_field(api: Any, unchanged: Any, path: str, params: dict[str, Any],
                                                      field: str, code: str) -> None:
    with unchanged():
        body = problem(api.get(f"{V1}/{path}", query_string=params), 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field], body
    assert body["errors"][0]["code"] == code or code == "not_integer", body


def test_limit_and_offset_page_a_list_that_answered_whole(api: Any) -> None:
    for code in ("a", "b", "c", "d", "e"):
        assert api.post(f"{V1}/segments", {"code": code, "name": code.upper()}).status_code == 201
    everything = [s["code"] for s in api.get(f"{V1}/segments").json["items"]]
    assert everything == ["a", "b", "c", "d", "e"]  # no limit given: the whole list, as before
    page = api.get(f"{V1}/segments", query_string={"limit": 2, "offset": 1}).json["items"]
    assert [s["code"] for s in page] == everything[1:3]
    assert api.get(f"{V1}/segments", query_string={"offset": 10}).json["items"] == []


def test_clients_take_offset_beside_the_cursor_and_keep_their_total(api: Any) -> None:
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        assert api.post(f"{V1}/clients", {"name": name}).status_code == 201
    r = api.get(f"{V1}/clients", query_string={"sort": "name", "limit": 2, "offset": 1, "with_total": "true"}).json
    assert [c["name"] for c in r["items"]] == ["Bravo", "Charlie"] and r["total"] == 4
    nxt = api.get(f"{V1}/clients", query_string={"sort": "name", "limit": 2, "cursor": r["next_cursor"]}).json
    assert [c["name"] for c in nxt["items"]] == ["Delta"]


def test_payroll_runs_page(api: Any, world: Any) -> None:
    hire(api, world, "Sok Dara", salary="500.00")
    for period in ("2026-04", "2026-05", "2026-06"):
        open_run(api, world, period)
    whole = api.get(f"{V1}/payroll-runs").json["items"]
    assert len(whole) == 3
    page = api.get(f"{V1}/payroll-runs", query_string={"limit": 1, "offset": 1}).json["items"]
    assert [r["id"] for r in page] == [whole[1]["id"]]


# --- read and write shapes ------------------------------------------------------------------------

def test_the_read_shape_can_be_written_back(api: Any) -> None:
    r = api.post(f"{V1}/clients", {"name": "Read Shape", "country": "KH", "phone": "012 345 678",
                                   "email": "Sales@Example.com"})
    assert r.status_code == 201, r.json
    c = r.json
    assert c["phone"] == "+85512345678" and c["phones"] == [{"number": "+85512345678", "kind": "work"}]
    assert c["email"] == "sales@example.com" and c["emails"] == [{"email": "sales@example.com", "kind": "work"}]
    r = api.patch(f"{V1}/clients/{c['id']}", {"version": c["version"], "phone": None, "emails": c["emails"]})
    assert r.status_code == 200, r.json
    assert r.json["phone"] is None and r.json["phones"] == [] and r.json["email"] == "sales@example.com"


def test_a_bad_phone_in_the_read_shape_is_named_and_both_spellings_are_refused(api: Any, unchanged: Any) -> None:
    with unchanged():
        body = problem(api.post(f"{V1}/clients", {"name": "X", "country": "KH", "phone": "12"}), 422,
                       "validation_failed")
    assert [e["code"] for e in body["errors"]] == ["invalid_phone"]
    with unchanged():
        body = problem(api.post(f"{V1}/clients", {"name": "X", "phone": "+85512345678",
                                                  "phones": [{"number": "+85512345678"}]}), 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("phone", "unknown_field")]
    with unchanged():
        body = problem(api.post(f"{V1}/clients", {"name": "X", "email": ["a@b.example"]}), 422, "validation_failed")
    assert body["errors"][0]["field"].startswith("emails.0.email")


# --- names beside ids -----------------------------------------------------------------------------

def _count_queries(db: Any) -> Any:
    counter = {"n": 0}

    def count(*_: Any) -> None:
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    return counter, lambda: event.remove(db.engine, "before_cursor_execute", count)


def test_clients_show_branch_and_manager_without_a_query_per_row(api: Any, db: Any, world: Any) -> None:
    pp, sr = world.branches["PP"], world.branches["SR"]
    for i in range(3):
        api.post(f"{V1}/clients", {"name": f"C{i}", "branch_id": pp, "manager_id": world.users["sales"]})
    c = api.get(f"{V1}/clients", query_string={"sort": "name"}).json["items"][0]
    assert c["branch"] == {"id": pp, "code": "PP", "name": "Phnom Penh"}
    assert c["manager"] == {"id": world.users["sales"], "code": None, "name": "Sales"}
    counter, stop = _count_queries(db)
    try:
        api.get(f"{V1}/clients")
        few = counter["n"]
        for i in range(3, 12):
            api.post(f"{V1}/clients", {"name": f"C{i}", "branch_id": sr if i % 2 else pp,
                                       "manager_id": world.users["owner" if i % 2 else "sales"]})
        counter["n"] = 0
        items = api.get(f"{V1}/clients").json["items"]
        assert counter["n"] == few, "the names are loaded per page, not per row"
    finally:
        stop()
    assert {(i["branch"]["code"], i["manager"]["name"]) for i in items} == {
        ("PP", "Sales"), ("SR", "Sophea Owner")}
    one = api.get(f"{V1}/clients/{items[0]['id']}").json
    assert one["branch"]["id"] == one["branch_id"] and one["manager"]["id"] == one["manager_id"]
    bare = api.post(f"{V1}/clients", {"name": "Nobody's"}).json
    assert bare["branch"] is None and bare["manager"] is None


def test_orders_invoices_payments_employees_and_runs_name_their_ids(api: Any, db: Any, world: Any) -> None:
    b = books_for(db, world, api)
    pp = {"id": world.branches["PP"], "code": "PP", "name": "Phnom Penh"}
    shop = {"id": b.client, "code": None, "name": "Sokha Shop"}
    order = api.post(f"{V1}/orders", {"branch_id": b.pp, "counterparty_id": b.client, "date": "2026-03-10",
                                      "lines": [line("W-1", "1", "10.00")]}).json
    assert (order["branch"], order["counterparty"]) == (pp, shop)
    listed = api.get(f"{V1}/orders").json["items"][0]
    assert (listed["branch"], listed["counterparty"]) == (pp, shop)
    inv = b.posted([line("W-1", "1", "10.00")])
    assert (inv["branch"], inv["counterparty"]) == (pp, shop)
    listed = api.get(f"{V1}/invoices").json["items"][0]
    assert (listed["branch"], listed["counterparty"]) == (pp, shop)
    cash = api.post(f"{V1}/cash-accounts", {"kind": "cash", "branch_id": b.pp, "code": "PP-CASH", "name": "Desk",
                                            "currency": "USD"}).json
    pay = api.post(f"{V1}/payments", {"kind": "receipt", "date": "2026-03-12", "cash_account_id": cash["id"],
                                      "counterparty_id": b.client, "amount": "10.00"})
    assert pay.status_code == 201, pay.json
    assert (pay.json["branch"], pay.json["counterparty"]) == (pp, shop)
    listed = api.get(f"{V1}/payments").json["items"][0]
    assert (listed["branch"], listed["counterparty"]) == (pp, shop)
    emp = hire(api, world, "Sok Dara", salary="500.00", branch="SR")
    assert emp["branch"]["code"] == "SR"
    assert api.get(f"{V1}/employees").json["items"][0]["branch"]["name"] == "Siem Reap"
    run = open_run(api, world, "2026-04", branch="SR")
    assert run["branch"]["code"] == "SR"
    assert api.get(f"{V1}/payroll-runs").json["items"][0]["branch"]["code"] == "SR"


# --- Accept-Language over the stored language -----------------------------------------------------

def test_an_explicit_accept_language_wins_over_the_stored_one(api: Any, db: Any, world: Any) -> None:
    with db.write_session() as s, s.begin():
        s.get_one(User, world.users["accountant"]).language = "ru"
    ru_user = api.as_(world.tokens["accountant"])
    bad = {"filter": "nope:eq:1"}
    stored = problem(ru_user.get(f"{V1}/clients", query_string=bad), 422, "validation_failed")
    assert stored["title"] == catalog("ru")[MESSAGES["validation_failed"]]
    asked = problem(ru_user.get(f"{V1}/clients", query_string=bad, headers={"Accept-Language": "km"}), 422,
                    "validation_failed")
    assert asked["title"] == catalog("km")[MESSAGES["validation_failed"]]
    assert asked["errors"][0]["message"].startswith(catalog("km")[MESSAGES["unknown_filter_field"]].split("{")[0])
    english = problem(ru_user.get(f"{V1}/clients", query_string=bad, headers={"Accept-Language": "en-GB"}), 422,
                      "validation_failed")
    assert english["title"] == MESSAGES["validation_failed"]
    # A header naming no language we speak leaves the stored one.
    other = problem(ru_user.get(f"{V1}/clients", query_string=bad, headers={"Accept-Language": "de, fr;q=0.5"}), 422,
                    "validation_failed")
    assert other["title"] == catalog("ru")[MESSAGES["validation_failed"]]


# --- unknown filter and sort fields name the valid ones -------------------------------------------

@pytest.mark.parametrize("language", ["en", "km", "ru"])
def test_unknown_filter_and_sort_fields_list_the_valid_ones(api: Any, language: str) -> None:
    assert api.post(f"{V1}/extra-fields", {"key": "tier", "label": "Tier", "type": "text"}).status_code == 201
    headers = {"Accept-Language": language}
    for params, field, code, named in (({"filter": "colour:eq:red"}, "filter.0.field", "unknown_filter_field", "colour"),
                                       ({"sort": "name,-shade"}, "sort.1", "unknown_sort_field", "shade")):
        body = problem(api.get(f"{V1}/clients", query_string=params, headers=headers), 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, code)]
        text = body["errors"][0]["message"]
        assert named in text
        assert "name" in text and "created_at" in text and "extra.tier" in text
        assert ("tags" in text) == (code == "unknown_filter_field")
        template = MESSAGES[code] if language == "en" else catalog(language)[MESSAGES[code]]
        assert text.startswith(template.split("{")[0])
