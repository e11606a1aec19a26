"""Cash accounts and cash-flow categories."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from server.ledger.chart import ensure_chart

from tests.factories import make_cash, make_client, problem

D = Decimal


def test_cash_accounts_default_to_the_chart_and_show_their_balance(api: Any, world: Any, db: Any) -> None:
    usd = make_cash(api, world, "PP-CASH")
    bank = make_cash(api, world, "PP-BANK", kind="bank")
    with db.read_session() as s:
        chart = ensure_chart(s, world.company_id)
    assert api.get(f"/api/v1/cash-accounts/{usd}").json["account_id"] == chart["cash"]
    assert api.get(f"/api/v1/cash-accounts/{bank}").json["account_id"] == chart["bank"]
    client = make_client(api)
    r = api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-02", "cash_account_id": usd,
                                      "amount": "240.00", "counterparty_id": client})
    assert r.status_code == 201, r.json
    api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-02", "cash_account_id": bank,
                                  "amount": "1000.00", "counterparty_id": client})
    view = api.get(f"/api/v1/cash-accounts/{usd}").json
    assert (D(view["balance"]), D(view["balance_base"]), view["base_currency"]) == (D("240.00"), D("240.00"), "USD")
    # Two cash desks on the same ledger account keep separate balances.
    other = make_cash(api, world, "PP-CASH-2")
    assert D(api.get(f"/api/v1/cash-accounts/{other}").json["balance"]) == D("0")
    codes = [c["code"] for c in api.get("/api/v1/cash-accounts").json["items"]]
    assert codes == ["PP-BANK", "PP-CASH", "PP-CASH-2"]


def test_cash_account_bad_input_names_every_field(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    make_cash(api, world, "PP-CASH")
    with db.read_session() as s:
        sales_account = ensure_chart(s, world.company_id)["sales"]
    with unchanged():
        r = api.post("/api/v1/cash-accounts", {"kind": "cash", "branch_id": 999, "code": "PP-CASH", "name": "x",
                                               "currency": "USD", "account_id": sales_account})
        problem(r, 422, "validation_failed", fields={
            "branch_id": "unknown_reference", "code": "already_exists", "account_id": "not_an_asset_account"})
        r = api.post("/api/v1/cash-accounts", {"kind": "safe", "branch_id": world.branches["PP"], "code": "X",
                                               "name": "x", "currency": "XXX"})
        problem(r, 422, "validation_failed", fields={"kind": "invalid_choice", "currency": "invalid_currency"})


def test_cash_account_changes_need_the_version_and_archive_stops_payments(api: Any, world: Any, unchanged: Any) -> None:
    cash = make_cash(api, world, "PP-CASH")
    r = api.patch(f"/api/v1/cash-accounts/{cash}", {"version": 1, "name": "Front desk", "bank_name": "ABA"})
    assert r.status_code == 200 and r.json["name"] == "Front desk" and r.json["version"] == 2
    with unchanged():
        problem(api.patch(f"/api/v1/cash-accounts/{cash}", {"version": 1, "name": "Old"}), 409, "stale_version")
        problem(api.patch(f"/api/v1/cash-accounts/{cash}", {"version": 2, "currency": "KHR"}), 422,
                "validation_failed", fields={"currency": "unknown_field"})
    assert api.post(f"/api/v1/cash-accounts/{cash}/archive", {"version": 2}).json["archived_at"]
    client = make_client(api)
    with unchanged():
        r = api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-02", "cash_account_id": cash,
                                          "amount": "1.00", "counterparty_id": client})
        problem(r, 422, "validation_failed", fields={"cash_account_id": "archived"})
    assert api.get("/api/v1/cash-accounts").json["items"] == []
    assert len(api.get("/api/v1/cash-accounts?include_archived=true").json["items"]) == 1


def test_cash_accounts_respect_branch_scope_and_roles(api: Any, world: Any, unchanged: Any) -> None:
    sr = make_cash(api, world, "SR-CASH", branch="SR")
    for role in ("sales", "warehouse", "hr"):
        problem(api.as_(world.tokens[role]).get("/api/v1/cash-accounts"), 403, "role_forbidden")
        problem(api.as_(world.tokens[role]).get(f"/api/v1/cash-accounts/{sr}"), 403, "role_forbidden")
    assert api.as_(world.tokens["accountant"]).get(f"/api/v1/cash-accounts/{sr}").status_code == 200


def test_cashflow_categories_are_created_lazily_and_form_a_tree(api: Any, world: Any, unchanged: Any) -> None:
    items = api.get("/api/v1/cashflow-categories").json["items"]
    by_code = {c["code"]: c for c in items}
    assert set(by_code) == {"sales_receipts", "supplier_payments", "salaries", "taxes", "rent", "transfers", "other"}
    assert by_code["rent"]["direction"] == "out" and by_code["rent"]["names"]["ru"] == "Аренда"
    r = api.post("/api/v1/cashflow-categories", {"code": "office_rent", "name": "Office rent", "direction": "out",
                                                  "parent_id": by_code["rent"]["id"], "names": {"ru": "Аренда офиса"}})
    assert r.status_code == 201, r.json
    child = r.json
    with unchanged():
        r = api.patch(f"/api/v1/cashflow-categories/{by_code['rent']['id']}",
                      {"version": 1, "parent_id": child["id"]})
        problem(r, 422, "validation_failed", fields={"parent_id": "category_cycle"})
        r = api.post("/api/v1/cashflow-categories", {"code": "rent", "name": "Rent again", "direction": "sideways"})
        problem(r, 422, "validation_failed", fields={"direction": "invalid_choice"})
        r = api.post("/api/v1/cashflow-categories", {"code": "rent", "name": "Rent again"})
        problem(r, 409, "duplicate", fields={"code": "already_exists"})
        problem(api.post(f"/api/v1/cashflow-categories/{by_code['rent']['id']}/archive", {"version": 1}),
                409, "has_children")
    assert api.post(f"/api/v1/cashflow-categories/{child['id']}/archive", {"version": 1}).status_code == 200
    assert api.get(f"/api/v1/cashflow-categories/{child['id']}").json["archived_at"]


def test_a_category_of_the_wrong_direction_is_refused(api: Any, world: Any, unchanged: Any) -> None:
    cash = make_cash(api, world, "PP-CASH")
    client = make_client(api)
    rent = next(c for c in api.get("/api/v1/cashflow-categories").json["items"] if c["code"] == "rent")
    with unchanged():
        r = api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-02", "cash_account_id": cash,
                                          "amount": "10.00", "counterparty_id": client,
                                          "cashflow_category_id": rent["id"]})
        problem(r, 422, "validation_failed", fields={"cashflow_category_id": "wrong_direction"})
    r = api.post("/api/v1/payments", {"kind": "payment", "date": "2026-03-02", "cash_account_id": cash,
                                      "amount": "10.00", "counterparty_id": client, "cashflow_category_id": rent["id"]})
    assert r.status_code == 201 and r.json["cashflow_category_id"] == rent["id"]
    # Without a category a receipt is filed under "receipts from customers".
    r = api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-02", "cash_account_id": cash,
                                      "amount": "10.00", "counterparty_id": client})
    sales_receipts = next(c for c in api.get("/api/v1/cashflow-categories").json["items"]
                          if c["code"] == "sales_receipts")
    assert r.json["cashflow_category_id"] == sales_receipts["id"]
