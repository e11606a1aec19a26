"""Positions, employees, their employment history (dated events, never overwritten) and staff requests."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.workflow import Workflow
from ..db import Base, ExactDecimal, IntPK, Money, UTCDateTime, Versioned

EVENT_KINDS = ("hire", "transfer", "rate_change", "leave", "return", "dismissal")
REQUEST_KINDS = ("vacation", "sick_leave", "unpaid_leave", "overtime", "advance", "expense", "purchase")
REQUEST_STATES = ("pending", "approved", "rejected", "cancelled", "paid")
EVENT_STATES = ("in_force", "cancelled")

# A request is decided once; it may be withdrawn until it is paid. Only money requests (an advance,
# an expense, a purchase) are paid.
TIME_REQUEST = Workflow("staff_request", REQUEST_STATES, {
    "approve": (("pending",), "approved"),
    "reject": (("pending",), "rejected"),
    "cancel": (("pending", "approved"), "cancelled"),
})
MONEY_REQUEST = Workflow("staff_request", REQUEST_STATES, {**TIME_REQUEST.moves, "pay": (("approved",), "paid")})
# An event has no status column: it is in force until its cancelled_at is set.
EVENT = Workflow("employment_event", EVENT_STATES, {"cancel": (("in_force",), "cancelled")})


class Position(Versioned, Base):
    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class Employee(Versioned, Base):
    """A person on the staff. Personal details change in place (logged); employment only through events.

    The employment columns (branch … commission_percent, hired_on, dismissed_on) are the state after the
    latest event, kept for lists; the events are the truth and payroll reads them by date.
    """

    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        UniqueConstraint("company_id", "user_id"),
        Index("ix_employees_company_branch", "company_id", "branch_id", "id"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    number: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    tax_id: Mapped[Optional[str]] = mapped_column(String(40))
    social_id: Mapped[Optional[str]] = mapped_column(String(40))
    birth_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(254))
    bank_account: Mapped[Optional[str]] = mapped_column(String(60))
    language: Mapped[Optional[str]] = mapped_column(String(2))
    # Tax allowances: dependants (spouse, children) each lower the taxable base where a rule says so.
    dependants: Mapped[int] = mapped_column(Integer, default=0)
    # Current state, from the events.
    status: Mapped[str] = mapped_column(String(10), default="active")
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"))
    position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("positions.id"))
    hours_per_day: Mapped[Decimal] = mapped_column(ExactDecimal(6, 2), default=Decimal(8))
    salary: Mapped[Money] = mapped_column(default=Decimal(0))
    hourly_rate: Mapped[Money] = mapped_column(default=Decimal(0))
    piece_rate: Mapped[Money] = mapped_column(default=Decimal(0))
    commission_percent: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4), default=Decimal(0))
    hired_on: Mapped[dt.date] = mapped_column(Date)
    dismissed_on: Mapped[Optional[dt.date]] = mapped_column(Date)


class EmploymentEvent(Base):
    """One dated fact of employment: hire, transfer, rate change, leave (with its end), return, dismissal.

    Never updated. Each event carries the full employment terms in force from `date` (copied from the
    previous event where it changes nothing), so the terms on any day are those of the last event on or
    before it. A wrong event not yet paid on is cancelled (cancelled_at), never edited.
    """

    __tablename__ = "employment_events"
    __table_args__ = (Index("ix_employment_events_employee_date", "employee_id", "date", "id"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(String(12))
    date: Mapped[dt.date] = mapped_column(Date)
    # leave only: the last day of the leave (inclusive).
    end_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"))
    position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("positions.id"))
    hours_per_day: Mapped[Decimal] = mapped_column(ExactDecimal(6, 2))
    salary: Mapped[Money]
    hourly_rate: Mapped[Money]
    piece_rate: Mapped[Money]
    commission_percent: Mapped[Decimal] = mapped_column(ExactDecimal(9, 4))
    reason: Mapped[Optional[str]] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class StaffRequest(Versioned, Base):
    """Leave, sick leave, overtime, an advance, an expense or a purchase, asked for and decided on.

    Approved leave and overtime feed the timesheet; an approved advance is paid from the books and
    deducted in the payroll run of its month.
    """

    __tablename__ = "staff_requests"
    __table_args__ = (Index("ix_staff_requests_company_status", "company_id", "status", "date_from"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(8, 2))
    amount: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(20, 4))
    currency: Mapped[Optional[str]] = mapped_column(String(3))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    decision_note: Mapped[Optional[str]] = mapped_column(String(500))
    # advance / expense: the payment that paid it out.
    payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payments.id"))
