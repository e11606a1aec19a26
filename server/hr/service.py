"""The rules of HR records: positions, employees and their dated employment history, staff requests.

Employment is an append-only history. Each event carries the full terms in force from its date; a new
event copies the terms of the last one and overrides what it changes, and it may not be dated before
the last one (a later event copied the older terms, so slipping one in behind it would silently be
overridden). A wrong event is cancelled (latest first), never edited. The employee's employment
columns are recomputed from the history after every event, for lists.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Iterable, Optional

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ..audit.service import log_change
from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..core.hooks import Hook
from ..core.errors import Conflict, ErrorList, FieldError, Forbidden, NotFound, ValidationFailed
from ..core.money import currency as currency_of
from ..finance.models import CashAccount, Payment
from ..currency.service import company_currencies
from ..finance.service import pay_out
from ..org.models import Branch, Company, Department, User
from . import schemas
from .models import EVENT, MONEY_REQUEST, TIME_REQUEST, Employee, EmploymentEvent, Position, StaffRequest

# The employment terms every event carries in full.
TERMS = ("branch_id", "department_id", "position_id", "hours_per_day", "salary", "hourly_rate", "piece_rate",
         "commission_percent")
PLACEMENT = ("branch_id", "department_id", "position_id")
PAY = ("hours_per_day", "salary", "hourly_rate", "piece_rate", "commission_percent")
MONEY_TERMS = ("salary", "hourly_rate", "piece_rate")
# Nullable terms: an explicit null in an event removes the department or position.
NULLABLE_TERMS = ("department_id", "position_id")

LEAVE_KINDS = ("vacation", "sick_leave", "unpaid_leave")
TIME_KINDS = LEAVE_KINDS + ("overtime",)
MONEY_KINDS = ("advance", "expense", "purchase")
# Roles that manage staff: they read every employee's requests (in their branches) and file them for anyone.
MANAGERS = ("owner", "accountant", "hr")
DECIDERS = {**{k: ("owner", "hr") for k in TIME_KINDS}, **{k: ("owner", "hr", "accountant") for k in MONEY_KINDS}}
# How each paid request is booked: (debit account role, cash-flow category).
PAYOUT = {"advance": ("salaries_payable", "salaries"), "expense": ("expenses", "other"),
          "purchase": ("expenses", "other")}
KIND_LABELS = {"advance": "Salary advance", "expense": "Expense", "purchase": "Purchase"}

NUMBER_PATTERN = re.compile(r"^E(\d+)$")


def _present(schema: Any) -> records.Present:
    return lambda obj: schema.model_validate(obj).model_dump(mode="json")


present_position = _present(schemas.PositionOut)
present_employee = _present(schemas.EmployeeOut)
present_request = _present(schemas.StaffRequestOut)

MODELS = {"position": Position, "employee": Employee}

# Payroll sits above hr and reacts to what happens here through these two hooks (it registers on import):
# refuse_if_paid(session, company_id, employee_id, start, end, field) raises when a paid month is touched;
# inputs_changed(session, actor, employee_ids, start, end) sends payroll calculated over those days back to draft.
refuse_if_paid = Hook("hr.refuse_if_paid")
inputs_changed = Hook("hr.inputs_changed")
FOREVER = dt.date(9999, 12, 31)


def _places(errors: ErrorList, field: str, value: Optional[Decimal], places: int,
            code: str = "decimal_places_exceeded", **params: Any) -> None:
    if value is not None and value != value.quantize(Decimal(1).scaleb(-places)):
        errors.add(field, code, places=places, **params)


# --- positions ---------------------------------------------------------------------------------

def list_positions(session: Session, actor: Actor, include_archived: bool) -> list[Position]:
    q = select(Position).where(Position.company_id == actor.company_id)
    if not include_archived:
        q = q.where(Position.archived_at.is_(None))
    return list(session.scalars(q.order_by(Position.name, Position.id)))


def create_position(session: Session, actor: Actor, data: schemas.PositionIn) -> Position:
    errors = ErrorList()
    records.check_unique(session, Position, actor.company_id, "name", data.name, None, errors)
    errors.raise_if_any()
    obj = Position(company_id=actor.company_id, name=data.name, names=data.names.model_dump(exclude_none=True))
    return records.create(session, actor, obj, "position")


def update_position(session: Session, actor: Actor, id: int, patch: schemas.PositionPatch) -> Position:
    obj = records.get_versioned(session, actor, Position, id, "position", patch.version, present_position)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    if "name" in changes and changes["name"] is None:
        errors.add("name", "required")
    records.check_unique(session, Position, actor.company_id, "name", changes.get("name"), obj.id, errors)
    errors.raise_if_any()
    if "names" in changes:
        changes["names"] = {k: v for k, v in (changes["names"] or {}).items() if v is not None}
    return records.change(session, actor, obj, changes, "position")


def archive_position(session: Session, actor: Actor, id: int, version: int) -> Position:
    # Employees keep an archived position; it only takes no new ones.
    obj = records.get_versioned(session, actor, Position, id, "position", version, present_position)
    return records.archive(session, actor, obj, "position")


# --- employees: checks -------------------------------------------------------------------------

def _check_terms(session: Session, actor: Actor, terms: dict[str, Any], given: Iterable[str],
                 errors: ErrorList) -> None:
    """The resulting terms of an event: references that are new must exist, be in scope and not be archived;
    the department must belong to the branch; figures must fit their columns."""
    given = set(given)
    branch = None
    if "branch_id" in given:
        branch = session.get(Branch, terms["branch_id"])
        if branch is None or branch.company_id != actor.company_id:
            errors.add("branch_id", "unknown_reference", entity="branch", value=terms["branch_id"])
            branch = None
        elif not actor.sees_branch(branch.id):
            errors.add("branch_id", "out_of_branch_scope")
        elif branch.archived_at is not None:
            errors.add("branch_id", "archived", entity="branch", id=branch.id)
    dept_id = terms.get("department_id")
    if dept_id is not None and ("department_id" in given or "branch_id" in given):
        dept = session.get(Department, dept_id)
        if dept is None or dept.company_id != actor.company_id:
            errors.add("department_id", "unknown_reference", entity="department", value=dept_id)
        elif "department_id" in given and dept.archived_at is not None:
            errors.add("department_id", "archived", entity="department", id=dept_id)
        elif dept.branch_id is not None and terms.get("branch_id") is not None and dept.branch_id != terms["branch_id"]:
            # Name what the user just chose: the department, or the branch that left it behind.
            field = "department_id" if "department_id" in given else "branch_id"
            errors.add(field, "department_other_branch", id=dept_id)
    pos_id = terms.get("position_id")
    if pos_id is not None and "position_id" in given:
        pos = session.get(Position, pos_id)
        if pos is None or pos.company_id != actor.company_id:
            errors.add("position_id", "unknown_reference", entity="position", value=pos_id)
        elif pos.archived_at is not None:
            errors.add("position_id", "archived", entity="position", id=pos_id)
    # The shape allows 2 places; a currency without minor units (KHR) allows none.
    base, _second = company_currencies(session, actor.company_id)
    places = currency_of(base).minor_units
    for field in MONEY_TERMS:
        if field in given:
            _places(errors, field, terms.get(field), places, "too_many_decimals", currency=base)


def _check_personal(session: Session, actor: Actor, data: dict[str, Any], exclude: Optional[int],
                    errors: ErrorList) -> None:
    """Staff number and linked user: unique in the company; the user must be one of the company's."""
    number = data.get("number")
    if number is not None:
        q = select(Employee.id).where(Employee.company_id == actor.company_id, Employee.number == number)
        if exclude is not None:
            q = q.where(Employee.id != exclude)
        if session.scalar(q.limit(1)) is not None:
            errors.add("number", "already_exists")
    user_id = data.get("user_id")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None or user.company_id != actor.company_id:
            errors.add("user_id", "unknown_reference", entity="user", value=user_id)
        else:
            q = select(Employee.id).where(Employee.company_id == actor.company_id, Employee.user_id == user_id)
            if exclude is not None:
                q = q.where(Employee.id != exclude)
            if session.scalar(q.limit(1)) is not None:
                errors.add("user_id", "already_exists")


