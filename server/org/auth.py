"""Personal API tokens: created once, stored as SHA-256, resolved into an Actor per request."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..core import dates
from ..core.actor import Actor
from ..core.errors import Unauthorized
from .models import ApiToken, User

TOKEN_PREFIX = "cb_"


def hash_token(token: str) -> str:
    # Tokens are 256-bit random strings, so a plain SHA-256 is enough (no password stretching).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; the clear text is returned once and never stored."""
    text = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, prefix=text[:10], token_hash=hash_token(text),
        created_at=dates.now(), expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, text


# last_used_at is written at most this often per token, so reads stay reads.
TOUCH_EVERY = dt.timedelta(minutes=5)


def authenticate(session: Session, header: str | None, *, request_id: str | None = None) -> tuple[Actor, int | None]:
    """Resolve `Authorization: Bearer <token>` into the acting user, or raise 401.

    Also answers the token's id when its last_used_at is due for a refresh (else None).
    """
    if not header:
        raise Unauthorized("unauthorized")
    scheme, _, text = header.partition(" ")
    text = text.strip()
    if scheme.lower() != "bearer" or not text.startswith(TOKEN_PREFIX) or len(text) > 200:
        raise Unauthorized("token_invalid")
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == hash_token(text))
    ).first()
    if row is None:
        raise Unauthorized("token_invalid")
    token, user = row
    now = dates.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        raise Unauthorized("token_invalid")
    if not user.is_active or user.archived_at is not None:
        raise Unauthorized("token_invalid")
    actor = Actor(
        user_id=user.id, company_id=user.company_id, role=user.role,
        branch_ids=tuple(user.branch_ids), language=user.language, request_id=request_id,
    )
    stale = token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY
    return actor, (token.id if stale else None)


def touch(session: Session, token_id: int) -> None:
    """Record that a token was used (throttled by the caller through `authenticate`)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=dates.now()))
