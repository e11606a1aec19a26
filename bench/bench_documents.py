"""bench_documents: one-page invoices with a 20-line table (barcode and QR included), docx and PDF.

Figures, all in this run:
- docxtpl as its README shows it (load, render, save per document), one process: the baseline;
- our compiled engine, one process;
- our engine in the batch's pool of 2 processes (the target: ≥ 100 invoices/s), start-up included;
- the whole batch path (contexts from the database, numbers, rendering in the pool, registering);
- PDF: one LibreOffice run for a batch, against one run per document.
"""
from __future__ import annotations

import io
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from .common import out, ratio, target

TARGET_PER_S = 100
DOCS = 2_000
BASELINE_DOCS = 150
PDF_DOCS = 60


def _jobs(n: int) -> list[tuple[bytes, dict[str, Any], str, str]]:
    from server.documents.kinds import sample_context
    from server.documents.service import shipped_template_path

    template = shipped_template_path("invoice", "en").read_bytes()
    base = sample_context("invoice", "en", lines=20)
    jobs = []
    for i in range(n):
        ctx = dict(base, doc=dict(base["doc"], number=f"INV-PP-2026-{i + 1:06d}"))
        jobs.append((template, ctx, ctx["totals"]["total"], "USD"))
    return jobs


def _stock_docxtpl(job: tuple[bytes, dict[str, Any], str, str]) -> bytes:
    from docxtpl import DocxTemplate

    from server.documents.context import with_codes
    from server.documents.engine import ENV

    template, ctx, total, cur = job
    ctx = with_codes(ctx, total, cur)
    tpl = DocxTemplate(io.BytesIO(template))
    # docxtpl's own InlineImage for the two pictures, as a docxtpl user would write it.
    from docx.shared import Mm
    from docxtpl import InlineImage
    ctx = dict(ctx, barcode=InlineImage(tpl, io.BytesIO(ctx["barcode"].png), width=Mm(55)),
               qr=InlineImage(tpl, io.BytesIO(ctx["qr"].png), width=Mm(22)))
    tpl.render(ctx, jinja_env=ENV)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def run(ctx: Any) -> None:
    from server.documents import pdf
    from server.documents.batch import render_one

    jobs = _jobs(DOCS)

    t0 = time.perf_counter()
    for job in jobs[:BASELINE_DOCS]:
        _stock_docxtpl(job)
    stock = BASELINE_DOCS / (time.perf_counter() - t0)
    out(f"bench_documents: docxtpl load+render+save, 1 process: {stock:,.0f} invoices/s (baseline)")

    render_one(jobs[0])  # compile once, as a worker does on its first document
    t0 = time.perf_counter()
    for job in jobs[:500]:
        render_one(job)
    single = 500 / (time.perf_counter() - t0)
    out(f"bench_documents: compiled engine, 1 process: {single:,.0f} invoices/s ({ratio(1 / stock, 1 / single)})")

    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as ex:
        started = time.perf_counter()
        list(ex.map(render_one, jobs[:8], chunksize=4))  # warm: both workers imported and compiled
        warm = time.perf_counter()
        sizes = [len(d) for d in ex.map(render_one, jobs, chunksize=16)]
        done = time.perf_counter()
    pool_rate = DOCS / (done - warm)
    with_start = (DOCS + 8) / (done - t0)
    out(f"bench_documents: compiled engine, pool of 2: {pool_rate:,.0f} invoices/s "
        f"({with_start:,.0f}/s with the pool's {warm - started:.1f} s start-up), "
        f"{ratio(1 / stock, 1 / pool_rate)} — {target(pool_rate >= TARGET_PER_S, f'≥ {TARGET_PER_S}/s')}; "
        f"{sum(sizes) / len(sizes) / 1024:.0f} KB per document")

    _end_to_end()

    one = render_one(jobs[0])
    if not pdf.available():
        out("bench_documents: PDF not measured: LibreOffice is not installed (make system-packages)")
        return
    from pypdf import PdfReader

    files = {f"{i}.docx": render_one(job) for i, job in enumerate(jobs[:PDF_DOCS])}
    t0 = time.perf_counter()
    pdfs = pdf.convert(files)
    batch_rate = PDF_DOCS / (time.perf_counter() - t0)
    pages = len(PdfReader(io.BytesIO(pdfs["0.docx"])).pages)
    t0 = time.perf_counter()
    for i in range(3):
        pdf.convert({"x.docx": one})
    single_rate = 3 / (time.perf_counter() - t0)
    out(f"bench_documents: PDF, one LibreOffice run for {PDF_DOCS}: {batch_rate:,.1f} invoices/s; "
        f"one run per document {single_rate:,.2f}/s ({ratio(1 / single_rate, 1 / batch_rate)}); "
        f"the invoice is {pages} page(s)")


END_TO_END = 1_000


def _end_to_end() -> None:
    """The batch service on a real database: contexts from the records, rendering in the pool, registering."""
    import datetime as dt
    from decimal import Decimal

    from server.catalog.models import Product
    from server.documents import batch as batches
    from server.currency.models import ExchangeRate
    from server.parties import schemas as ps
    from server.parties import service as parties
    from server.sales import schemas, service

    from .common import OUT, app_for, fresh_db, remove_db

    OUT.mkdir(parents=True, exist_ok=True)
    fx = fresh_db(str(OUT / "documents.sqlite3"))
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    actor = fx.actor()
    with db.write_session() as s, s.begin():
        client = parties.create_client(s, actor, ps.ClientIn(name="Mekong Foods Ltd.", kind="client",
                                                             tax_id="K002-109876543")).id
        products = []
        for i in range(20):
            p = Product(company_id=fx.company_id, sku=f"RICE-{i:03d}", name=f"Jasmine rice, grade {i}",
                        kind="goods", unit="bag", tax_rate=Decimal(10))
            s.add(p)
            s.flush()
            products.append(p.id)
        s.add(ExchangeRate(company_id=fx.company_id, currency="KHR", date=dt.date(2026, 1, 1), rate=Decimal("0.00025")))
    bodies = [schemas.InvoiceIn(kind="sale_invoice", branch_id=fx.branches["PP"], counterparty_id=client,
                                date=dt.date(2026, 3, 1) + dt.timedelta(days=i % 200), post=True,
                                lines=[schemas.LineIn(product_id=p, qty=Decimal(k % 4 + 1),
                                                      unit_price=Decimal("12.50") + k)
                                       for k, p in enumerate(products)]) for i in range(END_TO_END)]
    ids: list[int] = []
    for start in range(0, END_TO_END, 250):
        with db.write_session() as s, s.begin():
            ids += service.create_invoices(s, actor, bodies[start:start + 250])
    batches.pool(2)  # the server keeps its pool; its start-up is not the batch's
    with db.write_session() as s, s.begin():
        batch_id = batches.start_batch(s, actor, "invoice", ids, "en", False).id
    t0 = time.perf_counter()
    result = batches.run_batch(db, actor, batch_id)
    wall = time.perf_counter() - t0
    rate = len(result.document_ids) / wall
    out(f"bench_documents: the batch service end to end ({END_TO_END:,} posted invoices x 20 lines: contexts from "
        f"SQLite, pool of 2, registered with their files): {wall:.1f} s, {rate:,.0f} invoices/s "
        f"{target(rate >= TARGET_PER_S, f'≥ {TARGET_PER_S}/s')}")
    db.dispose()
    remove_db(fx.path)
