"""The import rules: read a file, map it, plan every row (dry run), commit all or nothing, undo as a whole."""
from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any, Callable, Iterator

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..audit import records
from ..audit.service import json_plain, log_change
from ..core import dates
from ..core.actor import Actor
from ..core.collector import collector_paused
from ..core.errors import Conflict, ErrorList, FieldError, NotFound, ValidationFailed
from ..org.models import Company
from . import balances, clients, contacts, parallel, products
from .fields import KINDS, field_map
from .mapping import Mapping, apply_profile, detect
from .models import IMPORT, Import, ImportChange, ImportFile, ImportProfile
from .reader import check_file, read_checked
from .rows import ACTIONS, Options, Row, source_rows

ENTITY = "import"
HANDLERS: dict[str, ModuleType] = {"clients": clients, "contacts": contacts, "products": products,
                                   "balances": balances}
Progress = Callable[[str, int, int], None]


@dataclass
class Plan:
    """What an import will do: the mapping it read the file with, and one line per source row."""

    kind: str
    mapping: Mapping
    options: Options
    rows: list[Row]
    skipped: list[Row]
    ctx: Any = None
    seconds: dict[str, float] = field(default_factory=dict)
    workers: int = 1  # processes that checked the rows

    def counts(self) -> dict[str, int]:
        out = {a: 0 for a in ACTIONS}
        for r in self.rows + self.skipped:
            out[r.action] += 1
        out["rows"] = len(self.rows) + len(self.skipped)
        return out

    def report(self, limit: int | None = None) -> list[dict[str, Any]]:
        """One line per source row in the sheet's order (the first `limit` of them)."""
        return [r.report() for r in sorted(self.rows + self.skipped, key=lambda r: r.number)[:limit]]


def _options(session: Session, actor: Actor, raw: dict[str, Any]) -> Options:
    company = session.get_one(Company, actor.company_id)
    return Options.parse(raw, country=company.country, currency=company.base_currency, language=company.language)


def _lock(session: Session, actor: Actor) -> None:
    """One import commits at a time per company: the second reads the base the first wrote.

    SQLite's write transactions are already one at a time (BEGIN IMMEDIATE); PostgreSQL takes a
    transaction-scoped advisory lock keyed by the company.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": 7_401_001, "b": actor.company_id})


@collector_paused()
def plan(session: Session, actor: Actor, kind: str, content: bytes, filename: str, *,
         columns: dict[str, str | None] | None = None, sheet: str | None = None, header_row: int | None = None,
         options: dict[str, Any] | None = None, decisions: dict[int, dict[str, Any]] | None = None,
         max_bytes: int | None = None, max_rows: int | None = None, progress: Progress | None = None) -> Plan:
    """Read, map and plan every row, writing nothing. Bad files, mappings and options are refused whole."""
    if kind not in KINDS:
        raise ValidationFailed(errors=[FieldError("kind", "invalid_choice", {"choices": ", ".join(KINDS)})])
    opts = _options(session, actor, options or {})
    t0 = time.perf_counter()
    size = {"max_bytes": max_bytes} if max_bytes else {}
    handler = HANDLERS[kind]
    # The file's safety check (every part of an .xlsx inflated and scanned: a second for 100,000 rows)
    # runs in a forked child while this process loads what the rules need from the base.
    checked = parallel.Beside(len(content) // ROW_BYTES, _check_file, content, filename, size)
    ctx = handler.context(session, actor, opts)
    file_kind = checked.result() or check_file(content, filename, **size)  # a refusal is raised here
    sheets = read_checked(content, filename, file_kind, sheet=sheet, **({"max_rows": max_rows} if max_rows else {}))
    t1 = time.perf_counter()
    if columns or header_row is not None:
        mapping = apply_profile(kind, sheets, columns or {}, None if header_row is None else header_row - 1, sheet)
    else:
        mapping = detect(kind, sheets)
    target = next(s for s in sheets if s.name == mapping.sheet)
    rows, skipped = source_rows(target, mapping)
    t2 = time.perf_counter()
    workers = parallel.check_rows(handler, rows, ctx, progress)
    t3 = time.perf_counter()
    handler.match(rows, ctx)
    if progress:
        progress("check", len(rows), len(rows))
    t4 = time.perf_counter()
    result = Plan(kind, mapping, opts, rows, skipped, ctx,
                  {"read": t1 - t0, "base": t2 - t1, "normalise": t3 - t2, "match": t4 - t3}, workers)
    if decisions:
        _decide(result, decisions)
    return result


# About what one row of a client list takes in a compressed .xlsx: the file's size says when checking
# it beside other work pays (parallel.PARALLEL_ROWS rows).
ROW_BYTES = 80


def _check_file(content: bytes, filename: str, size: dict[str, int]) -> str | None:
    """The file's kind, or None when it is refused (checked again where the refusal is raised)."""
    try:
        return check_file(content, filename, **size)
    except ValidationFailed:
        return None


