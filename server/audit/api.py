"""Operations log API: read-only, filtered, newest first."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from flask import Blueprint
from pydantic import Field
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..routes import route
from ..core.validation import Id, IsoDateTime, Output, QueryInput, Text
from .service import list_operations

bp = Blueprint("audit", __name__, url_prefix="/api/v1")


class OperationsParams(QueryInput):
    entity: Optional[Text(40)] = None  # type: ignore[valid-type]
    entity_id: Optional[Id] = None
    user_id: Optional[Id] = None
    action: Optional[Text(20)] = None  # type: ignore[valid-type]
    request_id: Optional[Text(64)] = None  # type: ignore[valid-type]
    since: Optional[IsoDateTime] = None
    until: Optional[IsoDateTime] = None
    before_id: Optional[Id] = Field(default=None, description="Keyset page: operations older than this id.")
    limit: int = Field(default=100, ge=1, le=1000)


class OperationOut(Output):
    id: int
    at: dt.datetime
    user_id: Optional[int]
    request_id: Optional[str]
    entity: str
    entity_id: int
    action: str
    before: Optional[dict[str, Any]]
    after: Optional[dict[str, Any]]


class OperationPage(Output):
    items: list[OperationOut]
    next_before_id: Optional[int]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value


@route(bp, "/operations", roles=("owner", "accountant"), query=OperationsParams, response=OperationPage)
def list_ops(session: Session, actor: Actor, query: OperationsParams) -> OperationPage:
    """Read the operations log: who changed what, when, before and after."""
    rows = list_operations(
        session, actor, entity=query.entity, entity_id=query.entity_id, user_id=query.user_id, action=query.action,
        request_id=query.request_id, since=_aware(query.since), until=_aware(query.until),
        after_id=query.before_id, limit=query.limit,
    )
    nxt = rows[-1].id if len(rows) == query.limit else None
    return OperationPage(items=[OperationOut.model_validate(r) for r in rows], next_before_id=nxt)
