"""Client base API: the list (search, filters, sort, pages, groups, exports), writes, batch, references."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ..audit.crud import crud_routes
from ..core.actor import Actor
from ..core.cache import LRU
from ..core.errors import ValidationFailed
from ..core.i18n import translate
from ..core.validation import field_errors
from ..routes import ALL_ROLES, VersionIn, route
from . import export, query, reference, schemas, service
from .query import base_statement, extra_types, iter_clients, parse_filter_params
from .query import group_clients as group

bp = Blueprint("parties", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "sales", "warehouse")
WRITE = ("owner", "accountant", "sales")
SETUP = ("owner",)


def _query_from_params(p: schemas.ClientListParams | schemas.ExportParams, limit: int = 50) -> schemas.ClientQuery:
    filters = query.parse_filter_params(p.filter)
    try:
        return schemas.ClientQuery(
            q=p.q, filters=filters, sort=query.parse_sort_param(p.sort),
            limit=getattr(p, "limit", limit), offset=getattr(p, "offset", 0), cursor=getattr(p, "cursor", None),
            include_archived=p.include_archived, with_total=getattr(p, "with_total", False),
        )
    except ValidationError as exc:
        # The GET parameter is one string ("-created_at,name"); its parts are checked here.
        raise ValidationFailed(errors=field_errors(exc)) from None


def _page(session: Session, actor: Actor, q: schemas.ClientQuery, filter_path: str = "filters") -> schemas.ClientPage:
    rows, cursor, total = query.list_clients(session, actor, q, filter_path)
    return schemas.ClientPage(items=[service.present(c) for c in rows], next_cursor=cursor, total=total)


@route(bp, "/clients", roles=READ, query=schemas.ClientListParams, response=schemas.ClientPage)
def list_clients(session: Session, actor: Actor, query: schemas.ClientListParams) -> schemas.ClientPage:
    """List clients: `q` search, `filter=field:op:value`, `sort=-created_at,name`, keyset `cursor`."""
    return _page(session, actor, _query_from_params(query), "filter")


@route(bp, "/clients/query", method="POST", roles=READ, body=schemas.ClientQuery, response=schemas.ClientPage)
def query_clients(session: Session, actor: Actor, body: schemas.ClientQuery) -> schemas.ClientPage:
    """List clients with the query as JSON (the same as GET /clients, for long filters)."""
    return _page(session, actor, body)


@route(bp, "/clients/groups", roles=READ, query=schemas.GroupParams, response=schemas.GroupResult)
def group_clients(session: Session, actor: Actor, query: schemas.GroupParams) -> schemas.GroupResult:
    """Count clients per value of one to three fields (`by=segment,branch_id`), with filters."""
    by = [b.strip() for b in query.by.split(",") if b.strip()]

    groups, total = group(session, actor, by, query.q, parse_filter_params(query.filter), query.include_archived,
                          "filter")
    return schemas.GroupResult(by=by, groups=[schemas.Group(key=k, count=n) for k, n in groups], total=total)


@route(bp, "/clients/export", roles=READ, query=schemas.ExportParams,
       produces=("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "application/json"))
def export_clients(session: Session, actor: Actor, query: schemas.ExportParams) -> Response:
    """Export the filtered, sorted view as CSV (UTF-8 with BOM), xlsx, or JSON (what the workbooks pull)."""
    if query.format == "json":
        stmt, _types = base_statement(session, actor, query.q, _query_from_params(query).filters,
                                      query.include_archived, "filter")
        return Response(export.to_json(session, stmt), mimetype="application/json")
    types = extra_types(session, actor)
    keys = sorted(types)
    rows = iter_clients(session, actor, _query_from_params(query), "filter")
    if query.format == "xlsx":
        body = export.to_xlsx(rows, keys, types)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = export.to_csv(rows, keys), "text/csv"
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename=clients.{query.format}"
    return resp


@route(bp, "/clients", method="POST", roles=WRITE, body=schemas.ClientIn, response=schemas.ClientOut, status=201,
       on_invalid=service.rule_errors_of)
def create_client(session: Session, actor: Actor, body: schemas.ClientIn) -> schemas.ClientOut:
    """Create a client or supplier."""
    return service.present(service.create_client(session, actor, body))


@route(bp, "/clients/<int:id>", roles=READ, response=schemas.ClientOut, errors=(304,))
def get_client(session: Session, actor: Actor, id: int) -> Response:
    """Read one client (with an ETag; If-None-Match answers 304)."""
    row = service.client_row(session, actor, id)
    etag = service.client_etag(row)
    if request.if_none_match.contains(etag):
        resp = Response(status=304)
        resp.set_etag(etag)
        return resp
    # Representations are cached per app by ETag: a lookup of an unchanged client costs one
    # indexed query instead of loading its five child lists.
    cache = current_app.extensions.setdefault("clientbase.client_cards", LRU(20_000))
    body = cache.get(etag)
    if body is None:
        body = service.load_client(session, row).model_dump_json()
        cache.put(etag, body)
    resp = Response(body, mimetype="application/json")
    resp.set_etag(etag)
    return resp


@route(bp, "/clients/<int:id>", method="PATCH", roles=WRITE, body=schemas.ClientPatch, response=schemas.ClientOut,
       on_invalid=service.rule_errors_of)
def update_client(session: Session, actor: Actor, id: int, body: schemas.ClientPatch) -> schemas.ClientOut:
    """Change a client; a stale `version` answers 409 with the current record."""
    return service.present(service.update_client(session, actor, id, body))


@route(bp, "/clients/<int:id>/archive", method="POST", roles=WRITE, body=VersionIn, response=schemas.ClientOut)
def archive_client(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.ClientOut:
    """Archive a client (records are never deleted)."""
    return service.present(service.archive_client(session, actor, id, body.version))


@route(bp, "/clients/<int:id>/restore", method="POST", roles=WRITE, body=VersionIn, response=schemas.ClientOut)
def restore_client(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.ClientOut:
    """Bring an archived client back."""
    return service.present(service.restore_client(session, actor, id, body.version))


def _prepare_batch(session: Session, actor: Actor, body: schemas.ClientBatchIn) -> service.PreparedBatch:
    return service.prepare_batch(session, actor, body.rows, current_app.config["BATCH_MAX_ROWS"])


@route(bp, "/clients/batch", method="POST", roles=WRITE, body=schemas.ClientBatchIn, response=schemas.ClientBatchOut,
       prepare=_prepare_batch)
def batch_clients(session: Session, actor: Actor, body: schemas.ClientBatchIn, prepared: service.PreparedBatch) -> dict:
    """Apply many creates/updates/archives; each row is applied whole or refused, with its own answer."""
    results = service.apply_batch(session, actor, body.rows, current_app.config["BATCH_MAX_ROWS"], prepared)
    for r in results:
        if r.get("errors"):
            r["errors"] = [
                {"field": e.field, "code": e.code, "message": translate(e.code, actor.language, **e.params)}
                for e in r["errors"]
            ]
    failed = sum(1 for r in results if r["status"] != "ok")
    return {"results": results, "ok": len(results) - failed, "failed": failed}


@route(bp, "/tags", roles=READ, response=schemas.TagList)
def list_tags(session: Session, actor: Actor) -> schemas.TagList:
    """List the company's tags."""
    return schemas.TagList(items=[schemas.TagOut.model_validate(t) for t in reference.list_tags(session, actor)])


# Paths are kebab-case; the snake_case spellings answer as deprecated aliases until release 2 (README).
for plural, old, entity, s_in, s_patch, s_out, s_list in (
    ("segments", (), "segment", schemas.RefIn, schemas.RefPatch, schemas.RefOut, schemas.RefList),
    ("lead-sources", ("lead_sources",), "lead_source", schemas.RefIn, schemas.RefPatch, schemas.RefOut,
     schemas.RefList),
    ("extra-fields", ("extra_fields",), "extra_field", schemas.ExtraFieldIn, schemas.ExtraFieldPatch,
     schemas.ExtraFieldOut, schemas.ExtraFieldList),
):
    crud_routes(bp, plural, entity, schema_in=s_in, schema_patch=s_patch, schema_out=s_out, schema_list=s_list,
                list_query=schemas.ListQuery, service=reference, read_roles=ALL_ROLES, write_roles=SETUP,
                old_plurals=old)
