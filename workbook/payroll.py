"""payroll.xlsm's Sync: timesheet edits go in as one batch, the run moves on when asked, the month comes back.

1. Timesheet and Units: every day cell is compared with the snapshot of the last pull, and the changed
   days go in one `PUT /timesheets` (a day emptied goes back to the calendar). The server saves them all
   or none: refused, every typed cell stays as typed and each row's status names the day and the reason.
2. Payroll: a word in Action (calculate, approve, reopen or post, in any of the three languages) is done
   to the regular run of the period and branch, which is opened first when there is none. Done, the
   word is cleared; refused (a draft cannot be approved, a posted month cannot change), the word stays
   and Action status says why. Approving and posting name the run version this workbook last showed,
   so a run recalculated by someone else since is not approved unseen.
3. Pull: the run with a column per pay line, the payslips of the period, the timesheet, the employees.

The notation of a day (documented on the Timesheet sheet): `8` worked 8 h, `8+2` with 2 h overtime,
`V` `S` `U` `A` `H` a code, `B` or `B8` a business trip (with hours), `H+4` overtime on a day off.
Reading it is syntax only: whether a code exists, or 25 hours fit a day, is for the server to say. The
reader is notation/timesheet.py (standard library only), shared with the server's timesheet file import.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from .layout import (
    EMPLOYEES,
    LANGUAGES,
    PAY_LINE_LABELS,
    PAYROLL_FIRST_ROW,
    PAYROLL_HEADER_ROW,
    PAYROLL_RUN,
    PAYSLIPS,
    TIMESHEET,
    UNITS,
    Grid,
    choice_code,
    snapshot_sheet,
)
from .sync import (
    Summary,
    config,
    safe_cell,
    save,
    table_sheet,
    text,
    typed_on_read_only,
    write_list,
    write_read_only,
    write_snapshot,
)

D = Decimal
ZERO = Decimal(0)
# A payslip row is an employee's in a run (an adjustment run may pay the same employee again).
PAYSLIP_KEY = ("employee_id", "run")


from notation.timesheet import BadCell, Day, plain, read_day, read_units, show_day  # noqa: E402,F401

from .connection import ClientBaseError, Connection

MESSAGES = {
    "refused": ("Not saved: {reasons}", "មិនបានរក្សាទុក៖ {reasons}", "Не сохранено: {reasons}"),
    "day": ("day {day}", "ថ្ងៃទី {day}", "день {day}"),
    "held": ("Not saved: the timesheet is saved whole, and other rows were refused.",
             "មិនបានរក្សាទុក៖ តារាងម៉ោងត្រូវរក្សាទុកទាំងមូល ហើយជួរផ្សេងទៀតត្រូវបានបដិសេធ។",
             "Не сохранено: табель сохраняется целиком, а другие строки отклонены."),
    "units_need_day": ("units need the day's code or hours on the Timesheet sheet",
                       "ចំនួនផលិតផលត្រូវការកូដ ឬម៉ោងនៃថ្ងៃនៅសន្លឹកតារាងម៉ោង",
                       "для выработки нужен код или часы дня в табеле"),
    "stray": ("Not sent: only the employees of the period are listed here (hire in ClientBase, then Sync).",
              "មិនបានផ្ញើ៖ មានតែបុគ្គលិកនៃរយៈពេលប៉ុណ្ណោះនៅទីនេះ (ជ្រើសរើសនៅក្នុង ClientBase រួចធ្វើសមកាលកម្ម)។",
              "Не отправлено: здесь только сотрудники периода (примите сотрудника в ClientBase и синхронизируйте)."),
    "posted_row": ("Posted in run {run}: read-only.", "បានកត់ត្រាក្នុង {run}៖ អានតែប៉ុណ្ណោះ។",
                   "Проведено в ведомости {run}: только чтение."),
    "computed": ("{fields}: ClientBase computes it; not saved, your value stays until you clear it.",
                 "{fields}៖ ClientBase គណនាវា មិនត្រូវបានរក្សាទុកទេ តម្លៃរបស់អ្នកនៅដដែលរហូតដល់អ្នកលុបវា។",
                 "{fields}: вычисляет ClientBase; не сохранено, ваше значение останется, пока вы его не очистите."),
    "run_typed": ("The Payroll sheet is computed by ClientBase: {cells} not saved; your values stay until you clear "
                  "them.",
                  "សន្លឹកប្រាក់បៀវត្សរ៍ត្រូវបានគណនាដោយ ClientBase៖ {cells} មិនត្រូវបានរក្សាទុកទេ "
                  "តម្លៃរបស់អ្នកនៅដដែលរហូតដល់អ្នកលុបវា។",
                  "Лист «Зарплата» вычисляет ClientBase: {cells} не сохранено; ваши значения останутся, пока вы их "
                  "не очистите."),
    "shown_typed": ("These cells only show what Sync pulled (choose the period and branch on the Payroll sheet): "
                    "{cells} not saved; your values stay until you clear them.",
                    "ក្រឡាទាំងនេះគ្រាន់តែបង្ហាញអ្វីដែលបានទាញមក (ជ្រើសរយៈពេល និងសាខានៅសន្លឹកប្រាក់បៀវត្សរ៍)៖ "
                    "{cells} មិនត្រូវបានរក្សាទុកទេ តម្លៃរបស់អ្នកនៅដដែលរហូតដល់អ្នកលុបវា។",
                    "Эти ячейки только показывают полученное (период и филиал выбираются на листе «Зарплата»): "
                    "{cells} не сохранено; ваши значения останутся, пока вы их не очистите."),
    "kept_period": ("The timesheet stays on {period} until its refused days are fixed.",
                    "តារាងម៉ោងនៅតែ {period} រហូតដល់ថ្ងៃដែលបានបដិសេធត្រូវបានកែ។",
                    "Табель остаётся за {period}, пока отклонённые дни не исправлены."),
    "bad_period": ("Period: write a month as YYYY-MM, not «{value}».", "រយៈពេល៖ សរសេរខែជា YYYY-MM មិនមែន «{value}» ទេ។",
                   "Период: укажите месяц как ГГГГ-ММ, а не «{value}»."),
    "bad_branch": ("Branch: «{value}» is not one of {codes}.", "សាខា៖ «{value}» មិនមែនជាមួយក្នុងចំណោម {codes} ទេ។",
                   "Филиал: «{value}» — не один из {codes}."),
    "no_branch": ("Branch: choose one of {codes}.", "សាខា៖ ជ្រើសរើសមួយក្នុងចំណោម {codes}។",
                  "Филиал: выберите один из {codes}."),
    "unknown_action": ("Not done: «{value}» is not an action; write calculate, approve, reopen or post.",
                       "មិនបានធ្វើ៖ «{value}» មិនមែនជាសកម្មភាពទេ សរសេរ គណនា អនុម័ត បើកឡើងវិញ ឬ កត់ត្រា។",
                       "Не выполнено: «{value}» — не действие; напишите рассчитать, утвердить, вернуть на расчёт "
                       "или провести."),
    "not_done": ("Not done: {reason}", "មិនបានធ្វើ៖ {reason}", "Не выполнено: {reason}"),
    "timesheet_first": ("the timesheet was not saved: fix the rows its Sync status names, then Sync again.",
                        "តារាងម៉ោងមិនត្រូវបានរក្សាទុកទេ៖ កែជួរដែលស្ថានភាពសមកាលកម្មបង្ហាញ ហើយធ្វើសមកាលកម្មម្តងទៀត។",
                        "табель не сохранён: исправьте строки, указанные в статусе синхронизации, и синхронизируйте "
                        "снова."),
    "done": ("Done: {action}. Run {run} is {status}.", "បានធ្វើ៖ {action}។ បញ្ជី {run} {status}។",
             "Выполнено: {action}. Ведомость {run}: {status}."),
    "no_run": ("no run yet: write calculate in Action", "មិនទាន់មានបញ្ជី៖ សរសេរ គណនា ក្នុងសកម្មភាព",
               "ведомости нет: впишите «рассчитать» в «Действие»"),
    "summary": ("Synced {now}: {saved} timesheet days saved, {cleared} cleared, {refused} refused; "
                "{pulled} employees from the server.",
                "បានធ្វើសមកាលកម្ម {now}៖ ថ្ងៃក្នុងតារាងម៉ោង រក្សាទុក {saved} លុប {cleared} បដិសេធ {refused}; "
                "បុគ្គលិក {pulled} នាក់ពីម៉ាស៊ីនមេ។",
                "Синхронизировано {now}: дней табеля сохранено {saved}, очищено {cleared}, отклонено {refused}; "
                "сотрудников с сервера: {pulled}."),
}

# A day's field as a status names it (the date's own messages name the day already).
FIELD_WORDS = {
    "code": ("code", "កូដ", "код"),
    "hours": ("hours", "ម៉ោង", "часы"),
    "overtime_hours": ("overtime", "ម៉ោងបន្ថែម", "сверхурочные"),
    "units": ("units", "ចំនួន", "выработка"),
}
RUN_STATES = {
    "draft": ("draft", "សេចក្តីព្រាង", "черновик"),
    "calculated": ("calculated", "បានគណនា", "рассчитана"),
    "approved": ("approved", "បានអនុម័ត", "утверждена"),
    "posted": ("posted", "បានកត់ត្រា", "проведена"),
    "paid": ("paid", "បានបើក", "выплачена"),
}
EMPLOYEE_STATES = {"active": ("active", "កំពុងធ្វើការ", "работает"), "dismissed": ("dismissed", "បានឈប់", "уволен")}
RUN_KINDS = {"regular": ("regular", "ធម្មតា", "основная"), "adjustment": ("adjustment", "កែតម្រូវ", "корректировка")}
YES_NO = (("yes", "បាទ", "да"), ("no", "ទេ", "нет"))
WEEKDAYS = (("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), ("ច", "អ", "ពុ", "ព្រ", "សុ", "ស", "អា"),
            ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"))
# Day header fills: the build's header blue on working days, grey on days off, orange on public holidays.
DAY_COLORS = {"working": (220, 230, 241), "short": (255, 242, 204), "weekend": (191, 191, 191),
              "holiday": (248, 203, 173)}
DAY_ERROR = re.compile(r"^days(?:\[(\d+)\]|\.(\d+))(?:\.(\w+))?")


def _say(key: str, language: str, **params: Any) -> str:
    return MESSAGES[key][LANGUAGES.index(language)].format(**params)


def _word(words: dict[str, tuple[str, str, str]], key: str, language: str) -> str:
    return words[key][LANGUAGES.index(language)] if key in words else key


def main() -> None:
    """The Sync button (and `clientbase workbooks sync payroll.xlsm`)."""
    import xlwings as xw

    sync(xw.Book.caller())


@dataclass
class PayrollSummary(Summary):
    """What one Sync did: timesheet days saved, cleared and refused; employees pulled."""
    saved: int = 0
    cleared: int = 0
    days_refused: int = 0

    @property
    def refusals(self) -> int:
        """Days refused, and the period, branch, action or rows refused (in `refused`)."""
        return super().refusals + self.days_refused

    def line(self, language: str) -> str:
        now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        return " ".join([_say("summary", language, now=now, saved=self.saved, cleared=self.cleared,
                              refused=self.days_refused, pulled=self.pulled), *self.messages])


# --- the sheets' grids and snapshots --------------------------------------------------------------

@dataclass
class GridRow:
    number: int                 # the sheet row
    cells: list[Any]            # every column of the grid, as read

    def employee_id(self) -> Optional[int]:
        value = self.cells[0]
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read_grid(sheet: Any, grid: Grid) -> list[GridRow]:
    bottom = sheet.used_range.last_cell.row
    if bottom < PAYROLL_FIRST_ROW:
        return []
    values = sheet.range((PAYROLL_FIRST_ROW, 1), (bottom, grid.width)).options(ndim=2).value
    return [GridRow(PAYROLL_FIRST_ROW + i, cells) for i, cells in enumerate(values)
            if any(c is not None and c != "" for c in cells)]


def write_grid(sheet: Any, grid: Grid, rows: list[list[Any]], width: int) -> None:
    """Replace the grid's body with `rows`, clearing what was below and to the right."""
    used = sheet.used_range.last_cell
    last = max(used.row, PAYROLL_FIRST_ROW + len(rows) - 1)
    if last >= PAYROLL_FIRST_ROW:
        sheet.range((PAYROLL_FIRST_ROW, 1), (last, max(width, used.column, grid.width))).clear_contents()
    if rows:
        sheet.range((PAYROLL_FIRST_ROW, 1)).value = [[safe_cell(v) for v in r] + [None] * (width - len(r))
                                                     for r in rows]


