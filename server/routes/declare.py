"""The one way a route is declared: auth and role rule, input parsing, transaction, serialisation.

A view receives parsed input and a Session and calls a service; this module does the rest,
and records what it did so the OpenAPI document is generated from the same declarations.
"""
from __future__ import annotations

import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Protocol

from flask import Blueprint, Flask, Response, current_app, g, request, url_for
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.errors import Conflict, DomainError, FieldError, Forbidden, NotFound, ValidationFailed
from ..core.i18n import negotiate
from ..core.validation import Version, field_errors

MAX_ID = 2**62
ALL_ROLES = ("owner", "accountant", "sales", "warehouse", "hr")
PUBLIC = "public"


@dataclass
class Endpoint:
    """What a route declares; read by the auth test and by the OpenAPI generator."""

    method: str
    roles: tuple[str, ...] | str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    produces: tuple[str, ...] = ("application/json",)
    errors: tuple[int, ...] = ()
    # False where the answer holds a secret (a new token's text) that must not be stored for replay.
    idempotent: bool = True
    # Called when the body fails its shape check, with the fields that passed: the rule errors
    # it returns are reported beside the shape errors, so one answer lists every problem.
    on_invalid: Callable[..., list[FieldError]] | None = None
    # Called with a read session before the write transaction; its answer reaches the view as
    # `prepared`. Long checks done here do not hold SQLite's single write lock.
    prepare: Callable[..., Any] | None = None
    # Set on a deprecated alias (an old spelling of a path): the rule of the path that replaces it.
    successor: str | None = None

    @property
    def public(self) -> bool:
        return self.roles == PUBLIC


