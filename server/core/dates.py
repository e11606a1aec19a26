"""One clock for "now" and "today", which tests can freeze."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Iterator

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    return now().date()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze the clock at `at` (aware) for the duration of the block."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    previous, _frozen = _frozen, at.astimezone(dt.timezone.utc)
    try:
        yield
    finally:
        _frozen = previous
