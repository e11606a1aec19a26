"""Payroll reports: the register of a run (or a month) and the cost per department over posted months.

Amounts are the payslips' own exact Decimals, summed exactly (in Python for the register, whose every
line is shown; in SQL for the cost per department) and rounded by the base currency where they are shown.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from ...core import dates
from ...core.actor import Actor
from ...core.errors import FieldError, ValidationFailed
from ...core.i18n import translate
from ...hr.models import Employee, Position
from ...ledger.service import books
from ...org.models import Department
from ...reports.service import branch_scope, money_sum
from ...reports.xlsx import Book, Col
from .schemas import CostOut, CostRow, RegisterColumn, RegisterOut, RegisterRow, RegisterTotals, RunRef
from ..models import PayrollRun, Payslip, PayslipLine
from ..service import get_run, line_names
from .wording import month_text, say

ZERO = Decimal(0)
POSTED = ("posted", "paid")
KIND_ORDER = {"earning": 0, "deduction": 1, "contribution": 2}
# Fixed items share a code; each is its own column, by the name it was given.
ITEM_CODES = ("bonus", "allowance", "deduction")


def _ref(run: PayrollRun) -> RunRef:
    return RunRef(run.id, run.number, run.kind, run.status, run.period, run.branch_id)


def _names(session: Session, model: Any, ids: set[Optional[int]]) -> dict[int, Any]:
    wanted = [i for i in ids if i is not None]
    return {o.id: o for o in session.scalars(select(model).where(model.id.in_(wanted)))} if wanted else {}


# --- the register ---------------------------------------------------------------------------------

def register_runs(session: Session, actor: Actor, run_id: Optional[int], period: Optional[dt.date],
                  branch_id: Optional[int]) -> list[PayrollRun]:
    """The run asked for, or every run of the month (of one branch, else of the branches the user sees)."""
    if (run_id is None) == (period is None) or (run_id is not None and branch_id is not None):
        raise ValidationFailed(errors=[FieldError("run_id", "run_or_period")])
    if run_id is not None:
        return [get_run(session, actor, run_id)]
    assert period is not None
    stmt = select(PayrollRun).where(PayrollRun.company_id == actor.company_id, PayrollRun.period == period,
                                    *branch_scope(actor, branch_id, PayrollRun.branch_id))
    return list(session.scalars(stmt.order_by(PayrollRun.branch_id, PayrollRun.id)))


def register(session: Session, actor: Actor, runs: list[PayrollRun], language: str) -> RegisterOut:
    """One row per payslip (per employee of a run), one column per earning, deduction and contribution."""
    base = books(session, actor.company_id).base
    r = base.round
    by_id = {run.id: run for run in runs}
    slips = list(session.execute(
        select(Payslip, Employee).join(Employee, Employee.id == Payslip.employee_id)
        .where(Payslip.run_id.in_(list(by_id)))
        .order_by(Payslip.run_id, Employee.number, Employee.id)
        .options(lazyload(Payslip.lines))  # read below as plain rows, in one query
    )) if runs else []
    departments = _names(session, Department, {s.department_id for s, _e in slips})
    positions = _names(session, Position, {s.position_id for s, _e in slips})
    local = line_names(session, actor.company_id, language)

    lines = session.execute(
        select(PayslipLine.id, PayslipLine.payslip_id, PayslipLine.kind, PayslipLine.code, PayslipLine.name,
               PayslipLine.amount)
        .join(Payslip, Payslip.id == PayslipLine.payslip_id).where(Payslip.run_id.in_(list(by_id)))
        .order_by(PayslipLine.id)
    ).all() if runs else []
    # Columns by kind, then in the order payroll computes lines (salary before overtime, taxes by rule order).
    first_seen: dict[tuple[str, str, str], int] = {}
    names: dict[tuple[str, str, str], str] = {}
    per_slip: dict[int, dict[tuple[str, str, str], Decimal]] = {}
    for line_id, slip_id, kind, code, name, amount in lines:
        key = (kind, code, name if code in ITEM_CODES else "")
        first_seen.setdefault(key, line_id)
        names.setdefault(key, name if code in ITEM_CODES else local(kind, code, name))
        cell = per_slip.setdefault(slip_id, {})
        cell[key] = cell.get(key, ZERO) + amount
    keys = sorted(first_seen, key=lambda k: (KIND_ORDER[k[0]], first_seen[k]))
    columns = [RegisterColumn(kind, code, names[(kind, code, item)]) for kind, code, item in keys]

    rows = []
    for slip, emp in slips:
        run = by_id[slip.run_id]
        cells = per_slip.get(slip.id, {})
        dept = departments.get(slip.department_id)
        pos = positions.get(slip.position_id)
        rows.append(RegisterRow(
            run_id=run.id, run_number=run.number, employee_id=emp.id, number=emp.number, full_name=emp.full_name,
            department=dept.name if dept else "",
            position=str((pos.names or {}).get(language) or pos.name) if pos else "",
            worked_days=slip.worked_days, worked_hours=slip.worked_hours,
            amounts=[r(cells.get(k, ZERO)) for k in keys], gross=r(slip.gross), deductions=r(slip.deductions),
            net=r(slip.net), contributions=r(slip.contributions)))
    totals = RegisterTotals(
        employees=len({row.employee_id for row in rows}),
        amounts=[r(sum((row.amounts[i] for row in rows), ZERO)) for i in range(len(keys))],
        gross=r(sum((row.gross for row in rows), ZERO)), deductions=r(sum((row.deductions for row in rows), ZERO)),
        net=r(sum((row.net for row in rows), ZERO)), contributions=r(sum((row.contributions for row in rows), ZERO)))
    return RegisterOut(base.code, [_ref(run) for run in runs], columns, rows, totals)


# --- the cost per department ----------------------------------------------------------------------

def check_months(from_: Optional[dt.date], to: Optional[dt.date]) -> tuple[dt.date, dt.date]:
    """from/to months with defaults: January of `to`'s year up to the current month."""
    to = to or (from_ if from_ is not None and from_ > dates.today() else dates.today().replace(day=1))
    from_ = from_ or to.replace(month=1)
    if from_ > to:
        params = {"from_date": from_.strftime("%Y-%m"), "to_date": to.strftime("%Y-%m")}
        raise ValidationFailed(errors=[FieldError("from", "invalid_period", params)])
    return from_, to


