"""Find the header row of a messy sheet and propose which column is which field; apply a saved profile."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..core.errors import FieldError, ValidationFailed
from .fields import FIELDS, TOTAL_WORDS, Field, field_map, fold_header
from .reader import Sheet
from .values import text

HEADER_SCAN_ROWS = 30


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Column:
    index: int
    letter: str
    header: str
    field: str | None
    how: str  # exact, partial, profile, given, none

    def as_json(self) -> dict[str, Any]:
        return {"column": self.letter, "header": self.header, "field": self.field, "how": self.how}


@dataclass
class Mapping:
    sheet: str
    header_row: int  # 0-based index into the sheet's rows
    columns: list[Column] = field(default_factory=list)

    def by_field(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for c in self.columns:
            if c.field:
                out.setdefault(c.field, []).append(c.index)
        return out

    def as_json(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "header_row": self.header_row + 1,
                "columns": [c.as_json() for c in self.columns]}


def _match(kind: str, header: str) -> tuple[str | None, int]:
    """(field, score): 3 for an exact header, 2 for a header that contains a field's word, else 0."""
    folded = fold_header(header)
    if not folded:
        return None, 0
    for f in FIELDS[kind]:
        if folded in f.headers:
            return f.key, 3
    words = f" {folded} "
    best: tuple[str | None, int, int] = (None, 0, 0)
    for f in FIELDS[kind]:
        for h in f.headers:
            # A longer contained header wins: "client phone" is a phone, not a client.
            if len(h) >= 3 and f" {h} " in words and len(h) > best[2]:
                best = (f.key, 2, len(h))
    return best[0], best[1]


def _row_mapping(kind: str, row: list[Any]) -> tuple[int, list[tuple[int, str, str | None, int]]]:
    fields = field_map(kind)
    found: list[tuple[int, str, str | None, int]] = []
    taken: dict[str, int] = {}
    score = 0
    for i, cell in enumerate(row):
        header = text(cell) if not isinstance(cell, (int, float)) or isinstance(cell, bool) else None
        if not header:
            found.append((i, text(cell) or "", None, 0))
            continue
        key, s = _match(kind, header)
        if key and not fields[key].many and key in taken:
            # The same single field twice: keep the better-scored column.
            j = taken[key]
            if found[j][3] >= s:
                key, s = None, 0
            else:
                found[j] = (found[j][0], found[j][1], None, 0)
        if key:
            taken[key] = len(found)
        found.append((i, header, key, s))
        score += s
    return score, found


def detect(kind: str, sheets: list[Sheet]) -> Mapping:
    """The header row with the most recognised headers, over every sheet's first rows.

    A header row must name at least one field that identifies a record (a name, a SKU...);
    otherwise the answer is `no_header` naming what was looked for.
    """
    best: tuple[int, Sheet | None, int, list[tuple[int, str, str | None, int]]] = (0, None, 0, [])
    for sheet in sheets:
        for r, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            score, found = _row_mapping(kind, row)
            identifies = any(k and field_map(kind)[k].identifies for _i, _h, k, _s in found)
            mapped = sum(1 for _i, _h, k, _s in found if k)
            # Two recognised headers at least (or one exact identifying one), more than any row before.
            if identifies and (mapped >= 2 or score >= 3) and score > best[0]:
                best = (score, sheet, r, found)
    if best[1] is None:
        wanted = ", ".join(f.key for f in FIELDS[kind] if f.identifies)
        raise ValidationFailed("no_header", params={"fields": wanted},
                               errors=[FieldError("file", "no_header", {"fields": wanted})])
    _score, sheet, r, found = best
    return Mapping(sheet.name, r, [Column(i, column_letter(i), h, k, "exact" if s == 3 else "partial" if k else "none")
                                   for i, h, k, s in found])


