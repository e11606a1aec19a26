"""The OpenAPI document matches the code, and schemathesis finds no server error or schema violation."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent


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
from server.org.setup import create_company
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
    result = subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "run", f"{base}/api/v1/openapi.json",
         "-H", f"Authorization: Bearer {token}", "--checks", CHECKS, "--max-examples", "15",
         "--phases", "examples,coverage,fuzzing", "--workers", "2", "--seed", "20261128",
         # Revoking would revoke the very token the fuzzer uses; tests/org/test_tokens.py covers it.
         "--exclude-path-regex", "/revoke$"],
        capture_output=True, text=True, timeout=900, env=env, cwd=workdir,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:] + log.read_text()[-3000:]
    assert "generated" in result.stdout and " passed" in result.stdout
