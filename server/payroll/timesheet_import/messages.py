"""Messages of the timesheet file import (English; translations in server/i18n/payroll-timesheet.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "timesheet_import_has_errors": "The timesheet file was not imported ({count} problems); nothing was saved.",
    "timesheet_import_no_header": "No timesheet was recognised in the first {rows} rows of {sheets}: its header needs an employee column (Number or Name) and day columns 1–31, or a Date column.",
    "timesheet_import_no_days": "The file has no days to import: a blank cell leaves the timesheet as it is.",
    "timesheet_import_too_many_days": "The file has {count} days; at most {max} are imported at once.",
    "timesheet_import_bad_day": "«{value}» is not a day: write hours (8), hours+overtime (8+2), a code (V S B U A H), or - to clear the day.",
    "timesheet_import_w_hours": "W needs the hours worked: write 8 (or W8).",
    "timesheet_import_bad_code": "«{value}» is not a day code: write W, V, S, B, U, A or H, or - to clear the day.",
    "timesheet_import_bad_number": "«{value}» is not a number.",
    "timesheet_import_no_date": "The row has no date.",
    "timesheet_import_bad_date": "«{value}» is not a date: write YYYY-MM-DD or DD.MM.YYYY.",
    "timesheet_import_outside_period": "The date {date} is outside {period}.",
    "timesheet_import_no_such_day": "{period} has no day {day}.",
    "timesheet_import_day_twice": "Day {day} already has a column: {column}.",
    "timesheet_import_unknown_number": "No employee with number {number} is on the timesheet of {period}.",
    "timesheet_import_unknown_name": "No employee named {name} is on the timesheet of {period}.",
    "timesheet_import_ambiguous_name": "{count} employees are named {name}: write their numbers.",
    "timesheet_import_no_employee": "The row has days but no employee number or name.",
    "timesheet_import_employee_twice": "This employee's days are on row {row} already.",
    "timesheet_import_clear_alone": "A day being cleared takes no hours, overtime or units.",
    "timesheet_import_no_values": "The header has a Date column but none of Code, Hours, Overtime or Units.",
}
