"""Orders: drafts priced from the lists, the declared state machine end to end, every illegal move refused."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from server.sales.models import ORDER, Invoice
from server.sales.service import sync_order_status

from tests.factories import SALES_DAY, books_for, line, problem

D = Decimal
STATUSES = ("draft", "confirmed", "shipped", "invoiced", "paid", "closed", "cancelled")


def _order(api: Any, b: Any, lines: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    r = api.post("/api/v1/orders", {"branch_id": b.pp, "counterparty_id": b.client, "date": SALES_DAY,
                                    "lines": lines or [line("W-1", "4", "25.00"), line("SVC", "2", "50.00")], **kw})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def _act(api: Any, order: dict[str, Any], action: str, **body: Any) -> Any:
    return api.post(f"/api/v1/orders/{order['id']}/{action}", {"version": order["version"], **body})


def _settle(db: Any, world: Any, invoice_id: int) -> None:
    """What finance does when a payment clears an invoice: open to zero, then sync the order."""
    with db.write_session() as s, s.begin():
        inv = s.get(Invoice, invoice_id)
        inv.open_amount = D(0)
        inv.open_base = D(0)
        inv.status = "paid"
        s.flush()
        sync_order_status(s, inv.order_id)


def test_an_order_from_draft_to_closed(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    o = _order(api, b)
    assert (o["number"], o["status"], o["total"]) == ("SO-PP-2026-000001", "draft", "220.00")
    assert o["actions"] == ["confirm", "cancel"]
    r = api.patch(f"/api/v1/orders/{o['id']}", {"version": o["version"], "lines": [line("W-1", "4", "25.00")]})
    assert r.status_code == 200 and r.json["total"] == "110.00"
    o = _act(api, r.json, "confirm").json
    assert (o["status"], o["actions"]) == ("confirmed", ["ship", "invoice", "cancel"])
    body = problem(api.patch(f"/api/v1/orders/{o['id']}", {"version": o["version"], "notes": "x"}), 409,
                   "invalid_state")
    assert body["params"] == {"entity": "order", "id": o["id"], "status": "confirmed", "action": "edit",
                              "allowed": "ship, invoice, cancel"}
    assert body["allowed"] == ["ship", "invoice", "cancel"]
    o = _act(api, o, "ship").json
    assert o["status"] == "shipped" and o["lines"][0]["qty_shipped"] == "4"
    assert o["totals"]["shipped"] == "110.00"
    o = _act(api, o, "invoice", date="2026-03-11").json
    assert o["status"] == "invoiced", o
    assert [(i["number"], i["status"], i["total"], i["open_amount"]) for i in o["invoices"]] == [
        ("INV-PP-2026-000001", "posted", "110.00", "110.00")]
    assert o["totals"] == {"ordered": "110.00", "shipped": "110.00", "invoiced": "110.00", "paid": "0.00",
                           "open": "110.00"}
    assert o["actions"] == ["close"] and o["documents"] == []
    inv = api.get(f"/api/v1/invoices/{o['invoices'][0]['id']}").json
    assert inv["order_id"] == o["id"] and inv["lines"][0]["order_line_id"] == o["lines"][0]["id"]
    _settle(db, world, inv["id"])
    o = api.get(f"/api/v1/orders/{o['id']}").json
    assert o["status"] == "paid" and o["totals"]["paid"] == "110.00" and o["totals"]["open"] == "0.00"
    o = _act(api, o, "close").json
    assert o["status"] == "closed" and o["actions"] == [] and o["closed_at"]


def test_partial_invoicing_and_payments_shown_on_the_order(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    o = _act(api, _order(api, b), "confirm").json
    first, second = o["lines"]
    r = _act(api, o, "invoice", lines=[{"order_line_id": first["id"], "qty": "1"}])
    assert r.status_code == 200, r.json
    o = r.json
    assert o["status"] == "invoiced" and "invoice" in o["actions"] and o["totals"]["invoiced"] == "27.50"
    problem(_act(api, o, "invoice", lines=[{"order_line_id": first["id"], "qty": "4"}]), 422, "validation_failed",
            fields={"lines.0.qty": "exceeds_uninvoiced"})
    o = _act(api, o, "invoice").json  # the rest: 3 widgets and the service
    assert [i["total"] for i in o["invoices"]] == ["27.50", "192.50"]
    assert o["totals"]["invoiced"] == "220.00" and "invoice" not in o["actions"]
    problem(_act(api, o, "invoice"), 409, "nothing_to_invoice")
    # A credit note on the first invoice appears among what settled it.
    cn = api.post(f"/api/v1/invoices/{o['invoices'][0]['id']}/credit-note", {}).json
    api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]})
    o = api.get(f"/api/v1/orders/{o['id']}").json
    assert [(p["credit_note_id"], p["amount"]) for p in o["payments"]] == [(cn["id"], "27.50")]
    assert o["status"] == "invoiced"
    _settle(db, world, o["invoices"][1]["id"])
    assert api.get(f"/api/v1/orders/{o['id']}").json["status"] == "paid"


def test_sync_order_status_goes_back_when_an_invoice_opens_again(db: Any, world: Any, api: Any) -> None:
    b = books_for(db, world, api)
    o = _act(api, _act(api, _order(api, b), "confirm").json, "invoice").json
    inv_id = o["invoices"][0]["id"]
    _settle(db, world, inv_id)
    assert api.get(f"/api/v1/orders/{o['id']}").json["status"] == "paid"
    with db.write_session() as s, s.begin():
        inv = s.get(Invoice, inv_id)
        inv.open_amount = D("10.00")
        inv.status = "posted"
        s.flush()
        sync_order_status(s, o["id"])
    assert api.get(f"/api/v1/orders/{o['id']}").json["status"] == "invoiced"


def test_cancel_an_order_before_and_after_invoicing(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    o = _order(api, b)
    o = _act(api, o, "cancel").json
    assert o["status"] == "cancelled" and o["cancelled_at"]
    o = _act(api, _act(api, _order(api, b), "confirm").json, "invoice").json
    with unchanged():
        problem(_act(api, o, "cancel"), 409, "has_invoices")
    inv = api.get(f"/api/v1/invoices/{o['invoices'][0]['id']}").json
    r = api.post(f"/api/v1/invoices/{inv['id']}/cancel", {"version": inv["version"]})
    assert r.status_code == 200, r.json
    o = api.get(f"/api/v1/orders/{o['id']}").json
    # Cancelling the invoice gives its quantities back to the order.
    assert [l["qty_invoiced"] for l in o["lines"]] == ["0", "0"] and "cancel" in o["actions"]
    assert _act(api, o, "cancel").json["status"] == "cancelled"


def _order_in(db: Any, world: Any, api: Any, b: Any, status: str) -> dict[str, Any]:
    """An order brought to `status` by the routes (paid and closed through a settled invoice)."""
    o = _order(api, b)
    path = {"draft": [], "confirmed": ["confirm"], "shipped": ["confirm", "ship"],
            "invoiced": ["confirm", "invoice"], "paid": ["confirm", "invoice"], "closed": ["confirm", "invoice", "close"],
            "cancelled": ["cancel"]}[status]
    for action in path:
        o = _act(api, o, action).json
    if status == "paid":
        _settle(db, world, o["invoices"][0]["id"])
        o = api.get(f"/api/v1/orders/{o['id']}").json
    assert o["status"] == status
    return o


@pytest.mark.parametrize("status", STATUSES)
def test_every_illegal_transition_is_refused(db: Any, world: Any, api: Any, unchanged: Any, status: str) -> None:
    b = books_for(db, world, api)
    o = _order_in(db, world, api, b, status)
    for action, (froms, _to) in ORDER.moves.items():
        if action == "edit":  # a PATCH of the draft, refused below
            continue
        # invoice from invoiced/paid is legal only while something is left; here everything is invoiced.
        legal = status in froms and not (action == "invoice" and status in ("invoiced", "paid"))
        legal = legal and not (action == "cancel" and status == "invoiced")
        if legal:
            continue
        with unchanged():
            r = _act(api, o, action)
            body = problem(r, 409, "invalid_state" if status not in froms else
                           ("nothing_to_invoice" if action == "invoice" else "has_invoices"), (status, action))
            if status not in froms:
                assert f"is {status}" in body["title"], body
                assert body["params"]["action"] == action and body["allowed"] == ORDER.allowed(status), body


def test_orders_bad_input_and_scope(db: Any, world: Any, api: Any, unchanged: Any) -> None:
    b = books_for(db, world, api)
    with unchanged():
        r = api.post("/api/v1/orders", {"branch_id": b.pp, "counterparty_id": b.supplier, "date": SALES_DAY,
                                        "lines": [line("NOPE", "1"), line("W-1", "1", "1.001")]})
        problem(r, 422, "validation_failed", fields={"counterparty_id": "wrong_counterparty_kind",
                                                      "lines.0.sku": "unknown_reference",
                                                      "lines.1.unit_price": "too_many_decimals"})
        r = api.post("/api/v1/orders", {"branch_id": b.pp, "counterparty_id": b.client, "lines": []})
        problem(r, 422, "validation_failed", fields={"lines": "too_short"})
    o = _order(api, b, branch_id=world.branches["SR"])
    with unchanged():
        problem(api.as_(world.tokens["sales_pp"]).get(f"/api/v1/orders/{o['id']}"), 403, "out_of_branch_scope")
        problem(api.as_(world.tokens["hr"]).get("/api/v1/orders"), 403, "role_forbidden")
        problem(_act(api, dict(o, version=o["version"] + 5), "confirm"), 409, "stale_version")
    assert api.as_(world.tokens["sales_pp"]).get("/api/v1/orders").json["total"] == 0
    assert api.get("/api/v1/orders?status=draft").json["total"] == 1
    assert api.get(f"/api/v1/orders?branch_id={b.pp}").json["total"] == 0
