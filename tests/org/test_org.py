"""The organisation API: company, branches, departments, warehouses, users, the operations log."""
from __future__ import annotations

from typing import Any

import pytest

from server.setup.service import create_company

from tests.factories import assert_problem

B = "/api/v1"


# --- helpers -----------------------------------------------------------------------------


def assert_duplicate(r: Any, field: str) -> dict[str, Any]:
    """A clash with an existing record: 409 (core.errors.CONFLICT_CODES) naming the field."""
    return assert_problem(r, 409, "duplicate", {field: "already_exists"})


def make_branch(api: Any, code: str = "BTB", **kw: Any) -> dict[str, Any]:
    r = api.post(f"{B}/branches", {"code": code, "name": kw.pop("name", f"Branch {code}"), "country": "KH", **kw})
    assert r.status_code == 201, r.json
    return r.json


def make_warehouse(api: Any, branch_id: int, code: str = "W1", **kw: Any) -> dict[str, Any]:
    r = api.post(f"{B}/warehouses", {"code": code, "name": kw.pop("name", f"Store {code}"), "branch_id": branch_id, **kw})
    assert r.status_code == 201, r.json
    return r.json


def make_department(api: Any, name: str, parent_id: int | None = None, **kw: Any) -> dict[str, Any]:
    r = api.post(f"{B}/departments", {"name": name, "parent_id": parent_id, **kw})
    assert r.status_code == 201, r.json
    return r.json


def make_user(api: Any, email: str, role: str = "sales", **kw: Any) -> dict[str, Any]:
    r = api.post(f"{B}/users", {"email": email, "name": kw.pop("name", email.split("@")[0]), "role": role, **kw})
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def other_company(db: Any) -> dict[str, Any]:
    """A second company (Moscow) with one branch, department, warehouse; its owner's token."""
    from server.core.actor import Actor
    from server.org import schemas, service

    with db.write_session() as s, s.begin():
        company, owner, token = create_company(
            s, name="ООО Ромашка", country="RU", currency="RUB", second_currency=None, language="ru",
            owner_email="owner@romashka.example", owner_name="Иван")
        actor = Actor(user_id=owner.id, company_id=company.id, role="owner")
        branch = service.create_branch(s, actor, schemas.BranchIn(code="PP", name="Москва", country="RU"))
        dept = service.create_department(s, actor, schemas.DepartmentIn(name="Бухгалтерия"))
        wh = service.create_warehouse(s, actor, schemas.WarehouseIn(code="W1", name="Склад", branch_id=branch.id))
        return {"company_id": company.id, "owner_id": owner.id, "token": token, "branch": branch.id,
                "department": dept.id, "warehouse": wh.id}


# --- company -----------------------------------------------------------------------------

def test_owner_reads_and_changes_the_company(api: Any, world: Any) -> None:
    r = api.get(f"{B}/company")
    assert r.status_code == 200
    c = r.json
    assert (c["id"], c["name"], c["country"], c["base_currency"], c["second_currency"]) == (
        world.company_id, "Angkor Trading", "KH", "USD", "KHR")
    r = api.patch(f"{B}/company", {"version": c["version"], "name": "Angkor Trading Co.", "language": "km",
                                   "legal_name": "Angkor Trading Co., Ltd.", "tax_id": "K001-901234567"})
    assert r.status_code == 200, r.json
    assert r.json["name"] == "Angkor Trading Co." and r.json["language"] == "km"
    assert r.json["version"] == c["version"] + 1
    assert api.get(f"{B}/company").json == r.json
    # Clearing an optional field is a change too.
    r2 = api.patch(f"{B}/company", {"version": r.json["version"], "second_currency": None})
    assert r2.status_code == 200 and r2.json["second_currency"] is None


def test_company_stale_version_is_409_with_the_current_record(api: Any, unchanged: Any) -> None:
    c = api.get(f"{B}/company").json
    assert api.patch(f"{B}/company", {"version": c["version"], "name": "First"}).status_code == 200
    with unchanged():
        r = api.patch(f"{B}/company", {"version": c["version"], "name": "Second"})
        body = assert_problem(r, 409, "stale_version")
    assert body["current"]["name"] == "First"
    assert body["current"]["version"] == c["version"] + 1


def test_only_the_owner_changes_the_company_but_every_role_reads_it(api: Any, world: Any, unchanged: Any) -> None:
    version = api.get(f"{B}/company").json["version"]
    for role in ("accountant", "sales", "warehouse", "hr", "sales_pp"):
        assert api.as_(world.tokens[role]).get(f"{B}/company").json["id"] == world.company_id
        with unchanged():
            r = api.as_(world.tokens[role]).patch(f"{B}/company", {"version": version, "name": "Hijacked"})
            assert_problem(r, 403, "role_forbidden")


@pytest.mark.parametrize("patch, fields", [
    ({"name": ""}, {"name": "required"}),
    ({"name": "   "}, {"name": "required"}),
    ({"name": None}, {"name": "wrong_type"}),
    ({"name": "x" * 201}, {"name": "too_long"}),
    ({"name": "two\nlines"}, {"name": "control_characters"}),
    ({"legal_name": "x" * 301, "tax_id": "9" * 41}, {"legal_name": "too_long", "tax_id": "too_long"}),
    ({"second_currency": "XXX"}, {"second_currency": "invalid_currency"}),
    ({"second_currency": 840}, {"second_currency": "wrong_type"}),
    ({"language": "fr"}, {"language": "invalid_language"}),
    ({"country": "RU"}, {"country": "unknown_field"}),
    ({"base_currency": "RUB"}, {"base_currency": "unknown_field"}),
    ({"name": 5, "language": "de", "colour": "red"},
     {"name": "wrong_type", "language": "invalid_language", "colour": "unknown_field"}),
])
def test_company_patch_refuses_bad_fields(api: Any, unchanged: Any, patch: dict[str, Any],
                                          fields: dict[str, str]) -> None:
    version = api.get(f"{B}/company").json["version"]
    with unchanged():
        assert_problem(api.patch(f"{B}/company", {"version": version, **patch}), 422, "validation_failed", fields)