def read_snap(book: Any, grid: Grid) -> tuple[dict[str, Any], list[Any]]:
    """What the last Sync pulled into a grid: its facts (period, dates, run…) and its rows."""
    sheet = book.sheets[snapshot_sheet(grid)]
    bottom = sheet.used_range.last_cell.row
    if bottom < 2:
        return {}, []
    chunks = sheet.range((2, 1), (bottom, 1)).options(ndim=1).value
    meta = json.loads(chunks[0]) if chunks and chunks[0] else {}
    rows = [row for chunk in chunks[1:] if chunk for row in json.loads(chunk)]
    return meta, rows


def write_snap(book: Any, grid: Grid, meta: dict[str, Any], rows: list[Any]) -> None:
    """Facts in A2, rows as JSON from A3 on, many to a cell (sync.write_snapshot with a head)."""
    write_snapshot(book, grid, rows, head=json.dumps(meta, ensure_ascii=False))


def _field(sheet: Any, grid: Grid, key: str) -> Any:
    return sheet.range(grid.field(key).value_cell)


# --- one Sync ---------------------------------------------------------------------------------------

@dataclass
class Pending:
    """One changed day: what goes to the server, and which row's status answers for it."""
    item: dict[str, Any]
    employee_id: int
    day: int                    # 1–31
    on_units: bool              # the change is in the Units sheet only


