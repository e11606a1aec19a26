"""bench_payroll: a month's payroll for 5,000 employees with timesheets, calculated and posted, against the
same run done employee by employee through the ORM.

The company is Cambodian (books in USD) with the Cambodian preset loaded (salary tax in KHR brackets,
NSSF with its floor and ceiling); every employee has a full month of timesheet days (absences, overtime and
pieces sprinkled in), a fifth are hourly, a tenth also piece-rated, some have a fixed bonus.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any

from .common import OUT, app_for, cpu_note, fresh_db, out, ratio, remove_db, target

EMPLOYEES = 5_000
BASELINE = 500
TARGET_S = 10.0
PERIOD = dt.date(2026, 4, 1)
D = Decimal


def _world(path: str, n: int) -> tuple[Any, Any]:
    """A fresh company with n employees hired through events, the KH preset, a KHR rate and April's timesheets."""
    from server.core import dates
    from server.db import insert_ids, insert_rows
    from server.currency.models import ExchangeRate
    from server.hr.models import Employee, EmploymentEvent
    from server.org.models import Department
    from server.payroll.calendar import service as calendar
    from server.payroll.models import PayItem, TimesheetDay
    from server.payroll.rules.service import load_preset

    fx = fresh_db(path)
    app = app_for(fx.url)
    db = app.extensions["clientbase.db"]
    rnd = random.Random(7)
    actor = fx.actor()
    with db.write_session() as s, s.begin():
        s.add(ExchangeRate(company_id=fx.company_id, currency="KHR", date=dt.date(2026, 1, 1), rate=D("0.00025")))
        load_preset(s, actor, "KH", False)
        depts = []
        for i in range(10):
            d = Department(company_id=fx.company_id, branch_id=fx.branches["PP"], name=f"Department {i}")
            s.add(d)
            s.flush()
            depts.append(d.id)
        hired = dt.date(2025, 1, 6)
        now = dates.now()
        people, terms = [], []
        for i in range(n):
            hourly = i % 5 == 0
            t = {
                "branch_id": fx.branches["PP"], "department_id": depts[i % 10], "position_id": None,
                "hours_per_day": D(8), "salary": D(0) if hourly else D(300 + rnd.randrange(0, 1500)),
                "hourly_rate": D(f"{rnd.randrange(2, 9)}.{rnd.randrange(0, 100):02d}") if hourly else D(0),
                "piece_rate": D("0.25") if i % 10 == 3 else D(0), "commission_percent": D(0),
            }
            terms.append(t)
            people.append({"company_id": fx.company_id, "number": f"E{i + 1:06d}", "full_name": f"Employee {i + 1}",
                           "dependants": i % 3, "status": "active", "hired_on": hired, "language": None,
                           "version": 1, "created_at": now, "updated_at": now, **t})
        ids = insert_ids(s, Employee.__table__, people)
        insert_rows(s, EmploymentEvent.__table__, [
            {"company_id": fx.company_id, "employee_id": emp, "kind": "hire", "date": hired, "end_date": None,
             "reason": None, "created_at": now, "created_by": fx.owner_id, **t} for emp, t in zip(ids, terms)])
        month = calendar.month(s, fx.company_id, "KH", PERIOD)
        days = []
        for emp in ids:
            for day in month.days:
                if day.kind not in ("working", "short"):
                    continue
                roll = rnd.random()
                code, hours = ("V", D(0)) if roll < 0.03 else ("A", D(0)) if roll < 0.04 else ("W", D(8))
                days.append({"company_id": fx.company_id, "employee_id": emp, "date": day.date, "code": code,
                             "hours": hours, "overtime_hours": D(2) if roll > 0.97 else D(0),
                             "units": D(rnd.randrange(0, 200)) if emp % 10 == 3 else D(0), "source": "import",
                             "updated_at": now, "updated_by": fx.owner_id})
        insert_rows(s, TimesheetDay.__table__, days)
        insert_rows(s, PayItem.__table__, [
            {"company_id": fx.company_id, "employee_id": emp, "kind": "earning", "name": "Attendance bonus",
             "amount": D("25.00"), "taxable": True, "period_from": PERIOD, "period_to": None, "run_id": None,
             "archived_at": None, "version": 1, "created_at": now, "updated_at": now} for emp in ids[::4]])
    return fx, app


def _check(db: Any, run_id: int, n: int) -> tuple[int, int, bool, str]:
    """Payslips, lines, whether the entry balances and matches the run, and the run's net (a fast wrong answer is none)."""
    from sqlalchemy import func, select

    from server.ledger.models import JournalLine
    from server.payroll.models import PayrollRun, Payslip, PayslipLine

    with db.read_session() as s:
        run = s.get_one(PayrollRun, run_id)
        slips = s.scalar(select(func.count()).select_from(Payslip).where(Payslip.run_id == run_id))
        lines = s.scalar(select(func.count()).select_from(PayslipLine).join(Payslip).where(Payslip.run_id == run_id))
        debit, credit = s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                                  .where(JournalLine.entry_id == run.entry_id)).one()
        net = s.scalar(select(func.sum(Payslip.net)).where(Payslip.run_id == run_id))
        ok = slips == n and debit == credit and debit == run.gross + run.contributions and net == run.net
        return slips, lines, ok, str(run.net)


