"""The demo company's staff and payroll: employees for every user and some workers, positions, the tax
presets, a month of timesheets with some leave and overtime, and the last open month calculated.

Everything goes through the services a user's requests go through, so the demo obeys the same rules.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..currency.models import ExchangeRate
from ..hr import schemas as hs
from ..hr import service as hr
from ..org.models import Branch, Department, User
from ..payroll import schemas as ps
from ..payroll import service as payroll
from ..payroll.rules.service import load_preset

D = Decimal
POSITIONS = (
    ("Director", "នាយក", "Директор"), ("Accountant", "គណនេយ្យករ", "Бухгалтер"),
    ("HR officer", "មន្ត្រីធនធានមនុស្ស", "Специалист по кадрам"), ("Sales manager", "អ្នកគ្រប់គ្រងការលក់", "Менеджер по продажам"),
    ("Storekeeper", "អ្នកថែរក្សាឃ្លាំង", "Кладовщик"), ("Packer", "អ្នកវេចខ្ចប់", "Упаковщик"),
)
ROLE_POSITION = {"owner": "Director", "accountant": "Accountant", "hr": "HR officer", "sales": "Sales manager",
                 "warehouse": "Storekeeper"}
# Monthly salary by role in each branch's usual range (USD; the Moscow branch's too, as the books are in USD).
SALARY = {"owner": 3000, "accountant": 1200, "hr": 900, "sales": 600, "warehouse": 450}
WORKERS = (("PP", "ស៊ុន សុភា"), ("PP", "Nhem Sokha"), ("PP", "ចាន់ ធីតា"), ("SR", "យឹម វណ្ណៈ"),
           ("SR", "Sam Rithy"), ("MOW", "Петров Алексей Викторович"), ("MOW", "Сидорова Мария Олеговна"))


def load_payroll(session: Session, actor: Actor, rng: random.Random, today: dt.date) -> int:
    """Hire the staff, load both presets, enter the current month's exceptions and calculate each branch's
    run of the month before `today`'s (the last month still open). Returns the number of employees."""
    company_id = actor.company_id
    start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1) if today.day < 25 else today.replace(day=1)
    for code, rate in (("KHR", D("0.00025")), ("RUB", D("0.0125"))):
        if session.scalar(select(ExchangeRate.id).where(ExchangeRate.company_id == company_id,
                                                        ExchangeRate.currency == code)) is None:
            session.add(ExchangeRate(company_id=company_id, currency=code, date=dt.date(2025, 1, 1), rate=rate))
    session.flush()
    for country in ("KH", "RU"):
        load_preset(session, actor, country, True)
    positions = {}
    for en, km, ru in POSITIONS:
        positions[en] = hr.create_position(session, actor, hs.PositionIn(name=en, names={"km": km, "ru": ru})).id
    branches = {b.code: b.id for b in session.scalars(select(Branch).where(Branch.company_id == company_id))}
    departments: dict[int, int] = {}
    for dept in session.scalars(select(Department).where(Department.company_id == company_id,
                                                         Department.parent_id.is_(None))):
        if dept.branch_id is not None:
            departments.setdefault(dept.branch_id, dept.id)
    hired = dt.date(2025, 1, 6)
    people = []
    for user in session.scalars(select(User).where(User.company_id == company_id).order_by(User.id)):
        branch_code = next((b.code for b in user.branches), "PP") if user.branches else "PP"
        branch = branches[branch_code]
        people.append(hr.create_employee(session, actor, hs.EmployeeIn(
            full_name=user.name, user_id=user.id, email=user.email, branch_id=branch,
            department_id=departments.get(branch), position_id=positions[ROLE_POSITION[user.role]],
            salary=D(SALARY[user.role]), commission_percent=D(3) if user.role == "sales" else D(0),
            dependants=rng.randint(0, 3), hired_on=hired + dt.timedelta(days=rng.randint(0, 200)))))
    for branch_code, name in WORKERS:
        branch = branches[branch_code]
        hourly = rng.random() < 0.5
        people.append(hr.create_employee(session, actor, hs.EmployeeIn(
            full_name=name, branch_id=branch, department_id=departments.get(branch),
            position_id=positions["Packer"], salary=D(0) if hourly else D(320),
            hourly_rate=D("2.50") if hourly else D(0), piece_rate=D("0.10"),
            hired_on=hired + dt.timedelta(days=rng.randint(0, 300)))))
    # The month's exceptions: a day off sick, some overtime, pieces packed.
    days = []
    for emp in people[-len(WORKERS):]:
        for offset in (2, 3, 8, 9, 10):
            day = start + dt.timedelta(days=offset)
            if day.isoweekday() < 6:
                days.append(ps.TimesheetDayIn(employee_id=emp.id, date=day, units=D(rng.randint(80, 240)),
                                              overtime_hours=D(rng.choice((0, 0, 1, 2)))))
    sick = people[-1]
    sick_day = start + dt.timedelta(days=14)
    while sick_day.isoweekday() > 5:
        sick_day += dt.timedelta(days=1)
    days.append(ps.TimesheetDayIn(employee_id=sick.id, date=sick_day, code="S"))
    payroll.save_timesheet(session, actor, ps.TimesheetIn(days=days, source="import"))
    for code in ("PP", "SR", "MOW"):
        run = payroll.create_run(session, actor, ps.RunIn(period=start, branch_id=branches[code]))
        payroll.calculate(session, actor, run.id, run.version)
    return len(people)
