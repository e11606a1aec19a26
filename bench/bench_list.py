"""bench_list: a filtered, sorted first page of the client list, against the same on an unindexed copy."""
from __future__ import annotations

from typing import Any

from .queries import Case, compare

TARGET_S = 0.050


def run(ctx: Any) -> None:
    fx = ctx.dataset()
    pp = fx.branches["PP"]
    cases = [
        Case("filter segment=retail & branch=Phnom Penh, sort name",
             {"filter": ["segment:eq:retail", f"branch_id:eq:{pp}"], "sort": "name", "limit": 50}),
        Case("filter tag=vip, sort -created_at",
             {"filter": ["tags:eq:vip"], "sort": "-created_at", "limit": 50}),
    ]
    compare("bench_list", cases, fx, ctx.runs, TARGET_S, "first page of 50 via GET /api/v1/clients")