def test_company_patch_needs_an_integer_version(api: Any, unchanged: Any) -> None:
    with unchanged():
        assert_problem(api.patch(f"{B}/company", {"name": "x"}), 422, "validation_failed", {"version": "required"})
        assert_problem(api.patch(f"{B}/company", {"version": "1", "name": "x"}), 422, "validation_failed",
                       {"version": "wrong_type"})


# --- branches ----------------------------------------------------------------------------

def test_branch_lifecycle(api: Any, world: Any) -> None:
    b = make_branch(api, "BTB", name="Battambang", city="Battambang", address="Road 5")
    assert (b["code"], b["name"], b["country"], b["city"], b["version"]) == ("BTB", "Battambang", "KH", "Battambang", 1)
    assert b["archived_at"] is None
    assert api.get(f"{B}/branches/{b['id']}").json == b
    codes = [x["code"] for x in api.get(f"{B}/branches").json["items"]]
    assert codes == sorted(["PP", "SR", "MOW", "BTB"])

    r = api.patch(f"{B}/branches/{b['id']}", {"version": 1, "name": "Battambang City", "city": None, "code": "BB"})
    assert r.status_code == 200, r.json
    assert (r.json["name"], r.json["city"], r.json["code"], r.json["version"]) == ("Battambang City", None, "BB", 2)

    r = api.post(f"{B}/branches/{b['id']}/archive", {"version": 2})
    assert r.status_code == 200 and r.json["archived_at"] is not None
    assert "BB" not in [x["code"] for x in api.get(f"{B}/branches").json["items"]]
    assert "BB" in [x["code"] for x in api.get(f"{B}/branches?include_archived=true").json["items"]]
    # Still readable by id once archived.
    assert api.get(f"{B}/branches/{b['id']}").json["archived_at"] is not None


def test_branch_codes_are_unique_within_the_company(api: Any, world: Any, unchanged: Any) -> None:
    sr = api.get(f"{B}/branches/{world.branches['SR']}").json
    with unchanged():
        assert_duplicate(api.post(f"{B}/branches", {"code": "PP", "name": "Again", "country": "KH"}), "code")
        assert_duplicate(api.patch(f"{B}/branches/{sr['id']}", {"version": sr["version"], "code": "PP"}), "code")
    # Keeping its own code is not a clash.
    assert api.patch(f"{B}/branches/{sr['id']}", {"version": sr["version"], "code": "SR"}).status_code == 200


def test_fifty_branches_and_no_limit(api: Any) -> None:
    for i in range(50):
        make_branch(api, f"B{i:02d}")
    items = api.get(f"{B}/branches").json["items"]
    assert len(items) == 53
    assert len({x["id"] for x in items}) == 53


def test_branch_with_active_warehouses_refuses_archive(api: Any, world: Any, unchanged: Any) -> None:
    pp = api.get(f"{B}/branches/{world.branches['PP']}").json
    wh = make_warehouse(api, pp["id"], "PP-1")
    with unchanged():
        body = assert_problem(api.post(f"{B}/branches/{pp['id']}/archive", {"version": pp["version"]}),
                              409, "has_children")
    assert "warehouses" in body["title"]
    assert api.post(f"{B}/warehouses/{wh['id']}/archive", {"version": wh["version"]}).status_code == 200
    r = api.post(f"{B}/branches/{pp['id']}/archive", {"version": pp["version"]})
    assert r.status_code == 200 and r.json["archived_at"] is not None


def test_branch_stale_versions(api: Any, unchanged: Any) -> None:
    b = make_branch(api, "KEP")
    assert api.patch(f"{B}/branches/{b['id']}", {"version": 1, "name": "Kep"}).status_code == 200
    with unchanged():
        body = assert_problem(api.patch(f"{B}/branches/{b['id']}", {"version": 1, "name": "Old"}), 409, "stale_version")
        assert body["current"]["name"] == "Kep" and body["current"]["version"] == 2
        assert_problem(api.post(f"{B}/branches/{b['id']}/archive", {"version": 1}), 409, "stale_version")
        assert_problem(api.post(f"{B}/branches/{b['id']}/archive", {}), 422, "validation_failed",
                       {"version": "required"})


@pytest.mark.parametrize("body, fields", [
    ({}, {"code": "required", "name": "required", "country": "required"}),
    ({"code": "X" * 21, "name": "n", "country": "KH"}, {"code": "too_long"}),
    ({"code": "", "name": "n", "country": "KH"}, {"code": "required"}),
    ({"code": "A", "name": "n" * 201, "country": "KH"}, {"name": "too_long"}),
    ({"code": "A", "name": "n", "country": "KH", "city": "c" * 101, "address": "a" * 501},
     {"city": "too_long", "address": "too_long"}),
    ({"code": "A", "name": "n", "country": "QQ"}, {"country": "invalid_country"}),
    ({"code": "A", "name": "n", "country": "Cambodia"}, {"country": "invalid_country"}),
    ({"code": "A", "name": "n", "country": 116}, {"country": "wrong_type"}),
    ({"code": 7, "name": ["n"], "country": "KH"}, {"code": "wrong_type", "name": "wrong_type"}),
    ({"code": "A", "name": "n", "country": "KH", "manager": "x"}, {"manager": "unknown_field"}),
])
def test_branch_create_refuses_bad_fields(api: Any, unchanged: Any, body: dict[str, Any],
                                          fields: dict[str, str]) -> None:
    with unchanged():
        assert_problem(api.post(f"{B}/branches", body), 422, "validation_failed", fields)


