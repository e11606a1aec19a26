"""Importing products: each row through the catalog's rules, matched by SKU, barcode or name; prices into lists."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import json_plain, log_created, log_deleted
from ..catalog import barcodes
from ..catalog import schemas as catalog_schemas
from ..catalog import service as catalog
from ..catalog.models import Category, PriceList, PriceRule, Product
from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..core.errors import FieldError, ValidationFailed
from ..core.money import CURRENCIES, currency as currency_of
from ..core.validation import field_errors
from ..db import insert_ids
from ..parties.normalize import fold_spaces
from .matching import FuzzyNames, name_match_key
from .references import delete_rows, referencing
from .rows import Options, Row
from .values import ValueProblem, decimal, text

ENTITY = "product"
_KIND = {"goods": "goods", "good": "goods", "product": "goods", "item": "goods", "товар": "goods",
         "товары": "goods", "ទំនិញ": "goods", "ផលិតផល": "goods",
         "service": "service", "services": "service", "услуга": "service", "услуги": "service",
         "សេវាកម្ម": "service", "សេវា": "service",
         "material": "material", "materials": "material", "материал": "material", "материалы": "material",
         "сырье": "material", "сырьё": "material", "វត្ថុធាតុដើម": "material"}
# What people write in a currency column besides the ISO code.
_CURRENCY_WORDS = {"$": "USD", "us$": "USD", "dollar": "USD", "ដុល្លារ": "USD", "៛": "KHR", "riel": "KHR",
                   "riels": "KHR", "រៀល": "KHR", "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB",
                   "рубль": "RUB", "€": "EUR", "euro": "EUR", "евро": "EUR"}
# "Drinks / Coffee", "Drinks > Coffee", "Drinks \ Coffee": a path from the top of the category tree.
_PATH_SPLIT = re.compile(r"[/>\\]")
_CODE_CHARS = re.compile(r"[^A-Za-z0-9]+")
PRODUCT_FIELDS = ("sku", "name", "kind", "unit", "barcode", "tax_rate")
PRICE_FIELDS = (("price", "sale"), ("purchase_price", "purchase"))
LIST_CODES = {"sale": ("BASE", "Base prices"), "purchase": ("PURCHASE", "Purchase prices")}
_NOT_LOGGED = frozenset({"company_id", "version", "created_at", "updated_at"})


@dataclass
class Record:
    """A row as the catalog's product fields, with the prices it sets; None is "the file does not say"."""

    sku: str | None
    name: str
    kind: str | None
    unit: str | None
    barcode: str | None
    barcode_type: str | None
    tax_rate: Decimal | None
    category: tuple[str, ...]
    currency: str
    price: Decimal | None
    purchase_price: Decimal | None


@dataclass
class Base:
    """The company's products as matching needs them, read in one statement."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_sku: dict[str, int] = field(default_factory=dict)
    by_barcode: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)
    fuzzy: FuzzyNames = field(default_factory=FuzzyNames)


def _fold(name: str) -> str:
    return fold_spaces(name).casefold()


@dataclass
class Categories:
    """The category tree by (parent, name folded), so a path from the file finds its category."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    live: dict[tuple[int | None, str], int] = field(default_factory=dict)
    archived: dict[tuple[int | None, str], int] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)

    def add(self, rec: dict[str, Any]) -> None:
        self.rows[rec["id"]] = rec
        self.codes.add(rec["code"].casefold())
        table = self.archived if rec["archived_at"] is not None else self.live
        table.setdefault((rec["parent_id"], _fold(rec["name"])), rec["id"])

    def find(self, path: tuple[str, ...]) -> tuple[int | None, int]:
        """(the deepest existing category on the path, how many of the path's names exist)."""
        parent: int | None = None
        for depth, name in enumerate(path):
            found = self.live.get((parent, _fold(name)))
            if found is None:
                return parent, depth
            parent = found
        return parent, len(path)

    def archived_on(self, path: tuple[str, ...]) -> int | None:
        """An archived category where the path leaves the live tree (the user restores it or renames)."""
        parent, depth = self.find(path)
        return self.archived.get((parent, _fold(path[depth]))) if depth < len(path) else None

    def path_of(self, cat_id: int | None) -> str | None:
        names: list[str] = []
        while cat_id is not None and cat_id in self.rows and len(names) < 100:
            names.append(self.rows[cat_id]["name"])
            cat_id = self.rows[cat_id]["parent_id"]
        return " / ".join(reversed(names)) or None


