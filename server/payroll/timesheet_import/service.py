"""Timesheets from files: a time clock's export or someone's spreadsheet, into the timesheet's own save.

Two layouts, told apart by the header row (looked for in the first 20 rows of each sheet):

- grid: a row per employee, a column naming them (a staff number, or a name that is unique), and a column
  per day headed 1…31; each day cell written in the timesheet notation (notation.py: `8`, `8+2`, `V`,
  `B8`, `H+4`…). Units are not in the grid.
- long: a row per employee-day: the employee, a Date (a date cell, or text YYYY-MM-DD or DD.MM.YYYY), and
  any of Code, Hours, Overtime, Units. Hours without a code are a worked day (W), as `8` is in the grid.

A file is not a snapshot of the month: a blank cell (or row) leaves the day as it is, and only `-` or
"clear" ("очистить", "លុប") returns a day to the calendar. Whatever the file says goes through
`payroll.service.save_timesheet` as one batch from source "import", so every rule of the timesheet applies once
(hours over the day, posted months, employment dates, branch scope, the stale-run marking); all or
nothing. Every problem is named by its cell the way the spreadsheet imports name them: `rows.7.C` is
cell C7, `rows.7` the row, `file` the file as a whole.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Optional

from pydantic import ValidationError
from sqlalchemy.orm import Session

from ...core.actor import Actor
from ...core.errors import ErrorList, FieldError, ValidationFailed
from ...core.validation import field_errors
from ...imports import values
from ...imports.mapping import column_letter
from ...imports.reader import MiB, Sheet, read_workbook
from ...org.models import Branch
from .. import schemas, service, staff
from notation.timesheet import BadCell, cell_decimal, cell_text, read_day

HEADER_ROWS = 20            # how far down a sheet the header is looked for
MAX_BYTES = 10 * MiB        # a month of a large staff is well under 1 MB
MAX_ERRORS = 200            # listed in one answer; the count says how many there were
CLEAR_WORDS = frozenset({"-", "–", "—", "clear", "очистить", "លុប"})

# Headers as people write them, in English, Russian and Khmer (compared without case, spaces or dots).
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("Number", "No.", "Staff No.", "Staff number", "Employee No.", "Employee number", "Personnel number",
               "Табельный номер", "Таб. №", "Табельный №", "Таб. номер", "លេខបុគ្គលិក"),
    "name": ("Name", "Full name", "Employee", "Employee name", "ФИО", "Ф.И.О.", "Фамилия, имя, отчество",
             "Сотрудник", "Работник", "ឈ្មោះ", "ឈ្មោះបុគ្គលិក", "បុគ្គលិក"),
    "date": ("Date", "Дата", "កាលបរិច្ឆេទ", "ថ្ងៃខែឆ្នាំ"),
    "code": ("Code", "Day code", "Код", "Код дня", "កូដ"),
    "hours": ("Hours", "Hours worked", "Worked hours", "Часы", "Часов", "Отработано часов", "ម៉ោង", "ម៉ោងធ្វើការ"),
    "overtime": ("Overtime", "Overtime hours", "OT", "Сверхурочные", "Сверхурочно", "Сверхурочные часы",
                 "ម៉ោងបន្ថែម"),
    "units": ("Units", "Pieces", "Штук", "Штуки", "Выработка", "Выработка, шт.", "ឯកតា", "ចំនួនផលិតផល"),
}
# The long layout's value columns, by the timesheet day field each fills.
VALUE_FIELDS = {"code": "code", "hours": "hours", "overtime": "overtime_hours", "units": "units"}
DAY_ERROR = re.compile(r"^days\.(\d+)(?:\.(\w+))?")
# A time clock writes the time after the date: "2026-04-01 08:02", "01.04.2026 8:02:11".
TIME_AFTER = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def _key(value: Any) -> str:
    """A header as compared: no case, no spaces, no punctuation ("Таб. №" → "таб№")."""
    raw = cell_text(value) or ""
    return "".join(ch for ch in raw.casefold() if not unicodedata.category(ch).startswith(("P", "Z", "C")))


HEADER_KEYS = {_key(h): name for name, headers in HEADERS.items() for h in headers}


def _folded_name(value: str) -> str:
    return " ".join(value.casefold().replace("ё", "е").split())


# --- who a file may name --------------------------------------------------------------------------------

@dataclass
class Staff:
    """The employees a file may name: those on the timesheet of the period (and branch) the user sees."""
    period: dt.date
    by_number: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, period: dt.date, employees: Iterable[tuple[int, str, str]]) -> "Staff":
        """From (id, number, full name) of each employee."""
        out = cls(period)
        for emp_id, number, full_name in employees:
            out.by_number[number.strip()] = emp_id
            out.by_name.setdefault(_folded_name(full_name), []).append(emp_id)
        return out


def staff_of(session: Session, actor: Actor, period: dt.date, branch_id: Optional[int]) -> Staff:
    """Everyone on the timesheet of the month (of the branch, if given) the user may see, as GET /timesheets
    lists them."""
    jobs = staff.employment(session, actor.company_id, period, branch_id=branch_id)
    return Staff.of(period, ((j.employee.id, j.employee.number, j.employee.full_name) for j in jobs
                             if actor.sees_branch(j.branch_id)))


# --- where a day came from ------------------------------------------------------------------------------

def cell_field(row: int, column: Optional[int]) -> str:
    """The error field of a cell (`rows.7.C`), or of a whole row (`rows.7`), as the spreadsheet imports name them."""
    return f"rows.{row}.{column_letter(column)}" if column is not None else f"rows.{row}"


def place(field_name: str) -> str:
    """An error field as a person names the place: "rows.7.C" → "C7", "rows.7" → "row 7", "file" stays."""
    found = re.fullmatch(r"rows\.(\d+)(?:\.([A-Z]+))?", field_name)
    if not found:
        return field_name
    return f"{found.group(2)}{found.group(1)}" if found.group(2) else f"row {found.group(1)}"


@dataclass
class Origin:
    """Where one day of the file was written: its sheet row, and the column each of its fields came from
    (`cell` for any field not listed; None: the row as a whole)."""
    row: int
    cell: Optional[int]
    columns: dict[str, Optional[int]] = field(default_factory=dict)

    def field_of(self, name: Optional[str]) -> str:
        return cell_field(self.row, self.columns.get(name, self.cell) if name else self.cell)


@dataclass
class Parsed:
    """A file read: the timesheet days it says (TimesheetDayIn as dicts), where each was written, and what was wrong."""
    layout: Optional[str] = None
    sheet: Optional[str] = None
    days: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def add(self, day: dict[str, Any], origin: Origin) -> None:
        self.days.append(day)
        self.origins.append(origin)

    def fail(self, where: str, code: str, **params: Any) -> None:
        self.errors.append(FieldError(where, code, params))

    def placed(self, errors: list[FieldError]) -> list[FieldError]:
        """The timesheet's errors (`days.3.hours`: the fourth day sent) on the file's cells."""
        out = []
        for e in errors:
            found = DAY_ERROR.match(e.field)
            if found and int(found.group(1)) < len(self.origins):
                out.append(FieldError(self.origins[int(found.group(1))].field_of(found.group(2)), e.code, e.params))
            else:
                out.append(FieldError("file", e.code, e.params))
        return out

    @property
    def employees(self) -> int:
        return len({d["employee_id"] for d in self.days})


# --- reading a file -------------------------------------------------------------------------------------

@dataclass
class Header:
    row: int                                # 0-based index in the sheet's rows
    layout: str
    columns: dict[str, int]                 # "number", "name", "date", "code"… → 0-based column
    days: dict[int, int]                    # column → day of the month (the grid)


def _day_number(value: Any) -> Optional[int]:
    """A day column's header: 1…31, as a number or as text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 2:
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= 31 else None


