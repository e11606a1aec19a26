"""Product imports: real workbooks in, the catalog's rules applied, prices in the right lists, undo as a whole."""
from __future__ import annotations

import base64
import io
import random
from decimal import Decimal
from typing import Any

import openpyxl
import xlsxwriter
from sqlalchemy import func, select

from server.audit.models import Operation
from server.catalog.barcodes import ean_check_digit
from server.catalog.models import Category, PriceList, PriceRule, Product

from tests.factories import problem

D = Decimal
V1 = "/api/v1"
EAN = "460123456789" + str(ean_check_digit("460123456789"))
EAN2 = "890123456789" + str(ean_check_digit("890123456789"))
RU_HEADER = ["Артикул", "Наименование", "Группа", "Цена", "НДС", "Штрихкод", "Ед. изм.", "Вид"]
RU_ROWS = [
    ["CF-250", "Кофе молотый 250 г", "Напитки / Кофе", "1 234,50", 0.1, EAN, "уп", "товар"],
    ["TEA-1", "Чай зелёный", "напитки > Чай", 12.5, "10%", None, None, None],
    ["SVC-1", "Доставка", None, "5", "10 %", None, "услуга", "услуга"],
    ["MAT-1", "Картон", "Упаковка", 0.75, 0, None, "лист", "материал"],
    ["CF-250", "Кофе (повтор)", "Напитки / Кофе", 99, 0.2, None, None, None],
]


def ru_xlsx(rows: list[list[Any]]) -> bytes:
    """A price list as people keep it: a merged title, a blank line, Russian headers, a totals row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Прайс"
    ws["A1"] = "Прайс-лист ООО «Ромашка» на 01.03.2026"
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(RU_HEADER)
    for row in rows:
        ws.append(row)
        if isinstance(row[4], float):
            ws.cell(ws.max_row, 5).number_format = "0%"  # an Excel percent cell: 10 % is kept as 0.1
    ws.append(["Итого", None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def km_xlsx(rows: list[list[Any]]) -> bytes:
    """Khmer headers, written by XlsxWriter; numbers stay numbers, text stays text."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("ទំនិញ")
    ws.write_row(0, 0, ["បញ្ជីទំនិញ"])
    ws.write_row(2, 0, ["លេខកូដ", "ឈ្មោះទំនិញ", "តម្លៃ", "តម្លៃទិញ", "បាកូដ", "អាករ", "រូបិយប័ណ្ណ"])
    for i, row in enumerate(rows, start=3):
        ws.write_row(i, 0, row)
    wb.close()
    return buf.getvalue()


def upload(api: Any, content: bytes, **options: Any) -> Any:
    return api.post(f"{V1}/imports", {"kind": "products", "file_name": "products.xlsx", "options": options,
                                      "content_base64": base64.b64encode(content).decode()})


def planned(api: Any, content: bytes, **options: Any) -> dict[str, Any]:
    r = upload(api, content, **options)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def commit(api: Any, imp: dict[str, Any], **body: Any) -> Any:
    return api.post(f"{V1}/imports/{imp['id']}/commit", {"version": imp["version"], **body})


def committed(api: Any, content: bytes, **options: Any) -> dict[str, Any]:
    r = commit(api, planned(api, content, **options))
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def undo(api: Any, imp: dict[str, Any]) -> Any:
    return api.post(f"{V1}/imports/{imp['id']}/undo", {"version": imp["version"]})


def by_row(imp: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in imp["rows"]}


def catalog_state(db: Any) -> dict[str, Any]:
    """Products (by SKU), the category tree as paths, and every price list's rules."""
    with db.read_session() as s:
        cats = {c.id: c for c in s.scalars(select(Category))}

        def path(cid: int | None) -> str | None:
            names = []
            while cid is not None:
                names.append(cats[cid].name)
                cid = cats[cid].parent_id
            return " / ".join(reversed(names)) or None

        products = {p.sku: {"name": p.name, "kind": p.kind, "unit": p.unit, "barcode": p.barcode,
                            "tax_rate": p.tax_rate, "category": path(p.category_id), "version": p.version}
                    for p in s.scalars(select(Product))}
        skus = {p.id: p.sku for p in s.scalars(select(Product))}
        lists = {}
        for pl in s.scalars(select(PriceList)):
            rules = s.scalars(select(PriceRule).where(PriceRule.price_list_id == pl.id)).all()
            lists[pl.code] = {"kind": pl.kind, "currency": pl.currency, "segment": pl.segment_id,
                              "branch": pl.branch_id, "version": pl.version,
                              "prices": sorted((skus[r.product_id], r.min_qty, r.price) for r in rules)}
        return {"products": products, "categories": sorted(filter(None, (path(c) for c in cats))), "lists": lists}


