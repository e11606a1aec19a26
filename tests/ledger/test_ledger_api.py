"""The chart of accounts, manual entries, statements and the period lock through the API."""
from __future__ import annotations

from typing import Any

from tests.factories import problem


def _ids(api: Any) -> dict[str, int]:
    return {a["role"]: a["id"] for a in api.get("/api/v1/accounts").json["items"] if a["role"]}


def _entry(api: Any, date: str, *lines: tuple[int, str, str], **extra: Any) -> Any:
    return api.post("/api/v1/journal-entries", {"date": date, "memo": "test", "lines": [
        {"account_id": a, "debit": d, "credit": c} for a, d, c in lines], **extra})


def test_every_company_starts_with_the_default_chart_in_three_languages(api: Any, world: Any) -> None:
    items = api.get("/api/v1/accounts").json["items"]
    assert len(items) == 25  # 22, and the three payroll accounts: other deductions, contributions payable and expense
    cash = next(a for a in items if a["role"] == "cash")
    assert (cash["code"], cash["type"], cash["name"]) == ("1010", "asset", "Cash on hand")
    assert cash["names"] == {"km": "សាច់ប្រាក់ក្នុងដៃ", "ru": "Касса"}
    problem(api.as_(world.tokens["sales"]).get("/api/v1/accounts"), 403, "role_forbidden")


def test_users_extend_the_chart_but_cannot_break_system_accounts(api: Any, unchanged: Any) -> None:
    r = api.post("/api/v1/accounts", {"code": "6200", "name": "Rent", "type": "expense",
                                      "names": {"ru": "Аренда"}})
    assert r.status_code == 201, r.json
    assert r.json["role"] is None
    cash = next(a for a in api.get("/api/v1/accounts").json["items"] if a["role"] == "cash")
    with unchanged():
        problem(api.post("/api/v1/accounts", {"code": "6200", "name": "Again", "type": "expense"}), 409,
                "duplicate", fields={"code": "already_exists"})
        problem(api.patch(f"/api/v1/accounts/{cash['id']}", {"version": cash["version"], "type": "expense"}), 422,
                "validation_failed", fields={"type": "system_account"})
        problem(api.post(f"/api/v1/accounts/{cash['id']}/archive", {"version": cash["version"]}), 409,
                "system_account")
        problem(api.patch(f"/api/v1/accounts/{r.json['id']}", {"version": 1, "parent_id": r.json["id"]}), 422,
                "validation_failed", fields={"parent_id": "account_cycle"})
    renamed = api.patch(f"/api/v1/accounts/{cash['id']}", {"version": cash["version"], "name": "Main cash desk"})
    assert renamed.status_code == 200 and renamed.json["name"] == "Main cash desk"


def test_a_manual_entry_posts_balanced_and_the_statement_runs_its_balance(api: Any) -> None:
    acc = _ids(api)
    r = _entry(api, "2026-01-10", (acc["cash"], "1000.00", "0"), (acc["capital"], "0", "1000.00"))
    assert r.status_code == 201, r.json
    assert [(l["debit"], l["credit"]) for l in r.json["lines"]] == [("1000.00", "0.00"), ("0.00", "1000.00")]
    _entry(api, "2026-02-01", (acc["expenses"], "250.50", "0"), (acc["cash"], "0", "250.50"))
    st = api.get(f"/api/v1/accounts/{acc['cash']}/statement?from=2026-02-01").json
    assert (st["opening"], st["debit"], st["credit"], st["closing"]) == ("1000.00", "0.00", "250.50", "749.50")
    assert [l["balance"] for l in st["lines"]] == ["749.50"]
    full = api.get(f"/api/v1/accounts/{acc['cash']}/statement").json
    assert [l["balance"] for l in full["lines"]] == ["1000.00", "749.50"]


