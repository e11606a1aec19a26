"""Payroll runs: draft → calculated → approved → posted (one ledger entry) → paid (one payment); timesheets; pay items.

A run is calculated in bulk: everything it needs is read in a few queries (employment events, timesheet
days, approved requests, pay items, paid sales, the year's posted tax bases), each payslip is computed in
memory by `compute.payslip`, and payslips and their lines are written with the driver's executemany.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..audit import records
from ..audit.service import log_change
from ..core import dates
from ..core.actor import Actor
from ..core.errors import Conflict, ErrorList, FieldError, NotFound, ValidationFailed
from ..core.i18n import translate
from ..currency.service import rate_on
from ..db import insert_ids, insert_rows
from ..finance.models import Allocation, CashAccount, Payment
from ..finance.service import pay_out
from ..hr import service as hr
from ..hr.models import Employee
from ..ledger.service import Line as LedgerLine
from ..ledger.service import books, check_open_period, post_entry
from ..org.models import Branch
from ..sales.models import Invoice
from ..sales.numbering import next_number
from . import compute, schemas, staff
from .calendar import service as calendar
from .explain import describe
from .guard import month_of, posted_error, posted_months
from .models import RUN, PayItem, PayrollRun, Payslip, PayslipLine, TaxRule, TimesheetDay
from .rules.service import active_rules
from .rules.taxes import RuleSpec, rule_spec

ZERO = Decimal(0)
POSTED = ("posted", "paid")


def present_run(obj: PayrollRun) -> dict[str, Any]:
    return schemas.RunOut.model_validate(obj).model_dump(mode="json")


def present_item(obj: PayItem) -> dict[str, Any]:
    return schemas.PayItemOut.model_validate(obj).model_dump(mode="json")


# --- runs: create, read -----------------------------------------------------------------------

def _branch(session: Session, actor: Actor, branch_id: int, errors: ErrorList) -> Optional[Branch]:
    branch = session.get(Branch, branch_id)
    if branch is None or branch.company_id != actor.company_id:
        errors.add("branch_id", "unknown_reference", entity="branch", value=branch_id)
        return None
    if not actor.sees_branch(branch.id):
        errors.add("branch_id", "out_of_branch_scope")
        return None
    return branch


def create_run(session: Session, actor: Actor, data: schemas.RunIn) -> PayrollRun:
    errors = ErrorList()
    branch = _branch(session, actor, data.branch_id, errors)
    adjusts: Optional[PayrollRun] = None
    if data.kind == "adjustment":
        if data.adjusts_run_id is None:
            errors.add("adjusts_run_id", "required")
        else:
            adjusts = session.get(PayrollRun, data.adjusts_run_id)
            if adjusts is None or adjusts.company_id != actor.company_id:
                errors.add("adjusts_run_id", "unknown_reference", entity="payroll_run", value=data.adjusts_run_id)
                adjusts = None
            elif adjusts.status not in POSTED or adjusts.kind != "regular":
                errors.add("adjusts_run_id", "adjusts_posted_regular_run", run=adjusts.number)
            elif adjusts.period != data.period or adjusts.branch_id != data.branch_id:
                errors.add("adjusts_run_id", "adjusts_same_period",
                           period=adjusts.period.strftime("%Y-%m"), branch_id=adjusts.branch_id)
    elif data.adjusts_run_id is not None:
        errors.add("adjusts_run_id", "only_for_adjustments")
    errors.raise_if_any()
    assert branch is not None
    if data.kind == "regular":
        other = session.scalar(select(PayrollRun).where(
            PayrollRun.company_id == actor.company_id, PayrollRun.branch_id == branch.id,
            PayrollRun.period == data.period, PayrollRun.kind == "regular"))
        if other is not None:
            err = FieldError("period", "run_exists", {"run": other.number, "period": data.period.strftime("%Y-%m")})
            raise Conflict("run_exists", params=err.params, errors=[err])
    b = books(session, actor.company_id)
    number, _seq, _series = next_number(session, actor.company_id, branch.id, "payroll", data.period.year, letters="PR")
    return records.create(session, actor, PayrollRun(
        company_id=actor.company_id, branch_id=branch.id, number=number, period=data.period, kind=data.kind,
        adjusts_run_id=adjusts.id if adjusts else None, status="draft", currency=b.base.code, memo=data.memo,
    ), "payroll_run")


def get_run(session: Session, actor: Actor, id: int) -> PayrollRun:
    run = session.get(PayrollRun, id)
    if run is None or run.company_id != actor.company_id or not actor.sees_branch(run.branch_id):
        raise NotFound(params={"entity": "payroll_run", "id": id})
    return run


def list_runs(session: Session, actor: Actor, q: schemas.RunQuery) -> list[PayrollRun]:
    stmt = select(PayrollRun).where(PayrollRun.company_id == actor.company_id)
    if q.period is not None:
        stmt = stmt.where(PayrollRun.period == q.period)
    if q.branch_id is not None:
        stmt = stmt.where(PayrollRun.branch_id == q.branch_id)
    if q.status is not None:
        stmt = stmt.where(PayrollRun.status == q.status)
    if actor.branch_ids:
        stmt = stmt.where(PayrollRun.branch_id.in_(actor.branch_ids))
    return list(session.scalars(stmt.order_by(PayrollRun.period.desc(), PayrollRun.id.desc()).limit(500)))


def _versioned_run(session: Session, actor: Actor, id: int, version: int, action: str) -> PayrollRun:
    run = get_run(session, actor, id)
    records.check_version(run, version, present_run)
    RUN.check(run, action)
    return run


# --- calculate ----------------------------------------------------------------------------------

def _rule_specs(session: Session, company_id: int, base_currency: str, on: dt.date, country: str) -> list[RuleSpec]:
    """The rules of the branch's country (and those for every country), thresholds in the base currency at
    the rate of the period's last day."""
    return [rule_spec(rule, Decimal(1) if rule.currency == base_currency else rate_on(session, company_id, rule.currency, on, "period"))
            for rule in active_rules(session, company_id, country)]


