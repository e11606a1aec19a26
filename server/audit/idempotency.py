"""The idempotency store the route framework is handed: one kept answer per user and Idempotency-Key."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..core import dates
from .models import IdempotencyRecord


def find(session: Session, user_id: int, key: str) -> tuple[str, int, str] | None:
    """The kept (request hash, status, body) for this user's key, or None."""
    rec = session.query(IdempotencyRecord).filter_by(user_id=user_id, key=key).one_or_none()
    return None if rec is None else (rec.request_hash, rec.status, rec.body)


def keep(session: Session, user_id: int, key: str, method: str, path: str, request_hash: str, status: int,
         body: str) -> None:
    """Keep an answer for replay; a second request racing with the same key fails on the unique index."""
    session.add(IdempotencyRecord(user_id=user_id, key=key, method=method, path=path, request_hash=request_hash,
                                  status=status, body=body, created_at=dates.now()))
    session.flush()