def test_a_russian_price_list_creates_products_nests_categories_and_fills_the_base_list(api: Any, db: Any) -> None:
    imp = planned(api, ru_xlsx(RU_ROWS))
    assert imp["mapping"]["header_row"] == 3
    assert imp["counts"] == {"create": 4, "update": 0, "unchanged": 0, "skip": 2, "error": 0, "rows": 6}
    rows = by_row(imp)
    assert rows[4]["values"] == {"sku": "CF-250", "name": "Кофе молотый 250 г", "kind": "goods", "unit": "уп",
                                 "barcode": EAN, "tax_rate": "10", "category": "Напитки / Кофе",
                                 "price": "1234.50", "currency": "USD"}
    assert {(w["code"], tuple(w["params"].values())) for w in rows[4]["warnings"]} == {
        ("category_created", ("Напитки / Кофе",)), ("price_list_created", ("BASE-USD",))}
    assert [w["params"] for w in rows[5]["warnings"]] == [{"path": "напитки / Чай"}]
    assert (rows[8]["action"], rows[8]["reason"], rows[8]["match"]) == ("skip", "duplicate_in_file",
                                                                         {"row": 4, "by": "sku"})
    assert (rows[9]["action"], rows[9]["reason"]) == ("skip", "totals_row")

    done = committed(api, ru_xlsx(RU_ROWS))
    assert (done["status"], done["created"]) == ("committed", {"product": 4, "category": 4, "price_list": 1,
                                                                "price_rule": 4})
    state = catalog_state(db)
    assert state["products"] == {
        "CF-250": {"name": "Кофе молотый 250 г", "kind": "goods", "unit": "уп", "barcode": EAN,
                   "tax_rate": D("10"), "category": "Напитки / Кофе", "version": 1},
        "TEA-1": {"name": "Чай зелёный", "kind": "goods", "unit": "pcs", "barcode": None, "tax_rate": D("10"),
                  "category": "Напитки / Чай", "version": 1},
        "SVC-1": {"name": "Доставка", "kind": "service", "unit": "услуга", "barcode": None, "tax_rate": D("10"),
                  "category": None, "version": 1},
        "MAT-1": {"name": "Картон", "kind": "material", "unit": "лист", "barcode": None, "tax_rate": D("0"),
                  "category": "Упаковка", "version": 1},
    }
    # One "Напитки", whatever the case the file wrote it in; "Кофе" and "Чай" under it.
    assert state["categories"] == ["Напитки", "Напитки / Кофе", "Напитки / Чай", "Упаковка"]
    assert state["lists"] == {"BASE-USD": {"kind": "sale", "currency": "USD", "segment": None, "branch": None,
                                           "version": 1, "prices": [
        ("CF-250", D(1), D("1234.50")), ("MAT-1", D(1), D("0.75")), ("SVC-1", D(1), D("5.00")),
        ("TEA-1", D(1), D("12.50"))]}}
    quote = api.get(f"{V1}/prices/quote?sku=CF-250&date=2026-03-10")  # the catalog's pricing reads it
    assert (quote.status_code, quote.json["price"]) == (200, "1234.50"), quote.get_data(as_text=True)

    # The same file again, rows shuffled: nothing to do, nothing written but the import's own record.
    shuffled = RU_ROWS[:4]
    random.Random(7).shuffle(shuffled)
    again = committed(api, ru_xlsx(shuffled))
    assert again["counts"]["unchanged"] == 4 and again["counts"]["create"] == again["counts"]["update"] == 0
    assert catalog_state(db) == state

    with db.read_session() as s:
        logged_before = s.scalar(select(func.count()).select_from(Operation).where(Operation.action == "delete"))
    r = undo(api, done)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["status"] == "undone"
    assert catalog_state(db) == {"products": {}, "categories": [], "lists": {}}
    with db.read_session() as s:
        deleted = dict(s.execute(select(Operation.entity, func.count()).where(Operation.action == "delete")
                                 .group_by(Operation.entity)).all())
    assert logged_before == 0 and deleted == {"product": 4, "price_rule": 4, "category": 4, "price_list": 1}