def find_header(rows: list[list[Any]]) -> Optional[Header]:
    """The first of the first 20 rows that names an employee column and either day columns (a grid) or a Date
    column (one row per day)."""
    for i, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        days: dict[int, int] = {}
        for j, value in enumerate(row):
            day = _day_number(value)
            if day is not None:
                days[j] = day
                continue
            name = HEADER_KEYS.get(_key(value))
            if name is not None:
                columns.setdefault(name, j)
        if "number" not in columns and "name" not in columns:
            continue
        if "date" in columns:
            return Header(i, "long", columns, {})
        if days:
            return Header(i, "grid", columns, days)
    return None


def parse(data: bytes, filename: str, period: dt.date, employees: Staff, *, sheet: Optional[str] = None,
          max_bytes: int = MAX_BYTES) -> Parsed:
    """The timesheet days a file says for the month `period` (its first day), with every problem named by cell.
    The file is opened by the imports' safe reader (sizes, zip and XML bombs, encryption, encodings)."""
    out = Parsed()
    try:
        sheets = read_workbook(data, filename, max_bytes=max_bytes, max_rows=schemas.MAX_TIMESHEET_DAYS, sheet=sheet)
    except ValidationFailed as exc:
        out.errors = list(exc.errors) or [FieldError("file", exc.code, exc.params)]
        return out
    found = _first_with_header(sheets)
    if found is None:
        out.fail("file", "timesheet_import_no_header", rows=HEADER_ROWS, sheets=", ".join(s.name for s in sheets))
        return out
    chosen, header = found
    out.layout, out.sheet = header.layout, chosen.name
    if header.layout == "grid":
        _read_grid(chosen.rows, header, employees, out)
    else:
        _read_long(chosen.rows, header, employees, out)
    if not out.days and not out.errors:
        out.fail("file", "timesheet_import_no_days")
    if len(out.days) > schemas.MAX_TIMESHEET_DAYS:
        out.fail("file", "timesheet_import_too_many_days", count=len(out.days), max=schemas.MAX_TIMESHEET_DAYS)
    return out


