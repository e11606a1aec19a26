"""Write to and read from the operations log. Nothing else writes it; nothing ever updates it."""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from ..core import dates
from ..core.actor import Actor
from ..db import insert_rows
from .models import Operation


def json_plain(value: Any) -> Any:
    """Dates, datetimes and Decimals as text, file contents as their hash: what the operations log stores."""
    if isinstance(value, bytes):
        return f"sha256:{hashlib.sha256(value).hexdigest()} ({len(value)} bytes)"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: json_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_plain(v) for v in value]
    return value


def log_change(
    session: Session, actor: Actor, entity: str, entity_id: int, action: str,
    before: dict[str, Any] | None, after: dict[str, Any] | None,
) -> None:
    """Append one operation. `before`/`after` are plain snapshots of the record."""
    session.execute(insert(Operation), [_row(actor, entity, entity_id, action, before, after)])


def log_created(session: Session, actor: Actor, entity: str, created: list[tuple[int, dict[str, Any]]]) -> None:
    """Append one "create" per new record; `after` must already be JSON-plain (bulk creates)."""
    _log_many(session, actor, entity, "create", created)


def log_posted(session: Session, actor: Actor, entity: str, posted: list[tuple[int, dict[str, Any]]]) -> None:
    """Append one "post" per new ledger entry; `after` must already be JSON-plain (bulk postings)."""
    _log_many(session, actor, entity, "post", posted)


def log_deleted(session: Session, actor: Actor, entity: str, deleted: list[tuple[int, dict[str, Any]]]) -> None:
    """Append one "delete" per removed record with what it held (an undone import's creates)."""
    _log_many(session, actor, entity, "delete", [(i, json_plain(before)) for i, before in deleted], before=True)


def _log_many(session: Session, actor: Actor, entity: str, action: str, created: list[tuple[int, dict[str, Any]]],
              before: bool = False) -> None:
    if not created:
        return
    at = dates.now()
    insert_rows(session, Operation.__table__, [
        {"at": at, "company_id": actor.company_id, "user_id": actor.user_id, "request_id": actor.request_id,
         "entity": entity, "entity_id": entity_id, "action": action,
         "before": snap if before else None, "after": None if before else snap}
        for entity_id, snap in created
    ])


def _row(actor: Actor, entity: str, entity_id: int, action: str, before: Any, after: Any) -> dict[str, Any]:
    if before is not None and after is not None:
        # Keep what changed (and the id), not two copies of the unchanged record.
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in changed}
        after = {k: after.get(k) for k in changed}
    return {
        "at": dates.now(), "company_id": actor.company_id, "user_id": actor.user_id,
        "request_id": actor.request_id, "entity": entity, "entity_id": entity_id, "action": action,
        "before": json_plain(before), "after": json_plain(after),
    }


def list_operations(
    session: Session, actor: Actor, *, entity: str | None = None, entity_id: int | None = None,
    user_id: int | None = None, action: str | None = None, request_id: str | None = None,
    since: dt.datetime | None = None, until: dt.datetime | None = None,
    after_id: int | None = None, limit: int = 100,
) -> list[Operation]:
    """Operations of the actor's company, newest first, keyset-paginated on id."""
    q = select(Operation).where(Operation.company_id == actor.company_id)
    for column, value in (
        (Operation.entity, entity), (Operation.entity_id, entity_id), (Operation.user_id, user_id),
        (Operation.action, action), (Operation.request_id, request_id),
    ):
        if value is not None:
            q = q.where(column == value)
    if since is not None:
        q = q.where(Operation.at >= since)
    if until is not None:
        q = q.where(Operation.at < until)
    if after_id is not None:
        q = q.where(Operation.id < after_id)
    return list(session.scalars(q.order_by(Operation.id.desc()).limit(limit)))


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    # Invariant that cannot be skipped through the ORM: the log is append-only.
    # (The migration adds database triggers that refuse UPDATE/DELETE as well.)
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Operation):
            raise RuntimeError("the operations log is append-only")
