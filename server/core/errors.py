"""Domain errors: a stable code, named parameters, the offending fields; one handler renders them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field. `field` is a dotted path (`phones.0.number`)."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    """Base of every error a service raises on purpose. Rendered as problem+json."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        *,
        status: int | None = None,
        params: dict[str, Any] | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or type(self).code
        self.status = status or type(self).status
        self.params = params or {}
        self.errors = list(errors or [])
        self.extra = extra or {}
        super().__init__(self.code, self.params, self.errors)


class ValidationFailed(DomainError):
    """Input broke one or more rules; every broken rule is listed in `errors`."""

    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """Stale version, duplicate key, or a record in a state that refuses the change."""

    status = 409
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class ErrorList:
    """Collects field errors so a validator reports every problem, not only the first."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, code: str, **params: Any) -> None:
        self.items.append(FieldError(field, code, params))

    def extend(self, errors: list[FieldError], prefix: str = "") -> None:
        for e in errors:
            self.items.append(FieldError(f"{prefix}{e.field}" if prefix else e.field, e.code, e.params))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        # Only clashes with existing records (a taken code or email) → 409; anything invalid → 422.
        if all(e.code in CONFLICT_CODES for e in self.items):
            raise Conflict("duplicate", errors=self.items)
        raise ValidationFailed(errors=self.items)


CONFLICT_CODES = frozenset({"already_exists"})
