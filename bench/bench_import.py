"""bench_import: 100,000 client rows from an .xlsx, end to end, against the naive path (openpyxl + ORM).

The file: 98,000 clients from bench/data.py's generator (Khmer, English and Russian names, phones
typed the ways people type them, ИНН and Cambodian TINs, e-mails, addresses, tags, segments by
name), a title row above the header, 2,000 rows repeating earlier ones (2 %), 1,000 rows with a bad
phone or e-mail (1 %), shuffled. The base already holds the first 10,000 of them (inserted through
the batch service, untimed), so those rows find their client and change nothing.

Timed: `imports.service.import_now` in one write transaction on SQLite — calamine reads the file,
the mapping is detected, every row is normalised with the API's own rules, duplicates are found in
the file and in the base, the creates are inserted with their operations log, the import is
recorded with the file and its gzipped JSON report — and then the .xlsx report is built.

Peak memory: the import's own high-water mark of resident memory (Linux: the mark is reset before
the import, so the file's making and the base's seeding do not count), and that of the forked child
that checks half the rows, beside the growth of Python's own allocations (tracemalloc is not used:
it slows every allocation several times over).

Baseline: the naive way, with the same rules — openpyxl opens the workbook and reads cell by cell,
each row is validated with ClientIn and normalise(), duplicates are looked up with one query per
row, and clients are written with session.add_all (ORM objects with their children) and one commit.
It reads and writes `--baseline-clients` rows (default 10,000) into a copy of the same base and is
extrapolated linearly to 100,000; the output says so.

Floor: what the same file costs with no rules at all, measured in the same run on another copy of the
base — calamine reads the sheet, a plain Python loop builds each client's columns (the name folded,
phones and e-mails as typed), SQLAlchemy Core inserts them (executemany) into `counterparties` alone,
then also into the three child tables the importer writes (phones, e-mails, addresses). Nothing is
checked, matched or logged: no import can be faster than this on this machine.
"""
from __future__ import annotations

import io
import os
import random
import resource
import time
from typing import Any

from .common import OUT, app_for, fresh_db, out, ratio, remove_db, target

ROWS = 100_000
IN_BASE = 10_000
DUPLICATES = 2_000
INVALID = 1_000
TARGET_S = 5.0
PEAK_MB = 300
HEADER = ["Name", "Legal name", "Type", "Country", "Tax ID", "Phone", "Phone 2", "E-mail", "City", "Address",
          "Segment", "Source", "Tags", "Consent"]


def _cells(data: dict[str, Any]) -> list[Any]:
    from .data import LEAD_SOURCES, SEGMENTS

    phones = [p["number"] for p in data.get("phones", [])]
    address = (data.get("addresses") or [{}])[0]
    return [data["name"], data.get("legal_name"), data["person_type"], data["country"], data.get("tax_id"),
            phones[0] if phones else None, phones[1] if len(phones) > 1 else None,
            (data.get("emails") or [{}])[0].get("email"), address.get("city"), address.get("line1"),
            dict(SEGMENTS).get(data.get("segment")), dict(LEAD_SOURCES).get(data.get("lead_source")),
            ", ".join(data.get("tags", [])), "yes" if data.get("consent_to_mailings") else "no"]


def _file(branches: dict[str, int], seed: int) -> tuple[bytes, int]:
    """The .xlsx bytes and how many distinct valid rows it holds."""
    import xlsxwriter

    from .data import client_rows

    rng = random.Random(seed + 1)
    unique = ROWS - DUPLICATES
    rows = [_cells(r["data"]) for r in client_rows(unique, branches, seed)]
    bad = set(rng.sample(range(IN_BASE, unique), INVALID))
    for i in bad:
        if i % 2:
            rows[i][5] = "12-34"
        else:
            rows[i][7] = "not an e-mail"
    rows += [list(rows[rng.randrange(IN_BASE, unique)]) for _ in range(DUPLICATES)]
    rng.shuffle(rows)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    ws = book.add_worksheet("Clients")
    ws.write_row(0, 0, ["Client list exported 28.11.2026"])
    ws.write_row(2, 0, HEADER)
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            if value is not None:
                ws.write_string(r, c, str(value))
    book.close()
    return buf.getvalue(), unique - INVALID


