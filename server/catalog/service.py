"""Rules of the catalog: the category tree, products with barcodes, price lists with their rules."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..audit import records
from ..audit.service import log_change
from ..core import dates
from ..core.actor import Actor
from ..core.errors import Conflict, ErrorList, FieldError, NotFound
from ..core.money import currency as currency_of
from ..org.models import Branch
from ..parties.models import Segment
from . import barcodes, schemas
from .models import Category, PriceList, PriceRule, Product

# Columns hold 4 decimal places (ExactDecimal(…, 4)) and, on SQLite, a 64-bit integer of
# ten-thousandths: the bounds below keep every accepted value storable on both databases.
PLACES = 4
MAX_PRICE = Decimal(10) ** 12
MAX_QTY = Decimal(10) ** 9

MODELS = {"category": Category, "product": Product, "price_list": PriceList}


def _present(schema: Any) -> records.Present:
    return lambda obj: schema.model_validate(obj).model_dump(mode="json")


present_category = _present(schemas.ProductCategoryOut)
present_product = _present(schemas.ProductOut)


def present_price_list(session: Session, plist: PriceList) -> schemas.PriceListOut:
    rules = _rules_of(session, plist.id)
    data = {c: getattr(plist, c) for c in schemas.PriceListOut.model_fields if c != "rules"}
    quantum = currency_of(plist.currency).quantum
    out = []
    for r in rules:
        rule = schemas.PriceRuleOut.model_validate(r)
        # Prices read back in the list's minor units ("20.00", not the column's "20.0000").
        out.append(rule if rule.price is None else rule.model_copy(update={"price": rule.price.quantize(quantum)}))
    return schemas.PriceListOut(**data, rules=out)


def _names(names: schemas.CatalogNames | None) -> dict[str, str]:
    if names is None:
        return {}
    return {k: v for k, v in names.model_dump().items() if v}


def _places(errors: ErrorList, field: str, value: Decimal | None, places: int = PLACES) -> bool:
    if value is not None and value != value.quantize(Decimal(1).scaleb(-places)):
        errors.add(field, "too_many_places", places=places)
        return False
    return True


def _date_range(errors: ErrorList, prefix: str, valid_from: Any, valid_to: Any) -> None:
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        errors.add(f"{prefix}valid_to", "date_range", valid_from=valid_from.isoformat(), valid_to=valid_to.isoformat())


# --- categories --------------------------------------------------------------------------------


def list_categories(session: Session, actor: Actor, include_archived: bool) -> list[Category]:
    q = select(Category).where(Category.company_id == actor.company_id).order_by(Category.code, Category.id)
    if not include_archived:
        q = q.where(Category.archived_at.is_(None))
    return list(session.scalars(q))


def category_tree(session: Session, actor: Actor, include_archived: bool) -> list[tuple[Category, int, str]]:
    """(category, depth, path of codes) in depth-first order, children by code."""
    cats = list_categories(session, actor, include_archived)
    present_ids = {c.id for c in cats}
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        # A child of an archived (hidden) parent shows at the top rather than disappearing.
        parent = c.parent_id if c.parent_id in present_ids else None
        children.setdefault(parent, []).append(c)
    out: list[tuple[Category, int, str]] = []
    stack: list[tuple[Category, int, str]] = [(c, 0, c.code) for c in reversed(children.get(None, []))]
    while stack:
        cat, depth, path = stack.pop()
        out.append((cat, depth, path))
        for child in reversed(children.get(cat.id, [])):
            stack.append((child, depth + 1, f"{path}/{child.code}"))
    return out


def subtree_ids(session: Session, company_id: int, root_id: int) -> list[int]:
    """The category and all its descendants."""
    rows = session.execute(select(Category.id, Category.parent_id).where(Category.company_id == company_id)).all()
    kids: dict[int, list[int]] = {}
    for cid, parent in rows:
        if parent is not None:
            kids.setdefault(parent, []).append(cid)
    out, todo, seen = [], [root_id], set()
    while todo:
        cid = todo.pop()
        if cid in seen:
            continue
        seen.add(cid)
        out.append(cid)
        todo.extend(kids.get(cid, []))
    return out


def _check_category_ref(session: Session, actor: Actor, field: str, category_id: int | None,
                        errors: ErrorList) -> Category | None:
    if category_id is None:
        return None
    cat = session.get(Category, category_id)
    if cat is None or cat.company_id != actor.company_id:
        errors.add(field, "unknown_reference", entity="category", value=category_id)
        return None
    if cat.archived_at is not None:
        errors.add(field, "archived", entity="category", id=category_id)
        return None
    return cat


def _check_parent(session: Session, actor: Actor, cat_id: int | None, parent_id: int | None, errors: ErrorList) -> None:
    parent = _check_category_ref(session, actor, "parent_id", parent_id, errors)
    if records.is_own_ancestor(session, Category, cat_id, parent):
        errors.add("parent_id", "category_cycle")


def create_category(session: Session, actor: Actor, data: schemas.ProductCategoryIn) -> Category:
    errors = ErrorList()
    records.check_unique(session, Category, actor.company_id, "code", data.code, None, errors)
    _check_parent(session, actor, None, data.parent_id, errors)
    errors.raise_if_any()
    obj = Category(company_id=actor.company_id, code=data.code, name=data.name, names=_names(data.names),
                   parent_id=data.parent_id)
    return records.create(session, actor, obj, "category")


def update_category(session: Session, actor: Actor, cat_id: int, patch: schemas.ProductCategoryPatch) -> Category:
    cat = records.get_versioned(session, actor, Category, cat_id, "category", patch.version, present_category)
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "names"})
    if "names" in patch.model_fields_set:
        changes["names"] = _names(patch.names)
    errors = ErrorList()
    for required in ("code", "name"):
        if required in changes and changes[required] is None:
            errors.add(required, "required")
    if changes.get("code") is not None:
        records.check_unique(session, Category, actor.company_id, "code", changes["code"], cat.id, errors)
    if "parent_id" in changes:
        _check_parent(session, actor, cat.id, changes["parent_id"], errors)
    errors.raise_if_any()
    return records.change(session, actor, cat, changes, "category")


def archive_category(session: Session, actor: Actor, cat_id: int, version: int) -> Category:
    cat = records.get_versioned(session, actor, Category, cat_id, "category", version, present_category)
    children = session.scalar(select(func.count()).select_from(Category).where(
        Category.parent_id == cat.id, Category.archived_at.is_(None)))
    if children:
        raise Conflict("has_children", params={"children": "categories"})
    products = session.scalar(select(func.count()).select_from(Product).where(
        Product.category_id == cat.id, Product.archived_at.is_(None)))
    if products:
        raise Conflict("has_children", params={"children": "products"})
    return records.archive(session, actor, cat, "category")


def restore_category(session: Session, actor: Actor, cat_id: int, version: int) -> Category:
    cat = records.get_versioned(session, actor, Category, cat_id, "category", version, present_category)
    if cat.parent_id is not None:
        errors = ErrorList()
        # A child comes back only under a live parent (restore the parent first).
        _check_category_ref(session, actor, "parent_id", cat.parent_id, errors)
        if errors:
            raise Conflict("archived", params={"entity": "category", "id": cat.parent_id}, errors=errors.items)
    return records.restore(session, actor, cat, "category")


# --- products ----------------------------------------------------------------------------------


def _check_barcode(session: Session, actor: Actor, product_id: int | None, barcode: str | None,
                   barcode_type: str | None, errors: ErrorList) -> str | None:
    """The barcode's type after checking it (None without a barcode)."""
    if barcode is None:
        if barcode_type is not None:
            errors.add("barcode", "required")
        return None
    kind = barcode_type or barcodes.guess_type(barcode)
    problems = barcodes.check(barcode, kind)
    errors.extend(problems)
    if not problems:
        records.check_unique(session, Product, actor.company_id, "barcode", barcode, product_id, errors)
    return kind