def _next_number(session: Session, company_id: int) -> str:
    """The next free number of the company's "E00001" series.

    The company row is locked first (PostgreSQL; SQLite's writer already holds the database), so two
    hires at once do not take the same number.
    """
    session.execute(select(Company.id).where(Company.id == company_id).with_for_update())
    taken = session.scalars(select(Employee.number).where(Employee.company_id == company_id,
                                                          Employee.number.like("E%")))
    top = max((int(m.group(1)) for n in taken if (m := NUMBER_PATTERN.match(n))), default=0)
    return f"E{top + 1:05d}"


# --- employees ---------------------------------------------------------------------------------

def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 2**62


def _reference_errors(session: Session, actor: Actor, rest: dict[str, Any], terms: dict[str, Any],
                      errors: ErrorList) -> None:
    refs = {f: rest[f] for f in PLACEMENT if f in rest and _is_id(rest[f])}
    _check_terms(session, actor, {**terms, **refs}, refs, errors)


def employee_rule_errors(session: Session, actor: Actor, rest: dict[str, Any], id: int | None = None) -> list[Any]:
    """The rule errors of a new employee's fields that passed their shape check (reported beside the shape errors)."""
    errors = ErrorList()
    personal = {"number": rest["number"].strip() if isinstance(rest.get("number"), str) else None,
                "user_id": rest["user_id"] if _is_id(rest.get("user_id")) else None}
    _check_personal(session, actor, personal, None, errors)
    _reference_errors(session, actor, rest, {f: None for f in PLACEMENT}, errors)
    return errors.items