def _fast(n: int) -> tuple[float, float, float, int, bool, str, float]:
    from server.payroll import schemas, service

    fx, app = _world(str(OUT / "payroll.sqlite3"), n)
    db = app.extensions["clientbase.db"]
    actor = fx.actor()
    with db.write_session() as s, s.begin():
        run = service.create_run(s, actor, schemas.RunIn(period=PERIOD, branch_id=fx.branches["PP"]))
        run_id, version = run.id, run.version
    t0, c0 = time.perf_counter(), time.process_time()
    with db.write_session() as s, s.begin():
        run = service.calculate(s, actor, run_id, version)
        version = run.version
    t_calc = time.perf_counter() - t0
    with db.write_session() as s, s.begin():
        run = service.approve(s, actor, run_id, version)
        run = service.post(s, actor, run_id, run.version)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    slips, lines, ok, net = _check(db, run_id, n)
    db.dispose()
    remove_db(fx.path)
    return wall, cpu, t_calc, lines, ok, net, slips


def _naive(n: int) -> float:
    """The same month, employee by employee: the ORM reads each employee's events, days, items and requests,
    the same compute.payslip runs, and each payslip and line is added and flushed; then the same entry."""
    from sqlalchemy import select

    from server.hr.models import Employee, EmploymentEvent, StaffRequest
    from server.ledger.service import books, post_entry
    from server.payroll import compute, schemas, service, staff
    from server.payroll.calendar import service as calendar
    from server.payroll.models import PayItem, PayrollRun, Payslip, PayslipLine, TimesheetDay
    from server.payroll.rules.service import active_rules
    from server.payroll.rules.taxes import rule_spec
    from server.currency.service import rate_on

    fx, app = _world(str(OUT / "payroll-naive.sqlite3"), n)
    db = app.extensions["clientbase.db"]
    actor = fx.actor()
    with db.write_session() as s, s.begin():
        run = service.create_run(s, actor, schemas.RunIn(period=PERIOD, branch_id=fx.branches["PP"]))
        run_id = run.id
    t0 = time.perf_counter()
    with db.write_session() as s, s.begin():
        run = s.get_one(PayrollRun, run_id)
        b = books(s, fx.company_id)
        end = staff.month_end(PERIOD)
        month = calendar.month(s, fx.company_id, "KH", PERIOD)
        specs = [rule_spec(r, rate_on(s, fx.company_id, r.currency, end)) for r in active_rules(s, fx.company_id, "KH")]
        for emp in s.scalars(select(Employee).where(Employee.company_id == fx.company_id)).all():
            events = s.scalars(select(EmploymentEvent).where(EmploymentEvent.employee_id == emp.id)
                               .order_by(EmploymentEvent.date)).all()
            ev = events[-1]
            terms = [compute.Terms(PERIOD, end, ev.salary, ev.hourly_rate, ev.piece_rate, ev.commission_percent,
                                   ev.hours_per_day, ev.department_id, ev.position_id)]
            job = staff.Employment(emp, terms, ev.branch_id)
            stored = {d.date: compute.Entry(d.code, d.hours, d.overtime_hours, d.units, d.source) for d in s.scalars(select(TimesheetDay).where(
                TimesheetDay.employee_id == emp.id, TimesheetDay.date >= PERIOD, TimesheetDay.date <= end))}
            reqs = s.scalars(select(StaffRequest).where(StaffRequest.employee_id == emp.id)).all()
            items = [compute.Item(i.kind, i.name, i.amount, i.taxable) for i in s.scalars(
                select(PayItem).where(PayItem.employee_id == emp.id, PayItem.run_id.is_(None)))]
            inp = compute.Input(emp.id, emp.dependants, terms, staff.effective_days(job, month, stored, list(reqs)),
                                month.norm_days, month.norm_hours, items=items)
            res = compute.payslip(inp, specs, overtime_multiplier=D("1.5"), round_money=b.base.round)
            slip = Payslip(company_id=fx.company_id, run_id=run.id, employee_id=emp.id, gross=res.gross,
                           deductions=res.deductions, net=res.net, contributions=res.contributions,
                           worked_days=res.worked_days, worked_hours=res.worked_hours)
            s.add(slip)
            s.flush()
            for ln in res.lines:
                s.add(PayslipLine(payslip_id=slip.id, kind=ln.kind, code=ln.code, name=ln.name, amount=ln.amount,
                                  base=ln.base, explain=ln.explain))
                s.flush()
        post_entry(s, actor, date=end, lines=service.entry_lines(s, run), source_type="payroll_run", source_id=run.id)
    wall = time.perf_counter() - t0
    db.dispose()
    remove_db(fx.path)
    return wall


def run(ctx: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    n = EMPLOYEES
    wall, cpu, t_calc, lines, ok, net, slips = _fast(n)
    per_1000 = wall / (n / 1000)
    out(f"bench_payroll: April 2026 for {n:,} employees with timesheets (KH preset, {lines:,} payslip lines), "
        f"calculate + approve + post on SQLite: {wall:.2f} s (calculate {t_calc:.2f} s), {per_1000:.2f} s per 1,000 "
        f"employees, net {net}{'' if ok else ' CHECK FAILED'} [{cpu_note(wall, cpu)}] "
        f"{target(wall <= TARGET_S, f'<= {TARGET_S:.0f} s')}")
    base = _naive(BASELINE)
    base_per_1000 = base / (BASELINE / 1000)
    out(f"bench_payroll: baseline employee by employee through the ORM (query per employee, flush per line): "
        f"{BASELINE:,} employees in {base:.2f} s, {base_per_1000:.2f} s per 1,000; bulk path "
        f"{ratio(base_per_1000, per_1000)} faster per employee")
