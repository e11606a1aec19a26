"""The catalog: the category tree, products with barcodes, search, lookup by barcode, bad input."""
from __future__ import annotations

from typing import Any

from server.catalog.barcodes import check, ean_check_digit

from tests.factories import problem

V1 = "/api/v1"


def make_category(api: Any, code: str, parent_id: int | None = None, **kw: Any) -> dict[str, Any]:
    r = api.post(f"{V1}/categories", {"code": code, "name": kw.pop("name", code.title()), "parent_id": parent_id, **kw})
    assert r.status_code == 201, r.json
    return r.json


def make_product(api: Any, sku: str, **kw: Any) -> dict[str, Any]:
    r = api.post(f"{V1}/products", {"sku": sku, "name": kw.pop("name", f"Product {sku}"), **kw})
    assert r.status_code == 201, r.json
    return r.json


def test_ean_check_digits() -> None:
    assert ean_check_digit("400638133393") == 1  # EAN-13 4006381333931
    assert ean_check_digit("9638507") == 4  # EAN-8 96385074
    assert ean_check_digit("03600029145") == 2  # UPC-A 036000291452
    assert check("4006381333931", "ean13") == []
    assert check("96385074", "ean13") == []
    assert check("036000291452", "ean13") == []
    assert [e.code for e in check("4006381333932", "ean13")] == ["barcode_check_digit"]
    assert [e.code for e in check("40063813339", "ean13")] == ["barcode_length"]
    assert [e.code for e in check("40063813339A", "ean13")] == ["barcode_digits"]
    assert check("ABC-123/x", "code128") == []
    assert [e.code for e in check("Ünï", "code128")] == ["barcode_characters"]
    assert [e.code for e in check("X" * 49, "code128")] == ["barcode_characters"]


def test_category_tree_with_names_and_cycle_refusal(api: Any, unchanged: Any) -> None:
    food = make_category(api, "FOOD", names={"km": "អាហារ", "ru": "Еда"})
    drinks = make_category(api, "DRINKS", food["id"])
    soft = make_category(api, "SOFT", drinks["id"])
    make_category(api, "TOOLS")
    assert food["names"] == {"km": "អាហារ", "ru": "Еда"}
    r = api.get(f"{V1}/categories/tree")
    assert [(n["path"], n["depth"]) for n in r.json["items"]] == [
        ("FOOD", 0), ("FOOD/DRINKS", 1), ("FOOD/DRINKS/SOFT", 2), ("TOOLS", 0)]
    with unchanged():
        r = api.patch(f"{V1}/categories/{food['id']}", {"version": food["version"], "parent_id": soft["id"]})
        problem(r, 422, "validation_failed", fields={"parent_id": "category_cycle"})
        r = api.patch(f"{V1}/categories/{food['id']}", {"version": food["version"], "parent_id": food["id"]})
        problem(r, 422, "validation_failed", fields={"parent_id": "category_cycle"})
        r = api.post(f"{V1}/categories", {"code": "FOOD", "name": "Again", "parent_id": 999})
        problem(r, 422, "validation_failed", fields={"code": "already_exists", "parent_id": "unknown_reference"})
        r = api.post(f"{V1}/categories/{drinks['id']}/archive", {"version": drinks["version"]})
        problem(r, 409, "has_children")
    r = api.patch(f"{V1}/categories/{soft['id']}", {"version": soft["version"], "parent_id": None, "name": "Soft drinks"})
    assert r.status_code == 200 and r.json["parent_id"] is None and r.json["version"] == soft["version"] + 1
    r = api.post(f"{V1}/categories/{drinks['id']}/archive", {"version": drinks["version"]})
    assert r.status_code == 200 and r.json["archived_at"]
    assert [n["code"] for n in api.get(f"{V1}/categories/tree").json["items"]] == ["FOOD", "SOFT", "TOOLS"]
    r = api.post(f"{V1}/categories/{drinks['id']}/restore", {"version": r.json["version"]})
    assert r.status_code == 200 and r.json["archived_at"] is None


