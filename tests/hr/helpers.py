"""Factories shared by the HR tests: employees, positions, departments, cash desks, a posted payroll month."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

EMPLOYEES = "/api/v1/employees"
REQUESTS = "/api/v1/staff-requests"
D = Decimal


def make_employee(api: Any, world: Any, **over: Any) -> dict[str, Any]:
    body = {"full_name": "Dara Sok", "branch_id": world.branches["PP"], "salary": "1200.00",
            "hired_on": "2026-01-05", **over}
    r = api.post(EMPLOYEES, body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def make_position(api: Any, name: str) -> int:
    r = api.post("/api/v1/positions", {"name": name})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def make_department(api: Any, name: str, branch_id: int | None = None) -> int:
    r = api.post("/api/v1/departments", {"name": name, "branch_id": branch_id})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def make_cash(api: Any, world: Any, code: str, currency: str = "USD") -> int:
    r = api.post("/api/v1/cash-accounts", {"kind": "cash", "branch_id": world.branches["PP"], "code": code,
                                            "name": f"{code} desk", "currency": currency})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def event(api: Any, employee: dict[str, Any], **body: Any) -> Any:
    """POST an employment event against the employee's current version (unless the body names one)."""
    return api.post(f"{EMPLOYEES}/{employee['id']}/events", {"version": employee["version"], **body})


def posted_payroll(db: Any, world: Any, employee_id: int, period: dt.date) -> None:
    """A posted payroll run of `period` that paid the employee, written straight into the database."""
    from server.payroll.models import PayrollRun, Payslip

    with db.write_session() as s, s.begin():
        run = PayrollRun(company_id=world.company_id, branch_id=world.branches["PP"],
                         number=f"PR-{period:%Y-%m}-{employee_id}", period=period, status="posted", currency="USD")
        s.add(run)
        s.flush()
        s.add(Payslip(company_id=world.company_id, run_id=run.id, employee_id=employee_id))
