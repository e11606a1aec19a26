"""The OpenAPI document matches the code, and schemathesis finds no server error or schema violation."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel

from server import create_app
from server.routes import Endpoint
from server.openapi import REF, SchemaNameClash, Schemas, build

from tests.factories import RUNS, Api, World, free_port, open_run, problem, wait_healthy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document as served; it is built from the routes alone, so one backend is enough."""
    tmp = tmp_path_factory.mktemp("openapi")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'doc.sqlite3'}", "TESTING": True, "DATA_DIR": str(tmp)})
    try:
        doc: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json
        return doc
    finally:
        app.extensions["clientbase.db"].dispose()


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []
    # The validator resolves references lazily; every one must name a component that exists.
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs and refs <= set(document["components"]["schemas"])


def test_every_body_and_answer_is_documented_as_its_own_model(document: dict[str, Any]) -> None:
    """What a route reads and writes is exactly its model's schema, nested models included, under its own name."""
    app = create_app({"DATABASE_URL": "sqlite:///unused.sqlite3", "TESTING": True})
    components = document["components"]["schemas"]
    checked = 0
    for rule in app.url_map.iter_rules():
        meta: Endpoint | None = getattr(app.view_functions[rule.endpoint], "cb_endpoint", None)
        if meta is None:
            continue
        op = document["paths"][re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)][meta.method.lower()]
        shown = []
        if meta.body is not None:
            shown.append((meta.body, "validation", op["requestBody"]["content"]["application/json"]["schema"]))
        if meta.response is not None:
            ok = op["responses"][str(meta.status)]
            shown.append((meta.response, "serialization", ok["content"]["application/json"]["schema"]))
        for model, mode, schema in shown:
            own = model.model_json_schema(ref_template=REF, schema_generator=Schemas, mode=mode)
            defs = own.pop("$defs", {})
            assert schema == {"$ref": REF.format(model=model.__name__)}, (rule.rule, model)
            assert components[model.__name__] == own, (rule.rule, model)
            for name, sub in defs.items():
                assert components[name] == sub, (rule.rule, model, name)
            checked += 1
    assert checked > 200
    app.extensions["clientbase.db"].dispose()


