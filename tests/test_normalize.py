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
