"""Numbers and amounts in words: exact strings per language, and round trips for any number."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.core.money import CURRENCIES
from server.documents.words import LANGUAGES, LIMIT, amount_words, khmer_digits, number_words, ru_form

EN = {
    0: "zero", 1: "one", 2: "two", 5: "five", 11: "eleven", 12: "twelve", 13: "thirteen",
    14: "fourteen", 19: "nineteen", 20: "twenty", 21: "twenty-one", 99: "ninety-nine",
    100: "one hundred", 101: "one hundred one", 105: "one hundred five", 111: "one hundred eleven",
    1000: "one thousand", 1001: "one thousand one", 1234: "one thousand two hundred thirty-four",
    2000: "two thousand", 5000: "five thousand", 11000: "eleven thousand",
    21000: "twenty-one thousand", 100_000: "one hundred thousand", 1_000_000: "one million",
    2_000_000: "two million", 5_000_000: "five million", 1_000_000_000: "one billion",
    987_654_321: "nine hundred eighty-seven million six hundred fifty-four thousand three hundred twenty-one",
    1_000_000_000_000: "one trillion", 2_000_000_003: "two billion three",
}

RU = {
    0: "ноль", 1: "один", 2: "два", 5: "пять", 11: "одиннадцать", 12: "двенадцать",
    13: "тринадцать", 14: "четырнадцать", 19: "девятнадцать", 20: "двадцать", 21: "двадцать один",
    101: "сто один", 111: "сто одиннадцать", 1000: "одна тысяча", 1001: "одна тысяча один",
    2000: "две тысячи", 5000: "пять тысяч", 11000: "одиннадцать тысяч", 12000: "двенадцать тысяч",
    14000: "четырнадцать тысяч", 21000: "двадцать одна тысяча", 22000: "двадцать две тысячи",
    100_000: "сто тысяч", 1_000_000: "один миллион", 2_000_000: "два миллиона",
    5_000_000: "пять миллионов", 11_000_000: "одиннадцать миллионов",
    21_000_000: "двадцать один миллион", 1_000_000_000: "один миллиард",
    3_000_000_000: "три миллиарда", 1_000_000_000_000: "один триллион",
    987_654_321: "девятьсот восемьдесят семь миллионов шестьсот пятьдесят четыре тысячи "
                 "триста двадцать один",
}

KM = {
    0: "សូន្យ", 1: "មួយ", 2: "ពីរ", 5: "ប្រាំ", 6: "ប្រាំមួយ", 9: "ប្រាំបួន", 10: "ដប់",
    11: "ដប់មួយ", 14: "ដប់បួន", 19: "ដប់ប្រាំបួន", 20: "ម្ភៃ", 21: "ម្ភៃមួយ", 25: "ម្ភៃប្រាំ",
    30: "សាមសិប", 40: "សែសិប", 50: "ហាសិប", 60: "ហុកសិប", 70: "ចិតសិប", 80: "ប៉ែតសិប",
    90: "កៅសិប", 101: "មួយរយមួយ", 111: "មួយរយដប់មួយ", 125: "មួយរយម្ភៃប្រាំ",
    1000: "មួយពាន់", 1001: "មួយពាន់មួយ", 2000: "ពីរពាន់", 5000: "ប្រាំពាន់",
    11000: "មួយម៉ឺនមួយពាន់", 21000: "ពីរម៉ឺនមួយពាន់", 25000: "ពីរម៉ឺនប្រាំពាន់",
    100_000: "មួយសែន", 1_000_000: "មួយលាន", 1_500_000: "មួយលានប្រាំសែន",
    2_000_000: "ពីរលាន", 5_000_000: "ប្រាំលាន", 12_000_000: "ដប់ពីរលាន",
    250_000_000: "ពីររយហាសិបលាន", 1_000_000_000: "មួយពាន់លាន", 10_000_000_000: "មួយម៉ឺនលាន",
    987_654_321: "ប្រាំបួនរយប៉ែតសិបប្រាំពីរលានប្រាំមួយសែនប្រាំម៉ឺនបួនពាន់បីរយម្ភៃមួយ",
    1_000_000_000_000: "មួយលានលាន", 1_000_001_000_000: "មួយលានលានមួយលាន",
}


@pytest.mark.parametrize("language, n, words", [
    *(("en", n, w) for n, w in EN.items()),
    *(("ru", n, w) for n, w in RU.items()),
    *(("km", n, w) for n, w in KM.items()),
])
def test_numbers_read_as_each_language_writes_them(language: str, n: int, words: str) -> None:
    assert number_words(n, language) == words


@pytest.mark.parametrize("n, m, f, neuter", [
    (1, "один", "одна", "одно"), (2, "два", "две", "два"), (21, "двадцать один", "двадцать одна", "двадцать одно"),
    (1002, "одна тысяча два", "одна тысяча две", "одна тысяча два"), (11, "одиннадцать", "одиннадцать", "одиннадцать"),
])
def test_russian_gender_agrees_only_the_last_group(n: int, m: str, f: str, neuter: str) -> None:
    assert [number_words(n, "ru", g) for g in ("m", "f", "n")] == [m, f, neuter]


@pytest.mark.parametrize("n, form", [
    (0, "рублей"), (1, "рубль"), (2, "рубля"), (4, "рубля"), (5, "рублей"), (11, "рублей"), (12, "рублей"),
    (14, "рублей"), (21, "рубль"), (22, "рубля"), (111, "рублей"), (101, "рубль"), (1012, "рублей"),
])
def test_russian_nouns_take_the_form_their_count_asks_for(n: int, form: str) -> None:
    assert ru_form(n, "рубль", "рубля", "рублей") == form


@pytest.mark.parametrize("bad", [-1, LIMIT, 1.0, True, "5"])
def test_numbers_outside_whole_zero_to_a_quadrillion_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        number_words(bad, "en")  # type: ignore[arg-type]


def test_unknown_language_and_gender_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        number_words(1, "fr")
    with pytest.raises(ValueError, match="'x'"):
        number_words(1, "ru", "x")


@pytest.mark.parametrize("amount, code, language, words", [
    ("1234.56", "USD", "en", "One thousand two hundred thirty-four US dollars and 56 cents"),
    ("1", "USD", "en", "One US dollar and 00 cents"),
    ("1.01", "USD", "en", "One US dollar and 01 cent"),
    ("0.99", "USD", "en", "Zero US dollars and 99 cents"),
    ("50000", "KHR", "en", "Fifty thousand riels"),
    ("1", "KHR", "en", "One riel"),
    ("100", "RUB", "en", "One hundred rubles and 00 kopecks"),
    ("2.5", "THB", "en", "Two baht and 50 satang"),
    ("1000000", "EUR", "en", "One million euros and 00 cents"),
    ("1234.56", "USD", "ru", "Одна тысяча двести тридцать четыре доллара США 56 центов"),
    ("100", "RUB", "ru", "Сто рублей 00 копеек"),
    ("1.01", "RUB", "ru", "Один рубль 01 копейка"),
    ("2.02", "RUB", "ru", "Два рубля 02 копейки"),
    ("21.11", "RUB", "ru", "Двадцать один рубль 11 копеек"),
    ("1001000", "RUB", "ru", "Один миллион одна тысяча рублей 00 копеек"),
    ("5", "USD", "ru", "Пять долларов США 00 центов"),
    ("50000", "KHR", "ru", "Пятьдесят тысяч риелей"),
    ("2", "KHR", "ru", "Два риеля"),
    ("1", "EUR", "ru", "Один евро 00 центов"),
    ("22.22", "CNY", "ru", "Двадцать два юаня 22 фэня"),
    ("13", "KZT", "ru", "Тринадцать тенге 00 тиынов"),
    ("5", "THB", "ru", "Пять батов 00 сатангов"),
    ("1000000", "VND", "ru", "Один миллион донгов"),
    ("1234.56", "USD", "km", "មួយពាន់ពីររយសាមសិបបួនដុល្លារ និងហាសិបប្រាំមួយសេន"),
    ("100", "USD", "km", "មួយរយដុល្លារ"),
    ("0.05", "USD", "km", "សូន្យដុល្លារ និងប្រាំសេន"),
    ("50000", "KHR", "km", "ប្រាំម៉ឺនរៀល"),
    ("4100000", "KHR", "km", "បួនលានមួយសែនរៀល"),
    ("10.10", "EUR", "km", "ដប់អឺរ៉ូ និងដប់សេន"),
    ("300", "THB", "km", "បីរយបាត"),
])
def test_amounts_read_as_invoices_write_them(amount: str, code: str, language: str, words: str) -> None:
    assert amount_words(Decimal(amount), code, language) == words


@pytest.mark.parametrize("amount, code, words", [
    ("1.005", "USD", "One US dollar and 01 cent"),
    ("1.004", "USD", "One US dollar and 00 cents"),
    ("0.995", "USD", "One US dollar and 00 cents"),
    ("4100.5", "KHR", "Four thousand one hundred one riels"),
])
def test_amounts_are_rounded_half_up_to_the_currency_first(amount: str, code: str, words: str) -> None:
    assert amount_words(Decimal(amount), code, "en") == words


@pytest.mark.parametrize("amount, code, language", [
    (Decimal("-1"), "USD", "en"), (Decimal("-0.01"), "RUB", "ru"), (Decimal("NaN"), "USD", "en"),
    (Decimal("Infinity"), "USD", "en"), (Decimal("1"), "XXX", "en"), (Decimal("1"), "USD", "fr"),
    (Decimal(LIMIT), "USD", "en"), (1, "USD", "en"),
])
def test_negative_odd_or_unknown_amounts_are_refused(amount: Decimal, code: str, language: str) -> None:
    with pytest.raises(ValueError):
        amount_words(amount, code, language)


@pytest.mark.parametrize("code", sorted(CURRENCIES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_currency_has_its_words_in_every_language(code: str, language: str) -> None:
    assert amount_words(Decimal("21.21"), code, language)


def test_khmer_digits_replace_only_ascii_digits() -> None:
    assert khmer_digits("No. 0123456789, 28/11/2026") == "No. ០១២៣៤៥៦៧៨៩, ២៨/១១/២០២៦"


# --- any number: well-formed words that read back to the number ------------------------------------

def _read_english(words: str) -> int:
    ones = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen " \
           "fifteen sixteen seventeen eighteen nineteen".split()
    tens = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
    scales = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
    total = group = 0
    for word in words.replace("-", " ").split():
        if word == "hundred":
            group *= 100
        elif word in scales:
            total, group = total + group * scales[word], 0
        else:
            group += tens[word] if word in tens else ones.index(word)
    return total + group


_KM_TOKENS = {
    **{w: ("digit", i) for i, w in enumerate(("សូន្យ", "មួយ", "ពីរ", "បី", "បួន", "ប្រាំ"))},
    **{w: ("tens", 10 * i) for i, w in enumerate(
        ("ដប់", "ម្ភៃ", "សាមសិប", "សែសិប", "ហាសិប", "ហុកសិប", "ចិតសិប", "ប៉ែតសិប", "កៅសិប"), 1)},
    **{w: ("place", v) for w, v in (("រយ", 100), ("ពាន់", 1000), ("ម៉ឺន", 10**4), ("សែន", 10**5))},
    "លាន": ("million", 10**6),
}


def _read_khmer(words: str) -> int:
    """Khmer words back to a number, token by token: 6 is ប្រាំ+មួយ, 10¹² is លាន twice."""
    total = group = digit = 0
    rest = words
    while rest:
        token = next(t for t in sorted(_KM_TOKENS, key=len, reverse=True) if rest.startswith(t))
        rest = rest[len(token):]
        kind, value = _KM_TOKENS[token]
        if kind == "digit":
            digit += value
        elif kind == "tens":
            group += value
        elif kind == "place":
            group, digit = group + digit * value, 0
        else:
            scale = 10**6
            if rest.startswith("លាន"):
                rest, scale = rest[len("លាន"):], 10**12
            total, group, digit = total + (group + digit) * scale, 0, 0
    return total + group + digit


numbers = st.integers(min_value=0, max_value=LIMIT - 1)


@given(numbers)
def test_english_words_are_well_formed_and_read_back(n: int) -> None:
    words = number_words(n, "en")
    assert words and "  " not in words and words == words.strip() and words.isascii()
    assert _read_english(words) == n


@given(numbers, st.sampled_from(["m", "f", "n"]))
def test_russian_words_are_well_formed(n: int, gender: str) -> None:
    words = number_words(n, "ru", gender)
    assert words and "  " not in words and words == words.strip()
    assert all("а" <= c <= "я" or c in " ё" for c in words)


@given(numbers)
def test_khmer_words_are_khmer_script_only_and_read_back(n: int) -> None:
    words = number_words(n, "km")
    assert words and all("\u1780" <= c <= "\u17ff" for c in words)
    assert _read_khmer(words) == n


@given(st.decimals(min_value=0, max_value=10**12, places=2), st.sampled_from(sorted(CURRENCIES)),
       st.sampled_from(LANGUAGES))
def test_any_amount_has_words_without_double_spaces(amount: Decimal, code: str, language: str) -> None:
    words = amount_words(amount, code, language)
    assert words and "  " not in words and words == words.strip()