def test_document_batches_document_the_body_they_read(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    ops = document["paths"]
    body = ops["/api/v1/document-batches"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(components[body["$ref"].rsplit("/", 1)[1]]["required"]) == {"kind", "source_ids"}
    body = ops["/api/v1/clients/batch"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert components[body["$ref"].rsplit("/", 1)[1]]["required"] == ["rows"]
    body = ops["/api/v1/staff-requests/{id}/approve"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(components[body["$ref"].rsplit("/", 1)[1]]["properties"]) == {"version", "note"}


def _app_with(*models: type[BaseModel]) -> Flask:
    app = Flask("clash")
    for i, model in enumerate(models):
        def view() -> str:
            return ""
        view.cb_endpoint = Endpoint(method="POST", roles=("owner",), summary="x", tag="t",  # type: ignore[attr-defined]
                                    body=model)
        app.add_url_rule(f"/r{i}", f"r{i}", view, methods=["POST"])
    return app


def _same_name(fields: dict[str, Any]) -> type[BaseModel]:
    return type("BatchIn", (BaseModel,), {"__annotations__": fields, "__module__": f"m{len(fields)}"})


def test_two_models_of_one_name_fail_the_build() -> None:
    rows, kinds = _same_name({"rows": list}), _same_name({"kind": str, "source_ids": list})
    with pytest.raises(SchemaNameClash, match="BatchIn"):
        build(_app_with(rows, kinds))
    # Nested the clash is caught too: the answer would otherwise show one model for the other.
    outer = type("Outer", (BaseModel,), {"__annotations__": {"batch": kinds}, "__module__": "m3"})
    with pytest.raises(SchemaNameClash, match="BatchIn"):
        build(_app_with(rows, outer))
    # One model on two routes is no clash.
    doc = build(_app_with(rows, rows))
    assert doc["paths"]["/r0"]["post"]["requestBody"] == doc["paths"]["/r1"]["post"]["requestBody"]


def test_payroll_run_memo_is_text(document: dict[str, Any], api: Api, world: World) -> None:
    memo = document["components"]["schemas"]["RunIn"]["properties"]["memo"]
    assert memo["anyOf"] == [{"type": "string", "maxLength": 2000}, {"type": "null"}]
    run = open_run(api, world, memo="April, with the\nbonus for Dara")
    assert run["memo"] == "April, with the\nbonus for Dara"
    assert api.get(f"{RUNS}/{run['id']}").json["memo"] == "April, with the\nbonus for Dara"
    for bad, code in (({"max_length": 5}, "wrong_type"), ("x" * 2001, "too_long"), ("a\x00b", "control_characters")):
        r = api.post(RUNS, {"period": "2026-05", "branch_id": world.branches["PP"], "memo": bad})
        problem(r, 422, "validation_failed", bad, fields={"memo": code})


def test_document_lists_exactly_the_declared_routes(app: Any) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").json
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    declared = set()
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], "cb_endpoint", None)
        if meta is not None:
            declared.add((meta.method, re.sub(r"<(?:int:)?(\w+)>", r"{\1}", rule.rule)))
    assert documented == declared
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"], (method, path)
            assert "security" not in op, f"{method} {path} is documented as open"
            assert "422" in op["responses"] and "401" in op["responses"]


SERVER = """
import sys
from waitress import serve
from server import create_app
from server.migrate import upgrade
from server.setup.service import create_company
app = create_app({"DATABASE_URL": sys.argv[1]})
db = app.extensions["clientbase.db"]
upgrade(db.engine)
with db.write_session() as s, s.begin():
    _, _, token = create_company(s, name="Fuzz Co", country="KH", currency="USD", second_currency="KHR",
                                 language="en", owner_email="owner@fuzz.example", owner_name="Owner")
print(token, flush=True)
serve(app, host="127.0.0.1", port=int(sys.argv[2]), threads=4)
"""

# Every check that is about the server's behaviour against its own document. Not included:
# positive_data_acceptance — our rules (tax id checksums, phone validity, unique codes, known
# filter fields) rightly refuse input that the JSON schema alone cannot describe.
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
    "ignored_auth", "use_after_free", "ensure_resource_availability",
])


def test_schemathesis_against_the_running_server(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), CLIENTBASE_INSTANCE_PATH=str(tmp_path / "instance"))
    log = tmp_path / "server.log"
    with log.open("w") as err, subprocess.Popen(
        [sys.executable, "-c", SERVER, f"sqlite:///{tmp_path / 'fuzz.sqlite3'}", str(port)],
        stdout=subprocess.PIPE, stderr=err, text=True, env=env, cwd=tmp_path,
    ) as server:
        try:
            _run_schemathesis(server, port, env, log)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _run_schemathesis(server: Any, port: int, env: dict[str, str], log: Path) -> None:
    workdir = log.parent
    token = server.stdout.readline().strip()
    assert token.startswith("cb_"), log.read_text()
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base)
    env = dict(env, SCHEMATHESIS_HOOKS="tests.schemathesis_hooks")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "run", f"{base}/api/v1/openapi.json",
         "-H", f"Authorization: Bearer {token}", "--checks", CHECKS, "--max-examples", "5",
         "--phases", "examples,coverage,fuzzing", "--workers", "2", "--seed", "20261128",
         # Revoking would revoke the very token the fuzzer uses; tests/org/test_tokens.py covers it.
         "--exclude-path-regex", "/revoke$"],
        capture_output=True, text=True, timeout=900, env=env, cwd=workdir,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:] + log.read_text()[-3000:]
    assert "generated" in result.stdout and " passed" in result.stdout