def _first_with_header(sheets: list[Sheet]) -> Optional[tuple[Sheet, Header]]:
    for s in sheets:
        header = find_header(s.rows)
        if header is not None:
            return s, header
    return None


def _cell(row: list[Any], column: Optional[int]) -> Any:
    return row[column] if column is not None and column < len(row) else None


def _employee(row: list[Any], r: int, header: Header, employees: Staff, out: Parsed) -> Optional[tuple[int, int]]:
    """Who a row is about, and the column that said it: the number when there is one, else a name that is
    unique; None (with the reason) when neither finds one."""
    number_col, name_col = header.columns.get("number"), header.columns.get("name")
    period = employees.period.strftime("%Y-%m")
    number = cell_text(_cell(row, number_col))
    if number is not None:
        found = employees.by_number.get(number)
        if found is None:    # "e00042" for E00042, when no other number differs from it only by case
            alike = [i for n, i in employees.by_number.items() if n.casefold() == number.casefold()]
            found = alike[0] if len(alike) == 1 else None
        if found is None:
            out.fail(cell_field(r, number_col), "timesheet_import_unknown_number", number=number, period=period)
            return None
        assert number_col is not None
        return found, number_col
    name = cell_text(_cell(row, name_col))
    if name is None:
        out.fail(cell_field(r, number_col if number_col is not None else name_col), "timesheet_import_no_employee")
        return None
    assert name_col is not None
    ids = employees.by_name.get(_folded_name(name), [])
    if not ids:
        out.fail(cell_field(r, name_col), "timesheet_import_unknown_name", name=name, period=period)
        return None
    if len(ids) > 1:
        out.fail(cell_field(r, name_col), "timesheet_import_ambiguous_name", name=name, count=len(ids))
        return None
    return ids[0], name_col


def _clears(raw: Optional[str]) -> bool:
    return raw is not None and raw.casefold() in CLEAR_WORDS


