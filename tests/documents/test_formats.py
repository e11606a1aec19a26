"""Pre-formatted strings for documents: exact text per language, and numbers that read back."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core.money import currency
from server.documents.formats import (
    NBSP, format_amount, format_date, format_money, format_percent, format_quantity,
)


@pytest.mark.parametrize("amount, code, language, text", [
    ("1234.56", "USD", "en", "1,234.56"),
    ("1234.56", "USD", "km", "1,234.56"),
    ("1234.56", "USD", "ru", f"1{NBSP}234,56"),
    ("1234567.891", "RUB", "ru", f"1{NBSP}234{NBSP}567,89"),
    ("1.005", "USD", "en", "1.01"),
    ("2.675", "EUR", "ru", "2,68"),
    ("0", "USD", "en", "0.00"),
    ("12", "USD", "en", "12.00"),
    ("999.995", "USD", "en", "1,000.00"),
    ("50000", "KHR", "en", "50,000"),
    ("50000.5", "KHR", "km", "50,001"),
    ("50000", "KHR", "ru", f"50{NBSP}000"),
    ("1234567", "VND", "en", "1,234,567"),
    ("-1234.5", "USD", "en", "-1,234.50"),
    ("-1234.5", "USD", "ru", f"-1{NBSP}234,50"),
    ("-0.001", "USD", "en", "0.00"),
])
def test_amounts_are_rounded_and_grouped_as_the_language_writes(
        amount: str, code: str, language: str, text: str) -> None:
    assert format_amount(Decimal(amount), code, language) == text


@pytest.mark.parametrize("amount, code, language, text", [
    ("1234.56", "USD", "en", f"1,234.56{NBSP}USD"),
    ("1234.56", "RUB", "ru", f"1{NBSP}234,56{NBSP}RUB"),
    ("50000", "KHR", "en", f"50,000{NBSP}KHR"),
    ("50000", "KHR", "km", f"50,000{NBSP}KHR"),
    ("-5", "EUR", "ru", f"-5,00{NBSP}EUR"),
])
def test_money_is_the_amount_then_its_iso_code(amount: str, code: str, language: str, text: str) -> None:
    assert format_money(Decimal(amount), code, language) == text


@pytest.mark.parametrize("qty, language, text", [
    ("2", "en", "2"), ("2.000", "en", "2"), ("2.50", "en", "2.5"), ("2.5", "ru", "2,5"),
    ("1E+3", "en", "1,000"), ("1000", "km", "1,000"), ("12345.125", "ru", f"12{NBSP}345,125"),
    ("0.000", "en", "0"), ("-0", "en", "0"), ("-3.5", "en", "-3.5"), ("0.001", "en", "0.001"),
])
def test_quantities_drop_trailing_zeros(qty: str, language: str, text: str) -> None:
    assert format_quantity(Decimal(qty), language) == text


@pytest.mark.parametrize("p, language, text", [
    ("10", "en", "10%"), ("7.5", "en", "7.5%"), ("10.00", "km", "10%"), ("0", "en", "0%"),
    ("7.50", "ru", f"7,5{NBSP}%"), ("20", "ru", f"20{NBSP}%"),
])
def test_percents_follow_each_languages_typography(p: str, language: str, text: str) -> None:
    assert format_percent(Decimal(p), language) == text


@pytest.mark.parametrize("day, language, style, text", [
    (dt.date(2026, 11, 28), "en", "long", "28 November 2026"),
    (dt.date(2026, 11, 28), "en", "short", "28 Nov 2026"),
    (dt.date(2026, 1, 5), "en", "long", "5 January 2026"),
    (dt.date(2026, 9, 1), "en", "short", "1 Sep 2026"),
    (dt.date(2026, 11, 28), "ru", "long", f"28 ноября 2026{NBSP}г."),
    (dt.date(2026, 3, 8), "ru", "long", f"8 марта 2026{NBSP}г."),
    (dt.date(2026, 11, 28), "ru", "short", "28.11.2026"),
    (dt.date(2026, 1, 5), "ru", "short", "05.01.2026"),
    (dt.date(2026, 11, 28), "km", "long", "ថ្ងៃទី២៨ ខែវិច្ឆិកា ឆ្នាំ២០២៦"),
    (dt.date(2026, 2, 1), "km", "long", "ថ្ងៃទី១ ខែកុម្ភៈ ឆ្នាំ២០២៦"),
    (dt.date(2026, 12, 31), "km", "long", "ថ្ងៃទី៣១ ខែធ្នូ ឆ្នាំ២០២៦"),
    (dt.date(2026, 11, 28), "km", "short", "២៨/១១/២០២៦"),
    (dt.date(2026, 1, 5), "km", "short", "០៥/០១/២០២៦"),
])
def test_dates_read_as_each_language_writes_them(day: dt.date, language: str, style: str, text: str) -> None:
    assert format_date(day, language, style) == text


def test_every_month_has_a_name_in_every_language() -> None:
    for language in ("en", "ru", "km"):
        names = [format_date(dt.date(2026, m, 1), language) for m in range(1, 13)]
        assert len(set(names)) == 12


@pytest.mark.parametrize("call", [
    lambda: format_amount(Decimal(1), "USD", "fr"),
    lambda: format_money(Decimal(1), "USD", "fr"),
    lambda: format_quantity(Decimal(1), "fr"),
    lambda: format_percent(Decimal(1), "fr"),
    lambda: format_date(dt.date(2026, 1, 1), "fr"),
])
def test_unknown_languages_are_refused_by_name(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="'fr'"):
        call()


@pytest.mark.parametrize("call", [
    lambda: format_amount(Decimal(1), "XXX", "en"),
    lambda: format_amount(Decimal("NaN"), "USD", "en"),
    lambda: format_amount(1.5, "USD", "en"),
    lambda: format_quantity(Decimal("Infinity"), "en"),
    lambda: format_date(dt.date(2026, 1, 1), "en", "medium"),
])
def test_unknown_currencies_odd_numbers_and_styles_are_refused(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


# --- any amount: grouped correctly and reading back to the rounded value -----------------------------

amounts = st.decimals(min_value=-10**12, max_value=10**12, places=4)
codes = st.sampled_from(["USD", "KHR", "RUB", "VND"])


@given(amounts, codes)
def test_english_amounts_group_by_three_and_read_back(amount: Decimal, code: str) -> None:
    text = format_amount(amount, code, "en")
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d+)?", text)
    assert Decimal(text.replace(",", "")) == currency(code).round(amount)


@given(amounts, codes)
def test_russian_amounts_are_the_english_with_russian_marks(amount: Decimal, code: str) -> None:
    english = format_amount(amount, code, "en")
    assert format_amount(amount, code, "ru") == english.replace(",", NBSP).replace(".", ",")
    assert format_amount(amount, code, "km") == english


@given(st.decimals(min_value=-10**9, max_value=10**9, places=6))
def test_quantities_read_back_to_their_value(qty: Decimal) -> None:
    text = format_quantity(qty, "en")
    assert Decimal(text.replace(",", "")) == qty
    assert not ("." in text and text.endswith("0"))
