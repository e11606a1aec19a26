"""Normalise what people type: phones to E.164, emails, tax ids by country scheme, names."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
# Khmer digits ០-៩ and Arabic-Indic digits count as digits in phone numbers people paste.
_DIGIT_MAP = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def fold_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def name_key(name: str) -> str:
    """The sort/search key of a name: spaces folded, case folded (works for Cyrillic too)."""
    return fold_spaces(name).casefold()


class PhoneError(ValueError):
    pass


_PLAIN_PHONE = re.compile(r"\+?[\d\s().\-]{5,40}")


@lru_cache(maxsize=64)
def _fast_rules(country: str) -> tuple[str, str, re.Pattern[str], frozenset[int], Any] | None:
    """What phonenumbers' parse + is_valid_number check for a national number of `country`, as
    one regular expression: (country code, national prefix, valid pattern, lengths, IDD pattern).

    Only for regions whose national prefix is plain digits without a transform rule (KH, RU, US,
    most others); None sends the number down the full path.
    """
    meta = phonenumbers.PhoneMetadata.metadata_for_region(country)
    if meta is None or meta.national_prefix_transform_rule or not meta.general_desc:
        return None
    prefix = meta.national_prefix_for_parsing or ""
    if prefix and not prefix.isdigit():
        return None
    descs = (meta.fixed_line, meta.mobile, meta.toll_free, meta.premium_rate, meta.shared_cost,
             meta.personal_number, meta.voip, meta.pager, meta.uan, meta.voicemail)
    patterns = [d.national_number_pattern for d in descs if d is not None and d.national_number_pattern]
    if not patterns or not meta.general_desc.national_number_pattern:
        return None
    valid = re.compile(f"(?=(?:{meta.general_desc.national_number_pattern})$)(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")
    idd = re.compile(meta.international_prefix) if meta.international_prefix else None
    return str(meta.country_code), prefix, valid, frozenset(meta.general_desc.possible_length or ()), idd


def _fast_phone(raw: str, country: str | None) -> str | None:
    """The E.164 form of an everyday number of the default country without phonenumbers' parser
    (a third of an import's time), or None to take the full path. Accepts only what the full path
    accepts, with the same answer (tested property)."""
    if not country or not _PLAIN_PHONE.fullmatch(raw):
        return None
    rules = _fast_rules(country)
    if rules is None:
        return None
    cc, prefix, valid, lengths, idd = rules
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not digits.startswith(cc):
            return None
        candidates = [digits[len(cc):]]
    else:
        if idd is not None and idd.match(digits):
            return None
        candidates = [digits[len(prefix):]] if prefix and digits.startswith(prefix) else [digits]
    for nn in candidates:
        if nn and nn[0] != "0" and len(nn) in lengths and valid.fullmatch(nn):
            return f"+{cc}{nn}"
    return None


def normalise_phone(text: str, country: str | None) -> str:
    """A phone in any format the user types → E.164, using `country` for local numbers."""
    raw = text.translate(_DIGIT_MAP).strip()
    fast = _fast_phone(raw, country)
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(str(exc)) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_digits_rev(e164: str) -> str:
    return e164.lstrip("+")[::-1]


def search_digits(text: str) -> str | None:
    """Digits of a search string that looks like a phone or a tax id (≥ 5 digits, phone punctuation only)."""
    raw = text.translate(_DIGIT_MAP).strip()
    if not raw or not re.fullmatch(r"[+\d\s().\-/]+", raw):
        return None
    digits = re.sub(r"\D", "", raw)
    return digits if len(digits) >= 5 else None


class EmailError(ValueError):
    """An address email-validator refuses; `code` names why in our words (its text is English only)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.code = email_reason_code(reason)


# email-validator's reasons (2.x wording) → our message codes, first match wins; the English text
# is never shown to a user, so a reason it words differently one day falls to the general code.
_EMAIL_REASONS = (
    ("full-width", "email_wrong_at"), ("small commercial at", "email_wrong_at"),
    ("must have an @-sign", "email_no_at"), ("something before the @-sign", "email_nothing_before_at"),
    ("something after the @-sign", "email_nothing_after_at"), ("too long", "email_too_long"),
    ("should have a period", "email_no_dot_in_domain"), ("top-level domain", "email_bad_domain"),
    ("special-use or reserved", "email_reserved_domain"), ("two periods", "email_bad_dots"),
    ("period", "email_bad_dots"), ("hyphen", "email_bad_dots"), ("display name", "email_extra_text"),
    ("angle bracket", "email_extra_text"), ("anything after", "email_extra_text"),
    ("after close quote", "email_extra_text"), ("characters", "email_bad_characters"),
    ("character", "email_bad_characters"), ("ascii", "email_bad_characters"), ("after the @-sign", "email_bad_domain"),
)


def email_reason_code(reason: str) -> str:
    low = reason.casefold()
    return next((code for words, code in _EMAIL_REASONS if words in low), "email_invalid")


# The everyday address — ASCII letters, digits and . _ % + - before the @, a dotted host name
# with an alphabetic top-level domain after it — is checked here without email-validator's
# Unicode machinery (half the cost of a batch row). Anything else, and every refusal, goes to
# email-validator, so this path only ever accepts what it would accept (tested property).
_PLAIN_EMAIL = re.compile(
    r"(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*"
    # No "--" in a label's third and fourth places: that form is reserved for IDNA (xn--).
    r"@(?:(?![A-Za-z0-9\-]{2}--)[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SPECIAL_USE = frozenset(SPECIAL_USE_DOMAIN_NAMES)


def normalise_email(text: str) -> str:
    plain = text.strip()
    if _PLAIN_EMAIL.fullmatch(plain):
        domain = plain.rsplit("@", 1)[1].lower()
        if not any(domain == s or domain.endswith("." + s) for s in _SPECIAL_USE):
            return plain.lower()
    try:
        result = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise EmailError(str(exc).rstrip(".")) from None
    return result.normalized.lower()


class TaxIdError(ValueError):
    """A tax id that fails its country's scheme; `code` says how (length, check digit, format)."""

    def __init__(self, reason: str, code: str = "tax_id_format") -> None:
        super().__init__(reason)
        self.code = code


def _stdnum_code(exc: Exception) -> str:
    # python-stdnum's exception classes, by name: its messages are English only.
    return {"InvalidLength": "tax_id_length", "InvalidChecksum": "tax_id_checksum",
            "InvalidComponent": "tax_id_component"}.get(type(exc).__name__, "tax_id_format")


# Cambodia's TIN has no python-stdnum module: a format check only (K/L/B/E + 3 digits + 9 digits),
# with or without the dash; individuals' 9-digit TINs are accepted too.
_KH_TIN = re.compile(r"^(?:[KLBE]\d{3}-?)?\d{9}$")


@lru_cache(maxsize=None)
def _tax_module(country: str) -> Any:
    for kind in ("vat", "tin", "inn"):
        try:
            module = get_cc_module(country.lower(), kind)
        except Exception:  # noqa: BLE001 - stdnum raises ImportError or AttributeError variants
            continue
        # get_cc_module answers None (not an error) when the country lacks this kind of number.
        if module is not None:
            return module
    return None


def tax_id_key(text: str) -> str:
    return _NOT_ALNUM.sub("", text).upper()


def normalise_tax_id(text: str, country: str | None) -> tuple[str, str]:
    """(display form, compact key). Validated when the country has a scheme we know."""
    value = fold_spaces(text)
    if not value:
        raise TaxIdError("empty", "tax_id_format")
    if country == "KH":
        compact = value.upper().replace(" ", "")
        if not _KH_TIN.match(compact):
            raise TaxIdError("expected e.g. K001-901234567")
        key = tax_id_key(compact)
        # One display form however it was typed: the dash after the four-character prefix.
        return (f"{key[:4]}-{key[4:]}" if len(key) == 13 else key), key
    if country == "RU":
        from stdnum.ru import inn

        module: Any = inn
    else:
        module = _tax_module(country) if country else None
    if module is None:
        return value, tax_id_key(value)
    try:
        compact = module.validate(value)
    except StdnumError as exc:
        raise TaxIdError(str(exc).rstrip("."), _stdnum_code(exc)) from None
    display = module.format(compact) if hasattr(module, "format") else compact
    return display, tax_id_key(compact)


def normalise_tax_id_in(text: str, countries: tuple[str, ...]) -> tuple[str, str]:
    """(display form, key) as the first of `countries` whose scheme accepts it; no countries: kept as typed.

    A record without a country of its own is checked against its company's (and branches')
    countries: "1234" or "garbage!!" is no tax id anywhere we trade. The error of the first
    country is the one raised (the record's most likely country)."""
    if not countries:
        return normalise_tax_id(text, None)
    first: TaxIdError | None = None
    for country in countries:
        try:
            return normalise_tax_id(text, country)
        except TaxIdError as exc:
            first = first or exc
    assert first is not None
    raise first
