"""What every benchmark shares: a seeded database, timing, targets, and servers in subprocesses."""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


@dataclass
class Fixture:
    """A database with one company, its branches, segments and lead sources, and an owner token."""

    path: str
    company_id: int
    branches: dict[str, int]
    token: str

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def save(self) -> None:
        Path(self.path + ".json").write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: str) -> "Fixture":
        return cls(**json.loads(Path(path + ".json").read_text(encoding="utf-8")))

    def copy(self, path: str) -> "Fixture":
        """A copy of the database file (checkpointed first, so the copy is whole)."""
        checkpoint(self.path)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
        shutil.copyfile(self.path, path)
        return Fixture(path, self.company_id, self.branches, self.token)


def app_for(url: str) -> Any:
    from server import create_app

    return create_app({"DATABASE_URL": url, "DATA_DIR": str(OUT)})


def fresh_db(path: str) -> Fixture:
    """A new, migrated SQLite file with the benchmark company in it."""
    from server.migrate import upgrade
    from server.org.models import Branch
    from server.org.setup import create_company
    from server.parties.models import LeadSource, Segment

    from .data import BRANCHES, LEAD_SOURCES, SEGMENTS

    for suffix in ("", "-wal", "-shm", ".json"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)
    app = app_for(f"sqlite:///{path}")
    db = app.extensions["clientbase.db"]
    upgrade(db.engine)
    with db.write_session() as s, s.begin():
        company, _owner, token = create_company(
            s, name="Bench Trading", country="KH", currency="USD", second_currency="KHR", language="en",
            owner_email="owner@bench.example", owner_name="Bench Owner")
        branches = {}
        for code, name, country in BRANCHES:
            b = Branch(company_id=company.id, code=code, name=name, country=country)
            s.add(b)
            s.flush()
            branches[code] = b.id
        for model, items in ((Segment, SEGMENTS), (LeadSource, LEAD_SOURCES)):
            for code, name in items:
                s.add(model(company_id=company.id, code=code, name=name))
        fx = Fixture(path, company.id, branches, token)
    db.dispose()
    fx.save()
    return fx


def checkpoint(path: str) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def secondary_indexes(path: str) -> list[tuple[str, str]]:
    """(index, table) of the indexes that serve client lists and searches (not primary keys or uniques)."""
    con = sqlite3.connect(path)
    rows = con.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('counterparties', 'counterparty_phones', 'counterparty_tags') "
        # The children's counterparty_id indexes load a page's phones/emails; they are not search indexes.
        "AND name NOT LIKE '%counterparty_id'"
    ).fetchall()
    con.close()
    return rows


def drop_indexes(path: str) -> list[str]:
    """Drop the secondary indexes of the client tables in the SQLite file at `path`."""
    names = [name for name, _ in secondary_indexes(path)]
    con = sqlite3.connect(path)
    for name in names:
        con.execute(f'DROP INDEX "{name}"')
    con.commit()
    con.close()
    return names


def db_revision() -> str:
    """The migration head, so a cached database built by other code is not reused."""
    versions = sorted(p.name for p in (ROOT / "server" / "migrations" / "versions").glob("*.py"))
    return ",".join(versions)


# --- timing ---------------------------------------------------------------------------------

def timed(fn: Callable[[], Any], runs: int, warmup: int = 3) -> list[float]:
    """Seconds per call of `fn`, after a few warm-up calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def target(ok: bool, text: str) -> str:
    """`(target <= 50 ms: met)` or the loud form when missed."""
    return f"(target {text}: met)" if ok else f"TARGET MISSED (target {text})"


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}x" if fast > 0 else "n/a"


def out(line: str) -> None:
    print(line, flush=True)


# --- servers in subprocesses ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_CODE = {
    "waitress": (
        "import os, waitress; from server import create_app; "
        "app = create_app({'DATABASE_URL': os.environ['CLIENTBASE_DATABASE_URL']}); "
        "waitress.serve(app, host='127.0.0.1', port=int(os.environ['BENCH_PORT']), threads=8, "
        "ident='clientbase', _quiet=True)"
    ),
    "werkzeug": (
        "import os, logging; from werkzeug.serving import run_simple; from server import create_app; "
        "logging.getLogger('werkzeug').setLevel(logging.ERROR); "
        "app = create_app({'DATABASE_URL': os.environ['CLIENTBASE_DATABASE_URL']}); "
        "run_simple('127.0.0.1', int(os.environ['BENCH_PORT']), app, threaded=True)"
    ),
}


@contextlib.contextmanager
def server(kind: str, url: str) -> Iterator[int]:
    """A ClientBase server (waitress or werkzeug's development server) in a subprocess; yields its port."""
    port = free_port()
    env = dict(os.environ, CLIENTBASE_DATABASE_URL=url, BENCH_PORT=str(port), PYTHONPATH=str(ROOT))
    env.pop("CLIENTBASE_AUTO_MIGRATE", None)
    proc = subprocess.Popen([sys.executable, "-c", SERVER_CODE[kind]], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_ready(port, proc)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")
