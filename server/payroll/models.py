"""Payroll settings, calendar overrides, tax rules, pay items, timesheets, payroll runs, payslips and their lines."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.posted import freeze_when_posted
from ..core.workflow import Workflow
from ..db import Base, ExactDecimal, IntPK, Money, UTCDateTime, Versioned

RUN_STATES = ("draft", "calculated", "approved", "posted", "paid")
# A run is calculated (again, as often as needed) until approved; an approved run reopens to be
# recalculated, or is posted, and a posted one is paid. Posted and paid runs never go back.
RUN = Workflow("payroll_run", RUN_STATES, {
    "calculate": (("draft", "calculated"), "calculated"),
    "approve": (("calculated",), "approved"),
    "reopen": (("approved",), "calculated"),
    "post": (("approved",), "posted"),
    "pay": (("posted",), "paid"),
})
RUN_KINDS = ("regular", "adjustment")
LINE_KINDS = ("earning", "deduction", "contribution")
RULE_KINDS = ("withholding", "contribution")
DAY_KINDS = ("working", "short", "holiday", "weekend")
# Timesheet codes: W worked, V paid vacation, S sick leave (paid), B business trip, U unpaid leave,
# A absence without leave, H public holiday / weekend.
ABSENCE_CODES = ("W", "V", "S", "B", "U", "A", "H")
PAID_CODES = frozenset({"V", "S", "B"})


class PayrollSettings(Versioned, Base):
    """One per company: the calendar's country, the weekly days off, overtime pay."""

    __tablename__ = "payroll_settings"

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    calendar_country: Mapped[str] = mapped_column(String(2))
    # ISO weekday numbers of the weekly days off (Monday = 1).
    weekend: Mapped[list[Any]] = mapped_column(JSON, default=lambda: [6, 7])
    overtime_multiplier: Mapped[Decimal] = mapped_column(ExactDecimal(6, 3), default=Decimal("1.5"))


class CalendarOverride(Versioned, Base):
    """A company's own verdict on one day of its calendar: a transferred day off, a shortened day, a local holiday."""

    __tablename__ = "calendar_overrides"
    __table_args__ = (UniqueConstraint("company_id", "country", "date"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    country: Mapped[str] = mapped_column(String(2))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    # Norm hours of a working or shortened day (8, 7 …); 0 on days off.
    hours: Mapped[Decimal] = mapped_column(ExactDecimal(6, 2))
    name: Mapped[Optional[str]] = mapped_column(String(200))


class TaxRule(Versioned, Base):
    """A tax withheld from pay or a contribution paid on top of it, as data the company can change.

    `brackets` are marginal rates: [["0", "13"], ["2400000", "15"]] taxes the part of the base above each
    threshold at its percent; one bracket is a flat rate, a bracket of rate 0 above a ceiling caps it.
    `period` "year" applies the brackets to the base of the year so far and withholds the difference with
    what was withheld before (Russian НДФЛ, contributions with a yearly ceiling); "month" applies them to
    the month alone (Cambodian salary tax, NSSF). Thresholds are in `currency`, converted at the rate of
    the period's last day when the company's base currency differs.
    """

    __tablename__ = "tax_rules"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(12))
    brackets: Mapped[list[Any]] = mapped_column(JSON)
    period: Mapped[str] = mapped_column(String(5), default="month")
    currency: Mapped[str] = mapped_column(String(3))
    # The monthly base is never taken below this (NSSF's floor); None: no floor.
    base_floor: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(20, 4))
    # Subtracted from the monthly base per dependant of the employee.
    dependant_allowance: Mapped[Decimal] = mapped_column(ExactDecimal(20, 4), default=Decimal(0))
    # Codes of withholding rules whose amounts are subtracted from this rule's base first.
    base_minus: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Result rounded to this step ("0.01", "1", "100"), half up, in `currency` before conversion back.
    rounding: Mapped[Decimal] = mapped_column(ExactDecimal(12, 4), default=Decimal("0.01"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # The rule applies to runs of branches in this country (a Moscow branch of a Cambodian company pays
    # Russian taxes); None: to every branch.
    country: Mapped[Optional[str]] = mapped_column(String(2))
    preset: Mapped[Optional[str]] = mapped_column(String(10))
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class PayItem(Versioned, Base):
    """A fixed bonus or deduction of one employee, monthly between two periods or once (period_from = period_to).

    Items with `run_id` belong to that adjustment run only.
    """

    __tablename__ = "pay_items"
    __table_args__ = (Index("ix_pay_items_company_period", "company_id", "period_from"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Money]
    # Whether taxes apply to it (a bonus usually yes; a reimbursement no).
    taxable: Mapped[bool] = mapped_column(default=True)
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[Optional[dt.date]] = mapped_column(Date)
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payroll_runs.id"), index=True)
    archived_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())


class TimesheetDay(Base):
    """What one employee did on one day: hours worked, overtime, units produced, or an absence code."""

    __tablename__ = "timesheet_days"
    __table_args__ = (
        UniqueConstraint("employee_id", "date"),
        Index("ix_timesheet_days_company_date", "company_id", "date"),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(2))
    hours: Mapped[Decimal] = mapped_column(ExactDecimal(6, 2), default=Decimal(0))
    overtime_hours: Mapped[Decimal] = mapped_column(ExactDecimal(6, 2), default=Decimal(0))
    units: Mapped[Decimal] = mapped_column(ExactDecimal(18, 4), default=Decimal(0))
    # manual, import, calendar, request
    source: Mapped[str] = mapped_column(String(10), default="manual")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))