@dataclass
class Timesheet:
    """The timesheet side of a Sync: what changed, what was refused, where the sheet stays."""
    meta: dict[str, Any]
    snap: dict[int, list[Any]]
    typed_days: dict[tuple[int, int], Any] = field(default_factory=dict)    # (employee id, day index) → cell
    typed_units: dict[tuple[int, int], Any] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    status: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (grid name, employee id) → reasons
    strays: dict[str, list[GridRow]] = field(default_factory=dict)
    # (grid name, employee id) → {0-based column: typed}: read-only cells typed over, kept and said, never sent.
    fixed: dict[tuple[str, int], dict[int, Any]] = field(default_factory=dict)
    refused: bool = False

    def say(self, grid: Grid, employee_id: int, reason: str) -> None:
        self.status.setdefault((grid.name, employee_id), []).append(reason)


class Context:
    """What one Sync needs from the server and carries between its steps."""

    def __init__(self, conn: Any, language: str):
        self.conn, self.lang = conn, language
        self.branches = {b["code"]: b["id"] for b in conn.get("/api/v1/branches")["items"]}
        self.summary = PayrollSummary()


def sync(book: Any, connection: Any = None) -> PayrollSummary:
    """Push the timesheet's changes, do the Action, pull the month back. Returns what happened."""
    cfg = config(book)
    ctx = Context(connection or Connection(url=cfg.url, language=cfg.language), cfg.language)
    sheets = {g.name: table_sheet(book, g) for g in (PAYROLL_RUN, TIMESHEET, UNITS, PAYSLIPS, EMPLOYEES)}
    run_sheet = sheets[PAYROLL_RUN.name]
    chosen = _settings(ctx, run_sheet)
    sheet = _timesheet_changes(ctx, book, sheets[TIMESHEET.name], sheets[UNITS.name])
    shown_typed = {g.name: _shown_typed(sheets[g.name], g, sheet.meta.get("fields") or {}) for g in (TIMESHEET, UNITS)}
    _push(ctx, sheet)
    run_meta, run_rows = read_snap(book, PAYROLL_RUN)
    run_typed = _run_typed(run_sheet, run_meta, run_rows)
    _action(ctx, run_sheet, chosen, run_meta, sheet.refused)
    # The timesheet shows the chosen month, unless refused days keep it on the one they were typed in (or
    # the choice is wrong: then it shows its month afresh).
    shown = chosen
    if (sheet.refused or chosen is None) and sheet.meta:
        shown = (sheet.meta["period"], sheet.meta["branch"])
        if sheet.refused and chosen not in (None, shown):
            ctx.summary.messages.append(_say("kept_period", ctx.lang, period=sheet.meta["period"]))
    try:
        if shown is not None:
            _pull_timesheet(ctx, book, sheets[TIMESHEET.name], sheets[UNITS.name], shown, sheet)
            _keep_shown_typed(ctx, sheets, shown_typed)
        if chosen is not None:
            _pull_run(ctx, book, run_sheet, sheets[PAYSLIPS.name], chosen, run_typed)
    except ClientBaseError as exc:
        if exc.status != 422:      # the server refusing the period itself ("2100-13"…) is said, not raised
            raise
        ctx.summary.messages.append(_reason(exc))
    _pull_employees(ctx, book, sheets[EMPLOYEES.name])
    write_list(book, "branches", sorted(ctx.branches))
    line = ctx.summary.line(ctx.lang)
    for s in sheets.values():
        s.range((2, 1)).value = line
    save(book)
    return ctx.summary


