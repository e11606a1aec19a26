"""Payroll API: timesheets, pay items, payroll runs and their payslips."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.errors import NotFound
from ..core.validation import page
from ..routes import VersionIn, route
from . import schemas, service

bp = Blueprint("payroll", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "hr")
PREPARE = ("owner", "accountant", "hr")
DECIDE = ("owner", "accountant")


@route(bp, "/timesheets", roles=READ, query=schemas.TimesheetQuery, response=schemas.TimesheetOut)
def get_timesheet(session: Session, actor: Actor, query: schemas.TimesheetQuery) -> schemas.TimesheetOut:
    """The timesheet of a month: entered days, else approved leave, else the calendar."""
    return service.timesheet(session, actor, query)


@route(bp, "/timesheets", method="PUT", roles=PREPARE, body=schemas.TimesheetIn, response=schemas.TimesheetSaved)
def put_timesheet(session: Session, actor: Actor, body: schemas.TimesheetIn) -> schemas.TimesheetSaved:
    """Enter, correct or clear timesheet days (all or nothing)."""
    return service.save_timesheet(session, actor, body)


@route(bp, "/pay-items", roles=READ, query=schemas.PayItemQuery, response=schemas.PayItemList)
def list_pay_items(session: Session, actor: Actor, query: schemas.PayItemQuery) -> schemas.PayItemList:
    """List fixed bonuses and deductions."""
    return schemas.PayItemList(items=[schemas.PayItemOut.model_validate(i)
                                      for i in page(service.list_pay_items(session, actor, query), query)])


@route(bp, "/pay-items", method="POST", roles=PREPARE, body=schemas.PayItemIn, response=schemas.PayItemOut, status=201)
def create_pay_item(session: Session, actor: Actor, body: schemas.PayItemIn) -> schemas.PayItemOut:
    """Add a fixed bonus or deduction (monthly, once, or in an adjustment run)."""
    return schemas.PayItemOut.model_validate(service.create_pay_item(session, actor, body))


@route(bp, "/pay-items/<int:id>", method="PATCH", roles=PREPARE, body=schemas.PayItemPatch, response=schemas.PayItemOut)
def update_pay_item(session: Session, actor: Actor, id: int, body: schemas.PayItemPatch) -> schemas.PayItemOut:
    """Change a pay item (needs its current version)."""
    return schemas.PayItemOut.model_validate(service.update_pay_item(session, actor, id, body))


@route(bp, "/pay-items/<int:id>/archive", method="POST", roles=PREPARE, body=VersionIn, response=schemas.PayItemOut)
def archive_pay_item(session: Session, actor: Actor, id: int, body: VersionIn) -> schemas.PayItemOut:
    """Stop a pay item."""
    return schemas.PayItemOut.model_validate(service.archive_pay_item(session, actor, id, body.version))


@route(bp, "/payroll-runs", roles=READ, query=schemas.RunQuery, response=schemas.RunList)
def list_runs(session: Session, actor: Actor, query: schemas.RunQuery) -> schemas.RunList:
    """List payroll runs, newest period first."""
    return schemas.RunList(items=[schemas.RunOut.model_validate(r) for r in page(service.list_runs(session, actor, query), query)])


@route(bp, "/payroll-runs", method="POST", roles=PREPARE, body=schemas.RunIn, response=schemas.RunOut, status=201)
def create_run(session: Session, actor: Actor, body: schemas.RunIn) -> schemas.RunOut:
    """Open the payroll of a month and branch (or an adjustment of a posted one)."""
    return schemas.RunOut.model_validate(service.create_run(session, actor, body))


@route(bp, "/payroll-runs/<int:id>", roles=READ, response=schemas.RunView)
def get_run(session: Session, actor: Actor, id: int) -> schemas.RunView:
    """A run with every payslip and how each line was computed."""
    return service.run_view(session, actor, id)


@route(bp, "/payroll-runs/<int:id>/payslips/<int:employee_id>", roles=READ, response=schemas.PayslipOut)
def get_payslip(session: Session, actor: Actor, id: int, employee_id: int) -> schemas.PayslipOut:
    """One employee's payslip in a run."""
    run = service.get_run(session, actor, id)
    found = service.payslips(session, actor, run, employee_id)
    if not found:
        raise NotFound(params={"entity": "payslip", "id": employee_id})
    return service.present_payslip(*found[0], actor.language,
                                   service.line_names(session, actor.company_id, actor.language))


@route(bp, "/payroll-runs/<int:id>/calculate", method="POST", roles=PREPARE, body=schemas.RunAction, response=schemas.RunOut)
def calculate_run(session: Session, actor: Actor, id: int, body: schemas.RunAction) -> schemas.RunOut:
    """Compute (again) every payslip of a draft or calculated run."""
    return schemas.RunOut.model_validate(service.calculate(session, actor, id, body.version))


@route(bp, "/payroll-runs/<int:id>/approve", method="POST", roles=DECIDE, body=schemas.RunAction, response=schemas.RunOut)
def approve_run(session: Session, actor: Actor, id: int, body: schemas.RunAction) -> schemas.RunOut:
    """Approve a calculated run."""
    return schemas.RunOut.model_validate(service.approve(session, actor, id, body.version))


@route(bp, "/payroll-runs/<int:id>/reopen", method="POST", roles=DECIDE, body=schemas.RunAction, response=schemas.RunOut)
def reopen_run(session: Session, actor: Actor, id: int, body: schemas.RunAction) -> schemas.RunOut:
    """Take back an approval (before posting) to recalculate."""
    return schemas.RunOut.model_validate(service.reopen(session, actor, id, body.version))


@route(bp, "/payroll-runs/<int:id>/post", method="POST", roles=DECIDE, body=schemas.RunAction, response=schemas.RunOut)
def post_run(session: Session, actor: Actor, id: int, body: schemas.RunAction) -> schemas.RunOut:
    """Post an approved run to the ledger; it never changes afterwards."""
    return schemas.RunOut.model_validate(service.post(session, actor, id, body.version))


@route(bp, "/payroll-runs/<int:id>/pay", method="POST", roles=DECIDE, body=schemas.RunPay, response=schemas.RunOut)
def pay_run(session: Session, actor: Actor, id: int, body: schemas.RunPay) -> schemas.RunOut:
    """Pay a posted run's net pay from a cash desk or bank account."""
    return schemas.RunOut.model_validate(service.pay(session, actor, id, body))
