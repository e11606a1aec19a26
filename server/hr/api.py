"""HR API: positions, employees and their employment events, staff requests and their decisions."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..audit.crud import crud_routes
from ..routes import ALL_ROLES, route
from . import schemas, service

bp = Blueprint("hr", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "hr")
WRITE = ("owner", "hr")
# Who may decide a request at all; the service narrows leave and overtime to owner and hr.
DECIDE = ("owner", "hr", "accountant")
PAY = ("owner", "accountant")


# --- positions ---------------------------------------------------------------------------------

crud_routes(
    bp, "positions", "position", schema_in=schemas.PositionIn, schema_patch=schemas.PositionPatch,
    schema_out=schemas.PositionOut, schema_list=schemas.PositionList, list_query=schemas.ListQuery,
    service=service, read_roles=READ, write_roles=WRITE,
)


# --- employees ---------------------------------------------------------------------------------

@route(bp, "/employees", roles=READ, query=schemas.EmployeeQuery, response=schemas.EmployeePage)
def list_employees(session: Session, actor: Actor, query: schemas.EmployeeQuery) -> schemas.EmployeePage:
    """List employees (active by default), by staff number, with filters."""
    rows, total = service.list_employees(session, actor, query)
    return schemas.EmployeePage(items=[schemas.EmployeeOut.model_validate(e) for e in rows], total=total)


@route(bp, "/employees", method="POST", roles=WRITE, body=schemas.EmployeeIn, response=schemas.EmployeeView,
       status=201, errors=(409,), on_invalid=service.employee_rule_errors)
def create_employee(session: Session, actor: Actor, body: schemas.EmployeeIn) -> schemas.EmployeeView:
    """Hire an employee: the person and the hire event with its terms."""
    employee = service.create_employee(session, actor, body)
    return service.employee_view(session, actor, employee.id)


@route(bp, "/employees/<int:id>", roles=READ, response=schemas.EmployeeView)
def get_employee(session: Session, actor: Actor, id: int) -> schemas.EmployeeView:
    """Read one employee with the employment history, oldest first."""
    return service.employee_view(session, actor, id)


@route(bp, "/employees/<int:id>", method="PATCH", roles=WRITE, body=schemas.EmployeePatch,
       response=schemas.EmployeeView, errors=(409,))
def update_employee(session: Session, actor: Actor, id: int, body: schemas.EmployeePatch) -> schemas.EmployeeView:
    """Change an employee's personal details (needs its current version); terms change through events."""
    service.update_employee(session, actor, id, body)
    return service.employee_view(session, actor, id)


@route(bp, "/employees/<int:id>/events", method="POST", roles=WRITE, body=schemas.EventIn,
       response=schemas.EmployeeView, status=201, errors=(409,), on_invalid=service.event_rule_errors)
def add_event(session: Session, actor: Actor, id: int, body: schemas.EventIn) -> schemas.EmployeeView:
    """Record a transfer, rate change, leave, return or dismissal (needs the employee's version)."""
    service.add_event(session, actor, id, body)
    return service.employee_view(session, actor, id)


@route(bp, "/employees/<int:id>/events/<int:event_id>/cancel", method="POST", roles=WRITE, body=schemas.CancelIn,
       response=schemas.EmployeeView, errors=(409,))
def cancel_event(session: Session, actor: Actor, id: int, event_id: int,
                 body: schemas.CancelIn) -> schemas.EmployeeView:
    """Cancel the latest employment event (not the hire); the terms before it apply again."""
    service.cancel_event(session, actor, id, event_id, body.version)
    return service.employee_view(session, actor, id)


# --- staff requests ----------------------------------------------------------------------------

def _out(req: object) -> schemas.StaffRequestOut:
    return schemas.StaffRequestOut.model_validate(req)


@route(bp, "/staff-requests", roles=ALL_ROLES, query=schemas.StaffRequestQuery, response=schemas.StaffRequestPage)
def list_staff_requests(session: Session, actor: Actor, query: schemas.StaffRequestQuery) -> schemas.StaffRequestPage:
    """List staff requests: all of them for owner, accountant and hr, one's own for anyone else."""
    rows, total = service.list_requests(session, actor, query)
    return schemas.StaffRequestPage(items=[_out(r) for r in rows], total=total)


@route(bp, "/staff-requests", method="POST", roles=ALL_ROLES, body=schemas.StaffRequestIn,
       response=schemas.StaffRequestOut, status=201, errors=(409,))
def create_staff_request(session: Session, actor: Actor, body: schemas.StaffRequestIn) -> schemas.StaffRequestOut:
    """Ask for leave, sick leave, overtime, an advance, an expense or a purchase."""
    return _out(service.create_request(session, actor, body))


@route(bp, "/staff-requests/<int:id>", roles=ALL_ROLES, response=schemas.StaffRequestOut)
def get_staff_request(session: Session, actor: Actor, id: int) -> schemas.StaffRequestOut:
    """Read one staff request."""
    return _out(service.get_request(session, actor, id))


@route(bp, "/staff-requests/<int:id>/approve", method="POST", roles=DECIDE, body=schemas.StaffRequestDecisionIn,
       response=schemas.StaffRequestOut, errors=(409,))
def approve_staff_request(
    session: Session, actor: Actor, id: int, body: schemas.StaffRequestDecisionIn,
) -> schemas.StaffRequestOut:
    """Approve a pending request (accountants: advances, expenses and purchases only)."""
    return _out(service.decide_request(session, actor, id, body.version, approve=True, note=body.note))


@route(bp, "/staff-requests/<int:id>/reject", method="POST", roles=DECIDE, body=schemas.StaffRequestDecisionIn,
       response=schemas.StaffRequestOut, errors=(409,))
def reject_staff_request(
    session: Session, actor: Actor, id: int, body: schemas.StaffRequestDecisionIn,
) -> schemas.StaffRequestOut:
    """Reject a pending request (accountants: advances, expenses and purchases only)."""
    return _out(service.decide_request(session, actor, id, body.version, approve=False, note=body.note))


@route(bp, "/staff-requests/<int:id>/cancel", method="POST", roles=ALL_ROLES, body=schemas.CancelIn,
       response=schemas.StaffRequestOut, errors=(409,))
def cancel_staff_request(session: Session, actor: Actor, id: int, body: schemas.CancelIn) -> schemas.StaffRequestOut:
    """Withdraw a pending or approved, unpaid request (the requester, hr or an owner)."""
    return _out(service.cancel_request(session, actor, id, body.version))


@route(bp, "/staff-requests/<int:id>/pay", method="POST", roles=PAY, body=schemas.PayRequestIn,
       response=schemas.StaffRequestOut, errors=(409,))
def pay_staff_request(session: Session, actor: Actor, id: int, body: schemas.PayRequestIn) -> schemas.StaffRequestOut:
    """Pay an approved advance, expense or purchase from a cash account (posts the payment)."""
    return _out(service.pay_request(session, actor, id, body))
