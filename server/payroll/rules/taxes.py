"""Payroll taxes and contributions as data: one rule computed for one employee's month, and two presets.

THE PRESETS ARE CONFIGURABLE EXAMPLES, NOT LEGAL OR TAX ADVICE. They show how the Cambodian salary tax and
NSSF contributions, and the Russian НДФЛ and insurance contributions, are expressed as rules (rate, base,
ceiling, rounding). Rates, thresholds and ceilings change (the Russian contribution ceiling every year);
a company loads a preset, checks every figure against the law in force, and changes what differs.

Nothing here touches the database: `rule_spec` detaches a TaxRule row into a `RuleSpec` whose amounts are
in the company's base currency, and `compute` is a pure function of that spec and the month's figures.
Every figure is a Decimal and every step is exact; rounding happens at one named point (`_round`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Iterable, Mapping, Optional

from .messages import MESSAGES as RULE_MESSAGES

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Thresholds (up to 10**15) times a rate (10 places) need 26 digits; the default 28 leaves no slack.
PRECISION = 60

KINDS = ("withholding", "contribution")
PERIODS = ("month", "year")

# Shown with every preset answer (translated there); the same words as the module docstring's warning.
NOTICE = RULE_MESSAGES["tax_presets_notice"]


@dataclass(frozen=True)
class RuleSpec:
    """A TaxRule row, detached and already converted to the company's base currency."""

    code: str
    name: str
    kind: str  # "withholding" (from the employee's pay) | "contribution" (the employer's, on top)
    # (threshold in BASE currency, percent), ascending, the first threshold 0.
    brackets: tuple[tuple[Decimal, Decimal], ...]
    period: str  # "month" | "year"
    base_floor: Optional[Decimal]  # base currency
    dependant_allowance: Decimal  # base currency, per dependant per month
    base_minus: tuple[str, ...]
    rounding: Decimal  # step in the RULE's currency
    rule_currency: str
    rate_to_base: Decimal  # base units per 1 rule-currency unit (1 when equal)


@dataclass(frozen=True)
class TaxResult:
    amount: Decimal  # base currency, rounded as the rule says and then to 0.01
    base: Decimal  # this month's base (base currency, to 0.01) after subtractions, allowances and floor
    explain: dict[str, Any]  # {"code": "tax", "params": {...}}: JSON-able, Decimals as strings


def _dec(value: Any) -> Decimal:
    # Stored JSON holds decimal strings; a float here would be a bug upstream, never silently accepted.
    if isinstance(value, float):
        raise TypeError("floats are not money: store brackets as decimal strings")
    return Decimal(str(value)) if not isinstance(value, Decimal) else value