def _settings(ctx: Context, sheet: Any) -> Optional[tuple[str, str]]:
    """The period and branch code the user chose (a blank period is this month; a blank branch the only
    one); None, with the reason in the summary, when either is not right."""
    cell = _field(sheet, PAYROLL_RUN, "period")
    value = cell.value
    period: Optional[str] = None
    if isinstance(value, (dt.date, dt.datetime)):     # Excel made a date of it after all
        period = f"{value.year:04d}-{value.month:02d}"
    elif text(value) is None:
        period = dt.date.today().strftime("%Y-%m")
    else:
        found = re.fullmatch(r"(\d{4})-(\d{1,2})(-\d{1,2})?", text(value) or "")
        if found and 1 <= int(found.group(2)) <= 12:
            period = f"{found.group(1)}-{int(found.group(2)):02d}"
    if period is None:
        ctx.summary.messages.append(_say("bad_period", ctx.lang, value=text(value)))
        ctx.summary.refused += 1
    elif text(value) != period:
        cell.value = period
    branch_cell = _field(sheet, PAYROLL_RUN, "branch")
    code = text(branch_cell.value)
    codes = ", ".join(sorted(ctx.branches))
    if code is None and len(ctx.branches) == 1:
        code = next(iter(ctx.branches))
        branch_cell.value = code
    if code is None:
        ctx.summary.messages.append(_say("no_branch", ctx.lang, codes=codes))
    elif code not in ctx.branches:
        upper = {c.upper(): c for c in ctx.branches}
        if code.upper() in upper:
            code = upper[code.upper()]
            branch_cell.value = code
        else:
            ctx.summary.messages.append(_say("bad_branch", ctx.lang, value=code, codes=codes))
            ctx.summary.refused += 1
            code = None
    return (period, code) if period and code else None


# --- 1. the timesheet's changes ---------------------------------------------------------------------

def _timesheet_changes(ctx: Context, book: Any, days_sheet: Any, units_sheet: Any) -> Timesheet:
    """Each day whose Timesheet or Units cell differs from the last pull, as the PUT item it becomes."""
    meta, rows = read_snap(book, TIMESHEET)
    sheet = Timesheet(meta, {int(r[0]): r for r in rows})
    if not meta:
        return sheet
    dates: list[str] = meta["dates"]
    first = TIMESHEET.first_day_column - 1
    typed: dict[str, dict[int, GridRow]] = {}
    for grid, gs in ((TIMESHEET, days_sheet), (UNITS, units_sheet)):
        typed[grid.name] = {}
        for row in read_grid(gs, grid):
            emp = row.employee_id()
            if emp in sheet.snap:
                typed[grid.name][emp] = row
                _typed_over(ctx, sheet, grid, emp, row)
            else:   # an employee ID typed over, or a row typed below: kept as typed, never sent
                sheet.strays.setdefault(grid.name, []).append(row)
                ctx.summary.refused += 1
    for emp, snap_row in sheet.snap.items():
        days_row, units_row = typed[TIMESHEET.name].get(emp), typed[UNITS.name].get(emp)
        for j, date in enumerate(dates):
            before_day, before_units = snap_row[4][j]
            cell = days_row.cells[first + j] if days_row else before_day
            units_cell = units_row.cells[first + j] if units_row else before_units
            where = _say("day", ctx.lang, day=j + 1)
            day_changed = _changed_day(cell, before_day, ctx.lang)
            if day_changed:
                sheet.typed_days[(emp, j)] = cell
            try:
                units = read_units(units_cell, ctx.lang)
                units_changed = units != read_units(before_units, ctx.lang)
            except BadCell as bad:
                sheet.typed_units[(emp, j)] = units_cell
                sheet.say(UNITS, emp, f"{where}: {bad}")
                continue
            if units_changed:
                sheet.typed_units[(emp, j)] = units_cell
            if not (day_changed or units_changed):
                continue
            try:
                day = read_day(cell, ctx.lang)
            except BadCell as bad:
                sheet.say(TIMESHEET, emp, f"{where}: {bad}")
                continue
            if day is None:
                if units_changed and units:
                    sheet.say(UNITS, emp, f"{where}: {_say('units_need_day', ctx.lang)}")
                    continue
                item: dict[str, Any] = {"employee_id": emp, "date": date, "clear": True}
            else:
                item = {"employee_id": emp, "date": date, "code": day.code, "hours": str(day.hours),
                        "overtime_hours": str(day.overtime), "units": str(units)}
            sheet.pending.append(Pending(item, emp, j + 1, units_changed and not day_changed))
    return sheet


# The read-only columns of the Timesheet and Units sheets the snapshot keeps: the staff number and name
# (its row's items 1 and 2), and the totals on the right (item 5, in this order).
TOTALS = {TIMESHEET.name: ("worked_days", "worked_hours", "overtime_hours"), UNITS.name: ("units",)}


