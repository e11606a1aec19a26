"""Personal API tokens: created once, stored as SHA-256, resolved into an Actor per request."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, replace

from sqlalchemy import event, select, update
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


@dataclass
class _Cached:
    actor: Actor
    token_id: int
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    at: float


class TokenCache:
    """Recently resolved tokens, kept for a few seconds so a read costs no auth queries.

    A revoked token, an archived or changed user, is honoured at once in this process
    (`forget` is called by those changes) and within `ttl` seconds in other processes.
    """

    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> _Cached | None:
        item = self._items.get(key)
        if item is None or time.monotonic() - item.at > self.ttl:
            return None
        return item

    def put(self, key: str, item: _Cached) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = item

    def forget(self) -> None:
        with self._lock:
            self._items.clear()


cache = TokenCache()


@event.listens_for(Session, "after_flush")
def _forget_changed_users(session: Session, _ctx: object) -> None:
    # Any change to a user or a token (role, scope, archive, revoke) drops the cache in this
    # process; after the commit too, so a request racing the change cannot keep the old state.
    if any(isinstance(o, (User, ApiToken)) for o in (*session.dirty, *session.new, *session.deleted)):
        cache.forget()
        session.info["forget_tokens"] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop("forget_tokens", False):
        cache.forget()


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
    key = hash_token(text)
    now = dates.now()
    # Keyed by database too: one process may serve two databases (tests do, one after another, with the same
    # token texts), and a token of one must never resolve to a user of the other.
    cached = f"{session.get_bind().url}#{key}"
    item = cache.get(cached)
    if item is None:
        item = _resolve(session, key)
        cache.put(cached, item)
    if item.expires_at is not None and item.expires_at <= now:
        raise Unauthorized("token_invalid")
    stale = item.last_used_at is None or now - item.last_used_at >= TOUCH_EVERY
    if stale:
        item.last_used_at = now  # the caller writes it; the cache must not ask again each request
    return replace(item.actor, request_id=request_id), (item.token_id if stale else None)


def _resolve(session: Session, key: str) -> _Cached:
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == key)
    ).first()
    if row is None:
        raise Unauthorized("token_invalid")
    token, user = row
    if token.revoked_at is not None or not user.is_active or user.archived_at is not None:
        raise Unauthorized("token_invalid")
    actor = Actor(
        user_id=user.id, company_id=user.company_id, role=user.role,
        branch_ids=tuple(user.branch_ids), language=user.language,
    )
    return _Cached(actor, token.id, token.expires_at, token.last_used_at, time.monotonic())


def touch(session: Session, token_id: int) -> None:
    """Record that a token was used (throttled by the caller through `authenticate`)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=dates.now()))
