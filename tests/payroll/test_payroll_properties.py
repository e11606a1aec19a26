"""Properties of every payslip and every payroll entry, whatever the schemes, days, items and rules."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from server.core.money import currency
from server.payroll import compute
from server.payroll.service import ledger_lines
from server.payroll.rules.taxes import RuleSpec

D = Decimal
START = dt.date(2026, 4, 1)
DAYS = [START + dt.timedelta(days=i) for i in range(30)]
USD = currency("USD")

money = st.decimals(min_value=0, max_value=20_000, places=2, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=0, max_value=40, places=2, allow_nan=False, allow_infinity=False)
hours = st.decimals(min_value=0, max_value=12, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def entries(draw: st.DrawFn) -> dict[dt.date, compute.Entry]:
    out = {}
    for day in DAYS:
        code = draw(st.sampled_from("WWWWVSBUAH"))
        out[day] = compute.Entry(code, draw(hours) if code in "WB" else D(0), draw(hours), draw(money))
    return out


@st.composite
def rules(draw: st.DrawFn) -> list[RuleSpec]:
    specs = []
    for i in range(draw(st.integers(0, 3))):
        steps = sorted(set(draw(st.lists(money, min_size=0, max_size=3))) - {D(0)})
        brackets = ((D(0), draw(percent)),) + tuple((t, draw(percent)) for t in steps)
        specs.append(RuleSpec(
            code=f"r{i}", name=f"Rule {i}", kind=draw(st.sampled_from(["withholding", "contribution"])),
            brackets=brackets, period=draw(st.sampled_from(["month", "year"])),
            base_floor=draw(st.none() | money), dependant_allowance=draw(money),
            base_minus=tuple(f"r{j}" for j in range(i) if draw(st.booleans())),
            rounding=draw(st.sampled_from([D("0.01"), D("1"), D("100")])), rule_currency="USD", rate_to_base=D(1),
        ))
    return specs


@st.composite
def inputs(draw: st.DrawFn) -> compute.Input:
    cut = draw(st.integers(0, 29))
    terms = [compute.Terms(DAYS[0], DAYS[cut], draw(money), draw(money), draw(money), draw(percent), D(8))]
    if cut < 29:
        terms.append(compute.Terms(DAYS[cut + 1], DAYS[29], draw(money), draw(money), draw(money), draw(percent), D(8)))
    items = [compute.Item(draw(st.sampled_from(["earning", "deduction"])), f"item {i}", draw(money), draw(st.booleans()))
             for i in range(draw(st.integers(0, 3)))]
    ytd = {f"r{i}": (draw(money) * 5, draw(money)) for i in range(3)}
    return compute.Input(
        employee_id=1, dependants=draw(st.integers(0, 4)), terms=terms, days=draw(entries()),
        norm_days=draw(st.integers(1, 23)), norm_hours=D(draw(st.integers(1, 184))), commission_base=draw(money),
        commission_invoices=draw(st.integers(0, 5)), items=items, ytd=ytd,
        advances=[compute.Advance(DAYS[3], draw(money), 1)] if draw(st.booleans()) else [],
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(inputs(), rules())
def test_net_pay_is_earnings_minus_deductions_and_every_amount_is_in_cents(inp: compute.Input,
                                                                           specs: list[RuleSpec]) -> None:
    res = compute.payslip(inp, specs, overtime_multiplier=D("1.5"), round_money=USD.round)
    earnings = sum((ln.amount for ln in res.lines if ln.kind == "earning"), D(0))
    deductions = sum((ln.amount for ln in res.lines if ln.kind == "deduction"), D(0))
    assert (res.gross, res.deductions) == (earnings, deductions)
    assert res.net == earnings - deductions
    assert res.contributions == sum((ln.amount for ln in res.lines if ln.kind == "contribution"), D(0))
    for ln in res.lines:
        assert ln.amount == ln.amount.quantize(D("0.01")), ln
        assert ln.explain.get("code"), ln


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.dictionaries(st.tuples(st.sampled_from(["earning", "deduction", "contribution"]),
                                 st.sampled_from(["salary", "bonus", "deduction", "advance", "ndfl", "nssf"])),
                       st.decimals(min_value=-5000, max_value=50_000, places=2, allow_nan=False, allow_infinity=False)))
def test_the_payroll_entry_always_balances(sums: dict[tuple[str, str], Decimal]) -> None:
    lines = ledger_lines(sums, "PR-1")
    assert sum((ln.debit for ln in lines), D(0)) == sum((ln.credit for ln in lines), D(0))
    assert all(ln.debit >= 0 and ln.credit >= 0 and (ln.debit == 0 or ln.credit == 0) for ln in lines)
