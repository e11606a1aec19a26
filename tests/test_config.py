"""Settings layers, the SQLite connection settings, write locking and the request size limit."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from server import create_app
from server.core.i18n import translate

from tests.factories import assert_problem

B = "/api/v1"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No CLIENTBASE_* variables from the caller's shell, and a scratch working directory."""
    for key in list(os.environ):
        if key.startswith("CLIENTBASE_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.fixture
def make_app() -> Iterator[Callable[..., Any]]:
    """create_app, with every engine it opened disposed afterwards."""
    apps: list[Any] = []

    def make(config: dict[str, Any] | None = None) -> Any:
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["clientbase.db"].dispose()


def _write_cfg(folder: Path, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clientbase.cfg").write_text(body, encoding="utf-8")


def test_defaults(clean_env: Any, make_app: Any, tmp_path: Path) -> None:
    app = make_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'data' / 'clientbase.sqlite3'}"
    assert (tmp_path / "data").is_dir()
    assert app.config["DEFAULT_LANGUAGE"] == "en"
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert app.config["AUTO_MIGRATE"] is False
    assert app.instance_path == str(tmp_path / "instance")
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "sqlite"}
    assert (tmp_path / "data" / "clientbase.sqlite3").exists()


def test_data_dir_moves_the_default_database(clean_env: Any, make_app: Any, tmp_path: Path) -> None:
    app = make_app({"DATA_DIR": str(tmp_path / "elsewhere")})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'elsewhere' / 'clientbase.sqlite3'}"
    clean_env.setenv("CLIENTBASE_DATA_DIR", str(tmp_path / "from-env"))
    app = make_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'from-env' / 'clientbase.sqlite3'}"


def test_layers_defaults_then_file_then_environment_then_argument(clean_env: Any, make_app: Any,
                                                                  tmp_path: Path) -> None:
    inst = tmp_path / "inst"
    _write_cfg(inst, "DEFAULT_LANGUAGE = 'ru'\nPAGE_LIMIT_DEFAULT = 10\n"
                     f"DATABASE_URL = 'sqlite:///{tmp_path / 'file.sqlite3'}'\n")
    clean_env.setenv("CLIENTBASE_INSTANCE_PATH", str(inst))
    app = make_app()
    assert app.instance_path == str(inst)
    assert (app.config["DEFAULT_LANGUAGE"], app.config["PAGE_LIMIT_DEFAULT"]) == ("ru", 10)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'file.sqlite3'}"
    assert app.config["PAGE_LIMIT_MAX"] == 1000  # untouched default

    clean_env.setenv("CLIENTBASE_DEFAULT_LANGUAGE", "km")
    clean_env.setenv("CLIENTBASE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    clean_env.setenv("CLIENTBASE_PAGE_LIMIT_DEFAULT", "25")
    app = make_app()
    assert (app.config["DEFAULT_LANGUAGE"], app.config["PAGE_LIMIT_DEFAULT"]) == ("km", 25)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    assert app.extensions["clientbase.db"].url == app.config["DATABASE_URL"]

    app = make_app({"DEFAULT_LANGUAGE": "en", "DATABASE_URL": f"sqlite:///{tmp_path / 'arg.sqlite3'}"})
    assert (app.config["DEFAULT_LANGUAGE"], app.config["PAGE_LIMIT_DEFAULT"]) == ("en", 25)
    assert app.extensions["clientbase.db"].url == f"sqlite:///{tmp_path / 'arg.sqlite3'}"


def test_instance_folder_defaults_to_the_working_directory(clean_env: Any, make_app: Any, tmp_path: Path) -> None:
    _write_cfg(tmp_path / "instance", "DEFAULT_LANGUAGE = 'km'\n")
    assert make_app().config["DEFAULT_LANGUAGE"] == "km"


def test_default_language_applies_to_anonymous_errors(clean_env: Any, make_app: Any, tmp_path: Path) -> None:
    clean_env.setenv("CLIENTBASE_DEFAULT_LANGUAGE", "ru")
    client = make_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}).test_client()
    body = assert_problem(client.get(f"{B}/company"), 401, "unauthorized")
    assert body["title"] == translate("unauthorized", "ru") != translate("unauthorized", "en")
    # The caller's Accept-Language still wins over the default.
    r = client.get(f"{B}/company", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert r.json["title"] == translate("unauthorized", "en")


def _pragmas(url: str, make_app: Any, **config: Any) -> tuple[Any, dict[str, Any]]:
    app = make_app({"DATABASE_URL": url, **config})
    db = app.extensions["clientbase.db"]
    with db.engine.connect() as conn:
        got = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
               for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}
    return db, got


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(clean_env: Any, make_app: Any,
                                                                  tmp_path: Path) -> None:
    _db, got = _pragmas(f"sqlite:///{tmp_path / 'p.sqlite3'}", make_app)
    assert got == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15_000, "synchronous": 1}
    # The busy timeout is a setting, from the environment as a number.
    clean_env.setenv("CLIENTBASE_SQLITE_BUSY_TIMEOUT_MS", "250")
    _db, got = _pragmas(f"sqlite:///{tmp_path / 'q.sqlite3'}", make_app)
    assert got["busy_timeout"] == 250
    # WAL is in the file itself: a plain sqlite3 connection sees it too.
    raw = sqlite3.connect(tmp_path / "q.sqlite3")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_foreign_keys_are_enforced(clean_env: Any, make_app: Any, tmp_path: Path) -> None:
    from server.migrate import upgrade

    app = make_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'fk.sqlite3'}"})
    db = app.extensions["clientbase.db"]
    upgrade(db.engine)
    with pytest.raises(Exception, match="FOREIGN KEY"):
        with db.write_session() as s, s.begin():
            s.execute(text("INSERT INTO branches (company_id, code, name, country, version, created_at, updated_at) "
                           "VALUES (4242, 'X', 'x', 'KH', 1, '2026-01-01', '2026-01-01')"))


