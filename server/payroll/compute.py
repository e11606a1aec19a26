"""The payslip of one employee for one month, computed from plain data: no database here.

`service.calculate` reads everything a run needs in a few queries, builds one `Input` per employee and
calls `payslip` for each; that keeps a 5,000-employee run to seconds and makes every scheme testable with
exact Decimals. Every line carries `explain`: a message code and the figures it was computed from, which
`explain.describe` turns into a sentence in the reader's language.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Optional

from .models import PAID_CODES
from .rules.taxes import RuleSpec, compute as compute_tax

ZERO = Decimal(0)
HUNDRED = Decimal(100)
FULL_DAY = Decimal(8)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Terms:
    """The employment terms of one stretch of the month (from one event to the next, inside employment)."""

    start: dt.date
    end: dt.date
    salary: Decimal
    hourly_rate: Decimal
    piece_rate: Decimal
    commission_percent: Decimal
    hours_per_day: Decimal
    department_id: Optional[int] = None
    position_id: Optional[int] = None


@dataclass(frozen=True)
class Entry:
    """One day of the effective timesheet."""

    code: str
    hours: Decimal = ZERO
    overtime_hours: Decimal = ZERO
    units: Decimal = ZERO
    source: str = "calendar"


@dataclass(frozen=True)
class Item:
    kind: str  # earning | deduction
    name: str
    amount: Decimal
    taxable: bool = True
    ref: Optional[int] = None


@dataclass(frozen=True)
class Advance:
    date: dt.date
    amount: Decimal
    request_id: int


@dataclass
class Input:
    employee_id: int
    dependants: int
    terms: list[Terms]
    days: dict[dt.date, Entry]
    norm_days: int
    norm_hours: Decimal
    commission_base: Decimal = ZERO
    commission_invoices: int = 0
    items: list[Item] = field(default_factory=list)
    advances: list[Advance] = field(default_factory=list)
    # rule code → (base, amount) of the year before this month (posted runs), for yearly rules;
    # for an adjustment run also this month's posted (base, amount) under the key (code, "month").
    ytd: dict[Any, tuple[Decimal, Decimal]] = field(default_factory=dict)
    # Adjustment runs pay only their own items: no salary, hours, pieces or commission again.
    adjustment: bool = False


@dataclass
class Line:
    kind: str  # earning | deduction | contribution
    code: str
    name: str
    amount: Decimal
    base: Optional[Decimal] = None
    explain: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    employee_id: int
    lines: list[Line]
    worked_days: int
    worked_hours: Decimal
    gross: Decimal
    deductions: Decimal
    net: Decimal
    contributions: Decimal
    department_id: Optional[int]
    position_id: Optional[int]


# Figures shown as money (two places at least); the others (days, hours, units, percents) as plain numbers.
MONEY_PARAMS = frozenset({"salary", "rate", "per_hour", "base"})


def _s(key: str, value: Decimal) -> str:
    if key in MONEY_PARAMS:
        cents = value.quantize(CENT, ROUND_HALF_UP)
        return format(cents if cents == value else value.normalize(), "f")
    return "0" if value == 0 else format(value.normalize(), "f")


def _explain(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": {k: (_s(k, v) if isinstance(v, Decimal) else v) for k, v in params.items()}}


def payslip(inp: Input, rules: list[RuleSpec], *, overtime_multiplier: Decimal,
            round_money: Callable[[Decimal], Decimal]) -> Result:
    """Compute one payslip. Net pay = earnings − deductions, exactly, by construction of the totals."""
    lines: list[Line] = []
    worked_days = 0
    worked_hours = ZERO
    norm_days = Decimal(inp.norm_days)
    if not inp.adjustment:
        for t in inp.terms:
            days = [inp.days[d] for d in sorted(inp.days) if t.start <= d <= t.end]
            worked = [e for e in days if e.code in ("W", "B") and (e.hours > 0 or e.code == "B")]
            paid_leave = [e for e in days if e.code in PAID_CODES - {"B"}]
            hours = sum((e.hours for e in worked), ZERO)
            overtime = sum((e.overtime_hours for e in days), ZERO)
            units = sum((e.units for e in days), ZERO)
            worked_days += len(worked)
            worked_hours += hours
            span = {"from": t.start.isoformat(), "to": t.end.isoformat()}
            if t.salary and norm_days:
                amount = round_money(t.salary * len(worked) / norm_days)
                lines.append(Line("earning", "salary", "Salary", amount, explain=_explain(
                    "salary", salary=t.salary, days=len(worked), norm_days=inp.norm_days, **span)))
                if paid_leave:
                    leave = round_money(t.salary * len(paid_leave) / norm_days)
                    lines.append(Line("earning", "paid_leave", "Paid leave", leave, explain=_explain(
                        "paid_leave", salary=t.salary, days=len(paid_leave), norm_days=inp.norm_days, **span)))
            if t.hourly_rate and hours:
                lines.append(Line("earning", "hourly", "Hourly pay", round_money(t.hourly_rate * hours),
                                  explain=_explain("hourly", rate=t.hourly_rate, hours=hours, **span)))
            if overtime:
                own_norm = inp.norm_hours * t.hours_per_day / FULL_DAY
                if t.hourly_rate:
                    per_hour, basis = t.hourly_rate, "hourly_rate"
                elif t.salary and own_norm:
                    per_hour, basis = t.salary / own_norm, "salary"
                else:
                    per_hour, basis = ZERO, "none"
                amount = round_money(per_hour * overtime_multiplier * overtime)
                lines.append(Line("earning", "overtime", "Overtime", amount, explain=_explain(
                    "overtime", hours=overtime, multiplier=overtime_multiplier, basis=basis,
                    per_hour=per_hour.quantize(Decimal("0.0001"), ROUND_HALF_UP), salary=t.salary,
                    norm_hours=own_norm, **span)))
            if t.piece_rate and units:
                lines.append(Line("earning", "piece", "Piece work", round_money(t.piece_rate * units),
                                  explain=_explain("piece", rate=t.piece_rate, units=units, **span)))
        percent = inp.terms[-1].commission_percent if inp.terms else ZERO
        if percent and inp.commission_base:
            lines.append(Line("earning", "commission", "Commission", round_money(inp.commission_base * percent / HUNDRED),
                              base=inp.commission_base, explain=_explain(
                                  "commission", percent=percent, base=inp.commission_base,
                                  invoices=inp.commission_invoices)))
    for item in inp.items:
        if item.kind == "earning":
            lines.append(Line("earning", "bonus" if item.taxable else "allowance", item.name, item.amount,
                              explain=_explain("fixed_earning", name=item.name, taxable=item.taxable)))
    taxable = sum((ln.amount for ln in lines if ln.kind == "earning" and ln.code != "allowance"), ZERO)
    withheld: dict[str, Decimal] = {}
    for rule in rules:
        if rule.period == "year":
            ytd_base, ytd_amount = inp.ytd.get(rule.code, (ZERO, ZERO))
            res = compute_tax(rule, base=taxable, dependants=inp.dependants, withheld=withheld,
                              ytd_base=ytd_base, ytd_amount=ytd_amount)
            amount = res.amount
        else:
            month_base, month_amount = inp.ytd.get((rule.code, "month"), (ZERO, ZERO))
            res = compute_tax(rule, base=month_base + taxable, dependants=inp.dependants, withheld=withheld)
            amount = res.amount - month_amount
        # A zero line with a base shows the base the tax was taken on; an adjustment shows differences only.
        if not amount and (not res.base or inp.adjustment):
            continue
        if rule.kind == "withholding":
            withheld[rule.code] = amount
            lines.append(Line("deduction", rule.code, rule.name, amount, base=res.base, explain=res.explain))
        else:
            lines.append(Line("contribution", rule.code, rule.name, amount, base=res.base, explain=res.explain))
    for item in inp.items:
        if item.kind == "deduction":
            lines.append(Line("deduction", "deduction", item.name, item.amount,
                              explain=_explain("fixed_deduction", name=item.name)))
    for adv in inp.advances:
        lines.append(Line("deduction", "advance", "Advance", adv.amount,
                          explain=_explain("advance", date=adv.date.isoformat(), request=adv.request_id)))
    gross = sum((ln.amount for ln in lines if ln.kind == "earning"), ZERO)
    deductions = sum((ln.amount for ln in lines if ln.kind == "deduction"), ZERO)
    contributions = sum((ln.amount for ln in lines if ln.kind == "contribution"), ZERO)
    last = inp.terms[-1] if inp.terms else None
    return Result(
        employee_id=inp.employee_id, lines=lines, worked_days=worked_days, worked_hours=worked_hours,
        gross=gross, deductions=deductions, net=gross - deductions, contributions=contributions,
        department_id=last.department_id if last else None, position_id=last.position_id if last else None,
    )