def list_products(session: Session, actor: Actor, query: schemas.ProductQuery) -> tuple[list[Product], int]:
    q = select(Product).where(Product.company_id == actor.company_id)
    if not query.include_archived:
        q = q.where(Product.archived_at.is_(None))
    if query.kind:
        q = q.where(Product.kind == query.kind)
    if query.category_id is not None:
        if query.subtree:
            q = q.where(Product.category_id.in_(subtree_ids(session, actor.company_id, query.category_id)))
        else:
            q = q.where(Product.category_id == query.category_id)
    if query.q:
        fold = func.cb_casefold if session.get_bind().dialect.name == "sqlite" else func.lower
        needle = query.q.casefold()
        q = q.where(or_(
            fold(Product.sku).contains(needle, autoescape=True),
            fold(Product.name).contains(needle, autoescape=True),
            Product.barcode == query.q,
        ))
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(Product.sku, Product.id).limit(query.limit).offset(query.offset))
    return list(rows), total


def product_by_barcode(session: Session, actor: Actor, code: str) -> Product:
    """The product a scanner read (archived products too: a shelf may still hold them)."""
    product = session.scalar(select(Product).where(Product.company_id == actor.company_id, Product.barcode == code))
    if product is None:
        raise NotFound("not_found", params={"entity": "product", "id": code})
    return product


