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
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


@dataclass
class Fixture:
    """A database with one company, its branches, segments and lead sources, and an owner token."""

    path: str
    company_id: int
    owner_id: int
    branches: dict[str, int]
    token: str
    # What the database holds: {"clients": n, "seed": s, "data": generator version, "schema": migrations}.
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def save(self) -> None:
        Path(self.path + ".json").write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: str) -> "Fixture | None":
        try:
            return cls(**json.loads(Path(path + ".json").read_text(encoding="utf-8")))
        except (FileNotFoundError, TypeError, ValueError):
            return None

    def actor(self) -> Any:
        from server.core.actor import Actor

        return Actor(user_id=self.owner_id, company_id=self.company_id, role="owner")

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}

    def copy(self, path: str) -> "Fixture":
        """A copy of the database file (checkpointed first, so the copy is whole)."""
        checkpoint(self.path)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
        shutil.copyfile(self.path, path)
        copied = replace(self, path=path)
        copied.save()
        return copied


def app_for(url: str) -> Any:
    from server import create_app

    return create_app({"DATABASE_URL": url, "DATA_DIR": str(OUT)})


def fresh_db(path: str) -> Fixture:
    """A new, migrated SQLite file with the benchmark company in it."""
    from server.migrate import upgrade
    from server.org.models import Branch
    from server.setup.service import create_company
    from server.parties.models import LeadSource, Segment

    from .data import BRANCHES, LEAD_SOURCES, SEGMENTS

    remove_db(path)
    app = app_for(f"sqlite:///{path}")
    db = app.extensions["clientbase.db"]
    upgrade(db.engine)
    with db.write_session() as s, s.begin():
        company, owner, token = create_company(
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
        fx = Fixture(path, company.id, owner.id, branches, token)
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
    """The migrations present, so a cached database built by other code is not reused."""
    versions = sorted(p.name for p in (ROOT / "server" / "migrations" / "versions").glob("*.py"))
    return ",".join(versions)


def dataset_meta(clients: int, seed: int) -> dict[str, Any]:
    from .data import VERSION

    return {"clients": clients, "seed": seed, "data": VERSION, "schema": db_revision()}


def dataset_path(clients: int, seed: int) -> str:
    return str(OUT / f"clients-{clients}-{seed}.sqlite3")


def dataset(clients: int, seed: int, *, fresh: bool = False) -> Fixture:
    """The database with `clients` generated clients: the cached one if it matches, else seeded now.

    Seeding goes through the batch service in-process (not timed); bench_batch leaves its
    database here, so a full run seeds once.
    """
    path = dataset_path(clients, seed)
    meta = dataset_meta(clients, seed)
    cached = Fixture.load(path)
    if not fresh and cached is not None and cached.meta == meta and Path(path).exists():
        return cached
    from server.parties.service import apply_batch

    from .data import client_rows

    out(f"  (seeding {clients:,} clients into {os.path.relpath(path, ROOT)} through the batch service; not timed)")
    fx = fresh_db(path)
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    rows = client_rows(clients, fx.branches, seed)
    done = 0
    while done < clients:
        chunk = [next(rows) for _ in range(min(10_000, clients - done))]
        with db.write_session() as s, s.begin():
            results = apply_batch(s, fx.actor(), chunk, max_rows=100_000)
        bad = [r for r in results if r["status"] != "ok"]
        if bad:
            raise RuntimeError(f"seeding refused rows: {bad[:3]}")
        done += len(chunk)
    db.dispose()
    fx.meta = meta
    fx.save()
    return fx


def adopt_dataset(fx: Fixture, clients: int, seed: int) -> Fixture:
    """Keep a database built by bench_batch as the cached data set for the other benchmarks (moved, not copied)."""
    path = dataset_path(clients, seed)
    checkpoint(fx.path)
    remove_db(path)
    os.replace(fx.path, path)
    remove_db(fx.path)
    adopted = replace(fx, path=path, meta=dataset_meta(clients, seed))
    adopted.save()
    return adopted


def remove_db(path: str) -> None:
    """A SQLite file, its WAL and shared-memory files, and the fixture's sidecar."""
    for suffix in ("", "-wal", "-shm", ".json"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path + suffix)


def client_count(path: str) -> int:
    con = sqlite3.connect(path)
    n = con.execute("SELECT count(*) FROM counterparties").fetchone()[0]
    con.close()
    return n


# --- timing ---------------------------------------------------------------------------------

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


def cpu_note(wall: float, cpu: float) -> str:
    """CPU seconds beside wall seconds: the machine is shared, CPU time is the steadier figure."""
    return f"{cpu:.2f} s CPU for {wall:.2f} s wall"


# --- servers in subprocesses ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER_CODE = {
    "waitress": (
        "import os, waitress; from server import create_app; "
        "app = create_app({'DATABASE_URL': os.environ['CLIENTBASE_DATABASE_URL']}); "
        "waitress.serve(app, host='127.0.0.1', port=int(os.environ['BENCH_PORT']), threads=4, "
        "ident='clientbase', _quiet=True)"
    ),
    # What `clientbase serve --processes 2` runs: two workers sharing the port.
    "waitress-2p": (
        "import os; from server import create_app; from server.serve import run; "
        "run(lambda: create_app({'DATABASE_URL': os.environ['CLIENTBASE_DATABASE_URL']}), host='127.0.0.1', "
        "port=int(os.environ['BENCH_PORT']), threads=4, processes=2)"
    ),
    "werkzeug": (
        "import os, logging; from werkzeug.serving import run_simple; from server import create_app; "
        "logging.getLogger('werkzeug').setLevel(logging.ERROR); "
        "app = create_app({'DATABASE_URL': os.environ['CLIENTBASE_DATABASE_URL']}); "
        "run_simple('127.0.0.1', int(os.environ['BENCH_PORT']), app, threaded=True)"
    ),
}


@dataclass
class Server:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (Linux /proc)."""
        try:
            pids = [self.pid, *map(int, Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split())]
            total = 0
            for pid in pids:  # the server and its worker processes, if it has any
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            return total / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")


@contextlib.contextmanager
def server(kind: str, url: str) -> Iterator[Server]:
    """A ClientBase server (waitress or werkzeug's development server) in a subprocess."""
    port = free_port()
    env = dict(os.environ, CLIENTBASE_DATABASE_URL=url, BENCH_PORT=str(port), PYTHONPATH=str(ROOT))
    env.pop("CLIENTBASE_AUTO_MIGRATE", None)
    # stderr to a file, never an unread pipe: waitress logs its queue depth under load, and a full
    # pipe would stall the server mid-benchmark.
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-c", SERVER_CODE[kind]], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            _wait_ready(port, proc, err)
            yield Server(port, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(port: int, proc: subprocess.Popen, err: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err.seek(0)
            raise RuntimeError(f"server exited: {err.read().decode(errors='replace')[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")
