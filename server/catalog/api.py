"""Catalog API: categories, products, price lists and rules, the price of a SKU for a client."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..audit.crud import crud_routes
from ..routes import VersionIn, route
from ..core.errors import DomainError, ErrorList, FieldError
from ..core.validation import page
from . import pricing, schemas, service
from .models import PriceList, Product

bp = Blueprint("catalog", __name__, url_prefix="/api/v1")

# Warehouse staff read the catalog (scanners look products up); the books' people change it.
READ = ("owner", "accountant", "sales", "warehouse")
WRITE = ("owner", "accountant")
PRICES = ("owner", "accountant", "sales")


crud_routes(
    bp, "categories", "category", schema_in=schemas.ProductCategoryIn, schema_patch=schemas.ProductCategoryPatch,
    schema_out=schemas.ProductCategoryOut, schema_list=schemas.ProductCategoryList, list_query=schemas.ListQuery,
    service=service, read_roles=READ, write_roles=WRITE,
)


@route(bp, "/categories/tree", roles=READ, query=schemas.ListQuery, response=schemas.ProductCategoryTree)
def category_tree(session: Session, actor: Actor, query: schemas.ListQuery) -> schemas.ProductCategoryTree:
    """The category tree, depth first, each with its depth and path of codes."""
    return schemas.ProductCategoryTree(items=[
        schemas.ProductCategoryNode(**schemas.ProductCategoryOut.model_validate(c).model_dump(), depth=depth, path=path)
        for c, depth, path in page(service.category_tree(session, actor, query.include_archived), query)
    ])


@route(bp, "/categories/<int:id>/restore", method="POST", roles=WRITE, body=VersionIn, response=schemas.ProductCategoryOut)
def restore_category(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.ProductCategoryOut:
    """Restore an archived category (its parent must be active)."""
    return schemas.ProductCategoryOut.model_validate(service.restore_category(session, actor, id, body.version))


# --- products ----------------------------------------------------------------------------------


@route(bp, "/products", roles=READ, query=schemas.ProductQuery, response=schemas.ProductPage)
def list_products(session: Session, actor: Actor, query: schemas.ProductQuery) -> schemas.ProductPage:
    """List products: `q` searches SKU, name and barcode; filter by category (with subcategories) and kind."""
    rows, total = service.list_products(session, actor, query)
    return schemas.ProductPage(items=[schemas.ProductOut.model_validate(p) for p in rows], total=total)


@route(bp, "/products", method="POST", roles=WRITE, body=schemas.ProductIn, response=schemas.ProductOut, status=201,
       on_invalid=service.product_rule_errors)
def create_product(session: Session, actor: Actor, body: schemas.ProductIn) -> schemas.ProductOut:
    """Create a product or service."""
    return schemas.ProductOut.model_validate(service.create_product(session, actor, body))


@route(bp, "/products/by-barcode/<code>", roles=READ, response=schemas.ProductOut)
def product_by_barcode(session: Session, actor: Actor, code: str) -> schemas.ProductOut:
    """Find the product a scanner read, by its barcode."""
    return schemas.ProductOut.model_validate(service.product_by_barcode(session, actor, code))


@route(bp, "/products/<int:id>", roles=READ, response=schemas.ProductOut)
def get_product(session: Session, actor: Actor, id: int) -> schemas.ProductOut:
    """Read one product."""
    return schemas.ProductOut.model_validate(records.get_owned(session, actor, Product, id, "product"))


@route(bp, "/products/<int:id>", method="PATCH", roles=WRITE, body=schemas.ProductPatch, response=schemas.ProductOut,
       on_invalid=service.product_rule_errors)
def update_product(session: Session, actor: Actor, id: int, body: schemas.ProductPatch) -> schemas.ProductOut:
    """Change a product (needs its current version)."""
    return schemas.ProductOut.model_validate(service.update_product(session, actor, id, body))


@route(bp, "/products/<int:id>/archive", method="POST", roles=WRITE, body=VersionIn, response=schemas.ProductOut)
def archive_product(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.ProductOut:
    """Archive a product."""
    return schemas.ProductOut.model_validate(service.archive_product(session, actor, id, body.version))


@route(bp, "/products/<int:id>/restore", method="POST", roles=WRITE, body=VersionIn, response=schemas.ProductOut)
def restore_product(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.ProductOut:
    """Restore an archived product."""
    return schemas.ProductOut.model_validate(service.restore_product(session, actor, id, body.version))


# --- price lists -------------------------------------------------------------------------------


@route(bp, "/price-lists", roles=PRICES, query=schemas.ListQuery, response=schemas.PriceListList)
def list_price_lists(session: Session, actor: Actor, query: schemas.ListQuery) -> schemas.PriceListList:
    """List the price lists with their rules."""
    return schemas.PriceListList(items=[
        service.present_price_list(session, pl)
        for pl in page(service.list_price_lists(session, actor, query.include_archived), query)
    ])


@route(bp, "/price-lists", method="POST", roles=WRITE, body=schemas.PriceListIn, response=schemas.PriceListOut,
       status=201)
def create_price_list(session: Session, actor: Actor, body: schemas.PriceListIn) -> schemas.PriceListOut:
    """Create a price list with its rules."""
    return service.present_price_list(session, service.create_price_list(session, actor, body))


@route(bp, "/price-lists/<int:id>", roles=PRICES, response=schemas.PriceListOut)
def get_price_list(session: Session, actor: Actor, id: int) -> schemas.PriceListOut:
    """Read one price list with its rules."""
    return service.present_price_list(session, records.get_owned(session, actor, PriceList, id, "price_list"))


@route(bp, "/price-lists/<int:id>", method="PATCH", roles=WRITE, body=schemas.PriceListPatch,
       response=schemas.PriceListOut)
def update_price_list(session: Session, actor: Actor, id: int, body: schemas.PriceListPatch) -> schemas.PriceListOut:
    """Change a price list; `rules`, when given, replace all its rules (needs its current version)."""
    return service.present_price_list(session, service.update_price_list(session, actor, id, body))


@route(bp, "/price-lists/<int:id>/archive", method="POST", roles=WRITE, body=VersionIn, response=schemas.PriceListOut)
def archive_price_list(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.PriceListOut:
    """Archive a price list (it no longer gives prices)."""
    return service.present_price_list(session, service.archive_price_list(session, actor, id, body.version))


@route(bp, "/price-lists/<int:id>/restore", method="POST", roles=WRITE, body=VersionIn, response=schemas.PriceListOut)
def restore_price_list(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.PriceListOut:
    """Restore an archived price list."""
    return service.present_price_list(session, service.restore_price_list(session, actor, id, body.version))


# --- the price of a SKU ------------------------------------------------------------------------


@route(bp, "/prices/quote", roles=PRICES, query=schemas.PriceQuoteQuery, response=schemas.PriceQuoteOut)
def quote(session: Session, actor: Actor, query: schemas.PriceQuoteQuery) -> schemas.PriceQuoteOut:
    """The unit price of a SKU for a client on a date, and which rule gave it."""
    if query.product_id is None and query.sku is None:
        errors = ErrorList()
        errors.add("sku", "required")
        errors.raise_if_any()
    product = (service.product_by_sku(session, actor, query.sku) if query.product_id is None
               else records.get_owned(session, actor, Product, query.product_id, "product"))
    try:
        q = pricing.price_for(
            session, actor, product_id=product.id, counterparty_id=query.client_id, on=query.date or dates.today(),
            qty=query.qty, currency=query.currency, branch_id=query.branch_id,
        )
    except DomainError as exc:
        # The service names its argument counterparty_id; this route's parameter is client_id.
        exc.errors = [FieldError("client_id", e.code, e.params) if e.field == "counterparty_id" else e
                      for e in exc.errors]
        raise
    return schemas.PriceQuoteOut(
        product_id=product.id, sku=product.sku, price=q.price, currency=q.currency, tax_rate=q.tax_rate,
        discount_percent=q.discount_percent, base_price=q.base_price, rate=q.rate, price_list_id=q.price_list_id,
        rule_id=q.rule_id, explanation=q.explanation, considered=list(q.considered),
    )