def test_khmer_headers_purchase_prices_and_a_bad_barcode_named_by_its_column(api: Any, db: Any) -> None:
    khmer_ean = EAN2.translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    bad = EAN[:-1] + str((int(EAN[-1]) + 1) % 10)
    content = km_xlsx([
        ["KH-1", "កាហ្វេទឹកដោះគោ", 1.5, 0.9, khmer_ean, 10],
        ["KH-2", "តែបៃតង", "2.25", "1,10", bad, "10%"],
        ["KH-3", "ទឹកសុទ្ធ", 0.5, None, None, None],
        ["KH-4", "នំបុ័ង", "២ ០០០", None, None, None, "៛"],  # riel, in Khmer digits: the KHR base list
    ])
    imp = planned(api, content)
    rows = by_row(imp)
    assert imp["counts"]["create"] == 3 and imp["counts"]["error"] == 1
    assert rows[5]["errors"] == [{"column": "E", "field": "barcode", "header": "បាកូដ", "code": "barcode_check_digit",
                                  "params": {"expected": int(EAN[-1])},
                                  "message": f"Row 5, column E “បាកូដ”: The barcode's check digit is wrong (it should be "
                                             f"{EAN[-1]})."}]
    assert rows[4]["values"]["barcode"] == EAN2 and rows[4]["values"]["purchase_price"] == "0.90"

    r = commit(api, imp)
    problem(r, 422, "import_has_errors", fields={"rows.5.E": "barcode_check_digit"})
    r = commit(api, imp, skip_errors=True)
    assert r.status_code == 200, r.get_data(as_text=True)
    state = catalog_state(db)
    assert state["products"]["KH-1"]["name"] == "កាហ្វេទឹកដោះគោ" and state["products"]["KH-1"]["barcode"] == EAN2
    assert set(state["products"]) == {"KH-1", "KH-3", "KH-4"}
    assert state["lists"]["BASE-USD"]["prices"] == [("KH-1", D(1), D("1.50")), ("KH-3", D(1), D("0.50"))]
    assert state["lists"]["BASE-KHR"]["prices"] == [("KH-4", D(1), D("2000"))]
    assert state["lists"]["PURCHASE-USD"] == {"kind": "purchase", "currency": "USD", "segment": None, "branch": None,
                                              "version": 1, "prices": [("KH-1", D(1), D("0.90"))]}