def product_by_sku(session: Session, actor: Actor, sku: str, field: str = "sku") -> Product:
    product = session.scalar(select(Product).where(Product.company_id == actor.company_id, Product.sku == sku))
    if product is None:
        errors = ErrorList()
        errors.add(field, "unknown_reference", entity="product", value=sku)
        errors.raise_if_any()
    return product  # type: ignore[return-value]


def product_rule_errors(session: Session, actor: Actor, rest: dict[str, Any], id: int | None = None) -> list[Any]:
    """The rule errors of the fields that passed their shape check (reported beside the shape errors)."""
    errors = ErrorList()
    sku, barcode, kind = rest.get("sku"), rest.get("barcode"), rest.get("barcode_type")
    if isinstance(sku, str) and sku.strip():
        records.check_unique(session, Product, actor.company_id, "sku", sku.strip(), id, errors)
    if isinstance(barcode, str) and barcode.strip() and kind in (None, "ean13", "code128"):
        _check_barcode(session, actor, id, barcode.strip(), kind, errors)
    category_id = rest.get("category_id")
    if isinstance(category_id, int) and not isinstance(category_id, bool) and 0 < category_id <= 2**62:
        _check_category_ref(session, actor, "category_id", category_id, errors)
    return errors.items


def create_product(session: Session, actor: Actor, data: schemas.ProductIn) -> Product:
    errors = ErrorList()
    records.check_unique(session, Product, actor.company_id, "sku", data.sku, None, errors)
    kind = _check_barcode(session, actor, None, data.barcode, data.barcode_type, errors)
    _check_category_ref(session, actor, "category_id", data.category_id, errors)
    _places(errors, "tax_rate", data.tax_rate)
    errors.raise_if_any()
    obj = Product(
        company_id=actor.company_id, sku=data.sku, name=data.name, names=_names(data.names), kind=data.kind,
        unit=data.unit, barcode=data.barcode, barcode_type=kind, tax_rate=data.tax_rate, category_id=data.category_id,
    )
    return records.create(session, actor, obj, "product")


def update_product(session: Session, actor: Actor, product_id: int, patch: schemas.ProductPatch) -> Product:
    product = records.get_versioned(session, actor, Product, product_id, "product", patch.version, present_product)
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "names"})
    if "names" in patch.model_fields_set:
        changes["names"] = _names(patch.names)
    errors = ErrorList()
    for required in ("sku", "name", "kind", "unit", "tax_rate"):
        if required in changes and changes[required] is None:
            errors.add(required, "required")
    if changes.get("sku") is not None:
        records.check_unique(session, Product, actor.company_id, "sku", changes["sku"], product.id, errors)
    if "barcode" in changes or "barcode_type" in changes:
        barcode = changes.get("barcode", product.barcode)
        given_type = changes.get("barcode_type") if "barcode_type" in changes else (
            None if "barcode" in changes else product.barcode_type)
        changes["barcode_type"] = _check_barcode(session, actor, product.id, barcode, given_type, errors)
    if "category_id" in changes:
        _check_category_ref(session, actor, "category_id", changes["category_id"], errors)
    if changes.get("tax_rate") is not None:
        _places(errors, "tax_rate", changes["tax_rate"])
    errors.raise_if_any()
    return records.change(session, actor, product, changes, "product")