def run_country(session: Session, company_id: int, branch_id: Optional[int], fallback: str) -> str:
    """A branch works by its own country's calendar and taxes (the holidays package must know it)."""
    branch = session.get(Branch, branch_id) if branch_id is not None else None
    if branch is not None and calendar.known_country(branch.country):
        return branch.country
    return fallback


def _commissions(session: Session, company_id: int, jobs: list[staff.Employment], start: dt.date,
                 end: dt.date) -> dict[int, tuple[Decimal, int]]:
    """employee id → (paid sales without VAT in the base currency, invoices) over the month.

    A sale counts for the employee linked to the invoice's manager, in the month it is paid, in proportion
    to what was paid: half an invoice paid pays half its commission; a credit note is not a payment.
    """
    by_user = {j.employee.user_id: j.employee.id for j in jobs if j.employee.user_id is not None}
    if not by_user or not any(t.commission_percent for j in jobs for t in j.terms):
        return {}
    rows = session.execute(
        select(Invoice.manager_id, Invoice.id, Invoice.net_total, Invoice.total, Allocation.amount_base)
        .join(Allocation, Allocation.invoice_id == Invoice.id)
        .where(Invoice.company_id == company_id, Invoice.kind == "sale_invoice",
               Invoice.manager_id.in_(list(by_user)), Allocation.payment_id.is_not(None),
               Allocation.reversed_at.is_(None), Allocation.date >= start, Allocation.date <= end)
    ).all()
    base: dict[int, Decimal] = defaultdict(Decimal)
    invoices: dict[int, set[int]] = defaultdict(set)
    for manager, invoice_id, net, total, paid in rows:
        emp = by_user[manager]
        base[emp] += paid * net / total if total else paid
        invoices[emp].add(invoice_id)
    return {emp: (amount.quantize(Decimal("0.01")), len(invoices[emp])) for emp, amount in base.items()}


def _pay_items(session: Session, company_id: int, employee_ids: list[int], period: dt.date,
               run_id: Optional[int]) -> dict[int, list[compute.Item]]:
    """The month's fixed bonuses and deductions, or (run_id) the items of one adjustment run."""
    stmt = select(PayItem).where(PayItem.company_id == company_id, PayItem.archived_at.is_(None))
    if run_id is not None:
        stmt = stmt.where(PayItem.run_id == run_id)
    else:
        stmt = stmt.where(PayItem.run_id.is_(None), PayItem.period_from <= period,
                          (PayItem.period_to.is_(None)) | (PayItem.period_to >= period))
    wanted = set(employee_ids)
    found: dict[int, list[compute.Item]] = defaultdict(list)
    for item in session.scalars(stmt.order_by(PayItem.id)):
        if item.employee_id in wanted:
            found[item.employee_id].append(compute.Item(item.kind, item.name, item.amount, item.taxable, item.id))
    return found