def _base(path: str, seed: int) -> Any:
    """A fresh database holding the file's first 10,000 clients (through the batch service)."""
    from server.parties import service

    from .data import client_rows

    fx = fresh_db(path)
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    rows = list(client_rows(IN_BASE, fx.branches, seed))
    with db.write_session() as s, s.begin():
        results = service.apply_batch(s, fx.actor(), rows, IN_BASE)
    assert all(r["status"] == "ok" for r in results)
    db.dispose()
    return fx


def run(ctx: Any) -> None:
    from sqlalchemy import func, select

    from server.imports import report as xlsx_report
    from server.imports import service as imports
    from server.parties.models import Counterparty

    path = str(OUT / "import.sqlite3")
    fx = _base(path, ctx.seed)
    base_copy = fx.copy(str(OUT / "import-baseline.sqlite3"))
    content, expected_new = _file(fx.branches, ctx.seed)
    out(f"bench_import: {ROWS:,} rows ({len(content) / 1e6:.1f} MB .xlsx; {DUPLICATES:,} repeated, {INVALID:,} invalid), "
        f"{IN_BASE:,} clients already in the base, SQLite")
    floor_copy = fx.copy(str(OUT / "import-floor.sqlite3"))
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    reset = _reset_peak()
    rss0 = _rss_mb("VmRSS")
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    with db.write_session() as s, s.begin():
        imp, plan = imports.import_now(s, fx.actor(), "clients", content, "clients.xlsx",
                                       options={"skip_errors": True})
        t_commit = time.perf_counter()
    t_committed = time.perf_counter()
    rep = {"mapping": plan.mapping.as_json(), "options": plan.options.as_json(), "counts": plan.counts(),
           "rows": plan.report()}
    xlsx_report.xlsx(rep)
    t_end = time.perf_counter()
    peak = _rss_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    wall = t_end - t0
    cpu = time.process_time() - cpu0
    counts = plan.counts()
    with db.read_session() as s:
        total = s.scalar(select(func.count()).select_from(Counterparty))
    # The generator itself repeats a few e-mails and names, so the counts are checked as relations:
    # every row accounted for, the base rows found, the planted duplicates and bad cells caught (a bad
    # phone or e-mail is left out with a warning, the client imported; an error only when strict).
    left_out = sum(1 for r in plan.rows if any(w.get("left_out") for w in r.warnings))
    ok = (sum(counts[a] for a in ("create", "update", "unchanged", "skip", "error")) == ROWS
          and counts["unchanged"] + counts["update"] >= IN_BASE * 0.98 and counts["skip"] >= DUPLICATES
          and counts["error"] + left_out >= INVALID and total == IN_BASE + counts["create"] and expected_new > 0)
    split = ", ".join(f"{k} {v:.2f} s" for k, v in plan.seconds.items())
    imported = t_committed - t0
    out(f"  import end to end with the JSON report: {imported:.2f} s {target(imported <= TARGET_S, f'≤ {TARGET_S:g} s')}, "
        f"{ROWS / imported:,.0f} rows/s{'' if ok else '  WRONG RESULT'}")
    out(f"  and with the .xlsx report: {wall:.2f} s {target(wall <= TARGET_S, f'≤ {TARGET_S:g} s')}, CPU {cpu:.2f} s")
    out(f"    split: {split}, commit {t_committed - t_commit:.2f} s; then the .xlsx report {t_end - t_committed:.2f} s; "
        f"rows checked in {plan.workers} process{'es' if plan.workers > 1 else ''}")
    out(f"    counts: {counts}; clients in the base afterwards {total:,}")
    out(f"    peak memory: {peak:.0f} MB resident {target(peak <= PEAK_MB, f'≤ {PEAK_MB} MB')} ("
        f"{'high-water mark reset before the import' if reset else 'the whole run: ru_maxrss'}; {rss0:.0f} MB before it), "
        f"the checking child {child_peak:.0f} MB")
    db.dispose()
    del plan, imp, rep
    read_s, one_s, four_s = _floor(floor_copy, content)
    out(f"  floor (calamine {read_s:.2f} s + a plain loop + Core executemany, no rules): "
        f"counterparties alone {read_s + one_s:.2f} s, with phones, e-mails and addresses {read_s + four_s:.2f} s "
        f"— the import is {ratio(imported, read_s + four_s)} the four-table floor")
    nb = min(ctx.baseline_clients, ROWS)
    opened, rows_s = _naive(base_copy, content, nb)
    scaled = opened + rows_s * ROWS / nb
    out(f"  naive (openpyxl opens the file: {opened:.1f} s; cell reads + ClientIn/normalise + a query per row + "
        f"ORM add_all: {rows_s:.1f} s for {nb:,} rows, extrapolated to {ROWS:,}): {scaled:.0f} s — {ratio(scaled, wall)}")
    for p in (path, base_copy.path, floor_copy.path):
        remove_db(p)
    false_alarms(ctx)