def _decide(p: Plan, decisions: dict[int, dict[str, Any]]) -> None:
    """The user's choice per row: create anyway, update (the match or a named record), skip."""
    by_number = {r.number: r for r in p.rows}
    errors = ErrorList()
    for number, d in decisions.items():
        row = by_number.get(number)
        action = d.get("action")
        if row is None:
            errors.add(f"decisions.{number}", "no_such_row", row=number)
            continue
        if action not in ("create", "update", "skip"):
            errors.add(f"decisions.{number}.action", "invalid_choice", choices="create, update, skip")
            continue
        if action == "skip":
            row.action, row.reason = "skip", "decided"
            continue
        if row.action == "error":
            errors.add(f"decisions.{number}", "row_has_errors", row=number)
            continue
        if action == "create":
            if row.action in ("update", "unchanged") or row.reason == "duplicate_in_file":
                row.warn("created_by_decision", match=row.match)
            row.action, row.reason, row.changes, row.target = "create", None, None, None
            continue
        target = d.get("id") or (row.match or {}).get("id")
        if not isinstance(target, int) or not HANDLERS[p.kind].exists(p.ctx, target):
            errors.add(f"decisions.{number}.id", "unknown_reference", entity=p.kind, value=target)
            continue
        HANDLERS[p.kind].retarget(row, p.ctx, target)
    errors.raise_if_any()


def _plain(value: Any) -> Any:
    """What json cannot write itself: Decimals and dates as text (as the operations log keeps them)."""
    if isinstance(value, (Decimal, dt.date)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(f"{type(value).__name__} in an import report")


def _stored_report(p: Plan) -> bytes:
    payload = {"mapping": p.mapping.as_json(), "options": p.options.as_json(), "counts": p.counts(),
               "rows": p.report()}
    # One pass through json's C encoder; the level trades a little size for speed (100,000 rows: ~3 MB).
    return gzip.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_plain).encode(), 3)


@collector_paused()
def dry_run(session: Session, actor: Actor, kind: str, content: bytes, filename: str, *,
            profile: str | None = None, columns: dict[str, str | None] | None = None, sheet: str | None = None,
            header_row: int | None = None, options: dict[str, Any] | None = None,
            prepared: Plan | None = None, **limits: Any) -> Import:
    """Plan the file and keep the plan on record (status `planned`): nothing else is written."""
    prof = profile_by_name(session, actor, kind, profile) if profile else None
    columns, sheet, header_row, options = with_profile(prof, columns, sheet, header_row, options)
    p = prepared or plan(session, actor, kind, content, filename, columns=columns, sheet=sheet,
                         header_row=header_row, options=options, **limits)
    return _record(session, actor, p, content, filename, prof, columns, header_row)


def with_profile(prof: ImportProfile | None, columns: Any, sheet: Any, header_row: Any, options: Any) -> tuple[Any, ...]:
    if prof is None:
        return columns, sheet, header_row, options
    merged_cols = dict(prof.columns or {})
    merged_cols.update(columns or {})
    merged_opts = dict(prof.options or {})
    merged_opts.update(options or {})
    return merged_cols, sheet or prof.sheet, header_row or prof.header_row, merged_opts