def _read_grid(rows: list[list[Any]], header: Header, employees: Staff, out: Parsed) -> None:
    period = employees.period
    last = staff.month_end(period)
    days: dict[int, int] = {}
    first_of: dict[int, int] = {}
    for column, day in sorted(header.days.items()):
        if day in first_of:
            out.fail(cell_field(header.row + 1, column), "timesheet_import_day_twice", day=day,
                     column=column_letter(first_of[day]))
            continue
        first_of[day] = column
        days[column] = day
    seen: dict[int, int] = {}
    for i in range(header.row + 1, len(rows)):
        row, r = rows[i], i + 1
        filled = [(c, d, cell_text(_cell(row, c))) for c, d in days.items()]
        filled = [(c, d, raw) for c, d, raw in filled if raw is not None]
        if not filled:
            continue     # a blank row, or an employee with nothing to change
        found = _employee(row, r, header, employees, out)
        if found is not None and found[0] in seen:
            out.fail(cell_field(r, found[1]), "timesheet_import_employee_twice", row=seen[found[0]])
            continue
        if found is not None:
            seen[found[0]] = r
        for column, day, raw in filled:    # read even when the employee is not found: every problem is told
            where = cell_field(r, column)
            if day > last.day:
                out.fail(where, "timesheet_import_no_such_day", day=day, period=period.strftime("%Y-%m"))
                continue
            entry: dict[str, Any] = {"clear": True}
            if not _clears(raw):
                try:
                    parsed = read_day(_cell(row, column), "en")
                except BadCell as bad:
                    out.fail(where, f"timesheet_import_{bad.reason}", **bad.params)
                    continue
                assert parsed is not None
                entry = {"code": parsed.code, "hours": str(parsed.hours), "overtime_hours": str(parsed.overtime)}
            if found is not None:
                out.add({"employee_id": found[0], "date": period.replace(day=day).isoformat(), **entry},
                        Origin(r, column, {"employee_id": found[1]}))


def _read_long(rows: list[list[Any]], header: Header, employees: Staff, out: Parsed) -> None:
    cols = header.columns
    if not any(k in cols for k in VALUE_FIELDS):
        out.fail(cell_field(header.row + 1, None), "timesheet_import_no_values")
        return
    period = employees.period
    date_col = cols["date"]
    for i in range(header.row + 1, len(rows)):
        row, r = rows[i], i + 1
        raw = {k: cell_text(_cell(row, cols.get(k))) for k in VALUE_FIELDS}
        if all(v is None for v in raw.values()):
            continue     # nothing said about the day: it stays as it is
        before = len(out.errors)
        found = _employee(row, r, header, employees, out)
        date = _date(_cell(row, date_col), r, date_col, period, out)
        day: dict[str, Any] = {}
        code = raw["code"]
        clear = _clears(code)
        if code is not None and not clear:
            if re.fullmatch(r"[A-Za-z]", code):
                day["code"] = code.upper()
            else:
                out.fail(cell_field(r, cols["code"]), "timesheet_import_bad_code", value=code)
        for key in ("hours", "overtime", "units"):
            if raw[key] is None:
                continue
            number = _number(_cell(row, cols[key]))
            if number is None:
                out.fail(cell_field(r, cols[key]), "timesheet_import_bad_number", value=raw[key])
            else:
                day[VALUE_FIELDS[key]] = str(number)
        if clear and any(raw[k] is not None for k in ("hours", "overtime", "units")):
            out.fail(cell_field(r, cols["code"]), "timesheet_import_clear_alone")
        if len(out.errors) > before or found is None or date is None:
            continue
        if "hours" in day and "code" not in day:
            day["code"] = "W"       # hours without a code are a worked day, as "8" is in the grid
        emp_id, emp_col = found
        columns: dict[str, Optional[int]] = {"employee_id": emp_col, "date": date_col}
        for key, name in VALUE_FIELDS.items():
            columns[name] = cols.get(key)
        if "code" not in cols or raw["code"] is None:
            columns["code"] = cols.get("hours")     # an implied W answers for the hours it came with
        columns["clear"] = cols.get("code")
        item = {"employee_id": emp_id, "date": date.isoformat(), **({"clear": True} if clear else day)}
        out.add(item, Origin(r, None, columns))


