"""Source rows of a mapped sheet, what the import will do with each, and the options they are read with."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..core.errors import ErrorList, FieldError, ValidationFailed
from ..core.money import CURRENCIES  # the currencies the books know
from ..core.validation import check_country
from .mapping import Mapping, fill_merged, is_total_row
from .reader import Sheet
from .values import ValueProblem, boolean, date, decimal, digits_text, quote, text

ACTIONS = ("create", "update", "unchanged", "skip", "error")


@dataclass
class Options:
    """How cells are read: the country of local phone numbers, the currency and date of balances,
    whether 03/04 is the 3rd of April (DMY) or March the 4th (MDY), and "1,234" a thousand or 1.234."""

    country: str | None = None
    currency: str | None = None
    date_order: str = "DMY"
    decimal_comma: bool = False
    date: dt.date | None = None
    price_list: str | None = None
    skip_errors: bool = False
    # Strict: a cell that cannot be read makes its whole row an error (as before). Otherwise a bad
    # optional cell (an e-mail, a phone, a tax id...) is left out with a warning quoting it, and the
    # record is imported without it: a client is more than one field.
    strict: bool = False

    @classmethod
    def parse(cls, raw: dict[str, Any], *, country: str | None, currency: str, language: str) -> "Options":
        """Options from a request or a profile, with the company's defaults; every bad one is named."""
        errors = ErrorList()
        known = {"country", "currency", "date_order", "decimal_comma", "date", "price_list", "skip_errors", "strict"}
        for key in raw:
            if key not in known:
                errors.add(f"options.{key}", "unknown_field")
        out = cls(country=country, currency=currency, decimal_comma=language == "ru",
                  date_order="MDY" if country == "US" else "DMY")
        if raw.get("country") is not None:
            try:
                out.country = check_country(str(raw["country"]))
            except ValueError:
                errors.add("options.country", "invalid_country")
        if raw.get("currency") is not None:
            if str(raw["currency"]).upper() not in CURRENCIES:
                errors.add("options.currency", "invalid_currency")
            else:
                out.currency = str(raw["currency"]).upper()
        if raw.get("date_order") is not None:
            if raw["date_order"] not in ("DMY", "MDY"):
                errors.add("options.date_order", "invalid_choice", choices="DMY, MDY")
            else:
                out.date_order = raw["date_order"]
        for key in ("decimal_comma", "skip_errors", "strict"):
            if raw.get(key) is not None:
                if not isinstance(raw[key], bool):
                    errors.add(f"options.{key}", "wrong_type", expected="true or false")
                else:
                    setattr(out, key, raw[key])
        if raw.get("date") is not None:
            try:
                out.date = dt.date.fromisoformat(str(raw["date"]))
            except ValueError:
                errors.add("options.date", "invalid_date")
        if raw.get("price_list") is not None:
            out.price_list = str(raw["price_list"])[:40]
        errors.raise_if_any()
        return out

    def as_json(self) -> dict[str, Any]:
        return {"country": self.country, "currency": self.currency, "date_order": self.date_order,
                "decimal_comma": self.decimal_comma, "date": self.date.isoformat() if self.date else None,
                "price_list": self.price_list, "skip_errors": self.skip_errors, "strict": self.strict}


