"""The OpenAPI 3.1 document, generated from the routes' own declarations (so it matches the code)."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, json
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from .routes import Endpoint

bp = Blueprint("openapi", __name__)

_ERROR_STATUSES = {
    400: "Malformed request",
    401: "Missing or invalid token",
    403: "Role or branch scope forbids it",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict: stale version or a state that refuses the change",
    413: "Request too large",
    415: "Body must be JSON",
    422: "Validation failed; every field error listed",
    503: "Database busy; nothing saved, retry (Retry-After)",
}

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
        "params": {"type": "object"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "current": {"type": "object"},
        # invalid_state: the moves the record's state allows (server/core/workflow.py).
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
}


REF = "#/components/schemas/{model}"


class Schemas(GenerateJsonSchema):
    """pydantic's JSON schemas, without a `null` default on a field that refuses null.

    `name: Text(200) = None` on a patch means "absent: unchanged"; null itself is refused, so a
    documented `default: null` would be a value the schema forbids (and clients would send it).
    """

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None and not _nullable(json_schema):
            del json_schema["default"]
        return json_schema


def _nullable(schema: JsonSchemaValue) -> bool:
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        return True
    return any(_nullable(s) for s in (*schema.get("anyOf", ()), *schema.get("oneOf", ())))


class SchemaNameClash(RuntimeError):
    """Two different models would be documented under one component name."""


def build(app: Flask) -> dict[str, Any]:
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        meta: Endpoint | None = getattr(app.view_functions.get(rule.endpoint), "cb_endpoint", None)
        if meta is not None:
            routes.append((rule, meta))
    # A body is documented as it is read and an answer as it is written (Decimal: number or text
    # in, text out). All models are named in one pass so that pydantic sees every name at once.
    pairs: list[tuple[Any, JsonSchemaMode]] = []
    for _, meta in routes:
        if meta.body is not None:
            pairs.append((meta.body, "validation"))
        if meta.response is not None:
            pairs.append((meta.response, "serialization"))
    refs, top = models_json_schema(list(dict.fromkeys(pairs)), ref_template=REF, schema_generator=Schemas)
    components: dict[str, Any] = {"Problem": PROBLEM}
    _merge(components, top.get("$defs", {}))
    paths: dict[str, Any] = {}
    for rule, meta in routes:
        path = _openapi_path(rule.rule)
        op: dict[str, Any] = {
            "operationId": rule.endpoint.replace(".", "_"),
            "summary": meta.summary,
            "tags": [meta.tag],
            "parameters": [],
            "responses": {},
        }
        for name in re.findall(r"{(\w+)}", path):  # in the path's order: rule.arguments is a set
            op["parameters"].append({"name": name, "in": "path", "required": True,
                                     "schema": {"type": "integer", "minimum": 0, "maximum": 2**62}})
        if meta.query is not None:
            schema = meta.query.model_json_schema(ref_template=REF, schema_generator=Schemas, mode="validation")
            _merge(components, schema.pop("$defs", {}))
            required = set(schema.get("required", ()))
            for name, prop in schema.get("properties", {}).items():
                param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
                if prop.get("type") == "array":
                    param.update(style="form", explode=True)
                op["parameters"].append(param)
        if meta.method == "POST" and not meta.public and meta.idempotent:
            op["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": False,
                                     "schema": {"type": "string", "maxLength": 200}})
        if meta.body is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(meta.body, "validation")]}}}
        ok: dict[str, Any] = {"description": "OK"}
        if meta.response is not None:
            ok["content"] = {"application/json": {"schema": refs[(meta.response, "serialization")]}}
            # A JSON answer that can also come as a file (reports: `?format=xlsx`).
            ok["content"].update({ct: {"schema": {"type": "string", "format": "binary"}}
                                  for ct in meta.produces if ct != "application/json"})
        elif meta.produces != ("application/json",):
            ok["content"] = {ct: {"schema": {"type": "string", "format": "binary"}} for ct in meta.produces}
        op["responses"][str(meta.status)] = ok
        for status in meta.errors:
            if status == 304:
                op["responses"]["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
                op["parameters"].append({"name": "If-None-Match", "in": "header", "required": False,
                                         "schema": {"type": "string"}})
        for status, text in _ERROR_STATUSES.items():
            if status == 401 and meta.public:
                continue
            op["responses"][str(status)] = {"description": text, "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        if meta.successor is not None:
            op["deprecated"] = True
            op["description"] = f"Deprecated spelling of `{_openapi_path(meta.successor)}`; it goes in release 2."
        if meta.public:
            op["security"] = []
        paths.setdefault(path, {})[meta.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "ClientBase API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule)


def _merge(components: dict[str, Any], defs: dict[str, Any]) -> None:
    """Add pydantic's definitions, refusing a name that two different schemas would share.

    pydantic qualifies a clashing name with its module (`server__parties__schemas__BatchIn`)
    rather than failing; such a name means two models share a class name, and one should be renamed.
    """
    clashes = sorted(name for name in defs if "__" in name)
    for name, schema in defs.items():
        if name in components and components[name] != schema:
            clashes.append(name)
    if clashes:
        raise SchemaNameClash(f"different models share a component name, rename one of each: {', '.join(clashes)}")
    components.update(defs)


@bp.get("/api/v1/openapi.json")
def document() -> Response:
    """The OpenAPI document of this server, without auth."""
    doc = current_app.extensions.get("clientbase.openapi")
    if doc is None:
        doc = current_app.extensions["clientbase.openapi"] = build(current_app)
    return Response(json.dumps(doc), mimetype="application/json")


document.cb_public = True  # type: ignore[attr-defined]
