"""The payroll register and the cost per department: exact Decimals as JSON and as workbooks read back with openpyxl.

The month of tests/payroll/test_payslip_documents.py (April 2026, Phnom Penh): Chan Dara in Sales earns 1,000.00
plus a 100.00 bonus, less the 10 % tax (110.00) and a 20.00 uniform, and costs the company 5 % more (55.00);
the second employee, in no department, earns 1,520.00, less 152.00 tax, and costs 76.00 more.
"""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from server.core.i18n import translate

from tests.factories import HOSTILE_EMPLOYEE_NAME, Month, docx_text, hire, month, open_run, payslip, problem, step

D = Decimal
REGISTER = "/api/v1/reports/payroll-register"
COST = "/api/v1/reports/payroll-cost"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


def money(value: Any) -> Decimal:
    """A workbook number back as the Decimal it was written from (to the cent)."""
    return D(str(value)).quantize(D("0.01"))


def adjust(api: Any, world: Any, m: Month) -> dict[str, Any]:
    """A posted correction of April: Dara's bonus paid late, 50.00 (tax 5.00, contribution 2.50)."""
    fix = open_run(api, world, kind="adjustment", adjusts_run_id=m.run["id"])
    r = api.post("/api/v1/pay-items", {"employee_id": m.dara["id"], "kind": "earning", "name": "April bonus, late",
                                       "amount": "50.00", "period_from": "2026-04", "run_id": fix["id"]})
    assert r.status_code == 201, r.get_data(as_text=True)
    return step(api, step(api, step(api, fix, "calculate"), "approve"), "post")