def archive_product(session: Session, actor: Actor, product_id: int, version: int) -> Product:
    product = records.get_versioned(session, actor, Product, product_id, "product", version, present_product)
    return records.archive(session, actor, product, "product")


def restore_product(session: Session, actor: Actor, product_id: int, version: int) -> Product:
    product = records.get_versioned(session, actor, Product, product_id, "product", version, present_product)
    return records.restore(session, actor, product, "product")


# --- price lists -------------------------------------------------------------------------------


def _rules_of(session: Session, list_id: int) -> list[PriceRule]:
    return list(session.scalars(
        select(PriceRule).where(PriceRule.price_list_id == list_id).order_by(PriceRule.id)
    ))


def list_price_lists(session: Session, actor: Actor, include_archived: bool) -> list[PriceList]:
    q = select(PriceList).where(PriceList.company_id == actor.company_id).order_by(PriceList.code, PriceList.id)
    if actor.branch_ids:
        q = q.where(or_(PriceList.branch_id.is_(None), PriceList.branch_id.in_(actor.branch_ids)))
    if not include_archived:
        q = q.where(PriceList.archived_at.is_(None))
    return list(session.scalars(q))


def _check_list_refs(session: Session, actor: Actor, segment_id: int | None, branch_id: int | None,
                     errors: ErrorList) -> None:
    if segment_id is not None:
        seg = session.get(Segment, segment_id)
        if seg is None or seg.company_id != actor.company_id:
            errors.add("segment_id", "unknown_reference", entity="segment", value=segment_id)
    if branch_id is not None:
        branch = session.get(Branch, branch_id)
        if branch is None or branch.company_id != actor.company_id:
            errors.add("branch_id", "unknown_reference", entity="branch", value=branch_id)
        elif not actor.sees_branch(branch_id):
            errors.add("branch_id", "out_of_branch_scope")


def _check_rules(session: Session, actor: Actor, rules: list[schemas.PriceRuleIn], currency: str,
                 errors: ErrorList) -> None:
    """Every rule's problems, named rules.<i>.<field>."""
    cur = currency_of(currency)
    product_ids = {r.product_id for r in rules if r.product_id is not None}
    category_ids = {r.category_id for r in rules if r.category_id is not None}
    known_products = set(session.scalars(select(Product.id).where(
        Product.company_id == actor.company_id, Product.id.in_(product_ids)))) if product_ids else set()
    known_categories = set(session.scalars(select(Category.id).where(
        Category.company_id == actor.company_id, Category.id.in_(category_ids)))) if category_ids else set()
    for i, rule in enumerate(rules):
        where = f"rules.{i}."
        if (rule.product_id is None) == (rule.category_id is None):
            errors.add(f"{where}product_id", "rule_target")
        elif rule.product_id is not None and rule.product_id not in known_products:
            errors.add(f"{where}product_id", "unknown_reference", entity="product", value=rule.product_id)
        elif rule.category_id is not None and rule.category_id not in known_categories:
            errors.add(f"{where}category_id", "unknown_reference", entity="category", value=rule.category_id)
        if (rule.price is None) == (rule.discount_percent is None):
            errors.add(f"{where}price", "rule_price_or_discount")
        if rule.price is not None:
            errors.extend(rule_price_errors(rule.price, cur.code, f"{where}price"))
        _places(errors, f"{where}discount_percent", rule.discount_percent)
        if _places(errors, f"{where}min_qty", rule.min_qty) and rule.min_qty >= MAX_QTY:
            errors.add(f"{where}min_qty", "too_large", max=str(MAX_QTY))
        _date_range(errors, where, rule.valid_from, rule.valid_to)


def rule_price_errors(price: Decimal, currency: str, field: str = "price") -> list[FieldError]:
    """What is wrong with a rule's fixed price in a list of `currency`: its minor units, the column's bound."""
    cur = currency_of(currency)
    if price != cur.round(price):
        return [FieldError(field, "too_many_decimals", {"currency": cur.code, "places": cur.minor_units})]
    if price >= MAX_PRICE:
        return [FieldError(field, "too_large", {"max": str(MAX_PRICE)})]
    return []