def test_bad_manual_entries_name_every_bad_line_and_write_nothing(api: Any, unchanged: Any) -> None:
    acc = _ids(api)
    with unchanged():
        problem(_entry(api, "2026-01-10", (acc["cash"], "10.00", "0"), (acc["sales"], "0", "9.99")), 422,
                "validation_failed", fields={"lines": "unbalanced_entry"})
        problem(_entry(api, "2026-01-10", (acc["cash"], "10.001", "0"), (acc["sales"], "0", "10.001")), 422,
                "validation_failed", fields={"lines.0.debit": "too_many_decimals", "lines.1.credit": "too_many_decimals"})
        problem(_entry(api, "2026-01-10", (acc["cash"], "10.00", "10.00"), (999999, "0", "0")), 422,
                "validation_failed", fields={"lines.0": "one_side_only", "lines.1": "one_side_only",
                                             "lines.1.account_id": "unknown_reference"})
        problem(_entry(api, "2026-01-10", (acc["cash"], "-5.00", "0"), (acc["sales"], "0", "-5.00")), 422,
                "validation_failed", fields={"lines.0.debit": "must_not_be_negative", "lines.0": "one_side_only",
                                             "lines.1.credit": "must_not_be_negative", "lines.1": "one_side_only"})
        problem(_entry(api, "2026-01-10", (acc["cash"], 10.5, "0"), (acc["sales"], "0", "10.50")), 422,
                "validation_failed", fields={"lines.0.debit": "invalid_decimal"})


def test_reversals_mirror_manual_entries_once_and_never_before_them(api: Any, unchanged: Any) -> None:
    acc = _ids(api)
    entry = _entry(api, "2026-03-01", (acc["cash"], "40.00", "0"), (acc["other_income"], "0", "40.00")).json
    with unchanged():
        problem(api.post(f"/api/v1/journal-entries/{entry['id']}/reverse", {"date": "2026-02-28"}), 422,
                "validation_failed", fields={"date": "before_original"})
    rev = api.post(f"/api/v1/journal-entries/{entry['id']}/reverse", {})
    assert rev.status_code == 201 and rev.json["reversal_of_id"] == entry["id"]
    assert [(l["debit"], l["credit"]) for l in rev.json["lines"]] == [("0.00", "40.00"), ("40.00", "0.00")]
    with unchanged():
        problem(api.post(f"/api/v1/journal-entries/{entry['id']}/reverse", {}), 409, "already_reversed")
    assert api.get(f"/api/v1/accounts/{acc['cash']}/statement").json["closing"] == "0.00"


def test_the_period_lock_refuses_old_dates_and_only_an_owner_reopens(api: Any, world: Any, unchanged: Any) -> None:
    acc = _ids(api)
    old = _entry(api, "2026-01-31", (acc["cash"], "5.00", "0"), (acc["sales"], "0", "5.00")).json
    accountant = api.as_(world.tokens["accountant"])
    lock = accountant.client.put("/api/v1/period-lock", json={"lock_date": "2026-01-31"},
                                 headers=accountant.headers())
    assert lock.status_code == 200 and lock.json["lock_date"] == "2026-01-31", lock.json
    with unchanged():
        body = problem(_entry(api, "2026-01-31", (acc["cash"], "5.00", "0"), (acc["sales"], "0", "5.00")), 409,
                       "period_locked", fields={"date": "period_locked"})
        assert "2026-01-31" in body["title"]
        problem(api.post(f"/api/v1/journal-entries/{old['id']}/reverse", {"date": "2026-02-01"}), 409,
                "period_locked")
        problem(accountant.client.put("/api/v1/period-lock", json={"lock_date": None, "version": 1},
                                      headers=accountant.headers()), 403, "reopen_owner_only")
        problem(api.client.put("/api/v1/period-lock", json={"lock_date": "2026-02-28", "version": 7},
                               headers=api.headers()), 409, "stale_version")
    assert _entry(api, "2026-02-01", (acc["cash"], "5.00", "0"), (acc["sales"], "0", "5.00")).status_code == 201
    reopened = api.client.put("/api/v1/period-lock", json={"lock_date": None, "version": 1}, headers=api.headers())
    assert reopened.status_code == 200 and reopened.json == {"lock_date": None, "version": 2}
    assert _entry(api, "2026-01-15", (acc["cash"], "5.00", "0"), (acc["sales"], "0", "5.00")).status_code == 201
    ops = api.get("/api/v1/operations?entity=period_lock").json["items"]
    assert [o["action"] for o in ops] == ["update", "create"]