def route(
    bp: Blueprint,
    rule: str,
    *,
    method: str = "GET",
    roles: Iterable[str] | str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    produces: tuple[str, ...] = ("application/json",),
    errors: tuple[int, ...] = (),
    idempotent: bool = True,
    on_invalid: Callable[..., list[FieldError]] | None = None,
    prepare: Callable[..., Any] | None = None,
    aliases: Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API route. `roles` is required: there is no route without a role rule.

    `aliases` are old spellings of `rule`, kept for one release: the same handler answers them,
    with `Deprecation: true` and a `Link` to the new path, and the OpenAPI document marks them deprecated.
    """
    roles = roles if roles == PUBLIC else tuple(roles)
    if not roles:
        raise ValueError(f"{rule}: a route needs a role rule")

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else fn.__name__
        meta = Endpoint(
            method=method, roles=roles, summary=summary, tag=bp.name, body=body, query=query,
            response=response, status=status, produces=produces, errors=errors, idempotent=idempotent,
            on_invalid=on_invalid, prepare=prepare,
        )

        @functools.wraps(fn)
        def view(**path: Any) -> Response:
            return _handle(fn, meta, path)

        view.cb_endpoint = meta  # type: ignore[attr-defined]
        bp.add_url_rule(rule, fn.__name__, view, methods=[method])
        for n, alias in enumerate(aliases, 1):
            _add_alias(bp, fn, meta, rule, alias, n)
        return view

    return deco


def _add_alias(bp: Blueprint, fn: Callable[..., Any], meta: Endpoint, rule: str, alias: str, n: int) -> None:
    alias_meta = replace(meta, successor=rule)

    def view(**path: Any) -> Response:
        # Read by _headers, so that error answers on the old path carry the notice too.
        g.successor = url_for(f"{bp.name}.{fn.__name__}", **path)
        return _handle(fn, alias_meta, path)

    view.__doc__ = fn.__doc__
    view.cb_endpoint = alias_meta  # type: ignore[attr-defined]
    bp.add_url_rule(alias, f"{fn.__name__}__deprecated{n}", view, methods=[meta.method])


class Authenticator(Protocol):
    """Who is asking: the org package's tokens, handed over by the app factory (routes know no users)."""

    def authenticate(self, session: Session, header: str | None, *, request_id: str | None = None) -> tuple[Actor, int | None]: ...

    def touch(self, session: Session, token_id: int) -> None: ...


class IdempotencyStore(Protocol):
    """Answers kept per user and Idempotency-Key: the audit package's records, handed over by the app factory."""

    def find(self, session: Session, user_id: int, key: str) -> tuple[str, int, str] | None: ...

    def keep(self, session: Session, user_id: int, key: str, method: str, path: str, request_hash: str, status: int,
             body: str) -> None: ...


def register(app: Flask) -> None:
    """Every answer carries its request id and refuses content sniffing."""
    app.before_request(_request_id)
    app.after_request(_headers)


class Namer(Protocol):
    """Fills `branch`/`manager`/`counterparty` beside their ids in the answer models, for a whole page at once."""

    def __call__(self, session: Session, company_id: int, items: list[BaseModel]) -> None: ...


def hand_over(app: Flask, *, authenticator: Authenticator, idempotency: IdempotencyStore,
              namer: Namer | None = None) -> None:
    """Give the route framework what it must not import: who users are, where answers are kept, what ids name."""
    app.extensions["clientbase.authenticator"] = authenticator
    app.extensions["clientbase.idempotency"] = idempotency
    app.extensions["clientbase.namer"] = namer


def _request_id() -> None:
    g.request_id = new_request_id()


def _headers(resp: Response) -> Response:
    resp.headers["X-Request-Id"] = g.get("request_id", "")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    successor = g.get("successor")
    if successor is not None:
        # A deprecated alias (RFC 9745 Deprecation, RFC 8288 Link to the path that replaces it).
        resp.headers["Deprecation"] = "true"
        resp.headers["Link"] = f'<{successor}>; rel="successor-version"'
    return resp


def _handle(fn: Callable[..., Any], meta: Endpoint, path: dict[str, Any]) -> Response:
    db = current_app.extensions["clientbase.db"]
    auth: Authenticator = current_app.extensions["clientbase.authenticator"]
    write = meta.method != "GET"
    for name, value in path.items():
        # Ids live in 64-bit columns: anything larger cannot exist (and must not overflow the driver).
        if isinstance(value, int) and value > MAX_ID:
            raise NotFound("not_found", params={"entity": name, "id": value})
    actor: Actor | None = None
    if not meta.public:
        with db.read_session() as s:
            actor, stale_token = auth.authenticate(s, request.headers.get("Authorization"), request_id=g.request_id)
        if stale_token is not None:
            with db.write_session() as s, s.begin():
                auth.touch(s, stale_token)
        # An explicit Accept-Language is this request's wish and wins over the user's stored language.
        actor = replace(actor, language=negotiate(request.headers.get("Accept-Language"), actor.language))
        g.actor = actor
        if actor.role not in meta.roles:
            raise Forbidden("role_forbidden", params={"role": actor.role, "allowed": ", ".join(meta.roles)})
    kwargs: dict[str, Any] = dict(path)
    if meta.query is not None:
        kwargs["query"] = parse_query(meta.query)
    raw = b""
    if meta.body is not None:
        raw = request.get_data(cache=True)
        try:
            kwargs["body"] = parse_body(meta.body, raw)
        except ValidationFailed as exc:
            if meta.on_invalid is not None and actor is not None:
                exc.errors.extend(_rule_errors_of_the_rest(db, meta, actor, raw, exc.errors, path))
            raise
    idem_key = request.headers.get("Idempotency-Key") if meta.method == "POST" and meta.idempotent and actor else None
    if meta.prepare is not None and actor is not None:
        with db.read_session() as session, session.begin():
            kwargs["prepared"] = meta.prepare(session, actor=actor, **kwargs)
    session_factory = db.write_session if write else db.read_session
    try:
        with session_factory() as session:
            with session.begin():
                if idem_key:
                    replay = _idempotent_replay(session, actor, idem_key, raw)
                    if replay is not None:
                        return replay
                if actor is not None:
                    kwargs["actor"] = actor
                result = fn(session, **kwargs)
                if actor is not None:
                    _name_ids(session, actor, result)
                response = _serialize(result, meta)
                if idem_key and response.status_code < 500:
                    _idempotent_store(session, actor, idem_key, raw, response)
            return response
    except IntegrityError as exc:
        if idem_key and "idempotency" in str(exc.orig).lower():
            raise Conflict("idempotency_in_progress") from exc
        raise


def _name_ids(session: Session, actor: Actor, result: Any) -> None:
    """Names beside ids: the answer, or the items of a list answer, in one query per kind of name."""
    namer: Namer | None = current_app.extensions.get("clientbase.namer")
    model = result[0] if isinstance(result, tuple) else result
    if namer is None or not isinstance(model, BaseModel):
        return
    items = getattr(model, "items", None)
    namer(session, actor.company_id, [model, *(i for i in items if isinstance(i, BaseModel))]
          if isinstance(items, list) else [model])


def _rule_errors_of_the_rest(db: Any, meta: Endpoint, actor: Actor, raw: bytes, errors: list[FieldError],
                             path: dict[str, Any]) -> list[FieldError]:
    data = json.loads(raw)
    bad = {e.field.split(".", 1)[0] for e in errors}
    rest = {k: v for k, v in data.items() if k not in bad}
    with db.read_session() as session:
        return meta.on_invalid(session, actor, rest, **path)  # type: ignore[misc]


def parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    ctype = (request.mimetype or "").lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise DomainError("unsupported_media_type", status=415)
    try:
        return model.model_validate_json(raw or b"")
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            reason = str((first.get("ctx") or {}).get("error", "invalid JSON"))
            raise DomainError("malformed_json", status=400, params={"reason": reason}) from None
        if first["type"] in ("model_type", "model_attributes_type") and not first.get("loc"):
            raise DomainError("json_object_expected", status=400) from None
        raise ValidationFailed(errors=field_errors(exc)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Query parameters into a model; a parameter declared as a list collects repeated keys."""
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        info = model.model_fields.get(key)
        is_list = info is not None and getattr(info.annotation, "__origin__", None) in (list, tuple)
        if info is not None and not is_list:
            ann = info.annotation
            is_list = any(getattr(a, "__origin__", None) in (list, tuple) for a in getattr(ann, "__args__", ()))
        data[key] = values if is_list else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(errors=field_errors(exc)) from None


def _serialize(result: Any, meta: Endpoint) -> Response:
    status = meta.status
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, BaseModel):
        payload = result.model_dump_json()
    elif result is None:
        return Response(status=204 if status == 200 else status)
    else:
        payload = json.dumps(result, default=_json_default, ensure_ascii=False)
    return Response(payload, status=status, mimetype="application/json")


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _request_hash(raw: bytes) -> str:
    return hashlib.sha256(request.method.encode() + b" " + request.full_path.encode() + b"\n" + raw).hexdigest()


def _idempotent_replay(session: Session, actor: Actor, key: str, raw: bytes) -> Response | None:
    if len(key) > 200 or not key.isprintable():
        raise ValidationFailed(errors=[FieldError("Idempotency-Key", "too_long", {"max": 200})])
    kept = _store().find(session, actor.user_id, key)
    if kept is None:
        return None
    request_hash, status, body = kept
    if request_hash != _request_hash(raw):
        # 422, not 409 (IETF idempotency-key draft: 409 is for a request still in progress).
        raise DomainError("idempotency_key_reused", status=422)
    resp = Response(body, status=status, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _idempotent_store(session: Session, actor: Actor, key: str, raw: bytes, response: Response) -> None:
    _store().keep(session, actor.user_id, key, request.method, request.path[:500], _request_hash(raw),
                  response.status_code, response.get_data(as_text=True))


def _store() -> IdempotencyStore:
    return current_app.extensions["clientbase.idempotency"]


def new_request_id() -> str:
    incoming = request.headers.get("X-Request-Id", "")
    if incoming and len(incoming) <= 64 and incoming.replace("-", "").isalnum():
        return incoming
    return uuid.uuid4().hex


class VersionIn(BaseModel):
    """The body of archive/restore: the version the user last saw."""

    model_config = {"extra": "forbid", "strict": True}
    version: Version
