"""Finding duplicates: exact keys (tax id, phone, email, name without legal form) and fuzzy names (rapidfuzz)."""
from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

from ..core.validation import _countries
from ..parties.normalize import fold_spaces

# A name decides that two rows are one client (or confirms a shared phone or e-mail) only from this
# similarity (0-100, rapidfuzz); the report shows it beside every score.
NAME_THRESHOLD = 90
FUZZY_CUTOFF = NAME_THRESHOLD
_NUMBERS = re.compile(r"\d+")
# Legal forms and the words around them, dropped before names are compared: "ООО «Вектор»" is "Вектор ООО".
_LEGAL_FORMS = frozenset("""
ооо оао зао пао ао ип нко тоо чп ooo llc ltd ltd. co co. inc inc. corp corp. plc gmbh sa sarl pte pty company
limited corporation incorporated enterprise enterprises group ក្រុមហ៊ុន ឯកជន សហគ្រាស ហាង
""".split())
_PUNCT = re.compile(r"[\"'«»“”„‘’`.,;:()\[\]{}!?/\\|&+*#№_\-–—]+")


def name_match_key(name: str) -> str:
    """The name as duplicates are compared: case folded, quotes and punctuation gone, legal forms
    dropped, words sorted (so word order does not matter)."""
    words = [w for w in _PUNCT.sub(" ", fold_spaces(name).casefold().replace("ё", "е")).split()
             if w not in _LEGAL_FORMS]
    return " ".join(sorted(words)) or fold_spaces(name).casefold()


def serials(key: str) -> tuple[int, ...]:
    """The numbers in a name: "Client 00123" and "Client 00124" are two clients, however alike the rest."""
    return tuple(int(n) for n in _NUMBERS.findall(key))


def confirm_score(a: str, b: str) -> float:
    """How far the names of two records that share a phone or an e-mail are one client's: a name that
    holds the other ("Sokha Hotel" in "Sokha Hotel & Spa") counts as alike; other numbers never do."""
    if a == b:
        return 100.0
    if serials(a) != serials(b):
        return 0.0
    return round(float(max(fuzz.ratio(a, b), fuzz.token_set_ratio(a, b))), 1)


class FuzzyNames:
    """Names grouped by their first letters and the numbers in them, so a new name is only compared
    with its neighbours.

    A typo in the first three letters goes unnoticed; comparing every pair (10^10 of them for
    100,000 rows against 100,000 clients) is not an option, and exact keys catch the rest. Names
    with other numbers are never alike, so "Client 00123" sits in a block of its own instead of
    being compared with 100,000 other "Client …" names.
    Many names at once go through rapidfuzz's cdist, one call per group, on every core.
    """

    def __init__(self) -> None:
        self.blocks: dict[tuple[str, tuple[int, ...]], tuple[list[str], list[int]]] = {}

    @staticmethod
    def _block(key: str) -> tuple[str, tuple[int, ...]]:
        return key[:3], serials(key)

    def add(self, key: str, ident: int) -> None:
        keys, ids = self.blocks.setdefault(self._block(key), ([], []))
        keys.append(key)
        ids.append(ident)

    def best(self, key: str) -> tuple[int, float] | None:
        """(id, score) of the closest name at or above the cut-off, or None."""
        return self.best_many([key])[0]

    def best_many(self, keys: list[str]) -> list[tuple[int, float] | None]:
        return [close[0][1:] if close else None for close in self.close_many(keys)]

    def close_many(self, keys: list[str]) -> list[list[tuple[str, int, float]]]:
        """For each key: [(name, id, score)] of the names at or above the cut-off, closest first,
        never names with other numbers in them (a serial, a branch number, a flat): see the blocks."""
        out: list[list[tuple[str, int, float]]] = [[] for _ in keys]
        wanted: dict[tuple[str, tuple[int, ...]], list[int]] = {}
        for i, key in enumerate(keys):
            if len(key) >= 4 and self._block(key) in self.blocks:
                wanted.setdefault(self._block(key), []).append(i)
        for block, positions in wanted.items():
            choices, ids = self.blocks[block]
            if len(choices) * len(positions) <= 4:
                # Serial-numbered names sit alone in their blocks: a few calls beat a matrix per block.
                for i in positions:
                    found = [(c, ident, round(float(sc), 1)) for c, ident in zip(choices, ids)
                             if (sc := fuzz.ratio(keys[i], c, score_cutoff=FUZZY_CUTOFF))]
                    out[i] = sorted(found, key=lambda x: -x[2])
                continue
            # Threads pay off for big blocks only; a handful of names is quicker on this one.
            workers = -1 if len(positions) * len(choices) > 200_000 else 1
            scores = process.cdist([keys[i] for i in positions], choices, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_CUTOFF, workers=workers)
            for row, i in zip(scores, positions):
                found = [(choices[j], ids[j], round(float(row[j]), 1)) for j in row.nonzero()[0]]
                found.sort(key=lambda x: -x[2])
                out[i] = found
        return out


@lru_cache(maxsize=None)
def country_names() -> dict[str, str]:
    """Country names in English, Russian and Khmer (and the codes themselves) → ISO code."""
    from babel import Locale


    codes = _countries()
    out = {c.casefold(): c for c in codes}
    for lang in ("en", "ru", "km"):
        for code, name in Locale(lang).territories.items():
            if code in codes:
                out.setdefault(name.casefold(), code)
    out.update({"россия": "RU", "рф": "RU", "usa": "US", "uk": "GB", "kampuchea": "KH", "កម្ពុជា": "KH"})
    return out
