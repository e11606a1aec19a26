"""Imports API: upload and dry run, the report (JSON or .xlsx), commit, undo; mapping profiles."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..routes import VersionIn, route
from ..core.errors import Forbidden
from ..documents.api import attachment
from . import report as xlsx_report
from .messages import describe, words
from . import schemas, service
from .models import ImportProfile

bp = Blueprint("imports", __name__, url_prefix="/api/v1")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORTERS = ("owner", "accountant", "sales", "warehouse")
# Who may bring in what: balances touch the ledger, products the catalogue, clients the client base.
KIND_ROLES = {"clients": ("owner", "accountant", "sales"), "contacts": ("owner", "accountant", "sales"),
              "products": ("owner", "accountant", "warehouse"), "balances": ("owner", "accountant")}
FIRST_ROWS = 1000


def _may(actor: Actor, kind: str) -> None:
    if actor.role not in KIND_ROLES[kind]:
        raise Forbidden("role_forbidden", params={"role": actor.role, "allowed": ", ".join(KIND_ROLES[kind])})


def _out(session: Session, actor: Actor, imp: Any, rows: list[dict[str, Any]] | None = None) -> schemas.ImportOut:
    data = service.present(imp)
    data["earlier_imports"] = service.earlier_imports(session, actor, imp)
    data["rows"] = rows or []
    return schemas.ImportOut.model_validate(data)


def _with_messages(rows: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Report rows with each error and warning also as a sentence (and the reason a row is skipped):
    the codes stay for programs, the sentences are for the accountant reading them."""
    out = []
    for r in rows:
        r = dict(r)
        for key in ("errors", "warnings"):
            if r.get(key):
                r[key] = [{**e, "message": describe(e, r["row"], language)} for e in r[key]]
        if r.get("reason"):
            r["reason_message"] = words(r["reason"], language, r.get("match"))
        out.append(r)
    return out


def _limits() -> dict[str, int]:
    cfg = current_app.config
    return {"max_bytes": cfg.get("IMPORT_MAX_BYTES", schemas.MAX_UPLOAD), "max_rows": cfg.get("IMPORT_MAX_ROWS", 200_000)}


def _plan_upload(session: Session, actor: Actor, body: schemas.ImportIn, **_: Any) -> service.Plan:
    """The dry run's reading and checking, in a read transaction: it holds no write lock."""
    _may(actor, body.kind)
    prof = service.profile_by_name(session, actor, body.kind, body.profile) if body.profile else None
    columns, sheet, header_row, options = service.with_profile(prof, body.columns, body.sheet, body.header_row,
                                                                body.options)
    return service.plan(session, actor, body.kind, body.content_base64, body.file_name, columns=columns,
                        sheet=sheet, header_row=header_row, options=options, **_limits())


@route(bp, "/imports", method="POST", roles=IMPORTERS, body=schemas.ImportIn, response=schemas.ImportOut,
       status=201, errors=(409,), prepare=_plan_upload)
def upload(session: Session, actor: Actor, body: schemas.ImportIn, prepared: service.Plan) -> schemas.ImportOut:
    """Upload a spreadsheet (base64) and dry-run it: the mapping found, counts, and the first rows' plan."""
    imp = service.dry_run(session, actor, body.kind, body.content_base64, body.file_name, profile=body.profile,
                          columns=body.columns, sheet=body.sheet, header_row=body.header_row, options=body.options,
                          prepared=prepared)
    return _out(session, actor, imp, _with_messages(prepared.report(FIRST_ROWS), actor.language))


@route(bp, "/imports", roles=IMPORTERS, response=schemas.ImportList)
def list_imports(session: Session, actor: Actor) -> schemas.ImportList:
    """List the company's imports, newest first (the last 100)."""
    return schemas.ImportList(items=[_out(session, actor, i) for i in service.list_imports(session, actor)])


@route(bp, "/imports/<int:id>", roles=IMPORTERS, response=schemas.ImportOut)
def get_import(session: Session, actor: Actor, id: int) -> schemas.ImportOut:
    """One import: its mapping, options, counts and status."""
    return _out(session, actor, service.get_import(session, actor, id))


