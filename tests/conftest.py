"""Fixtures: an app per test on SQLite and, when CLIENTBASE_TEST_DATABASE_URL is set, on PostgreSQL too."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, inspect, make_url, select, text

from server import create_app
from server.core.actor import Actor
from server.migrate import upgrade
from server.models import metadata

PG_URL = os.environ.get("CLIENTBASE_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    """A private schema in the PostgreSQL test database, migrated once. Unreachable → error, never skip.

    Each run gets its own schema (search_path), so two runs on one server never collide.
    """
    assert PG_URL, "CLIENTBASE_TEST_DATABASE_URL is not set"
    schema = f"cb_test_{os.getpid()}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable: {exc}", pytrace=False)
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    engine = create_engine(url_text)
    upgrade(engine)
    engine.dispose()
    yield url_text
    if url_text in _pg_engines:
        _pg_engines.pop(url_text).dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


_pg_engines: dict[str, Any] = {}


def _empty_pg(url: str) -> None:
    """Empty every table and restart the ids, as TRUNCATE … RESTART IDENTITY would.

    DELETE of a few rows is about twenty times faster than TRUNCATE of every table (which makes new files
    for each); if a delete is refused (a cycle of foreign keys), TRUNCATE does it.
    """
    engine = _pg_engines.get(url) or _pg_engines.setdefault(url, create_engine(url))
    tables = [t.name for t in metadata.sorted_tables]
    try:
        with engine.begin() as conn:
            conn.execute(text("; ".join(f"DELETE FROM {name}" for name in reversed(tables))))
            sequences = conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars().all()
            if sequences:
                conn.execute(text("SELECT " + ", ".join(f"setval('{seq}', 1, false)" for seq in sequences)))
    except Exception:  # noqa: BLE001 - the slow way is always right
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `sqlite_only` run once, on SQLite: what they check does not depend on the backend."""
    keep, dropped = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("database_url")
        (dropped if backend == "postgresql" and item.get_closest_marker("sqlite_only") else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="session")
def sqlite_world_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    """The migrated SQLite file with the `world` company in it, built once and copied for each test that asks for it."""
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "DATA_DIR": str(path.parent)})
    try:
        return path, make_world(app.extensions["clientbase.db"])
    finally:
        app.extensions["clientbase.db"].dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "clientbase.sqlite3"
        # A test that asks for `world` starts from a copy of it: building a company per test is the slow part.
        template = request.getfixturevalue("sqlite_world_template")[0] if "world" in request.fixturenames \
            else request.getfixturevalue("sqlite_template")
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_migrated")
    _empty_pg(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "DATA_DIR": str(tmp_path)})
    yield app
    app.extensions["clientbase.db"].dispose()


@pytest.fixture
def db(app: Any) -> Any:
    return app.extensions["clientbase.db"]


class Api:
    """The test client with a token: `api.get(path)`, `api.post(path, json)` … as a given user."""

    def __init__(self, app: Any, token: str | None, language: str | None = None) -> None:
        self.client = app.test_client()
        self.token = token
        self.language = language

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if self.language:
            h["Accept-Language"] = self.language
        h.update(extra or {})
        return h

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def as_(self, token: str) -> "Api":
        return Api(self.client.application, token, self.language)


@dataclass
class World:
    """A company with three branches and one user (and token) per role, plus a Phnom Penh-only sales user."""

    company_id: int
    branches: dict[str, int]
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def actor(self, role: str = "owner") -> Actor:
        return Actor(user_id=self.users[role], company_id=self.company_id, role=role.split("_")[0])


@pytest.fixture
def world(request: pytest.FixtureRequest, database_url: str, db: Any) -> World:
    if database_url.startswith("sqlite"):
        return copy.deepcopy(request.getfixturevalue("sqlite_world_template")[1])
    return make_world(db)


def make_world(db: Any) -> World:
    from server.org.auth import issue_token
    from server.org.models import Branch, User
    from server.setup.service import create_company

    with db.write_session() as s, s.begin():
        company, owner, token = create_company(
            s, name="Angkor Trading", country="KH", currency="USD", second_currency="KHR", language="en",
            owner_email="owner@angkor.example", owner_name="Sophea Owner")
        branches = {}
        for code, name, country in (("PP", "Phnom Penh", "KH"), ("SR", "Siem Reap", "KH"), ("MOW", "Moscow", "RU")):
            b = Branch(company_id=company.id, code=code, name=name, country=country)
            s.add(b)
            s.flush()
            branches[code] = b.id
        w = World(company.id, branches, users={"owner": owner.id}, tokens={"owner": token})
        for role in ("accountant", "sales", "warehouse", "hr", "sales_pp"):
            u = User(company_id=company.id, email=f"{role}@angkor.example", name=role.title(), role=role.split("_")[0])
            if role == "sales_pp":
                u.branches = [s.get(Branch, branches["PP"])]
            s.add(u)
            s.flush()
            w.users[role] = u.id
            w.tokens[role] = issue_token(s, u, "test")[1]
    return w


@pytest.fixture
def api(app: Any, world: World) -> Api:
    return Api(app, world.tokens["owner"])


def fingerprint(db: Any) -> dict[str, str]:
    """A hash of every row of every table: equal fingerprints mean the database did not change."""
    out = {}
    with db.read_session() as s:
        for table in metadata.sorted_tables:
            # A token's last_used_at is bookkeeping of the request itself, not a change to data.
            cols = [c for c in table.columns if not (table.name == "api_tokens" and c.name == "last_used_at")]
            rows = s.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = hashlib.sha256(json.dumps([list(r) for r in rows], default=str).encode()).hexdigest()
    return out


@pytest.fixture
def unchanged(db: Any) -> Any:
    """`with unchanged(): ...` asserts the block left the database exactly as it found it."""
    from contextlib import contextmanager

    @contextmanager
    def check() -> Iterator[None]:
        before = fingerprint(db)
        yield
        after = fingerprint(db)
        changed = [t for t in before if before[t] != after[t]]
        assert not changed, f"tables changed: {changed}"

    return check


def table_names(db: Any) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def problem(r: Any, status: int, code: str, where: Any = None, *, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Assert the RFC 9457 shape of an error answer and return its body; `fields` maps field → code."""
    assert r.status_code == status, (where, r.status_code, r.get_data(as_text=True))
    assert r.mimetype == "application/problem+json", where
    body = r.json
    assert body["status"] == status and body["code"] == code, (where, body)
    assert body["type"] == f"https://clientbase.local/problems/{code}"
    assert isinstance(body["title"], str) and body["title"] and "{" not in body["title"]
    assert body["request_id"] == r.headers["X-Request-Id"]
    for e in body.get("errors", []):
        assert set(e) == {"field", "code", "message"}, (where, e)
        assert e["field"] and e["code"] and e["message"] and "{" not in e["message"], (where, e)
    if fields is not None:
        assert {e["field"]: e["code"] for e in body["errors"]} == fields, (where, body["errors"])
    return body


def free_port() -> int:
    """A TCP port nobody listens on right now (for servers the tests start)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, seconds: float = 15.0) -> None:
    """Wait until a server started by a test answers /healthz."""
    import time

    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"no server at {base}")
