"""bench_udfs: =CB_BALANCES over a column of 10,000 clients (one request) against =CB_BALANCE one client at a time.

Both go through the UDF functions themselves (workbook/udfs.py: key conversion, workbook.connection's
HTTP client, Decimal → float) to a waitress server in another process, over HTTP on 127.0.0.1,
as Excel would call them. The data: 10,000 clients (bulk insert) and 3,000 posted sales invoices and
bills through sales.service.create_invoices, so most clients have open documents and some owe
in riel. The keys are the clients' names, as a sheet's column would hold them. Both answers are
compared on the baseline's clients, so a fast wrong answer shows.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from decimal import Decimal
from typing import Any

from .common import OUT, app_for, fresh_db, ms, out, ratio, remove_db, server, target

CLIENTS = 10_000
INVOICES = 3_000
PER_TRANSACTION = 500
BASELINE = 500
SUPPLIERS = 100
TARGET_S = 1.0


def _world(path: str) -> Any:
    """A fresh company with 10,000 clients, three products, a riel rate and 3,000 posted documents."""
    from sqlalchemy import insert, select

    from server.catalog.models import Product
    from server.currency.models import ExchangeRate
    from server.parties.models import Counterparty
    from server.sales import schemas, service

    fx = fresh_db(path)
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    with db.write_session() as s, s.begin():
        s.execute(insert(Counterparty), [
            # The first hundred also supply us (kind "both"): the bills go to them.
            {"company_id": fx.company_id, "kind": "both" if n < SUPPLIERS else "client",
             "name": f"Bench Client {n:05d}", "name_key": f"bench client {n:05d}", "extra": {}, "search_text": ""}
            for n in range(CLIENTS)])
        products = []
        for i in range(3):
            p = Product(company_id=fx.company_id, sku=f"P-{i}", name=f"Product {i}", kind="goods", unit="pcs",
                        tax_rate=Decimal(10))
            s.add(p)
            s.flush()
            products.append(p.id)
        s.add(ExchangeRate(company_id=fx.company_id, currency="KHR", date=dt.date(2026, 1, 1), rate=Decimal("0.00025")))
    with db.read_session() as s:
        ids = list(s.scalars(select(Counterparty.id).order_by(Counterparty.id)))
    items = [schemas.InvoiceIn.model_validate_json(json.dumps(_body(i, fx, ids, products))) for i in range(INVOICES)]
    for start in range(0, INVOICES, PER_TRANSACTION):
        with db.write_session() as s, s.begin():
            service.create_invoices(s, fx.actor(), items[start:start + PER_TRANSACTION])
    db.dispose()
    return fx


def _body(i: int, fx: Any, ids: list[int], products: list[int]) -> dict[str, Any]:
    khr, bill = i % 5 == 0, i % 17 == 0
    return {
        "kind": "bill" if bill else "sale_invoice", "branch_id": fx.branches["PP"],
        # Spread over the clients, some with several documents.
        "counterparty_id": ids[i % SUPPLIERS] if bill else ids[(i * 7919) % len(ids)],
        "date": (dt.date(2026, 1, 2) + dt.timedelta(days=i % 300)).isoformat(),
        "currency": "KHR" if khr else "USD", "post": True,
        "lines": [{"product_id": p, "qty": str(1 + (i + k) % 5),
                   "unit_price": str(4100 * (k + 1) + i % 97) if khr else f"{(k + 1) * 3 + (i % 97) / 100:.2f}"}
                  for k, p in enumerate(products)],
    }


def run(ctx: Any) -> None:
    from workbook import udfs

    OUT.mkdir(parents=True, exist_ok=True)
    fx = _world(str(OUT / "udfs.sqlite3"))
    column = [[f"Bench Client {n:05d}"] for n in range(CLIENTS)]
    runs = max(3, min(ctx.runs, 7))
    saved = {k: os.environ.get(k) for k in ("CLIENTBASE_URL", "CLIENTBASE_TOKEN")}
    try:
        with server("waitress", fx.url) as srv:
            os.environ["CLIENTBASE_URL"] = f"http://127.0.0.1:{srv.port}"
            os.environ["CLIENTBASE_TOKEN"] = fx.token
            udfs.CB_BALANCE(column[0][0])  # warm-up: the server's first request reads the token and the books
            times, cpu0 = [], srv.cpu_seconds()
            for _ in range(runs):
                t0 = time.perf_counter()
                answer = udfs.CB_BALANCES(column)
                times.append(time.perf_counter() - t0)
            server_cpu = (srv.cpu_seconds() - cpu0) / runs
            t0 = time.perf_counter()
            one_by_one = [udfs.CB_BALANCE(row[0]) for row in column[:BASELINE]]
            base_wall = time.perf_counter() - t0
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    bad = [cell for row in answer for cell in row if not isinstance(cell, float)]
    if bad or len(answer) != CLIENTS:
        raise RuntimeError(f"CB_BALANCES answered {len(answer)} rows with {len(bad)} errors: {bad[:3]}")
    if [row[0] for row in answer[:BASELINE]] != one_by_one:
        raise RuntimeError("CB_BALANCES and CB_BALANCE disagree on the baseline's clients")
    owing = sum(1 for row in answer if row[0])
    fig = statistics.median(times)
    extrapolated = base_wall * CLIENTS / BASELINE
    out(f"bench_udfs: =CB_BALANCES over a column of {CLIENTS:,} client names ({owing:,} with open documents, "
        f"{INVOICES:,} documents) as one POST /api/v1/figures/clients to waitress over HTTP: median {ms(fig)} of "
        f"{runs} (min {ms(min(times))}; server CPU {ms(server_cpu)} per call) {target(fig <= TARGET_S, '<= 1 s')}")
    out(f"bench_udfs: baseline =CB_BALANCE one client per request: {BASELINE} in {base_wall:.2f} s "
        f"({ms(base_wall / BASELINE)} each) -> {extrapolated:.1f} s extrapolated to {CLIENTS:,}; "
        f"array form {ratio(extrapolated, fig)} faster")
    remove_db(fx.path)