def _naive(fx: Any, content: bytes, limit: int) -> float:
    import openpyxl
    from sqlalchemy import select

    from server.parties import schemas, service
    from server.parties.models import Address, Counterparty, Email, Phone

    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    actor = fx.actor()
    t0 = time.perf_counter()
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book["Clients"]
    opened = time.perf_counter() - t0
    t0 = time.perf_counter()
    with db.write_session() as s, s.begin():
        refs = service.Refs.load(s, actor)
        segments = {name.casefold(): code for code, name in __import__("bench.data", fromlist=["SEGMENTS"]).SEGMENTS}
        new = []
        for r in range(4, 4 + limit):
            cells = [ws.cell(row=r, column=c).value for c in range(1, len(HEADER) + 1)]
            name, legal, ptype, country, tax, ph1, ph2, email, city, line1, segment, _src, tags, consent = cells
            data: dict[str, Any] = {"name": name, "person_type": ptype, "country": country}
            if legal:
                data["legal_name"] = legal
            if tax:
                data["tax_id"] = tax
            data["phones"] = [{"number": p} for p in (ph1, ph2) if p]
            if email:
                data["emails"] = [{"email": email}]
            if city or line1:
                data["addresses"] = [{"city": city, "line1": line1}]
            if segment:
                data["segment"] = segments.get(segment.casefold())
            if tags:
                data["tags"] = [t.strip() for t in tags.split(",")]
            data["consent_to_mailings"] = consent == "yes"
            try:
                norm, errors = service.normalise(schemas.ClientIn.model_validate(data, strict=True), refs, actor,
                                                 creating=True)
            except Exception:  # noqa: BLE001 - the naive path skips what it cannot read
                continue
            if errors:
                continue
            phones = [p["e164"] for p in norm.phones or []]
            if phones and s.scalar(select(Phone.id).where(Phone.company_id == actor.company_id,
                                                          Phone.e164.in_(phones)).limit(1)):
                continue
            if s.scalar(select(Counterparty.id).where(Counterparty.company_id == actor.company_id,
                                                      Counterparty.name_key == norm.columns["name_key"]).limit(1)):
                continue
            cp = Counterparty(company_id=actor.company_id, search_text="", **norm.columns)
            cp.phones = [Phone(company_id=actor.company_id, **p) for p in norm.phones or []]
            cp.emails = [Email(**e) for e in norm.emails or []]
            cp.addresses = [Address(**a) for a in norm.addresses or []]
            new.append(cp)
        s.add_all(new)
    wall = time.perf_counter() - t0
    db.dispose()
    os.sync()
    return opened, wall