def _record(session: Session, actor: Actor, p: Plan, content: bytes, filename: str,
            prof: ImportProfile | None, columns: Any, header_row: Any, *, with_file: bool = True) -> Import:
    """The import on record (status planned), and with `with_file` its file and report (else see _file)."""
    imp = Import(company_id=actor.company_id, kind=p.kind, status="planned", file_name=filename[:255],
                 file_sha256=hashlib.sha256(content).hexdigest(), file_size=len(content),
                 profile_id=prof.id if prof else None,
                 mapping={"sheet": p.mapping.sheet, "header_row": p.mapping.header_row + 1,
                          "columns": {c.letter: c.field for c in p.mapping.columns if c.field},
                          "detected": p.mapping.as_json()["columns"]},
                 options=p.options.as_json(), counts=p.counts(), created={}, created_by=actor.user_id)
    session.add(imp)
    session.flush()
    if with_file:
        _file(session, imp, content, _stored_report(p))
    log_change(session, actor, ENTITY, imp.id, "plan", None, _log_view(imp))
    return imp


def _file(session: Session, imp: Import, content: bytes, report: bytes) -> None:
    session.add(ImportFile(import_id=imp.id, content=content, report=report))
    session.flush()


def _log_view(imp: Import) -> dict[str, Any]:
    return {"kind": imp.kind, "status": imp.status, "file_name": imp.file_name, "file_sha256": imp.file_sha256,
            "counts": imp.counts}


def get_import(session: Session, actor: Actor, import_id: int) -> Import:
    imp = session.get(Import, import_id)
    if imp is None or imp.company_id != actor.company_id:
        raise NotFound("not_found", params={"entity": ENTITY, "id": import_id})
    return imp


def _locked(session: Session, actor: Actor, import_id: int, version: int, action: str) -> Import:
    """The import, under the import lock, at the version the user saw and in the state `action` needs."""
    _lock(session, actor)
    imp = get_import(session, actor, import_id)
    records.check_version(imp, version, present)
    IMPORT.check(imp, action)
    return imp


@collector_paused()
def commit(session: Session, actor: Actor, import_id: int, version: int, *,
           decisions: dict[int, dict[str, Any]] | None = None, skip_errors: bool | None = None,
           progress: Progress | None = None) -> Import:
    """Apply a planned import, all or nothing, as the base is now (read again under the import lock).

    Rows the dry run showed one way and that now read another (another import created the same
    client meanwhile) are planned afresh; an explicit decision whose match moved is refused (409),
    so nobody's choice is applied to a record they did not see.
    """
    imp = _locked(session, actor, import_id, version, "commit")
    stored = session.get_one(ImportFile, imp.id)
    options = dict(imp.options)
    if skip_errors is not None:
        options["skip_errors"] = skip_errors
    old = {r["row"]: r for r in json.loads(gzip.decompress(stored.report))["rows"]}
    p = plan(session, actor, imp.kind, stored.content, imp.file_name, columns=imp.mapping["columns"],
             sheet=imp.mapping["sheet"], header_row=imp.mapping["header_row"], options=options, progress=progress)
    moved = [n for n in (decisions or {}) if _match_key(old.get(n)) != _match_key(_row_of(p, n))]
    if moved:
        raise Conflict("import_base_changed", params={"rows": ", ".join(map(str, moved[:20]))},
                       errors=[FieldError(f"decisions.{n}", "import_base_changed", {"rows": str(n)}) for n in moved[:20]])
    if decisions:
        _decide(p, decisions)
    apply_plan(session, actor, p, imp, progress=progress)
    # The report now tells what the commit did (the base may have moved since the dry run).
    stored.report = _stored_report(p)
    return imp


def _row_of(p: Plan, number: int) -> dict[str, Any] | None:
    return next((r.report() for r in p.rows if r.number == number), None)


def _match_key(report: dict[str, Any] | None) -> Any:
    m = (report or {}).get("match") or {}
    return m.get("id"), m.get("row")