def _year_to_date(session: Session, company_id: int, employee_ids: list[int], run: PayrollRun,
                  specs: list[RuleSpec]) -> dict[int, dict[Any, tuple[Decimal, Decimal]]]:
    """Per employee: yearly rules' base and amount posted before this month (and, for an adjustment run,
    this month's posted base and amount of each monthly rule, and the month's taxable earnings)."""
    out: dict[int, dict[Any, tuple[Decimal, Decimal]]] = defaultdict(dict)
    codes = [s.code for s in specs]
    if not codes:
        return out
    year_start = run.period.replace(month=1)
    until = run.period if run.kind == "adjustment" else run.period - dt.timedelta(days=1)
    if until < year_start:
        return out
    wanted = set(employee_ids)
    yearly = {s.code for s in specs if s.period == "year"}
    rows = session.execute(
        select(Payslip.employee_id, PayrollRun.period, PayslipLine.kind, PayslipLine.code,
               func.sum(PayslipLine.base), func.sum(PayslipLine.amount))
        .join(PayrollRun, PayrollRun.id == Payslip.run_id).join(PayslipLine, PayslipLine.payslip_id == Payslip.id)
        .where(PayrollRun.company_id == company_id, PayrollRun.status.in_(POSTED),
               PayrollRun.period >= year_start, PayrollRun.period <= until)
        .group_by(Payslip.employee_id, PayrollRun.period, PayslipLine.kind, PayslipLine.code)
    ).all()
    for emp, period, kind, code, base, amount in rows:
        if emp not in wanted:
            continue
        base, amount = Decimal(base or 0), Decimal(amount or 0)
        mine = out[emp]
        if code in yearly and kind != "earning":
            b0, a0 = mine.get(code, (ZERO, ZERO))
            mine[code] = (b0 + base, a0 + amount)
        if run.kind == "adjustment" and period == run.period:
            if kind == "earning" and code != "allowance":
                b0, a0 = mine.get(("taxable", "month"), (ZERO, ZERO))
                mine[("taxable", "month")] = (b0 + amount, ZERO)
            elif code in codes and code not in yearly:
                b0, a0 = mine.get((code, "month"), (ZERO, ZERO))
                mine[(code, "month")] = (b0, a0 + amount)
    for mine in out.values():
        taxable = mine.pop(("taxable", "month"), None)
        if taxable is not None:
            for key in list(mine):
                if isinstance(key, tuple):
                    mine[key] = (taxable[0], mine[key][1])
            for code in codes:
                if code not in yearly and (code, "month") not in mine:
                    mine[(code, "month")] = (taxable[0], ZERO)
    return out


def calculate(session: Session, actor: Actor, id: int, version: int) -> PayrollRun:
    """(Re)compute every payslip of a draft or calculated run; nothing is kept of an earlier calculation."""
    run = _versioned_run(session, actor, id, version, "calculate")
    company_id = actor.company_id
    start, end = run.period, staff.month_end(run.period)
    b = books(session, company_id)
    settings = calendar.settings(session, company_id, actor)
    country = run_country(session, company_id, run.branch_id, settings.calendar_country)
    month = calendar.month(session, company_id, country, start)
    specs = _rule_specs(session, company_id, b.base.code, end, country)
    jobs = staff.employment(session, company_id, start, branch_id=run.branch_id)
    paid: set[int] = set()
    if run.kind == "adjustment":
        # The employees the adjustment has items for, and those the posted month missed (hired into it
        # afterwards), who are paid their whole month here.
        paid = {emp for emp, _period in posted_months(session, company_id, [j.employee.id for j in jobs], start, start)}
        adjusted = set(_pay_items(session, company_id, [j.employee.id for j in jobs], start, run.id))
        jobs = [j for j in jobs if j.employee.id in adjusted or j.employee.id not in paid]
    ids = [j.employee.id for j in jobs]
    stored = staff.stored_entries(session, company_id, ids, start, end)
    reqs = staff.requests(session, company_id, ids, start, end)
    items = _pay_items(session, company_id, [i for i in ids if i not in paid], start, None)
    if run.kind == "adjustment":
        for emp, own in _pay_items(session, company_id, ids, start, run.id).items():
            items.setdefault(emp, []).extend(own)
    commissions = _commissions(session, company_id, [j for j in jobs if j.employee.id not in paid], start, end)
    ytd = _year_to_date(session, company_id, ids, run, specs)
    already = {} if run.kind == "adjustment" else posted_months(session, company_id, ids, start, start)
    errors = ErrorList()
    results: list[tuple[staff.Employment, compute.Result]] = []
    for job in jobs:
        emp = job.employee
        if (emp.id, start) in already:
            errors.add(f"employees.{emp.number}", "payroll_period_posted", period=start.strftime("%Y-%m"),
                       run=already[(emp.id, start)])
            continue
        emp_reqs = reqs.get(emp.id, [])
        # An advance paid in another currency is deducted at what it cost in the base currency that day.
        advances = [compute.Advance(r.date_from, r.amount if (r.currency or b.base.code) == b.base.code
                                    else session.get_one(Payment, r.payment_id).amount_base, r.id)
                    for r in emp_reqs if r.kind == "advance" and r.status == "paid" and r.amount]
        commission, invoices = commissions.get(emp.id, (ZERO, 0))
        inp = compute.Input(
            employee_id=emp.id, dependants=emp.dependants, terms=job.terms,
            days=staff.effective_days(job, month, stored.get(emp.id, {}), emp_reqs),
            norm_days=month.norm_days, norm_hours=month.norm_hours, commission_base=commission,
            commission_invoices=invoices, items=items.get(emp.id, []),
            advances=advances if emp.id not in paid else [], ytd=ytd.get(emp.id, {}),
            adjustment=emp.id in paid,
        )
        res = compute.payslip(inp, specs, overtime_multiplier=settings.overtime_multiplier, round_money=b.base.round)
        if res.net < 0:
            errors.add(f"employees.{emp.number}", "negative_net_pay", employee=emp.full_name, net=str(res.net),
                       gross=str(res.gross), deductions=str(res.deductions))
        results.append((job, res))
    errors.raise_if_any()

    old = select(Payslip.id).where(Payslip.run_id == run.id).scalar_subquery()
    session.execute(delete(PayslipLine).where(PayslipLine.payslip_id.in_(old)))
    session.execute(delete(Payslip).where(Payslip.run_id == run.id))
    slips = [{
        "company_id": company_id, "run_id": run.id, "employee_id": res.employee_id,
        "department_id": res.department_id, "position_id": res.position_id, "norm_days": month.norm_days,
        "norm_hours": month.norm_hours, "worked_days": res.worked_days, "worked_hours": res.worked_hours,
        "gross": res.gross, "deductions": res.deductions, "net": res.net, "contributions": res.contributions,
    } for _job, res in results]
    slip_ids = insert_ids(session, Payslip.__table__, slips)
    lines = [{
        "payslip_id": slip_id, "kind": ln.kind, "code": ln.code, "name": ln.name[:200], "amount": ln.amount,
        "base": ln.base, "explain": ln.explain,
    } for slip_id, (_job, res) in zip(slip_ids, results) for ln in res.lines]
    insert_rows(session, PayslipLine.__table__, lines)
    totals = {
        "employees": len(results),
        "gross": sum((r.gross for _j, r in results), ZERO),
        "deductions": sum((r.deductions for _j, r in results), ZERO),
        "net": sum((r.net for _j, r in results), ZERO),
        "contributions": sum((r.contributions for _j, r in results), ZERO),
    }
    return records.change(session, actor, run, {
        **totals, "status": "calculated", "calculated_at": dates.now(), "calculated_by": actor.user_id,
    }, "payroll_run")