def _text(value: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros ("2400000", "15.1", "0")."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def rule_spec(rule: Any, rate_to_base: Decimal) -> RuleSpec:
    """Detach a TaxRule (or anything with its attributes) into a RuleSpec in the base currency.

    `rate_to_base` is base-currency units per one unit of the rule's currency (finance.rates.rate_on of
    the rule's currency on the period's last day); thresholds, the floor and the allowance are multiplied
    by it exactly. The rounding step stays in the rule's currency: `compute` rounds there.
    """
    rate = _dec(rate_to_base)
    if rate <= 0:
        raise ValueError(f"{rule.code}: the rate to the base currency must be positive, not {rate}")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        brackets = tuple((_dec(t) * rate, _dec(p)) for t, p in rule.brackets)
        floor = _dec(rule.base_floor) * rate if rule.base_floor is not None else None
        allowance = _dec(rule.dependant_allowance or 0) * rate
    return RuleSpec(
        code=rule.code, name=rule.name, kind=rule.kind, brackets=brackets, period=rule.period,
        base_floor=floor, dependant_allowance=allowance, base_minus=tuple(rule.base_minus or ()),
        rounding=_dec(rule.rounding), rule_currency=rule.currency, rate_to_base=rate,
    )


def bracket_parts(brackets: Iterable[tuple[Decimal, Decimal]], amount: Decimal) -> list[tuple[Decimal, Optional[Decimal], Decimal, Decimal]]:
    """(from, to or None, percent, tax) of each bracket the amount reaches: marginal rates, exact."""
    items = list(brackets)
    parts = []
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for i, (start, percent) in enumerate(items):
            end = items[i + 1][0] if i + 1 < len(items) else None
            if amount <= start:
                break
            top = amount if end is None or amount < end else end
            parts.append((start, end, percent, (top - start) * percent / HUNDRED))
    return parts


def bracket_tax(brackets: Iterable[tuple[Decimal, Decimal]], amount: Decimal) -> Decimal:
    """The tax on `amount` by marginal brackets, unrounded."""
    return sum((tax for *_, tax in bracket_parts(brackets, amount)), ZERO)


def _round(spec: RuleSpec, amount: Decimal) -> Decimal:
    """To the rule's step in the rule's currency (half up), back to the base currency, then to 0.01 (half up)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        in_rule = amount / spec.rate_to_base
        steps = (in_rule / spec.rounding).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        back = steps * spec.rounding * spec.rate_to_base
    return back.quantize(CENT, rounding=ROUND_HALF_UP)


def compute(spec: RuleSpec, *, base: Decimal, dependants: int, withheld: Mapping[str, Decimal],
            ytd_base: Decimal = ZERO, ytd_amount: Decimal = ZERO) -> TaxResult:
    """The amount of one rule for one employee's month, in the base currency, with how it was reached.

    `base` is the month's taxable earnings; `withheld` the withholding rules already computed this month
    (code → amount), of which those in `base_minus` are subtracted first; then the dependants' allowance;
    never below 0; then the floor, if any, for a positive base; the result is taken to the cent.

    "month": the brackets apply to this base alone. "year": they apply to the year so far including this
    month (`ytd_base` + base) and the amount is that cumulative tax, rounded, minus what was withheld
    before (`ytd_amount`), never below 0. Rounding the cumulative tax rather than the month's difference
    makes the months of a year add up to the rounded tax of the year, to the cent.
    """
    base = _dec(base)
    ytd_base, ytd_amount = _dec(ytd_base), _dec(ytd_amount)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        minus = {c: _dec(withheld[c]) for c in spec.base_minus if c in withheld}
        allowance = spec.dependant_allowance * max(int(dependants), 0)
        month = base - sum(minus.values(), ZERO) - allowance
        if month < 0:
            month = ZERO
        floor_applied = spec.base_floor is not None and ZERO < month < spec.base_floor
        if floor_applied:
            month = spec.base_floor  # type: ignore[assignment]
        # The base is money: it is stored on the payslip line and summed into the year to date, so the
        # brackets apply to the same figure that is shown and kept.
        month = month.quantize(CENT, rounding=ROUND_HALF_UP)
        params: dict[str, Any] = {
            "rule": spec.code, "kind": spec.kind, "period": spec.period, "gross": _text(base),
            "minus": {c: _text(v) for c, v in minus.items()}, "dependants": int(dependants),
            "allowance": _text(allowance), "floor": _text(spec.base_floor) if spec.base_floor is not None else None,
            "floor_applied": floor_applied, "base": _text(month),
        }
        if spec.period == "year":
            year_base = ytd_base + month
            parts = bracket_parts(spec.brackets, year_base)
            raw = sum((p[3] for p in parts), ZERO)
            year_tax = _round(spec, raw)
            amount = year_tax - ytd_amount
            if amount < 0:
                # More was withheld before than the year's tax now: a refund is not this function's call.
                amount = ZERO.quantize(CENT)
            params.update(ytd_base=_text(ytd_base), ytd_amount=_text(ytd_amount), year_base=_text(year_base),
                          year_tax=_text(year_tax), taxed=_text(year_base), earlier=_text(ytd_amount))
        else:
            parts = bracket_parts(spec.brackets, month)
            raw = sum((p[3] for p in parts), ZERO)
            amount = _round(spec, raw)
            params.update(taxed=_text(month), earlier="0")
    params.update(
        percent="/".join(_text(p[2]) for p in parts) or "0",
        parts=[{"from": _text(a), "to": _text(b) if b is not None else None, "percent": _text(p), "tax": _text(t)}
               for a, b, p, t in parts],
        tax=_text(raw), rounding=_text(spec.rounding), currency=spec.rule_currency,
        rate=_text(spec.rate_to_base), amount=_text(amount),
    )
    return TaxResult(amount=amount, base=month, explain={"code": "tax", "params": params})


# --- presets ---------------------------------------------------------------------------------------
#
# Configurable examples, not legal or tax advice. Each dict is shaped like the TaxRule columns.
# Sources, checked in 2026 (see the report of the change that added them):
# KH  salary tax: Sub-decree No. 196 of 28 Sep 2022 (in force 1 Jan 2023), thresholds confirmed unchanged by
#     Sub-decree No. 48 of 11 Mar 2024; residents only (non-residents: a flat 20 %, not a preset here);
#     150,000 KHR a month per dependant (a non-working spouse, each minor child).
#     NSSF pension: 4 % (2 % employee + 2 % employer) in the first five years from Oct 2022 (8 % from
#     Oct 2027), on wages capped at 1,200,000 KHR. Occupational risk 0.8 % and health care 2.6 % are the
#     employer's. The 400,000 KHR floor is the minimum contributable wage as given in the brief; older
#     sources give 200,000 KHR for occupational risk — check it. NSSF's rank tables (contributable wage
#     taken at the middle of 50,000 KHR bands) are not modelled: the base is the wage itself.
#     Rounding: 100 KHR, the riel's cash step (core.money), since the returns and payments are in riel.
# RU  НДФЛ: the five-step scale from 2025 (13 % to 2.4M, 15 % to 5M, 18 % to 20M, 20 % to 50M, 22 % above),
#     cumulative over the year, whole rubles (НК РФ ст. 52 п. 6); residents; standard deductions for
#     children are not modelled (they stop at an income limit). Insurance contributions: the single rate
#     30 % up to the single ceiling and 15.1 % above it; the ceiling 2,979,000 RUB is the 2026 figure
#     (Government decree No. 1701 of 31 Oct 2025) — an example value to change each year; reduced SME rates
#     are not modelled. Work-injury contributions 0.2 % (class I; classes go up to 8.5 %), no ceiling.
#     Contributions are computed in rubles and kopecks (rounding 0.01).

D = Decimal

PRESETS: dict[str, list[dict[str, Any]]] = {
    "KH": [
        {
            "code": "kh_nssf_pension_ee", "name": "NSSF pension (employee)",
            "names": {"km": "សោធននិវត្តន៍ ប.ស.ស. (ចំណែកនិយោជិត)", "ru": "НФСС, пенсия (доля работника)"},
            "kind": "withholding", "brackets": [["0", "2"], ["1200000", "0"]], "period": "month", "currency": "KHR",
            "base_floor": D("400000"), "dependant_allowance": D("0"), "base_minus": [], "rounding": D("100"),
            "sort_order": 10, "preset": "KH",
        },
        {
            "code": "kh_salary_tax", "name": "Tax on salary",
            "names": {"km": "ពន្ធលើប្រាក់បៀវត្សរ៍", "ru": "Налог на заработную плату (Камбоджа)"},
            "kind": "withholding",
            "brackets": [["0", "0"], ["1500000", "5"], ["2000000", "10"], ["8500000", "15"], ["12500000", "20"]],
            "period": "month", "currency": "KHR", "base_floor": None, "dependant_allowance": D("150000"),
            "base_minus": ["kh_nssf_pension_ee"], "rounding": D("100"), "sort_order": 20, "preset": "KH",
        },
        {
            "code": "kh_nssf_pension_er", "name": "NSSF pension (employer)",
            "names": {"km": "សោធននិវត្តន៍ ប.ស.ស. (ចំណែកនិយោជក)", "ru": "НФСС, пенсия (доля работодателя)"},
            "kind": "contribution", "brackets": [["0", "2"], ["1200000", "0"]], "period": "month", "currency": "KHR",
            "base_floor": D("400000"), "dependant_allowance": D("0"), "base_minus": [], "rounding": D("100"),
            "sort_order": 10, "preset": "KH",
        },
        {
            "code": "kh_nssf_risk", "name": "NSSF occupational risk",
            "names": {"km": "ហានិភ័យការងារ ប.ស.ស.", "ru": "НФСС, профессиональные риски"},
            "kind": "contribution", "brackets": [["0", "0.8"], ["1200000", "0"]], "period": "month",
            "currency": "KHR", "base_floor": D("400000"), "dependant_allowance": D("0"), "base_minus": [],
            "rounding": D("100"), "sort_order": 20, "preset": "KH",
        },
        {
            "code": "kh_nssf_health", "name": "NSSF health care",
            "names": {"km": "ថែទាំសុខភាព ប.ស.ស.", "ru": "НФСС, медицинское страхование"},
            "kind": "contribution", "brackets": [["0", "2.6"], ["1200000", "0"]], "period": "month",
            "currency": "KHR", "base_floor": D("400000"), "dependant_allowance": D("0"), "base_minus": [],
            "rounding": D("100"), "sort_order": 30, "preset": "KH",
        },
    ],
    "RU": [
        {
            "code": "ru_ndfl", "name": "Personal income tax (NDFL)",
            "names": {"km": "ពន្ធលើប្រាក់ចំណូលរូបវន្តបុគ្គល (រុស្ស៊ី)", "ru": "НДФЛ"},
            "kind": "withholding",
            "brackets": [["0", "13"], ["2400000", "15"], ["5000000", "18"], ["20000000", "20"], ["50000000", "22"]],
            "period": "year", "currency": "RUB", "base_floor": None, "dependant_allowance": D("0"),
            "base_minus": [], "rounding": D("1"), "sort_order": 10, "preset": "RU",
        },
        {
            # The ceiling (2,979,000 RUB in 2026) is an example value: it changes every year.
            "code": "ru_insurance", "name": "Insurance contributions (single rate)",
            "names": {"km": "ភាគទានធានារ៉ាប់រង (អត្រាតែមួយ)", "ru": "Страховые взносы по единому тарифу"},
            "kind": "contribution", "brackets": [["0", "30"], ["2979000", "15.1"]], "period": "year",
            "currency": "RUB", "base_floor": None, "dependant_allowance": D("0"), "base_minus": [],
            "rounding": D("0.01"), "sort_order": 10, "preset": "RU",
        },
        {
            "code": "ru_injury", "name": "Work injury contributions",
            "names": {"km": "ភាគទានគ្រោះថ្នាក់ការងារ", "ru": "Взносы на травматизм"},
            "kind": "contribution", "brackets": [["0", "0.2"]], "period": "month", "currency": "RUB",
            "base_floor": None, "dependant_allowance": D("0"), "base_minus": [], "rounding": D("0.01"),
            "sort_order": 20, "preset": "RU",
        },
    ],
}
