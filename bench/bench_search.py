"""bench_search: search by phone and by tax id (`q=`), against the same on an unindexed copy."""
from __future__ import annotations

import sqlite3
from typing import Any

from .common import Fixture
from .queries import Case, compare

TARGET_S = 0.020


def run(ctx: Any) -> None:
    fx = ctx.dataset()
    compare("bench_search", cases(fx), fx, ctx.runs, TARGET_S, "GET /api/v1/clients?q=")


def cases(fx: Fixture) -> list[Case]:
    """Real clients from the middle of the data set, searched the way people type them."""
    con = sqlite3.connect(fx.path)
    (count,) = con.execute("SELECT count(*) FROM counterparties").fetchone()
    mid = count // 2
    kh_id, kh_phone = con.execute(
        "SELECT c.id, p.e164 FROM counterparties c JOIN counterparty_phones p ON p.counterparty_id = c.id "
        "WHERE c.country = 'KH' AND p.position = 0 AND p.e164 LIKE '+855%' ORDER BY c.id LIMIT 1 OFFSET ?",
        (mid // 2,)).fetchone()
    ru_id, inn = con.execute(
        "SELECT id, tax_id FROM counterparties WHERE country = 'RU' AND length(tax_id_key) = 10 "
        "ORDER BY id LIMIT 1 OFFSET ?", (mid // 10,)).fetchone()
    kh_tin_id, tin = con.execute(
        "SELECT id, tax_id FROM counterparties WHERE country = 'KH' AND tax_id LIKE '%-%' "
        "ORDER BY id LIMIT 1 OFFSET ?", (mid // 10,)).fetchone()
    con.close()
    national = kh_phone[4:]  # +855 12 345678 -> 12345678
    local = f"0{national[:2]} {national[2:5]} {national[5:]}"
    ending = f"{national[-6:-3]} {national[-3:]}"
    return [
        Case(f"phone as typed locally q={local!r}", {"q": local}, kh_id),
        Case(f"phone ending q={ending!r}", {"q": ending}, kh_id),
        Case(f"RU INN q={inn!r}", {"q": inn}, ru_id),
        Case(f"KH TIN q={tin!r}", {"q": tin}, kh_tin_id),
    ]