@IMPORT.transition("commit", record="imp")
def apply_plan(session: Session, actor: Actor, p: Plan, imp: Import, progress: Progress | None = None) -> None:
    """Write a plan (under the import lock, in the caller's transaction) and mark the import committed."""
    bad = [r for r in p.rows if r.action == "error"]
    if bad and not p.options.skip_errors:
        errors = [FieldError(f"rows.{r.number}" + (f".{e['column']}" if e.get("column") else ""), e["code"], e["params"])
                  for r in bad[:50] for e in r.errors]
        raise ValidationFailed("import_has_errors", params={"count": len(bad)}, errors=errors)
    if progress:
        progress("write", 0, 1)
    handler = HANDLERS[p.kind]
    with _page_cache(session, len(p.rows)):
        created, updated, extra = handler.apply(p.rows, p.ctx)
    if updated:
        session.add_all([ImportChange(import_id=imp.id, entity=handler.ENTITY, entity_id=i, before=json_plain(b),
                                      version_after=v) for i, b, v in updated])
    imp.status = IMPORT.target("commit", imp.status)
    imp.counts = p.counts()
    imp.created = {handler.ENTITY: created, **extra.get("created", {})}
    imp.entry_id = extra.get("entry_id")
    imp.committed_at = dates.now()
    imp.committed_by = actor.user_id
    session.flush()
    # The one log record of what the import wrote: the file (name and hash) and every record it created
    # or updated, by id. Each updated record also has its own "update" record (before/after); the
    # created ones have none of their own, the import's stored report holds what each row held.
    # Whole, not as a difference from the plan: the file's name and hash are the point of it.
    after = dict(_log_view(imp), created=imp.created, updated={handler.ENTITY: [i for i, _b, _v in updated]})
    log_change(session, actor, ENTITY, imp.id, "commit", None, after)
    if progress:
        progress("write", 1, 1)