@dataclass
class Target:
    """Where the prices of one kind and currency go: a list that exists (`list_id`) or one the import creates."""

    kind: str
    currency: str
    code: str
    name: str
    list_id: int | None = None
    # product id → (rule id, price, version): the product's fixed price for quantity 1, without dates.
    rules: dict[int, tuple[int, Decimal, int]] = field(default_factory=dict)


@dataclass
class Context:
    session: Session
    actor: Actor
    options: Options
    base: Base
    categories: Categories
    lists: list[dict[str, Any]]
    fixed: Target | None  # options.price_list: where every sale price goes
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)

    def target(self, kind: str, currency: str) -> Target:
        if kind == "sale" and self.fixed is not None:
            return self.fixed
        key = (kind, currency)
        if key not in self.targets:
            self.targets[key] = _base_target(self, kind, currency)
        return self.targets[key]


# --- reading the base ----------------------------------------------------------------------------


def load_base(session: Session, actor: Actor) -> Base:
    base = Base()
    for row in session.execute(select(
            Product.id, Product.version, Product.sku, Product.name, Product.kind, Product.unit, Product.barcode,
            Product.barcode_type, Product.tax_rate, Product.category_id, Product.archived_at,
    ).where(Product.company_id == actor.company_id).order_by(Product.id)).mappings():
        rec = dict(row)
        base.rows[rec["id"]] = rec
        base.by_sku[rec["sku"]] = rec["id"]
        if rec["barcode"]:
            base.by_barcode[rec["barcode"]] = rec["id"]
        if rec["archived_at"] is None:
            key = name_match_key(rec["name"])
            if key not in base.by_name:
                base.by_name[key] = rec["id"]
                base.fuzzy.add(key, rec["id"])
    return base


def load_categories(session: Session, actor: Actor) -> Categories:
    cats = Categories()
    for row in session.execute(select(Category.id, Category.parent_id, Category.code, Category.name,
                                      Category.archived_at).where(Category.company_id == actor.company_id)
                               .order_by(Category.id)).mappings():
        cats.add(dict(row))
    return cats


def _rules(session: Session, list_id: int) -> dict[int, tuple[int, Decimal, int]]:
    """Each product's fixed price for quantity 1 without dates in a list (the rule an import updates);
    dated rules (promotions) and quantity breaks are left alone."""
    out: dict[int, tuple[int, Decimal, int]] = {}
    for rule_id, product_id, price, version in session.execute(select(
            PriceRule.id, PriceRule.product_id, PriceRule.price, PriceRule.version).where(
            PriceRule.price_list_id == list_id, PriceRule.product_id.is_not(None), PriceRule.price.is_not(None),
            PriceRule.min_qty == Decimal(1), PriceRule.valid_from.is_(None), PriceRule.valid_to.is_(None))
            .order_by(PriceRule.id)):
        out.setdefault(product_id, (rule_id, price, version))
    return out


def _base_target(ctx: Context, kind: str, currency: str) -> Target:
    """The company's general list of `kind` in `currency` (no segment, no branch, valid today): the one
    coded BASE-<CUR> / PURCHASE-<CUR> first, then the highest priority; none → one the import creates."""
    prefix, title = LIST_CODES[kind]
    code = f"{prefix}-{currency}"
    today = dates.today()
    fits = [pl for pl in ctx.lists if pl["kind"] == kind and pl["currency"] == currency and pl["archived_at"] is None
            and pl["segment_id"] is None and pl["branch_id"] is None
            and (pl["valid_from"] is None or pl["valid_from"] <= today)
            and (pl["valid_to"] is None or pl["valid_to"] >= today)]
    fits.sort(key=lambda pl: (pl["code"] != code, -pl["priority"], pl["id"]))
    if fits:
        pl = fits[0]
        return Target(kind, currency, pl["code"], pl["name"], pl["id"], _rules(ctx.session, pl["id"]))
    taken = {pl["code"].casefold() for pl in ctx.lists}
    n = 1
    while code.casefold() in taken:  # BASE-USD is taken by a list that is not a general one
        n += 1
        code = f"{prefix}-{currency}-{n}"
    return Target(kind, currency, code, f"{title} {currency}")