def test_write_sessions_begin_immediate_and_reads_run_beside_them(clean_env: Any, make_app: Any,
                                                                 tmp_path: Path) -> None:
    app = make_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'lock.sqlite3'}", "SQLITE_BUSY_TIMEOUT_MS": 50})
    db = app.extensions["clientbase.db"]
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")

    with db.write_session() as first:
        # The first writer has only *read* so far; BEGIN IMMEDIATE has nevertheless taken the write lock.
        assert first.execute(text("SELECT count(*) FROM t")).scalar() == 1
        started = time.monotonic()
        with db.write_session() as second:
            with pytest.raises(OperationalError, match="database is locked"):
                second.execute(text("SELECT count(*) FROM t"))
        assert time.monotonic() - started < 5, "the tiny busy timeout applies"
        # A reader is not blocked by the writer, and does not see its uncommitted rows.
        first.execute(text("INSERT INTO t VALUES (2)"))
        with db.read_session() as reader:
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 1
        first.commit()

    # Once the first commits, the next writer goes ahead.
    with db.write_session() as second, second.begin():
        second.execute(text("INSERT INTO t VALUES (3)"))
    with db.read_session() as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 3


def test_read_sessions_do_not_take_the_write_lock(clean_env: Any, make_app: Any, tmp_path: Path) -> None:
    app = make_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}", "SQLITE_BUSY_TIMEOUT_MS": 50})
    db = app.extensions["clientbase.db"]
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with db.read_session() as reader:
        reader.execute(text("SELECT count(*) FROM t")).scalar()
        with db.write_session() as writer, writer.begin():
            writer.execute(text("INSERT INTO t VALUES (1)"))


def test_requests_over_the_size_limit_get_413(clean_env: Any, make_app: Any, tmp_path: Path,
                                              database_url: str) -> None:
    from server.setup.service import create_company

    clean_env.setenv("CLIENTBASE_MAX_CONTENT_LENGTH", "2000")
    app = make_app({"DATABASE_URL": database_url})
    assert app.config["MAX_CONTENT_LENGTH"] == 2000
    db = app.extensions["clientbase.db"]
    with db.write_session() as s, s.begin():
        _c, _o, token = create_company(s, name="Size Ltd", country="KH", currency="USD", second_currency=None,
                                       language="en", owner_email="size@example.com", owner_name="S")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    ok = client.post(f"{B}/branches", json={"code": "A", "name": "a" * 100, "country": "KH"}, headers=auth)
    assert ok.status_code == 201
    from tests.factories import fingerprint

    before = fingerprint(db)
    big = client.post(f"{B}/branches", json={"code": "B", "name": "b", "country": "KH", "address": "x" * 5000},
                      headers=auth)
    body = assert_problem(big, 413, "payload_too_large")
    assert body["params"]["limit"] == 2000 and "2000" in body["title"]
    assert fingerprint(db) == before
