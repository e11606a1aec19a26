"""Bad payments and allocations are refused with every field named and nothing written; posted ones stay put."""
from __future__ import annotations

import datetime as dt
from typing import Any

from server.ledger.service import close_period
from tests.factories import make_cash, make_client, make_invoice, make_rate, problem

URL = "/api/v1/payments"


def _scoped_accountant(db: Any, world: Any, branch: str) -> str:
    """An accountant who works in one branch only."""
    from server.org.auth import issue_token
    from server.org.models import Branch, User

    with db.write_session() as s, s.begin():
        u = User(company_id=world.company_id, email=f"acc-{branch.lower()}@angkor.example", name="Branch Accountant",
                 role="accountant")
        u.branches = [s.get(Branch, world.branches[branch])]
        s.add(u)
        s.flush()
        return issue_token(s, u, "test")[1]


def test_allocation_above_the_open_amount(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "100.00")
    body = {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "150.00",
            "counterparty_id": client, "allocations": [{"invoice_id": inv, "amount": "100.01"}]}
    with unchanged():
        problem(api.post(URL, body), 422, "validation_failed", fields={"allocations.0.amount": "above_open_amount"})
    p = api.post(URL, {**body, "allocations": []}).json
    with unchanged():
        r = api.post(f"{URL}/{p['id']}/allocations", {"allocations": [{"invoice_id": inv, "amount": "100.01"}]})
        problem(r, 422, "validation_failed", fields={"allocations.0.amount": "above_open_amount"})


def test_allocations_above_what_the_payment_has_left(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    a, b = make_invoice(db, world, client, "60.00"), make_invoice(db, world, client, "60.00")
    with unchanged():
        r = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "100.00",
                           "counterparty_id": client, "allocations": [{"invoice_id": a, "amount": "60.00"},
                                                                      {"invoice_id": b, "amount": "60.00"}]})
        problem(r, 422, "validation_failed", fields={"allocations": "above_unallocated"})


def test_every_bad_field_is_reported_at_once(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    other = make_client(api, "Someone Else")
    supplier = make_client(api, "Mekong Supply", kind="supplier")
    theirs = make_invoice(db, world, other, "10.00")
    bill = make_invoice(db, world, supplier, "10.00", kind="bill")
    with unchanged():
        r = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "10.001",
                           "counterparty_id": client, "to_amount": "5.00",
                           "allocations": [{"invoice_id": theirs, "amount": "1.00"}, {"invoice_id": bill, "amount": "1"},
                                           {"invoice_id": 987654, "amount": "1.00"}]})
        problem(r, 422, "validation_failed", fields={
            "amount": "too_many_decimals", "to_amount": "only_for_transfers",
            "allocations.0.invoice_id": "wrong_counterparty", "allocations.1.invoice_id": "wrong_document_kind",
            "allocations.2.invoice_id": "unknown_reference"})
        r = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "10.00",
                           "allocations": [{"invoice_id": theirs, "amount": "1.00"}, {"invoice_id": bill, "amount": "1"},
                                           {"invoice_id": 987654, "amount": "1.00"}]})
        problem(r, 422, "validation_failed", fields={
            "counterparty_id": "required", "allocations.0.invoice_id": "wrong_counterparty",
            "allocations.1.invoice_id": "wrong_document_kind", "allocations.2.invoice_id": "unknown_reference"})
        r = api.post(URL, {"kind": "receipt", "date": "2026-13-05", "cash_account_id": cash, "amount": 10.5,
                           "counterparty_id": client})
        problem(r, 422, "validation_failed", fields={"date": "invalid_date", "amount": "invalid_decimal"})


def test_amounts_with_more_decimals_than_the_currency_has(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    make_rate(db, world, "KHR", dt.date(2026, 3, 1), "0.00025")
    khr, client = make_cash(api, world, "PP-KHR", currency="KHR"), make_client(api)
    inv = make_invoice(db, world, client, "100.00")
    with unchanged():
        r = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": khr, "amount": "4000.5",
                           "counterparty_id": client})
        body = problem(r, 422, "validation_failed", fields={"amount": "too_many_decimals"})
        assert "KHR" in body["errors"][0]["message"] and "0" in body["errors"][0]["message"]
        r = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": khr, "amount": "400000",
                           "counterparty_id": client, "allocations": [{"invoice_id": inv, "amount": "99.999"}]})
        problem(r, 422, "validation_failed", fields={"allocations.0.amount": "too_many_decimals"})


def test_a_missing_rate_names_the_date(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    khr, client = make_cash(api, world, "PP-KHR", currency="KHR"), make_client(api)
    make_rate(db, world, "KHR", dt.date(2026, 3, 10), "0.00025")
    with unchanged():
        r = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": khr, "amount": "40000",
                           "counterparty_id": client})
        body = problem(r, 422, "validation_failed", fields={"date": "missing_rate"})
        assert "KHR" in body["errors"][0]["message"] and "2026-03-05" in body["errors"][0]["message"]


def test_a_payment_in_another_branchs_account(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    sr, client = make_cash(api, world, "SR-CASH", branch="SR"), make_client(api)
    pp_accountant = api.as_(_scoped_accountant(db, world, "PP"))
    with unchanged():
        r = pp_accountant.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": sr,
                                     "amount": "10.00", "counterparty_id": client})
        problem(r, 422, "validation_failed", fields={"cash_account_id": "out_of_branch_scope"})
    p = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": sr, "amount": "10.00",
                       "counterparty_id": client}).json
    problem(pp_accountant.get(f"{URL}/{p['id']}"), 403, "out_of_branch_scope")
    assert pp_accountant.get(URL).json == {"items": [], "total": 0}
    problem(api.as_(world.tokens["sales_pp"]).get(f"{URL}/{p['id']}"), 403, "out_of_branch_scope")
    assert api.as_(world.tokens["sales"]).get(f"{URL}/{p['id']}").status_code == 200


