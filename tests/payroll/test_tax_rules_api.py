"""Tax rules over the API: presets, conflicts and replace, every bad field named, roles; the engine's rule order."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from server.audit.models import Operation
from server.payroll.rules.service import active_rules

from tests.factories import problem

RULES = "/api/v1/tax-rules"
PRESETS = "/api/v1/tax-rules/presets"
KH = ["kh_nssf_pension_ee", "kh_salary_tax", "kh_nssf_pension_er", "kh_nssf_risk", "kh_nssf_health"]
RU = ["ru_ndfl", "ru_insurance", "ru_injury"]


def brackets(*pairs: tuple[str, Any]) -> list[dict[str, Any]]:
    return [{"threshold": t, "percent": p} for t, p in pairs]


def load(api: Any, country: str, replace: bool = False, status: int = 200) -> Any:
    r = api.post(PRESETS, {"country": country, "replace": replace})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def by_code(api: Any, **query: Any) -> dict[str, dict[str, Any]]:
    r = api.get(RULES, query_string=query)
    assert r.status_code == 200, r.get_data(as_text=True)
    return {rule["code"]: rule for rule in r.json["items"]}


def make_rule(api: Any, code: str, **over: Any) -> dict[str, Any]:
    body = {"code": code, "name": code.title(), "kind": "withholding", "brackets": brackets(("0", "10")),
            "currency": "USD", **over}
    r = api.post(RULES, body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def test_both_presets_load_with_their_figures_and_the_notice(api: Any, db: Any, world: Any) -> None:
    kh = load(api, "KH")
    assert kh["created"] == KH and kh["updated"] == [] and "not legal or tax advice" in kh["notice"]
    tax = {r["code"]: r for r in kh["items"]}["kh_salary_tax"]
    assert tax["brackets"] == brackets(("0", "0"), ("1500000", "5"), ("2000000", "10"), ("8500000", "15"),
                                       ("12500000", "20"))
    assert (tax["currency"], tax["dependant_allowance"], tax["rounding"], tax["base_minus"], tax["preset"]) == \
        ("KHR", "150000", "100", ["kh_nssf_pension_ee"], "KH")
    assert tax["names"]["ru"] and tax["names"]["km"]
    ru = load(api, "RU")
    assert ru["created"] == RU
    rules = by_code(api)
    assert rules["ru_ndfl"]["period"] == "year" and rules["ru_ndfl"]["rounding"] == "1"
    assert rules["ru_insurance"]["brackets"] == brackets(("0", "30"), ("2979000", "15.1"))
    assert rules["kh_nssf_pension_er"]["base_floor"] == "400000"
    # The engine's order: withholding first (a rule after those it subtracts), then contributions.
    with db.read_session() as s:
        order = [r.code for r in active_rules(s, world.company_id)]
    assert order == ["kh_nssf_pension_ee", "ru_ndfl", "kh_salary_tax",
                     "kh_nssf_pension_er", "ru_insurance", "kh_nssf_risk", "ru_injury", "kh_nssf_health"]


def test_a_preset_over_existing_codes_is_refused_naming_them(api: Any, unchanged: Any) -> None:
    load(api, "RU")
    with unchanged():
        r = api.post(PRESETS, {"country": "RU"})
        body = problem(r, 409, "preset_codes_exist")
    assert body["params"]["codes"] == "ru_ndfl, ru_insurance, ru_injury"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("replace", "preset_code_exists")] * 3
    assert "ru_ndfl" in body["errors"][0]["message"]


def test_replace_updates_in_place_with_a_new_version_and_restores_archived(api: Any, db: Any) -> None:
    load(api, "KH")
    rules = by_code(api)
    tax, health = rules["kh_salary_tax"], rules["kh_nssf_health"]
    r = api.patch(f"{RULES}/{tax['id']}", {"version": tax["version"], "dependant_allowance": "100000"})
    assert r.status_code == 200 and r.json["version"] == 2, r.get_data(as_text=True)
    r = api.post(f"{RULES}/{health['id']}/archive", {"version": health["version"]})
    assert r.json["archived_at"] is not None
    out = load(api, "KH", replace=True)
    assert out["created"] == [] and out["updated"] == KH
    after = by_code(api)
    assert after["kh_salary_tax"]["id"] == tax["id"]
    assert (after["kh_salary_tax"]["dependant_allowance"], after["kh_salary_tax"]["version"]) == ("150000", 3)
    assert after["kh_nssf_health"]["archived_at"] is None
    # An untouched rule keeps its version: nothing changed, nothing logged.
    assert after["kh_nssf_risk"]["version"] == 1
    with db.read_session() as s:
        actions = list(s.scalars(select(Operation.action).where(
            Operation.entity == "tax_rule", Operation.entity_id == tax["id"]).order_by(Operation.id)))
    assert actions == ["create", "update", "update"]


def test_a_custom_rule_is_created_read_changed_and_archived(api: Any) -> None:
    rule = make_rule(api, "union_fee", brackets=brackets(("0", "1.5"), ("2000", "0")), base_floor="100", sort_order=5,
                     names={"ru": "Профсоюзный взнос"})
    assert (rule["brackets"], rule["base_floor"], rule["rounding"], rule["names"]) == \
        (brackets(("0", "1.5"), ("2000", "0")), "100", "0.01", {"ru": "Профсоюзный взнос"})
    assert api.get(f"{RULES}/{rule['id']}").json["code"] == "union_fee"
    r = api.patch(f"{RULES}/{rule['id']}", {"version": 1, "base_floor": None, "rounding": "1"})
    assert (r.json["base_floor"], r.json["rounding"], r.json["version"]) == (None, "1", 2)
    r = api.patch(f"{RULES}/{rule['id']}", {"version": 1, "name": "Stale"})
    problem(r, 409, "stale_version")
    r = api.post(f"{RULES}/{rule['id']}/archive", {"version": 2})
    assert r.status_code == 200 and r.json["archived_at"] is not None
    assert "union_fee" not in by_code(api) and "union_fee" in by_code(api, include_archived="true")


def test_bad_shapes_are_refused_naming_each_field(api: Any, unchanged: Any) -> None:
    with unchanged():
        r = api.post(RULES, {"code": "Bad-Code", "name": "X", "kind": "tax", "brackets": brackets(("0", 5.5)),
                             "period": "week", "currency": "XXX", "sort_order": -1})
        problem(r, 422, "validation_failed", fields={
            "code": "invalid_rule_code", "kind": "invalid_choice", "brackets.0.percent": "invalid_decimal",
            "period": "invalid_choice", "currency": "invalid_currency", "sort_order": "too_small"})


def test_broken_rules_are_refused_naming_each_field(api: Any, unchanged: Any) -> None:
    load(api, "KH")
    make_rule(api, "levy")
    with unchanged():
        r = api.post(RULES, {
            "code": "levy2", "name": "Levy", "kind": "withholding", "currency": "USD",
            "brackets": brackets(("10", "5"), ("5", "120"), ("20.123", "1.12345")),
            "rounding": "0", "base_floor": "-1", "dependant_allowance": "-5",
            "base_minus": ["nope", "levy2", "kh_nssf_health", "levy", "levy"],
        })
        problem(r, 422, "validation_failed", fields={
            "brackets.0.threshold": "brackets_start_at_zero", "brackets.1.threshold": "brackets_not_ascending",
            "brackets.1.percent": "invalid_percent", "brackets.2.threshold": "too_many_decimals",
            "brackets.2.percent": "too_precise",
            "rounding": "must_be_positive", "base_floor": "must_not_be_negative",
            "dependant_allowance": "must_not_be_negative", "base_minus": "duplicate_in_request",
            "base_minus.0": "unknown_reference", "base_minus.1": "base_minus_self",
            "base_minus.2": "base_minus_not_withholding",
        })
        problem(api.post(RULES, {"code": "levy3", "name": "L", "kind": "withholding", "currency": "KHR",
                                 "brackets": [], "rounding": "123456789"}),
                422, "validation_failed", fields={"brackets": "required", "rounding": "too_large"})
        problem(api.post(RULES, {"code": "levy", "name": "L", "kind": "withholding", "currency": "USD",
                                 "brackets": brackets(("0", "1"))}), 409, "duplicate", fields={"code": "already_exists"})


def test_changes_that_would_break_other_rules_are_refused(api: Any, unchanged: Any) -> None:
    load(api, "KH")
    rules = by_code(api)
    pension, tax = rules["kh_nssf_pension_ee"], rules["kh_salary_tax"]
    with unchanged():
        # The salary tax subtracts the pension: it must stay a withholding rule, keep its code, and stay.
        problem(api.patch(f"{RULES}/{pension['id']}", {"version": 1, "kind": "contribution", "code": "kh_pension"}),
                422, "validation_failed", fields={"kind": "tax_rule_in_use", "code": "tax_rule_in_use"})
        body = problem(api.post(f"{RULES}/{pension['id']}/archive", {"version": 1}), 409, "tax_rule_in_use")
        assert body["params"]["codes"] == "kh_salary_tax"
        # A circle: the pension subtracting the salary tax that subtracts the pension.
        problem(api.patch(f"{RULES}/{pension['id']}", {"version": 1, "base_minus": ["kh_salary_tax"]}),
                422, "validation_failed", fields={"base_minus.0": "base_minus_cycle"})
        # The brackets are checked against the new currency too: riel thresholds are whole riel.
        problem(api.patch(f"{RULES}/{tax['id']}", {"version": 1, "brackets": brackets(("0", "5"), ("0", "6"), ("10.5", "7")),
                                                   "base_floor": "0.5"}),
                422, "validation_failed", fields={"brackets.1.threshold": "brackets_not_ascending",
                                                  "brackets.2.threshold": "too_many_decimals", "base_floor": "too_many_decimals"})


def test_roles(api: Any, world: Any) -> None:
    hr, sales, accountant = (api.as_(world.tokens[role]) for role in ("hr", "sales", "accountant"))
    assert load(accountant, "RU")["created"] == RU
    assert hr.get(RULES).status_code == 200
    problem(sales.get(RULES), 403, "role_forbidden")
    problem(hr.post(PRESETS, {"country": "KH"}), 403, "role_forbidden")
    problem(hr.post(RULES, {"code": "x", "name": "X", "kind": "withholding", "brackets": brackets(("0", "1")),
                            "currency": "USD"}), 403, "role_forbidden")
