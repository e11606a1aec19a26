"""Who is employed in a month, on which terms, and what their effective timesheet is.

Read in bulk (one query per kind of record for all employees at once), so that a run for thousands of
employees and the timesheet sheet of the workbook cost a handful of queries.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..hr.models import Employee, EmploymentEvent, StaffRequest
from ..hr.service import approved_absences
from .calendar.service import Month
from .compute import Entry, Terms
from .models import TimesheetDay

FULL_DAY = Decimal(8)
LEAVE_CODES = {"vacation": "V", "sick_leave": "S", "unpaid_leave": "U"}


def month_end(start: dt.date) -> dt.date:
    nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


@dataclass
class Employment:
    """One employee's month: the stretches of terms, the branch at the end, leave from events."""

    employee: Employee
    terms: list[Terms]
    branch_id: int
    leave: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    def employed(self, day: dt.date) -> bool:
        return any(t.start <= day <= t.end for t in self.terms)

    def hours_per_day(self, day: dt.date) -> Decimal:
        for t in self.terms:
            if t.start <= day <= t.end:
                return t.hours_per_day
        return self.terms[-1].hours_per_day


def _events(session: Session, company_id: int, employee_ids: list[int], until: dt.date) -> dict[int, list[EmploymentEvent]]:
    found: dict[int, list[EmploymentEvent]] = defaultdict(list)
    for i in range(0, len(employee_ids), 900):
        chunk = employee_ids[i:i + 900]
        rows = session.scalars(
            select(EmploymentEvent)
            .where(EmploymentEvent.company_id == company_id, EmploymentEvent.employee_id.in_(chunk),
                   EmploymentEvent.cancelled_at.is_(None), EmploymentEvent.date <= until)
            .order_by(EmploymentEvent.employee_id, EmploymentEvent.date, EmploymentEvent.id)
        ).all()
        for ev in rows:
            found[ev.employee_id].append(ev)
    return found


def employment(session: Session, company_id: int, start: dt.date, *, branch_id: Optional[int] = None,
               employee_ids: Optional[Iterable[int]] = None) -> list[Employment]:
    """Everyone employed on at least one day of the month starting `start` (in `branch_id` at the month's end, if given)."""
    end = month_end(start)
    q = select(Employee).where(Employee.company_id == company_id, Employee.hired_on <= end)
    q = q.where((Employee.dismissed_on.is_(None)) | (Employee.dismissed_on >= start))
    if employee_ids is not None:
        q = q.where(Employee.id.in_(list(employee_ids)))
    employees = session.scalars(q.order_by(Employee.number)).all()
    events = _events(session, company_id, [e.id for e in employees], end)
    out: list[Employment] = []
    for emp in employees:
        evs = events.get(emp.id, [])
        terms: list[Terms] = []
        leave: list[tuple[dt.date, dt.date]] = []
        branch = emp.branch_id
        stop: Optional[dt.date] = None
        for i, ev in enumerate(evs):
            if ev.kind == "dismissal":
                stop = ev.date
                break
            if ev.kind == "leave" and ev.end_date is not None:
                leave.append((max(ev.date, start), min(ev.end_date, end)))
            nxt = evs[i + 1] if i + 1 < len(evs) else None
            seg_end = end
            if nxt is not None:
                seg_end = min(end, nxt.date if nxt.kind == "dismissal" else nxt.date - dt.timedelta(days=1))
            seg_start = max(ev.date, start)
            if seg_start > seg_end:
                continue
            terms.append(Terms(
                start=seg_start, end=seg_end, salary=ev.salary, hourly_rate=ev.hourly_rate,
                piece_rate=ev.piece_rate, commission_percent=ev.commission_percent,
                hours_per_day=ev.hours_per_day, department_id=ev.department_id, position_id=ev.position_id,
            ))
            branch = ev.branch_id
        if stop is not None and stop < start:
            continue
        if not terms:
            continue
        if branch_id is not None and branch != branch_id:
            continue
        out.append(Employment(employee=emp, terms=terms, branch_id=branch, leave=[lv for lv in leave if lv[0] <= lv[1]]))
    return out


