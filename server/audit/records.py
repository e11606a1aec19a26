"""Shared moves on versioned records: snapshot, version check, change-with-log, archive."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ..core import dates
from ..core.actor import Actor
from ..core.errors import Conflict, DomainError, ErrorList, ValidationFailed, FieldError
from .service import log_change

Present = Callable[[Any], dict[str, Any]]


def check_unique(session: Session, model: Any, company_id: int, column: str, value: Any, exclude_id: int | None,
                 errors: ErrorList) -> None:
    """Name `column` as already_exists when another record of the company holds `value` there (None: nothing to check)."""
    if value is None:
        return
    q = select(model.id).where(model.company_id == company_id, getattr(model, column) == value)
    if exclude_id is not None:
        q = q.where(model.id != exclude_id)
    if session.scalar(q.limit(1)) is not None:
        errors.add(column, "already_exists")


def snapshot(obj: Any) -> dict[str, Any]:
    """The record's own columns as plain values (what the operations log stores)."""
    return {c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs}


def check_version(obj: Any, given: int | None, present: Present) -> None:
    """Refuse a write made against an old version, answering with the current record."""
    if given is None:
        raise ValidationFailed(errors=[FieldError("version", "version_required")])
    if given != obj.version:
        raise Conflict(
            "stale_version", params={"given": given, "current": obj.version}, extra={"current": present(obj)}
        )


def create(session: Session, actor: Actor, obj: Any, entity: str) -> Any:
    session.add(obj)
    session.flush()
    log_change(session, actor, entity, obj.id, "create", None, snapshot(obj))
    return obj


def change(session: Session, actor: Actor, obj: Any, changes: dict[str, Any], entity: str) -> Any:
    """Apply field changes, bump the version (ORM version_id_col) and log before/after."""
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, value)
    session.flush()
    after = snapshot(obj)
    if after != before:
        log_change(session, actor, entity, obj.id, "update", before, after)
    return obj


def archive(session: Session, actor: Actor, obj: Any, entity: str) -> Any:
    """Archive (never delete). Archiving twice is a no-op, not an error."""
    if obj.archived_at is None:
        before = snapshot(obj)
        obj.archived_at = dates.now()
        session.flush()
        log_change(session, actor, entity, obj.id, "archive", before, snapshot(obj))
    return obj


def restore(session: Session, actor: Actor, obj: Any, entity: str) -> Any:
    if obj.archived_at is not None:
        before = snapshot(obj)
        obj.archived_at = None
        session.flush()
        log_change(session, actor, entity, obj.id, "restore", before, snapshot(obj))
    return obj


def get_owned(session: Session, actor: Actor, model: Any, id: int, entity: str) -> Any:
    """A record of the actor's company and branch scope, or 404/403."""
    obj = session.get(model, id)
    if obj is None or getattr(obj, "company_id", actor.company_id) != actor.company_id:
        raise DomainError("not_found", status=404, params={"entity": entity, "id": id})
    branch_id = getattr(obj, "branch_id", None)
    if not actor.sees_branch(branch_id):
        raise DomainError("out_of_branch_scope", status=403, errors=[FieldError("branch_id", "out_of_branch_scope")])
    return obj


def get_versioned(session: Session, actor: Actor, model: Any, id: int, entity: str, version: int | None,
                  present: Present) -> Any:
    """get_owned, then check_version: the record a write may change."""
    obj = get_owned(session, actor, model, id, entity)
    check_version(obj, version, present)
    return obj


def is_own_ancestor(session: Session, model: Any, own_id: int | None, parent: Any) -> bool:
    """Whether placing record `own_id` under `parent` would make it its own ancestor (a cycle in a tree).

    Walks up from the new parent through `parent_id`; a record not yet created has no descendants.
    """
    if own_id is None:
        return False
    seen: set[int] = set()
    node = parent
    while node is not None and node.id not in seen:
        if node.id == own_id:
            return True
        seen.add(node.id)
        node = session.get(model, node.parent_id) if node.parent_id else None
    return False
