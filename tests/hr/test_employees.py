"""Employees and their employment history: hire, transfer, rate change, leave, dismissal; cancelling; refusals."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from server.audit.models import Operation

from tests.factories import D, EMPLOYEES, event, make_department, make_employee, make_position, posted_payroll, problem

TERMS = ("branch_id", "department_id", "position_id", "hours_per_day", "salary", "hourly_rate", "piece_rate",
         "commission_percent")


def terms(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(D(record[k]) if k in ("hours_per_day", "salary", "hourly_rate", "piece_rate", "commission_percent")
                 else record[k] for k in TERMS)


def test_history_from_hire_to_dismissal_copies_the_terms(api: Any, world: Any, db: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    cashier, senior = make_position(hr, "Cashier"), make_position(hr, "Senior cashier")
    sales_sr = make_department(hr, "Sales SR", world.branches["SR"])
    pp, sr = world.branches["PP"], world.branches["SR"]

    emp = make_employee(hr, world, position_id=cashier, hourly_rate="7.50", commission_percent="2.5",
                        reason="New shop")
    assert emp["number"] == "E00001" and emp["status"] == "active" and emp["hired_on"] == "2026-01-05"
    assert [e["kind"] for e in emp["events"]] == ["hire"]
    hire = (pp, None, cashier, D(8), D("1200.00"), D("7.50"), D(0), D("2.5"))
    assert terms(emp) == terms(emp["events"][0]) == hire
    assert make_employee(hr, world, full_name="Sokha Chan")["number"] == "E00002"

    r = event(hr, emp, kind="transfer", date="2026-02-01", branch_id=sr, department_id=sales_sr, position_id=senior)
    assert r.status_code == 201, r.json
    emp = r.json
    r = event(hr, emp, kind="rate_change", date="2026-03-01", salary="1500.00", hours_per_day="7.5")
    assert r.status_code == 201, r.json
    emp = r.json
    r = event(hr, emp, kind="leave", date="2026-04-01", end_date="2026-04-10", reason="Maternity")
    assert r.status_code == 201, r.json
    emp = r.json
    r = event(hr, emp, kind="return", date="2026-04-08")
    assert r.status_code == 201, r.json
    emp = r.json
    r = event(hr, emp, kind="dismissal", date="2026-05-31", reason="Moved abroad")
    assert r.status_code == 201, r.json

    emp = hr.get(f"{EMPLOYEES}/{emp['id']}").json
    events = emp["events"]
    assert [(e["kind"], e["date"], e["end_date"], e["cancelled"]) for e in events] == [
        ("hire", "2026-01-05", None, False), ("transfer", "2026-02-01", None, False),
        ("rate_change", "2026-03-01", None, False), ("leave", "2026-04-01", "2026-04-10", False),
        ("return", "2026-04-08", None, False), ("dismissal", "2026-05-31", None, False)]
    moved = (sr, sales_sr, senior, D(8), D("1200.00"), D("7.50"), D(0), D("2.5"))
    raised = (sr, sales_sr, senior, D("7.5"), D("1500.00"), D("7.50"), D(0), D("2.5"))
    assert [terms(e) for e in events] == [hire, moved, raised, raised, raised, raised]
    assert events[0]["created_by"] == world.users["hr"] and events[3]["reason"] == "Maternity"
    assert (emp["status"], emp["dismissed_on"], emp["hired_on"]) == ("dismissed", "2026-05-31", "2026-01-05")
    assert terms(emp) == raised

    # Nothing after a dismissal except cancelling it.
    r = event(hr, emp, kind="rate_change", date="2026-06-01", salary="2000.00")
    problem(r, 409, "employee_dismissed", fields={"kind": "employee_dismissed"})
    # Each event and each change of the employee is in the operations log.
    with db.read_session() as s:
        logged = s.scalar(select(func.count()).select_from(Operation).where(
            Operation.entity == "employment_event", Operation.action == "create"))
    assert logged == 7


def test_cancelling_the_latest_event_restores_the_terms(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    emp = make_employee(hr, world)
    emp = event(hr, emp, kind="transfer", date="2026-02-01", branch_id=world.branches["SR"]).json
    emp = event(hr, emp, kind="rate_change", date="2026-03-01", salary="1500.00").json
    assert (emp["branch_id"], D(emp["salary"])) == (world.branches["SR"], D("1500.00"))
    hire, transfer, rate = (e["id"] for e in emp["events"])
    url = f"{EMPLOYEES}/{emp['id']}/events"

    with unchanged():
        problem(hr.post(f"{url}/{transfer}/cancel", {"version": emp["version"]}), 409, "not_latest_event")
        problem(hr.post(f"{url}/{hire}/cancel", {"version": emp["version"]}), 409, "hire_not_cancellable")
        problem(hr.post(f"{url}/{rate}/cancel", {"version": emp["version"] - 1}), 409, "stale_version")
        problem(hr.post(f"{url}/999999/cancel", {"version": emp["version"]}), 404, "not_found")

    r = hr.post(f"{url}/{rate}/cancel", {"version": emp["version"]})
    assert r.status_code == 200, r.json
    after = r.json
    assert after["version"] > emp["version"]
    assert (after["branch_id"], D(after["salary"])) == (world.branches["SR"], D("1200.00"))
    cancelled = after["events"][-1]
    assert cancelled["cancelled"] and cancelled["cancelled_by"] == world.users["hr"] and cancelled["cancelled_at"]
    body = problem(hr.post(f"{url}/{rate}/cancel", {"version": after["version"]}), 409, "invalid_state")
    assert (body["params"]["status"], body["allowed"]) == ("cancelled", [])

    # The transfer is the latest now; cancelling it puts the employee back in Phnom Penh.
    after = hr.post(f"{url}/{transfer}/cancel", {"version": after["version"]}).json
    assert (after["branch_id"], D(after["salary"])) == (world.branches["PP"], D("1200.00"))
    # A cancelled event no longer counts: a new one may be dated before it.
    r = event(hr, after, kind="rate_change", date="2026-01-20", salary="1300.00")
    assert r.status_code == 201, r.json
    assert D(r.json["salary"]) == D("1300.00")
    # Cancelling a dismissal makes the employee active again.
    emp = event(hr, r.json, kind="dismissal", date="2026-06-30").json
    assert emp["status"] == "dismissed"
    emp = hr.post(f"{url}/{emp['events'][-1]['id']}/cancel", {"version": emp["version"]}).json
    assert (emp["status"], emp["dismissed_on"]) == ("active", None)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Operation).where(
            Operation.entity == "employment_event", Operation.action == "cancel")) == 3


def test_patch_changes_personal_details_and_refuses_employment_fields(api: Any, world: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    emp = make_employee(hr, world)
    url = f"{EMPLOYEES}/{emp['id']}"
    with unchanged():
        r = hr.patch(url, {"version": emp["version"], "phone": "+855 12 345 678", "salary": "1500.00",
                           "branch_id": world.branches["SR"], "hired_on": "2026-01-01"})
        problem(r, 422, "validation_failed", fields={"salary": "use_employment_event",
                                                     "branch_id": "use_employment_event",
                                                     "hired_on": "use_employment_event"})
        problem(hr.patch(url, {"version": emp["version"] + 1, "phone": "1"}), 409, "stale_version")
        problem(hr.patch(url, {"phone": "1"}), 422, "validation_failed", fields={"version": "required"})
        problem(hr.patch(url, {"version": emp["version"], "user_id": 999999}), 422, "validation_failed",
                fields={"user_id": "unknown_reference"})

    r = hr.patch(url, {"version": emp["version"], "phone": "+855 12 345 678", "dependants": 2,
                       "user_id": world.users["sales"]})
    assert r.status_code == 200, r.json
    assert (r.json["phone"], r.json["dependants"], r.json["user_id"]) == ("+855 12 345 678", 2, world.users["sales"])
    assert r.json["version"] == emp["version"] + 1 and D(r.json["salary"]) == D("1200.00")
    # One user is one employee.
    other = make_employee(hr, world, full_name="Sokha Chan")
    problem(hr.patch(f"{EMPLOYEES}/{other['id']}", {"version": other["version"], "user_id": world.users["sales"]}),
            409, "duplicate", fields={"user_id": "already_exists"})


def test_a_change_dated_in_a_posted_payroll_month_is_refused(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    emp = make_employee(hr, world)
    emp = event(hr, emp, kind="rate_change", date="2026-02-01", salary="1300.00").json
    posted_payroll(db, world, emp["id"], dt.date(2026, 3, 1))
    with unchanged():
        for day in ("2026-03-15", "2026-02-10"):  # in the posted month, and before it (it holds onwards)
            r = event(hr, emp, kind="rate_change", date=day, salary="1500.00")
            body = problem(r, 409, "payroll_period_posted", day, fields={"date": "payroll_period_posted"})
            assert "2026-03" in body["errors"][0]["message"]
        # Cancelling the February rate change would change the posted March too.
        r = hr.post(f"{EMPLOYEES}/{emp['id']}/events/{emp['events'][-1]['id']}/cancel", {"version": emp["version"]})
        problem(r, 409, "payroll_period_posted", fields={"date": "payroll_period_posted"})
    r = event(hr, emp, kind="rate_change", date="2026-04-01", salary="1500.00")
    assert r.status_code == 201, r.json
    assert D(r.json["salary"]) == D("1500.00")


def test_bad_employee_input_names_each_field(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    old = make_position(hr, "Old title")
    r = hr.post(f"/api/v1/positions/{old}/archive", {"version": 1})
    assert r.status_code == 200 and r.json["archived_at"]
    dept_sr = make_department(hr, "Warehouse SR", world.branches["SR"])
    emp = make_employee(hr, world)
    base = {"full_name": "Vanna Kim", "branch_id": world.branches["PP"], "hired_on": "2026-01-05"}

    with unchanged():
        problem(hr.post(EMPLOYEES, {**base, "hours_per_day": "25", "salary": "-1"}), 422, "validation_failed",
                fields={"hours_per_day": "too_large", "salary": "must_not_be_negative"})
        problem(hr.post(EMPLOYEES, {**base, "salary": "100.123", "piece_rate": "100000000000000"}), 422,
                "validation_failed", fields={"salary": "decimal_places_exceeded", "piece_rate": "too_large"})
        problem(hr.post(EMPLOYEES, {**base, "branch_id": 999999, "position_id": old}), 422,
                "validation_failed", fields={"branch_id": "unknown_reference", "position_id": "archived"})
        problem(hr.post(EMPLOYEES, {**base, "department_id": dept_sr, "commission_percent": "101"}), 422,
                "validation_failed", fields={"department_id": "department_other_branch",
                                             "commission_percent": "invalid_percent"})
        problem(hr.post(EMPLOYEES, {**base, "number": emp["number"]}), 409, "duplicate",
                fields={"number": "already_exists"})
        problem(hr.post(EMPLOYEES, {**base, "salary": 1200.5}), 422, "validation_failed",
                fields={"salary": "invalid_decimal"})

        problem(event(hr, emp, kind="leave", date="2026-03-10", end_date="2026-03-01"), 422, "validation_failed",
                fields={"end_date": "ends_before_start"})
        problem(event(hr, emp, kind="leave", date="2026-03-10"), 422, "validation_failed",
                fields={"end_date": "required"})
        problem(event(hr, emp, kind="transfer", date="2026-03-01", branch_id=world.branches["PP"]), 422,
                "validation_failed", fields={"branch_id": "transfer_needs_change"})
        problem(event(hr, emp, kind="transfer", date="2026-03-01", branch_id=world.branches["SR"],
                      position_id=old), 422, "validation_failed", fields={"position_id": "archived"})
        problem(event(hr, emp, kind="rate_change", date="2026-03-01", salary="1200.00"), 422, "validation_failed",
                fields={"salary": "rate_change_needs_change"})
        problem(event(hr, emp, kind="rate_change", date="2026-03-01", salary="1300.005", hours_per_day="0"), 422,
                "validation_failed", fields={"salary": "decimal_places_exceeded", "hours_per_day": "must_be_positive"})
        problem(event(hr, emp, kind="rate_change", date="2025-12-31", salary="1300.00"), 422, "validation_failed",
                fields={"date": "before_hire"})
        problem(event(hr, emp, kind="dismissal", date="2026-03-01", salary="1300.00"), 422, "validation_failed",
                fields={"salary": "not_for_kind"})
        problem(event(hr, emp, kind="return", date="2026-03-01"), 422, "validation_failed",
                fields={"kind": "not_on_leave"})
        problem(event(hr, emp, kind="transfer", date="2026-03-01", branch_id=999999), 422, "validation_failed",
                fields={"branch_id": "unknown_reference"})
        problem(event(hr, {**emp, "version": emp["version"] + 5}, kind="rate_change", date="2026-03-01",
                      salary="1300.00"), 409, "stale_version")

    emp = event(hr, emp, kind="rate_change", date="2026-03-01", salary="1300.00").json
    with unchanged():
        problem(event(hr, emp, kind="rate_change", date="2026-02-01", salary="1400.00"), 422, "validation_failed",
                fields={"date": "before_last_event"})


def test_employee_list_filters_pages_and_roles(api: Any, world: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    dara = make_employee(hr, world)
    make_employee(hr, world, full_name="Иван Петров", branch_id=world.branches["MOW"])
    gone = make_employee(hr, world, full_name="Sokha Chan")
    event(hr, gone, kind="dismissal", date="2026-02-28")

    def names(**params: Any) -> list[str]:
        r = hr.get(EMPLOYEES, query_string=params)
        assert r.status_code == 200, r.json
        return [e["full_name"] for e in r.json["items"]]

    assert names() == ["Dara Sok", "Иван Петров"]
    assert names(status="all") == ["Dara Sok", "Иван Петров", "Sokha Chan"]
    assert names(status="dismissed") == ["Sokha Chan"]
    assert names(q="иван") == ["Иван Петров"]
    assert names(q="e00001") == ["Dara Sok"]
    assert names(branch_id=world.branches["MOW"]) == ["Иван Петров"]
    page = hr.get(EMPLOYEES, query_string={"status": "all", "limit": 1, "offset": 1}).json
    assert page["total"] == 3 and [e["full_name"] for e in page["items"]] == ["Иван Петров"]
    assert api.as_(world.tokens["accountant"]).get(f"{EMPLOYEES}/{dara['id']}").status_code == 200
    problem(api.as_(world.tokens["sales"]).get(EMPLOYEES), 403, "role_forbidden")
    problem(api.as_(world.tokens["accountant"]).post(EMPLOYEES, {}), 403, "role_forbidden")