def test_branch_patch_refuses_bad_fields(api: Any, world: Any, unchanged: Any) -> None:
    pp = api.get(f"{B}/branches/{world.branches['PP']}").json
    with unchanged():
        assert_problem(
            api.patch(f"{B}/branches/{pp['id']}", {"version": pp["version"], "code": None, "country": "XX",
                                                   "name": "", "zip": "1"}),
            422, "validation_failed",
            {"code": "wrong_type", "country": "invalid_country", "name": "required", "zip": "unknown_field"})


# --- departments -------------------------------------------------------------------------

def test_departments_nest_without_limit(api: Any, world: Any) -> None:
    parent = None
    chain = []
    for depth in range(30):
        d = make_department(api, f"Level {depth}", parent)
        chain.append(d)
        parent = d["id"]
    assert chain[-1]["parent_id"] == chain[-2]["id"]
    items = {d["id"]: d for d in api.get(f"{B}/departments").json["items"]}
    assert all(d["id"] in items for d in chain)
    # Walk the chain back up from the deepest department.
    node, steps = items[chain[-1]["id"]], 0
    while node["parent_id"] is not None:
        node, steps = items[node["parent_id"]], steps + 1
    assert steps == 29 and node["id"] == chain[0]["id"]


def test_department_cannot_move_under_itself_or_a_descendant(api: Any, unchanged: Any) -> None:
    top = make_department(api, "Sales")
    mid = make_department(api, "Retail", top["id"])
    leaf = make_department(api, "Phnom Penh shops", mid["id"])
    with unchanged():
        for new_parent in (leaf["id"], mid["id"], top["id"]):
            assert_problem(api.patch(f"{B}/departments/{top['id']}", {"version": 1, "parent_id": new_parent}),
                           422, "validation_failed", {"parent_id": "cycle"})
    # A legal move: the leaf goes straight under the top; then the middle one under the leaf.
    r = api.patch(f"{B}/departments/{leaf['id']}", {"version": 1, "parent_id": top["id"]})
    assert r.status_code == 200 and r.json["parent_id"] == top["id"]
    r = api.patch(f"{B}/departments/{mid['id']}", {"version": 1, "parent_id": leaf["id"]})
    assert r.status_code == 200 and r.json["parent_id"] == leaf["id"]
    # Back to the root.
    r = api.patch(f"{B}/departments/{mid['id']}", {"version": 2, "parent_id": None})
    assert r.status_code == 200 and r.json["parent_id"] is None


def test_department_references_and_archive(api: Any, world: Any, unchanged: Any) -> None:
    top = make_department(api, "Finance", branch_id=world.branches["PP"])
    assert top["branch_id"] == world.branches["PP"]
    child = make_department(api, "Payroll", top["id"])
    with unchanged():
        assert_problem(api.post(f"{B}/departments", {"name": "x", "parent_id": 999999, "branch_id": 999999}),
                       422, "validation_failed", {"parent_id": "unknown_reference", "branch_id": "unknown_reference"})
        assert_problem(api.post(f"{B}/departments/{top['id']}/archive", {"version": 1}), 409, "has_children")
        assert_problem(api.post(f"{B}/departments", {"name": "n" * 201, "parent_id": "1"}), 422,
                       "validation_failed", {"name": "too_long", "parent_id": "wrong_type"})
    assert api.post(f"{B}/departments/{child['id']}/archive", {"version": 1}).status_code == 200
    r = api.post(f"{B}/departments/{top['id']}/archive", {"version": 1})
    assert r.status_code == 200 and r.json["archived_at"] is not None
    assert api.get(f"{B}/departments").json["items"] == []


def test_branch_scoped_user_sees_only_its_branch_departments(api: Any, world: Any) -> None:
    pp = make_department(api, "PP sales", branch_id=world.branches["PP"])
    sr = make_department(api, "SR sales", branch_id=world.branches["SR"])
    everyone = make_department(api, "Head office")
    scoped = api.as_(world.tokens["sales_pp"])
    assert {d["id"] for d in scoped.get(f"{B}/departments").json["items"]} == {pp["id"], everyone["id"]}
    assert scoped.get(f"{B}/departments/{pp['id']}").status_code == 200
    assert_problem(scoped.get(f"{B}/departments/{sr['id']}"), 403, "out_of_branch_scope")
    assert len(api.as_(world.tokens["sales"]).get(f"{B}/departments").json["items"]) == 3


