"""Schemathesis hooks for tests/test_openapi.py: a fresh Idempotency-Key on every well-formed request."""
from __future__ import annotations

import uuid
from typing import Any

import schemathesis


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # A key may not be reused with another body (422, as the idempotency draft says); uniqueness is a
    # rule no schema can state, and the fuzzer draws the same short keys for many requests. Keys drawn
    # to be malformed are left alone so that negative_data_rejection still tries them.
    meta = case.meta
    if case.headers and "Idempotency-Key" in case.headers and meta is not None and meta.generation.mode.is_positive:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
