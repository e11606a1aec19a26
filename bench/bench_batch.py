"""bench_batch: N creates through POST /api/v1/clients/batch on waitress, against the naive ORM path."""
from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from typing import Any

from .common import OUT, adopt_dataset, app_for, cpu_note, fresh_db, out, ratio, remove_db, server, target
from .data import client_rows

TARGET_S_PER_100K = 10.0


def run(ctx: Any) -> None:
    n, chunk = ctx.clients, min(ctx.chunk, ctx.clients)
    fx = fresh_db(str(OUT / "batch.sqlite3"))
    rows = list(client_rows(n, fx.branches, ctx.seed))
    # Bodies are encoded before the clock starts: we time the server, not the client's json.dumps.
    bodies = [json.dumps({"rows": rows[i:i + chunk]}, ensure_ascii=False).encode() for i in range(0, n, chunk)]
    size_mb = sum(len(b) for b in bodies) / 1e6
    with server("waitress", fx.url) as srv:
        answers, per_request, wall, cpu = _send(srv, fx, bodies, connections=1)
    created = _check(answers, n)
    limit = TARGET_S_PER_100K * n / 100_000
    out(f"bench_batch: {n:,} creates via POST /api/v1/clients/batch on waitress "
        f"({len(bodies)} request{'s' if len(bodies) > 1 else ''} x {chunk:,} rows, {size_mb:.0f} MB JSON): {wall:.1f} s, {n / wall:,.0f} rows/s "
        f"[server {cpu_note(wall, cpu)}] {target(wall <= limit, f'<= {limit:g} s')}")
    out(f"bench_batch: per request median {statistics.median(per_request):.2f} s "
        f"(min {min(per_request):.2f} s, max {max(per_request):.2f} s); {created:,} rows answered ok")

    # The same rows into a fresh database through `clientbase serve --processes 2`, two requests at a
    # time: each is checked in its own process while the other one writes.
    fx2 = fresh_db(str(OUT / "batch-2p.sqlite3"))
    with server("waitress-2p", fx2.url) as srv:
        answers2, per_request2, wall2, cpu2 = _send(srv, fx2, bodies, connections=4)
    _check(answers2, n)
    out(f"bench_batch: the same {n:,} creates on 2 server processes, 4 connections at a time: {wall2:.1f} s, "
        f"{n / wall2:,.0f} rows/s [server {cpu_note(wall2, cpu2)}] {target(wall2 <= limit, f'<= {limit:g} s')}")
    remove_db(fx2.path)

    # Baseline: the same rows, the same validation and rules, written the naive way.
    nb = min(ctx.baseline_clients, n)
    base_wall, base_cpu = _naive(rows[:nb])
    extrapolated = base_wall * n / nb
    out(f"bench_batch: naive baseline (ORM session.add(Counterparty(...)) + flush per row through "
        f"service.create_client, same normalise(), one commit; in-process, no HTTP): {nb:,} rows in "
        f"{base_wall:.1f} s ({nb / base_wall:,.0f} rows/s; {cpu_note(base_wall, base_cpu)}) "
        f"-> {extrapolated:.1f} s extrapolated to {n:,}; ratio {ratio(extrapolated, wall)}")
    ctx.fixture = adopt_dataset(fx, n, ctx.seed)


def _send(srv: Any, fx: Any, bodies: list[bytes], connections: int) -> tuple[
        list[tuple[int, bytes]], list[float], float, float]:
    """POST the bodies over `connections` keep-alive connections at once; answers in body order."""
    answers: list[tuple[int, bytes] | None] = [None] * len(bodies)
    per_request: list[float] = []

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=900)
        for i in range(k, len(bodies), connections):
            t = time.perf_counter()
            conn.request("POST", "/api/v1/clients/batch", bodies[i], fx.headers())
            resp = conn.getresponse()
            answers[i] = (resp.status, resp.read())
            per_request.append(time.perf_counter() - t)
        conn.close()

    cpu0, t0 = srv.cpu_seconds(), time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, srv.cpu_seconds() - cpu0
    return [a for a in answers if a is not None], per_request, wall, cpu


def _check(answers: list[tuple[int, bytes]], n: int) -> int:
    ok = 0
    for status, body in answers:
        if status != 200:
            raise RuntimeError(f"batch answered {status}: {body[:500]!r}")
        data = json.loads(body)
        if data["failed"]:
            bad = [r for r in data["results"] if r["status"] != "ok"][:3]
            raise RuntimeError(f"batch refused {data['failed']} rows, e.g. {bad}")
        ok += data["ok"]
    if ok != n:
        raise RuntimeError(f"{ok} rows created, expected {n}")
    return ok


def _naive(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """Validate each row as the batch does, then the single-record path: add, flush, log, per row."""
    from server.parties import schemas, service

    fx = fresh_db(str(OUT / "batch-naive.sqlite3"))
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    actor = fx.actor()
    t0, c0 = time.perf_counter(), time.process_time()
    with db.write_session() as s, s.begin():
        refs = service.Refs.load(s, actor)
        for row in rows:
            data = schemas.ClientIn.model_validate(row["data"], strict=True)
            service.create_client(s, actor, data, refs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    db.dispose()
    remove_db(fx.path)
    return wall, cpu
