"""The one error handler: every failure leaves as application/problem+json (RFC 9457)."""
from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from .errors import DomainError
from .i18n import negotiate, translate

log = logging.getLogger("clientbase")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "route_not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def request_language() -> str:
    actor = g.get("actor")
    if actor is not None:
        return actor.language
    return negotiate(request.headers.get("Accept-Language"), current_app.config["DEFAULT_LANGUAGE"])


def problem(status: int, code: str, params: dict[str, Any] | None = None, errors: list[Any] = (),
            extra: dict[str, Any] | None = None) -> Response:
    lang = request_language()
    params = params or {}
    body: dict[str, Any] = {
        "type": f"https://clientbase.local/problems/{code}",
        "title": translate(code, lang, **params),
        "status": status,
        "code": code,
        "request_id": g.get("request_id"),
    }
    if params:
        body["params"] = {k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in params.items()}
    if errors:
        body["errors"] = [
            {"field": e.field, "code": e.code, "message": translate(e.code, lang, **e.params)} for e in errors
        ]
    if extra:
        body.update(extra)
    return Response(
        json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype="application/problem+json"
    )


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return problem(exc.status, exc.code, exc.params, exc.errors, exc.extra)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "bad_request")
        params: dict[str, Any] = {}
        if status == 405:
            params["method"] = request.method
        if status == 413:
            params["limit"] = current_app.config["MAX_CONTENT_LENGTH"]
        resp = problem(status, code, params)
        if status == 405 and getattr(exc, "valid_methods", None):
            resp.headers["Allow"] = ", ".join(exc.valid_methods)
        return resp

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        # Validation runs first, so this is a race: two users wrote the same unique value at once.
        log.warning("integrity error in %s %s: %s", request.method, request.path, exc.orig)
        return problem(409, "conflict")

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Response:
        if "locked" in str(exc.orig).lower() or "could not serialize" in str(exc.orig).lower():
            resp = problem(503, "busy")
            resp.headers["Retry-After"] = "1"
            return resp
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error in %s %s", request.method, request.path)
        if current_app.config.get("PROPAGATE_UNEXPECTED"):
            raise exc
        return problem(500, "internal_error")
