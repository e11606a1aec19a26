"""bench_workbooks: clients.xlsm synced headless with 100,000 clients: the first pull, then 1,000 edits pushed.

Each Sync prints its time split (open, read, diff, request, pull, write, save); the baseline is the
same table written cell by cell through the same engine, measured on a slice and scaled up.
"""
from __future__ import annotations

import gc
import resource
import shutil
import time
import zipfile
from xml.sax.saxutils import escape
from typing import Any

from .common import OUT, checkpoint, out, ratio, remove_db, server, target

TARGET_S = 30.0
FIRST_PULL_S = 20.0
PEAK_MB = 1_000
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
    # a WAL left by an earlier run would be replayed into the fresh copy (with that run's edits in it)
    remove_db(str(db_path))
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
        first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        del book
        gc.collect()
        out(f"bench_workbooks: first Sync of clients.xlsm, {pull.pulled:,} clients pulled headless: {wall:.1f} s "
            f"({_split(pull, opened)}) {target(wall <= FIRST_PULL_S, f'≤ {FIRST_PULL_S:g} s')}")

        book = xw.Book(str(path))
        sheet = book.sheets[CLIENTS.sheet_name("en")]
        notes = CLIENTS.index("notes") + 1
        for i in range(EDITS):  # a person's edits: one cell each, spread over the table
            sheet.range((FIRST_ROW + i * (pull.pulled // EDITS), notes)).value = f"called back, note {i}"
        book.save()
        book.close()
        # the edited book must not stay in memory beside the Sync below (a user's Sync runs in its own process)
        del book, sheet
        gc.collect()

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

        _floor(path, CLIENTS.sheet_name("en"), wall)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out(f"bench_workbooks: peak memory of the benchmark process {peak:,.0f} MB ({first_peak:,.0f} MB by the end of "
            f"the first Sync) "
            f"{target(peak <= PEAK_MB, f'≤ {PEAK_MB:,} MB')}")

        _openpyxl_path(path, wall)

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
    remove_db(str(db_path))


def _floor(path: Any, sheet_name: str, wall: float) -> None:
    """The fast-path floor: python-calamine reads the file's table, a plain loop writes the same rows as
    sheet XML into a zip member; no engine, no styles, no diff, no server."""
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet_name).to_python()
    read = time.perf_counter() - t0
    t0 = time.perf_counter()
    with zipfile.ZipFile(OUT / "workbooks" / "floor.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("sheet.xml", "w", force_zip64=True) as part:
            for r, row in enumerate(rows, 1):
                cells = []
                for value in row:
                    if isinstance(value, str):
                        if value:
                            cells.append(f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>')
                    elif isinstance(value, (int, float)):
                        cells.append(f"<c><v>{value}</v></c>")
                part.write(f'<row r="{r}">{"".join(cells)}</row>'.encode("ascii", "xmlcharrefreplace"))
    write = time.perf_counter() - t0
    out(f"bench_workbooks: fast-path floor on the same file: calamine read {read:.1f} s + plain-loop sheet XML "
        f"written {write:.1f} s = {read + write:.1f} s (the Sync above takes {ratio(wall, read + write)} that)")


def _openpyxl_path(path: Any, wall: float) -> None:
    """Opening and saving the same file the way the engine did before xlsx_stream: every cell an openpyxl
    cell (measured after the peak memory above: it takes more than the whole Sync)."""
    import xlwings as xw

    from workbook import xlsx_stream

    limits = xlsx_stream.STREAM_BYTES, xlsx_stream.ADOPT_CELLS
    xlsx_stream.STREAM_BYTES = xlsx_stream.ADOPT_CELLS = 1 << 62
    try:
        t0 = time.perf_counter()
        book = xw.Book(str(path))
        opened = time.perf_counter() - t0
        t0 = time.perf_counter()
        book.save(str(OUT / "workbooks" / "openpyxl-path.xlsm"))
        saved = time.perf_counter() - t0
        book.close()
    finally:
        xlsx_stream.STREAM_BYTES, xlsx_stream.ADOPT_CELLS = limits
    out(f"bench_workbooks: the same file through openpyxl cells (the engine before): open {opened:.1f} s + save "
        f"{saved:.1f} s = {opened + saved:.1f} s, against {wall:.1f} s for the whole Sync above")