def _reset_peak() -> bool:
    """Reset this process's resident-memory high-water mark (Linux), so VmHWM measures what follows."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _rss_mb(field: str) -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _floor(fx: Any, content: bytes) -> tuple[float, float, float]:
    """(calamine's read, the loop + counterparties insert, the loop + the four tables' inserts), seconds."""
    import python_calamine

    from server.core import dates
    from server.db import insert_rows
    from server.parties.models import Address, Counterparty, Email, Phone

    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    t0 = time.perf_counter()
    grid = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("Clients").to_python()
    read = time.perf_counter() - t0
    split = []
    for tables in (1, 4):
        s = db.write_session()
        with s.begin():
            t0 = time.perf_counter()
            company, now = fx.company_id, dates.now()
            start = (s.scalar(__import__("sqlalchemy").text("SELECT max(id) FROM counterparties")) or 0) + 1
            parents, phones, emails, addresses = [], [], [], []
            for i, row in enumerate(grid[3:]):
                cid = start + i
                name = " ".join(str(row[0]).split())
                parents.append({"id": cid, "company_id": company, "name": name, "name_key": name.casefold(),
                                "legal_name": row[1] or None, "person_type": row[2] or "company", "kind": "client",
                                "country": row[3] or None, "tax_id": row[4] or None, "tax_id_key": row[4] or None,
                                "phone": row[5] or None, "email": row[7] or None, "consent_to_mailings": row[13] == "yes",
                                "search_text": name.casefold(), "extra": {}, "version": 1, "created_at": now,
                                "updated_at": now})
                if tables > 1:
                    for pos, number in enumerate(x for x in (row[5], row[6]) if x):
                        phones.append({"counterparty_id": cid, "company_id": company, "e164": number, "kind": "mobile",
                                       "digits_rev": number[::-1], "position": pos})
                    if row[7]:
                        emails.append({"counterparty_id": cid, "email": row[7], "kind": "work", "position": 0})
                    if row[8] or row[9]:
                        addresses.append({"counterparty_id": cid, "kind": "actual", "city": row[8] or None,
                                          "line1": row[9] or None, "position": 0})
            insert_rows(s, Counterparty.__table__, parents)
            for model, payload in ((Phone, phones), (Email, emails), (Address, addresses)):
                insert_rows(s, model.__table__, payload)
            if tables == 1:
                split.append(time.perf_counter() - t0)
                s.rollback()  # untimed: the four-table pass starts from the same base
        if tables == 4:
            split.append(time.perf_counter() - t0)  # with the commit, as the import's figure
        s.close()
    db.dispose()
    return read, split[0], split[1]


# Warnings that say "this row may be that client" and reasons that merge one row into another.
ALARMS = ("possible_duplicate", "possible_duplicate_in_file", "also_matches", "also_in_file")


def _distinct_file(branches: dict[str, int], seed: int, n: int, serial: bool) -> bytes:
    """n clients that are all different by construction: every phone and tax id is the client's own,
    and an e-mail the generator repeats (local part + i % 997) stays only on its first client.
    With `serial`, names are "Client 00001", "Client 00002"... as many systems export them."""
    import xlsxwriter

    from .data import client_rows

    seen: set[str] = set()
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    ws = book.add_worksheet("Clients")
    ws.write_row(0, 0, HEADER)
    for i, r in enumerate(client_rows(n, branches, seed), start=1):
        data = r["data"]
        for e in data.get("emails", []):
            if e["email"] in seen:
                data["emails"] = []
            seen.add(e["email"])
        if serial:
            data["name"] = f"Client {i:05d}"
            data.pop("legal_name", None)
        for c, value in enumerate(_cells(data)):
            if value is not None:
                ws.write_string(i, c, str(value))
    book.close()
    return buf.getvalue()


def false_alarms(ctx: Any, n: int = ROWS) -> dict[str, float]:
    """The duplicate finder's false alarms: rows of a file of distinct clients that it merges into
    another row or warns about ("looks like row N"). Every one is false by construction, so the rate
    is the share of the file an accountant would check for nothing. Planned only (a dry run), on an
    empty base; the generator's own names (many namesakes) and serial names ("Client 00123")."""
    from server.imports import service as imports

    OUT.mkdir(parents=True, exist_ok=True)
    path = str(OUT / "import-alarms.sqlite3")
    fx = fresh_db(path)
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    rates = {}
    for label, serial in (("generated names", False), ("serial names", True)):
        content = _distinct_file(fx.branches, ctx.seed, n, serial)
        t0 = time.perf_counter()
        with db.read_session() as s:
            plan = imports.plan(s, fx.actor(), "clients", content, "clients.xlsx")
        took = time.perf_counter() - t0
        merged = sum(1 for r in plan.rows if r.reason == "duplicate_in_file")
        warned = sum(1 for r in plan.rows if any(w["code"] in ALARMS for w in r.warnings))
        rates[label] = (merged + warned) / n
        out(f"  false alarms on {n:,} distinct clients ({label}): {merged:,} merged, {warned:,} warned — "
            f"{rates[label]:.2%} of rows (planned in {took:.1f} s)")
    db.dispose()
    remove_db(path)
    return rates