def approve(session: Session, actor: Actor, id: int, version: int) -> PayrollRun:
    run = _versioned_run(session, actor, id, version, "approve")
    return records.change(session, actor, run, {"status": "approved", "approved_at": dates.now(),
                                                "approved_by": actor.user_id}, "payroll_run")


def reopen(session: Session, actor: Actor, id: int, version: int) -> PayrollRun:
    """An approved run back to calculated (to recalculate it); posted runs never reopen."""
    run = _versioned_run(session, actor, id, version, "reopen")
    return records.change(session, actor, run, {"status": "calculated", "approved_at": None, "approved_by": None},
                          "payroll_run")


def _signed(account: str, amount: Decimal, memo: str, *, credit: bool = False) -> list[LedgerLine]:
    """A ledger line for `amount` on the usual side (debit, or credit when `credit`), swapped when negative."""
    if not amount:
        return []
    on_credit = credit != (amount < 0)
    value = abs(amount)
    return [LedgerLine(account, credit=value, memo=memo) if on_credit else LedgerLine(account, debit=value, memo=memo)]


def ledger_lines(sums: dict[tuple[str, str], Decimal], memo: str) -> list[LedgerLine]:
    """The run's entry from its line totals per (kind, code): Dr salaries (gross) and payroll contributions;
    Cr taxes withheld, contributions payable, other deductions, and salaries payable with what is left to pay
    (advances included: paying them debited salaries payable already)."""
    gross = withheld = other = contributions = ZERO
    for (kind, code), amount in sums.items():
        if kind == "earning":
            gross += amount
        elif kind == "contribution":
            contributions += amount
        elif code == "deduction":
            other += amount
        elif code != "advance":
            withheld += amount
    return [
        *_signed("salaries", gross, memo),
        *_signed("payroll_contributions", contributions, memo),
        *_signed("taxes_payable", withheld, memo, credit=True),
        *_signed("contributions_payable", contributions, memo, credit=True),
        *_signed("payroll_deductions", other, memo, credit=True),
        *_signed("salaries_payable", gross - withheld - other, memo, credit=True),
    ]


def entry_lines(session: Session, run: PayrollRun) -> list[LedgerLine]:
    rows = session.execute(
        select(PayslipLine.kind, PayslipLine.code, func.sum(PayslipLine.amount))
        .join(Payslip, Payslip.id == PayslipLine.payslip_id).where(Payslip.run_id == run.id)
        .group_by(PayslipLine.kind, PayslipLine.code)
    ).all()
    return ledger_lines({(kind, code): Decimal(amount) for kind, code, amount in rows},
                        f"{run.number} {run.period.strftime('%Y-%m')}")


