"""Fixtures: an app per test on SQLite and, when CLIENTBASE_TEST_DATABASE_URL is set, on PostgreSQL too."""
from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, make_url, text

from server import create_app
from server.core import dates
from server.migrate import upgrade
from server.org.auth import cache as token_cache
from server.models import metadata

# The factories assert, and pytest explains a failed assert only in the modules it rewrites.
pytest.register_assert_rewrite("tests.factories")
from tests.factories import Api, Cli, World, fingerprint, make_world  # noqa: E402 - after the rewrite is registered

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
            # Every table is emptied, so the foreign-key triggers have nothing to protect: skip them (a superuser's
            # setting, which the test server's postgres user is; if refused, the TRUNCATE below does it all).
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join(f"DELETE FROM {name}" for name in reversed(tables))))
            sequences = conn.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")).scalars().all()
            if sequences:
                conn.execute(text("SELECT " + ", ".join(f"setval('{seq}', 1, false)" for seq in sequences)))
    except Exception:  # noqa: BLE001 - the slow way is always right
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


# url → (the world's rows per table, its sequences' values, the World): built once per worker, restored per test.
_pg_worlds: dict[str, tuple[list[tuple[Any, list[dict[str, Any]]]], dict[str, int], World]] = {}


def _restore_pg_world(url: str) -> World:
    """Put the `world` company into the emptied schema: built once, then its rows inserted again (as SQLite copies a file)."""
    engine = _pg_engines.get(url) or _pg_engines.setdefault(url, create_engine(url))
    if url not in _pg_worlds:
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        try:
            world = make_world(app.extensions["clientbase.db"])
        finally:
            app.extensions["clientbase.db"].dispose()
        with engine.begin() as conn:
            rows = [(t, [dict(r._mapping) for r in conn.execute(t.select())]) for t in metadata.sorted_tables]
            sequences = dict(conn.execute(text("SELECT sequencename, last_value FROM pg_sequences "
                                               "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).all())
        _pg_worlds[url] = ([(t, r) for t, r in rows if r], sequences, world)
    else:
        rows, sequences, world = _pg_worlds[url]
        with engine.begin() as conn:
            for table, table_rows in rows:
                conn.execute(table.insert(), table_rows)
            if sequences:
                conn.execute(text("SELECT " + ", ".join(f"setval('{seq}', {value}, true)" for seq, value in sequences.items())))
    # The same token texts come back in every test: what a test before did to its users must not be remembered.
    token_cache.forget()
    return world


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
    if "world" in request.fixturenames:
        _restore_pg_world(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "DATA_DIR": str(tmp_path)})
    yield app
    app.extensions["clientbase.db"].dispose()


@pytest.fixture
def db(app: Any) -> Any:
    return app.extensions["clientbase.db"]


@pytest.fixture
def world(request: pytest.FixtureRequest, database_url: str, db: Any) -> World:
    if database_url.startswith("sqlite"):
        return copy.deepcopy(request.getfixturevalue("sqlite_world_template")[1])
    return copy.deepcopy(_pg_worlds[database_url][2])


@pytest.fixture
def api(app: Any, world: World) -> Api:
    return Api(app, world.tokens["owner"])


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


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The CLI on the test database (SQLite or PostgreSQL), with nothing inherited from the shell."""
    for key in list(os.environ):
        if key.startswith("CLIENTBASE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    c = Cli(database_url, tmp_path / "instance", monkeypatch)
    yield c
    for app in c.apps:
        app.extensions["clientbase.db"].dispose()


@pytest.fixture
def frozen() -> Iterator[None]:
    """The clock stopped at 2026-03-31 09:00 UTC (the day the reports and figures scenarios are read)."""
    with dates.frozen(dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.timezone.utc)):
        yield