def _date(value: Any, r: int, column: int, period: dt.date, out: Parsed) -> Optional[dt.date]:
    """A date cell, or a date as text in any form the imports read (a time after it is ignored), in the period."""
    where = cell_field(r, column)
    raw = cell_text(value)
    if raw is None:
        out.fail(where, "timesheet_import_no_date")
        return None
    text = TIME_AFTER.sub("", value.strip()) if isinstance(value, str) else None
    try:
        # The imports' own date reading (date cells, serials, 2026-04-01, 01.04.2026, "1 апреля 2026"), except
        # 03/04/2026: April or March depends on who wrote it, and a timesheet is no place to guess.
        day = None if text is not None and "/" in text else values.date(text if text is not None else value)
    except values.ValueProblem:
        day = None
    if day is None:
        out.fail(where, "timesheet_import_bad_date", value=raw)
        return None
    if (day.year, day.month) != (period.year, period.month):
        out.fail(where, "timesheet_import_outside_period", date=day.isoformat(), period=period.strftime("%Y-%m"))
        return None
    return day


def _number(value: Any) -> Optional[Decimal]:
    """Hours or units: 7.5, "7,5", "7.5"; None when the cell is not a number (its sign is the timesheet's to check)."""
    try:
        return cell_decimal(value.replace(",", ".") if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None


# --- importing ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What an import did, or would do (a dry run): the layout read, the days and employees in the file, the days
    saved and cleared; `errors` (a dry run only: an import with errors is refused) say why nothing would be."""
    layout: Optional[str]
    sheet: Optional[str]
    days: int
    employees: int
    saved: int = 0
    cleared: int = 0
    dry_run: bool = False
    errors: list[FieldError] = field(default_factory=list)


def read(session: Session, actor: Actor, data: bytes, filename: str, period: dt.date, *,
         branch_id: Optional[int] = None, sheet: Optional[str] = None, max_bytes: int = MAX_BYTES) -> Parsed:
    """Read a file against the staff of the month (and branch); nothing is written."""
    if branch_id is not None:
        errors = ErrorList()
        branch = session.get(Branch, branch_id)
        if branch is None or branch.company_id != actor.company_id:
            errors.add("branch_id", "unknown_reference", entity="branch", value=branch_id)
        elif not actor.sees_branch(branch_id):
            errors.add("branch_id", "out_of_branch_scope")
        errors.raise_if_any()
    return parse(data, filename, period, staff_of(session, actor, period, branch_id), sheet=sheet,
                 max_bytes=max_bytes)


def import_timesheet(session: Session, actor: Actor, parsed: Parsed, *, dry_run: bool = False) -> Outcome:
    """Save the days a file says through the timesheet's own rules, all or none. A dry run does the same in a
    savepoint it rolls back, and answers the errors instead of raising them."""
    outcome = Outcome(parsed.layout, parsed.sheet, len(parsed.days), parsed.employees, dry_run=dry_run)
    errors = list(parsed.errors)
    if not errors:
        errors = _save(session, actor, parsed, outcome, dry_run)
    if errors and not dry_run:
        raise ValidationFailed("timesheet_import_has_errors", params={"count": len(errors)},
                               errors=errors[:MAX_ERRORS])
    outcome.errors = errors[:MAX_ERRORS]
    return outcome


def _save(session: Session, actor: Actor, parsed: Parsed, outcome: Outcome, dry_run: bool) -> list[FieldError]:
    try:
        body = schemas.TimesheetIn.model_validate({"days": parsed.days, "source": "import"})
    except ValidationError as exc:
        return parsed.placed(field_errors(exc))
    savepoint = session.begin_nested() if dry_run else None
    try:
        saved = service.save_timesheet(session, actor, body)
    except ValidationFailed as exc:
        return parsed.placed(exc.errors)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    outcome.saved, outcome.cleared = saved.saved, saved.cleared
    return []