def test_the_register_of_a_run_has_a_column_per_line_and_exact_totals(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db, post=False)  # a register is read before approving, too
    r = api.get(REGISTER, query_string={"run_id": m.run["id"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.json
    assert body["currency"] == "USD" and [x["number"] for x in body["runs"]] == [m.run["number"]]
    assert [(c["kind"], c["code"], c["name"]) for c in body["columns"]] == [
        ("earning", "salary", "Salary"), ("earning", "bonus", "Sales bonus"),
        ("deduction", "wht", "Withholding tax"), ("deduction", "deduction", "Uniform"),
        ("contribution", "er_fund", "Employer fund")]
    dara, sokha = body["rows"]
    assert (dara["full_name"], dara["department"], dara["position"], dara["worked_days"], dara["worked_hours"]) == \
        ("Chan Dara", "Sales", "Cashier", 19, "152")
    assert [D(a) for a in dara["amounts"]] == [D("1000.00"), D("100.00"), D("110.00"), D("20.00"), D("55.00")]
    assert dara["amounts"][0] == "1000.00"  # rounded to the currency's cents, not the column's four places
    assert [D(dara[k]) for k in ("gross", "deductions", "net", "contributions")] == \
        [D("1100.00"), D("130.00"), D("970.00"), D("55.00")]
    assert (sokha["full_name"], sokha["department"]) == (HOSTILE_EMPLOYEE_NAME, "")
    assert [D(a) for a in sokha["amounts"]] == [D("1520.00"), D(0), D("152.00"), D(0), D("76.00")]
    totals = body["totals"]
    assert totals["employees"] == 2
    assert [D(a) for a in totals["amounts"]] == [D("2520.00"), D("100.00"), D("262.00"), D("20.00"), D("131.00")]
    assert [D(totals[k]) for k in ("gross", "deductions", "net", "contributions")] == \
        [D("2620.00"), D("282.00"), D("2338.00"), D("131.00")]

    r = api.get(REGISTER, query_string={"run_id": m.run["id"], "format": "xlsx"})
    assert r.status_code == 200 and r.mimetype == XLSX, r.get_data(as_text=True)
    rows = sheet_rows(r.data)
    assert rows[0][0] == "Payroll register"
    assert rows[1][0] == f"Payroll runs: {m.run['number']} (April 2026)" and rows[2][0] == "Amounts in USD"
    header = rows[4]
    assert header == ("Staff No.", "Employee", "Department", "Position", "Days worked", "Salary", "Sales bonus",
                      "Withholding tax", "Uniform", "Employer fund", "Gross pay", "Deductions", "Net pay",
                      "Employer contributions")
    assert rows[5][:5] == (m.dara["number"], "Chan Dara", "Sales", "Cashier", 19)
    assert [money(v) for v in rows[5][5:]] == [D("1000.00"), D("100.00"), D("110.00"), D("20.00"), D("55.00"),
                                               D("1100.00"), D("130.00"), D("970.00"), D("55.00")]
    assert rows[6][1] == HOSTILE_EMPLOYEE_NAME  # typed names stay text, never a formula
    assert rows[7][0] == "Total" and [money(v) for v in rows[7][5:]] == [
        D("2520.00"), D("100.00"), D("262.00"), D("20.00"), D("131.00"), D("2620.00"), D("282.00"), D("2338.00"),
        D("131.00")]


def test_the_register_speaks_the_users_language(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db)
    ru = api.get(REGISTER, query_string={"run_id": m.run["id"]}, headers={"Accept-Language": "ru"}).json
    assert [c["name"] for c in ru["columns"]] == [translate("line_salary", "ru"), "Sales bonus", "Налог у источника",
                                                  "Uniform", "Взнос в фонд"]
    assert ru["rows"][0]["position"] == "Кассир"
    r = api.get(REGISTER, query_string={"run_id": m.run["id"], "format": "xlsx"}, headers={"Accept-Language": "km"})
    rows = sheet_rows(r.data)
    assert rows[0][0] == "បញ្ជីបើកប្រាក់បៀវត្សរ៍" and "ខែមេសា ឆ្នាំ២០២៦" in rows[1][0]
    assert rows[4][:6] == ("អត្តលេខបុគ្គលិក", "និយោជិត", "ផ្នែក", "មុខតំណែង", "ចំនួនថ្ងៃធ្វើការ",
                         translate("line_salary", "km"))  # the run API's own name of the line


def test_the_register_of_a_month_takes_every_run_of_it(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db)
    fix = adjust(api, world, m)
    body = api.get(REGISTER, query_string={"period": "2026-04"}).json
    assert [x["number"] for x in body["runs"]] == [m.run["number"], fix["number"]]
    assert [(row["run_number"], row["full_name"], D(row["gross"])) for row in body["rows"]] == [
        (m.run["number"], "Chan Dara", D("1100.00")), (m.run["number"], HOSTILE_EMPLOYEE_NAME, D("1520.00")),
        # An adjustment run has payslips only for those it has items for: Sokha's month is unchanged.
        (fix["number"], "Chan Dara", D("50.00"))]
    assert [c["name"] for c in body["columns"]] == ["Salary", "Sales bonus", "April bonus, late", "Withholding tax",
                                                    "Uniform", "Employer fund"]
    assert body["totals"]["employees"] == 2
    assert [D(body["totals"][k]) for k in ("gross", "deductions", "net", "contributions")] == \
        [D("2670.00"), D("287.00"), D("2383.00"), D("133.50")]
    rows = sheet_rows(api.get(REGISTER, query_string={"period": "2026-04", "format": "xlsx"}).data)
    assert rows[4][0] == "Run" and [r[0] for r in rows[5:8]] == [m.run["number"]] * 2 + [fix["number"]]
    assert api.get(REGISTER, query_string={"period": "2026-04", "branch_id": world.branches["SR"]}).json["rows"] == []
    # The correction's payslip says what it corrects.
    text = docx_text(payslip(api, fix, m.dara, language="en"))
    assert f"Correction of payroll {m.run['number']} of the same month." in text and "Not final" not in text
    assert "April bonus, late" in text and "Net pay\n45.00 USD" in text


def test_the_cost_per_department_counts_posted_months_only(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db)
    adjust(api, world, m)
    # May is calculated but not posted: it is not a cost yet. Siem Reap's April is posted, in its own branch.
    step(api, open_run(api, world, period="2026-05"), "calculate")
    hire(api, world, "Keo Sothea", salary="800.00", hired_on="2026-03-01", branch="SR")
    step(api, step(api, step(api, open_run(api, world, branch="SR"), "calculate"), "approve"), "post")

    r = api.get(COST, query_string={"from": "2026-04", "to": "2026-05", "branch_id": world.branches["PP"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.json
    assert (body["from_month"], body["to_month"], body["currency"]) == ("2026-04", "2026-05", "USD")
    assert [(x["name"], x["headcount"], D(x["gross"]), D(x["contributions"]), D(x["cost"])) for x in body["rows"]] == [
        ("Sales", 1, D("1150.00"), D("57.50"), D("1207.50")),
        ("No department", 1, D("1520.00"), D("76.00"), D("1596.00"))]
    t = body["totals"]
    assert (t["name"], t["headcount"], t["gross"], t["contributions"], t["cost"]) == \
        ("Total", 2, "2670.00", "133.50", "2803.50")
    assert len(body["runs"]) == 2 and all(x["status"] == "posted" for x in body["runs"])

    everywhere = api.get(COST, query_string={"from": "2026-01", "to": "2026-12"}).json
    assert (everywhere["totals"]["headcount"], D(everywhere["totals"]["gross"])) == (3, D("3470.00"))
    assert api.get(COST, query_string={"from": "2026-05", "to": "2026-05"}).json["rows"] == []

    rows = sheet_rows(api.get(COST, query_string={"from": "2026-04", "to": "2026-04", "branch_id": world.branches["PP"],
                                                  "format": "xlsx"}, headers={"Accept-Language": "ru"}).data)
    assert rows[0][0] == "Затраты на оплату труда по подразделениям"
    assert rows[1][0] == "Месяцы: с апрель 2026\xa0г. по апрель 2026\xa0г."
    assert rows[4] == ("Подразделение", "Численность", "Начислено", "Взносы работодателя", "Всего затрат")
    assert rows[5][:2] == ("Sales", 1) and [money(v) for v in rows[5][2:]] == [D("1150.00"), D("57.50"), D("1207.50")]
    assert rows[6][:2] == ("Без подразделения", 1) and [money(v) for v in rows[6][2:]] == \
        [D("1520.00"), D("76.00"), D("1596.00")]
    assert rows[7][:2] == ("Итого", 2) and [money(v) for v in rows[7][2:]] == [D("2670.00"), D("133.50"), D("2803.50")]


def test_payroll_reports_refuse_bad_input_with_clear_errors(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    from server.org.auth import issue_token
    from server.org.models import Branch, User

    m = month(api, world, db)
    with db.write_session() as s, s.begin():
        user = User(company_id=world.company_id, email="acc.sr@angkor.example", name="Accountant SR", role="accountant")
        user.branches = [s.get(Branch, world.branches["SR"])]
        s.add(user)
        s.flush()
        sr = api.as_(issue_token(s, user, "test")[1])
    with unchanged():
        problem(api.get(REGISTER), 422, "validation_failed", fields={"run_id": "run_or_period"})
        problem(api.get(REGISTER, query_string={"run_id": m.run["id"], "period": "2026-04"}), 422, "validation_failed",
                fields={"run_id": "run_or_period"})
        for bad in ("2026-13", "April", "1999-12", "2026-04-31"):
            body = problem(api.get(REGISTER, query_string={"period": bad}), 422, "validation_failed")
            assert [e["field"] for e in body["errors"]] == ["period"], bad
        problem(api.get(REGISTER, query_string={"run_id": 999999}), 404, "not_found")
        problem(api.get(REGISTER, query_string={"run_id": m.run["id"], "format": "pdf"}), 422, "validation_failed",
                fields={"format": "invalid_choice"})
        # Outside the user's branches: the run is not found, a branch asked for is refused.
        problem(sr.get(REGISTER, query_string={"run_id": m.run["id"]}), 404, "not_found")
        problem(sr.get(REGISTER, query_string={"period": "2026-04", "branch_id": world.branches["PP"]}), 403,
                "out_of_branch_scope")
        problem(sr.get(COST, query_string={"from": "2026-04", "to": "2026-04", "branch_id": world.branches["PP"]}),
                403, "out_of_branch_scope")
        assert sr.get(REGISTER, query_string={"period": "2026-04"}).json["rows"] == []
        assert sr.get(COST, query_string={"from": "2026-04", "to": "2026-04"}).json["rows"] == []
        body = problem(api.get(COST, query_string={"from": "2026-05", "to": "2026-04"}), 422, "validation_failed",
                       fields={"from": "invalid_period"})
        assert "2026-05" in body["errors"][0]["message"] and "2026-04" in body["errors"][0]["message"]
        problem(api.get(COST, query_string={"from": "2026-4x"}), 422, "validation_failed")
        for role in ("sales", "warehouse"):
            problem(api.as_(world.tokens[role]).get(REGISTER, query_string={"run_id": m.run["id"]}), 403,
                    "role_forbidden")
            problem(api.as_(world.tokens[role]).get(COST), 403, "role_forbidden")
        for role in ("accountant", "hr"):
            assert api.as_(world.tokens[role]).get(COST).status_code == 200