def post(session: Session, actor: Actor, id: int, version: int) -> PayrollRun:
    """Post an approved run: one balanced entry dated the month's last day; the run is frozen from then on."""
    run = _versioned_run(session, actor, id, version, "post")
    end = staff.month_end(run.period)
    check_open_period(session, actor.company_id, end, "period")
    lines = entry_lines(session, run)
    if not lines:
        raise ValidationFailed(errors=[FieldError("employees", "empty_run", {"run": run.number})])
    entry = post_entry(session, actor, date=end, lines=lines, source_type="payroll_run", source_id=run.id,
                       memo=f"Payroll {run.number} {run.period.strftime('%Y-%m')}", branch_id=run.branch_id,
                       date_field="period")
    return records.change(session, actor, run, {"status": "posted", "posted_at": dates.now(),
                                                "posted_by": actor.user_id, "entry_id": entry.id}, "payroll_run")


def pay(session: Session, actor: Actor, id: int, data: schemas.RunPay) -> PayrollRun:
    """Pay a posted run's net pay from a cash desk or bank account in the run's currency: one payment."""
    run = _versioned_run(session, actor, id, data.version, "pay")
    cash = session.get(CashAccount, data.cash_account_id)
    if cash is not None and cash.company_id == actor.company_id and cash.currency != run.currency:
        raise ValidationFailed(errors=[FieldError("cash_account_id", "currency_mismatch",
                                                  {"expected": run.currency, "currency": cash.currency})])
    if data.date < run.period:
        raise ValidationFailed(errors=[FieldError("date", "paid_before_period", {"period": run.period.strftime("%Y-%m")})])
    if run.net <= 0:
        raise ValidationFailed(errors=[FieldError("status", "nothing_to_pay", {"run": run.number})])
    payment = pay_out(session, actor, cash_account_id=data.cash_account_id, date=data.date, amount=run.net,
                      debit="salaries_payable", category="salaries", memo=f"Payroll {run.number}",
                      source_type="payroll_run", source_id=run.id, reference=run.number)
    return records.change(session, actor, run, {"status": "paid", "paid_at": dates.now(), "payment_id": payment.id},
                          "payroll_run")


# --- reading a run ------------------------------------------------------------------------------

def payslips(session: Session, actor: Actor, run: PayrollRun, employee_id: Optional[int] = None) -> list[tuple[Payslip, Employee]]:
    stmt = (select(Payslip, Employee).join(Employee, Employee.id == Payslip.employee_id)
            .where(Payslip.run_id == run.id))
    if employee_id is not None:
        stmt = stmt.where(Payslip.employee_id == employee_id)
    return [(slip, emp) for slip, emp in session.execute(stmt.order_by(Employee.number))]


# Lines the engine writes itself; their names are shown in the reader's language (messages line_<code>).
BUILT_IN_LINES = frozenset({"salary", "paid_leave", "hourly", "overtime", "piece", "commission", "advance"})


class LineNames:
    """The name a payslip line shows in one language.

    Lines the engine writes (salary, overtime …, advances) by their message; tax and contribution lines by
    their rule's name in that language, or in English the name they were computed under (renaming a rule
    does not rename posted payslips); fixed items as they were typed. Keyed by kind and code, so a rule
    coded like a built-in line cannot rename it.
    """

    def __init__(self, session: Session, company_id: int, language: str) -> None:
        self.language = language
        self.built_in = {code: translate(f"line_{code}", language) for code in BUILT_IN_LINES}
        self.rules = {code: (local or {}).get(language) for code, local in session.execute(
            select(TaxRule.code, TaxRule.names).where(TaxRule.company_id == company_id))}

    def __call__(self, kind: str, code: str, stored: str) -> str:
        if code in BUILT_IN_LINES and (kind == "earning" or code == "advance"):
            return self.built_in[code]
        if kind != "earning" and code in self.rules and self.language != "en":
            return self.rules[code] or stored
        return stored


def line_names(session: Session, company_id: int, language: str) -> LineNames:
    return LineNames(session, company_id, language)


def present_payslip(slip: Payslip, emp: Employee, language: str,
                    names: Optional[LineNames] = None) -> schemas.PayslipOut:
    name_of = names or (lambda _kind, _code, stored: stored)

    return schemas.PayslipOut(
        id=slip.id, run_id=slip.run_id, employee_id=emp.id, number=emp.number, full_name=emp.full_name,
        department_id=slip.department_id, position_id=slip.position_id, norm_days=slip.norm_days,
        norm_hours=slip.norm_hours, worked_days=slip.worked_days, worked_hours=slip.worked_hours,
        gross=slip.gross, deductions=slip.deductions, net=slip.net, contributions=slip.contributions,
        lines=[schemas.LineOut(kind=ln.kind, code=ln.code, name=name_of(ln.kind, ln.code, ln.name), amount=ln.amount, base=ln.base,
                               explain=ln.explain, explanation=describe(ln.explain, language))
               for ln in slip.lines],
    )


