"""Numbers and amounts in words for invoices and contracts, in English, Russian and Khmer.

Written here rather than taken from num2words: a document's amount in words is a legal statement,
so its rules should be readable in one place and pinned by exact-string tests.

Conventions
-----------
English: short scale (million, billion, trillion), hyphenated tens, no "and" and no commas inside
    the number: 1234 → "one thousand two hundred thirty-four", 105 → "one hundred five".
    Amounts: "One thousand two hundred thirty-four US dollars and 56 cents". The minor units are
    two digits (as on cheques); both nouns agree with their number, so 1.01 USD is
    "One US dollar and 01 cent" and 2.00 USD is "Two US dollars and 00 cents".
Russian: тысяча is feminine (одна тысяча, две тысячи), миллион/миллиард/триллион masculine, and
    every scale noun and currency takes the form its number asks for (1 / 2–4 / 5–20, with 11–14
    always the genitive plural). 1000 is "одна тысяча", as invoices write it. Amounts follow the
    1C style: "Одна тысяча двести тридцать четыре доллара США 56 центов", the kopecks as two
    digits with the noun agreeing ("01 копейка", "02 копейки", "00 копеек").
Khmer: parts run together without spaces, counting in រយ 10², ពាន់ 10³, ម៉ឺន 10⁴, សែន 10⁵ and
    លាន 10⁶; 100 and 1000 keep their មួយ ("មួយរយ", "មួយពាន់"). Above a million the
    multiplier of លាន is written by the same rules, so a billion is មួយពាន់លាន and 10¹⁰
    មួយម៉ឺនលាន (the press also says ដប់ពាន់លាន; we keep the one rule). Trillions are លានលាន,
    written as their own part so 1_000_001_000_000 is មួយលានលានមួយលាន, not ambiguous
    មួយលានមួយលាន. Source: standard Khmer numerals as the Cambodian press and banks write them
    (ម៉ឺន/សែន rather than "ten thousand", ពាន់លាន for a billion), from general knowledge: no
    reference was at hand while writing this, so a Khmer reader should confirm the tests' cases.
    Amounts: "មួយពាន់ពីររយសាមសិបបួនដុល្លារ និងហាសិបប្រាំមួយសេន": the minor units in words, and
    left out when they are zero (no "សូន្យសេន"); សេន (historically 1/100 riel) serves as the
    hundredth of every currency. No closing "គត់" ("exactly"); a template may add it.
Every language: amounts are rounded half up to the currency's minor units first; negative
    amounts are refused (documents print absolute values; the caller decides how to show a sign).
"""
from __future__ import annotations

from decimal import Decimal

from ..core.money import Currency, currency

LANGUAGES = ("en", "ru", "km")
LIMIT = 10**15

# --- English -------------------------------------------------------------------------------------

_EN_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen").split()
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", " thousand", " million", " billion", " trillion")


