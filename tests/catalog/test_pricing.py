"""The pricing decision, as scenarios with exact prices, and the price-list API's refusals."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from server.catalog.pricing import Quote, price_for
from server.core.errors import ValidationFailed

from tests.factories import problem

V1 = "/api/v1"
D = Decimal
JAN = dt.date(2024, 1, 15)


def post(api: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"{V1}{path}", body)
    assert r.status_code == 201, r.json
    return r.json


def price_list(api: Any, code: str, currency: str = "USD", rules: list[dict[str, Any]] = (), **kw: Any) -> dict[str, Any]:
    return post(api, "/price-lists", {"code": code, "name": code, "currency": currency, "rules": list(rules), **kw})


@dataclass
class Shop:
    cola: int
    water: int
    rice: int
    plain: int
    vip: int
    walk_in: int
    vip_client: int
    lists: dict[str, dict[str, Any]]

    def rule(self, code: str, i: int) -> int:
        return self.lists[code]["rules"][i]["id"]


@pytest.fixture
def shop(api: Any, world: Any) -> Shop:
    drinks = post(api, "/categories", {"code": "DRINKS", "name": "Drinks"})
    soft = post(api, "/categories", {"code": "SOFT", "name": "Soft drinks", "parent_id": drinks["id"]})
    cola = post(api, "/products", {"sku": "COLA", "name": "Cola 24 x 0.33 l", "category_id": soft["id"],
                                   "tax_rate": "10", "unit": "box"})
    water = post(api, "/products", {"sku": "WATER", "name": "Water 0.5 l", "category_id": soft["id"]})
    rice = post(api, "/products", {"sku": "RICE", "name": "Rice 25 kg", "unit": "bag"})
    plain = post(api, "/products", {"sku": "NOPRICE", "name": "Not priced"})
    vip = post(api, "/segments", {"code": "VIP", "name": "VIP clients"})
    post(api, "/segments", {"code": "WHOLESALE", "name": "Wholesale"})
    walk_in = post(api, "/clients", {"name": "Walk-in client"})
    vip_client = post(api, "/clients", {"name": "Sokha Hotel", "segment": "VIP"})
    pp, sr = world.branches["PP"], world.branches["SR"]
    lists = {
        "BASE-USD": price_list(api, "BASE-USD", rules=[
            {"product_id": cola["id"], "min_qty": "1", "price": "20.00"},
            {"product_id": cola["id"], "min_qty": "10", "price": "18.00"},
            {"product_id": cola["id"], "min_qty": "50", "discount_percent": "5"},
            {"category_id": soft["id"], "price": "1.50"},
            {"category_id": drinks["id"], "price": "2.00"},
            {"product_id": rice["id"], "price": "30.00"},
        ]),
        "VIP-USD": price_list(api, "VIP-USD", segment_id=vip["id"], priority=10, rules=[
            {"product_id": cola["id"], "min_qty": "10", "discount_percent": "5"},
        ]),
        "PROMO-MARCH": price_list(api, "PROMO-MARCH", priority=5, valid_from="2024-03-01", valid_to="2024-03-31",
                                  rules=[{"product_id": cola["id"], "price": "19.00"}]),
        "SR-USD": price_list(api, "SR-USD", branch_id=sr, rules=[{"product_id": cola["id"], "price": "21.00"}]),
        "VIP-SR": price_list(api, "VIP-SR", segment_id=vip["id"], branch_id=sr, rules=[
            {"category_id": drinks["id"], "discount_percent": "3"},
        ]),
        "WHOLESALE": price_list(api, "WHOLESALE", segment_id=post(api, "/segments", {"code": "W2", "name": "W2"})["id"],
                                rules=[{"product_id": cola["id"], "price": "15.00"}]),
        "BASE-KHR": price_list(api, "BASE-KHR", currency="KHR", rules=[{"product_id": water["id"], "price": "6000"}]),
        "PURCHASE": price_list(api, "PURCHASE", kind="purchase", priority=100,
                               rules=[{"product_id": cola["id"], "price": "12.00"}]),
    }
    assert pp
    post(api, "/exchange-rates", {"currency": "KHR", "date": "2024-01-01", "rate": "0.00025"})
    return Shop(cola["id"], water["id"], rice["id"], plain["id"], vip["id"], walk_in["id"], vip_client["id"], lists)


@pytest.fixture
def quote(db: Any, world: Any) -> Any:
    def ask(product_id: int, client: int | None = None, qty: str = "1", on: dt.date = JAN, **kw: Any) -> Quote:
        with db.read_session() as s:
            return price_for(s, world.actor(), product_id=product_id, counterparty_id=client, on=on, qty=D(qty), **kw)
    return ask


def test_quantity_breaks(shop: Shop, quote: Any) -> None:
    assert quote(shop.cola).price == D("20.00")
    assert quote(shop.cola, qty="9.5").price == D("20.00")
    q = quote(shop.cola, qty="10")
    assert (q.price, q.rule_id, q.discount_percent) == (D("18.00"), shop.rule("BASE-USD", 1), D(0))
    q = quote(shop.cola, shop.walk_in, qty="60")
    # 5% off the base price for 60 boxes (the 10+ break, 18.00) = 17.10.
    assert (q.price, q.discount_percent, q.base_price) == (D("17.10"), D("5"), D("18.00"))
    assert q.tax_rate == D("10") and q.currency == "USD"


def test_segment_beats_general_and_explains_why(shop: Shop, quote: Any) -> None:
    q = quote(shop.cola, shop.vip_client, qty="12")
    vip_rule, base_rule = shop.rule("VIP-USD", 0), shop.rule("BASE-USD", 1)
    assert (q.price, q.price_list_id, q.rule_id) == (D("17.10"), shop.lists["VIP-USD"]["id"], vip_rule)
    assert q.explanation == (
        f"list VIP-USD (segment VIP, priority 10), rule {vip_rule}: from 10 box, 5% off base price 18.00 = 17.10 "
        f"(base from list BASE-USD, rule {base_rule})")
    assert q.considered == (
        "list VIP-SR (segment VIP, branch SR, priority 0): for branch SR only",
        "list WHOLESALE (segment W2, priority 0): for segment W2 only",
        "list SR-USD (branch SR, priority 0): for branch SR only",
        "list PROMO-MARCH (general, priority 5): not valid on 2024-01-15 (valid 2024-03-01 to 2024-03-31)",
        f"list BASE-USD (general, priority 0), rule {base_rule}: less specific (general) than VIP-USD (segment)",
    )
    # Below the VIP break the VIP list has no rule: the general list gives the price.
    q = quote(shop.cola, shop.vip_client, qty="2")
    assert (q.price, q.price_list_id) == (D("20.00"), shop.lists["BASE-USD"]["id"])
    assert "list VIP-USD (segment VIP, priority 10): no rule for COLA at 2 box" in q.considered
    # A client without the segment never sees the VIP list.
    assert quote(shop.cola, shop.walk_in, qty="12").price == D("18.00")


def test_branch_list_and_segment_plus_branch(shop: Shop, quote: Any, world: Any) -> None:
    sr, pp = world.branches["SR"], world.branches["PP"]
    q = quote(shop.cola, shop.walk_in, branch_id=sr)
    assert (q.price, q.price_list_id) == (D("21.00"), shop.lists["SR-USD"]["id"])
    assert quote(shop.cola, shop.walk_in, branch_id=pp).price == D("20.00")
    # Segment and branch beat both: 3% off the base price 20.00 by the DRINKS category (COLA is in SOFT under it).
    q = quote(shop.cola, shop.vip_client, branch_id=sr)
    assert (q.price, q.price_list_id, q.discount_percent) == (D("19.40"), shop.lists["VIP-SR"]["id"], D("3"))
    assert q.explanation.startswith(f"list VIP-SR (segment VIP, branch SR, priority 0), rule {shop.rule('VIP-SR', 0)} "
                                    "(category DRINKS): from 1 box, 3% off base price 20.00 = 19.40")


def test_validity_window_and_priority(shop: Shop, quote: Any) -> None:
    q = quote(shop.cola, on=dt.date(2024, 3, 15))
    assert (q.price, q.price_list_id) == (D("19.00"), shop.lists["PROMO-MARCH"]["id"])
    assert any("BASE-USD" in c and "lower priority than PROMO-MARCH (0 < 5)" in c for c in q.considered)
    assert quote(shop.cola, on=dt.date(2024, 3, 31)).price == D("19.00")
    assert quote(shop.cola, on=dt.date(2024, 4, 1)).price == D("20.00")
    # The promotion outranks the base list even where the base list has a better quantity break.
    assert quote(shop.cola, qty="60", on=dt.date(2024, 3, 15)).price == D("19.00")
    # In March a VIP discount comes off the March base price (19.00 → 18.05).
    q = quote(shop.cola, shop.vip_client, qty="12", on=dt.date(2024, 3, 15))
    assert (q.price, q.base_price) == (D("18.05"), D("19.00"))


def test_category_rules_nearest_first_and_product_rule_wins(shop: Shop, quote: Any, api: Any) -> None:
    q = quote(shop.water)
    assert (q.price, q.rule_id) == (D("1.50"), shop.rule("BASE-USD", 3))
    assert "(category SOFT)" in q.explanation
    base = shop.lists["BASE-USD"]
    rules = [{k: v for k, v in r.items() if k != "id" and v is not None} for r in base["rules"]]
    rules.append({"product_id": shop.water, "price": "1.40"})
    r = api.patch(f"{V1}/price-lists/{base['id']}", {"version": base["version"], "rules": rules})
    assert r.status_code == 200, r.json
    assert r.json["version"] == base["version"] + 1 and len(r.json["rules"]) == 7
    assert quote(shop.water).price == D("1.40")


def test_later_start_then_lower_id_break_ties(api: Any, shop: Shop, quote: Any) -> None:
    early = price_list(api, "TIE-A", valid_from="2024-01-01", priority=1,
                       rules=[{"product_id": shop.rice, "price": "31.00"}])
    late = price_list(api, "TIE-B", valid_from="2024-01-10", priority=1,
                      rules=[{"product_id": shop.rice, "price": "32.00"}])
    q = quote(shop.rice)
    assert (q.price, q.price_list_id) == (D("32.00"), late["id"])
    assert any(c.startswith("list TIE-A") and "starts earlier than TIE-B" in c for c in q.considered)
    price_list(api, "TIE-C", valid_from="2024-01-10", priority=1, rules=[{"product_id": shop.rice, "price": "33.00"}])
    assert quote(shop.rice).price == D("32.00")
    assert early["id"] < late["id"]


def test_currency_lists_and_conversion(shop: Shop, quote: Any) -> None:
    q = quote(shop.water, currency="KHR")
    assert (q.price, q.currency, q.rate) == (D("6000"), "KHR", None)
    q = quote(shop.cola, currency="KHR", qty="10")
    assert (q.price, q.currency, q.rate) == (D("72000"), "KHR", D("0.00025"))
    assert q.explanation == (
        f"no KHR list gives a price; list BASE-USD (general, priority 0), rule {shop.rule('BASE-USD', 1)}: "
        "from 10 box, fixed price 18.00; 18.00 USD converted at 1 KHR = 0.00025 USD on 2024-01-15 = 72000 KHR")
    with pytest.raises(ValidationFailed) as exc:
        quote(shop.cola, currency="KHR", on=dt.date(2023, 12, 31))
    assert [(e.field, e.code) for e in exc.value.errors] == [("currency", "missing_rate")]


def test_no_price_and_bad_arguments(shop: Shop, quote: Any, world: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        quote(shop.plain)
    (err,) = exc.value.errors
    assert (err.field, err.code, err.params) == (
        "product_id", "no_price", {"sku": "NOPRICE", "currency": "USD", "date": "2024-01-15", "qty": "1"})
    with pytest.raises(ValidationFailed) as exc:
        quote(99999, 99999, qty="0", branch_id=99999, currency="XXX")
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("product_id", "unknown_reference"), ("counterparty_id", "unknown_reference"),
        ("branch_id", "unknown_reference"), ("qty", "must_be_positive"), ("currency", "invalid_currency")}


def test_quote_route(api: Any, shop: Shop, world: Any, unchanged: Any) -> None:
    sales = api.as_(world.tokens["sales"])
    r = sales.get(f"{V1}/prices/quote?sku=COLA&client_id={shop.vip_client}&qty=12&date=2024-01-15")
    assert r.status_code == 200, r.json
    assert (r.json["price"], r.json["currency"], r.json["discount_percent"], r.json["tax_rate"]) == (
        "17.10", "USD", "5", "10")
    assert r.json["explanation"].startswith("list VIP-USD") and len(r.json["considered"]) == 5
    r = sales.get(f"{V1}/prices/quote?sku=COLA&qty=10&date=2024-01-15&currency=KHR")
    assert r.json["price"] == "72000" and r.json["rate"] == "0.00025"
    with unchanged():
        problem(sales.get(f"{V1}/prices/quote?sku=COLA&qty=0"), 422, "validation_failed", fields={"qty": "must_be_positive"})
        problem(sales.get(f"{V1}/prices/quote?sku=COLA&qty=-3"), 422, "validation_failed",
                fields={"qty": "must_be_positive"})
        problem(sales.get(f"{V1}/prices/quote?sku=NOPE"), 422, "validation_failed", fields={"sku": "unknown_reference"})
        problem(sales.get(f"{V1}/prices/quote?qty=1"), 422, "validation_failed", fields={"sku": "required"})
        problem(sales.get(f"{V1}/prices/quote?sku=COLA&client_id=99999&date=2024-01-15"), 422, "validation_failed",
                fields={"client_id": "unknown_reference"})
        problem(sales.get(f"{V1}/prices/quote?sku=NOPRICE&date=2024-01-15"), 422, "validation_failed",
                fields={"product_id": "no_price"})
    problem(api.as_(world.tokens["warehouse"]).get(f"{V1}/prices/quote?sku=COLA"), 403, "role_forbidden")
    problem(api.as_(world.tokens["sales_pp"]).get(f"{V1}/prices/quote?sku=COLA&branch_id={world.branches['SR']}"),
            403, "out_of_branch_scope")


def test_bad_price_lists_name_every_field_and_write_nothing(api: Any, shop: Shop, unchanged: Any) -> None:
    with unchanged():
        r = api.post(f"{V1}/price-lists", {
            "code": "BAD", "name": "Bad", "currency": "USD", "segment_id": 99999, "branch_id": 99999,
            "valid_from": "2024-02-01", "valid_to": "2024-01-01",
            "rules": [
                {"product_id": shop.cola, "category_id": 1, "price": "1.00"},
                {"price": "1.00"},
                {"product_id": shop.cola, "price": "1.00", "discount_percent": "5"},
                {"product_id": shop.cola},
                {"product_id": shop.cola, "price": "1.005"},
                {"product_id": 99999, "price": "1"},
                {"category_id": 99999, "discount_percent": "1.00001"},
                {"product_id": shop.cola, "price": "1", "valid_from": "2024-05-01", "valid_to": "2024-04-01"},
            ]})
        problem(r, 422, "validation_failed", fields={
            "segment_id": "unknown_reference", "branch_id": "unknown_reference", "valid_to": "date_range",
            "rules.0.product_id": "rule_target", "rules.1.product_id": "rule_target",
            "rules.2.price": "rule_price_or_discount", "rules.3.price": "rule_price_or_discount",
            "rules.4.price": "too_many_decimals", "rules.5.product_id": "unknown_reference",
            "rules.6.category_id": "unknown_reference", "rules.6.discount_percent": "too_many_places",
            "rules.7.valid_to": "date_range",
        })
        r = api.post(f"{V1}/price-lists", {"code": "KHR2", "name": "x", "currency": "KHR",
                                           "rules": [{"product_id": shop.cola, "price": "6000.5"}]})
        problem(r, 422, "validation_failed", fields={"rules.0.price": "too_many_decimals"})
        r = api.post(f"{V1}/price-lists", {"code": "X", "name": "x", "currency": "XXX", "kind": "rent", "rules": [
            {"product_id": shop.cola, "min_qty": "0", "price": "-1"}, {"product_id": shop.cola, "min_qty": "-2",
                                                                      "discount_percent": "120"}]})
        problem(r, 422, "validation_failed", fields={
            "currency": "invalid_currency", "kind": "invalid_choice", "rules.0.min_qty": "must_be_positive",
            "rules.0.price": "must_not_be_negative", "rules.1.min_qty": "must_be_positive",
            "rules.1.discount_percent": "invalid_percent"})
        r = api.post(f"{V1}/price-lists", {"code": "BASE-USD", "name": "again", "currency": "USD"})
        problem(r, 409, "duplicate", fields={"code": "already_exists"})
        base = shop.lists["BASE-USD"]
        r = api.patch(f"{V1}/price-lists/{base['id']}", {"version": base["version"], "currency": "KHR"})
        problem(r, 422, "validation_failed", fields={"currency": "too_many_decimals"})
        r = api.patch(f"{V1}/price-lists/{base['id']}", {"version": base["version"] + 5, "rules": []})
        problem(r, 409, "stale_version")


def test_archived_list_gives_no_price(api: Any, shop: Shop, quote: Any) -> None:
    sr = shop.lists["SR-USD"]
    r = api.post(f"{V1}/price-lists/{sr['id']}/archive", {"version": sr["version"]})
    assert r.status_code == 200
    assert [pl["code"] for pl in api.get(f"{V1}/price-lists").json["items"]] == [
        "BASE-KHR", "BASE-USD", "PROMO-MARCH", "PURCHASE", "VIP-SR", "VIP-USD", "WHOLESALE"]
    from server.core.actor import Actor
    assert Actor  # the branch list is gone for everyone:
    r = api.get(f"{V1}/prices/quote?sku=COLA&branch_id={sr['branch_id']}&date=2024-01-15")
    assert r.json["price"] == "20.00"