def _typed_over(ctx: Context, sheet: Timesheet, grid: Grid, emp: int, row: GridRow) -> None:
    """Note the read-only cells of an employee's row typed over since the last pull (emptied ones are not)."""
    snap_row = sheet.snap[emp]
    pulled = {grid.column("number") - 1: snap_row[1], grid.column("full_name") - 1: snap_row[2]}
    if len(snap_row) > 5:      # a snapshot written before the totals were kept has only the names to compare
        totals = dict(zip(TOTALS[TIMESHEET.name] + TOTALS[UNITS.name], snap_row[5]))
        pulled.update({grid.column(k) - 1: totals.get(k) for k in TOTALS[grid.name]})
    cells = {i: row.cells[i] for i, before in pulled.items() if text(row.cells[i]) not in (None, text(before))}
    if cells:
        sheet.fixed[(grid.name, emp)] = cells
        ctx.summary.refused += 1


def _changed_day(cell: Any, before: Optional[str], language: str) -> bool:
    """Whether a day cell says something else than the pulled text (a cell that is no day always does)."""
    try:
        return read_day(cell, language) != read_day(before, language)
    except BadCell:
        return True


def _push(ctx: Context, sheet: Timesheet) -> None:
    """The changed days in one PUT, or none of them: a refusal is written to each row that caused it."""
    if not sheet.status and sheet.pending:
        try:
            saved = ctx.conn.put("/api/v1/timesheets", {"source": "import", "days": [p.item for p in sheet.pending]})
        except ClientBaseError as exc:
            _refusal(ctx, sheet, exc)
        else:
            ctx.summary.saved += saved["saved"]
            ctx.summary.cleared += saved["cleared"]
            return
    if sheet.status:
        sheet.refused = True
        # Rows whose own changes were fine are held back with the rest: their status says so.
        for grid, typed in ((TIMESHEET, sheet.typed_days), (UNITS, sheet.typed_units)):
            for emp in {emp for emp, _j in typed}:
                if (grid.name, emp) not in sheet.status:
                    sheet.say(grid, emp, _say("held", ctx.lang))
        ctx.summary.days_refused += len(sheet.typed_days.keys() | sheet.typed_units.keys())


def _refusal(ctx: Context, sheet: Timesheet, exc: Any) -> None:
    """The server's reasons, each on the row and day it names (`days[3].hours` is the fourth day sent)."""
    placed = False
    for error in exc.errors:
        found = DAY_ERROR.match(str(error.get("field") or ""))
        if not found or int(found.group(1) or found.group(2)) >= len(sheet.pending):
            continue
        sent = sheet.pending[int(found.group(1) or found.group(2))]
        name = found.group(3)
        where = _say("day", ctx.lang, day=sent.day)
        if name in FIELD_WORDS:
            where += ", " + _word(FIELD_WORDS, name, ctx.lang)
        grid = UNITS if name == "units" or sent.on_units else TIMESHEET
        sheet.say(grid, sent.employee_id, f"{where}: {error.get('message')}")
        placed = True
    if not placed:   # not about one day (no access, the server down…): every changed row says so
        for sent in sheet.pending:
            if (TIMESHEET.name, sent.employee_id) not in sheet.status:
                sheet.say(TIMESHEET, sent.employee_id, _reason(exc))


def _reason(exc: Any) -> str:
    """A refusal in words: the field messages (the title repeats them, or says only "not valid"), else the title."""
    messages = [str(e["message"]) for e in exc.errors if e.get("message")]
    return "; ".join(dict.fromkeys(messages)) or exc.message


# --- 2. the action ----------------------------------------------------------------------------------

def _action(ctx: Context, sheet: Any, chosen: Optional[tuple[str, str]], shown: dict[str, Any],
            timesheet_refused: bool) -> None:
    """Do what the Action cell asks to the run of the period and branch; clear it once done."""
    cell, status = _field(sheet, PAYROLL_RUN, "action"), _field(sheet, PAYROLL_RUN, "action_status")
    typed = text(cell.value)
    if typed is None:
        status.value = None
        return
    action = choice_code("run_actions", typed)

    def refuse(reason: str) -> None:   # the word stays in Action, the reason beside it
        status.value = reason
        ctx.summary.refused += 1

    if action is None:
        return refuse(_say("unknown_action", ctx.lang, value=typed))
    if chosen is None:
        return refuse(_say("not_done", ctx.lang, reason=" ".join(ctx.summary.messages)))
    if timesheet_refused:
        return refuse(_say("not_done", ctx.lang, reason=_say("timesheet_first", ctx.lang)))
    period, branch = chosen
    try:
        run = _regular_run(ctx, period, ctx.branches[branch])
        if run is None:
            run = ctx.conn.post("/api/v1/payroll-runs", {"period": period, "branch_id": ctx.branches[branch]})
        # Deciding on a run names the version this workbook showed; recalculating takes the current one.
        version = run["version"]
        if action != "calculate" and shown.get("id") == run["id"]:
            version = shown["version"]
        run = ctx.conn.post(f"/api/v1/payroll-runs/{run['id']}/{action}", {"version": version})
    except ClientBaseError as exc:
        return refuse(_say("not_done", ctx.lang, reason=_reason(exc)))
    cell.value = None
    status.value = _say("done", ctx.lang, action=typed, run=run["number"],
                        status=_word(RUN_STATES, run["status"], ctx.lang))