def test_archived_branches_and_departments_take_no_new_children(api: Any, world: Any, unchanged: Any) -> None:
    b = make_branch(api, "OLD")
    b = api.post(f"{B}/branches/{b['id']}/archive", {"version": 1}).json
    parent = make_department(api, "Closed")
    parent = api.post(f"{B}/departments/{parent['id']}/archive", {"version": 1}).json
    live = make_warehouse(api, world.branches["PP"], "LIVE")
    live_dept = make_department(api, "Open")
    with unchanged():
        assert_problem(api.post(f"{B}/warehouses", {"code": "X", "name": "x", "branch_id": b["id"]}),
                       422, "validation_failed", {"branch_id": "archived"})
        assert_problem(api.patch(f"{B}/warehouses/{live['id']}", {"version": 1, "branch_id": b["id"]}),
                       422, "validation_failed", {"branch_id": "archived"})
        assert_problem(api.post(f"{B}/departments", {"name": "x", "parent_id": parent["id"], "branch_id": b["id"]}),
                       422, "validation_failed", {"parent_id": "archived", "branch_id": "archived"})
        assert_problem(api.patch(f"{B}/departments/{live_dept['id']}", {"version": 1, "parent_id": parent["id"]}),
                       422, "validation_failed", {"parent_id": "archived"})
    # So an archived branch never regains an active warehouse behind the has_children rule's back.
    assert api.get(f"{B}/warehouses?include_archived=true").json["items"] == [live]