def run_view(session: Session, actor: Actor, id: int) -> schemas.RunView:
    run = get_run(session, actor, id)
    names = line_names(session, actor.company_id, actor.language)
    slips = [present_payslip(s, e, actor.language, names) for s, e in payslips(session, actor, run)]
    columns: dict[tuple[str, str], str] = {}
    order = {"earning": 0, "deduction": 1, "contribution": 2}
    for slip in slips:
        for ln in slip.lines:
            columns.setdefault((ln.kind, ln.code if ln.code not in ("bonus", "allowance", "deduction") else ln.name), ln.name)
    cols = [{"kind": k, "code": c, "name": n} for (k, c), n in sorted(columns.items(), key=lambda kv: order[kv[0][0]])]
    return schemas.RunView(**schemas.RunOut.model_validate(run).model_dump(), payslips=slips, columns=cols)


# --- timesheets -----------------------------------------------------------------------------------

def timesheet(session: Session, actor: Actor, q: schemas.TimesheetQuery) -> schemas.TimesheetOut:
    company_id = actor.company_id
    start, end = q.period, staff.month_end(q.period)
    settings = calendar.current_settings(session, company_id)
    country = run_country(session, company_id, q.branch_id, settings.calendar_country)
    month = calendar.month(session, company_id, country, start)
    jobs = [j for j in staff.employment(session, company_id, start, branch_id=q.branch_id,
                                        employee_ids=[q.employee_id] if q.employee_id else None)
            if actor.sees_branch(j.branch_id)]
    ids = [j.employee.id for j in jobs]
    stored = staff.stored_entries(session, company_id, ids, start, end)
    reqs = staff.requests(session, company_id, ids, start, end)
    posted = posted_months(session, company_id, ids, start, start)
    rows = []
    months = {country: month}
    for job in jobs:
        emp = job.employee
        # Each employee by the calendar of the branch they work in.
        own = run_country(session, company_id, job.branch_id, settings.calendar_country)
        if own not in months:
            months[own] = calendar.month(session, company_id, own, start)
        days = staff.effective_days(job, months[own], stored.get(emp.id, {}), reqs.get(emp.id, []))
        worked = [e for e in days.values() if e.code in ("W", "B") and (e.hours > 0 or e.code == "B")]
        rows.append(schemas.TimesheetRowOut(
            employee_id=emp.id, number=emp.number, full_name=emp.full_name, hours_per_day=job.terms[-1].hours_per_day,
            days=[schemas.DayOut(date=d, code=e.code, hours=e.hours, overtime_hours=e.overtime_hours, units=e.units,
                                 source=e.source) for d, e in sorted(days.items())],
            worked_days=len(worked), worked_hours=sum((e.hours for e in worked), ZERO),
            overtime_hours=sum((e.overtime_hours for e in days.values()), ZERO),
            units=sum((e.units for e in days.values()), ZERO), posted_run=posted.get((emp.id, start)),
        ))
    return schemas.TimesheetOut(
        period=start.strftime("%Y-%m"), norm_days=month.norm_days, norm_hours=month.norm_hours,
        calendar=[schemas.CalendarDayOut(date=d.date, kind=d.kind, hours=d.hours, name=d.name) for d in month.days],
        employees=rows,
    )


def _day_values(day: schemas.TimesheetDayIn, old: Any) -> dict[str, Any]:
    """The day as it will be stored: what was sent, the rest from the day as it stood (entered or derived).
    A new absence code without hours has none: the derived day's hours belonged to a worked day."""
    code = day.code or old.code
    keep_hours = code == old.code or code in ("W", "B")
    return {
        "code": code,
        "hours": day.hours if day.hours is not None else (old.hours if keep_hours else ZERO),
        "overtime_hours": day.overtime_hours if day.overtime_hours is not None else old.overtime_hours,
        "units": day.units if day.units is not None else old.units,
    }