def apply_profile(kind: str, sheets: list[Sheet], columns: dict[str, str | None], header_row: int | None = None,
                  sheet: str | None = None) -> Mapping:
    """A mapping from the user (or a saved profile): header text or column letter → field (None: ignore).

    Columns the profile does not name keep what detection proposes; a profile naming a field
    that does not exist, or a column that is not there, is refused with the column named.
    """
    fields = field_map(kind)
    errors = []
    for source, target in columns.items():
        if target is not None and target not in fields:
            errors.append(FieldError(f"mapping.{source}", "unknown_import_field",
                                     {"field": target, "fields": ", ".join(fields)}))
    if errors:
        raise ValidationFailed(errors=errors)
    chosen = [s for s in sheets if sheet is None or s.name.casefold() == sheet.casefold()]
    if header_row is not None:
        target_sheet = chosen[0] if chosen else sheets[0]
        row = target_sheet.rows[header_row] if header_row < len(target_sheet.rows) else []
        _score, found = _row_mapping(kind, row)
        mapping = Mapping(target_sheet.name, header_row,
                          [Column(i, column_letter(i), h, k, "exact" if s == 3 else "partial" if k else "none")
                           for i, h, k, s in found])
    else:
        try:
            mapping = detect(kind, chosen or sheets)
        except ValidationFailed:
            if not columns:
                raise
            target_sheet = (chosen or sheets)[0]
            mapping = Mapping(target_sheet.name, 0, [Column(i, column_letter(i), text(c) or "", None, "none")
                                                     for i, c in enumerate(target_sheet.rows[0] if target_sheet.rows else [])])
    by_header = {fold_header(c.header): c for c in mapping.columns if c.header}
    by_letter = {c.letter: c for c in mapping.columns}
    for source, target in columns.items():
        col = by_header.get(fold_header(source)) or by_letter.get(source.strip().upper())
        if col is None:
            errors.append(FieldError(f"mapping.{source}", "unknown_column",
                                     {"column": source, "headers": ", ".join(c.header for c in mapping.columns if c.header)}))
            continue
        col.field, col.how = target, "profile"
    if errors:
        raise ValidationFailed(errors=errors)
    single = [f.key for f in FIELDS[kind] if not f.many]
    for key in single:
        cols = [c for c in mapping.columns if c.field == key]
        if len(cols) > 1:
            errors.append(FieldError(f"mapping.{cols[1].letter}", "field_mapped_twice",
                                     {"field": key, "columns": ", ".join(c.letter for c in cols)}))
    if errors:
        raise ValidationFailed(errors=errors)
    if not any(c.field and fields[c.field].identifies for c in mapping.columns):
        wanted = ", ".join(f.key for f in FIELDS[kind] if f.identifies)
        raise ValidationFailed("no_header", params={"fields": wanted},
                               errors=[FieldError("mapping", "no_identifying_column", {"fields": wanted})])
    return mapping


def is_total_row(row: list[Any]) -> bool:
    """A row that sums up the list: "Total", "Итого:", "សរុប" in one of its first cells."""
    for cell in row[:4]:
        # Cheap first: a totals cell is a short word; names are rarely that short and never these.
        if isinstance(cell, str) and len(cell) <= 30 and _total_word(cell):
            return True
    return False


@lru_cache(maxsize=4096)
def _total_word(cell: str) -> bool:
    """Remembered: a list repeats its short cells (a type, a country) on every row."""
    return fold_header(cell).rstrip(" :") in TOTAL_WORDS


def fill_merged(sheet: Sheet, first_data_row: int) -> None:
    """A value merged down over several rows belongs to each of them (a group name, a date)."""
    for r0, c0, r1, c1 in sheet.merged:
        if r1 <= r0 or r1 < first_data_row:
            continue
        value = sheet.rows[r0][c0] if r0 < len(sheet.rows) and c0 < len(sheet.rows[r0]) else None
        for r in range(max(r0, first_data_row), min(r1, len(sheet.rows) - 1) + 1):
            row = sheet.rows[r]
            for c in range(c0, c1 + 1):
                while len(row) <= c:
                    row.append(None)
                if row[c] is None:
                    row[c] = value


def field_of(kind: str, key: str) -> Field:
    return field_map(kind)[key]
