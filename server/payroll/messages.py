"""Messages of the payroll package (English; translations in server/i18n/payroll*.<lang>.po)."""
from .calendar.messages import MESSAGES as _CALENDAR
from .papers.messages import MESSAGES as _PAPERS
from .rules.messages import MESSAGES as _RULES
from .timesheet_import.messages import MESSAGES as _TIMESHEET_IMPORT

MESSAGES: dict[str, str] = {
    "payroll_period_posted": "The payroll of {period} is posted (run {run}); correct it with an adjustment run.",
    "adjusts_posted_regular_run": "Only a posted regular run can be adjusted; {run} is not one.",
    "adjusts_same_period": "An adjustment belongs to the period {period} and branch {branch_id} of the run it corrects.",
    "only_for_adjustments": "Only an adjustment run names the run it corrects.",
    "run_exists": "The payroll of {period} for this branch already exists: run {run}.",
    "negative_net_pay": "{employee} would be paid {net} (earnings {gross}, deductions {deductions}); lower the deductions or move them to a later month.",
    "empty_run": "Run {run} has nothing to post.",
    "currency_mismatch": "This account is in {currency}; the payroll is in {expected}.",
    "paid_before_period": "Pay cannot be dated before the period {period} starts.",
    "nothing_to_pay": "Run {run} has no net pay to pay.",
    "duplicate_day": "{employee} appears twice for {date}.",
    "not_employed": "{employee} is not employed on {date}.",
    "hours_exceed_day": "{hours} hours on {date} is more than the day has (24).",
    "hours_need_work_code": "Hours are entered only on worked days (W) or business trips (B), not on {day_code}.",
    "adjustment_item_once": "An item of an adjustment run is for its one month.",
    "items_only_in_open_adjustments": "Items are added only to an adjustment run that is not yet approved ({run}).",
    # Names of the lines the engine writes.
    "line_salary": "Salary",
    "line_paid_leave": "Paid leave",
    "line_hourly": "Hourly pay",
    "line_overtime": "Overtime",
    "line_piece": "Piece work",
    "line_commission": "Commission",
    "line_advance": "Advance",
    # How each payslip line was computed.
    "explain_salary": "{salary} × {days} worked days / {norm_days} working days of the month ({from} – {to})",
    "explain_paid_leave": "{salary} × {days} days of paid leave / {norm_days} working days ({from} – {to})",
    "explain_hourly": "{rate} × {hours} hours ({from} – {to})",
    "explain_overtime": "{per_hour} an hour × {multiplier} × {hours} overtime hours",
    "explain_piece": "{rate} × {units} units ({from} – {to})",
    "explain_commission": "{percent}% of {base} paid on {invoices} invoices (without VAT)",
    "explain_fixed_earning": "Fixed amount: {name}",
    "explain_fixed_deduction": "Fixed deduction: {name}",
    "explain_advance": "Advance paid on {date} (request {request})",
}

for _part in (_CALENDAR, _RULES, _PAPERS, _TIMESHEET_IMPORT):
    _clash = set(_part) & set(MESSAGES)
    if _clash:
        raise RuntimeError(f"payroll message codes defined twice: {sorted(_clash)}")
    MESSAGES.update(_part)