def context(session: Session, actor: Actor, options: Options) -> Context:
    """The base, the category tree and the price lists; an unknown `options.price_list` refuses the plan."""
    lists = [dict(r) for r in session.execute(select(
        PriceList.id, PriceList.code, PriceList.name, PriceList.currency, PriceList.kind, PriceList.segment_id,
        PriceList.branch_id, PriceList.valid_from, PriceList.valid_to, PriceList.priority, PriceList.archived_at,
    ).where(PriceList.company_id == actor.company_id).order_by(PriceList.id)).mappings()]
    fixed = None
    if options.price_list:
        wanted = options.price_list.strip().casefold()
        pl = next((p for p in lists if p["code"].casefold() == wanted), None)
        problem = None
        if pl is None:
            problem = FieldError("options.price_list", "unknown_price_list", {"value": options.price_list})
        elif pl["archived_at"] is not None:
            problem = FieldError("options.price_list", "archived", {"entity": "price list", "id": pl["code"]})
        elif pl["kind"] != "sale":
            problem = FieldError("options.price_list", "price_list_kind", {"value": pl["code"]})
        if problem is not None:
            raise ValidationFailed(errors=[problem])
        assert pl is not None
        fixed = Target("sale", pl["currency"], pl["code"], pl["name"], pl["id"], _rules(session, pl["id"]))
    return Context(session, actor, options, load_base(session, actor), load_categories(session, actor), lists, fixed)


# --- one row -----------------------------------------------------------------------------------


def normalise(row: Row, ctx: Context) -> None:
    """The row as the catalog's product fields, through the catalog's own rules; every problem named by its column."""
    name = row.text("name")
    if not name:
        row.error("name", "required")
    sku = row.ident("sku")
    kind = None
    kind_text = row.text("kind")
    if kind_text:
        kind = _KIND.get(_fold(kind_text))
        if kind is None:
            row.error("kind", "invalid_choice", choices=", ".join(sorted(set(_KIND.values()))))
    unit = row.text("unit")
    barcode, barcode_type = _barcode(row)
    tax_rate = _tax_rate(row, ctx.options)
    category = _category(row)
    currency = _currency(row, ctx)
    price = _money(row, "price", currency, ctx.options)
    purchase_price = _money(row, "purchase_price", currency, ctx.options)
    if price is not None and currency and ctx.fixed is not None and currency != ctx.fixed.currency:
        row.error("currency", "price_list_currency", list=ctx.fixed.code, list_currency=ctx.fixed.currency,
                  currency=currency)
    if name:
        # The catalog's shape rules (lengths, one line, the percent range) as the API applies them. A SKU
        # is required of a new product only: a row found by barcode or name may leave it out (see match).
        data: dict[str, Any] = {"name": name, "kind": kind or "goods", "unit": unit or "pcs"}
        data.update({k: v for k, v in (("sku", sku), ("barcode", barcode), ("barcode_type", barcode_type),
                                       ("tax_rate", _plain(tax_rate))) if v is not None})
        try:
            catalog_schemas.ProductIn.model_validate(data, strict=True)
        except ValidationError as exc:
            for e in field_errors(exc):
                if not (e.field == "sku" and e.code == "required"):
                    row.error(e.field.split(".")[0], e.code, **e.params)
    if row.errors:
        return
    row.record = Record(sku, name, kind, unit, barcode, barcode_type, tax_rate, category, currency,  # type: ignore[arg-type]
                        price, purchase_price)
    row.values = {k: v for k, v in (("sku", sku), ("name", name), ("kind", kind), ("unit", unit),
                                    ("barcode", barcode), ("tax_rate", _plain(tax_rate)),
                                    ("category", " / ".join(category) or None), ("price", price),
                                    ("purchase_price", purchase_price)) if v is not None}
    if price is not None or purchase_price is not None:
        row.values["currency"] = currency


