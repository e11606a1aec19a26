"""The tax engine alone: presets computed by hand to the cent, rounding, the yearly threshold, properties."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from server.payroll.models import TaxRule
from server.payroll.rules.taxes import NOTICE, PRESETS, RuleSpec, TaxResult, bracket_tax, compute, rule_spec

D = Decimal
# 1 USD = 4,100 KHR, stored as finance.rates stores it: USD per one KHR, ten places.
KHR_IN_USD = D("0.0002439024")


def preset(code: str) -> TaxRule:
    (item,) = [p for rules in PRESETS.values() for p in rules if p["code"] == code]
    return TaxRule(**item)


def spec(code: str, rate: Decimal = D(1)) -> RuleSpec:
    return rule_spec(preset(code), rate)


def rule(brackets: list[tuple[str, str]], **over: Any) -> TaxRule:
    fields: dict[str, Any] = dict(code="t", name="T", kind="withholding", brackets=[list(b) for b in brackets],
                                  period="month", currency="USD", base_floor=None, dependant_allowance=D(0),
                                  base_minus=[], rounding=D("0.01"))
    fields.update(over)
    return TaxRule(**fields)


def year(s: RuleSpec, bases: list[Decimal]) -> list[TaxResult]:
    """Month after month of one year, carrying the year to date as the payroll engine does."""
    out: list[TaxResult] = []
    ytd_base = ytd_amount = D(0)
    for b in bases:
        res = compute(s, base=b, dependants=0, withheld={}, ytd_base=ytd_base, ytd_amount=ytd_amount)
        ytd_base += res.base
        ytd_amount += res.amount
        out.append(res)
    return out


# --- Cambodia ------------------------------------------------------------------------------------

def test_kh_salary_tax_in_riel_two_dependants() -> None:
    # A company keeping its books in KHR: 1,000 USD at 4,100 = 4,100,000 KHR, no conversion at all.
    pension = compute(spec("kh_nssf_pension_ee"), base=D("4100000"), dependants=2, withheld={})
    # Capped at 1,200,000: 1,200,000 × 2 % = 24,000.
    assert pension.amount == D("24000.00")
    tax = compute(spec("kh_salary_tax"), base=D("4100000"), dependants=2,
                  withheld={"kh_nssf_pension_ee": pension.amount})
    # Base 4,100,000 − 24,000 (pension) − 2 × 150,000 = 3,776,000.
    # 0 % of 1,500,000 + 5 % of 500,000 (25,000) + 10 % of 1,776,000 (177,600) = 202,600.
    assert tax.base == D("3776000.00")
    assert tax.amount == D("202600.00")
    assert tax.explain["params"]["percent"] == "0/5/10"


def test_kh_usd_salary_converted_at_the_rate_and_rounded_in_riel() -> None:
    r = KHR_IN_USD
    pension_ee = compute(spec("kh_nssf_pension_ee", r), base=D("1000"), dependants=2, withheld={})
    # Ceiling 1,200,000 KHR = 292.68288 USD; 2 % = 5.8536576 USD = 24,000 KHR exactly → 5.85 USD.
    assert pension_ee.amount == D("5.85")
    tax = compute(spec("kh_salary_tax", r), base=D("1000"), dependants=2,
                  withheld={"kh_nssf_pension_ee": pension_ee.amount})
    # Allowance 2 × 150,000 KHR = 2 × 36.58536 USD = 73.17072.
    # Base 1,000 − 5.85 − 73.17072 = 920.97928 → 920.98 USD.
    # Thresholds: 1,500,000 KHR = 365.8536, 2,000,000 = 487.8048 USD.
    # 5 % × (487.8048 − 365.8536) = 6.09756; 10 % × (920.98 − 487.8048) = 43.31752; tax 49.41508 USD
    # = 202,601.86… KHR → 202,600 KHR (100-riel steps) = 49.41462624 USD → 49.41 USD.
    assert tax.base == D("920.98")
    assert tax.explain["params"]["tax"] == "49.41508"
    assert tax.amount == D("49.41")
    pension_er = compute(spec("kh_nssf_pension_er", r), base=D("1000"), dependants=2, withheld={})
    risk = compute(spec("kh_nssf_risk", r), base=D("1000"), dependants=2, withheld={})
    health = compute(spec("kh_nssf_health", r), base=D("1000"), dependants=2, withheld={})
    # At the ceiling: 24,000 KHR; 0.8 % = 9,600 KHR = 2.34146304; 2.6 % = 31,200 KHR = 7.60975488.
    assert (pension_er.amount, risk.amount, health.amount) == (D("5.85"), D("2.34"), D("7.61"))
    # The employer's rules take no dependants' allowance.
    assert risk.base == D("1000.00")


def test_kh_low_salary_is_raised_to_the_floor_and_pays_no_salary_tax() -> None:
    r = KHR_IN_USD
    pension = compute(spec("kh_nssf_pension_ee", r), base=D("80"), dependants=0, withheld={})
    # 80 USD (328,000 KHR) is under the 400,000 KHR floor = 97.56096 → 97.56 USD;
    # 2 % = 1.9512 USD = 7,999.92 KHR → 8,000 KHR = 1.9512192 → 1.95 USD.
    assert pension.base == D("97.56")
    assert pension.explain["params"]["floor_applied"] is True
    assert pension.amount == D("1.95")
    tax = compute(spec("kh_salary_tax", r), base=D("80"), dependants=0, withheld={"kh_nssf_pension_ee": D("1.95")})
    assert tax.amount == D("0.00") and tax.base == D("78.05")
    # Nothing earned: no floor, nothing due.
    none = compute(spec("kh_nssf_pension_ee", r), base=D("0"), dependants=0, withheld={})
    assert (none.amount, none.base, none.explain["params"]["floor_applied"]) == (D("0.00"), D("0.00"), False)


def test_allowances_never_take_the_base_below_zero() -> None:
    res = compute(spec("kh_salary_tax"), base=D("200000"), dependants=3, withheld={"kh_nssf_pension_ee": D("8000")})
    assert (res.base, res.amount) == (D("0.00"), D("0.00"))


# --- Russia --------------------------------------------------------------------------------------

def test_ndfl_month_by_month_across_2_4_million() -> None:
    months = year(spec("ru_ndfl"), [D("250000")] * 12)
    # Months 1–9: 2,250,000 × 13 % = 292,500, so month 9 withholds 32,500.
    # Month 10: 2,400,000 × 13 % + 100,000 × 15 % = 312,000 + 15,000 = 327,000 → 327,000 − 292,500 = 34,500.
    # Month 11: 312,000 + 350,000 × 15 % = 364,500 → 37,500.
    assert [m.amount for m in months[8:11]] == [D("32500.00"), D("34500.00"), D("37500.00")]
    assert months[9].explain["params"]["percent"] == "13/15"
    assert months[9].explain["params"]["year_base"] == "2500000"
    # The year: 312,000 + 600,000 × 15 % = 402,000.
    assert sum(m.amount for m in months) == D("402000.00")


def test_ndfl_is_rounded_to_whole_rubles_on_the_year_so_far() -> None:
    months = year(spec("ru_ndfl"), [D("10003.85")] * 3)
    # 13 % of 10,003.85 = 1,300.5005 → 1,301; of 20,007.70 = 2,601.001 → 2,601 (month 2: 1,300);
    # of 30,011.55 = 3,901.5015 → 3,902 (month 3: 1,301).
    assert [m.amount for m in months] == [D("1301.00"), D("1300.00"), D("1301.00")]


def test_contributions_reach_the_yearly_ceiling_within_a_month() -> None:
    months = year(spec("ru_insurance"), [D("250000")] * 12)
    # Months 1–11: 30 % × 250,000 = 75,000. Month 12 crosses 2,979,000 with 229,000 left under it:
    # 30 % × 229,000 = 68,700 + 15.1 % × 21,000 = 3,171 → 71,871.00.
    assert {m.amount for m in months[:11]} == {D("75000.00")}
    assert months[11].amount == D("71871.00")
    assert [p["tax"] for p in months[11].explain["params"]["parts"]] == ["893700", "3171"]


def test_work_injury_contributions_are_monthly_in_kopecks() -> None:
    s = spec("ru_injury")
    assert compute(s, base=D("250000"), dependants=1, withheld={}).amount == D("500.00")
    # 0.2 % × 12,345.67 = 24.69134 → 24.69.
    assert compute(s, base=D("12345.67"), dependants=0, withheld={}).amount == D("24.69")


def test_ruble_thresholds_in_a_dollar_company() -> None:
    # 1 RUB = 0.0125 USD (80 RUB a dollar): 2,400,000 RUB = 30,000 USD; 3,200 USD a month.
    months = year(spec("ru_ndfl", D("0.0125")), [D("3200")] * 10)
    # Month 10: 32,000 USD = 30,000 × 13 % + 2,000 × 15 % = 4,200 USD = 336,000 RUB; before: 9 × 416 = 3,744.
    assert months[9].amount == D("456.00")
    assert sum(m.amount for m in months) == D("4200.00")


# --- the engine's contract -----------------------------------------------------------------------

def test_explain_is_json_with_decimals_as_text() -> None:
    res = compute(spec("kh_salary_tax", KHR_IN_USD), base=D("1000"), dependants=1,
                  withheld={"kh_nssf_pension_ee": D("5.85")})
    assert res.explain["code"] == "tax"
    params = json.loads(json.dumps(res.explain))["params"]
    assert params["rule"] == "kh_salary_tax" and params["minus"] == {"kh_nssf_pension_ee": "5.85"}
    assert params["rounding"] == "100" and params["currency"] == "KHR" and params["amount"] == str(res.amount)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        rule_spec(preset("ru_ndfl"), D(0))


def test_presets_are_well_formed_and_say_they_are_examples() -> None:
    assert "not legal or tax advice" in NOTICE
    for country, rules in PRESETS.items():
        codes = [p["code"] for p in rules]
        assert all(c.startswith(country.lower() + "_") for c in codes)
        for p in rules:
            thresholds = [D(t) for t, _ in p["brackets"]]
            assert thresholds[0] == 0 and thresholds == sorted(set(thresholds))
            assert all(m in codes[:codes.index(p["code"])] for m in p["base_minus"])
            assert p["names"]["km"] and p["names"]["ru"] and p["preset"] == country


# --- properties ----------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)
percents = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def bracket_lists(draw: Any) -> list[tuple[str, str]]:
    steps = draw(st.lists(st.decimals(min_value=D("0.01"), max_value=10**6, places=2), min_size=0, max_size=4))
    thresholds = [D(0)]
    for s in steps:
        thresholds.append(thresholds[-1] + s)
    return [(str(t), str(draw(percents))) for t in thresholds]


@settings(max_examples=150, deadline=None)
@given(brackets=bracket_lists(), a=money, b=money)
def test_month_tax_is_monotone_and_bounded_by_the_top_rate(brackets: list[tuple[str, str]], a: Decimal,
                                                           b: Decimal) -> None:
    s = rule_spec(rule(brackets), D(1))
    low, high = sorted((a, b))
    top = max(D(p) for _, p in brackets)
    assert bracket_tax(s.brackets, low) <= bracket_tax(s.brackets, high) <= high * top / 100
    amount_low = compute(s, base=low, dependants=0, withheld={}).amount
    amount_high = compute(s, base=high, dependants=0, withheld={}).amount
    assert amount_low <= amount_high <= high * top / 100 + D("0.005")


@settings(max_examples=100, deadline=None)
@given(brackets=bracket_lists(), bases=st.lists(money, min_size=12, max_size=12),
       step=st.sampled_from(["0.01", "1", "100"]), rate=st.sampled_from(["1", "0.0125", "0.0002439024"]))
def test_a_year_of_months_adds_up_to_the_tax_of_the_year(brackets: list[tuple[str, str]], bases: list[Decimal],
                                                         step: str, rate: str) -> None:
    s = rule_spec(rule(brackets, period="year", rounding=D(step)), D(rate))
    months = year(s, bases)
    total = sum(m.amount for m in months)
    raw = bracket_tax(s.brackets, sum(bases, D(0)))
    # Exactly the year's tax rounded once (steps in the rule's currency, then cents) ...
    steps = (raw / D(rate) / D(step)).quantize(D(1), rounding=ROUND_HALF_UP)
    assert total == (steps * D(step) * D(rate)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    # ... so within half a rounding step (and a half cent) of the unrounded tax.
    assert abs(total - raw) <= D(step) * D(rate) / 2 + D("0.005")
    assert all(m.amount >= 0 for m in months)
