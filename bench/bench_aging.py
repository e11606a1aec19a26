"""bench_aging: receivables aging per client over 1,000,000 documents, on SQLite and PostgreSQL, against pandas.

The figure is `server.reports.aging.aging()` (all clients grouped, today's open items through the
partial covering index, bucket cutoffs computed once), median of several runs, on both databases.
The baseline loads the same open rows (and, as the naive path would, every row) into pandas and
buckets them there; both answers are compared client by client, so a fast wrong answer shows.

The data is made with bulk inserts (sqlite3 executemany, PostgreSQL COPY), not the ORM: documents
spread over two years before a fixed day, with the recent ones far more often open; about 8% are
open (the exact share is printed), a third of those partly paid; every payment is an allocation row,
so the aging on a past date (rebuilt from allocations, the slow path) can be checked too.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

from .common import OUT, db_revision, ms, out, ratio, remove_db, target

TARGET_S = 0.250
VERSION = 1
# The day the data is "as of": fixed, so a cached data set stays valid and runs are comparable.
TODAY = dt.date(2026, 11, 27)
PG_URL = os.environ.get("CLIENTBASE_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = "bench_aging"
# Mix of documents: bills 5%, sales credit notes 2%, the rest sales invoices; 10% in riel.
BILL_SHARE, CREDIT_SHARE, KHR_SHARE = 0.05, 0.02, 0.10
# A document is open with this chance: recent ones (due within 45 days) often, older ones rarely.
OPEN_RECENT, OPEN_OLD, PARTLY_PAID = 0.60, 0.03, 0.33
KHR_RATE_UNITS = 2_500_000  # 0.00025 USD per riel, in the rate column's units (10^-10)
MANAGERS = 10


def run(ctx: Any) -> None:
    import pandas  # noqa: F401 - imported before timing, as an app that uses it would have it loaded

    n, clients, seed = ctx.invoices, ctx.aging_clients, ctx.seed
    runs = max(3, min(ctx.runs, 9))
    out(f"bench_aging: {n:,} documents, {clients:,} clients, as of {TODAY}; figure = reports.aging.aging() "
        f"per client, median of {runs}; baseline = pandas on the same open rows and on all rows")
    for name, setup in (("sqlite", _sqlite), ("postgresql", _postgresql)):
        try:
            db, meta = setup(n, clients, seed, ctx.fresh)
        except Exception as exc:  # noqa: BLE001 - PostgreSQL may be absent; SQLite's figures still count
            out(f"bench_aging [{name}]: could not prepare the database: {exc}")
            continue
        try:
            _measure(name, db, meta, runs)
        finally:
            db.dispose()


# --- measuring ------------------------------------------------------------------------------------

def _measure(name: str, db: Any, meta: dict[str, Any], runs: int) -> None:
    from server.core import dates
    from server.core.actor import Actor
    from server.reports.aging import aging

    actor = Actor(user_id=meta["owner_id"], company_id=meta["company_id"], role="owner")
    tag = f"bench_aging [{name}]"
    out(f"{tag}: {meta['open']:,} open documents of {meta['documents']:,} ({meta['open'] / meta['documents']:.1%} "
        f"open), {meta['allocations']:,} allocations")
    with dates.frozen(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.timezone.utc)):
        def call(**kw: Any) -> Any:
            with db.read_session() as s, s.begin():
                return aging(s, actor, **kw)

        plan = _plan(db, lambda: call())
        # The figure and its baseline alternate run by run, so load from other processes falls on both.
        (fast, fast_cpu, report), (base_open, _, frame) = _alternate(
            [lambda: call(), lambda: _pandas(db, meta, open_only=True)], runs)
        base_all, _, frame_all = _alternate([lambda: _pandas(db, meta, open_only=False)], 3, warm=False)[0]
        rows = len(report.rows)
        one_id = report.rows[len(report.rows) // 2].key
        one, _, one_report = _alternate([lambda: call(counterparty_id=one_id)], runs)[0]
        yesterday = TODAY - dt.timedelta(days=1)
        # Seconds, not milliseconds: two runs, the first one cold.
        slow, _, past = _alternate([lambda: call(as_of=yesterday)], 2, warm=False)[0]
    problems = []
    mine = {r.key: r.buckets for r in report.rows}
    if frame != mine or frame_all != mine:
        problems.append("RESULTS DIFFER (service and pandas)")
    if {r.key: r.total for r in past.rows} != {r.key: r.total for r in report.rows}:
        problems.append("RESULTS DIFFER (yesterday rebuilt from allocations vs today's open amounts)")
    if [r.total for r in one_report.rows] != [mine_total(report, one_id)]:
        problems.append("WRONG RESULT (one client)")
    flag = "".join(f" {p}" for p in problems)
    out(f"{tag}: aging per client, all clients ({rows:,} rows, total {report.totals.total} {report.currency}): "
        f"median {ms(fast)} ({ms(fast_cpu)} CPU in this process) "
        f"{target(fast <= TARGET_S, f'<= {TARGET_S * 1000:g} ms')}; pandas on the open rows {ms(base_open)} "
        f"(ratio {ratio(base_open, fast)}); pandas on all rows {ms(base_all)} (ratio {ratio(base_all, fast)}){flag}")
    out(f"{tag}: aging of one client: median {ms(one)}")
    out(f"{tag}: aging on a past date (rebuilt from allocations, reads every document; the slow path): "
        f"median {ms(slow)} of 2")
    out(f"{tag}: plan: {plan}")


def mine_total(report: Any, key: int) -> Decimal:
    return next(r.total for r in report.rows if r.key == key)


def _alternate(fns: list[Callable[[], Any]], runs: int, warm: bool = True) -> list[tuple[float, float, Any]]:
    """Median wall and CPU seconds of each function and its last answer, the functions taking turns."""
    for fn in fns if warm else ():
        fn()  # warm: connection pool, statement cache, page cache
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None] * len(fns)
    for _ in range(runs):
        for k, fn in enumerate(fns):
            w0, c0 = time.perf_counter(), time.process_time()
            results[k] = fn()
            cpus[k].append(time.process_time() - c0)
            walls[k].append(time.perf_counter() - w0)
    return [(statistics.median(w), statistics.median(c), r) for w, c, r in zip(walls, cpus, results)]


def _plan(db: Any, fn: Callable[[], Any]) -> str:
    """The database's own plans of the statements the service runs (captured, then EXPLAINed)."""
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "GROUP BY" in statement and "invoices" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    plans = []
    with db.engine.connect() as conn:
        cur = conn.connection.dbapi_connection.cursor()
        # The base-currency statement (index only), then the foreign-currency one (index, then rows).
        for statement, parameters in seen:
            if db.dialect == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                plans.append("; ".join(row[-1] for row in cur.fetchall()))
            else:
                cur.execute("EXPLAIN " + statement, parameters)
                plans.append("; ".join(row[0].strip() for row in cur.fetchall()
                                       if "Scan" in row[0] or "Aggregate" in row[0]))
        conn.rollback()
    return " | ".join(plans)


