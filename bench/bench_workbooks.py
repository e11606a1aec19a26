"""bench_workbooks: clients.xlsm synced headless with 100,000 clients: the first pull, then 1,000 edits pushed.

Each Sync prints its time split (open, read, diff, request, pull, write, save); the baseline is the
same table written cell by cell through the same engine, measured on a slice and scaled up.
"""
from __future__ import annotations

import shutil
import time
from typing import Any

from .common import OUT, checkpoint, out, ratio, server, target

TARGET_S = 30.0
EDITS = 1_000
BASELINE_ROWS = 2_000


def _split(summary: Any, opened: float) -> str:
    parts = {"open": opened, **summary.timings}
    return ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())


def run(ctx: Any) -> None:
    import xlwings as xw

    from workbook import clients, engine
    from workbook.build import build
    from workbook.connection import Connection
    from workbook.layout import CLIENTS, CLIENTS_BOOK, FIRST_ROW

    fx = ctx.dataset()
    checkpoint(fx.path)
    db_path = OUT / "workbooks.sqlite3"
    shutil.copy(fx.path, db_path)  # the edits must not change the shared data set
    folder = OUT / "workbooks"
    shutil.rmtree(folder, ignore_errors=True)
    engine.activate()
    with server("waitress", f"sqlite:///{db_path}") as srv:
        base = f"http://127.0.0.1:{srv.port}"
        conn = Connection(url=base, token=fx.token, timeout=600)
        path = build(CLIENTS_BOOK, folder, "en", base, {})

        t0 = time.perf_counter()
        book = xw.Book(str(path))
        opened = time.perf_counter() - t0
        pull = clients.sync(book, conn)
        book.close()
        wall = time.perf_counter() - t0
        out(f"bench_workbooks: first Sync of clients.xlsm, {pull.pulled:,} clients pulled headless: {wall:.1f} s "
            f"({_split(pull, opened)})")

        book = xw.Book(str(path))
        sheet = book.sheets[CLIENTS.sheet_name("en")]
        notes = CLIENTS.index("notes") + 1
        for i in range(EDITS):  # a person's edits: one cell each, spread over the table
            sheet.range((FIRST_ROW + i * (pull.pulled // EDITS), notes)).value = f"called back, note {i}"
        book.save()
        book.close()

        t0 = time.perf_counter()
        book = xw.Book(str(path))
        opened = time.perf_counter() - t0
        push = clients.sync(book, conn)
        book.close()
        wall = time.perf_counter() - t0
        ok = push.updated == EDITS and push.refused == 0
        out(f"bench_workbooks: Sync of {EDITS:,} edits into {push.pulled:,} clients (push, then pull): {wall:.1f} s "
            f"({_split(push, opened)}); {push.updated:,} updated{'' if ok else ' WRONG RESULT'} "
            f"{target(wall <= TARGET_S, f'≤ {TARGET_S:g} s')}")

        # Baseline: the same rows written one cell at a time through the same engine.
        book = xw.Book(str(path))
        sheet = book.sheets[CLIENTS.sheet_name("en")]
        body = sheet.range((FIRST_ROW, 1), (FIRST_ROW + BASELINE_ROWS - 1, len(CLIENTS.columns))).value
        t0 = time.perf_counter()
        for r, row in enumerate(body):
            for c, value in enumerate(row):
                sheet.range((FIRST_ROW + r, c + 1)).value = value
        per_row = (time.perf_counter() - t0) / BASELINE_ROWS
        t0 = time.perf_counter()
        sheet.range((FIRST_ROW, 1)).value = body
        bulk_per_row = (time.perf_counter() - t0) / BASELINE_ROWS
        book.close()
        scaled = per_row * push.pulled
        out(f"bench_workbooks: writing the table cell by cell: {scaled:.1f} s for {push.pulled:,} rows (measured on "
            f"{BASELINE_ROWS:,}); in one block {bulk_per_row * push.pulled:.1f} s "
            f"({ratio(per_row, bulk_per_row)})")
    db_path.unlink(missing_ok=True)
