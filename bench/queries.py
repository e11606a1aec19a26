"""Timing GET /api/v1/clients cases on an indexed database and on its index-dropped copy."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .common import OUT, Fixture, app_for, drop_indexes, median, ms, out, p95, ratio, remove_db, target


@dataclass
class Case:
    label: str
    params: dict[str, Any]
    # A client id that must be on the first page (a fast wrong answer is no answer).
    expect_id: int | None = None


@dataclass
class Timing:
    api: list[float]
    service: list[float]

    @property
    def api_median(self) -> float:
        return median(self.api)


class Target:
    """One database (indexed or not) with an in-process app, a test client and a service path."""

    def __init__(self, fx: Fixture) -> None:
        from server.parties import query, schemas

        self.fx = fx
        self.app = app_for(fx.url)
        self.db = self.app.extensions["clientbase.db"]
        self.client = self.app.test_client()
        self.headers = fx.headers()
        self._query, self._schemas = query, schemas

    def get(self, params: dict[str, Any]) -> Any:
        resp = self.client.get("/api/v1/clients?" + urlencode(params, doseq=True), headers=self.headers)
        if resp.status_code != 200:
            raise RuntimeError(f"GET /api/v1/clients {params} answered {resp.status_code}: {resp.get_data()[:300]!r}")
        return resp

    def ids(self, params: dict[str, Any]) -> list[int]:
        return [item["id"] for item in self.get(params).get_json()["items"]]

    def service_call(self, params: dict[str, Any]) -> Any:
        """A closure timing server.parties.query.list_clients alone, each call in a fresh session."""
        q = self._schemas.ClientQuery(
            q=params.get("q"), filters=self._query.parse_filter_params(list(params.get("filter", []))),
            sort=self._query.parse_sort_param(params.get("sort")), limit=int(params.get("limit", 50)),
        )
        actor = self.fx.actor()

        def call() -> float:
            with self.db.read_session() as s, s.begin():
                t0 = time.perf_counter()
                self._query.list_clients(s, actor, q)
                return time.perf_counter() - t0

        return call

    def service_times(self, params: dict[str, Any], runs: int) -> list[float]:
        call = self.service_call(params)
        for _ in range(2):
            call()
        return [call() for _ in range(runs)]

    def close(self) -> None:
        self.db.dispose()


def measure_pair(fast: Target, slow: Target, params: dict[str, Any], runs: int,
                 budget_s: float = 15.0) -> tuple[Timing, Timing]:
    """API timings on both databases, interleaved run by run so that load from other processes on the
    machine falls on both alike; the slow side stops early when its runs would exceed `budget_s`."""
    for _ in range(3):
        fast.get(params)
        slow.get(params)
    t0 = time.perf_counter()
    slow.get(params)
    slow_runs = max(10, min(runs, int(budget_s / max(time.perf_counter() - t0, 1e-6))))
    fast_api: list[float] = []
    slow_api: list[float] = []
    for i in range(runs):
        fast_api.append(_time(lambda: fast.get(params)))
        if i < slow_runs:
            slow_api.append(_time(lambda: slow.get(params)))
    return (Timing(fast_api, fast.service_times(params, runs)),
            Timing(slow_api, slow.service_times(params, slow_runs)))


def _time(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def unindexed_copy(fx: Fixture, name: str) -> tuple[Fixture, list[str]]:
    bare = fx.copy(str(OUT / name))
    return bare, drop_indexes(bare.path)


def compare(bench: str, cases: list[Case], fx: Fixture, runs: int, target_s: float, what: str) -> None:
    """Time every case on the indexed database and on the unindexed copy; print one line per case."""
    bare_fx, dropped = unindexed_copy(fx, f"{bench}-unindexed.sqlite3")
    indexed, bare = Target(fx), Target(bare_fx)
    try:
        out(f"{bench}: baseline = the same requests on a copy with these indexes dropped: {', '.join(dropped)}")
        for case in cases:
            fast_ids, slow_ids = indexed.ids(case.params), bare.ids(case.params)
            problems = []
            if fast_ids != slow_ids:
                problems.append("RESULTS DIFFER between indexed and unindexed databases")
            if case.expect_id is not None and case.expect_id not in fast_ids:
                problems.append(f"WRONG RESULT: client {case.expect_id} not found")
            if not fast_ids:
                problems.append("WRONG RESULT: no rows")
            fast, slow = measure_pair(indexed, bare, case.params, runs)
            m = fast.api_median
            out(f"{bench}: {case.label}: {what} median {ms(m)} (p95 {ms(p95(fast.api))}, {len(fast.api)} runs, "
                f"{len(fast_ids)} rows; list_clients alone {ms(median(fast.service))}) "
                f"{target(m <= target_s, f'<= {target_s * 1000:g} ms')}; unindexed baseline {ms(slow.api_median)} "
                f"(list_clients alone {ms(median(slow.service))}, {len(slow.api)} runs); "
                f"ratio {ratio(slow.api_median, m)}" + "".join(f" {p}" for p in problems))
    finally:
        indexed.close()
        bare.close()
        remove_db(bare_fx.path)