def save_timesheet(session: Session, actor: Actor, data: schemas.TimesheetIn) -> schemas.TimesheetSaved:
    """Enter or clear timesheet days; every day is checked first and nothing is written if one is wrong."""
    company_id = actor.company_id
    errors = ErrorList()
    ids = sorted({d.employee_id for d in data.days})
    employees = {e.id: e for e in session.scalars(select(Employee).where(Employee.company_id == company_id,
                                                                          Employee.id.in_(ids)))}
    first = min(d.date for d in data.days)
    last = max(d.date for d in data.days)
    stored = staff.stored_days(session, company_id, ids, first, last)
    posted = posted_months(session, company_id, ids, first, last)
    fallback = calendar.current_settings(session, company_id).calendar_country
    # Employment and approved requests of every month the days fall in, read once per month for everyone.
    jobs: dict[tuple[int, dt.date], staff.Employment] = {}
    month_requests: dict[dt.date, dict[int, list[Any]]] = {}
    for start in sorted({month_of(d.date) for d in data.days}):
        in_month = sorted({d.employee_id for d in data.days if month_of(d.date) == start} & set(employees))
        for job in staff.employment(session, company_id, start, employee_ids=in_month):
            jobs[(job.employee.id, start)] = job
        month_requests[start] = staff.requests(session, company_id, in_month, start, staff.month_end(start))
    derived: dict[tuple[int, dt.date], dict[dt.date, compute.Entry]] = {}
    seen: set[tuple[int, dt.date]] = set()
    defaults: dict[tuple[int, dt.date], dict[str, Any]] = {}
    for i, day in enumerate(data.days):
        where = f"days.{i}"
        emp = employees.get(day.employee_id)
        if emp is None:
            errors.add(f"{where}.employee_id", "unknown_reference", entity="employee", value=day.employee_id)
            continue
        if not actor.sees_branch(emp.branch_id):
            errors.add(f"{where}.employee_id", "out_of_branch_scope")
            continue
        if (emp.id, day.date) in seen:
            errors.add(f"{where}.date", "duplicate_day", employee=emp.number, date=day.date.isoformat())
            continue
        seen.add((emp.id, day.date))
        key = (emp.id, month_of(day.date))
        job = jobs.get(key)
        if job is None or not job.employed(day.date):
            errors.add(f"{where}.date", "not_employed", employee=emp.number, date=day.date.isoformat())
            continue
        if key not in derived:
            # A day entered for the first time starts from what the timesheet showed for it.
            month = calendar.month(session, company_id, run_country(session, company_id, job.branch_id, fallback), key[1])
            derived[key] = staff.effective_days(job, month, {}, month_requests[key[1]].get(emp.id, []))
        if key in posted:
            err = posted_error(f"{where}.date", day.date, posted[key])
            errors.add(err.field, err.code, **err.params)
            continue
        if day.clear:
            continue
        old = stored.get(emp.id, {}).get(day.date) or derived[key][day.date]
        values = _day_values(day, old)
        defaults[(emp.id, day.date)] = values
        code, hours, overtime = values["code"], values["hours"], values["overtime_hours"]
        if hours + overtime > 24:
            errors.add(f"{where}.hours", "hours_exceed_day", hours=str(hours + overtime), date=day.date.isoformat())
        if hours > 0 and code not in ("W", "B"):
            errors.add(f"{where}.hours", "hours_need_work_code", day_code=code)
    errors.raise_if_any()
    now = dates.now()
    saved = cleared = 0
    source = "import" if data.source == "import" else "manual"
    new_rows = []
    changes: dict[int, list[dict[str, str]]] = defaultdict(list)
    for day in data.days:
        old = stored.get(day.employee_id, {}).get(day.date)
        if day.clear:
            if old is not None:
                changes[old.employee_id].append({"date": old.date.isoformat(), "cleared": old.code})
                session.delete(old)
                cleared += 1
            continue
        values = defaults[(day.employee_id, day.date)]
        if old is not None:
            if all(getattr(old, k) == v for k, v in values.items()):
                continue
            for k, v in values.items():
                setattr(old, k, v)
            old.source, old.updated_at, old.updated_by = source, now, actor.user_id
        else:
            new_rows.append({"company_id": company_id, "employee_id": day.employee_id, "date": day.date, **values,
                             "source": source, "updated_at": now, "updated_by": actor.user_id})
        changes[day.employee_id].append({"date": day.date.isoformat(), **{k: str(v) for k, v in values.items()}})
        saved += 1
    session.flush()
    insert_rows(session, TimesheetDay.__table__, new_rows)
    for employee_id, days in changes.items():
        log_change(session, actor, "timesheet", employee_id, "update", None, {"days": days})
    if changes:
        touched = [d.date for d in data.days]
        mark_stale(session, actor, changes.keys(), min(touched), max(touched))
    return schemas.TimesheetSaved(saved=saved, cleared=cleared)


# --- pay items ------------------------------------------------------------------------------------

def list_pay_items(session: Session, actor: Actor, q: schemas.PayItemQuery) -> list[PayItem]:
    stmt = select(PayItem).where(PayItem.company_id == actor.company_id)
    if q.employee_id is not None:
        stmt = stmt.where(PayItem.employee_id == q.employee_id)
    if q.period is not None:
        stmt = stmt.where(PayItem.period_from <= q.period,
                          (PayItem.period_to.is_(None)) | (PayItem.period_to >= q.period))
    if not q.include_archived:
        stmt = stmt.where(PayItem.archived_at.is_(None))
    return list(session.scalars(stmt.order_by(PayItem.employee_id, PayItem.id).limit(5000)))