def _regular_run(ctx: Context, period: str, branch_id: int) -> Optional[dict[str, Any]]:
    runs = ctx.conn.get("/api/v1/payroll-runs", params={"period": period, "branch_id": branch_id})["items"]
    return next((r for r in runs if r["kind"] == "regular"), None)


# --- 3. pulling the month back ----------------------------------------------------------------------

def _pull_timesheet(ctx: Context, book: Any, days_sheet: Any, units_sheet: Any, shown: tuple[str, str],
                    sheet: Timesheet) -> None:
    """The period's timesheet and units, with the user's refused cells kept as typed over the server's."""
    period, branch = shown
    data = ctx.conn.get("/api/v1/timesheets", params={"period": period, "branch_id": ctx.branches[branch]})
    dates = [d["date"] for d in data["calendar"]]
    index = {d: j for j, d in enumerate(dates)}
    keep = sheet.refused and sheet.meta.get("dates") == dates
    first = TIMESHEET.first_day_column - 1
    days_body, units_body, snap = [], [], []
    for emp in data["employees"]:
        cells: list[Optional[list[Any]]] = [None] * len(dates)
        for d in emp["days"]:
            cells[index[d["date"]]] = [show_day(d), plain(D(d["units"])) if D(d["units"]) else None]
        days = [c[0] if c else None for c in cells]
        units: list[Any] = [float(D(c[1])) if c and c[1] else None for c in cells]
        totals = [emp["worked_days"], float(D(emp["worked_hours"])), float(D(emp["overtime_hours"])),
                  float(D(emp["units"])) or None]
        snap.append([emp["employee_id"], emp["number"], emp["full_name"], emp["posted_run"],
                     [c or [None, None] for c in cells], totals])
        eid = emp["employee_id"]
        if keep:
            for j in range(len(dates)):
                if (eid, j) in sheet.typed_days:
                    days[j] = sheet.typed_days[(eid, j)]
                if (eid, j) in sheet.typed_units:
                    units[j] = sheet.typed_units[(eid, j)]
        posted = _say("posted_row", ctx.lang, run=emp["posted_run"]) if emp["posted_run"] else None
        head = [eid, emp["number"], emp["full_name"]]
        pad = [None] * (TIMESHEET.days - len(dates))
        days_body.append([*head, _status(sheet, TIMESHEET, eid, ctx.lang) or posted, *days, *pad, *totals[:3]])
        units_body.append([*head, _status(sheet, UNITS, eid, ctx.lang), *units, *pad, totals[3]])
        for grid, body in ((TIMESHEET, days_body), (UNITS, units_body)):
            for i, value in sheet.fixed.get((grid.name, eid), {}).items():
                body[-1][i] = value
    for grid, body in ((TIMESHEET, days_body), (UNITS, units_body)):
        for row in sheet.strays.get(grid.name, []):
            body.append([*row.cells[:3], _say("stray", ctx.lang), *row.cells[first:]])
    for s, grid, body in ((days_sheet, TIMESHEET, days_body), (units_sheet, UNITS, units_body)):
        _day_header(s, grid, data["calendar"], ctx.lang)
        _field(s, grid, "period").value = period
        _field(s, grid, "branch").value = branch
        write_grid(s, grid, body, grid.width)
    _field(days_sheet, TIMESHEET, "norm_days").value = data["norm_days"]
    _field(days_sheet, TIMESHEET, "norm_hours").value = float(D(data["norm_hours"]))
    shown_fields = {"period": period, "branch": branch, "norm_days": data["norm_days"],
                    "norm_hours": float(D(data["norm_hours"]))}
    write_snap(book, TIMESHEET, {"period": period, "branch": branch, "dates": dates, "fields": shown_fields}, snap)


def _shown_typed(sheet: Any, grid: Grid, written: dict[str, Any]) -> dict[str, Any]:
    """The Timesheet's and Units' top cells (period and branch shown, the month's norms) typed over since the
    last pull: they only show what Sync wrote (the period is chosen on the Payroll sheet)."""
    typed = {}
    for f in grid.fields:
        if f.key in written:
            now = _field(sheet, grid, f.key).value
            if text(now) not in (None, text(written[f.key])):
                typed[f.key] = now
    return typed


def _keep_shown_typed(ctx: Context, sheets: dict[str, Any], typed: dict[str, dict[str, Any]]) -> None:
    said = []
    for grid in (TIMESHEET, UNITS):
        for key, value in typed[grid.name].items():
            _field(sheets[grid.name], grid, key).value = safe_cell(value)
            said.append(f"{grid.sheet_name(ctx.lang)} — {grid.field(key).label(ctx.lang)} «{text(value)}»")
    if said:
        ctx.summary.messages.append(_say("shown_typed", ctx.lang, cells="; ".join(said)))
        ctx.summary.refused += 1


def _status(sheet: Timesheet, grid: Grid, employee_id: int, language: str) -> Optional[str]:
    reasons = sheet.status.get((grid.name, employee_id))
    fixed = sheet.fixed.get((grid.name, employee_id))
    said = []
    if reasons:
        held = _say("held", language)
        said.append(held if reasons == [held] else _say("refused", language, reasons="; ".join(reasons)))
    if fixed:
        labels = [c.label(language) for i in fixed for c in (*grid.left, *grid.right)
                  if grid.column(c.key) - 1 == i]
        said.append(_say("computed", language, fields=", ".join(labels)))
    return " ".join(said) or None