def _barcode(row: Row) -> tuple[str | None, str | None]:
    """The barcode (Khmer digits and number cells read as digits) and its type, checked as the catalog does."""
    code = row.ident("barcode")
    if not code:
        return None, None
    if re.fullmatch(r"[\d ]+", code):
        code = code.replace(" ", "")  # "4 600000 000008", as printed under the bars
    kind = barcodes.guess_type(code)
    for problem in barcodes.check(code, kind):
        row.error("barcode", problem.code, **problem.params)
    return code, kind


def _tax_rate(row: Row, options: Options) -> Decimal | None:
    """VAT in percent. Typed text is the percent written, with or without the sign: "10", "10%", "10 %" → 10.
    A number cell between 0 and 1 is a fraction: Excel keeps a cell formatted as 10 % as the number 0.1
    (no VAT rate is under one percent, so 0.5 in a number cell is 50 % read the same way)."""
    raw = row.first("tax_rate")
    if raw is None:
        return None
    fraction = isinstance(raw, float) and 0 < raw < 1
    cell = raw.strip().removesuffix("%").strip() if isinstance(raw, str) else raw
    try:
        value = decimal(cell, decimal_comma=options.decimal_comma)
    except ValueProblem as exc:
        row.error("tax_rate", exc.code, value=text(raw))
        return None
    if value is None:
        return None
    if fraction:
        value = value * 100
    value = _plain(value)
    if not 0 <= value <= 100:  # type: ignore[operator]
        row.error("tax_rate", "invalid_percent")
        return None
    for problem in catalog.places_errors(value, "tax_rate"):
        row.error("tax_rate", problem.code, **problem.params)
    return value


def _category(row: Row) -> tuple[str, ...]:
    value = row.text("category")
    if not value:
        return ()
    path = tuple(p for p in (fold_spaces(part) for part in _PATH_SPLIT.split(value)) if p)
    for part in path:
        if len(part) > 200:
            row.error("category", "too_long", max=200)
            return ()
    return path


def _currency(row: Row, ctx: Context) -> str:
    value = row.text("currency")
    if not value:
        return ctx.fixed.currency if ctx.fixed is not None else ctx.options.currency  # type: ignore[return-value]
    code = _CURRENCY_WORDS.get(value.casefold(), value.upper())
    if code not in CURRENCIES:
        row.error("currency", "invalid_currency")
        return ""
    return code


def _money(row: Row, key: str, currency: str, options: Options) -> Decimal | None:
    """A price ≥ 0 with at most the currency's decimals, as the catalog takes a rule's price."""
    value = row.decimal(key, options)
    if value is None:
        return None
    if value < 0:
        row.error(key, "must_not_be_negative")
        return None
    if not currency:
        return None
    for problem in catalog.rule_price_errors(value, currency, key):
        row.error(key, problem.code, **problem.params)
        return None
    return currency_of(currency).round(value)


def _plain(value: Decimal | None) -> Decimal | None:
    """A rate without trailing zeros or an exponent (10.0 → 10, 1E+1 → 10)."""
    return None if value is None else Decimal(format(value.normalize(), "f"))


# --- matching ----------------------------------------------------------------------------------


def match(rows: list[Row], ctx: Context) -> None:
    """Duplicates in the file (a later row repeating an earlier one's SKU or barcode is skipped) and in the
    base (by SKU, then barcode, then the exact name: update the product, or nothing to do).

    A name alone says "the same product" only for a row without a SKU: two SKUs under one name are two
    products (sizes, colours), so a named twin with another SKU is only a warning.
    """
    base = ctx.base
    seen: dict[tuple[str, str], int] = {}
    file_fuzzy = FuzzyNames()
    for row in rows:
        if row.action == "error":
            continue
        rec: Record = row.record
        name_key = name_match_key(rec.name)
        keys = [k for k in (("sku", rec.sku), ("barcode", rec.barcode)) if k[1]]
        earlier = next(((k, seen[k]) for k in keys if k in seen), None)
        if earlier is None and not rec.sku and ("name", name_key) in seen:
            earlier = (("name", name_key), seen[("name", name_key)])
        if earlier is not None:
            (by, _value), number = earlier
            row.action, row.reason = "skip", "duplicate_in_file"
            row.match = {"row": number, "by": by}
            continue
        for k in [*keys, ("name", name_key)]:
            seen.setdefault(k, row.number)  # type: ignore[arg-type]
        found = _find(row, ctx, name_key)
        if row.action == "error":
            continue
        if found is not None:
            target, by = found
            row.target = target
            row.match = {"id": target, "by": by, "name": base.rows[target]["name"]}
            row.changes = changes(row, ctx, base.rows[target], by)
            row.action = "update" if row.changes else "unchanged"
            continue
        if not rec.sku:
            row.error("sku", "required")
            continue
        twin = base.by_name.get(name_key)
        close = (twin, 100.0) if twin is not None else base.fuzzy.best(name_key)
        if close is not None:
            row.warn("possible_duplicate", id=close[0], name=base.rows[close[0]]["name"], score=close[1])
            row.match = {"id": close[0], "by": "similar_name", "score": close[1], "name": base.rows[close[0]]["name"]}
        else:
            near = file_fuzzy.best(name_key)
            if near is not None:
                row.warn("possible_duplicate_in_file", row=near[0], score=near[1])
        file_fuzzy.add(name_key, row.number)
        row.action = "create"
    _announce(rows, ctx)