def cost(session: Session, actor: Actor, from_: Optional[dt.date], to: Optional[dt.date], branch_id: Optional[int],
         language: str) -> CostOut:
    """Gross pay, employer contributions, total cost and headcount per department over posted (and paid) runs,
    adjustment runs included; a payslip counts in the department it was computed in."""
    from_, to = check_months(from_, to)
    base = books(session, actor.company_id).base
    scope = [PayrollRun.company_id == actor.company_id, PayrollRun.status.in_(POSTED),
             PayrollRun.period >= from_, PayrollRun.period <= to,
             *branch_scope(actor, branch_id, PayrollRun.branch_id)]
    runs = list(session.scalars(select(PayrollRun).where(*scope).order_by(PayrollRun.period, PayrollRun.id)))
    joined = select(Payslip.department_id).join(PayrollRun, PayrollRun.id == Payslip.run_id).where(*scope)
    grouped = session.execute(
        joined.add_columns(func.count(func.distinct(Payslip.employee_id)), money_sum(Payslip.gross),
                           money_sum(Payslip.contributions))
        .group_by(Payslip.department_id)
    ).all()
    departments = _names(session, Department, {d for d, *_rest in grouped})
    nobody = say("payroll_report_no_department", language)
    rows = [CostRow(dept_id, departments[dept_id].name if dept_id in departments else nobody, int(heads),
                    base.round(gross), base.round(contrib), base.round(gross + contrib))
            for dept_id, heads, gross, contrib in grouped]
    rows.sort(key=lambda row: (row.department_id is None, row.name.casefold(), row.department_id or 0))
    # Someone who moved between departments is one person of the company's headcount.
    heads = session.scalar(select(func.count(func.distinct(Payslip.employee_id)))
                           .join(PayrollRun, PayrollRun.id == Payslip.run_id).where(*scope)) or 0
    gross, contrib = sum((x.gross for x in rows), ZERO), sum((x.contributions for x in rows), ZERO)
    totals = CostRow(None, translate("report_total", language), int(heads), gross, contrib, gross + contrib)
    return CostOut(from_.strftime("%Y-%m"), to.strftime("%Y-%m"), branch_id, base.code, [_ref(r) for r in runs], rows,
                totals)


# --- as workbooks ---------------------------------------------------------------------------------

def _amounts_in(b: Book, currency: str) -> str:
    return b.t("report_amounts_in", currency=currency)


def register_xlsx(r: RegisterOut, language: str) -> bytes:
    b = Book(language)
    title = say("payroll_register_title", language)
    several = len(r.runs) > 1
    runs = ", ".join(f"{x.number} ({month_text(x.period, language)})" for x in r.runs)
    cols = ([Col(say("payroll_report_run", language))] if several else []) + [
        Col(say("payroll_report_staff_number", language)), Col(say("payroll_report_employee", language)),
        Col(say("payroll_report_department", language)), Col(say("payroll_report_position", language)),
        Col(say("payroll_report_worked_days", language), "int"),
        *(Col(c.name, "money") for c in r.columns),
        Col(say("payroll_report_gross", language), "money"), Col(say("payroll_report_deductions", language), "money"),
        Col(say("payroll_report_net", language), "money"), Col(say("payroll_report_contributions", language), "money"),
    ]
    rows: list[tuple[str, list[Any]]] = [
        ("row", ([x.run_number] if several else []) + [x.number, x.full_name, x.department, x.position,
                                                      x.worked_days, *x.amounts, x.gross, x.deductions, x.net,
                                                      x.contributions])
        for x in r.rows]
    t = r.totals
    rows.append(("total", ([None] if several else []) + [translate("report_total", language), None, None, None, None,
                                                         *t.amounts, t.gross, t.deductions, t.net, t.contributions]))
    b.sheet(title, title, [say("payroll_report_runs", language, runs=runs), _amounts_in(b, r.currency)], cols,
            r.currency, rows)
    return b.close()


def cost_xlsx(r: CostOut, language: str) -> bytes:
    b = Book(language)
    title = say("payroll_cost_title", language)
    months = say("payroll_report_months", language, from_month=month_text(dt.date.fromisoformat(r.from_month + "-01"),
                                                                           language),
                 to_month=month_text(dt.date.fromisoformat(r.to_month + "-01"), language))
    cols = [Col(say("payroll_report_department", language)), Col(say("payroll_report_headcount", language), "int"),
            Col(say("payroll_report_gross", language), "money"),
            Col(say("payroll_report_contributions", language), "money"),
            Col(say("payroll_report_cost", language), "money")]
    rows: list[tuple[str, list[Any]]] = [("row", [x.name, x.headcount, x.gross, x.contributions, x.cost])
                                         for x in r.rows]
    t = r.totals
    rows.append(("total", [t.name, t.headcount, t.gross, t.contributions, t.cost]))
    b.sheet(title, title, [months, _amounts_in(b, r.currency)], cols, r.currency, rows)
    return b.close()
