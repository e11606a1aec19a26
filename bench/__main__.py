"""`python -m bench [batch] [list] [search] [lookup] [posting] [aging] [documents] [udfs] [workbooks] [import] [payroll] [--clients N]`: run the benchmarks, print the figures."""
from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
import traceback
from dataclasses import dataclass, field

from . import bench_aging, bench_batch, bench_documents, bench_import, bench_list, bench_lookup, bench_payroll, \
    bench_posting, bench_search, bench_udfs, bench_workbooks
from .common import OUT, Fixture, dataset, out

BENCHMARKS = {"batch": bench_batch, "list": bench_list, "search": bench_search, "lookup": bench_lookup,
              "posting": bench_posting, "aging": bench_aging, "documents": bench_documents,
              "udfs": bench_udfs, "workbooks": bench_workbooks, "import": bench_import, "payroll": bench_payroll}


@dataclass
class Context:
    clients: int
    seed: int
    chunk: int
    runs: int
    seconds: float
    baseline_clients: int
    load_procs: int
    load_threads: int
    fresh: bool
    invoices: int = 1_000_000
    aging_clients: int = 20_000
    fixture: Fixture | None = field(default=None)

    def dataset(self) -> Fixture:
        """The N-client database: bench_batch's when it ran, else the cached or a newly seeded one."""
        if self.fixture is None:
            self.fixture = dataset(self.clients, self.seed, fresh=self.fresh)
        return self.fixture


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("benchmarks", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    p.add_argument("--clients", type=int, default=100_000, help="clients in the data set (default 100000)")
    p.add_argument("--seed", type=int, default=20261128)
    p.add_argument("--chunk", type=int, default=10_000, help="rows per batch request (default 10000)")
    p.add_argument("--runs", type=int, default=60, help="timed runs per list/search case (default 60)")
    p.add_argument("--seconds", type=float, default=10.0, help="load duration per server in bench_lookup")
    p.add_argument("--baseline-clients", type=int, default=10_000,
                   help="rows the naive batch baseline writes before extrapolating (default 10000)")
    p.add_argument("--load-procs", type=int, default=1, help="load generator processes (default 1)")
    p.add_argument("--load-threads", type=int, default=8, help="keep-alive connections per load process")
    p.add_argument("--invoices", type=int, default=1_000_000, help="documents in bench_aging's data set")
    p.add_argument("--aging-clients", type=int, default=20_000, help="clients in bench_aging's data set")
    p.add_argument("--fresh", action="store_true", help="re-seed the cached data set even if it matches")
    args = p.parse_args(argv)
    names = args.benchmarks or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = [n for n in BENCHMARKS if n in names]  # batch first: it builds the data set the others read
    ctx = Context(clients=args.clients, seed=args.seed, chunk=args.chunk, runs=args.runs, seconds=args.seconds,
                  baseline_clients=args.baseline_clients, load_procs=args.load_procs,
                  load_threads=args.load_threads, fresh=args.fresh, invoices=args.invoices,
                  aging_clients=args.aging_clients)
    OUT.mkdir(parents=True, exist_ok=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out(f"# ClientBase benchmarks: {', '.join(names)}; {args.clients:,} clients, seed {args.seed}; "
        f"{os.cpu_count()} cores, load average {load} at start; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}")
    t0 = time.perf_counter()
    failed = False
    for name in names:
        try:
            BENCHMARKS[name].run(ctx)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            failed = True
            out(f"bench_{name}: FAILED")
            traceback.print_exc()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out(f"# done in {time.perf_counter() - t0:.0f} s; load average {load} at end")
    # A missed target is a figure, not a failure: only a crash exits non-zero.
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