def _find(row: Row, ctx: Context, name_key: str) -> tuple[int, str] | None:
    """The product a row is (by SKU, barcode, or name for a row without SKU). A barcode of another product,
    an archived product, or a category path through an archived category is an error on the row."""
    base, rec = ctx.base, row.record
    found = None
    if rec.sku and rec.sku in base.by_sku:
        found = (base.by_sku[rec.sku], "sku")
    if rec.barcode and rec.barcode in base.by_barcode:
        owner = base.by_barcode[rec.barcode]
        if found is None:
            found = (owner, "barcode")
        elif owner != found[0]:
            row.error("barcode", "barcode_taken", sku=base.rows[owner]["sku"])
            return None
    if found is None and not rec.sku and name_key in base.by_name:
        found = (base.by_name[name_key], "name")
    if found is not None and base.rows[found[0]]["archived_at"] is not None:
        row.error(found[1], "archived", entity="product", id=base.rows[found[0]]["sku"])
        return None
    if rec.category and ctx.categories.archived_on(rec.category) is not None:
        row.error("category", "archived", entity="category", id=" / ".join(rec.category))
        return None
    return found


def _announce(rows: list[Row], ctx: Context) -> None:
    """Say once, on the first row that needs it, which categories and price lists the import will create."""
    said: set[Any] = set()
    for row in rows:
        if row.action not in ("create", "update"):
            continue
        rec: Record = row.record
        if rec.category and ("category" in (row.changes or {}) or row.action == "create"):
            _parent, depth = ctx.categories.find(rec.category)
            key = tuple(_fold(p) for p in rec.category)
            if depth < len(rec.category) and key not in said:
                said.add(key)
                row.warn("category_created", path=" / ".join(rec.category))
        for key_, kind in PRICE_FIELDS:
            if getattr(rec, key_) is None or (row.action == "update" and key_ not in (row.changes or {})):
                continue
            target = ctx.target(kind, rec.currency)
            if target.list_id is None and target.code not in said:
                said.add(target.code)
                row.warn("price_list_created", list=target.code)


def changes(row: Row, ctx: Context, current: dict[str, Any], by: str = "decision") -> dict[str, Any]:
    """What the row would change on the product: filled cells overwrite, empty cells never erase anything;
    a product found by its name keeps its spelling of it ("paper cups" found "Paper cups")."""
    rec: Record = row.record
    out: dict[str, Any] = {}
    for key in PRODUCT_FIELDS:
        new = getattr(rec, key)
        if key == "name" and by == "name":
            continue
        if new is not None and new != current[key]:
            out[key] = [_plain(current[key]) if key == "tax_rate" else current[key], new]
    if rec.category:
        cat_id, depth = ctx.categories.find(rec.category)
        if depth < len(rec.category) or cat_id != current["category_id"]:
            out["category"] = [ctx.categories.path_of(current["category_id"]), " / ".join(rec.category)]
    for key, kind in PRICE_FIELDS:
        new = getattr(rec, key)
        if new is None:
            continue
        target = ctx.target(kind, rec.currency)
        old = target.rules.get(current["id"])
        if old is None or old[1] != new:
            out[key] = [None if old is None else currency_of(target.currency).round(old[1]), new]
    return out


def exists(ctx: Context, ident: int) -> bool:
    rec = ctx.base.rows.get(ident)
    return rec is not None and rec["archived_at"] is None


