"""Shared steps of the payroll tests: hire, enter a timesheet, run a month through its states."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

D = Decimal
RUNS = "/api/v1/payroll-runs"


def hire(api: Any, world: Any, name: str, *, salary: str = "0", hired_on: str = "2026-04-01", branch: str = "PP",
         **terms: Any) -> dict[str, Any]:
    r = api.post("/api/v1/employees", {"full_name": name, "branch_id": world.branches[branch], "salary": salary,
                                       "hired_on": hired_on, **terms})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def put_days(api: Any, days: list[dict[str, Any]], status: int = 200) -> Any:
    r = api.put("/api/v1/timesheets", {"days": days})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def open_run(api: Any, world: Any, period: str = "2026-04", branch: str = "PP", **extra: Any) -> dict[str, Any]:
    r = api.post(RUNS, {"period": period, "branch_id": world.branches[branch], **extra})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def step(api: Any, run: dict[str, Any], action: str, status: int = 200, **extra: Any) -> dict[str, Any]:
    r = api.post(f"{RUNS}/{run['id']}/{action}", {"version": run["version"], **extra})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def calculated(api: Any, world: Any, period: str = "2026-04", branch: str = "PP") -> dict[str, Any]:
    run = open_run(api, world, period, branch)
    step(api, run, "calculate")
    return api.get(f"{RUNS}/{run['id']}").json


def slip(view: dict[str, Any], employee: dict[str, Any]) -> dict[str, Any]:
    (found,) = [p for p in view["payslips"] if p["employee_id"] == employee["id"]]
    return found


def amounts(payslip: dict[str, Any]) -> dict[str, Decimal]:
    """code (or name for fixed items) → amount of a payslip's lines."""
    out: dict[str, Decimal] = {}
    for ln in payslip["lines"]:
        key = ln["code"] if ln["code"] not in ("bonus", "allowance", "deduction") else ln["name"]
        out[key] = out.get(key, D(0)) + D(ln["amount"])
    return out


def entry_by_role(db: Any, entry_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    from server.ledger.models import Account, JournalEntry

    with db.read_session() as s:
        entry = s.get_one(JournalEntry, entry_id)
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for ln in entry.lines:
            role = s.get_one(Account, ln.account_id).role or ""
            d, c = out.get(role, (D(0), D(0)))
            out[role] = (d + ln.debit, c + ln.credit)
        return out


def run_row(db: Any, run_id: int) -> Any:
    from server.payroll.models import PayrollRun

    with db.read_session() as s:
        return s.scalars(select(PayrollRun).where(PayrollRun.id == run_id)).one()
