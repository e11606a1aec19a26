"""Money is Decimal built from strings; each currency owns its minor units and rounding."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def D(value: str | int | Decimal | float) -> Decimal:
    """A Decimal from text. Floats (Excel's numbers) go through str() once, at the edge."""
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


@dataclass(frozen=True)
class Currency:
    code: str
    minor_units: int
    # KHR is paid in 100-riel steps in practice; the cash rounding step is separate from minor units.
    cash_step: Decimal | None = None

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.minor_units)

    def round(self, amount: Decimal) -> Decimal:
        return amount.quantize(self.quantum, rounding=ROUND_HALF_UP)

    def is_zero(self, amount: Decimal) -> bool:
        return self.round(amount) == 0


CURRENCIES = {
    c.code: c
    for c in (
        Currency("USD", 2),
        Currency("KHR", 0, cash_step=Decimal(100)),
        Currency("RUB", 2),
        Currency("EUR", 2),
        Currency("THB", 2),
        Currency("VND", 0),
        Currency("CNY", 2),
        Currency("KZT", 2),
    )
}


def currency(code: str) -> Currency:
    try:
        return CURRENCIES[code]
    except KeyError:
        raise ValueError(f"unknown currency {code!r}") from None


def money_text(amount: Decimal, code: str | None = None) -> str:
    """An amount as JSON text: the currency's places (more only if the value has them), never an exponent."""
    places = CURRENCIES[code].quantum if code in CURRENCIES else Decimal("0.01")
    value = amount.quantize(places) if amount == amount.quantize(places) else amount.normalize()
    return format(value, "f")