def test_hr_manages_departments_but_not_branches(api: Any, world: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    d = make_department(hr, "People")
    assert hr.patch(f"{B}/departments/{d['id']}", {"version": 1, "name": "People & Culture"}).status_code == 200
    with unchanged():
        assert_problem(hr.post(f"{B}/branches", {"code": "X", "name": "x", "country": "KH"}), 403, "role_forbidden")
        assert_problem(hr.post(f"{B}/warehouses", {"code": "X", "name": "x", "branch_id": world.branches["PP"]}),
                       403, "role_forbidden")
        for role in ("accountant", "sales", "warehouse"):
            assert_problem(api.as_(world.tokens[role]).post(f"{B}/departments", {"name": "x"}), 403, "role_forbidden")


# --- warehouses --------------------------------------------------------------------------

def test_warehouse_lifecycle_and_unique_codes(api: Any, world: Any, unchanged: Any) -> None:
    w = make_warehouse(api, world.branches["PP"], "PP-MAIN", address="St. 271")
    assert (w["code"], w["branch_id"], w["address"], w["version"]) == ("PP-MAIN", world.branches["PP"], "St. 271", 1)
    w2 = make_warehouse(api, world.branches["SR"], "SR-MAIN")
    with unchanged():
        assert_duplicate(api.post(f"{B}/warehouses", {"code": "PP-MAIN", "name": "x", "branch_id": world.branches["SR"]}), "code")
        assert_duplicate(api.patch(f"{B}/warehouses/{w2['id']}", {"version": 1, "code": "PP-MAIN"}), "code")
        assert_problem(api.patch(f"{B}/warehouses/{w2['id']}", {"version": 1, "branch_id": 999999}),
                       422, "validation_failed", {"branch_id": "unknown_reference"})
        assert_problem(api.patch(f"{B}/warehouses/{w2['id']}", {"version": 1, "branch_id": None}),
                       422, "validation_failed", {"branch_id": "wrong_type"})
        assert_problem(api.post(f"{B}/warehouses", {"code": "a b", "name": "x", "branch_id": world.branches["SR"]}),
                       422, "validation_failed")
    r = api.patch(f"{B}/warehouses/{w2['id']}", {"version": 1, "branch_id": world.branches["MOW"], "name": "Moscow"})
    assert r.status_code == 200 and (r.json["branch_id"], r.json["version"]) == (world.branches["MOW"], 2)
    r = api.post(f"{B}/warehouses/{w['id']}/archive", {"version": 1})
    assert r.status_code == 200
    # Archiving twice is a no-op, not an error.
    again = api.post(f"{B}/warehouses/{w['id']}/archive", {"version": r.json["version"]})
    assert again.status_code == 200 and again.json["archived_at"] == r.json["archived_at"]
    assert [x["code"] for x in api.get(f"{B}/warehouses").json["items"]] == ["SR-MAIN"]


def test_branch_scoped_user_sees_only_its_branch_warehouses(api: Any, world: Any) -> None:
    pp = make_warehouse(api, world.branches["PP"], "PP-1")
    sr = make_warehouse(api, world.branches["SR"], "SR-1")
    scoped = api.as_(world.tokens["sales_pp"])
    assert [w["code"] for w in scoped.get(f"{B}/warehouses").json["items"]] == ["PP-1"]
    assert scoped.get(f"{B}/warehouses/{pp['id']}").status_code == 200
    assert_problem(scoped.get(f"{B}/warehouses/{sr['id']}"), 403, "out_of_branch_scope")
    # The unscoped sales user sees both.
    assert len(api.as_(world.tokens["sales"]).get(f"{B}/warehouses").json["items"]) == 2


def test_scoped_owner_cannot_place_a_warehouse_outside_its_branches(api: Any, world: Any, unchanged: Any) -> None:
    u = make_user(api, "pp.owner@angkor.example", "owner", branch_ids=[world.branches["PP"]])
    token = _token_for(api, u["id"])
    with unchanged():
        assert_problem(api.as_(token).post(f"{B}/warehouses", {"code": "X", "name": "x",
                                                                  "branch_id": world.branches["SR"]}),
                       422, "validation_failed", {"branch_id": "out_of_branch_scope"})


# --- users -------------------------------------------------------------------------------

def _token_for(api: Any, user_id: int) -> str:
    """A token for a user, made the way the CLI does it (the API only makes tokens for oneself)."""
    from server.org.auth import issue_token
    from server.org.models import User

    db = api.client.application.extensions["clientbase.db"]
    with db.write_session() as s, s.begin():
        return issue_token(s, s.get_one(User, user_id), "t")[1]


def test_owner_creates_users_with_roles_scope_and_language(api: Any, world: Any) -> None:
    made = {}
    for role, lang in (("accountant", "ru"), ("warehouse", "km"), ("hr", "en"), ("owner", "km")):
        made[role] = make_user(api, f"New.{role}@Angkor.Example", role, language=lang,
                               name="សុខា" if lang == "km" else "Мария", branch_ids=[world.branches["SR"]])
    u = made["warehouse"]
    assert (u["email"], u["role"], u["language"], u["branch_ids"], u["is_active"]) == (
        "new.warehouse@angkor.example", "warehouse", "km", [world.branches["SR"]], True)
    assert u["name"] == "សុខា"
    assert api.get(f"{B}/users/{u['id']}").json == u
    unscoped = make_user(api, "all@angkor.example", "sales")
    assert unscoped["branch_ids"] == []
    emails = {x["email"] for x in api.get(f"{B}/users").json["items"]}
    assert {"owner@angkor.example", "new.hr@angkor.example", "all@angkor.example"} <= emails
    # Their language applies to their messages.
    token = _token_for(api, u["id"])
    r = api.as_(token).get(f"{B}/users")
    body = assert_problem(r, 403, "role_forbidden")
    assert any("\u1780" <= ch <= "\u17ff" for ch in body["title"]), body["title"]


def test_email_is_unique_case_insensitively(api: Any, world: Any, unchanged: Any, other_company: Any) -> None:
    make_user(api, "Dara@Angkor.example")
    with unchanged():
        for email in ("dara@angkor.example", "DARA@ANGKOR.EXAMPLE", "owner@ANGKOR.example",
                      "owner@romashka.example"):
            assert_duplicate(api.post(f"{B}/users", {"email": email, "name": "x", "role": "sales"}), "email")


@pytest.mark.parametrize("body, fields", [
    ({}, {"email": "required", "name": "required", "role": "required"}),
    ({"email": "not-an-email", "name": "x", "role": "sales"}, {"email": "invalid_email"}),
    ({"email": "x@angkor.example", "name": "x", "role": "boss"}, {"role": "invalid_choice"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "language": "fr"}, {"language": "invalid_language"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "language": "khm"}, {"language": "too_long"}),
    ({"email": "x@angkor.example", "name": "x" * 201, "role": "sales"}, {"name": "too_long"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "branch_ids": "PP"}, {"branch_ids": "wrong_type"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "branch_ids": ["1"]}, {"branch_ids.0": "wrong_type"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "branch_ids": [999999]},
     {"branch_ids.0": "unknown_reference"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "is_active": False}, {"is_active": "unknown_field"}),
    ({"email": "x@angkor.example", "name": "x", "role": "sales", "password": "hunter2"},
     {"password": "unknown_field"}),
])
def test_user_create_refuses_bad_fields(api: Any, unchanged: Any, body: dict[str, Any], fields: dict[str, str]) -> None:
    with unchanged():
        assert_problem(api.post(f"{B}/users", body), 422, "validation_failed", fields)


def test_user_branch_ids_duplicates_and_other_company_branches(api: Any, world: Any, other_company: Any,
                                                               unchanged: Any) -> None:
    pp = world.branches["PP"]
    with unchanged():
        assert_problem(api.post(f"{B}/users", {"email": "x@angkor.example", "name": "x", "role": "sales",
                                               "branch_ids": [pp, pp]}),
                       422, "validation_failed", {"branch_ids": "duplicate_in_request"})
        assert_problem(api.post(f"{B}/users", {"email": "x@angkor.example", "name": "x", "role": "sales",
                                               "branch_ids": [other_company["branch"]]}),
                       422, "validation_failed", {"branch_ids.0": "unknown_reference"})


def test_user_update_role_scope_language(api: Any, world: Any) -> None:
    u = make_user(api, "kosal@angkor.example", "sales", branch_ids=[world.branches["PP"]])
    token = _token_for(api, u["id"])
    assert [w["code"] for w in api.as_(token).get(f"{B}/warehouses").json["items"]] == []
    make_warehouse(api, world.branches["SR"], "SR-1")
    assert api.as_(token).get(f"{B}/warehouses").json["items"] == []

    r = api.patch(f"{B}/users/{u['id']}", {"version": 1, "branch_ids": [world.branches["SR"], world.branches["PP"]]})
    assert r.status_code == 200, r.json
    assert r.json["branch_ids"] == sorted([world.branches["SR"], world.branches["PP"]])
    assert r.json["version"] == 2, "a scope change is a change: the version moves"
    assert [w["code"] for w in api.as_(token).get(f"{B}/warehouses").json["items"]] == ["SR-1"]

    r = api.patch(f"{B}/users/{u['id']}", {"version": 2, "role": "accountant", "language": "ru", "branch_ids": []})
    assert r.status_code == 200
    assert (r.json["role"], r.json["language"], r.json["branch_ids"], r.json["version"]) == ("accountant", "ru", [], 3)
    me = api.as_(token).get(f"{B}/me").json
    assert (me["role"], me["language"]) == ("accountant", "ru")
    # Roles follow at once: an accountant may read the users.
    assert api.as_(token).get(f"{B}/users").status_code == 200


def test_user_patch_refuses_bad_fields(api: Any, world: Any, unchanged: Any) -> None:
    uid = world.users["sales"]
    v = api.get(f"{B}/users/{uid}").json["version"]
    with unchanged():
        assert_problem(api.patch(f"{B}/users/{uid}", {"version": v, "role": None, "name": None, "language": None,
                                                      "is_active": None, "branch_ids": None}),
                       422, "validation_failed",
                       {"role": "invalid_choice", "name": "wrong_type", "language": "wrong_type", "is_active": "wrong_type",
                        "branch_ids": "wrong_type"})
        assert_problem(api.patch(f"{B}/users/{uid}", {"version": v, "email": "new@angkor.example"}),
                       422, "validation_failed", {"email": "unknown_field"})
        assert_problem(api.patch(f"{B}/users/{uid}", {"version": v, "is_active": "no"}),
                       422, "validation_failed", {"is_active": "wrong_type"})
        assert_problem(api.patch(f"{B}/users/{uid}", {"version": v + 5, "name": "x"}), 409, "stale_version")
        assert_problem(api.patch(f"{B}/users/{uid}", {"version": v, "branch_ids": [999999]}),
                       422, "validation_failed", {"branch_ids.0": "unknown_reference"})


def test_the_last_active_owner_stays(api: Any, world: Any, unchanged: Any) -> None:
    oid = world.users["owner"]
    me = api.get(f"{B}/users/{oid}").json
    with unchanged():
        assert_problem(api.patch(f"{B}/users/{oid}", {"version": me["version"], "role": "accountant"}),
                       422, "validation_failed", {"role": "last_owner"})
        assert_problem(api.patch(f"{B}/users/{oid}", {"version": me["version"], "is_active": False}),
                       422, "validation_failed", {"is_active": "last_owner"})
        assert_problem(api.post(f"{B}/users/{oid}/archive", {"version": me["version"]}), 409, "last_owner")
    # With a second active owner, the first may step down.
    second = make_user(api, "second.owner@angkor.example", "owner")
    r = api.patch(f"{B}/users/{oid}", {"version": me["version"], "role": "accountant"})
    assert r.status_code == 200 and r.json["role"] == "accountant"
    # Now the second owner is the last one: the same refusals apply to them.
    second_api = api.as_(_token_for(api, second["id"]))
    with unchanged():
        assert_problem(second_api.patch(f"{B}/users/{second['id']}", {"version": 1, "is_active": False}),
                       422, "validation_failed", {"is_active": "last_owner"})
        assert_problem(second_api.post(f"{B}/users/{second['id']}/archive", {"version": 1}), 409, "last_owner")


def test_an_inactive_owner_does_not_count_as_the_remaining_owner(api: Any, world: Any, unchanged: Any) -> None:
    other = make_user(api, "sleeping.owner@angkor.example", "owner")
    r = api.patch(f"{B}/users/{other['id']}", {"version": 1, "is_active": False})
    assert r.status_code == 200 and r.json["is_active"] is False
    me = api.get(f"{B}/users/{world.users['owner']}").json
    with unchanged():
        assert_problem(api.post(f"{B}/users/{world.users['owner']}/archive", {"version": me["version"]}),
                       409, "last_owner")


def test_archived_or_inactive_users_tokens_stop_working(api: Any, world: Any) -> None:
    acc = api.as_(world.tokens["accountant"])
    assert acc.get(f"{B}/me").status_code == 200
    v = api.get(f"{B}/users/{world.users['accountant']}").json["version"]
    r = api.patch(f"{B}/users/{world.users['accountant']}", {"version": v, "is_active": False})
    assert r.status_code == 200
    assert_problem(acc.get(f"{B}/me"), 401, "token_invalid")
    r = api.patch(f"{B}/users/{world.users['accountant']}", {"version": r.json["version"], "is_active": True})
    assert acc.get(f"{B}/me").status_code == 200

    wh = api.as_(world.tokens["warehouse"])
    v = api.get(f"{B}/users/{world.users['warehouse']}").json["version"]
    r = api.post(f"{B}/users/{world.users['warehouse']}/archive", {"version": v})
    assert r.status_code == 200 and r.json["archived_at"] is not None
    assert_problem(wh.get(f"{B}/me"), 401, "token_invalid")
    assert_problem(wh.post(f"{B}/me/tokens", {"name": "new"}), 401, "token_invalid")
    assert world.users["warehouse"] not in [u["id"] for u in api.get(f"{B}/users").json["items"]]
    assert world.users["warehouse"] in [u["id"] for u in api.get(f"{B}/users?include_archived=1").json["items"]]


def test_user_routes_are_for_owner_accountant_hr(api: Any, world: Any, unchanged: Any) -> None:
    for role in ("accountant", "hr"):
        assert api.as_(world.tokens[role]).get(f"{B}/users").status_code == 200
    with unchanged():
        for role in ("sales", "warehouse", "sales_pp"):
            assert_problem(api.as_(world.tokens[role]).get(f"{B}/users"), 403, "role_forbidden")
        for role in ("accountant", "hr", "sales"):
            assert_problem(api.as_(world.tokens[role]).post(f"{B}/users", {"email": "x@angkor.example", "name": "x",
                                                                           "role": "owner"}),
                           403, "role_forbidden")
            assert_problem(api.as_(world.tokens[role]).patch(f"{B}/users/{world.users[role.split('_')[0]]}",
                                                             {"version": 1, "role": "owner"}),
                           403, "role_forbidden")


# --- another company ---------------------------------------------------------------------

def test_another_companys_records_are_invisible_both_ways(api: Any, world: Any, other_company: Any,
                                                          unchanged: Any) -> None:
    mine = {
        "branches": world.branches["PP"],
        "departments": make_department(api, "Mine")["id"],
        "warehouses": make_warehouse(api, world.branches["PP"], "MINE")["id"],
        "users": world.users["sales"],
    }
    theirs = {"branches": other_company["branch"], "departments": other_company["department"],
              "warehouses": other_company["warehouse"], "users": other_company["owner_id"]}
    them = api.as_(other_company["token"])
    # Same codes are fine in different companies (their branch is "PP" and warehouse "W1" too).
    make_warehouse(api, world.branches["PP"], "W1")
    with unchanged():
        for viewer, own, foreign in ((api, mine, theirs), (them, theirs, mine)):
            for plural, fid in foreign.items():
                assert_problem(viewer.get(f"{B}/{plural}/{fid}"), 404, "not_found")
                assert_problem(viewer.patch(f"{B}/{plural}/{fid}", {"version": 1, "name": "x"}), 404, "not_found")
                assert_problem(viewer.post(f"{B}/{plural}/{fid}/archive", {"version": 1}), 404, "not_found")
                listed = {x["id"] for x in viewer.get(f"{B}/{plural}?include_archived=true").json["items"]}
                assert fid not in listed and own[plural] in listed
        assert api.get(f"{B}/company").json["id"] == world.company_id
        assert them.get(f"{B}/company").json["name"] == "ООО Ромашка"
        # References into the other company are unknown.
        assert_problem(api.post(f"{B}/warehouses", {"code": "X", "name": "x", "branch_id": other_company["branch"]}),
                       422, "validation_failed", {"branch_id": "unknown_reference"})
        assert_problem(api.post(f"{B}/departments", {"name": "x", "parent_id": other_company["department"],
                                                     "branch_id": other_company["branch"]}),
                       422, "validation_failed", {"parent_id": "unknown_reference", "branch_id": "unknown_reference"})
        # Nor does either company read the other's operations log.
        for viewer, own, foreign in ((api, mine, theirs), (them, theirs, mine)):
            ops = {(o["entity"], o["entity_id"]) for o in viewer.get(f"{B}/operations?limit=1000").json["items"]}
            assert ("department", own["departments"]) in ops
            assert ("department", foreign["departments"]) not in ops


# --- bad requests on every org endpoint --------------------------------------------------

def _write_endpoints(world: Any) -> list[tuple[str, str]]:
    wid = world.branches["PP"]
    return [
        ("PATCH", f"{B}/company"),
        ("POST", f"{B}/branches"), ("PATCH", f"{B}/branches/{wid}"), ("POST", f"{B}/branches/{wid}/archive"),
        ("POST", f"{B}/departments"), ("POST", f"{B}/warehouses"),
        ("POST", f"{B}/users"), ("PATCH", f"{B}/users/{world.users['sales']}"),
        ("POST", f"{B}/users/{world.users['sales']}/archive"),
        ("POST", f"{B}/me/tokens"),
    ]


def test_malformed_bodies_on_every_org_write(api: Any, world: Any, unchanged: Any) -> None:
    c = api.client
    auth = {"Authorization": f"Bearer {world.tokens['owner']}"}
    with unchanged():
        for method, path in _write_endpoints(world):
            for raw in (b"{", b'{"version": 1,}', b"", b"\xff\xfe", b"NaN-ish"):
                r = c.open(path, method=method, data=raw, headers={**auth, "Content-Type": "application/json"})
                body = assert_problem(r, 400, "malformed_json")
                assert "JSON" in body["title"]
            for raw in (b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true"):
                r = c.open(path, method=method, data=raw, headers={**auth, "Content-Type": "application/json"})
                assert_problem(r, 400, "json_object_expected")
            for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                          "application/xml"):
                r = c.open(path, method=method, data=b'{"version": 1}', headers={**auth, "Content-Type": ctype})
                assert_problem(r, 415, "unsupported_media_type")
            r = c.open(path, method=method, data=b'{"version": 1}', headers=auth)
            assert_problem(r, 415, "unsupported_media_type")


def test_missing_or_wrong_tokens_on_every_org_endpoint(api: Any, world: Any, unchanged: Any) -> None:
    c = api.client
    reads = [f"{B}/company", f"{B}/branches", f"{B}/branches/{world.branches['PP']}", f"{B}/departments",
             f"{B}/warehouses", f"{B}/users", f"{B}/users/{world.users['sales']}", f"{B}/me", f"{B}/me/tokens"]
    calls = [("GET", p) for p in reads] + _write_endpoints(world) + [("POST", f"{B}/me/tokens/1/revoke")]
    bad_headers = ({}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Bearer cb_nope"},
                   {"Authorization": f"Token {world.tokens['owner']}"},
                   {"Authorization": f"Bearer {world.tokens['owner']}x"},
                   {"Authorization": "Bearer cb_" + "a" * 300},
                   {"Authorization": f"Bearer {world.tokens['owner'][3:]}"})
    with unchanged():
        for method, path in calls:
            for headers in bad_headers:
                r = c.open(path, method=method, json={"version": 1, "name": "x"}, headers=headers)
                expected = "unauthorized" if not headers.get("Authorization") else "token_invalid"
                assert_problem(r, 401, expected)


def test_wrong_roles_on_every_org_write(api: Any, world: Any, unchanged: Any) -> None:
    c = api.client
    owner_only = [(m, p) for m, p in _write_endpoints(world) if not p.endswith("/me/tokens")]
    with unchanged():
        for role in ("accountant", "sales", "warehouse", "hr", "sales_pp"):
            headers = {"Authorization": f"Bearer {world.tokens[role]}"}
            for method, path in owner_only:
                if role == "hr" and "/departments" in path:
                    continue  # hr manages departments
                r = c.open(path, method=method, json={"version": 1, "name": "x"}, headers=headers)
                body = assert_problem(r, 403, "role_forbidden")
                assert body["params"]["role"] == role.split("_")[0]


def test_unknown_ids_and_routes(api: Any, unchanged: Any) -> None:
    with unchanged():
        for plural in ("branches", "departments", "warehouses", "users"):
            body = assert_problem(api.get(f"{B}/{plural}/999999"), 404, "not_found")
            assert "999999" in body["title"]
            assert_problem(api.patch(f"{B}/{plural}/999999", {"version": 1}), 404, "not_found")
            assert_problem(api.get(f"{B}/{plural}?include_archived=maybe"), 422, "validation_failed",
                           {"include_archived": "wrong_type"})
            assert_problem(api.get(f"{B}/{plural}?colour=red"), 422, "validation_failed", {"colour": "unknown_field"})
        assert_problem(api.get(f"{B}/branchez"), 404, "route_not_found")
        assert_problem(api.client.delete(f"{B}/company", headers=api.headers()), 405, "method_not_allowed")


# --- the operations log ------------------------------------------------------------------

def test_every_org_change_is_in_the_operations_log_with_user_and_request(api: Any, world: Any) -> None:
    seen: list[tuple[str, str]] = []

    def logged(r: Any, entity: str, action: str, entity_id: int | None = None) -> None:
        assert r.status_code in (200, 201), r.get_data(as_text=True)
        rid = r.headers["X-Request-Id"]
        assert rid
        ops = api.get(f"{B}/operations?request_id={rid}").json["items"]
        assert [(o["entity"], o["action"]) for o in ops] == [(entity, action)], ops
        op = ops[0]
        assert op["user_id"] == world.users["owner"] and op["request_id"] == rid
        assert op["entity_id"] == (entity_id if entity_id is not None else r.json["id"])
        seen.append((entity, action))

    c = api.get(f"{B}/company").json
    r = api.patch(f"{B}/company", {"version": c["version"], "name": "Angkor Holdings"})
    logged(r, "company", "update", world.company_id)
    op = api.get(f"{B}/operations?request_id={r.headers['X-Request-Id']}").json["items"][0]
    assert op["before"]["name"] == "Angkor Trading" and op["after"]["name"] == "Angkor Holdings"

    r = api.post(f"{B}/branches", {"code": "KP", "name": "Kampot", "country": "KH"})
    logged(r, "branch", "create")
    bid = r.json["id"]
    logged(api.patch(f"{B}/branches/{bid}", {"version": 1, "name": "Kampot town"}), "branch", "update")
    r = api.post(f"{B}/warehouses", {"code": "KP-1", "name": "Kampot store", "branch_id": bid})
    logged(r, "warehouse", "create")
    wid = r.json["id"]
    logged(api.patch(f"{B}/warehouses/{wid}", {"version": 1, "address": "Riverside"}), "warehouse", "update")
    logged(api.post(f"{B}/warehouses/{wid}/archive", {"version": 2}), "warehouse", "archive")
    logged(api.post(f"{B}/branches/{bid}/archive", {"version": 2}), "branch", "archive")
    r = api.post(f"{B}/departments", {"name": "Logistics"})
    logged(r, "department", "create")
    did = r.json["id"]
    logged(api.patch(f"{B}/departments/{did}", {"version": 1, "name": "Logistics & Delivery"}), "department", "update")
    logged(api.post(f"{B}/departments/{did}/archive", {"version": 2}), "department", "archive")
    r = api.post(f"{B}/users", {"email": "vanna@angkor.example", "name": "Vanna", "role": "sales"})
    logged(r, "user", "create")
    uid = r.json["id"]
    r = api.patch(f"{B}/users/{uid}", {"version": 1, "branch_ids": [world.branches["SR"]]})
    logged(r, "user", "update")
    op = api.get(f"{B}/operations?request_id={r.headers['X-Request-Id']}").json["items"][0]
    assert op["before"]["branch_ids"] == [] and op["after"]["branch_ids"] == [world.branches["SR"]], op
    logged(api.patch(f"{B}/users/{uid}", {"version": 2, "role": "hr", "language": "km"}), "user", "update")
    logged(api.post(f"{B}/users/{uid}/archive", {"version": 3}), "user", "archive")
    r = api.post(f"{B}/me/tokens", {"name": "excel"})
    logged(r, "api_token", "create")
    logged(api.post(f"{B}/me/tokens/{r.json['id']}/revoke"), "api_token", "revoke", r.json["id"])
    assert len(seen) == 16

    # A request id the client sends is kept (and so is findable in the log).
    r = api.patch(f"{B}/company", {"version": c["version"] + 1, "tax_id": "K001"}, headers={"X-Request-Id": "excel-42"})
    assert r.headers["X-Request-Id"] == "excel-42"
    logged(r, "company", "update", world.company_id)


def test_refused_and_empty_changes_leave_no_log(api: Any, world: Any) -> None:
    before = api.get(f"{B}/operations?limit=1000").json["items"]
    c = api.get(f"{B}/company").json
    assert api.patch(f"{B}/company", {"version": c["version"]}).status_code == 200
    assert api.patch(f"{B}/company", {"version": c["version"], "name": "Angkor Trading"}).status_code == 200
    assert api.patch(f"{B}/company", {"version": c["version"] + 3, "name": "x"}).status_code == 409
    assert api.post(f"{B}/branches", {"code": "PP", "name": "x", "country": "KH"}).status_code == 409
    assert api.get(f"{B}/operations?limit=1000").json["items"] == before
    assert api.get(f"{B}/company").json["version"] == c["version"]
