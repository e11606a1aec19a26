"""Payroll runs with exact Decimal results, scheme by scheme, and the run's life from draft to paid.

The company of the `world` fixture is in Cambodia and keeps its books in USD. April 2026 there has 22
weekdays, of which Khmer New Year takes three (Tue 14 – Thu 16): 19 working days, 152 norm hours.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import update

from tests.factories import (
    RUNS, amounts, calculated, entry_by_role, hire, make_cash, make_client, make_invoice, make_rate, open_run, problem,
    put_days, run_row, slip, step,
)

D = Decimal


def event(api: Any, emp: dict[str, Any], **body: Any) -> dict[str, Any]:
    version = api.get(f"/api/v1/employees/{emp['id']}").json["version"]
    r = api.post(f"/api/v1/employees/{emp['id']}/events", {"version": version, **body})
    assert r.status_code in (200, 201), r.get_data(as_text=True)
    return r.json


def test_april_norm_comes_from_the_cambodian_calendar(api: Any, world: Any) -> None:
    hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    sheet = api.get("/api/v1/timesheets", query_string={"period": "2026-04", "branch_id": world.branches["PP"]}).json
    assert (sheet["norm_days"], D(sheet["norm_hours"])) == (19, D(152))
    holidays = [d["date"] for d in sheet["calendar"] if d["kind"] == "holiday"]
    assert holidays == ["2026-04-14", "2026-04-15", "2026-04-16"]
    (row,) = sheet["employees"]
    assert (row["worked_days"], D(row["worked_hours"])) == (19, D(152))
    assert {d["code"] for d in row["days"] if d["date"] in holidays} == {"H"}


def test_salary_prorated_over_a_month_with_holidays_a_mid_month_hire_and_a_rate_change(api: Any, world: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    b = hire(api, world, "Keo Sothea", salary="1200.00", hired_on="2026-04-20")
    # From Friday 17 April Dara earns 1,300: 9 working days before (1–3, 6–10, 13), 10 from then (17, 20–24, 27–30).
    event(api, a, kind="rate_change", date="2026-04-17", salary="1300.00")
    view = calculated(api, world)
    dara, sothea = slip(view, a), slip(view, b)
    salary_lines = [ln for ln in dara["lines"] if ln["code"] == "salary"]
    # 1,000 × 9/19 = 473.684… → 473.68; 1,300 × 10/19 = 684.210… → 684.21
    assert [D(ln["amount"]) for ln in salary_lines] == [D("473.68"), D("684.21")]
    assert salary_lines[0]["explanation"] == "1000.00 × 9 worked days / 19 working days of the month (2026-04-01 – 2026-04-16)"
    assert (D(dara["gross"]), dara["worked_days"], dara["norm_days"]) == (D("1157.89"), 19, 19)
    # Hired on Monday 20 April: 20–24 and 27–30 are 9 of 19 days; 1,200 × 9/19 = 568.421… → 568.42
    assert amounts(sothea) == {"salary": D("568.42")}
    assert D(sothea["net"]) == D("568.42")
    assert (D(view["gross"]), view["employees"]) == (D("1726.31"), 2)


def test_hourly_overtime_and_piece_rates_from_the_timesheet(api: Any, world: Any) -> None:
    c = hire(api, world, "Sok Vanna", hourly_rate="5.00", piece_rate="0.50", hired_on="2026-01-05")
    d = hire(api, world, "Mey Lina", salary="1520.00", hired_on="2026-01-05")
    put_days(api, [
        {"employee_id": c["id"], "date": "2026-04-01", "overtime_hours": "2"},
        {"employee_id": c["id"], "date": "2026-04-02", "units": "100"},
        {"employee_id": c["id"], "date": "2026-04-03", "units": "40"},
        {"employee_id": c["id"], "date": "2026-04-06", "code": "A", "hours": "0"},
        {"employee_id": d["id"], "date": "2026-04-07", "overtime_hours": "3"},
    ])
    view = calculated(api, world)
    vanna, lina = slip(view, c), slip(view, d)
    # 18 days × 8 h × 5.00 = 720.00; overtime 2 h × 5.00 × 1.5 = 15.00; 140 units × 0.50 = 70.00
    assert amounts(vanna) == {"hourly": D("720.00"), "overtime": D("15.00"), "piece": D("70.00")}
    assert (vanna["worked_days"], D(vanna["worked_hours"]), D(vanna["gross"])) == (18, D(144), D("805.00"))
    # A salaried hour is 1,520 / 152 norm hours = 10.00; 3 h × 10.00 × 1.5 = 45.00
    assert amounts(lina) == {"salary": D("1520.00"), "overtime": D("45.00")}
    overtime = next(ln for ln in lina["lines"] if ln["code"] == "overtime")
    assert overtime["explanation"] == "10.00 an hour × 1.5 × 3 overtime hours"


def test_commission_on_partly_paid_sales(api: Any, world: Any, db: Any) -> None:
    from server.sales.models import Invoice

    e = hire(api, world, "Lim Bopha", salary="500.00", commission_percent="5", hired_on="2026-01-05",
             user_id=world.users["sales"])
    cash, client = make_cash(api, world, "PP-CASH"), make_client(api)
    march, april = make_invoice(db, world, client, "1100.00", date=dt.date(2026, 3, 20)), \
        make_invoice(db, world, client, "800.00", date=dt.date(2026, 3, 25))
    other = make_invoice(db, world, client, "300.00", date=dt.date(2026, 4, 2))
    with db.write_session() as s, s.begin():  # the invoices as if posted with VAT and a manager
        for inv_id, net in ((march, "1000.00"), (april, "800.00"), (other, "300.00")):
            s.execute(update(Invoice).where(Invoice.id == inv_id).values(
                net_total=D(net), manager_id=world.users["sales"] if inv_id != other else world.users["owner"]))
    for date, inv_id, amount in (("2026-03-28", april, "800.00"), ("2026-04-10", march, "550.00"),
                                 ("2026-04-12", other, "300.00")):
        r = api.post("/api/v1/payments", {"kind": "receipt", "date": date, "cash_account_id": cash, "amount": amount,
                                          "counterparty_id": client,
                                          "allocations": [{"invoice_id": inv_id, "amount": amount}]})
        assert r.status_code == 201, r.get_data(as_text=True)
    view = calculated(api, world)
    bopha = slip(view, e)
    # Half of the 1,100 invoice (1,000 without VAT) was paid in April: 500 × 5 % = 25.00. The invoice paid in
    # March and the one managed by someone else do not count.
    assert amounts(bopha) == {"salary": D("500.00"), "commission": D("25.00")}
    line = next(ln for ln in bopha["lines"] if ln["code"] == "commission")
    assert (D(line["base"]), line["explanation"]) == (D("500.00"), "5% of 500.00 paid on 1 invoices (without VAT)")


def test_bonus_deduction_and_the_life_of_a_run_to_paid(api: Any, world: Any, db: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    for kind, name, amount in (("earning", "Sales bonus", "100.00"), ("deduction", "Uniform", "20.00")):
        r = api.post("/api/v1/pay-items", {"employee_id": a["id"], "kind": kind, "name": name, "amount": amount,
                                           "period_from": "2026-04", "period_to": "2026-04"})
        assert r.status_code == 201, r.get_data(as_text=True)
    run = open_run(api, world)
    assert run["number"].startswith("PR-PP-2026-") and run["status"] == "draft"
    step(api, run, "approve", 409)
    run = step(api, run, "calculate")
    assert (run["status"], D(run["gross"]), D(run["deductions"]), D(run["net"])) == \
        ("calculated", D("1100.00"), D("20.00"), D("1080.00"))
    run = step(api, run, "approve")
    run = step(api, run, "post")
    assert run["status"] == "posted"
    assert entry_by_role(db, run["entry_id"]) == {
        "salaries": (D("1100.00"), D(0)), "payroll_deductions": (D(0), D("20.00")),
        "salaries_payable": (D(0), D("1080.00")),
    }
    cash = make_cash(api, world, "PP-BANK", kind="bank")
    paid = step(api, run, "pay", cash_account_id=cash, date="2026-05-05")
    assert paid["status"] == "paid" and paid["payment_id"]
    payment = api.get(f"/api/v1/payments/{paid['payment_id']}").json
    assert (D(payment["amount"]), payment["reference"]) == (D("1080.00"), run["number"])
    assert entry_by_role(db, payment["entry_id"])["salaries_payable"] == (D("1080.00"), D(0))


def test_a_posted_month_is_immutable_and_corrected_by_an_adjustment_run(api: Any, world: Any, db: Any,
                                                                          unchanged: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    run = open_run(api, world)
    run = step(api, run, "calculate")
    run = step(api, run, "approve")
    run = step(api, run, "post")
    with unchanged():
        problem(api.post(f"{RUNS}/{run['id']}/calculate", {"version": run["version"]}), 409, "invalid_state")
        r = api.put("/api/v1/timesheets", {"days": [{"employee_id": a["id"], "date": "2026-04-03", "hours": "4"}]})
        problem(r, 422, "validation_failed", fields={"days.0.date": "payroll_period_posted"})
        version = api.get(f"/api/v1/employees/{a['id']}").json["version"]
        r = api.post(f"/api/v1/employees/{a['id']}/events", {"version": version, "kind": "rate_change",
                                                             "date": "2026-04-10", "salary": "1200.00"})
        problem(r, 409, "payroll_period_posted", fields={"date": "payroll_period_posted"})
        problem(api.post(RUNS, {"period": "2026-04", "branch_id": world.branches["PP"]}), 409, "run_exists")
    fix = open_run(api, world, kind="adjustment", adjusts_run_id=run["id"])
    r = api.post("/api/v1/pay-items", {"employee_id": a["id"], "kind": "earning", "name": "April bonus, late",
                                       "amount": "50.00", "period_from": "2026-04", "run_id": fix["id"]})
    assert r.status_code == 201, r.get_data(as_text=True)
    fix = step(api, fix, "calculate")
    view = api.get(f"{RUNS}/{fix['id']}").json
    assert amounts(slip(view, a)) == {"April bonus, late": D("50.00")}
    fix = step(api, step(api, fix, "approve"), "post")
    assert entry_by_role(db, fix["entry_id"]) == {"salaries": (D("50.00"), D(0)), "salaries_payable": (D(0), D("50.00"))}
    assert run_row(db, run["id"]).gross == D("1000.00")


def test_a_negative_net_pay_is_refused_naming_the_employee(api: Any, world: Any, unchanged: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="300.00", hired_on="2026-03-01")
    r = api.post("/api/v1/pay-items", {"employee_id": a["id"], "kind": "deduction", "name": "Damaged laptop",
                                       "amount": "450.00", "period_from": "2026-04", "period_to": "2026-04"})
    assert r.status_code == 201
    run = open_run(api, world)
    with unchanged():
        body = problem(api.post(f"{RUNS}/{run['id']}/calculate", {"version": run["version"]}), 422, "validation_failed",
                       fields={f"employees.{a['number']}": "negative_net_pay"})
        assert "-150.00" in body["errors"][0]["message"] and "Chan Dara" in body["errors"][0]["message"]


def test_timesheet_bad_input_names_the_day_and_changes_nothing(api: Any, world: Any, unchanged: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-04-08")
    cases = [
        ({"employee_id": a["id"], "date": "2026-04-09", "hours": "25"}, "days.0.hours"),
        ({"employee_id": a["id"], "date": "2026-04-09", "hours": "20", "overtime_hours": "5"}, "days.0.hours"),
        ({"employee_id": a["id"], "date": "2026-04-09", "code": "V", "hours": "8"}, "days.0.hours"),
        ({"employee_id": a["id"], "date": "2026-04-07", "hours": "8"}, "days.0.date"),
        ({"employee_id": 999999, "date": "2026-04-09", "hours": "8"}, "days.0.employee_id"),
        ({"employee_id": a["id"], "date": "2026-04-09", "code": "X"}, "days.0.code"),
        ({"employee_id": a["id"], "date": "2026-02-30"}, "days.0.date"),
        ({"employee_id": a["id"], "date": "2026-04-09", "hours": "-1"}, "days.0.hours"),
    ]
    with unchanged():
        for day, field in cases:
            r = api.put("/api/v1/timesheets", {"days": [day]})
            assert r.status_code == 422, (day, r.get_data(as_text=True))
            assert field in {e["field"] for e in r.json["errors"]}, (day, r.json)
        over = api.put("/api/v1/timesheets", {"days": [
            {"employee_id": a["id"], "date": "2026-04-09", "hours": "20", "overtime_hours": "5"}]}).json
        assert over["errors"][0]["code"] == "hours_exceed_day" and "25" in over["errors"][0]["message"]
        r = api.put("/api/v1/timesheets", {"days": [{"employee_id": a["id"], "date": "2026-04-09", "hours": "8"},
                                                    {"employee_id": a["id"], "date": "2026-04-09", "hours": "7"}]})
        problem(r, 422, "validation_failed", fields={"days.1.date": "duplicate_day"})
        problem(api.as_(world.tokens["sales"]).put("/api/v1/timesheets", {"days": [
            {"employee_id": a["id"], "date": "2026-04-09", "hours": "8"}]}), 403, "role_forbidden")


def test_runs_refuse_wrong_states_versions_and_references(api: Any, world: Any, unchanged: Any) -> None:
    hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    run = open_run(api, world)
    with unchanged():
        problem(api.post(f"{RUNS}/{run['id']}/calculate", {"version": run["version"] + 1}), 409, "stale_version")
        body = problem(api.post(f"{RUNS}/{run['id']}/post", {"version": run["version"]}), 409, "invalid_state")
        assert body["params"] == {"entity": "payroll_run", "id": run["id"], "status": "draft", "action": "post",
                                  "allowed": "calculate"}
        assert body["allowed"] == ["calculate"]
        assert "period" in {e["field"] for e in problem(
            api.post(RUNS, {"period": "2026-13", "branch_id": world.branches["PP"]}), 422, "validation_failed")["errors"]}
        problem(api.post(RUNS, {"period": "2026-05", "branch_id": 999999}), 422, "validation_failed",
                fields={"branch_id": "unknown_reference"})
        problem(api.post(RUNS, {"period": "2026-05", "branch_id": world.branches["PP"], "kind": "adjustment"}),
                422, "validation_failed", fields={"adjusts_run_id": "required"})
        problem(api.post(RUNS, {"period": "2026-05", "branch_id": world.branches["PP"], "kind": "adjustment",
                                "adjusts_run_id": run["id"]}), 422, "validation_failed",
                fields={"adjusts_run_id": "adjusts_posted_regular_run"})
        problem(api.as_(world.tokens["hr"]).post(f"{RUNS}/{run['id']}/approve", {"version": run["version"]}),
                403, "role_forbidden")
        problem(api.as_(world.tokens["sales"]).get(f"{RUNS}/{run['id']}"), 403, "role_forbidden")


def test_advance_paid_before_payday_is_deducted_and_settles_salaries_payable(api: Any, world: Any, db: Any) -> None:
    from tests.factories import role_balance

    a = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    cash = make_cash(api, world, "PP-CASH")
    req = api.post("/api/v1/staff-requests", {"employee_id": a["id"], "kind": "advance", "date_from": "2026-04-15",
                                              "date_to": "2026-04-15", "amount": "300.00"}).json
    req = api.post(f"/api/v1/staff-requests/{req['id']}/approve", {"version": req["version"]}).json
    req = api.post(f"/api/v1/staff-requests/{req['id']}/pay", {"version": req["version"], "cash_account_id": cash,
                                                                "date": "2026-04-15"})
    assert req.status_code == 200, req.get_data(as_text=True)
    run = open_run(api, world)
    run = step(api, run, "calculate")
    view = api.get(f"{RUNS}/{run['id']}").json
    assert amounts(slip(view, a)) == {"salary": D("1000.00"), "advance": D("300.00")}
    assert D(run["net"]) == D("700.00")
    run = step(api, step(api, run, "approve"), "post")
    run = step(api, run, "pay", cash_account_id=cash, date="2026-05-05")
    assert role_balance(db, world, "salaries_payable") == D("0.00")
    assert role_balance(db, world, "salaries") == D("1000.00")


def test_cambodian_preset_salary_tax_and_nssf_with_its_ceiling_and_floor(api: Any, world: Any, db: Any) -> None:
    """At 4,000 KHR a dollar the NSSF ceiling of 1,200,000 KHR is 300.00 USD and its floor 400,000 KHR 100.00."""
    make_rate(db, world, "KHR", dt.date(2026, 1, 1), "0.00025")
    r = api.post("/api/v1/tax-rules/presets", {"country": "KH"})
    assert r.status_code in (200, 201), r.get_data(as_text=True)
    high = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    low = hire(api, world, "Keo Sothea", salary="80.00", hired_on="2026-03-01")
    run = step(api, open_run(api, world), "calculate")
    view = api.get(f"{RUNS}/{run['id']}").json
    # Pension 2 % of the ceiling 300.00 = 6.00 (the salary's 1,000 is above it). Salary tax on 1,000 − 6 = 994 USD
    # = 3,976,000 KHR: 0 % to 1.5M, 5 % of 0.5M = 25,000, 10 % of 1,976,000 = 197,600 → 222,600 KHR = 55.65 USD.
    # Employer: pension 6.00, occupational risk 0.8 % × 300 = 2.40, health care 2.6 % × 300 = 7.80.
    assert amounts(slip(view, high)) == {
        "salary": D("1000.00"), "kh_nssf_pension_ee": D("6.00"), "kh_salary_tax": D("55.65"),
        "kh_nssf_pension_er": D("6.00"), "kh_nssf_risk": D("2.40"), "kh_nssf_health": D("7.80")}
    assert (D(slip(view, high)["net"]), D(slip(view, high)["contributions"])) == (D("938.35"), D("16.20"))
    # 80 USD is under the floor of 100.00: NSSF is taken on 100.00; the salary tax line shows its base and 0.00.
    assert amounts(slip(view, low)) == {
        "salary": D("80.00"), "kh_nssf_pension_ee": D("2.00"), "kh_salary_tax": D("0.00"), "kh_nssf_pension_er": D("2.00"),
        "kh_nssf_risk": D("0.80"), "kh_nssf_health": D("2.60")}
    tax = next(ln for ln in slip(view, high)["lines"] if ln["code"] == "kh_salary_tax")
    assert D(tax["base"]) == D("994.00") and tax["explanation"]
    run = step(api, step(api, run, "approve"), "post")
    assert entry_by_role(db, run["entry_id"]) == {
        "salaries": (D("1080.00"), D(0)), "payroll_contributions": (D("21.60"), D(0)),
        "taxes_payable": (D(0), D("63.65")), "contributions_payable": (D(0), D("21.60")),
        "salaries_payable": (D(0), D("1016.35")),
    }


def test_approved_leave_feeds_the_timesheet_and_the_pay(api: Any, world: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1900.00", hired_on="2026-03-01")
    for kind, start, end in (("vacation", "2026-04-20", "2026-04-24"), ("unpaid_leave", "2026-04-27", "2026-04-28"),
                             ("sick_leave", "2026-04-29", "2026-04-29")):
        req = api.post("/api/v1/staff-requests", {"employee_id": a["id"], "kind": kind, "date_from": start,
                                                  "date_to": end})
        assert req.status_code == 201, req.get_data(as_text=True)
        if kind != "sick_leave":
            done = api.post(f"/api/v1/staff-requests/{req.json['id']}/approve", {"version": req.json["version"]})
            assert done.status_code == 200, done.get_data(as_text=True)
    sheet = api.get("/api/v1/timesheets", query_string={"period": "2026-04"}).json
    codes = {d["date"]: (d["code"], d["source"]) for d in sheet["employees"][0]["days"]}
    assert codes["2026-04-20"] == ("V", "request") and codes["2026-04-27"] == ("U", "request")
    assert codes["2026-04-25"] == ("H", "calendar")  # a Saturday inside no leave stays a day off
    assert codes["2026-04-29"] == ("W", "calendar")  # the sick leave is not approved: nothing changes
    view = calculated(api, world)
    # 19 working days: 5 of paid vacation, 2 unpaid, 12 worked. 1,900 × 12/19 = 1,200.00; 1,900 × 5/19 = 500.00
    assert amounts(slip(view, a)) == {"salary": D("1200.00"), "paid_leave": D("500.00")}
    assert slip(view, a)["worked_days"] == 12


def test_a_calculated_run_goes_back_to_draft_when_its_inputs_change(api: Any, world: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1900.00", hired_on="2026-03-01")
    run = step(api, open_run(api, world), "calculate")
    put_days(api, [{"employee_id": a["id"], "date": "2026-04-01", "code": "A"}])
    fresh = api.get(f"{RUNS}/{run['id']}").json
    assert fresh["status"] == "draft" and fresh["version"] > run["version"]
    problem(api.post(f"{RUNS}/{run['id']}/approve", {"version": run["version"]}), 409, "stale_version")
    run = step(api, fresh, "calculate")
    run = step(api, run, "approve")
    # A bonus added after approval takes the approval back too; so does a rate change.
    api.post("/api/v1/pay-items", {"employee_id": a["id"], "kind": "earning", "name": "Bonus", "amount": "10.00",
                                   "period_from": "2026-04", "period_to": "2026-04"})
    assert api.get(f"{RUNS}/{run['id']}").json["status"] == "draft"
    run = step(api, step(api, api.get(f"{RUNS}/{run['id']}").json, "calculate"), "approve")
    event(api, a, kind="rate_change", date="2026-04-20", salary="2000.00")
    assert api.get(f"{RUNS}/{run['id']}").json["status"] == "draft"
    # Recalculated on the new terms: before the 20th 10 working days less the absent 1 April, 1,900 × 9/19 = 900.00;
    # from the 20th 9 days (20–24, 27–30) at 2,000: 2,000 × 9/19 = 947.368… → 947.37
    run = step(api, api.get(f"{RUNS}/{run['id']}").json, "calculate")
    view = api.get(f"{RUNS}/{run['id']}").json
    assert [D(ln["amount"]) for ln in slip(view, a)["lines"] if ln["code"] == "salary"] == [D("900.00"), D("947.37")]


def test_a_branch_pays_by_its_own_countrys_calendar_and_taxes(api: Any, world: Any, db: Any) -> None:
    """The Moscow branch of the Cambodian company: Russian holidays (1 and 9 May) and Russian rules only."""
    make_rate(db, world, "KHR", dt.date(2026, 1, 1), "0.00025")
    make_rate(db, world, "RUB", dt.date(2026, 1, 1), "0.0125")
    for country in ("KH", "RU"):
        assert api.post("/api/v1/tax-rules/presets", {"country": country}).status_code in (200, 201)
    ivanov = hire(api, world, "Иванов Иван", salary="1000.00", hired_on="2026-03-02", branch="MOW")
    dara = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-02")
    moscow, phnom_penh = calculated(api, world, "2026-05", "MOW"), calculated(api, world, "2026-05", "PP")
    # May 2026 in Russia: 19 working days (1 and 11 May off, 8 May shortened); in Cambodia 18 (1, 5, 14 May off).
    assert (slip(moscow, ivanov)["norm_days"], slip(phnom_penh, dara)["norm_days"]) == (19, 18)
    assert {c for c in amounts(slip(moscow, ivanov))} == {"salary", "ru_ndfl", "ru_insurance", "ru_injury"}
    assert {c for c in amounts(slip(phnom_penh, dara)) if c != "salary"} == {
        "kh_nssf_pension_ee", "kh_salary_tax", "kh_nssf_pension_er", "kh_nssf_risk", "kh_nssf_health"}
    # НДФЛ 13 % of 1,000.00 USD = 80,000 RUB → 10,400 RUB, whole roubles → 130.00 USD
    assert amounts(slip(moscow, ivanov))["ru_ndfl"] == D("130.00")


def test_a_hire_the_posted_month_missed_is_paid_whole_by_the_adjustment_run(api: Any, world: Any, db: Any) -> None:
    dara = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    run = step(api, step(api, step(api, open_run(api, world), "calculate"), "approve"), "post")
    # Entered late: Sothea started on Monday 20 April, after April was posted.
    sothea = hire(api, world, "Keo Sothea", salary="1200.00", hired_on="2026-04-20")
    fix = step(api, open_run(api, world, kind="adjustment", adjusts_run_id=run["id"]), "calculate")
    view = api.get(f"{RUNS}/{fix['id']}").json
    # Dara has nothing to correct; Sothea gets the month the posted run missed: 1,200 × 9/19 = 568.42.
    assert [p["employee_id"] for p in view["payslips"]] == [sothea["id"]]
    assert amounts(slip(view, sothea)) == {"salary": D("568.42")} and dara["id"] != sothea["id"]
    fix = step(api, step(api, fix, "approve"), "post")
    assert entry_by_role(db, fix["entry_id"]) == {"salaries": (D("568.42"), D(0)),
                                                  "salaries_payable": (D(0), D("568.42"))}


def test_pay_items_and_paying_refuse_bad_input_naming_the_field(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    a = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01")
    ok = {"employee_id": a["id"], "kind": "earning", "name": "Bonus", "amount": "10.00", "period_from": "2026-04"}
    run = step(api, step(api, step(api, open_run(api, world), "calculate"), "approve"), "post")
    khr = make_cash(api, world, "PP-KHR", currency="KHR")
    usd = make_cash(api, world, "PP-USD")
    with unchanged():
        for change, field, code in (
            ({"amount": "-5"}, "amount", "must_be_positive"),
            ({"amount": "10.001"}, "amount", "line_too_precise"),
            ({"kind": "gift"}, "kind", "invalid_choice"),
            ({"name": ""}, "name", "required"),
            ({"period_from": "2026-13"}, "period_from", None),
            ({"period_from": "2026-05", "period_to": "2026-04"}, "period_to", "period_end_before_start"),
            ({"employee_id": 999999, "period_from": "2026-05"}, "employee_id", "unknown_reference"),
            ({}, "period_from", "payroll_period_posted"),
            ({"run_id": run["id"]}, "run_id", "items_only_in_open_adjustments"),
            ({"surprise": 1}, "surprise", "unknown_field"),
        ):
            r = api.post("/api/v1/pay-items", {**ok, **change})
            assert r.status_code == 422, (change, r.get_data(as_text=True))
            errors = {e["field"]: e["code"] for e in r.json["errors"]}
            assert field in errors and (code is None or errors[field] == code), (change, errors)
        problem(api.post(f"{RUNS}/{run['id']}/pay", {"version": run["version"], "cash_account_id": khr,
                                                      "date": "2026-05-05"}), 422, "validation_failed",
                fields={"cash_account_id": "currency_mismatch"})
        problem(api.post(f"{RUNS}/{run['id']}/pay", {"version": run["version"], "cash_account_id": usd,
                                                      "date": "2026-03-31"}), 422, "validation_failed",
                fields={"date": "paid_before_period"})
        problem(api.post(f"{RUNS}/{run['id']}/pay", {"version": run["version"], "cash_account_id": 999999,
                                                      "date": "2026-05-05"}), 422, "validation_failed",
                fields={"cash_account_id": "unknown_reference"})
        problem(api.as_(world.tokens["hr"]).post(f"{RUNS}/{run['id']}/pay", {
            "version": run["version"], "cash_account_id": usd, "date": "2026-05-05"}), 403, "role_forbidden")
    paid = step(api, run, "pay", cash_account_id=usd, date="2026-05-05")
    with unchanged():
        problem(api.post(f"{RUNS}/{run['id']}/pay", {"version": paid["version"], "cash_account_id": usd,
                                                      "date": "2026-05-06"}), 409, "invalid_state")


def test_reading_and_changing_items_and_payslips_refuse_bad_input(api: Any, world: Any, unchanged: Any) -> None:
    hostile = 'Sokha <b>&amp; "{{ 7*7 }}" \'; DROP TABLE employees; --'
    a = hire(api, world, hostile, salary="1000.00", hired_on="2026-03-01")
    item = api.post("/api/v1/pay-items", {"employee_id": a["id"], "kind": "earning", "name": "=HYPERLINK(\"x\")",
                                          "amount": "10.00", "period_from": "2026-04"}).json
    run = step(api, open_run(api, world), "calculate")
    view = api.get(f"{RUNS}/{run['id']}").json
    assert slip(view, a)["full_name"] == hostile and "=HYPERLINK(\"x\")" in amounts(slip(view, a))
    with unchanged():
        for query in ({"period": "2026-13"}, {"period": "April"}, {}, {"period": "2026-04", "employee_id": "x"}):
            r = api.get("/api/v1/timesheets", query_string=query)
            assert r.status_code == 422, (query, r.get_data(as_text=True))
        problem(api.get(f"{RUNS}/{run['id']}/payslips/999999"), 404, "not_found")
        problem(api.get(f"{RUNS}/999999"), 404, "not_found")
        problem(api.patch(f"/api/v1/pay-items/{item['id']}", {"version": item["version"] + 5, "amount": "11.00"}),
                409, "stale_version")
        problem(api.patch(f"/api/v1/pay-items/{item['id']}", {"version": item["version"], "period_to": "2026-03"}),
                422, "validation_failed", fields={"period_to": "period_end_before_start"})
        problem(api.patch(f"/api/v1/pay-items/{item['id']}", {"version": item["version"], "amount": "0"}),
                422, "validation_failed", fields={"amount": "must_be_positive"})
        problem(api.as_(world.tokens["sales"]).get("/api/v1/pay-items"), 403, "role_forbidden")
    step(api, step(api, api.get(f"{RUNS}/{run['id']}").json, "approve"), "post")
    item = next(i for i in api.get("/api/v1/pay-items").json["items"] if i["id"] == item["id"])
    with unchanged():
        # April is paid: the item may stop from May on, but not change or vanish from April.
        problem(api.post(f"/api/v1/pay-items/{item['id']}/archive", {"version": item["version"]}), 422,
                "validation_failed", fields={"period_from": "payroll_period_posted"})
        problem(api.patch(f"/api/v1/pay-items/{item['id']}", {"version": item["version"], "amount": "12.00"}), 422,
                "validation_failed", fields={"period_from": "payroll_period_posted"})
        # A monthly item begun before a posted month would change it too.
        problem(api.post("/api/v1/pay-items", {"employee_id": a["id"], "kind": "deduction", "name": "Loan",
                                               "amount": "5.00", "period_from": "2026-03"}), 422,
                "validation_failed", fields={"period_from": "payroll_period_posted"})
    stopped = api.patch(f"/api/v1/pay-items/{item['id']}", {"version": item["version"], "period_to": "2026-04"})
    assert stopped.status_code == 200 and stopped.json["period_to"] == "2026-04-01", stopped.get_data(as_text=True)
    with unchanged():
        # Renaming it would rename what April paid, whatever the end: refused.
        problem(api.patch(f"/api/v1/pay-items/{item['id']}", {"version": stopped.json["version"], "period_to": None,
                                                              "name": "Bonus"}), 422,
                "validation_failed", fields={"period_from": "payroll_period_posted"})
