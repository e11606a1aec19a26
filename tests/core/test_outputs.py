"""Answers built like records: positional values take the fields' order, and a value is never dropped or overwritten."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

import pytest

from server.core.validation import MoneyText, Output


class Line(Output):
    code: str
    amount: MoneyText
    note: Optional[str] = None


def test_positional_values_fill_the_fields_in_order() -> None:
    assert Line("A", Decimal("2.5")).model_dump(mode="json") == {"code": "A", "amount": "2.50", "note": None}
    assert Line.record("A", Decimal("2.5"), "n").model_dump(mode="json") == {"code": "A", "amount": "2.50", "note": "n"}
    assert Line.record("A", amount=Decimal(1)).model_dump(mode="json") == {"code": "A", "amount": "1.00", "note": None}


@pytest.mark.parametrize("build", [Line, Line.record])
def test_too_many_values_or_one_given_twice_are_refused(build: object) -> None:
    with pytest.raises(TypeError, match="Line takes 3 values, 4 given"):
        build("A", Decimal(1), "n", "extra")  # type: ignore[operator]
    with pytest.raises(TypeError, match="both by position and by name"):
        build("A", Decimal(1), code="B")  # type: ignore[operator]