def retarget(row: Row, ctx: Context, target: int) -> None:
    """The user chose which product this row updates."""
    row.update_of(target, ctx.base.rows[target]["name"], changes(row, ctx, ctx.base.rows[target]))


# --- writing -----------------------------------------------------------------------------------


def apply(rows: list[Row], ctx: Context) -> tuple[list[int], list[tuple[int, dict[str, Any], int]], dict[str, Any]]:
    """Write the plan: categories and price lists it needs, new products and their prices in bulk (with
    the operations log), updates one by one through the catalog's update. Answers (created ids,
    [(id, the product and its prices before, its version after)], {"created": categories, lists, rules})."""
    session, actor = ctx.session, ctx.actor
    todo = [r for r in rows if r.action in ("create", "update")]
    creates = [r for r in todo if r.action == "create"]
    _check_creates(creates, ctx)
    made: dict[str, list[int]] = {"category": [], "price_list": [], "price_rule": []}
    category_of = {r.number: _category_id(ctx, r.record.category, made["category"]) for r in todo
                   if r.record.category and (r.action == "create" or "category" in (r.changes or {}))}
    ids = _insert_products(ctx, creates, category_of)
    new_rules: list[dict[str, Any]] = []
    for row, product_id in zip(creates, ids):
        for key, kind in PRICE_FIELDS:
            value = getattr(row.record, key)
            if value is not None:
                new_rules.append({"price_list_id": _list_id(ctx, kind, row.record.currency, made["price_list"]),
                                  "product_id": product_id, "price": value})
    updated = []
    touched: set[int] = set()
    for row in todo:
        if row.action != "update":
            continue
        product = session.get_one(Product, row.target)
        before = catalog.present_product(product)
        before["prices"] = []
        patch = _patch(row, product, category_of.get(row.number))
        if patch is not None:
            product = catalog.update_product(session, actor, product.id, patch)
        for key, kind in PRICE_FIELDS:
            if key not in (row.changes or {}):
                continue
            price = getattr(row.record, key)
            list_id = _list_id(ctx, kind, row.record.currency, made["price_list"])
            old = ctx.target(kind, row.record.currency).rules.get(product.id)
            if old is None:
                new_rules.append({"price_list_id": list_id, "product_id": product.id, "price": price})
                continue
            rule = session.get_one(PriceRule, old[0])
            was = rule.price
            records.change(session, actor, rule, {"price": price}, "price_rule")
            before["prices"].append({"rule_id": rule.id, "price": str(was), "version_after": rule.version})
            touched.add(list_id)
        updated.append((product.id, before, product.version))
    made["price_rule"] = _insert_rules(ctx, new_rules)
    touched |= {r["price_list_id"] for r in new_rules}
    for list_id in sorted(touched - set(made["price_list"])):
        catalog.touch_price_list(session, list_id)
    return ids, updated, {"created": made}


def _where(row: Row, key: str) -> str:
    column = row.column(key)
    return f"rows.{row.number}.{column}" if column else f"rows.{row.number}"


def _check_creates(creates: list[Row], ctx: Context) -> None:
    """The catalog's unique SKU and barcode, for rows created by decision although they match."""
    skus, codes = set(ctx.base.by_sku), set(ctx.base.by_barcode)
    errors = []
    for row in creates:
        rec: Record = row.record
        if not rec.sku:
            errors.append(FieldError(_where(row, "sku"), "required"))
        elif rec.sku in skus:
            errors.append(FieldError(_where(row, "sku"), "already_exists"))
        if rec.barcode and rec.barcode in codes:
            errors.append(FieldError(_where(row, "barcode"), "already_exists"))
        skus.add(rec.sku or "")
        if rec.barcode:
            codes.add(rec.barcode)
    if errors:
        raise ValidationFailed("import_has_errors", params={"count": len({e.field.split(".")[1] for e in errors})},
                               errors=errors[:50])


def _category_code(name: str, taken: set[str]) -> str:
    """A code for a new category from its name's Latin letters and digits ("Hot drinks" → HOT-DRINKS),
    CAT for a name in another script; -2, -3… when taken."""
    stem = _CODE_CHARS.sub("-", name).strip("-").upper()[:14].strip("-") or "CAT"
    code, n = stem, 1
    while code.casefold() in taken:
        n += 1
        code = f"{stem}-{n}"
    return code


