"""Money is Decimal from text; each currency rounds to its own minor units."""
from __future__ import annotations

from decimal import Decimal

import pytest

from server.core.money import D, currency


def test_floats_from_excel_become_their_shortest_decimal_once() -> None:
    assert D(0.1) + D(0.2) == Decimal("0.3")
    assert D("12.30") == Decimal("12.30") and str(D("12.30")) == "12.30"
    with pytest.raises(ValueError):
        D("12,30")


@pytest.mark.parametrize("code, amount, rounded", [
    ("USD", "2.675", "2.68"), ("USD", "-2.675", "-2.68"), ("KHR", "4100.5", "4101"), ("RUB", "0.005", "0.01"),
])
def test_each_currency_rounds_half_up_to_its_minor_units(code: str, amount: str, rounded: str) -> None:
    assert currency(code).round(Decimal(amount)) == Decimal(rounded)


def test_is_zero_uses_the_currency_quantum_and_unknown_codes_are_refused() -> None:
    assert currency("USD").is_zero(Decimal("0.004")) and not currency("USD").is_zero(Decimal("0.005"))
    assert currency("KHR").cash_step == Decimal(100)
    with pytest.raises(ValueError):
        currency("XXX")
