"""Messages of the HR package (English; translations in server/i18n/hr.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "decimal_places_exceeded": "No more than {places} digits after the decimal point.",
    "use_employment_event": "Employment terms change only through an employment event (transfer, rate change, leave, dismissal).",
    "department_other_branch": "Department {id} belongs to another branch.",
    "employee_dismissed": "The employee was dismissed on {date}; only cancelling the dismissal is possible.",
    "before_hire": "Not before the hire date {date}.",
    "before_last_event": "Not before the last employment event ({date}); cancel later events first.",
    "not_for_kind": "Not used for {kind}.",
    "ends_before_start": "The end is before the start ({date}).",
    "already_on_leave": "The employee is on leave until {date}.",
    "not_on_leave": "A return needs a leave to return from.",
    "transfer_needs_change": "A transfer needs a new branch, department or position.",
    "rate_change_needs_change": "A rate change needs a new salary, rate, commission or hours per day.",
    "hire_not_cancellable": "The hire starts the history and cannot be cancelled.",
    "not_latest_event": "Only the latest event can be cancelled (event {id} of {date}).",
    "own_requests_only": "You can file requests only for yourself.",
    "after_dismissal": "Not after the dismissal on {date}.",
    "leave_overlaps": "Overlaps approved leave from {date_from} to {date_to} (request {id}).",
    "request_decision_forbidden": "Your role ({role}) cannot decide a {kind} request.",
    "request_cancel_forbidden": "Only the requester, HR or an owner can cancel this request.",
    "request_currency_mismatch": "The cash account is in {cash_currency}; the request is in {currency}.",
}