@contextlib.contextmanager
def _page_cache(session: Session, rows: int) -> Iterator[None]:
    """A larger SQLite page cache while a large import writes: its inserts land all over eight indexes
    of the clients' table, and SQLite's default 2 MB cache sent each of them to the file again (measured:
    a tenth of the write's CPU for 32 MB on 100,000 rows). Put back as it was for the pooled connection."""
    if rows < parallel.PARALLEL_ROWS or session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size={-CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


CACHE_KIB = 32 * 1024


@collector_paused()
def import_now(session: Session, actor: Actor, kind: str, content: bytes, filename: str, *,
               profile: str | None = None, columns: dict[str, str | None] | None = None, sheet: str | None = None,
               header_row: int | None = None, options: dict[str, Any] | None = None,
               progress: Progress | None = None, **limits: Any) -> tuple[Import, Plan]:
    """Plan and commit in one transaction under the import lock (the CLI without --dry-run)."""
    _lock(session, actor)
    prof = profile_by_name(session, actor, kind, profile) if profile else None
    columns, sheet, header_row, options = with_profile(prof, columns, sheet, header_row, options)
    p = plan(session, actor, kind, content, filename, columns=columns, sheet=sheet, header_row=header_row,
             options=options, progress=progress, **limits)
    t0 = time.perf_counter()
    # The stored report (the plan as JSON, gzipped: 1.5 s for 100,000 rows) is made by a forked child
    # from the plan as it stands, while this process writes the base; it is filed once both are done.
    report = parallel.Beside(len(p.rows), _stored_report, p)
    imp = _record(session, actor, p, content, filename, prof, columns, header_row, with_file=False)
    t1 = time.perf_counter()
    apply_plan(session, actor, p, imp, progress=progress)
    t2 = time.perf_counter()
    _file(session, imp, content, report.result())
    p.seconds.update(record=t1 - t0, write=t2 - t1, report=time.perf_counter() - t2)
    return imp, p


@collector_paused()
def undo(session: Session, actor: Actor, import_id: int, version: int) -> Import:
    """Take a committed import back as a whole: its creates removed, its updates restored.

    Refused (409, nothing changed) when a record it created is now used elsewhere or was edited
    since, or a record it updated was edited since: each one is named.
    """
    imp = _locked(session, actor, import_id, version, "undo")
    handler = HANDLERS[imp.kind]
    changes = list(session.scalars(select(ImportChange).where(ImportChange.import_id == imp.id)))
    problems = handler.undo_problems(session, actor, imp, changes)
    if problems:
        raise Conflict("import_undo_refused", params={"count": len(problems)}, errors=problems[:50])
    handler.undo(session, actor, imp, changes)
    before = _log_view(imp)
    imp.status = IMPORT.target("undo", imp.status)
    imp.undone_at = dates.now()
    imp.undone_by = actor.user_id
    session.flush()
    log_change(session, actor, ENTITY, imp.id, "undo", before, _log_view(imp))
    return imp


def present(imp: Import) -> dict[str, Any]:
    return {"id": imp.id, "kind": imp.kind, "status": imp.status, "file_name": imp.file_name,
            "file_sha256": imp.file_sha256, "file_size": imp.file_size, "profile_id": imp.profile_id,
            "mapping": imp.mapping, "options": imp.options, "counts": imp.counts,
            "created": {k: len(v) for k, v in (imp.created or {}).items()}, "entry_id": imp.entry_id,
            "created_by": imp.created_by, "created_at": imp.created_at, "committed_at": imp.committed_at,
            "committed_by": imp.committed_by, "undone_at": imp.undone_at, "undone_by": imp.undone_by,
            "version": imp.version}


def earlier_imports(session: Session, actor: Actor, imp: Import) -> list[int]:
    """Committed imports of the same file (by hash): a re-import is harmless, but worth saying."""
    return list(session.scalars(select(Import.id).where(
        Import.company_id == actor.company_id, Import.file_sha256 == imp.file_sha256, Import.id != imp.id,
        Import.status == "committed").order_by(Import.id)))


def report_rows(session: Session, actor: Actor, import_id: int) -> dict[str, Any]:
    get_import(session, actor, import_id)
    stored = session.get_one(ImportFile, import_id)
    return json.loads(gzip.decompress(stored.report))


def list_imports(session: Session, actor: Actor, limit: int = 100) -> list[Import]:
    return list(session.scalars(select(Import).where(Import.company_id == actor.company_id)
                                .order_by(Import.id.desc()).limit(limit)))


# --- profiles ----------------------------------------------------------------------------

def profile_by_name(session: Session, actor: Actor, kind: str, name: str) -> ImportProfile:
    prof = session.scalars(select(ImportProfile).where(
        ImportProfile.company_id == actor.company_id, ImportProfile.kind == kind,
        func.lower(ImportProfile.name) == name.lower(), ImportProfile.archived_at.is_(None))).first()
    if prof is None:
        raise ValidationFailed(errors=[FieldError("profile", "unknown_reference", {"entity": "profile", "value": name})])
    return prof


def check_profile_columns(kind: str, columns: dict[str, Any]) -> None:
    fields = field_map(kind)
    errors = [FieldError(f"columns.{k}", "unknown_import_field", {"field": v, "fields": ", ".join(fields)})
              for k, v in columns.items() if v is not None and v not in fields]
    if errors:
        raise ValidationFailed(errors=errors)


def profile_present(prof: ImportProfile) -> dict[str, Any]:
    return {"id": prof.id, "kind": prof.kind, "name": prof.name, "sheet": prof.sheet, "header_row": prof.header_row,
            "columns": prof.columns, "options": prof.options, "archived_at": prof.archived_at,
            "version": prof.version}


def _refuse_taken_name(session: Session, actor: Actor, kind: str, name: str | None, profile_id: int | None) -> None:
    """A profile's name is required and unique per kind (case aside), on creation and on a rename alike."""
    if name is None:
        raise ValidationFailed(errors=[FieldError("name", "required")])
    taken = session.scalar(select(ImportProfile.id).where(
        ImportProfile.company_id == actor.company_id, ImportProfile.kind == kind,
        func.lower(ImportProfile.name) == name.lower(), ImportProfile.id != (profile_id or 0)))
    if taken:
        raise Conflict("duplicate", errors=[FieldError("name", "already_exists")])


def save_profile(session: Session, actor: Actor, data: dict[str, Any], profile_id: int | None = None) -> ImportProfile:
    check_profile_columns(data.get("kind") or "clients", data.get("columns") or {})
    _options(session, actor, data.get("options") or {})  # refused here if a reading option is wrong
    if profile_id is None:
        _refuse_taken_name(session, actor, data["kind"], data["name"], None)
        prof = ImportProfile(company_id=actor.company_id, **data)
        session.add(prof)
        session.flush()
        log_change(session, actor, "import_profile", prof.id, "create", None, profile_present(prof))
        return prof
    prof = session.get(ImportProfile, profile_id)
    if prof is None or prof.company_id != actor.company_id:
        raise NotFound("not_found", params={"entity": "import profile", "id": profile_id})
    if "name" in data:
        _refuse_taken_name(session, actor, prof.kind, data["name"], prof.id)
    records.check_version(prof, data.pop("version"), profile_present)
    before = profile_present(prof)
    for k, v in data.items():
        setattr(prof, k, v)
    session.flush()
    log_change(session, actor, "import_profile", prof.id, "update", before, profile_present(prof))
    return prof