def _category_id(ctx: Context, path: tuple[str, ...], made: list[int]) -> int:
    """The category at the end of `path`, creating the missing ones through the catalog (nested, named as
    the first row that needs them spells them)."""
    parent: int | None = None
    for name in path:
        found = ctx.categories.live.get((parent, _fold(name)))
        if found is None:
            code = _category_code(name, ctx.categories.codes)
            data = catalog_schemas.ProductCategoryIn.model_validate({"code": code, "name": name, "parent_id": parent})
            cat = catalog.create_category(ctx.session, ctx.actor, data)
            ctx.categories.add({"id": cat.id, "parent_id": parent, "code": code, "name": name, "archived_at": None})
            made.append(cat.id)
            found = cat.id
        parent = found
    assert parent is not None
    return parent


def _list_id(ctx: Context, kind: str, currency: str, made: list[int]) -> int:
    target = ctx.target(kind, currency)
    if target.list_id is None:
        data = catalog_schemas.PriceListIn.model_validate({"code": target.code, "name": target.name,
                                                           "currency": currency, "kind": kind})
        target.list_id = catalog.create_price_list(ctx.session, ctx.actor, data).id
        made.append(target.list_id)
    return target.list_id


def _insert_products(ctx: Context, creates: list[Row], category_of: dict[int, int]) -> list[int]:
    if not creates:
        return []
    now = dates.now()
    rows = []
    for row in creates:
        rec: Record = row.record
        rows.append({"company_id": ctx.actor.company_id, "category_id": category_of.get(row.number), "sku": rec.sku,
                     "name": rec.name, "names": {}, "kind": rec.kind or "goods", "unit": rec.unit or "pcs",
                     "barcode": rec.barcode, "barcode_type": rec.barcode_type,
                     "tax_rate": rec.tax_rate if rec.tax_rate is not None else Decimal(0), "archived_at": None,
                     "version": 1, "created_at": now, "updated_at": now})
    return _insert(ctx, Product.__table__, ENTITY, rows)


def _insert_rules(ctx: Context, rules: list[dict[str, Any]]) -> list[int]:
    if not rules:
        return []
    now = dates.now()
    rows = [dict(r, category_id=None, min_qty=Decimal(1), discount_percent=None, valid_from=None, valid_to=None,
                 version=1, created_at=now, updated_at=now) for r in rules]
    return _insert(ctx, PriceRule.__table__, "price_rule", rows)


def _insert(ctx: Context, table: Any, entity: str, rows: list[dict[str, Any]]) -> list[int]:
    """Core executemany (every row carries every column, so they stay one statement) and the log."""
    ids = insert_ids(ctx.session, table, rows)
    log_created(ctx.session, ctx.actor, entity, [
        (new_id, json_plain({k: v for k, v in r.items() if k not in _NOT_LOGGED})) for new_id, r in zip(ids, rows)])
    return ids


def _patch(row: Row, product: Product, category_id: int | None) -> catalog_schemas.ProductPatch | None:
    """The product fields the row changes, as the catalog's patch (None: only prices change)."""
    ch = row.changes or {}
    rec: Record = row.record
    data: dict[str, Any] = {k: getattr(rec, k) for k in PRODUCT_FIELDS if k in ch}
    if "barcode" in ch:
        data["barcode_type"] = rec.barcode_type
    if "category" in ch:
        data["category_id"] = category_id
    if not data:
        return None
    data["version"] = product.version
    return catalog_schemas.ProductPatch.model_validate(data)


# --- undo --------------------------------------------------------------------------------------


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + 900] for i in range(0, len(ids), 900)]


