"""Messages in English, Khmer and Russian from the Babel catalogs in server/i18n/."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from ..config import LANGUAGES
from .messages import MESSAGES

CATALOG_DIR = Path(__file__).resolve().parent.parent / "i18n"


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """msgid → translation for one language; English is the identity."""
    if language == "en":
        return {}
    out: dict[str, str] = {}
    # <lang>.po holds the core messages; <package>.<lang>.po those of each book package.
    for path in [CATALOG_DIR / f"{language}.po", *sorted(CATALOG_DIR.glob(f"*.{language}.po"))]:
        with path.open("rb") as fh:
            cat = read_po(fh, locale=language)
        out.update({m.id: m.string for m in cat if m.id and m.string and not m.fuzzy})
    return out


def translate(code: str, language: str, **params: Any) -> str:
    """The message for `code` in `language`, with its named parameters filled in."""
    english = MESSAGES.get(code, code)
    text = catalog(language if language in LANGUAGES else "en").get(english, english)
    if isinstance(params.get("reason_code"), str) and params["reason_code"] in MESSAGES:
        # A reason given as a code (an e-mail's, a tax id's) is worded in the same language as the message.
        params = {**params, "reason": translate(params["reason_code"], language, **{
            k: v for k, v in params.items() if k != "reason_code"}).rstrip(".")}
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A translation with a broken placeholder must not hide the error itself.
        return english.format_map(_Default(params))


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def negotiate(accept_language: str | None, default: str) -> str:
    """Pick en/km/ru from an Accept-Language header, else the default."""
    if not accept_language:
        return default
    best, best_q = default, -1.0
    for part in accept_language.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()[:2]
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > best_q:
            best, best_q = tag, q
    return best