def _day_header(sheet: Any, grid: Grid, calendar: list[dict[str, Any]], language: str) -> None:
    """Day numbers in the header, weekday (or holiday) marks above them, days off shaded."""
    at = LANGUAGES.index(language)
    first = grid.first_day_column
    numbers: list[Any] = []
    marks: list[Any] = []
    for d in calendar:
        day = dt.date.fromisoformat(d["date"])
        numbers.append(str(day.day))
        mark = WEEKDAYS[at][day.weekday()]
        marks.append(f"{mark} H" if d["kind"] == "holiday" else f"{mark}*" if d["kind"] == "short" else mark)
    blank = [None] * (grid.days - len(calendar))
    sheet.range((PAYROLL_HEADER_ROW - 1, first)).value = [marks + blank]
    sheet.range((PAYROLL_HEADER_ROW, first)).value = [numbers + blank]
    for j, d in enumerate(calendar):
        sheet.range((PAYROLL_HEADER_ROW, first + j)).color = DAY_COLORS.get(d["kind"], DAY_COLORS["working"])
    if blank:
        sheet.range((PAYROLL_HEADER_ROW, first + len(calendar)),
                    (PAYROLL_HEADER_ROW, first + grid.days - 1)).color = DAY_COLORS["weekend"]


@dataclass
class RunTyped:
    """The Payroll sheet's cells typed over since the last pull (it is computed: nothing there is sent)."""
    fields: dict[str, Any] = field(default_factory=dict)                     # field key → typed
    cells: dict[tuple[Optional[str], str], Any] = field(default_factory=dict)  # (employee id, column label) → typed
    names: dict[Optional[str], str] = field(default_factory=dict)            # employee id → name, to say where


def _run_typed(sheet: Any, meta: dict[str, Any], rows: list[Any]) -> RunTyped:
    """Compare the run's figures and table with what the last Sync wrote (an emptied cell is not an edit)."""
    typed = RunTyped()
    for key, before in (meta.get("fields") or {}).items():
        now = _field(sheet, PAYROLL_RUN, key).value
        if text(now) not in (None, text(before)):
            typed.fields[key] = now
    header = meta.get("header") or []
    if not header or not rows:
        return typed
    bottom = sheet.used_range.last_cell.row
    if bottom < PAYROLL_FIRST_ROW:
        return typed
    pulled = {text(r[0]): r for r in rows}
    grid = sheet.range((PAYROLL_FIRST_ROW, 1), (bottom, len(header))).options(ndim=2).value
    for i, cells in enumerate(grid):
        # By the employee's ID; a row whose ID was typed over, by its place (Sync wrote the rows in order).
        before = pulled.get(text(cells[0])) or (rows[i] if i < len(rows) else None)
        if before is None:
            continue
        emp = text(before[0])
        typed.names[emp] = str(before[2])
        for label, now, then in zip(header, cells, before):
            if text(now) not in (None, text(then)):
                typed.cells[(emp, label)] = now
    return typed


def _keep_run_typed(ctx: Context, sheet: Any, typed: RunTyped, header: list[str], body: list[list[Any]]) -> None:
    """Put the typed cells back over the fresh run where they still have a place, and say so once."""
    said = []
    for key, value in typed.fields.items():
        _field(sheet, PAYROLL_RUN, key).value = safe_cell(value)
        said.append(f"{PAYROLL_RUN.field(key).label(ctx.lang)} «{text(value)}»")
    at = {text(row[0]): i for i, row in enumerate(body)}
    for (emp, label), value in typed.cells.items():
        if emp in at and label in header:
            sheet.range((PAYROLL_FIRST_ROW + at[emp], header.index(label) + 1)).value = safe_cell(value)
            said.append(f"{typed.names.get(emp, emp)} — {label} «{text(value)}»")
    if said:
        ctx.summary.messages.append(_say("run_typed", ctx.lang, cells="; ".join(said)))
        ctx.summary.refused += 1


def _pull_run(ctx: Context, book: Any, sheet: Any, payslips_sheet: Any, chosen: tuple[str, str],
              typed: Optional[RunTyped] = None) -> None:
    """The regular run of the period (a column per pay line) and every payslip of the period's runs; cells
    typed over the last pull stay as typed."""
    period, branch = chosen
    runs = ctx.conn.get("/api/v1/payroll-runs", params={"period": period, "branch_id": ctx.branches[branch]})["items"]
    runs.sort(key=lambda r: (r["kind"] != "regular", r["id"]))
    views = [ctx.conn.get(f"/api/v1/payroll-runs/{r['id']}") for r in runs]
    run = views[0] if views and views[0]["kind"] == "regular" else None
    lang = ctx.lang
    values: dict[str, Any] = {"run": None, "run_status": _say("no_run", lang), "employees": None, "currency": None,
                              "gross": None, "deductions": None, "net": None, "contributions": None}
    header: list[str] = [c.label(lang) for c in PAYROLL_RUN.left]
    body: list[list[Any]] = []
    if run is not None:
        values = {"run": run["number"], "run_status": _word(RUN_STATES, run["status"], lang),
                  "employees": run["employees"], "currency": run["currency"],
                  **{k: float(D(run[k])) for k in ("gross", "deductions", "net", "contributions")}}
        columns = _pay_columns(run["columns"], lang)
        header += [label for _key, label in columns]
        for slip in run["payslips"]:
            amounts = _amounts(slip, run["columns"])
            body.append([slip["employee_id"], slip["number"], slip["full_name"], slip["worked_days"],
                         float(D(slip["worked_hours"])), *[float(amounts.get(key, ZERO)) for key, _label in columns]])
    for key, value in values.items():
        _field(sheet, PAYROLL_RUN, key).value = value
    used = max(sheet.used_range.last_cell.column, len(header))
    head = sheet.range((PAYROLL_HEADER_ROW, 1), (PAYROLL_HEADER_ROW, used))
    head.clear_contents()
    head.value = [safe_cell(h) for h in header] + [None] * (used - len(header))
    pay = len(PAYROLL_RUN.left) + 1
    if len(header) >= pay:     # the pay-line headers look like the fixed ones
        cells = sheet.range((PAYROLL_HEADER_ROW, pay), (PAYROLL_HEADER_ROW, len(header)))
        cells.color = DAY_COLORS["working"]
        cells.font.bold = True
    if used > max(len(header), pay - 1):
        sheet.range((PAYROLL_HEADER_ROW, max(len(header), pay - 1) + 1), (PAYROLL_HEADER_ROW, used)).color = None
    write_grid(sheet, PAYROLL_RUN, body, len(header))
    write_snap(book, PAYROLL_RUN, {"period": period, "branch": branch, "id": run["id"] if run else None,
                                   "version": run["version"] if run else None, "header": header,
                                   "fields": values}, body)
    if typed is not None:
        _keep_run_typed(ctx, sheet, typed, header, body)
    _payslips(ctx, book, payslips_sheet, views)