def event_rule_errors(session: Session, actor: Actor, rest: dict[str, Any], id: int) -> list[Any]:
    """The rule errors of an event's references that passed their shape check."""
    employee = session.get(Employee, id)
    if employee is None or employee.company_id != actor.company_id or not actor.sees_branch(employee.branch_id):
        return []
    errors = ErrorList()
    _reference_errors(session, actor, rest, {f: getattr(employee, f) for f in PLACEMENT}, errors)
    return errors.items


def create_employee(session: Session, actor: Actor, data: schemas.EmployeeIn) -> Employee:
    """A new employee and the "hire" event that starts the history, in one transaction."""
    errors = ErrorList()
    _check_personal(session, actor, data.model_dump(), None, errors)
    terms = {f: getattr(data, f) for f in TERMS}
    _check_terms(session, actor, terms, TERMS, errors)
    errors.raise_if_any()
    personal = data.model_dump(exclude={*TERMS, "number", "hired_on", "reason"})
    employee = records.create(session, actor, Employee(
        company_id=actor.company_id, number=data.number or _next_number(session, actor.company_id),
        status="active", hired_on=data.hired_on, **personal, **terms,
    ), "employee")
    records.create(session, actor, EmploymentEvent(
        company_id=actor.company_id, employee_id=employee.id, kind="hire", date=data.hired_on, reason=data.reason,
        created_at=dates.now(), created_by=actor.user_id, **terms,
    ), "employment_event")
    _stale(session, actor, employee.id, data.hired_on, None)
    return employee


def update_employee(session: Session, actor: Actor, id: int, patch: schemas.EmployeePatch) -> Employee:
    """Personal details only; employment terms change through events."""
    employee = records.get_versioned(session, actor, Employee, id, "employee", patch.version, present_employee)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    for field in schemas.EMPLOYMENT_FIELDS:
        if field in changes:
            errors.add(field, "use_employment_event")
    for field in ("number", "full_name", "dependants"):
        if field in changes and changes[field] is None:
            errors.add(field, "required")
    _check_personal(session, actor, changes, employee.id, errors)
    errors.raise_if_any()
    return records.change(session, actor, employee, changes, "employee")


def get_employee(session: Session, actor: Actor, id: int) -> Employee:
    return records.get_owned(session, actor, Employee, id, "employee")


def events_of(session: Session, employee_id: int) -> list[EmploymentEvent]:
    """The employee's history, oldest first, cancelled events included."""
    return list(session.scalars(select(EmploymentEvent).where(EmploymentEvent.employee_id == employee_id)
                                .order_by(EmploymentEvent.date, EmploymentEvent.id)))


def _active(events: list[EmploymentEvent]) -> list[EmploymentEvent]:
    return [e for e in events if e.cancelled_at is None]


def employee_view(session: Session, actor: Actor, id: int) -> schemas.EmployeeView:
    employee = get_employee(session, actor, id)
    events = [schemas.EventOut.model_validate({**records.snapshot(e), "cancelled": e.cancelled_at is not None})
              for e in events_of(session, employee.id)]
    return schemas.EmployeeView(**schemas.EmployeeOut.model_validate(employee).model_dump(), events=events)