def _pandas(db: Any, meta: dict[str, Any], *, open_only: bool) -> dict[int, list[Decimal]]:
    """The baseline: read rows into a DataFrame, bucket by days past due, sum per client."""
    import numpy as np
    import pandas as pd
    from sqlalchemy import text

    # Integer units of 10^-4 on both databases, so pandas sums exactly (SQLite stores them so already).
    money = "open_base" if db.dialect == "sqlite" else "(open_base * 10000)::bigint AS open_base"
    amount = "open_amount" if db.dialect == "sqlite" else "(open_amount * 10000)::bigint AS open_amount"
    where = "company_id = :c"
    if open_only:
        where += " AND kind IN ('sale_invoice', 'sale_credit') AND open_amount <> 0"
    with db.engine.connect() as conn:
        df = pd.read_sql_query(text(f"SELECT counterparty_id, kind, due_date, {amount}, {money} FROM invoices "
                                    f"WHERE {where}"), conn, params={"c": meta["company_id"]})
    if not open_only:
        df = df[df["kind"].isin(["sale_invoice", "sale_credit"]) & (df["open_amount"] != 0)]
    days = (pd.Timestamp(TODAY) - pd.to_datetime(df["due_date"])).dt.days
    bucket = pd.cut(days, bins=[-np.inf, 0, 30, 60, 90, np.inf], labels=False, right=True)
    signed = np.where(df["kind"] == "sale_credit", -df["open_base"], df["open_base"])
    table = (pd.DataFrame({"cp": df["counterparty_id"], "b": bucket, "v": signed})
             .groupby(["cp", "b"])["v"].sum().unstack(fill_value=0).reindex(columns=range(5), fill_value=0))
    cent = Decimal("0.01")
    return {int(cp): [(Decimal(int(v)) / 10000).quantize(cent) for v in values]
            for cp, values in zip(table.index, table.to_numpy()) if any(values)}