def _en_below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{_EN_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        parts.append(_EN_TENS[rest // 10] + (f"-{_EN_ONES[rest % 10]}" if rest % 10 else ""))
    elif rest:
        parts.append(_EN_ONES[rest])
    return " ".join(parts)


def _en(n: int, gender: str) -> str:
    return " ".join(_en_below_thousand(g) + _EN_SCALES[i] for i, g in _thousands(n))


# --- Russian -------------------------------------------------------------------------------------

_RU_ONES = {
    "m": "ноль один два три четыре пять шесть семь восемь девять".split(),
    "f": "ноль одна две три четыре пять шесть семь восемь девять".split(),
    "n": "ноль одно два три четыре пять шесть семь восемь девять".split(),
}
_RU_TEENS = ("десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать "
             "семнадцать восемнадцать девятнадцать").split()
_RU_TENS = ("", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
            "восемьдесят", "девяносто")
_RU_HUNDREDS = ("", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
                "восемьсот", "девятьсот")
# (one, few, many, gender) for each group of three digits, from the units up.
_RU_SCALES = (
    None,
    ("тысяча", "тысячи", "тысяч", "f"),
    ("миллион", "миллиона", "миллионов", "m"),
    ("миллиард", "миллиарда", "миллиардов", "m"),
    ("триллион", "триллиона", "триллионов", "m"),
)


def ru_form(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form a count asks for: 1, 21 → one; 2–4, 22 → few; 0, 5–20, 11–14 → many."""
    if 11 <= n % 100 <= 14:
        return many
    return {1: one, 2: few, 3: few, 4: few}.get(n % 10, many)


def _ru_below_thousand(n: int, gender: str) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [_RU_HUNDREDS[hundreds]] if hundreds else []
    if 10 <= rest < 20:
        parts.append(_RU_TEENS[rest - 10])
    else:
        if rest >= 20:
            parts.append(_RU_TENS[rest // 10])
        if rest % 10:
            parts.append(_RU_ONES[gender][rest % 10])
    return " ".join(parts)


def _ru(n: int, gender: str) -> str:
    parts = []
    for i, g in _thousands(n):
        scale = _RU_SCALES[i]
        if scale is None:
            parts.append(_ru_below_thousand(g, gender))
        else:
            parts.append(f"{_ru_below_thousand(g, scale[3])} {ru_form(g, *scale[:3])}")
    return " ".join(parts)


# --- Khmer ---------------------------------------------------------------------------------------

_KM_ONES = ("សូន្យ", "មួយ", "ពីរ", "បី", "បួន", "ប្រាំ", "ប្រាំមួយ", "ប្រាំពីរ", "ប្រាំបី", "ប្រាំបួន")
_KM_TENS = ("", "ដប់", "ម្ភៃ", "សាមសិប", "សែសិប", "ហាសិប", "ហុកសិប", "ចិតសិប", "ប៉ែតសិប", "កៅសិប")
_KM_PLACES = ((100_000, "សែន"), (10_000, "ម៉ឺន"), (1_000, "ពាន់"), (100, "រយ"))
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def _km_below_million(n: int) -> str:
    parts = []
    for value, word in _KM_PLACES:
        count, n = divmod(n, value)
        if count:
            parts.append(_KM_ONES[count] + word)
    tens, ones = divmod(n, 10)
    return "".join(parts) + _KM_TENS[tens] + (_KM_ONES[ones] if ones else "")


def _km(n: int, gender: str) -> str:
    trillions, rest = divmod(n, 10**12)
    millions, units = divmod(rest, 10**6)
    parts = [(trillions, "លានលាន"), (millions, "លាន"), (units, "")]
    return "".join(_km_below_million(count) + word for count, word in parts if count)


def khmer_digits(text: str) -> str:
    """The text with ASCII digits 0–9 replaced by Khmer digits ០–៩."""
    return text.translate(_KHMER_DIGITS)


# --- numbers -------------------------------------------------------------------------------------

# Each writer takes the gender so the three share a signature; only Russian words change with it.
_NUMBER = {"en": _en, "ru": _ru, "km": _km}
_ZERO = {"en": "zero", "ru": "ноль", "km": "សូន្យ"}


def check_language(language: str) -> str:
    """The language itself when documents are written in it, else ValueError naming it."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; documents are written in {', '.join(LANGUAGES)}")
    return language


def _thousands(n: int) -> list[tuple[int, int]]:
    """The non-zero groups of three digits as (index from the units up, value), highest first."""
    groups, index = [], 0
    while n:
        n, group = divmod(n, 1000)
        if group:
            groups.append((index, group))
        index += 1
    return groups[::-1]


def number_words(n: int, language: str, gender: str = "m") -> str:
    """A whole number 0 ≤ n < 10**15 in words; `gender` (m/f/n) agrees the Russian last group."""
    check_language(language)
    if gender not in _RU_ONES:
        raise ValueError(f"unknown gender {gender!r}; expected m, f or n")
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < LIMIT:
        raise ValueError(f"cannot write {n!r} in words: whole numbers from 0 below 10**15 only")
    return _NUMBER[language](n, gender) if n else _ZERO[language]


# --- amounts -------------------------------------------------------------------------------------
# en: (major one, major many, minor one, minor many); minor None when the currency has no minor units.
_EN_NAMES = {
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "KHR": ("riel", "riels", None, None),
    "RUB": ("ruble", "rubles", "kopeck", "kopecks"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "THB": ("baht", "baht", "satang", "satang"),
    "VND": ("dong", "dong", None, None),
    "CNY": ("yuan", "yuan", "fen", "fen"),
    "KZT": ("tenge", "tenge", "tiyn", "tiyn"),
}
# ru: ((one, few, many), gender of the main unit, (one, few, many) of the minor unit or None).
_RU_NAMES = {
    "USD": (("доллар США", "доллара США", "долларов США"), "m", ("цент", "цента", "центов")),
    "KHR": (("риель", "риеля", "риелей"), "m", None),
    "RUB": (("рубль", "рубля", "рублей"), "m", ("копейка", "копейки", "копеек")),
    "EUR": (("евро", "евро", "евро"), "m", ("цент", "цента", "центов")),
    "THB": (("бат", "бата", "батов"), "m", ("сатанг", "сатанга", "сатангов")),
    "VND": (("донг", "донга", "донгов"), "m", None),
    "CNY": (("юань", "юаня", "юаней"), "m", ("фэнь", "фэня", "фэней")),
    "KZT": (("тенге", "тенге", "тенге"), "m", ("тиын", "тиына", "тиынов")),
}
# km: (main unit, minor unit or None); Khmer nouns do not change with the number.
_KM_NAMES = {
    "USD": ("ដុល្លារ", "សេន"),
    "KHR": ("រៀល", None),
    "RUB": ("រូប្លិ៍", "សេន"),
    "EUR": ("អឺរ៉ូ", "សេន"),
    "THB": ("បាត", "សេន"),
    "VND": ("ដុង", None),
    "CNY": ("យ័ន", "សេន"),
    "KZT": ("តេងហ្គេ", "សេន"),
}


def _en_amount(major: int, minor: int, cur: Currency) -> str:
    one, many, minor_one, minor_many = _names(_EN_NAMES, cur)
    text = f"{number_words(major, 'en')} {one if major == 1 else many}"
    if cur.minor_units:
        text += f" and {minor:0{cur.minor_units}d} {minor_one if minor == 1 else minor_many}"
    return text[0].upper() + text[1:]


def _ru_amount(major: int, minor: int, cur: Currency) -> str:
    forms, gender, minor_forms = _names(_RU_NAMES, cur)
    text = f"{number_words(major, 'ru', gender)} {ru_form(major, *forms)}"
    if cur.minor_units:
        text += f" {minor:0{cur.minor_units}d} {ru_form(minor, *minor_forms)}"
    return text[0].upper() + text[1:]


def _km_amount(major: int, minor: int, cur: Currency) -> str:
    unit, minor_unit = _names(_KM_NAMES, cur)
    text = number_words(major, "km") + unit
    if minor:
        text += f" និង{number_words(minor, 'km')}{minor_unit}"
    return text


_AMOUNT = {"en": _en_amount, "ru": _ru_amount, "km": _km_amount}


def _names(table: dict, cur: Currency) -> tuple:
    try:
        return table[cur.code]
    except KeyError:
        raise ValueError(f"no words for currency {cur.code!r}") from None


def amount_words(amount: Decimal, currency_code: str, language: str) -> str:
    """An amount with its currency in words, rounded half up to the currency's minor units first."""
    cur = currency(currency_code)
    check_language(language)
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise ValueError(f"cannot write {amount!r} in words: a non-negative Decimal only")
    rounded = cur.round(amount)
    major = int(rounded)
    minor = int((rounded - major).scaleb(cur.minor_units))
    return _AMOUNT[language](major, minor, cur)