def list_employees(session: Session, actor: Actor, q: schemas.EmployeeQuery) -> tuple[list[Employee], int]:
    conds = [Employee.company_id == actor.company_id]
    if actor.branch_ids:
        conds.append(Employee.branch_id.in_(actor.branch_ids))
    if q.status != "all":
        conds.append(Employee.status == q.status)
    if q.branch_id is not None:
        conds.append(Employee.branch_id == q.branch_id)
    if q.department_id is not None:
        conds.append(Employee.department_id == q.department_id)
    if q.q:
        # SQLite's lower() folds ASCII only; cb_casefold folds Cyrillic too (as the catalog search does).
        fold = func.cb_casefold if session.get_bind().dialect.name == "sqlite" else func.lower
        needle = q.q.casefold()
        conds.append(or_(fold(Employee.full_name).contains(needle, autoescape=True),
                         fold(Employee.number).contains(needle, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(Employee).where(*conds)) or 0
    rows = session.scalars(select(Employee).where(*conds).order_by(Employee.number, Employee.id)
                           .limit(q.limit).offset(q.offset))
    return list(rows), total


def _recompute(session: Session, actor: Actor, employee: Employee) -> None:
    """Set the employee's employment columns from the history, and move its version: the history changed."""
    active = _active(events_of(session, employee.id))
    hire, last = active[0], active[-1]
    dismissal = next((e for e in active if e.kind == "dismissal"), None)
    changes: dict[str, Any] = {f: getattr(last, f) for f in TERMS}
    changes.update(hired_on=hire.date, status="dismissed" if dismissal else "active",
                   dismissed_on=dismissal.date if dismissal else None)
    # A leave changes no column, yet a second writer holding the old version must still be refused.
    employee.updated_at = dates.now()
    flag_modified(employee, "updated_at")
    records.change(session, actor, employee, changes, "employee")


def add_event(session: Session, actor: Actor, employee_id: int, data: schemas.EventIn) -> Employee:
    """Append a transfer, rate change, leave, return or dismissal; the employee's columns follow."""
    employee = records.get_versioned(session, actor, Employee, employee_id, "employee", data.version,
                                     present_employee)
    active = _active(events_of(session, employee.id))
    last = active[-1]
    dismissal = next((e for e in active if e.kind == "dismissal"), None)
    if dismissal is not None:
        params = {"date": dismissal.date.isoformat()}
        raise Conflict("employee_dismissed", params=params, errors=[FieldError("kind", "employee_dismissed", params)])
    given = {f for f in TERMS if f in data.model_fields_set
             and (getattr(data, f) is not None or f in NULLABLE_TERMS)}
    errors = ErrorList()
    if data.date < employee.hired_on:
        errors.add("date", "before_hire", date=employee.hired_on.isoformat())
    elif data.date < last.date:
        errors.add("date", "before_last_event", date=last.date.isoformat())
    if data.kind in ("leave", "return", "dismissal"):
        for field in sorted(given):
            errors.add(field, "not_for_kind", kind=data.kind)
        given = set()
    if data.kind == "leave":
        if data.end_date is None:
            errors.add("end_date", "required")
        elif data.end_date < data.date:
            errors.add("end_date", "ends_before_start", date=data.date.isoformat())
        if last.kind == "leave" and last.end_date is not None and last.end_date >= data.date:
            errors.add("date", "already_on_leave", date=last.end_date.isoformat())
    elif data.end_date is not None:
        errors.add("end_date", "not_for_kind", kind=data.kind)
    if data.kind == "return" and last.kind != "leave":
        errors.add("kind", "not_on_leave")
    if data.kind == "transfer" and not any(getattr(data, f) != getattr(last, f) for f in PLACEMENT if f in given):
        errors.add("branch_id", "transfer_needs_change")
    if data.kind == "rate_change" and not any(getattr(data, f) != getattr(last, f) for f in PAY if f in given):
        errors.add("salary", "rate_change_needs_change")
    terms = {f: getattr(last, f) for f in TERMS}
    terms.update({f: getattr(data, f) for f in given})
    _check_terms(session, actor, terms, given, errors)
    errors.raise_if_any()
    # Holds from its date on: any posted month from then would have been paid on other terms.
    refuse_if_paid(session, actor.company_id, employee.id, data.date, FOREVER, "date")
    records.create(session, actor, EmploymentEvent(
        company_id=actor.company_id, employee_id=employee.id, kind=data.kind, date=data.date,
        end_date=data.end_date if data.kind == "leave" else None, reason=data.reason,
        created_at=dates.now(), created_by=actor.user_id, **terms,
    ), "employment_event")
    _recompute(session, actor, employee)
    _stale(session, actor, employee.id, data.date, None)
    return employee


def cancel_event(session: Session, actor: Actor, employee_id: int, event_id: int, version: int) -> Employee:
    """Cancel the latest event (never the hire); the employee's columns return to the terms before it."""
    employee = records.get_versioned(session, actor, Employee, employee_id, "employee", version, present_employee)
    event = session.get(EmploymentEvent, event_id)
    if event is None or event.employee_id != employee.id:
        raise NotFound("not_found", params={"entity": "employment_event", "id": event_id})
    EVENT.check(event, "cancel", state="cancelled" if event.cancelled_at is not None else "in_force")
    if event.kind == "hire":
        raise Conflict("hire_not_cancellable")
    last = _active(events_of(session, employee.id))[-1]
    if last.id != event.id:
        raise Conflict("not_latest_event", params={"id": last.id, "date": last.date.isoformat()})
    refuse_if_paid(session, actor.company_id, employee.id, event.date, FOREVER, "date")
    before = records.snapshot(event)
    event.cancelled_at = dates.now()
    event.cancelled_by = actor.user_id
    session.flush()
    log_change(session, actor, "employment_event", event.id, "cancel", before, records.snapshot(event))
    _recompute(session, actor, employee)
    _stale(session, actor, employee.id, event.date, None)
    return employee


def _stale(session: Session, actor: Actor, employee_id: int, start: dt.date, end: Optional[dt.date]) -> None:
    """A payroll already calculated over these days was computed on other inputs: it goes back to draft."""
    inputs_changed(session, actor, [employee_id], start, end)


# --- staff requests ----------------------------------------------------------------------------

def _request_conditions(actor: Actor) -> list[Any]:
    """Which requests the actor sees: managers those of employees in their branches, anyone else their own."""
    conds = [StaffRequest.company_id == actor.company_id]
    if actor.role in MANAGERS:
        if actor.branch_ids:
            conds.append(Employee.branch_id.in_(actor.branch_ids))
    else:
        conds.append(Employee.user_id == actor.user_id if actor.user_id is not None else Employee.id.is_(None))
    return conds


def get_request(session: Session, actor: Actor, id: int) -> StaffRequest:
    req = session.get(StaffRequest, id)
    if req is None or req.company_id != actor.company_id:
        raise NotFound("not_found", params={"entity": "staff_request", "id": id})
    employee = session.get_one(Employee, req.employee_id)
    if actor.role in MANAGERS:
        if not actor.sees_branch(employee.branch_id):
            raise Forbidden("out_of_branch_scope", errors=[FieldError("employee_id", "out_of_branch_scope")])
    elif actor.user_id is None or employee.user_id != actor.user_id:
        # Someone else's request: as if it did not exist.
        raise NotFound("not_found", params={"entity": "staff_request", "id": id})
    return req


def list_requests(session: Session, actor: Actor, q: schemas.StaffRequestQuery) -> tuple[list[StaffRequest], int]:
    conds = _request_conditions(actor)
    for field in ("status", "kind", "employee_id"):
        value = getattr(q, field)
        if value is not None:
            conds.append(getattr(StaffRequest, field) == value)
    if q.date_from is not None:
        conds.append(StaffRequest.date_to >= q.date_from)
    if q.date_to is not None:
        conds.append(StaffRequest.date_from <= q.date_to)
    base = select(StaffRequest).join(Employee, Employee.id == StaffRequest.employee_id).where(*conds)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(StaffRequest.date_from.desc(), StaffRequest.id.desc())
                           .limit(q.limit).offset(q.offset))
    return list(rows), total


def _overlapping_leave(session: Session, req_employee: int, start: dt.date, end: dt.date,
                       exclude: Optional[int]) -> Optional[StaffRequest]:
    q = select(StaffRequest).where(
        StaffRequest.employee_id == req_employee, StaffRequest.kind.in_(LEAVE_KINDS),
        StaffRequest.status == "approved", StaffRequest.date_from <= end, StaffRequest.date_to >= start)
    if exclude is not None:
        q = q.where(StaffRequest.id != exclude)
    return session.scalars(q.order_by(StaffRequest.date_from).limit(1)).first()


def _refuse_overlap(session: Session, employee_id: int, start: dt.date, end: dt.date, exclude: Optional[int]) -> None:
    other = _overlapping_leave(session, employee_id, start, end, exclude)
    if other is not None:
        params = {"id": other.id, "date_from": other.date_from.isoformat(), "date_to": other.date_to.isoformat()}
        raise Conflict("leave_overlaps", params=params, errors=[FieldError("date_from", "leave_overlaps", params)])


def _refuse_posted_range(session: Session, company_id: int, employee_id: int, start: dt.date, end: dt.date,
                         field: str) -> None:
    """Leave and overtime feed the timesheet of every month they touch: none of them may be posted."""
    refuse_if_paid(session, company_id, employee_id, start, end, field)


def create_request(session: Session, actor: Actor, data: schemas.StaffRequestIn) -> StaffRequest:
    """File a request: anyone for themselves (their linked employee), managers for anyone in their branches."""
    errors = ErrorList()
    employee = session.get(Employee, data.employee_id)
    if employee is None or employee.company_id != actor.company_id:
        if actor.role not in MANAGERS:
            raise Forbidden("own_requests_only", errors=[FieldError("employee_id", "own_requests_only")])
        errors.add("employee_id", "unknown_reference", entity="employee", value=data.employee_id)
        employee = None
    elif actor.role not in MANAGERS:
        if actor.user_id is None or employee.user_id != actor.user_id:
            raise Forbidden("own_requests_only", errors=[FieldError("employee_id", "own_requests_only")])
    elif not actor.sees_branch(employee.branch_id):
        errors.add("employee_id", "out_of_branch_scope")
        employee = None
    if data.date_to < data.date_from:
        errors.add("date_to", "ends_before_start", date=data.date_from.isoformat())
    if employee is not None:
        if data.date_from < employee.hired_on:
            errors.add("date_from", "before_hire", date=employee.hired_on.isoformat())
        if employee.dismissed_on is not None and data.date_to > employee.dismissed_on:
            errors.add("date_to", "after_dismissal", date=employee.dismissed_on.isoformat())
    if data.kind == "overtime":
        if data.hours is None:
            errors.add("hours", "required")
        else:
            days = max((data.date_to - data.date_from).days + 1, 1)
            if data.hours > 24 * days:
                errors.add("hours", "too_large", max=24 * days)
    elif data.hours is not None:
        errors.add("hours", "not_for_kind", kind=data.kind)
    currency = None
    if data.kind in MONEY_KINDS:
        currency = data.currency or company_currencies(session, actor.company_id)[0]
        if data.amount is None:
            errors.add("amount", "required")
        else:
            _places(errors, "amount", data.amount, currency_of(currency).minor_units, "too_many_decimals",
                    currency=currency)
    else:
        for field in ("amount", "currency"):
            if getattr(data, field) is not None:
                errors.add(field, "not_for_kind", kind=data.kind)
    errors.raise_if_any()
    assert employee is not None
    if data.kind in LEAVE_KINDS:
        _refuse_overlap(session, employee.id, data.date_from, data.date_to, None)
    return records.create(session, actor, StaffRequest(
        company_id=actor.company_id, employee_id=employee.id, kind=data.kind, date_from=data.date_from,
        date_to=data.date_to, hours=data.hours, amount=data.amount if currency else None, currency=currency,
        reason=data.reason, status="pending", requested_by=actor.user_id,
    ), "staff_request")


def _check(req: StaffRequest, action: str) -> None:
    """Refuse `action` unless the request's kind and status allow it."""
    (MONEY_REQUEST if req.kind in MONEY_KINDS else TIME_REQUEST).check(req, action)


def decide_request(session: Session, actor: Actor, id: int, version: int, *, approve: bool,
                   note: Optional[str] = None) -> StaffRequest:
    """Approve or reject a pending request, recording who decided and when."""
    req = get_request(session, actor, id)
    records.check_version(req, version, present_request)
    if actor.role not in DECIDERS[req.kind]:
        raise Forbidden("request_decision_forbidden", params={"role": actor.role, "kind": req.kind})
    _check(req, "approve" if approve else "reject")
    # Four eyes: nobody but an owner decides a request about themselves.
    if actor.role != "owner" and actor.user_id is not None and \
            session.get_one(Employee, req.employee_id).user_id == actor.user_id:
        raise Forbidden("own_request_decision")
    if approve and req.kind in LEAVE_KINDS:
        _refuse_overlap(session, req.employee_id, req.date_from, req.date_to, req.id)
    if approve and req.kind in TIME_KINDS:
        _refuse_posted_range(session, actor.company_id, req.employee_id, req.date_from, req.date_to, "date_from")
        _stale(session, actor, req.employee_id, req.date_from, req.date_to)
    return records.change(session, actor, req, {
        "status": "approved" if approve else "rejected", "decided_by": actor.user_id, "decided_at": dates.now(),
        "decision_note": note,
    }, "staff_request")


def cancel_request(session: Session, actor: Actor, id: int, version: int) -> StaffRequest:
    """Withdraw a pending request, or an approved one not yet paid: by the requester, HR or an owner."""
    req = get_request(session, actor, id)
    records.check_version(req, version, present_request)
    if actor.role not in ("owner", "hr") and (actor.user_id is None or req.requested_by != actor.user_id):
        raise Forbidden("request_cancel_forbidden")
    _check(req, "cancel")
    if req.status == "approved" and req.kind in TIME_KINDS:
        _refuse_posted_range(session, actor.company_id, req.employee_id, req.date_from, req.date_to, "date_from")
        _stale(session, actor, req.employee_id, req.date_from, req.date_to)
    return records.change(session, actor, req, {"status": "cancelled"}, "staff_request")


def pay_request(session: Session, actor: Actor, id: int, data: schemas.PayRequestIn) -> StaffRequest:
    """Pay an approved advance, expense or purchase from a cash account: one posted payment, then "paid"."""
    req = get_request(session, actor, id)
    records.check_version(req, data.version, present_request)
    _check(req, "pay")
    assert req.amount is not None and req.currency is not None
    cash = session.get(CashAccount, data.cash_account_id)
    if cash is not None and cash.company_id == actor.company_id and cash.currency != req.currency:
        raise ValidationFailed(errors=[FieldError("cash_account_id", "request_currency_mismatch",
                                                  {"cash_currency": cash.currency, "currency": req.currency})])
    if req.kind == "advance":
        # The advance is deducted in the payroll of its payment's month, which must still be open.
        refuse_if_paid(session, actor.company_id, req.employee_id, data.date, data.date, "date")
    employee = session.get_one(Employee, req.employee_id)
    debit, category = PAYOUT[req.kind]
    payment = pay_out(session, actor, cash_account_id=data.cash_account_id, date=data.date, amount=req.amount,
                      debit=debit, category=category,
                      memo=f"{KIND_LABELS[req.kind]} {employee.number} {employee.full_name} (request {req.id})",
                      source_type="staff_request", source_id=req.id)
    if req.kind == "advance":
        _stale(session, actor, req.employee_id, data.date, data.date)
    return records.change(session, actor, req, {"status": "paid", "payment_id": payment.id}, "staff_request")


def approved_absences(session: Session, company_id: int, employee_ids: Iterable[int], start: dt.date,
                      end: dt.date) -> list[StaffRequest]:
    """What the payroll engine takes from requests for [start, end]: approved leave and overtime overlapping
    it, and paid advances whose payment is dated in it. Ordered by employee, start date, id."""
    ids = sorted(set(employee_ids))
    found: list[StaffRequest] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        found.extend(session.scalars(select(StaffRequest).where(
            StaffRequest.company_id == company_id, StaffRequest.employee_id.in_(chunk),
            StaffRequest.kind.in_(TIME_KINDS), StaffRequest.status == "approved",
            StaffRequest.date_from <= end, StaffRequest.date_to >= start)))
        found.extend(session.scalars(select(StaffRequest).join(Payment, Payment.id == StaffRequest.payment_id).where(
            StaffRequest.company_id == company_id, StaffRequest.employee_id.in_(chunk),
            StaffRequest.kind == "advance", StaffRequest.status == "paid", Payment.status == "posted",
            Payment.date >= start, Payment.date <= end)))
    return sorted(found, key=lambda r: (r.employee_id, r.date_from, r.id))