def places_errors(value: Decimal | None, field: str, places: int = PLACES) -> list[FieldError]:
    """A rate or percent with more decimal places than its column keeps (the check create_product makes)."""
    errors = ErrorList()
    _places(errors, field, value, places)
    return errors.items


def touch_price_list(session: Session, list_id: int) -> None:
    """A new version of a list whose rules were written one by one (an import and its undo)."""
    _touch(session, session.get_one(PriceList, list_id))


def _replace_rules(session: Session, actor: Actor, plist: PriceList, rules: list[schemas.PriceRuleIn]) -> None:
    """Drop the list's rules and write the given ones, logging both."""
    for old in _rules_of(session, plist.id):
        before = records.snapshot(old)
        session.delete(old)
        log_change(session, actor, "price_rule", old.id, "delete", before, None)
    session.flush()
    for rule in rules:
        records.create(session, actor, PriceRule(price_list_id=plist.id, **rule.model_dump()), "price_rule")


def create_price_list(session: Session, actor: Actor, data: schemas.PriceListIn) -> PriceList:
    errors = ErrorList()
    records.check_unique(session, PriceList, actor.company_id, "code", data.code, None, errors)
    _check_list_refs(session, actor, data.segment_id, data.branch_id, errors)
    _date_range(errors, "", data.valid_from, data.valid_to)
    _check_rules(session, actor, data.rules, data.currency, errors)
    errors.raise_if_any()
    plist = PriceList(company_id=actor.company_id, **data.model_dump(exclude={"rules"}))
    records.create(session, actor, plist, "price_list")
    _replace_rules(session, actor, plist, data.rules)
    return plist


def update_price_list(session: Session, actor: Actor, list_id: int, patch: schemas.PriceListPatch) -> PriceList:
    plist = records.get_versioned(session, actor, PriceList, list_id, "price_list", patch.version,
                                  lambda o: present_price_list(session, o).model_dump(mode="json"))
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "rules"})
    errors = ErrorList()
    for required in ("code", "name", "currency", "kind", "priority"):
        if required in changes and changes[required] is None:
            errors.add(required, "required")
    if changes.get("code") is not None:
        records.check_unique(session, PriceList, actor.company_id, "code", changes["code"], plist.id, errors)
    _check_list_refs(session, actor, changes.get("segment_id"), changes.get("branch_id"), errors)
    _date_range(errors, "", changes.get("valid_from", plist.valid_from), changes.get("valid_to", plist.valid_to))
    currency = changes.get("currency") or plist.currency
    if patch.rules is not None:
        _check_rules(session, actor, patch.rules, currency, errors)
    elif currency != plist.currency:
        # Existing prices must fit the new currency's minor units too.
        cur = currency_of(currency)
        for rule in _rules_of(session, plist.id):
            if rule.price is not None and rule.price != cur.round(rule.price):
                errors.add("currency", "too_many_decimals", currency=cur.code, places=cur.minor_units)
                break
    errors.raise_if_any()
    if patch.rules is not None:
        _replace_rules(session, actor, plist, patch.rules)
        if not changes:
            # The rules are part of the list: replacing them alone is a new version of it too.
            _touch(session, plist)
    return records.change(session, actor, plist, changes, "price_list")


def _touch(session: Session, plist: PriceList) -> None:
    """Bump the list's version when only its rules changed (the ORM bumps it on any UPDATE)."""
    plist.updated_at = dates.now()
    session.flush()


def archive_price_list(session: Session, actor: Actor, list_id: int, version: int) -> PriceList:
    plist = records.get_versioned(session, actor, PriceList, list_id, "price_list", version,
                                  lambda o: present_price_list(session, o).model_dump(mode="json"))
    return records.archive(session, actor, plist, "price_list")


def restore_price_list(session: Session, actor: Actor, list_id: int, version: int) -> PriceList:
    plist = records.get_versioned(session, actor, PriceList, list_id, "price_list", version,
                                  lambda o: present_price_list(session, o).model_dump(mode="json"))
    return records.restore(session, actor, plist, "price_list")