def undo_problems(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> list[FieldError]:
    """Why the import cannot be taken back: a created product in use (a document, another price list) or
    edited since, a price it set edited since, an updated product edited since."""
    created = imp.created or {}
    ids = list(created.get(ENTITY, []))
    own_rules = set(created.get("price_rule", []))
    problems = []
    used = referencing(session, Product.__table__, ids, [PriceRule.__table__])
    for chunk in _chunks(ids):
        # Rules are the product's own only when the import wrote them; one added since is a use.
        for rule_id, product_id in session.execute(select(PriceRule.id, PriceRule.product_id).where(
                PriceRule.product_id.in_(chunk))):
            if rule_id not in own_rules:
                used.setdefault(product_id, PriceRule.__tablename__)
    for product_id, table in sorted(used.items()):
        problems.append(FieldError(f"products.{product_id}", "import_record_in_use", {"id": product_id, "table": table}))
    for chunk in _chunks(ids):
        for product_id in session.scalars(select(Product.id).where(Product.id.in_(chunk), Product.version != 1)):
            problems.append(FieldError(f"products.{product_id}", "import_record_changed", {"id": product_id}))
    for chunk in _chunks(sorted(own_rules)):
        for rule_id in session.scalars(select(PriceRule.id).where(PriceRule.id.in_(chunk), PriceRule.version != 1)):
            problems.append(FieldError(f"price_rules.{rule_id}", "import_record_changed", {"id": rule_id}))
    for ch in changes:
        version = session.scalar(select(Product.version).where(Product.id == ch.entity_id))
        if version != ch.version_after:
            problems.append(FieldError(f"products.{ch.entity_id}", "import_record_changed", {"id": ch.entity_id}))
        for price in ch.before.get("prices", []):
            rule_version = session.scalar(select(PriceRule.version).where(PriceRule.id == price["rule_id"]))
            if rule_version != price["version_after"]:
                problems.append(FieldError(f"price_rules.{price['rule_id']}", "import_record_changed",
                                           {"id": price["rule_id"]}))
    return problems


def _snapshots(session: Session, table: Any, ids: list[int]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for chunk in _chunks(ids):
        for row in session.execute(select(table).where(table.c.id.in_(chunk)).order_by(table.c.id)).mappings():
            out.append((row["id"], {k: v for k, v in row.items() if k not in _NOT_LOGGED}))
    return out


def _remove(session: Session, actor: Actor, table: Any, entity: str, ids: list[int]) -> list[dict[str, Any]]:
    """Delete rows by id (the log keeps what they held); answers their snapshots."""
    snaps = _snapshots(session, table, ids)
    delete_rows(session, table, [i for i, _s in snaps])
    log_deleted(session, actor, entity, snaps)
    return [s for _i, s in snaps]


def undo(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> None:
    """Delete the created prices and products, put updated products and prices back, then delete the
    created categories and price lists that nothing uses any more (one a user filled since stays)."""
    created = imp.created or {}
    removed_rules = _remove(session, actor, PriceRule.__table__, "price_rule", list(created.get("price_rule", [])))
    touched = {r["price_list_id"] for r in removed_rules}
    _remove(session, actor, Product.__table__, ENTITY, list(created.get(ENTITY, [])))
    for ch in changes:
        touched |= restore(session, actor, ch.entity_id, ch.before, ch.version_after)
    for model, entity in ((Category, "category"), (PriceList, "price_list")):
        # Children before parents: categories were created top down.
        for ident in reversed(created.get(entity, [])):
            if not referencing(session, model.__table__, [ident]):
                _remove(session, actor, model.__table__, entity, [ident])
                if model is PriceList:
                    touched.discard(ident)
    for list_id in sorted(touched):
        if session.get(PriceList, list_id) is not None:
            catalog.touch_price_list(session, list_id)


def restore(session: Session, actor: Actor, product_id: int, before: dict[str, Any], version: int) -> set[int]:
    """Put an updated product and its prices back as they were before the import (undo); answers the
    price lists whose rules changed."""
    product = session.get_one(Product, product_id)
    data: dict[str, Any] = {}
    for key in ("sku", "name", "kind", "unit", "barcode", "barcode_type", "tax_rate", "category_id"):
        old = before.get(key)
        if key == "tax_rate":
            old = Decimal(str(old))
        if old != getattr(product, key):
            data[key] = old
    if data:
        data["version"] = version
        catalog.update_product(session, actor, product_id, catalog_schemas.ProductPatch.model_validate(data))
    touched = set()
    for price in before.get("prices", []):
        rule = session.get_one(PriceRule, price["rule_id"])
        records.change(session, actor, rule, {"price": Decimal(price["price"])}, "price_rule")
        touched.add(rule.price_list_id)
    return touched