class Row:
    """One source row: its cells by field (with their column letters), and the plan for it.

    The cells stay in the sheet's own list and are looked up through the mapping shared by all
    rows (field → [(letter, index)]): building a dict per row was a fifth of reading 100,000 rows.
    """

    __slots__ = ("number", "raw", "colmap", "action", "values", "errors", "warnings", "match", "changes",
                 "reason", "record", "target", "headers")

    def __init__(self, number: int, cells: dict[str, list[tuple[str, Any]]] | None = None, *,
                 raw: list[Any] | None = None, colmap: dict[str, list[tuple[str, int]]] | None = None,
                 action: str = "create", reason: str | None = None, values: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        if cells is not None:  # rows built by hand (tests, notes): their own little sheet
            raw, colmap = [], {}
            for key, pairs in cells.items():
                for letter, value in pairs:
                    colmap.setdefault(key, []).append((letter, len(raw)))
                    raw.append(value)
        self.number = number
        self.raw: list[Any] = raw or []
        self.colmap: dict[str, list[tuple[str, int]]] = colmap or {}
        self.action = action
        self.values: dict[str, Any] = values if values is not None else {}
        self.errors: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.match: dict[str, Any] | None = None
        self.changes: dict[str, Any] | None = None
        self.reason = reason
        # Internal: the normalised record to write, the existing record's id.
        self.record: Any = None
        self.target: int | None = None
        # Column letter → its header as the file writes it, shared by all rows: messages name both.
        self.headers: dict[str, str] = headers or {}

    def _value(self, i: int) -> Any:
        value = self.raw[i] if i < len(self.raw) else None
        if value.__class__ is str and (not value or value.isspace()):
            return None
        return value

    @property
    def cells(self) -> dict[str, list[tuple[str, Any]]]:
        """Field → [(column letter, value)] for the fields the file maps and this row fills."""
        out: dict[str, list[tuple[str, Any]]] = {}
        for key, places in self.colmap.items():
            pairs = [(letter, self._value(i)) for letter, i in places]
            if any(v is not None for _l, v in pairs):
                out[key] = pairs
        return out

    def column(self, key: str, i: int = 0) -> str | None:
        places = self.colmap.get(key) or []
        return places[i][0] if i < len(places) else (places[0][0] if places else None)

    def _place(self, key: str | None, column: str | None) -> dict[str, Any]:
        letter = column or (self.column(key) if key else None)
        out: dict[str, Any] = {"column": letter, "field": key}
        if letter and self.headers.get(letter):
            out["header"] = self.headers[letter]
        return out

    def error(self, key: str | None, code: str, column: str | None = None, **params: Any) -> None:
        if isinstance(params.get("value"), str):
            params["value"] = quote(params["value"])
        self.errors.append({**self._place(key, column), "code": code, "params": params})
        self.action = "error"

    def warn(self, code: str, key: str | None = None, column: str | None = None, **params: Any) -> None:
        """A warning about the row, or (`key`/`column` given) about one of its cells."""
        if isinstance(params.get("value"), str):
            params["value"] = quote(params["value"])
        entry: dict[str, Any] = {"code": code, "params": params}
        if key or column:
            entry.update(self._place(key, column))
        self.warnings.append(entry)

    def problem(self, strict: bool, key: str | None, code: str, column: str | None = None, **params: Any) -> None:
        """A cell that cannot be read: an error when strict, else a warning that its value was left out."""
        if strict:
            self.error(key, code, column, **params)
        else:
            self.warn(code, key, column, **params)
            self.warnings[-1]["left_out"] = True

    def typed(self) -> dict[str, Any]:
        """The row's cells as typed, by field (several columns of one field: a list): what a row with
        errors shows in the report, so the user sees which client it is."""
        out: dict[str, Any] = {}
        for key, places in self.colmap.items():
            texts = [t for t in (text(self._value(i)) for _l, i in places) if t]
            if texts:
                out[key] = texts[0] if len(texts) == 1 else texts
        return out

    def first(self, key: str) -> Any:
        for _letter, i in self.colmap.get(key) or ():
            value = self._value(i)
            if value is not None:
                return value
        return None

    def texts(self, key: str) -> list[tuple[str, str]]:
        out = []
        for letter, i in self.colmap.get(key) or ():
            t = text(self._value(i))
            if t:
                out.append((letter, t))
        return out

    # Typed reads: a cell that cannot be read is an error on the row, named by its column.
    def text(self, key: str) -> str | None:
        """text(first(key)), inlined: a dozen calls per row, most of them on text cells or none."""
        places = self.colmap.get(key)
        if not places:
            return None
        raw = self.raw
        n = len(raw)
        for _letter, i in places:
            value = raw[i] if i < n else None
            if value is None:
                continue
            if value.__class__ is str:
                folded = " ".join(value.split())
                if folded:
                    return folded
                continue  # a blank text cell reads as empty: the next column of the field
            return text(value)
        return None

    def ident(self, key: str) -> str | None:
        return digits_text(self.first(key))

    def decimal(self, key: str, options: Options) -> Any:
        raw = self.first(key)
        try:
            return decimal(raw, decimal_comma=options.decimal_comma)
        except ValueProblem as exc:
            self.error(key, exc.code, value=text(raw))
            return None

    def date(self, key: str, options: Options) -> dt.date | None:
        raw = self.first(key)
        try:
            return date(raw, order=options.date_order)
        except ValueProblem as exc:
            self.error(key, exc.code, value=text(raw))
            return None

    def boolean(self, key: str) -> bool | None:
        raw = self.first(key)
        try:
            return boolean(raw)
        except ValueProblem as exc:
            self.error(key, exc.code, value=text(raw))
            return None

    def update_of(self, target: int, name: str, changes: dict[str, Any]) -> None:
        """The user chose the record this row updates: what it changes there decides update or unchanged."""
        self.target, self.reason, self.changes = target, None, changes
        self.match = {"id": target, "by": "decision", "name": name}
        self.action = "update" if changes else "unchanged"

    def report(self) -> dict[str, Any]:
        values = self.values
        if not values and self.action == "error":
            values = self.typed()  # never {}: the user must see which client the row is
        out: dict[str, Any] = {"row": self.number, "action": self.action, "values": values}
        if self.match:
            out["match"] = self.match
        if self.changes:
            out["changes"] = self.changes
        if self.reason:
            out["reason"] = self.reason
        if self.errors:
            out["errors"] = self.errors
        if self.warnings:
            out["warnings"] = self.warnings
        return out


def source_rows(sheet: Sheet, mapping: Mapping) -> tuple[list[Row], list[Row]]:
    """(rows to import, rows left out with the reason): blank rows are dropped, totals and notes
    below or between the rows are reported as skipped."""
    first = mapping.header_row + 1
    fill_merged(sheet, first)
    mapped = [(c.index, c.letter, c.field) for c in mapping.columns if c.field]
    headers = {c.letter: c.header for c in mapping.columns if c.field and c.header}
    colmap: dict[str, list[tuple[str, int]]] = {}
    for i, letter, key in mapped:
        colmap.setdefault(key, []).append((letter, i))
    mapped_idx = sorted({i for i, _l, _k in mapped})
    rows: list[Row] = []
    skipped: list[Row] = []
    blank_run = 0
    for r in range(first, len(sheet.rows)):
        raw = sheet.rows[r]
        width = len(raw)
        empty = raw.count(None)
        if empty == width or all(v is None or (v.__class__ is str and (not v or v.isspace())) for v in raw):
            blank_run += 1
            continue
        number = r + 1
        if is_total_row(raw):
            skipped.append(Row(number, action="skip", reason="totals_row"))
            continue
        any_mapped = any(i < width and raw[i] is not None and (raw[i].__class__ is not str or raw[i].strip())
                         for i in mapped_idx)
        # A note: one lone cell outside the mapped columns, or one cell after a gap of blank rows.
        if not any_mapped or (width - empty == 1 and blank_run >= 2 and rows):
            lone = next(v for v in raw if v is not None)
            skipped.append(Row(number, action="skip", reason="note_row", values={"text": text(lone)}))
            continue
        blank_run = 0
        rows.append(Row(number, raw=raw, colmap=colmap, headers=headers))
    return rows, skipped


def refuse_if_invalid(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors=errors)
