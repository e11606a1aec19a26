"""The figures API: a column of client keys (or SKUs) in, exact figures per key out; bad input, roles, branches."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, insert

from server.catalog.models import Category, Product
from server.figures import service
from server.parties.models import Counterparty

from tests.factories import SalesBooks, line, make_party, problem

CLIENTS = "/api/v1/figures/clients"
PRICES = "/api/v1/figures/prices"
AS_OF = "2026-03-31"


@dataclass
class Scene:
    b: SalesBooks
    sokha: int
    mekong: int
    dara: int
    twins: tuple[int, int]
    vip: int
    vip_segment: int


def _categorise(db: Any, world: Any, b: SalesBooks) -> None:
    """FOOD, with DRINKS under it: the gadget is food, the widget a drink; the book and the service have none."""
    with db.write_session() as s, s.begin():
        food = Category(company_id=world.company_id, code="FOOD", name="Food")
        s.add(food)
        s.flush()
        drinks = Category(company_id=world.company_id, code="DRINKS", name="Drinks", parent_id=food.id)
        s.add(drinks)
        s.flush()
        s.get(Product, b.products["G-1"]).category_id = food.id
        s.get(Product, b.products["W-1"]).category_id = drinks.id


@pytest.fixture
def scene(db: Any, world: Any, api: Any, frozen: None) -> Scene:
    """The documents every figure below is worked out from (all as of 2026-03-31, USD base, 1 KHR = 0.00025 USD).

    Sokha Shop (no branch):
      INV-1  PP 03-10 due 03-10  W-1 3 x 19.99 -15% = 50.97 net, G-1 2 x 100.00 = 200.00 net; total 276.07
      CN     PP 03-12            takes back 1 G-1: 100.00 net, 110.00 total, applied to INV-1 (open 166.07)
      INV-2  PP 03-10 due 04-30  BK 1 x 40000 KHR = 10.00 USD
      INV-3  SR 03-10 due 03-10  BK 1 x 5.00
      order  PP 03-20 confirmed
    Mekong Supply: a bill of 99.00.  Dara Store (branch SR): INV SR 03-10, W-1 1 x 10.00 = 11.00.
    """
    b = SalesBooks(db, world, api)
    _categorise(db, world, b)
    sr = world.branches["SR"]
    inv1 = b.posted([line("W-1", "3", "19.99", discount_percent="15"), line("G-1", "2", "100.00")])
    assert inv1["total"] == "276.07"
    cn = api.post(f"/api/v1/invoices/{inv1['id']}/credit-note",
                  {"date": "2026-03-12", "lines": [{"product_id": b.products["G-1"], "qty": "1"}]}).json
    cn = api.post(f"/api/v1/invoices/{cn['id']}/post", {"version": cn["version"]}).json
    assert (cn["total"], cn["status"]) == ("110.00", "paid")
    assert b.posted([line("BK", "1", "40000")], currency="KHR", due_date="2026-04-30")["total_base"] == "10.00"
    assert b.posted([line("BK", "1", "5.00")], branch_id=sr)["total"] == "5.00"
    order = api.post("/api/v1/orders", {"branch_id": b.pp, "counterparty_id": b.client, "date": "2026-03-20",
                                        "lines": [line("W-1", "1", "25.00")]}).json
    assert api.post(f"/api/v1/orders/{order['id']}/confirm", {"version": order["version"]}).status_code == 200
    assert b.posted([line("W-1", "10", "4.00"), line("SVC", "1", "50.00")], kind="bill")["total"] == "99.00"
    dara = make_party(api, "Dara Store", branch_id=sr)
    assert b.posted([line("W-1", "1", "10.00")], counterparty_id=dara, branch_id=sr)["total"] == "11.00"
    twins = (make_party(api, "Twin Co"), make_party(api, "twin  co"))
    segment = api.post("/api/v1/segments", {"code": "VIP", "name": "VIP"}).json["id"]
    return Scene(b, b.client, b.supplier, dara, twins, make_party(api, "Vireak VIP", segment="VIP"), segment)


def figures(api: Any, clients: list[Any], **kw: Any) -> dict[str, Any]:
    r = api.post(CLIENTS, {"clients": clients, **kw})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def row(item: dict[str, Any]) -> tuple[Any, ...]:
    return (item["id"], item["balance"], item["overdue"], item["sales"], item["last_order_date"], item["error"])


def test_every_kind_of_key_names_its_client_with_exact_figures(api: Any, scene: Scene) -> None:
    s = scene
    keys = [s.sokha, "Sokha Shop", "  sokha   SHOP ", "K001-100200300", "k001 100200300", str(s.sokha),
            s.mekong, s.dara, "Nobody", "Twin Co", "", 10**30, 999_999, s.twins[1]]
    body = figures(api, keys, as_of=AS_OF)
    assert (body["as_of"], body["from_date"], body["to_date"], body["currency"]) == (
        "2026-03-31", "2026-01-01", "2026-03-31", "USD")
    assert [i["key"] for i in body["items"]] == keys
    # Sokha: open 166.07 (INV-1 after the credit note) + 10.00 (KHR) + 5.00 (SR) = 181.07; past due:
    # 166.07 + 5.00; net sales 50.97 + 200.00 + 10.00 + 5.00 - 100.00 = 165.97; the order (03-20) is the latest.
    sokha = (s.sokha, "181.07", "171.07", "165.97", "2026-03-20", None)
    assert [row(i) for i in body["items"]] == [
        sokha, sokha, sokha, sokha, sokha, sokha,
        (s.mekong, "-99.00", "0.00", "0.00", None, None),
        (s.dara, "11.00", "11.00", "10.00", "2026-03-10", None),  # 10.00 net of VAT
        (None, None, None, None, None, "not_found"),
        (None, None, None, None, None, "ambiguous"),
        (None, None, None, None, None, "required"),
        (None, None, None, None, None, "not_found"),
        (None, None, None, None, None, "not_found"),
        (s.twins[1], "0.00", "0.00", "0.00", None, None),
    ]


def test_sales_by_category_and_period_and_figures_on_an_earlier_date(api: Any, scene: Scene) -> None:
    s = scene
    # FOOD takes in DRINKS: 50.97 + 200.00 - 100.00; DRINKS alone: the widgets; a code in other case is found.
    assert figures(api, [s.sokha], category="FOOD")["items"][0]["sales"] == "150.97"
    assert figures(api, [s.sokha], category="drinks")["items"][0]["sales"] == "50.97"
    # From 03-11 only the credit note is left.
    assert figures(api, [s.sokha], **{"from": "2026-03-11", "to": "2026-03-31"})["items"][0]["sales"] == "-100.00"
    assert figures(api, [s.sokha], **{"from": "2026-01-01", "to": "2026-03-09"})["items"][0]["sales"] == "0.00"
    # On 03-11 the credit note was not there yet: INV-1 owed all of 276.07, and was overdue since 03-10.
    item = figures(api, [s.sokha], as_of="2026-03-11")["items"][0]
    assert (item["balance"], item["overdue"]) == ("291.07", "281.07")
    # On 03-10 nothing was past due yet.
    assert figures(api, [s.sokha], as_of="2026-03-10")["items"][0]["overdue"] == "0.00"


def test_the_figures_match_the_reports(api: Any, scene: Scene) -> None:
    s = scene
    body = figures(api, [s.sokha, s.dara], as_of=AS_OF)
    aging = api.get(f"/api/v1/reports/aging?as_of={AS_OF}").json
    totals = {r["key"]: r["total"] for r in aging["rows"]}
    assert [i["balance"] for i in body["items"]] == [totals[s.sokha], totals[s.dara]]
    levels = api.get("/api/v1/reports/purchase-levels?from=2026-01-01&to=2026-03-31").json
    by_client = {r["counterparty_id"]: r["total"] for r in levels["rows"]}
    assert [i["sales"] for i in body["items"]] == [by_client[s.sokha], by_client[s.dara]]


def test_a_branch_user_sees_the_clients_and_documents_of_their_branch(api: Any, world: Any, scene: Scene) -> None:
    s = scene
    pp = api.as_(world.tokens["sales_pp"])
    body = figures(pp, [s.sokha, "Dara Store", s.dara, str(s.dara)], as_of=AS_OF)
    # Sokha (no branch) is visible, without the SR invoice of 5.00; Dara (SR) is not found by name, named by id
    # she is out of scope, as on her own page.
    assert [row(i) for i in body["items"]] == [
        (s.sokha, "176.07", "166.07", "160.97", "2026-03-20", None),
        (None, None, None, None, None, "not_found"),
        (None, None, None, None, None, "out_of_branch_scope"),
        (None, None, None, None, None, "out_of_branch_scope"),
    ]
    item = figures(api.as_(world.tokens["sales"]), [s.dara])["items"][0]
    assert (item["id"], item["balance"]) == (s.dara, "11.00")


def test_prices_per_item_with_errors_in_their_items(api: Any, scene: Scene, unchanged: Any) -> None:
    s = scene
    w1 = s.b.products["W-1"]
    for body in ({"code": "BASE", "name": "Base", "currency": "USD", "rules": [
                     {"product_id": w1, "price": "20.00"}, {"product_id": w1, "min_qty": "10", "price": "18.00"}]},
                 {"code": "VIP", "name": "VIP", "currency": "USD", "segment_id": s.vip_segment, "priority": 10,
                  "rules": [{"product_id": w1, "discount_percent": "5"}]}):
        assert api.post("/api/v1/price-lists", body).status_code == 201
    items = [{"sku": "W-1"}, {"sku": "W-1", "client": "Sokha Shop", "qty": "10"},
             {"sku": "W-1", "client": "vireak vip"},
             {"sku": "NOPE"}, {"sku": "G-1"}, {"sku": "W-1", "client": "Nobody"}, {"sku": " "},
             {"sku": "W-1", "client": "Twin Co"}, {"sku": "W-1"}]
    with unchanged():
        r = api.post(PRICES, {"items": items, "date": "2026-03-15"})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["date"] == "2026-03-15"
    got = [(i["sku"], i["client"], i["product_id"], i["client_id"], i["price"], i["currency"], i["error"], i["field"])
           for i in body["items"]]
    assert got == [
        ("W-1", None, w1, None, "20.00", "USD", None, None),
        ("W-1", "Sokha Shop", w1, s.sokha, "18.00", "USD", None, None),
        ("W-1", "vireak vip", w1, s.vip, "19.00", "USD", None, None),
        ("NOPE", None, None, None, None, None, "not_found", "sku"),
        ("G-1", None, s.b.products["G-1"], None, None, None, "no_price", "sku"),
        ("W-1", "Nobody", w1, None, None, None, "not_found", "client"),
        (" ", None, None, None, None, None, "required", "sku"),
        ("W-1", "Twin Co", w1, None, None, None, "ambiguous", "client"),
        ("W-1", None, w1, None, "20.00", "USD", None, None),
    ]
    # In riel: no riel list, so the dollar price converted at the day's rate (20.00 / 0.00025).
    khr = api.post(PRICES, {"items": [{"sku": "W-1"}], "currency": "KHR", "date": "2026-03-15"}).json["items"][0]
    assert (khr["price"], khr["currency"]) == ("80000", "KHR")


def test_bad_input_is_refused_whole_and_changes_nothing(api: Any, unchanged: Any) -> None:
    with unchanged():
        problem(api.post(CLIENTS, {"clients": [1], "bogus": 1}), 422, "validation_failed",
                fields={"bogus": "unknown_field"})
        problem(api.post(CLIENTS, {"clients": [1], "from_": "2026-01-01"}), 422, "validation_failed",
                fields={"from_": "unknown_field"})
        problem(api.post(CLIENTS, {"clients": list(range(1, 20_002))}), 422, "validation_failed",
                fields={"clients": "too_many"})
        problem(api.post(CLIENTS, {"clients": []}), 422, "validation_failed", fields={"clients": "too_short"})
        problem(api.post(CLIENTS, {}), 422, "validation_failed", fields={"clients": "required"})
        problem(api.post(CLIENTS, {"clients": [1.5, True]}), 422, "validation_failed",
                fields={"clients.0": "wrong_type", "clients.1": "wrong_type"})
        problem(api.post(CLIENTS, {"clients": [1], "as_of": "2026-02-30", "from": "yesterday", "to": 20260101}), 422,
                "validation_failed", fields={"as_of": "invalid_date", "from": "invalid_date", "to": "invalid_date"})
        # Rule errors are reported together: a period that ends before it starts, and an unknown category.
        problem(api.post(CLIENTS, {"clients": [1], "from": "2026-03-01", "to": "2026-02-01", "category": "NOPE"}),
                422, "validation_failed", fields={"from": "invalid_period", "category": "unknown_reference"})
        problem(api.post(CLIENTS, {"clients": ["x" * 301]}), 422, "validation_failed", fields={"clients.0": "too_long"})
        problem(api.post(PRICES, {"items": [{"sku": "W-1"}] * 10_001}), 422, "validation_failed",
                fields={"items": "too_many"})
        problem(api.post(PRICES, {"items": [{"sku": "W-1", "qty": "0"}, {"sku": "W-1", "qty": 1.5},
                                            {"sku": "W-1", "price": "1"}], "date": "15.03.2026", "currency": "XXX"}),
                422, "validation_failed", fields={"items.0.qty": "must_be_positive", "items.1.qty": "invalid_decimal",
                                                  "items.2.price": "unknown_field", "date": "invalid_date",
                                                  "currency": "invalid_currency"})
        problem(api.post(CLIENTS, data="[1]", headers={"Content-Type": "application/json"}), 400,
                "json_object_expected")


def test_roles(api: Any, world: Any) -> None:
    client = make_party(api, "Sokha Shop")
    for role in ("warehouse", "hr"):
        for path, body in ((CLIENTS, {"clients": [client]}), (PRICES, {"items": [{"sku": "W-1"}]})):
            problem(api.as_(world.tokens[role]).post(path, body), 403, "role_forbidden", (role, path))
    for role in ("owner", "accountant", "sales"):
        r = api.as_(world.tokens[role]).post(CLIENTS, {"clients": [client]})
        assert r.status_code == 200 and r.json["items"][0]["id"] == client, (role, r.json)
        r = api.as_(world.tokens[role]).post(PRICES, {"items": [{"sku": "W-1"}]})
        assert r.status_code == 200 and r.json["items"][0]["error"] == "not_found", (role, r.json)


def test_a_column_costs_a_few_queries_however_long(db: Any, world: Any, api: Any, frozen: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each figure is one grouped query over every client asked for, not one per client."""
    with db.write_session() as s, s.begin():
        s.execute(insert(Counterparty), [
            {"company_id": world.company_id, "kind": "client", "name": f"Client {n}", "name_key": f"client {n}",
             "tax_id": f"T-{n}", "tax_id_key": f"T{n}", "extra": {}, "search_text": ""} for n in range(1200)])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    def run(keys: list[Any]) -> tuple[int, dict[str, Any]]:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            body = figures(api, keys)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), body

    run(["Client 0"])  # the first request also reads the token and the company's books into their caches
    few, _ = run(["Client 1", "T2", "client 3"])
    keys = [f"Client {n}" for n in range(1200)] + [f"T-{n}" for n in range(1200)]
    many, body = run(keys)
    assert all(i["error"] is None and i["balance"] == "0.00" for i in body["items"])
    assert len({i["id"] for i in body["items"]}) == 1200
    # 2,400 keys cost as many statements as 3: the company's list is read once instead of looked up key by
    # key, and every figure is one statement over the company's documents instead of over the clients named.
    assert many == few, (few, many)
    # The indexed lookups, a chunk of keys per statement, name the same clients.
    monkeypatch.setattr(service, "NAMED", 10**9)
    chunked, again = run(keys)
    assert again["items"] == body["items"]
    assert chunked == few + 2 * (2400 // service.CHUNK), (few, chunked)  # names and tax ids; none is an id
