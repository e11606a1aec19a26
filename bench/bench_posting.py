"""bench_posting: N sale invoices of 5 lines posted through the batch path, against the HTTP API one by one."""
from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from typing import Any

from .common import OUT, app_for, cpu_note, fresh_db, out, ratio, remove_db, target

TARGET_PER_S = 500
INVOICES = 5_000
PER_TRANSACTION = 500
BASELINE = 300


def _world(path: str) -> tuple[Any, Any, int, list[int]]:
    """A fresh company with one client, five products and a KHR rate."""
    from server.catalog.models import Product
    from server.currency.models import ExchangeRate
    from server.parties import schemas as ps
    from server.parties import service as parties

    fx = fresh_db(path)
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    with db.write_session() as s, s.begin():
        client = parties.create_client(s, fx.actor(), ps.ClientIn(name="Bench Client", kind="client"))
        products = []
        for i in range(5):
            p = Product(company_id=fx.company_id, sku=f"P-{i}", name=f"Product {i}", kind="goods", unit="pcs",
                        tax_rate=Decimal(10))
            s.add(p)
            s.flush()
            products.append(p.id)
        s.add(ExchangeRate(company_id=fx.company_id, currency="KHR", date=dt.date(2026, 1, 1), rate=Decimal("0.00025")))
        client_id = client.id
    return fx, app, client_id, products


def _body(i: int, fx: Any, client_id: int, products: list[int]) -> dict[str, Any]:
    day = dt.date(2026, 1, 2) + dt.timedelta(days=i % 300)
    khr = i % 4 == 0
    return {
        "kind": "sale_invoice", "branch_id": fx.branches["PP"], "counterparty_id": client_id,
        "date": day.isoformat(), "currency": "KHR" if khr else "USD", "post": True,
        "lines": [{"product_id": p, "qty": str(1 + (i + k) % 7),
                   "unit_price": str(4100 * (k + 1) + i % 97) if khr else f"{(k + 1) * 3 + (i % 97) / 100:.2f}",
                   "discount_percent": "5" if k == 2 else "0"} for k, p in enumerate(products)],
    }


def run(ctx: Any) -> None:
    from server.sales import schemas, service

    n = INVOICES
    OUT.mkdir(parents=True, exist_ok=True)
    fx, app, client_id, products = _world(str(OUT / "posting.sqlite3"))
    db = app.extensions["clientbase.db"]
    items = [schemas.InvoiceIn.model_validate_json(json.dumps(_body(i, fx, client_id, products))) for i in range(n)]
    actor = fx.actor()
    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, n, PER_TRANSACTION):
        with db.write_session() as s, s.begin():
            service.create_invoices(s, actor, items[start:start + PER_TRANSACTION])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    entries, balanced = _check(db, n)
    rate = n / wall
    out(f"bench_posting: {n:,} sale invoices x 5 lines posted through service.create_invoices, "
        f"{PER_TRANSACTION} per transaction, SQLite: {wall:.1f} s, {rate:,.0f} invoices/s with {entries:,} ledger "
        f"entries{' (all balanced)' if balanced else ' UNBALANCED'} [{cpu_note(wall, cpu)}] "
        f"{target(rate >= TARGET_PER_S, f'>= {TARGET_PER_S} invoices/s')}")
    db.dispose()
    remove_db(fx.path)

    # Baseline: the same invoices through the HTTP API, one request each (in-process test client, no sockets).
    fx2, app2, client2, products2 = _world(str(OUT / "posting-http.sqlite3"))
    client = app2.test_client()
    bodies = [json.dumps(_body(i, fx2, client2, products2)).encode() for i in range(BASELINE)]
    t0, c0 = time.perf_counter(), time.process_time()
    for body in bodies:
        r = client.post("/api/v1/invoices", data=body, headers=fx2.headers())
        if r.status_code != 201:
            raise RuntimeError(f"baseline refused an invoice: {r.get_data(as_text=True)[:500]}")
    base_wall, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    base_rate = BASELINE / base_wall
    out(f"bench_posting: baseline POST /api/v1/invoices with \"post\": true, one request per invoice "
        f"(in-process test client): {BASELINE:,} invoices in {base_wall:.1f} s ({base_rate:,.0f} invoices/s; "
        f"{cpu_note(base_wall, base_cpu)}); batch path {ratio(rate, base_rate)} faster")
    app2.extensions["clientbase.db"].dispose()
    remove_db(fx2.path)


def _check(db: Any, n: int) -> tuple[int, bool]:
    """Entries posted and whether every one balances (a fast wrong answer is no answer)."""
    from sqlalchemy import func, select

    from server.ledger.models import JournalEntry, JournalLine
    from server.sales.models import Invoice

    with db.read_session() as s:
        entries = s.scalar(select(func.count()).select_from(JournalEntry))
        posted = s.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == "posted"))
        unbalanced = s.execute(select(JournalLine.entry_id).group_by(JournalLine.entry_id)
                               .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))).first()
    return entries, entries == n and posted == n and unbalanced is None
