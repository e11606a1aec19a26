"""What people type, normalised: the fast email path agrees with email-validator."""
from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.parties.normalize import EmailError, _PLAIN_EMAIL, normalise_email

ATOM = st.text(alphabet="abcxyzABZ019._%+-@!#", min_size=0, max_size=12)
LABEL = st.text(alphabet="abcxyzAZ09-_", min_size=0, max_size=12)
TLD = st.sampled_from(["com", "kh", "ru", "local", "test", "c", "123", "COM", "онлайн", "co1", "x" * 64])


@settings(max_examples=int(__import__("os").environ.get("CB_EMAIL_EXAMPLES", 3000)), deadline=None)
@given(local=ATOM, labels=st.lists(LABEL, min_size=0, max_size=3), tld=TLD)
@example(local="a..b", labels=["x"], tld="com")
@example(local=".a", labels=["x"], tld="com")
@example(local="a", labels=["-x"], tld="com")
@example(local="a", labels=["x"], tld="local")
@example(local="a" * 65, labels=["x"], tld="com")
def test_fast_email_path_accepts_only_what_email_validator_accepts(local: str, labels: list[str], tld: str) -> None:
    text = f"{local}@{'.'.join([*labels, tld])}"
    try:
        expected: str | None = validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    if _PLAIN_EMAIL.fullmatch(text):
        try:
            got: str | None = normalise_email(text)
        except EmailError:
            got = None
        assert got == expected, text


@pytest.mark.parametrize("text", ["Ivan.Petrov@Example.COM", "  sok.dara+shop@mail.kh ", "info@ромашка.рф"])
def test_emails_are_lower_cased_and_trimmed(text: str) -> None:
    assert normalise_email(text) == validate_email(text.strip(), check_deliverability=False).normalized.lower()


@pytest.mark.parametrize("text", ["no-at-sign", "a@b", "a@localhost", "a@x.local", "a..b@x.com", "a@-x.com"])
def test_bad_emails_are_refused(text: str) -> None:
    with pytest.raises(EmailError):
        normalise_email(text)


def test_everyday_addresses_take_the_fast_path() -> None:
    for text in ("ivan.petrov@example.com", "SOK_DARA+vip@mail.com.kh", "a%b@x-y.org"):
        assert _PLAIN_EMAIL.fullmatch(text), text


def _full_path(raw: str, country: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PHONE_HEAD = st.sampled_from(["", "0", "8", "+855", "+7", "+1", "+44", "+", "00", "810", "855", "7"])
PHONE_DIGITS = st.text(alphabet="0123456789", min_size=4, max_size=12)
PHONE_SEP = st.sampled_from(["", " ", "-", "(", ") ", "."])


@settings(max_examples=int(__import__("os").environ.get("CB_PHONE_EXAMPLES", 1500)), deadline=None)
@given(country=st.sampled_from(["KH", "RU", "US", "GB", "DE", "TH", "VN", "FR"]), head=PHONE_HEAD,
       parts=st.lists(PHONE_DIGITS, min_size=1, max_size=3), sep=PHONE_SEP)
@example(country="KH", head="0", parts=["12", "345", "678"], sep=" ")
@example(country="RU", head="8", parts=["(912)", "345-67-89"], sep=" ")
@example(country="RU", head="810", parts=["44", "2079460000"], sep="")
@example(country="KH", head="855", parts=["12345678"], sep="")
def test_fast_phone_path_answers_as_phonenumbers_does(country: str, head: str, parts: list[str], sep: str) -> None:
    from server.parties.normalize import _fast_phone

    raw = head + sep.join(parts)
    fast = _fast_phone(raw, country)
    if fast is not None:
        assert fast == _full_path(raw, country), raw


def test_everyday_phones_take_the_fast_path() -> None:
    from server.parties.normalize import _fast_phone

    assert _fast_phone("012 345 678", "KH") == "+85512345678"
    assert _fast_phone("8 (912) 345-67-89", "RU") == "+79123456789"
    assert _fast_phone("+855 97 123 4567", "KH") == "+855971234567"


@pytest.mark.parametrize("text, code", [
    ("sophea(at)example.com", "email_no_at"), ("@example.com", "email_nothing_before_at"),
    ("a@", "email_nothing_after_at"), ("a@localhost", "email_no_dot_in_domain"), ("a..b@example.com", "email_bad_dots"),
    (".a@example.com", "email_bad_dots"), ("Sok <a@example.com>", "email_extra_text"),
    ("a@example.invalid", "email_reserved_domain"), ("ｓ＠example.com", "email_wrong_at"),
    ("a b@example.com", "email_bad_characters"),
])
def test_email_validator_reasons_become_our_codes(text: str, code: str) -> None:
    with pytest.raises(EmailError) as caught:
        normalise_email(text)
    assert caught.value.code == code
