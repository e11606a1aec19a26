"""What a posted payroll month forbids: nothing that would change its pay (timesheet days, rate changes,
hires and dismissals dated in it) may be written after the run that paid it was posted."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.errors import Conflict, FieldError
from ..hr import service as hr
from .models import PayrollRun, Payslip

POSTED = ("posted", "paid")


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def posted_months(session: Session, company_id: int, employee_ids: Iterable[int], start: dt.date,
                  end: dt.date) -> dict[tuple[int, dt.date], str]:
    """(employee id, first day of month) → number of the posted run that paid that employee that month."""
    ids = list(set(employee_ids))
    found: dict[tuple[int, dt.date], str] = {}
    for i in range(0, len(ids), 500):
        rows = session.execute(
            select(Payslip.employee_id, PayrollRun.period, PayrollRun.number)
            .join(PayrollRun, PayrollRun.id == Payslip.run_id)
            .where(PayrollRun.company_id == company_id, PayrollRun.status.in_(POSTED),
                   PayrollRun.period >= month_of(start), PayrollRun.period <= end,
                   Payslip.employee_id.in_(ids[i:i + 500]))
        ).all()
        for employee_id, period, number in rows:
            found.setdefault((employee_id, period), number)
    return found


def posted_error(field: str, day: dt.date, run_number: str) -> FieldError:
    return FieldError(field, "payroll_period_posted", {"period": day.strftime("%Y-%m"), "run": run_number})


@hr.refuse_if_paid.register
def refuse_paid_months(session: Session, company_id: int, employee_id: int, start: dt.date, end: dt.date,
                       field: str) -> None:
    """hr's hook: an employment event, a leave or an advance dated in a month already paid is refused (409)."""
    hits = posted_months(session, company_id, [employee_id], start, end)
    if hits:
        (_emp, period), number = min(hits.items())
        err = posted_error(field, period, number)
        raise Conflict("payroll_period_posted", params=err.params, errors=[err])
