"""Posted or locked-period records: every route that would change or cancel them answers 409, and
nothing in the database moves."""
from __future__ import annotations

from typing import Any

from tests.factories import problem


def _books(api: Any, world: Any) -> dict[str, Any]:
    client = api.post("/api/v1/clients", {"name": "Locked Client", "kind": "client"}).json["id"]
    product = api.post("/api/v1/products", {"sku": "LOCK-1", "name": "Locked goods", "tax_rate": "10"}).json["id"]
    cash = api.post("/api/v1/cash-accounts", {"kind": "cash", "branch_id": world.branches["PP"], "code": "CASH-L",
                                              "name": "Cash", "currency": "USD"}).json["id"]
    line = [{"product_id": product, "qty": "2", "unit_price": "50.00"}]
    made = {}
    for name, date in (("paid", "2026-03-10"), ("open", "2026-03-12"), ("later", "2026-04-05")):
        r = api.post("/api/v1/invoices", {"branch_id": world.branches["PP"], "counterparty_id": client, "date": date,
                                          "currency": "USD", "lines": line, "post": True})
        assert r.status_code == 201, r.json
        made[name] = r.json
    draft = api.post("/api/v1/invoices", {"branch_id": world.branches["PP"], "counterparty_id": client,
                                          "date": "2026-03-20", "currency": "USD", "lines": line})
    made["draft"] = draft.json
    pay = api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-15", "cash_account_id": cash,
                                        "amount": "110.00", "counterparty_id": client,
                                        "allocations": [{"invoice_id": made["paid"]["id"], "amount": "110.00"}]})
    assert pay.status_code == 201, pay.json
    made["payment"] = pay.json
    made["manual"] = api.post("/api/v1/journal-entries", {"date": "2026-03-31", "lines": [
        {"account_id": _account(api, "expenses"), "debit": "5.00"},
        {"account_id": _account(api, "cash"), "credit": "5.00"}]}).json
    return made


def _account(api: Any, role: str) -> int:
    return next(a["id"] for a in api.get("/api/v1/accounts").json["items"] if a["role"] == role)


def test_posted_documents_refuse_every_change_with_409(api: Any, world: Any, unchanged: Any) -> None:
    made = _books(api, world)
    paid, open_, payment = made["paid"], made["open"], made["payment"]
    with unchanged():
        problem(api.patch(f"/api/v1/invoices/{open_['id']}", {"version": open_["version"], "notes": "edited"}),
                409, "invoice_posted")
        problem(api.post(f"/api/v1/invoices/{open_['id']}/post", {"version": open_["version"]}), 409, "invalid_state")
        paid_now = api.get(f"/api/v1/invoices/{paid['id']}").json
        assert paid_now["status"] == "paid"
        problem(api.post(f"/api/v1/invoices/{paid['id']}/cancel", {"version": paid_now["version"]}), 409,
                "invalid_state")
        problem(api.patch(f"/api/v1/payments/{payment['id']}", {"version": payment["version"], "amount": "1.00"}),
                409, "posted_immutable")
        problem(api.post(f"/api/v1/payments/{payment['id']}/cancel", {"version": payment["version"]}), 409,
                "has_allocations")
        entry = api.get(f"/api/v1/journal-entries?source_type=sale_invoice&source_id={open_['id']}").json["items"][0]
        problem(api.post(f"/api/v1/journal-entries/{entry['id']}/reverse", {}), 409, "reverse_via_document")


def test_records_in_a_closed_period_refuse_every_change_with_409(api: Any, world: Any, unchanged: Any) -> None:
    made = _books(api, world)
    lock = api.client.put("/api/v1/period-lock", json={"lock_date": "2026-03-31"}, headers=api.headers())
    assert lock.status_code == 200, lock.json
    open_, draft, payment, manual = made["open"], made["draft"], made["payment"], made["manual"]
    allocation = api.get(f"/api/v1/payments/{payment['id']}").json["allocations"][0]["id"]
    with unchanged():
        problem(api.post(f"/api/v1/invoices/{open_['id']}/cancel", {"version": open_["version"]}), 409,
                "period_locked", fields={"date": "period_locked"})
        problem(api.post(f"/api/v1/invoices/{draft['id']}/post", {"version": draft["version"]}), 409,
                "period_locked", fields={"date": "period_locked"})
        problem(api.post(f"/api/v1/allocations/{allocation}/reverse", {}), 409, "period_locked")
        problem(api.post(f"/api/v1/journal-entries/{manual['id']}/reverse", {"date": "2026-04-02"}), 409,
                "period_locked")
        problem(api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-03-31",
                                              "cash_account_id": payment["cash_account_id"], "amount": "1.00",
                                              "counterparty_id": payment["counterparty_id"]}), 409, "period_locked")
    # The open period still works: the April invoice can be cancelled.
    later = made["later"]
    assert api.post(f"/api/v1/invoices/{later['id']}/cancel", {"version": later["version"]}).status_code == 200
