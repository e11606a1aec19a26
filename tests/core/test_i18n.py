"""Every message exists in English, Khmer and Russian, with the same placeholders."""
from __future__ import annotations

import re
import string

import pytest

from server.core.i18n import catalog, negotiate, translate
from server.core.messages import MESSAGES

KHMER = re.compile(r"[\u1780-\u17ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language,script", [("km", KHMER), ("ru", CYRILLIC)])
def test_every_message_is_translated_with_the_same_placeholders(language: str, script: re.Pattern[str]) -> None:
    translations = catalog(language)
    missing = [code for code, text in MESSAGES.items() if not translations.get(text)]
    assert missing == []
    for code, text in MESSAGES.items():
        assert _fields(translations[text]) == _fields(text), code
        assert script.search(translations[text]), f"{code} in {language} is not in its script"


def test_translate_fills_parameters_and_falls_back_to_english() -> None:
    assert translate("too_long", "ru", max=200).endswith("200.")
    assert "200" in translate("too_long", "km", max=200)
    assert translate("too_long", "xx", max=5) == "At most 5 characters."
    assert translate("no_such_code", "ru") == "no_such_code"


def test_accept_language_negotiation() -> None:
    assert negotiate("ru-RU,ru;q=0.9,en;q=0.8", "en") == "ru"
    assert negotiate("fr-FR, km;q=0.5", "en") == "km"
    assert negotiate("de", "en") == "en"
    assert negotiate(None, "km") == "km"
    assert negotiate("en;q=0.1, ru;q=0.9", "km") == "ru"