# --- the data -------------------------------------------------------------------------------------

def _meta(n: int, clients: int, seed: int) -> dict[str, Any]:
    return {"documents": n, "clients": clients, "seed": seed, "data": VERSION, "schema": db_revision(),
            "today": TODAY.isoformat()}


def _sqlite(n: int, clients: int, seed: int, fresh: bool) -> tuple[Any, dict[str, Any]]:
    from server.db import Database

    path = OUT / f"aging-{n}-{clients}-{seed}.sqlite3"
    sidecar = Path(str(path) + ".json")
    want = _meta(n, clients, seed)
    try:
        have = json.loads(sidecar.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        have = {}
    if not fresh and path.exists() and {k: have.get(k) for k in want} == want:
        return Database(f"sqlite:///{path}"), have
    remove_db(str(path))
    out(f"  (writing {n:,} documents into {path.relative_to(OUT.parent.parent)}; not timed)")
    t0 = time.perf_counter()
    ids = _setup(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        con.executemany(
            "INSERT INTO counterparties (id, company_id, kind, person_type, name, name_key, consent_to_mailings, "
            "extra, search_text, version, created_at, updated_at) VALUES (?,?,?,?,?,?,0,'{}','',1,?,?)",
            ((cp, ids["company_id"], "both", "company", name, name.casefold(), STAMP_SQLITE, STAMP_SQLITE)
             for cp, name in _clients(clients, ids["first_client"])))
        stats = Counter()
        con.executemany(
            "INSERT INTO invoices (id, company_id, branch_id, kind, status, number, date, due_date, counterparty_id, "
            "manager_id, currency, rate, net_total, tax_total, total, total_base, open_amount, open_base, version, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,1,?,?)",
            (_sqlite_invoice(d, ids["company_id"]) for d in _documents(n, clients, seed, ids, stats)))
        con.executemany(
            "INSERT INTO allocations (company_id, invoice_id, date, amount, payment_amount, amount_base, "
            "exchange_difference, created_at) VALUES (?,?,?,?,?,?,0,?)",
            ((ids["company_id"], a[0], a[1].isoformat(), a[2], a[2], a[3], STAMP_SQLITE)
             for a in _allocations(n, clients, seed, ids)))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    meta = {**want, **ids, **stats.counts}
    sidecar.write_text(json.dumps(meta), encoding="utf-8")
    out(f"  (written in {time.perf_counter() - t0:.0f} s)")
    return Database(f"sqlite:///{path}"), meta


def _postgresql(n: int, clients: int, seed: int, fresh: bool) -> tuple[Any, dict[str, Any]]:
    from sqlalchemy import create_engine, make_url, text

    from server.db import Database

    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(
        hide_password=False)
    want = _meta(n, clients, seed)
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            comment = conn.execute(text("SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace "
                                        "WHERE nspname = :s"), {"s": PG_SCHEMA}).scalar()
            have = json.loads(comment) if comment else {}
            if not fresh and {k: have.get(k) for k in want} == want:
                return Database(url), have
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    finally:
        admin.dispose()
    out(f"  (writing {n:,} documents into the PostgreSQL schema {PG_SCHEMA} with COPY; not timed)")
    t0 = time.perf_counter()
    ids = _setup(url)
    db = Database(url)
    stats = Counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY counterparties (id, company_id, kind, person_type, name, name_key, consent_to_mailings, "
                      "extra, search_text, version, created_at, updated_at) FROM STDIN") as copy:
            for cp, name in _clients(clients, ids["first_client"]):
                copy.write_row((cp, ids["company_id"], "both", "company", name, name.casefold(), False, "{}", "", 1,
                                STAMP_PG, STAMP_PG))
        with cur.copy("COPY invoices (id, company_id, branch_id, kind, status, number, date, due_date, "
                      "counterparty_id, manager_id, currency, rate, net_total, tax_total, total, total_base, "
                      "open_amount, open_base, version, created_at, updated_at) FROM STDIN") as copy:
            for d in _documents(n, clients, seed, ids, stats):
                copy.write_row(_pg_invoice(d, ids["company_id"]))
        with cur.copy("COPY allocations (company_id, invoice_id, date, amount, payment_amount, amount_base, "
                      "exchange_difference, created_at) FROM STDIN") as copy:
            for a in _allocations(n, clients, seed, ids):
                copy.write_row((ids["company_id"], a[0], a[1], _units(a[2]), _units(a[2]), _units(a[3]), "0",
                                STAMP_PG))
        for table in ("counterparties", "invoices", "allocations"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        meta = {**want, **ids, **stats.counts}
        cur.execute(f"COMMENT ON SCHEMA {PG_SCHEMA} IS " + "'" + json.dumps(meta).replace("'", "''") + "'")
        raw.commit()
        # VACUUM runs outside a transaction: it sets the visibility map and the planner's statistics,
        # as autovacuum would on a live server.
        raw.driver_connection.autocommit = True
        raw.driver_connection.execute("VACUUM ANALYZE")
    finally:
        raw.close()
    out(f"  (written in {time.perf_counter() - t0:.0f} s)")
    return db, meta


STAMP_SQLITE = f"{TODAY.isoformat()} 12:00:00.000000"
STAMP_PG = f"{TODAY.isoformat()} 12:00:00+00"


class Counter:
    def __init__(self) -> None:
        self.counts = {"documents": 0, "open": 0, "allocations": 0}


def _setup(url: str) -> dict[str, Any]:
    """Migrate, then one company with its branches and sales managers (through the app's own code)."""
    from sqlalchemy import func, select

    from server.db import Database
    from server.migrate import upgrade
    from server.org.models import Branch, User
    from server.setup.service import create_company
    from server.parties.models import Counterparty

    from .data import BRANCHES

    db = Database(url)
    upgrade(db.engine)
    with db.write_session() as s, s.begin():
        company, owner, _ = create_company(
            s, name="Aging Bench Trading", country="KH", currency="USD", second_currency="KHR", language="en",
            owner_email="owner@aging-bench.example", owner_name="Bench Owner")
        branches = []
        for code, name, country in BRANCHES:
            b = Branch(company_id=company.id, code=code, name=name, country=country)
            s.add(b)
            s.flush()
            branches.append(b.id)
        managers = []
        for m in range(MANAGERS):
            u = User(company_id=company.id, email=f"manager{m}@aging-bench.example", name=f"Manager {m:02d}",
                     role="sales")
            s.add(u)
            s.flush()
            managers.append(u.id)
        first = (s.scalar(select(func.max(Counterparty.id))) or 0) + 1
        ids = {"company_id": company.id, "owner_id": owner.id, "branches": branches, "managers": managers,
               "first_client": first}
    db.dispose()
    return ids


def _clients(clients: int, first: int) -> Iterator[tuple[int, str]]:
    for k in range(clients):
        yield first + k, f"Client {k:06d}"


def _documents(n: int, clients: int, seed: int, ids: dict[str, Any], stats: Counter) -> Iterator[tuple[Any, ...]]:
    """(id, branch, kind, status, number, date, due, client, manager, currency, rate, total, total_base,
    open, open_base) with money in integer units of 10^-4."""
    rng = random.Random(seed)
    branches, managers, first = ids["branches"], ids["managers"], ids["first_client"]
    numbers = {"sale_invoice": 0, "sale_credit": 0, "bill": 0}
    for doc in range(1, n + 1):
        r = rng.random()
        kind = "bill" if r < BILL_SHARE else "sale_credit" if r < BILL_SHARE + CREDIT_SHARE else "sale_invoice"
        numbers[kind] += 1
        date = TODAY - dt.timedelta(days=1 + rng.randrange(730))
        due = date + dt.timedelta(days=rng.choice((0, 7, 14, 30, 30, 45, 60)))
        khr = rng.random() < KHR_SHARE
        if khr:
            riel = rng.randrange(400, 400_000) * 100
            total, cents = riel * 10_000, (riel + 20) // 40  # 0.00025 USD a riel, half up to the cent
        else:
            cents = rng.randrange(1_000, 500_000)
            total = cents * 100
        total_base = cents * 100
        recent = (TODAY - due).days <= 45
        open_ = rng.random() < (OPEN_RECENT if recent else OPEN_OLD)
        if not open_:
            open_amount = open_base = 0
        elif rng.random() < PARTLY_PAID:
            if khr:
                open_riel = (riel // 200) * 100
                open_amount, open_base = open_riel * 10_000, ((open_riel + 20) // 40) * 100
            else:
                open_amount = open_base = (cents // 2) * 100
        else:
            open_amount, open_base = total, total_base
        stats.counts["documents"] += 1
        stats.counts["open"] += bool(open_amount)
        stats.counts["allocations"] += open_amount != total
        yield (doc, rng.choice(branches), kind, "posted" if open_amount else "paid",
               f"{kind[:2].upper()}-{numbers[kind]:07d}", date, due, first + rng.randrange(clients),
               rng.choice(managers), "KHR" if khr else "USD", KHR_RATE_UNITS if khr else 10_000_000_000,
               total, total_base, open_amount, open_base)


def _allocations(n: int, clients: int, seed: int, ids: dict[str, Any]) -> Iterator[tuple[int, dt.date, int, int]]:
    """One allocation per document paid in whole or in part: what was paid, dated after the document."""
    rng = random.Random(seed + 1)
    for d in _documents(n, clients, seed, ids, Counter()):
        doc, date, total, total_base, open_amount, open_base = d[0], d[5], d[11], d[12], d[13], d[14]
        if open_amount != total:
            paid_on = min(date + dt.timedelta(days=rng.randrange(0, 60)), TODAY - dt.timedelta(days=1))
            yield doc, paid_on, total - open_amount, total_base - open_base


def _sqlite_invoice(d: tuple[Any, ...], company: int) -> tuple[Any, ...]:
    doc, branch, kind, status, number, date, due, cp, mgr, cur, rate, total, tb, open_, ob = d
    return (doc, company, branch, kind, status, number, date.isoformat(), due.isoformat(), cp, mgr, cur, rate,
            total, total, tb, open_, ob, STAMP_SQLITE, STAMP_SQLITE)


def _pg_invoice(d: tuple[Any, ...], company: int) -> tuple[Any, ...]:
    doc, branch, kind, status, number, date, due, cp, mgr, cur, rate, total, tb, open_, ob = d
    return (doc, company, branch, kind, status, number, date, due, cp, mgr, cur, _rate(rate), _units(total), "0",
            _units(total), _units(tb), _units(open_), _units(ob), 1, STAMP_PG, STAMP_PG)


def _units(u: int) -> str:
    """Integer units of 10^-4 as a decimal string (COPY's text for NUMERIC)."""
    return f"{'-' if u < 0 else ''}{abs(u) // 10_000}.{abs(u) % 10_000:04d}"


def _rate(u: int) -> str:
    return f"{u // 10**10}.{u % 10**10:010d}"