def test_transfer_rules(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    make_rate(db, world, "KHR", dt.date(2026, 3, 1), "0.00025")
    usd, khr = make_cash(api, world, "PP-USD"), make_cash(api, world, "PP-KHR", currency="KHR")
    usd2 = make_cash(api, world, "PP-USD-2")
    client = make_client(api)
    base = {"kind": "transfer", "date": "2026-03-05", "cash_account_id": usd, "amount": "10.00"}
    with unchanged():
        problem(api.post(URL, {**base, "to_cash_account_id": usd}), 422, "validation_failed",
                fields={"to_cash_account_id": "same_cash_account"})
        problem(api.post(URL, {**base, "to_cash_account_id": khr, "counterparty_id": client}), 422,
                "validation_failed", fields={"to_amount": "required", "counterparty_id": "not_for_transfers"})
        problem(api.post(URL, {**base, "to_cash_account_id": usd2, "to_amount": "9.00"}), 422, "validation_failed",
                fields={"to_amount": "transfer_amount_mismatch"})
        problem(api.post(URL, {**base}), 422, "validation_failed", fields={"to_cash_account_id": "required"})


def test_posted_and_locked_payments_answer_409(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "100.00")
    p = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "100.00",
                       "counterparty_id": client, "allocations": [{"invoice_id": inv, "amount": "40.00"}]}).json
    alloc = p["allocations"][0]["id"]
    with unchanged():
        problem(api.post(f"{URL}/{p['id']}/cancel", {"version": p["version"] - 1}), 409, "stale_version")
        problem(api.post(f"{URL}/{p['id']}/cancel", {"version": p["version"]}), 409, "has_allocations")
        problem(api.patch(f"{URL}/{p['id']}", {"version": p["version"], "counterparty_id": 1}), 409,
                "posted_immutable", fields={"counterparty_id": "immutable_field"})
    assert api.post(f"/api/v1/allocations/{alloc}/reverse").status_code == 200
    with unchanged():
        problem(api.post(f"/api/v1/allocations/{alloc}/reverse"), 409, "allocation_reversed")
    p = api.get(f"{URL}/{p['id']}").json
    assert api.post(f"{URL}/{p['id']}/cancel", {"version": p["version"]}).status_code == 200
    p = api.get(f"{URL}/{p['id']}").json
    with unchanged():
        body = problem(api.post(f"{URL}/{p['id']}/cancel", {"version": p["version"]}), 409, "invalid_state")
        assert body["params"] == {"entity": "payment", "id": p["id"], "status": "cancelled", "action": "cancel",
                                  "allowed": "—"}
        assert body["allowed"] == []
        problem(api.post(f"{URL}/{p['id']}/allocations", {"allocations": [{"invoice_id": inv, "amount": "1.00"}]}),
                409, "invalid_state")
        problem(api.patch(f"{URL}/{p['id']}", {"version": p["version"], "memo": "x"}), 409, "invalid_state")


def test_nothing_moves_in_a_closed_period(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    inv = make_invoice(db, world, client, "100.00")
    p = api.post(URL, {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "100.00",
                       "counterparty_id": client, "allocations": [{"invoice_id": inv, "amount": "40.00"}]}).json
    with db.write_session() as s, s.begin():
        close_period(s, world.actor(), dt.date(2026, 3, 31), None)
    with unchanged():
        problem(api.post(URL, {"kind": "receipt", "date": "2026-03-31", "cash_account_id": cash, "amount": "1.00",
                               "counterparty_id": client}), 409, "period_locked", fields={"date": "period_locked"})
        problem(api.post(f"/api/v1/allocations/{p['allocations'][0]['id']}/reverse"), 409, "period_locked")
        problem(api.post(f"{URL}/{p['id']}/allocations", {"allocations": [{"invoice_id": inv, "amount": "1.00"}]}),
                409, "period_locked")
        problem(api.patch(f"{URL}/{p['id']}", {"version": p["version"], "memo": "late"}), 409, "period_locked")
    r = api.post(f"{URL}/{p['id']}/allocations", {"date": "2026-04-01",
                                                  "allocations": [{"invoice_id": inv, "amount": "60.00"}]})
    assert r.status_code == 201, r.json


def test_roles(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    body = {"kind": "receipt", "date": "2026-03-05", "cash_account_id": cash, "amount": "1.00",
            "counterparty_id": client}
    with unchanged():
        for role in ("sales", "warehouse", "hr"):
            problem(api.as_(world.tokens[role]).post(URL, body), 403, "role_forbidden")
    assert api.as_(world.tokens["accountant"]).post(URL, body).status_code == 201
    for role in ("warehouse", "hr"):
        problem(api.as_(world.tokens[role]).get(URL), 403, "role_forbidden")
        problem(api.as_(world.tokens[role]).get(f"/api/v1/counterparties/{client}/balance"), 403, "role_forbidden")
    assert api.as_(world.tokens["sales"]).get(f"/api/v1/counterparties/{client}/balance").json["net"] == "-1.00"
    problem(api.get("/api/v1/counterparties/999999/balance"), 404, "not_found")
    problem(api.get(f"{URL}/999999"), 404, "not_found")