FOREVER = dt.date(9999, 12, 1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _check_item_run(session: Session, actor: Actor, run_id: Optional[int], employee_id: int, period: dt.date,
                    errors: ErrorList, *, until: Optional[dt.date] = None, field: str = "period_from") -> None:
    """A monthly item may not change what a posted month paid: the months from `period` to `until` (None:
    onwards) it would add, change or take away must all be open. An adjustment run's item needs that run open."""
    if run_id is None:
        posted = posted_months(session, actor.company_id, [employee_id], period, until or FOREVER)
        if posted:
            (_emp, month), number = min(posted.items())
            err = posted_error(field, month, number)
            errors.add(err.field, err.code, **err.params)
        return
    run = session.get(PayrollRun, run_id)
    if run is None or run.company_id != actor.company_id:
        errors.add("run_id", "unknown_reference", entity="payroll_run", value=run_id)
    elif run.kind != "adjustment" or run.status not in ("draft", "calculated"):
        errors.add("run_id", "items_only_in_open_adjustments", run=run.number)
    elif run.period != period:
        errors.add("period_from", "adjusts_same_period", period=run.period.strftime("%Y-%m"), branch_id=run.branch_id)


def create_pay_item(session: Session, actor: Actor, data: schemas.PayItemIn) -> PayItem:
    errors = ErrorList()
    emp = session.get(Employee, data.employee_id)
    if emp is None or emp.company_id != actor.company_id:
        errors.add("employee_id", "unknown_reference", entity="employee", value=data.employee_id)
    elif not actor.sees_branch(emp.branch_id):
        errors.add("employee_id", "out_of_branch_scope")
    b = books(session, actor.company_id)
    if b.base.round(data.amount) != data.amount:
        errors.add("amount", "line_too_precise", places=b.base.minor_units)
    if data.period_to is not None and data.period_to < data.period_from:
        errors.add("period_to", "period_end_before_start", date=data.period_from.isoformat())
    if data.run_id is not None and data.period_to not in (None, data.period_from):
        errors.add("period_to", "adjustment_item_once")
    if emp is not None and emp.company_id == actor.company_id:
        _check_item_run(session, actor, data.run_id, emp.id, data.period_from, errors,
                        until=data.period_from if data.run_id is not None else data.period_to)
    errors.raise_if_any()
    period_to = data.period_from if data.run_id is not None else data.period_to
    item = records.create(session, actor, PayItem(company_id=actor.company_id, **{
        **data.model_dump(), "period_to": period_to}), "pay_item")
    mark_stale(session, actor, [item.employee_id], item.period_from, item.period_to)
    return item


def update_pay_item(session: Session, actor: Actor, id: int, patch: schemas.PayItemPatch) -> PayItem:
    item = records.get_versioned(session, actor, PayItem, id, "pay_item", patch.version, present_item)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    new_to = changes.get("period_to", item.period_to)
    if new_to is not None and new_to < item.period_from:
        errors.add("period_to", "period_end_before_start", date=item.period_from.isoformat())
    elif set(changes) == {"period_to"}:
        # Only the end moves: the months between the old and the new end are the ones that change.
        ends = sorted((new_to or FOREVER, item.period_to or FOREVER))
        if ends[0] != ends[1]:
            _check_item_run(session, actor, item.run_id, item.employee_id, _next_month(ends[0]), errors,
                            until=ends[1], field="period_to")
    else:
        _check_item_run(session, actor, item.run_id, item.employee_id, item.period_from, errors,
                        until=max(new_to or FOREVER, item.period_to or FOREVER))
    errors.raise_if_any()
    mark_stale(session, actor, [item.employee_id], item.period_from, None)
    return records.change(session, actor, item, changes, "pay_item")


def archive_pay_item(session: Session, actor: Actor, id: int, version: int) -> PayItem:
    item = records.get_versioned(session, actor, PayItem, id, "pay_item", version, present_item)
    errors = ErrorList()
    _check_item_run(session, actor, item.run_id, item.employee_id, item.period_from, errors, until=item.period_to)
    errors.raise_if_any()
    mark_stale(session, actor, [item.employee_id], item.period_from, item.period_to)
    return records.archive(session, actor, item, "pay_item")


# --- inputs changed after a calculation ----------------------------------------------------------

@hr.inputs_changed.register
def mark_stale(session: Session, actor: Actor, employee_ids: Any, start: dt.date, end: Optional[dt.date]) -> None:
    """Send calculated or approved runs that an input change touches back to draft, so figures computed
    before the change can be neither approved nor posted: they must be calculated again.

    Touched: runs of a month from `start` to `end` (onwards when None) that hold a payslip of one of the
    employees or belong to one of their branches. Posted runs are never touched (the change was refused).
    """
    ids = list(set(employee_ids))
    if not ids:
        return
    branches = set(session.scalars(select(Employee.branch_id).where(Employee.id.in_(ids))))
    stmt = select(PayrollRun).where(PayrollRun.company_id == actor.company_id,
                                    PayrollRun.status.in_(("calculated", "approved")),
                                    PayrollRun.period >= month_of(start))
    if end is not None:
        stmt = stmt.where(PayrollRun.period <= end)
    for run in session.scalars(stmt).all():
        holds = session.scalar(select(Payslip.id).where(Payslip.run_id == run.id, Payslip.employee_id.in_(ids)).limit(1))
        if run.branch_id in branches or holds is not None:
            records.change(session, actor, run, {"status": "draft", "approved_at": None, "approved_by": None},
                           "payroll_run")