@route(bp, "/imports/<int:id>/report", roles=IMPORTERS, query=schemas.ReportQuery, response=schemas.ReportOut,
       produces=("application/json", XLSX))
def get_report(session: Session, actor: Actor, id: int, query: schemas.ReportQuery) -> Any:
    """The dry run's report: one line per source row (JSON pages, or the whole as .xlsx)."""
    rep = service.report_rows(session, actor, id)
    rows = [r for r in rep["rows"] if query.action is None or r["action"] == query.action]
    if query.format == "xlsx":
        content = xlsx_report.xlsx({**rep, "rows": rows}, query.language or actor.language)
        return attachment(content, XLSX, f"import-{id}-report.xlsx")
    page = _with_messages(rows[query.offset:query.offset + query.limit], query.language or actor.language)
    return schemas.ReportOut(mapping=rep["mapping"], options=rep["options"], counts=rep["counts"], total=len(rows),
                             rows=page)


@route(bp, "/imports/<int:id>/commit", method="POST", roles=IMPORTERS, body=schemas.CommitIn,
       response=schemas.ImportOut, errors=(409,))
def commit(session: Session, actor: Actor, id: int, body: schemas.CommitIn) -> schemas.ImportOut:
    """Commit a planned import, all or nothing, with the user's decisions per row."""
    imp = service.get_import(session, actor, id)
    _may(actor, imp.kind)
    decisions = {d.row: d.model_dump(exclude_none=True) for d in body.decisions}
    imp = service.commit(session, actor, id, body.version, decisions=decisions, skip_errors=body.skip_errors)
    return _out(session, actor, imp)


@route(bp, "/imports/<int:id>/undo", method="POST", roles=IMPORTERS, body=VersionIn, response=schemas.ImportOut,
       errors=(409,))
def undo(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.ImportOut:
    """Undo a committed import as a whole (refused, naming them, if its records were used or changed since)."""
    imp = service.get_import(session, actor, id)
    _may(actor, imp.kind)
    return _out(session, actor, service.undo(session, actor, id, body.version))


@route(bp, "/import-profiles", roles=IMPORTERS, response=schemas.ProfileList)
def list_profiles(session: Session, actor: Actor) -> schemas.ProfileList:
    """List the saved column mappings."""
    profs = session.scalars(select(ImportProfile).where(ImportProfile.company_id == actor.company_id,
                                                        ImportProfile.archived_at.is_(None)).order_by(ImportProfile.name))
    return schemas.ProfileList(items=[schemas.ProfileOut.model_validate(service.profile_present(p)) for p in profs])


@route(bp, "/import-profiles", method="POST", roles=IMPORTERS, body=schemas.ProfileIn, response=schemas.ProfileOut,
       status=201, errors=(409,))
def create_profile(session: Session, actor: Actor, body: schemas.ProfileIn) -> schemas.ProfileOut:
    """Save a named column mapping (header text or column letter → field) with its reading options."""
    _may(actor, body.kind)
    prof = service.save_profile(session, actor, body.model_dump())
    return schemas.ProfileOut.model_validate(service.profile_present(prof))


@route(bp, "/import-profiles/<int:id>", method="PATCH", roles=IMPORTERS, body=schemas.ProfilePatch,
       response=schemas.ProfileOut, errors=(409,))
def update_profile(session: Session, actor: Actor, id: int, body: schemas.ProfilePatch) -> schemas.ProfileOut:
    """Change a saved mapping."""
    data = body.model_dump(exclude_unset=True)
    for key in ("columns", "options"):
        if key in data and data[key] is None:
            data[key] = {}  # null clears the mapping or the options
    prof = session.get(ImportProfile, id)
    if prof is not None and prof.company_id == actor.company_id:
        _may(actor, prof.kind)
        data.setdefault("kind", prof.kind)
    prof = service.save_profile(session, actor, data, id)
    return schemas.ProfileOut.model_validate(service.profile_present(prof))