def stored_days(session: Session, company_id: int, employee_ids: list[int], start: dt.date,
                end: dt.date) -> dict[int, dict[dt.date, TimesheetDay]]:
    found: dict[int, dict[dt.date, TimesheetDay]] = defaultdict(dict)
    for i in range(0, len(employee_ids), 900):
        rows = session.scalars(
            select(TimesheetDay).where(TimesheetDay.company_id == company_id,
                                       TimesheetDay.employee_id.in_(employee_ids[i:i + 900]),
                                       TimesheetDay.date >= start, TimesheetDay.date <= end)
        ).all()
        for row in rows:
            found[row.employee_id][row.date] = row
    return found


def stored_entries(session: Session, company_id: int, employee_ids: list[int], start: dt.date,
                   end: dt.date) -> dict[int, dict[dt.date, Entry]]:
    """The entered days as plain entries (columns, not ORM objects: a month of 5,000 employees is 110,000 rows)."""
    found: dict[int, dict[dt.date, Entry]] = defaultdict(dict)
    t = TimesheetDay
    for i in range(0, len(employee_ids), 900):
        rows = session.execute(
            select(t.employee_id, t.date, t.code, t.hours, t.overtime_hours, t.units, t.source)
            .where(t.company_id == company_id, t.employee_id.in_(employee_ids[i:i + 900]), t.date >= start, t.date <= end)
        )
        for employee_id, date, code, hours, overtime, units, source in rows:
            found[employee_id][date] = Entry(code, hours, overtime, units, source)
    return found


def requests(session: Session, company_id: int, employee_ids: list[int], start: dt.date,
             end: dt.date) -> dict[int, list[StaffRequest]]:
    """Approved leave and overtime overlapping the range, and advances paid (and not cancelled) in it."""
    found: dict[int, list[StaffRequest]] = defaultdict(list)
    for row in approved_absences(session, company_id, employee_ids, start, end):
        found[row.employee_id].append(row)
    return found


def effective_days(job: Employment, month: Month, stored: dict[dt.date, Entry],
                   reqs: list[StaffRequest]) -> dict[dt.date, Entry]:
    """The timesheet as payroll reads it: what was entered wins; otherwise approved leave, leave events,
    then the calendar (a working day's norm scaled to the employee's hours per day)."""
    leave_days: dict[dt.date, str] = {}
    overtime: dict[dt.date, Decimal] = defaultdict(Decimal)
    for a, b in job.leave:
        d = a
        while d <= b:
            leave_days[d] = "U"
            d += dt.timedelta(days=1)
    for r in reqs:
        code = LEAVE_CODES.get(r.kind)
        d = max(r.date_from, month.start)
        last = min(r.date_to, month.days[-1].date)
        while d <= last:
            if code is not None and r.status == "approved":
                leave_days[d] = code
            elif r.kind == "overtime" and r.status == "approved" and r.hours:
                overtime[d] += r.hours
            d += dt.timedelta(days=1)
    days: dict[dt.date, Entry] = {}
    for day in month.days:
        if not job.employed(day.date):
            continue
        entered = stored.get(day.date)
        if entered is not None:
            days[day.date] = entered
            continue
        works = day.kind in ("working", "short")
        code = leave_days.get(day.date)
        if code is not None and works:
            days[day.date] = Entry(code, source="request")
        elif works:
            hours = (day.hours * job.hours_per_day(day.date) / FULL_DAY).quantize(Decimal("0.01"), ROUND_HALF_UP)
            days[day.date] = Entry("W", hours, overtime.get(day.date, Decimal(0)), source="calendar")
        else:
            days[day.date] = Entry("H", overtime_hours=overtime.get(day.date, Decimal(0)), source="calendar")
    return days