def test_an_update_changes_only_filled_cells_and_prices_in_the_named_list_and_undo_restores_them(
        api: Any, db: Any) -> None:
    cat = api.post(f"{V1}/categories", {"code": "DR", "name": "Drinks"}).json
    for body in ({"sku": "A-1", "name": "Espresso beans", "unit": "kg", "tax_rate": "10", "category_id": cat["id"]},
                 {"sku": "B-1", "name": "Oat milk", "barcode": EAN, "unit": "l"},
                 {"sku": "C-1", "name": "Paper cups", "unit": "box"}):
        r = api.post(f"{V1}/products", body)
        assert r.status_code == 201, r.get_data(as_text=True)
    ids = {p["sku"]: p["id"] for p in api.get(f"{V1}/products").json["items"]}
    r = api.post(f"{V1}/price-lists", {"code": "RETAIL", "name": "Retail", "currency": "USD", "rules": [
        {"product_id": ids["A-1"], "price": "10.00"}, {"product_id": ids["A-1"], "price": "9.00", "min_qty": "10"}]})
    assert r.status_code == 201, r.get_data(as_text=True)
    before = catalog_state(db)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["SKU", "Name", "Barcode", "Price", "VAT", "Unit", "Category"])
    ws.append(["A-1", "Espresso beans", None, "12.00", None, None, "Drinks/Coffee"])  # by SKU: price, category
    ws.append([None, "Oat milk 1 l", EAN, None, 5, None, None])  # by barcode: name and VAT; unit kept
    ws.append([None, "paper  cups", None, "0.20", None, None, None])  # by name: a price added to the list
    ws.append(["N-1", "Napkins", None, 1, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    imp = planned(api, buf.getvalue(), price_list="retail")
    rows = by_row(imp)
    assert (rows[2]["action"], rows[2]["match"]["by"], rows[2]["changes"]) == ("update", "sku", {
        "category": ["Drinks", "Drinks / Coffee"], "price": ["10.00", "12.00"]})
    assert (rows[3]["match"]["by"], rows[3]["changes"]) == ("barcode", {"name": ["Oat milk", "Oat milk 1 l"],
                                                                       "tax_rate": ["0", "5"]})
    assert (rows[4]["match"]["by"], rows[4]["changes"]) == ("name", {"price": [None, "0.20"]})
    assert rows[5]["action"] == "create" and "warnings" not in rows[5]
    r = commit(api, imp)
    assert r.status_code == 200, r.get_data(as_text=True)
    done = r.json
    after = catalog_state(db)
    assert after["products"]["A-1"]["category"] == "Drinks / Coffee" and after["products"]["A-1"]["unit"] == "kg"
    assert (after["products"]["B-1"]["name"], after["products"]["B-1"]["tax_rate"],
            after["products"]["B-1"]["unit"]) == ("Oat milk 1 l", D("5"), "l")
    retail = after["lists"]["RETAIL"]
    # The price for one is updated, the quantity break beside it untouched; the list is a new version.
    assert retail["prices"] == [("A-1", D(1), D("12.00")), ("A-1", D(10), D("9.00")), ("C-1", D(1), D("0.20")),
                                ("N-1", D(1), D("1.00"))]
    assert retail["version"] == before["lists"]["RETAIL"]["version"] + 1
    assert set(after["lists"]) == {"RETAIL"}

    r = undo(api, done)
    assert r.status_code == 200, r.get_data(as_text=True)
    restored = catalog_state(db)
    assert {k: {**v, "version": None} for k, v in restored["products"].items()} == {
        k: {**v, "version": None} for k, v in before["products"].items()}
    assert restored["categories"] == before["categories"]
    assert restored["lists"]["RETAIL"]["prices"] == before["lists"]["RETAIL"]["prices"] == [
        ("A-1", D(1), D("10.00")), ("A-1", D(10), D("9.00"))]


def test_undo_is_refused_when_a_created_product_is_on_an_invoice(api: Any, db: Any, world: Any,
                                                                 unchanged: Any) -> None:
    done = committed(api, ru_xlsx(RU_ROWS[:2]))
    client = api.post(f"{V1}/clients", {"name": "Sokha Shop", "kind": "client"}).json
    r = api.post(f"{V1}/invoices", {"kind": "sale_invoice", "branch_id": world.branches["PP"], "date": "2026-03-10",
                                    "counterparty_id": client["id"], "lines": [{"sku": "CF-250", "qty": "2"}]})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.json["lines"][0]["unit_price"] == "1234.50"
    with db.read_session() as s:
        used = s.scalar(select(Product.id).where(Product.sku == "CF-250"))
    with unchanged():
        body = problem(undo(api, done), 409, "import_undo_refused")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(f"products.{used}", "import_record_in_use")]


def test_bad_cells_are_named_by_row_and_column_and_nothing_is_written(api: Any, unchanged: Any) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["SKU", "Name", "Kind", "Price", "VAT", "Currency", "Category"])
    ws.append(["X-1", None, None, 1, None, None, None])  # 2: no name
    ws.append(["X-2", "Minus", None, -5, None, None, None])  # 3: negative price
    ws.append(["X-3", "Riel", None, "100.5", None, "៛", None])  # 4: KHR has no decimals
    ws.append(["X-4", "Too much VAT", None, None, 150, None, None])  # 5
    ws.append(["X-5", "Odd kind", "gizmo", None, None, None, None])  # 6
    ws.append(["X-6", "Odd money", None, "1", None, "ABC", None])  # 7
    ws.append([None, "No code", None, "2", None, None, None])  # 8: new, without a SKU
    ws.append(["X-8", "Priceless", None, "twelve", None, None, "A" * 201])  # 9
    ws.append(["X-9", "Fine", None, "3", None, None, None])  # 10
    buf = io.BytesIO()
    wb.save(buf)
    with unchanged():
        r = upload(api, buf.getvalue(), price_list="NOPE")
        problem(r, 422, "validation_failed", fields={"options.price_list": "unknown_price_list"})
    imp = planned(api, buf.getvalue())
    assert imp["counts"]["error"] == 8 and imp["counts"]["create"] == 1
    with unchanged():
        r = commit(api, imp)
    problem(r, 422, "import_has_errors", fields={
        "rows.2.B": "required", "rows.3.D": "must_not_be_negative", "rows.4.D": "too_many_decimals",
        "rows.5.E": "invalid_percent", "rows.6.C": "invalid_choice", "rows.7.F": "invalid_currency",
        "rows.8.A": "required", "rows.9.D": "not_a_number", "rows.9.G": "too_long"})


def test_a_decision_cannot_create_a_taken_sku_and_undo_waits_for_an_untouched_product(api: Any,
                                                                                      unchanged: Any) -> None:
    product = api.post(f"{V1}/products", {"sku": "A-1", "name": "Espresso beans"}).json
    wb = openpyxl.Workbook()
    wb.active.append(["SKU", "Name", "Price"])
    wb.active.append(["A-1", "Espresso beans 1 kg", "15.00"])
    buf = io.BytesIO()
    wb.save(buf)
    imp = planned(api, buf.getvalue())
    assert by_row(imp)[2]["changes"] == {"name": ["Espresso beans", "Espresso beans 1 kg"], "price": [None, "15.00"]}
    with unchanged():
        r = commit(api, imp, decisions=[{"row": 2, "action": "create"}])
        problem(r, 422, "import_has_errors", fields={"rows.2.A": "already_exists"})
    r = commit(api, imp)
    assert r.status_code == 200, r.get_data(as_text=True)
    done = r.json
    edited = api.patch(f"{V1}/products/{product['id']}", {"version": 2, "unit": "kg"})
    assert edited.status_code == 200, edited.get_data(as_text=True)
    with unchanged():
        body = problem(undo(api, done), 409, "import_undo_refused")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [(f"products.{product['id']}", "import_record_changed")]
