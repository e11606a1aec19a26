"""bench_lookup: GET /api/v1/clients/<id> requests/s on waitress, load from other processes; baseline werkzeug."""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from typing import Any

from .common import ROOT, cpu_note, out, ratio, server, target

TARGET_RPS = 1500


def run(ctx: Any) -> None:
    fx = ctx.dataset()
    con = sqlite3.connect(fx.path)
    first, last = con.execute("SELECT min(id), max(id) FROM counterparties").fetchone()
    con.close()
    figures = {}
    labels = {
        "waitress": "waitress, 1 process x 4 threads",
        "waitress-2p": "waitress, 2 processes x 4 threads (clientbase serve --processes 2)",
        "werkzeug": "werkzeug development server (run_simple threaded=True), the baseline",
    }
    for kind, label in labels.items():
        with server(kind, fx.url) as srv:
            cpu0 = srv.cpu_seconds()
            load = _load(ctx, srv.port, fx.token, first, last)
            cpu = srv.cpu_seconds() - cpu0
            if kind == "waitress":
                ceiling = _load(ctx, srv.port, fx.token, first, last, path="/healthz", seconds=5)
        rps = load["requests"] / load["seconds"]
        figures[kind] = rps
        note = target(rps >= TARGET_RPS, f">= {TARGET_RPS:,} req/s") if kind != "werkzeug" else ""
        errors = f"; {load['errors']} ERRORS" if load["errors"] else ""
        out(f"bench_lookup: {label}: {rps:,.0f} req/s over {load['seconds']:g} s "
            f"(p50 {load['p50_ms']:.1f} ms, p{'90' if load.get('tool') == 'wrk' else '95'} {load['p95_ms']:.1f} ms; "
            f"{'wrk, 1 thread' if load.get('tool') == 'wrk' else f'{ctx.load_procs} load process(es)'} x "
            f"{ctx.load_threads} keep-alive connections; server {cpu_note(load['seconds'] + 1, cpu)} incl. 1 s warm-up)"
            f"{errors} {note}".rstrip())
    out(f"bench_lookup: for scale, the 1-process waitress server answers GET /healthz (no auth, one SELECT 1) at "
        f"{ceiling['requests'] / ceiling['seconds']:,.0f} req/s with the same load generator")
    for kind in ("waitress", "waitress-2p"):
        out(f"bench_lookup: {labels[kind].split(' (')[0]} {figures[kind]:,.0f} req/s vs werkzeug "
            f"{figures['werkzeug']:,.0f} req/s; ratio {ratio(figures[kind], figures['werkzeug'])}")


WRK_SCRIPT = """
local first, last, token, path = tonumber(os.getenv("CB_FIRST")), tonumber(os.getenv("CB_LAST")), os.getenv("CB_TOKEN"), os.getenv("CB_PATH")
math.randomseed(20261128)
request = function()
  local p = string.gsub(path, "{id}", tostring(math.random(first, last)))
  return wrk.format("GET", p, {["Authorization"] = "Bearer " .. token})
end
"""


def _load(ctx: Any, port: int, token: str, first: int, last: int, path: str = "/api/v1/clients/{id}",
          seconds: float | None = None) -> dict[str, Any]:
    """Load from another process: wrk when installed (C, light on the shared CPU), else bench.loadgen."""
    seconds = seconds or ctx.seconds
    if shutil.which("wrk"):
        return _load_wrk(ctx, port, token, first, last, path, seconds)
    return _load_python(ctx, port, token, first, last, path, seconds)


def _load_wrk(ctx: Any, port: int, token: str, first: int, last: int, path: str, seconds: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT)
    env = dict(os.environ, CB_FIRST=str(first), CB_LAST=str(last), CB_TOKEN=token, CB_PATH=path)
    try:
        result = subprocess.run(
            ["wrk", "-t1", f"-c{ctx.load_threads}", f"-d{int(seconds)}s", "--latency", "-s", fh.name,
             f"http://127.0.0.1:{port}"], capture_output=True, text=True, env=env, timeout=seconds + 60, check=True)
    finally:
        os.unlink(fh.name)
    text = result.stdout
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
        value, unit = float(m.group(1)), m.group(2)  # type: ignore[union-attr]
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"requests": requests, "errors": errors, "seconds": seconds, "p50_ms": pct("50"), "p95_ms": pct("90"),
            "p99_ms": pct("99"), "tool": "wrk"}


def _load_python(ctx: Any, port: int, token: str, first: int, last: int, path: str, seconds: float) -> dict[str, Any]:
    """Run the load generator in `ctx.load_procs` separate processes and add up what they report."""
    cmd = [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--token", token, "--first-id", str(first),
           "--last-id", str(last), "--seconds", str(seconds), "--threads", str(ctx.load_threads), "--path", path]
    procs = [subprocess.Popen(cmd + ["--seed", str(i + 1)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for i in range(ctx.load_procs)]
    reports = []
    for p in procs:
        stdout, _ = p.communicate(timeout=seconds + 120)
        if p.returncode != 0:
            raise RuntimeError(f"load generator failed ({p.returncode})")
        reports.append(json.loads(stdout))
    total = sum(r["requests"] for r in reports)
    return {
        "requests": total, "errors": sum(r["errors"] for r in reports), "seconds": seconds,
        # Percentiles of the busiest process stand for all (they run the same loop).
        **{k: max(reports, key=lambda r: r["requests"])[k] for k in ("p50_ms", "p95_ms", "p99_ms")},
    }
