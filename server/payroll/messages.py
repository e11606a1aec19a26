"""Messages of the payroll package (English; translations in server/i18n/payroll*.<lang>.po)."""
from .calendar_messages import MESSAGES as _CALENDAR
from .rules_messages import MESSAGES as _RULES

MESSAGES: dict[str, str] = {
    "payroll_period_posted": "The payroll of {period} is posted (run {run}); correct it with an adjustment run.",
}

for _part in (_CALENDAR, _RULES):
    _clash = set(_part) & set(MESSAGES)
    if _clash:
        raise RuntimeError(f"payroll message codes defined twice: {sorted(_clash)}")
    MESSAGES.update(_part)
