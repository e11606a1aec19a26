"""Source rows of a mapped sheet, what the import will do with each, and the options they are read with."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ErrorList, FieldError, ValidationFailed
from ..core.validation import check_country
from .mapping import Mapping, fill_merged, is_total_row
from .reader import Sheet
from .values import ValueProblem, boolean, date, decimal, digits_text, text

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

    @classmethod
    def parse(cls, raw: dict[str, Any], *, country: str | None, currency: str, language: str) -> "Options":
        """Options from a request or a profile, with the company's defaults; every bad one is named."""
        errors = ErrorList()
        known = {"country", "currency", "date_order", "decimal_comma", "date", "price_list", "skip_errors"}
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
            from ..core.money import CURRENCIES  # the currencies the books know

            if str(raw["currency"]).upper() not in CURRENCIES:
                errors.add("options.currency", "invalid_currency")
            else:
                out.currency = str(raw["currency"]).upper()
        if raw.get("date_order") is not None:
            if raw["date_order"] not in ("DMY", "MDY"):
                errors.add("options.date_order", "invalid_choice", choices="DMY, MDY")
            else:
                out.date_order = raw["date_order"]
        for key in ("decimal_comma", "skip_errors"):
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
                "price_list": self.price_list, "skip_errors": self.skip_errors}


@dataclass
class Row:
    """One source row: its cells by field (with their column letters), and the plan for it."""

    number: int  # the row number Excel shows
    cells: dict[str, list[tuple[str, Any]]]
    action: str = "create"
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    match: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None
    reason: str | None = None
    # Internal: the normalised record to write, the existing record's id.
    record: Any = None
    target: int | None = None

    def column(self, key: str, i: int = 0) -> str | None:
        cells = self.cells.get(key) or []
        return cells[i][0] if i < len(cells) else (cells[0][0] if cells else None)

    def error(self, key: str | None, code: str, column: str | None = None, **params: Any) -> None:
        self.errors.append({"column": column or (self.column(key) if key else None), "field": key,
                            "code": code, "params": params})
        self.action = "error"

    def warn(self, code: str, **params: Any) -> None:
        self.warnings.append({"code": code, "params": params})

    def first(self, key: str) -> Any:
        for _col, value in self.cells.get(key) or []:
            if value is not None and value != "":
                return value
        return None

    def texts(self, key: str) -> list[tuple[str, str]]:
        out = []
        for col, value in self.cells.get(key) or []:
            t = text(value)
            if t:
                out.append((col, t))
        return out

    # Typed reads: a cell that cannot be read is an error on the row, named by its column.
    def text(self, key: str) -> str | None:
        return text(self.first(key))

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

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.number, "action": self.action, "values": self.values}
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
    mapped_idx = {i for i, _l, _f in mapped}
    rows: list[Row] = []
    skipped: list[Row] = []
    blank_run = 0
    for r in range(first, len(sheet.rows)):
        raw = sheet.rows[r]
        filled = [i for i, v in enumerate(raw) if v is not None and (not isinstance(v, str) or v.strip())]
        if not filled:
            blank_run += 1
            continue
        number = r + 1
        if is_total_row(raw):
            skipped.append(Row(number, {}, action="skip", reason="totals_row"))
            continue
        in_mapped = [i for i in filled if i in mapped_idx]
        # A note: one lone cell outside the mapped columns, or one cell after a gap of blank rows.
        if not in_mapped or (len(filled) == 1 and blank_run >= 2 and rows):
            skipped.append(Row(number, {}, action="skip", reason="note_row", values={"text": text(raw[filled[0]])}))
            continue
        blank_run = 0
        cells: dict[str, list[tuple[str, Any]]] = {}
        for i, letter, key in mapped:
            value = raw[i] if i < len(raw) else None
            if isinstance(value, str) and not value.strip():
                value = None
            cells.setdefault(key, []).append((letter, value))
        rows.append(Row(number, cells))
    return rows, skipped


def refuse_if_invalid(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors=errors)