def test_products_crud_search_and_barcode_lookup(api: Any, world: Any) -> None:
    food = make_category(api, "FOOD")
    drinks = make_category(api, "DRINKS", food["id"])
    water = make_product(api, "W-500", name="Water 0.5 l", names={"km": "ទឹក", "ru": "Вода"}, category_id=drinks["id"],
                         barcode="4006381333931", tax_rate="10")
    assert water["barcode_type"] == "ean13" and water["tax_rate"] == "10" and water["unit"] == "pcs"
    rice = make_product(api, "RICE-25", name="Jasmine rice 25 kg", category_id=food["id"], barcode="RICE/25KG", unit="bag")
    assert rice["barcode_type"] == "code128"
    make_product(api, "DELIVERY", name="Delivery in town", kind="service")
    r = api.get(f"{V1}/products?q=water")
    assert [p["sku"] for p in r.json["items"]] == ["W-500"] and r.json["total"] == 1
    assert [p["sku"] for p in api.get(f"{V1}/products?q=RICE/25KG").json["items"]] == ["RICE-25"]
    assert [p["sku"] for p in api.get(f"{V1}/products?q=4006381333931").json["items"]] == ["W-500"]
    assert [p["sku"] for p in api.get(f"{V1}/products?category_id={food['id']}").json["items"]] == ["RICE-25", "W-500"]
    assert [p["sku"] for p in api.get(f"{V1}/products?category_id={food['id']}&subtree=false").json["items"]] == ["RICE-25"]
    assert [p["sku"] for p in api.get(f"{V1}/products?kind=service").json["items"]] == ["DELIVERY"]
    scanner = api.as_(world.tokens["warehouse"])
    r = scanner.get(f"{V1}/products/by-barcode/4006381333931")
    assert r.status_code == 200 and r.json["id"] == water["id"]
    problem(scanner.get(f"{V1}/products/by-barcode/4006381333948"), 404, "not_found")
    r = api.patch(f"{V1}/products/{water['id']}", {"version": water["version"], "barcode": "96385074", "tax_rate": "0"})
    assert r.status_code == 200 and r.json["barcode"] == "96385074" and r.json["tax_rate"] == "0"
    r = api.post(f"{V1}/products/{rice['id']}/archive", {"version": rice["version"]})
    assert r.status_code == 200
    assert [p["sku"] for p in api.get(f"{V1}/products").json["items"]] == ["DELIVERY", "W-500"]
    assert api.get(f"{V1}/products?include_archived=true").json["total"] == 3
    r = api.post(f"{V1}/products/{rice['id']}/restore", {"version": r.json["version"]})
    assert r.status_code == 200 and r.json["archived_at"] is None


def test_name_in_a_language(db: Any, api: Any) -> None:
    from server.catalog.models import Product

    p = make_product(api, "W-1", name="Water", names={"km": "ទឹក"})
    with db.read_session() as s:
        product = s.get(Product, p["id"])
        assert (product.name_in("km"), product.name_in("ru"), product.name_in("en")) == ("ទឹក", "Water", "Water")


def test_bad_products_name_every_field_and_write_nothing(api: Any, unchanged: Any) -> None:
    food = make_category(api, "FOOD")
    taken = make_product(api, "TAKEN", barcode="4006381333931")
    with unchanged():
        r = api.post(f"{V1}/products", {"sku": "TAKEN", "name": "x", "barcode": "4006381333931"})
        problem(r, 409, "duplicate", fields={"sku": "already_exists", "barcode": "already_exists"})
        r = api.post(f"{V1}/products", {"sku": "NEW", "name": "x", "barcode": "4006381333932", "category_id": 9999,
                                        "tax_rate": "10.12345"})
        problem(r, 422, "validation_failed", fields={
            "barcode": "barcode_check_digit", "category_id": "unknown_reference", "tax_rate": "too_many_places"})
        r = api.post(f"{V1}/products", {"sku": "NEW", "name": "x", "barcode": "12345", "barcode_type": "ean13",
                                        "tax_rate": "101", "kind": "gadget"})
        problem(r, 422, "validation_failed", fields={
            "tax_rate": "invalid_percent", "kind": "invalid_choice", "barcode": "barcode_length"})
        r = api.post(f"{V1}/products", {"sku": "", "name": "x", "barcode": "Ünïcode"})
        problem(r, 422, "validation_failed", fields={"sku": "required", "barcode": "barcode_characters"})
        r = api.post(f"{V1}/products", {"sku": "NEW", "name": "x", "tax_rate": 10.5})
        problem(r, 422, "validation_failed", fields={"tax_rate": "invalid_decimal"})
        r = api.patch(f"{V1}/products/{taken['id']}", {"version": taken["version"], "sku": None, "category_id": food["id"] + 1})
        problem(r, 422, "validation_failed", fields={"sku": "wrong_type", "category_id": "unknown_reference"})
        r = api.patch(f"{V1}/products/{taken['id']}", {"version": taken["version"] + 1, "name": "y"})
        problem(r, 409, "stale_version")


def test_catalog_roles(api: Any, world: Any) -> None:
    for role in ("sales", "warehouse"):
        assert api.as_(world.tokens[role]).get(f"{V1}/products").status_code == 200
        problem(api.as_(world.tokens[role]).post(f"{V1}/products", {"sku": "X", "name": "x"}), 403, "role_forbidden")
    problem(api.as_(world.tokens["hr"]).get(f"{V1}/products"), 403, "role_forbidden")
    assert api.as_(world.tokens["accountant"]).post(f"{V1}/products", {"sku": "X", "name": "x"}).status_code == 201