class PayrollRun(Versioned, Base):
    """The payroll of one month and branch: draft → calculated → approved → posted → paid.

    Posted and paid runs never change; an adjustment run (kind "adjustment", adjusts_run_id) carries the
    corrections of a posted month.
    """

    __tablename__ = "payroll_runs"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        Index("ix_payroll_runs_company_period", "company_id", "period", "branch_id"),
        # One regular run per month and branch, even when two are opened at the same moment.
        Index("uq_payroll_runs_regular", "company_id", "branch_id", "period", unique=True,
              sqlite_where=text("kind = 'regular'"), postgresql_where=text("kind = 'regular'")),
    )

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    number: Mapped[str] = mapped_column(String(40))
    # The first day of the month.
    period: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10), default="regular")
    adjusts_run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payroll_runs.id"))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    memo: Mapped[Optional[str]] = mapped_column(Text)
    employees: Mapped[int] = mapped_column(Integer, default=0)
    gross: Mapped[Money] = mapped_column(default=Decimal(0))
    deductions: Mapped[Money] = mapped_column(default=Decimal(0))
    net: Mapped[Money] = mapped_column(default=Decimal(0))
    contributions: Mapped[Money] = mapped_column(default=Decimal(0))
    calculated_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    calculated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    approved_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    posted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("journal_entries.id"))
    paid_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    payment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("payments.id"))


class Payslip(Base):
    """One employee's result in one run, with the figures the computation used."""

    __tablename__ = "payslips"
    __table_args__ = (UniqueConstraint("run_id", "employee_id"),)

    id: Mapped[IntPK]
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"))
    position_id: Mapped[Optional[int]] = mapped_column(ForeignKey("positions.id"))
    norm_days: Mapped[int] = mapped_column(Integer, default=0)
    norm_hours: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2), default=Decimal(0))
    worked_days: Mapped[int] = mapped_column(Integer, default=0)
    worked_hours: Mapped[Decimal] = mapped_column(ExactDecimal(8, 2), default=Decimal(0))
    gross: Mapped[Money] = mapped_column(default=Decimal(0))
    deductions: Mapped[Money] = mapped_column(default=Decimal(0))
    net: Mapped[Money] = mapped_column(default=Decimal(0))
    contributions: Mapped[Money] = mapped_column(default=Decimal(0))

    lines: Mapped[list["PayslipLine"]] = relationship(order_by="PayslipLine.id", lazy="selectin")


class PayslipLine(Base):
    """One earning, deduction or employer contribution, with how it was computed (`explain`: a message code and its figures)."""

    __tablename__ = "payslip_lines"

    id: Mapped[IntPK]
    payslip_id: Mapped[int] = mapped_column(ForeignKey("payslips.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Money]
    base: Mapped[Optional[Decimal]] = mapped_column(ExactDecimal(20, 4))
    explain: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


freeze_when_posted(
    PayrollRun, state="status", frozen_states={"posted", "paid"},
    mutable={"paid_at", "payment_id", "memo"},
)