def _pay_columns(columns: list[dict[str, str]], language: str) -> list[tuple[tuple[str, str], str]]:
    """The run's pay lines by kind, each kind followed by its total: earnings, gross, deductions, their
    total, net, contributions, their total."""
    out: list[tuple[tuple[str, str], str]] = []
    for kind, total in (("earning", "gross"), ("deduction", "deductions"), ("contribution", "contributions")):
        for c in columns:
            if c["kind"] == kind:
                out.append(((kind, c["code"]), _word(PAY_LINE_LABELS, c["code"], language)
                            if c["code"] in PAY_LINE_LABELS else c["name"]))
        out.append((("total", total), _word(PAY_LINE_LABELS, total, language)))
        if kind == "deduction":
            out.append((("total", "net"), _word(PAY_LINE_LABELS, "net", language)))
    return out


def _amounts(slip: dict[str, Any], columns: list[dict[str, str]]) -> dict[tuple[str, str], Decimal]:
    """A payslip's amounts by column: lines of a column added up (a rate change makes two salary lines)."""
    known = {(c["kind"], c["code"]) for c in columns}
    out: dict[tuple[str, str], Decimal] = {("total", k): D(slip[k]) for k in ("gross", "deductions", "net",
                                                                              "contributions")}
    for ln in slip["lines"]:
        # Fixed bonuses and deductions are columns by their name, the run's other lines by their code.
        key = (ln["kind"], ln["code"]) if (ln["kind"], ln["code"]) in known else (ln["kind"], ln["name"])
        out[key] = out.get(key, ZERO) + D(ln["amount"])
    return out


def _payslips(ctx: Context, book: Any, sheet: Any, views: list[dict[str, Any]]) -> None:
    """Every payslip of the period's runs (read-only: a cell typed over is kept and said)."""
    typed = typed_on_read_only(book, sheet, PAYSLIPS, PAYSLIP_KEY)
    lang = ctx.lang
    at = LANGUAGES.index(lang)
    rows = []
    for run in views:
        paid = run["status"] == "paid"
        paid_on = dt.datetime.fromisoformat(run["paid_at"].replace("Z", "+00:00")).date() if run["paid_at"] else None
        for slip in run["payslips"]:
            rows.append([slip["employee_id"], slip["number"], slip["full_name"], run["number"],
                         _word(RUN_KINDS, run["kind"], lang), _word(RUN_STATES, run["status"], lang),
                         float(D(slip["gross"])), float(D(slip["deductions"])), float(D(slip["net"])),
                         YES_NO[0 if paid else 1][at], paid_on])
    write_read_only(book, sheet, PAYSLIPS, [dict(zip(PAYSLIPS.keys, r)) for r in rows], PAYSLIP_KEY, typed,
                    lang, ctx.summary)


def _pull_employees(ctx: Context, book: Any, sheet: Any) -> None:
    """Every employee of the company, dismissed ones too (the sheet is a read-only copy: a cell typed over is
    kept and said)."""
    typed = typed_on_read_only(book, sheet, EMPLOYEES, ("id",))
    lang = ctx.lang
    items: list[dict[str, Any]] = []
    while True:
        page = ctx.conn.get("/api/v1/employees", params={"status": "all", "limit": 500, "offset": len(items)})
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            break
    names: dict[str, dict[int, str]] = {}
    for path in ("departments", "positions"):
        try:
            found = ctx.conn.get(f"/api/v1/{path}", params={"include_archived": "true"})["items"]
        except ClientBaseError as exc:
            if exc.status != 403:    # a role that may not list them sees ids
                raise
            found = []
        names[path] = {d["id"]: (d.get("names") or {}).get(lang) or d["name"] for d in found}
    codes = {v: k for k, v in ctx.branches.items()}
    rows = []
    for e in items:
        rows.append([e["id"], e["number"], e["full_name"], codes.get(e["branch_id"], e["branch_id"]),
                     names["departments"].get(e["department_id"], e["department_id"]),
                     names["positions"].get(e["position_id"], e["position_id"]),
                     *[float(D(e[k])) for k in ("salary", "hourly_rate", "piece_rate", "commission_percent",
                                                "hours_per_day")],
                     dt.date.fromisoformat(e["hired_on"]),
                     dt.date.fromisoformat(e["dismissed_on"]) if e["dismissed_on"] else None,
                     _word(EMPLOYEE_STATES, e["status"], lang)])
    write_read_only(book, sheet, EMPLOYEES, [dict(zip(EMPLOYEES.keys, r)) for r in rows], ("id",), typed, lang,
                    ctx.summary)
    ctx.summary.pulled = len(items)
