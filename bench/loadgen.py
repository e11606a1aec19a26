"""Load generator, run as its own process: GET /api/v1/clients/<id> on keep-alive connections in threads.

    python -m bench.loadgen --port P --token T --first-id 1 --last-id 100000 --seconds 10 --threads 8

Prints one JSON object: requests, errors, seconds, latency percentiles.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time


def worker(args: argparse.Namespace, seed: int, start: float, stop: float, result: dict) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {args.token}"}
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    done = errors = 0
    latencies = []
    while True:
        now = time.perf_counter()
        if now >= stop:
            break
        path = args.path.format(id=rng.randint(args.first_id, args.last_id))
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except (OSError, http.client.HTTPException):
            conn.close()  # reconnects on the next request
            ok = False
        end = time.perf_counter()
        if now >= start:  # requests begun during the warm-up are not counted
            done += 1
            errors += not ok
            latencies.append(end - now)
    conn.close()
    result.update(done=done, errors=errors, latencies=latencies)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--first-id", type=int, required=True)
    p.add_argument("--last-id", type=int, required=True)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--path", default="/api/v1/clients/{id}", help="request path; {id} is a random id")
    args = p.parse_args()
    t0 = time.perf_counter()
    start, stop = t0 + args.warmup, t0 + args.warmup + args.seconds
    results = [dict() for _ in range(args.threads)]
    threads = [threading.Thread(target=worker, args=(args, args.seed * 1000 + i, start, stop, results[i]))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(x for r in results for x in r["latencies"])
    pct = lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1)))] if lat else float("nan")  # noqa: E731
    print(json.dumps({
        "requests": sum(r["done"] for r in results), "errors": sum(r["errors"] for r in results),
        "seconds": args.seconds, "p50_ms": pct(0.5) * 1000, "p95_ms": pct(0.95) * 1000, "p99_ms": pct(0.99) * 1000,
    }))


if __name__ == "__main__":
    main()
