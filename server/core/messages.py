"""Every user-facing message, in English, keyed by its stable code.

The English text is the gettext msgid; translations live in server/i18n/<lang>.po.
Placeholders are `{name}` (python-brace-format) and must match in every language.
Each package keeps its own messages in `<package>/messages.py` and its translations in
`server/i18n/<package>.<lang>.po`; the registry (server/packages.py) merges them here with `extend`
when it loads the packages, so packages grow without editing one shared file.
"""

MESSAGES: dict[str, str] = {
    # problem titles
    "bad_request": "The request could not be understood.",
    "validation_failed": "Some fields are not valid.",
    "not_found": "{entity} {id} was not found.",
    "route_not_found": "There is no such address in the API.",
    "method_not_allowed": "This address does not accept {method}.",
    "conflict": "The record was changed by someone else.",
    "duplicate": "A record with the same values already exists.",
    "stale_version": "The record was changed by someone else since you read it (your version {given}, current {current}).",
    "unauthorized": "A valid API token is required.",
    "token_invalid": "The API token is not valid, expired or revoked.",
    "forbidden": "Your role does not allow this.",
    "role_forbidden": "Your role ({role}) does not allow this; allowed: {allowed}.",
    "out_of_branch_scope": "This record belongs to a branch outside your scope.",
    "payload_too_large": "The request is larger than {limit} bytes.",
    "malformed_json": "The body is not valid JSON: {reason}.",
    "json_object_expected": "The body must be a JSON object.",
    "unsupported_media_type": "The body must be sent as application/json.",
    "idempotency_key_reused": "This Idempotency-Key was already used for a different request.",
    "idempotency_in_progress": "A request with this Idempotency-Key is still being processed.",
    "internal_error": "Something went wrong on the server; the change was not saved.",
    "busy": "The database is busy; nothing was saved. Try again in a moment.",
    "archived": "{entity} {id} is archived.",
    "batch_too_large": "A batch takes at most {max} rows; this one has {count}.",
    # field errors
    "required": "This field is required.",
    "unknown_field": "This field is not known.",
    "wrong_type": "Expected {expected}.",
    "too_long": "At most {max} characters.",
    "too_short": "At least {min} characters.",
    "too_many": "At most {max} items.",
    "too_small": "Must be at least {min}.",
    "too_large": "Must be at most {max}.",
    "invalid_choice": "Must be one of: {choices}.",
    "invalid_value": "This value is not valid.",
    "invalid_date": "Not a valid date (use YYYY-MM-DD).",
    "invalid_datetime": "Not a valid date and time (use ISO 8601).",
    "invalid_phone": "Not a valid phone number for {country}.",
    "invalid_email": "Not a valid email address: {reason}.",
    "invalid_tax_id": "Not a valid tax id for {country}: {reason}.",
    # why (the `reason_code` of the two above): email-validator's English reasons and python-stdnum's
    # exceptions mapped to these codes in parties/normalize.py, so the reason is in the user's language
    "email_no_at": "it has no @ sign",
    "email_wrong_at": "its @ is not the usual @ sign (a full-width or similar character)",
    "email_nothing_before_at": "nothing comes before the @ sign",
    "email_nothing_after_at": "nothing comes after the @ sign",
    "email_too_long": "it is too long",
    "email_no_dot_in_domain": "the part after the @ sign has no dot (like example.com)",
    "email_bad_domain": "the part after the @ sign is not a valid domain",
    "email_reserved_domain": "the part after the @ sign is a reserved name that receives no mail",
    "email_bad_dots": "a dot or a hyphen is misplaced (at the start, at the end, or two in a row)",
    "email_extra_text": "the cell holds more than an address (a name, brackets or text around it)",
    "email_bad_characters": "it contains characters an e-mail address cannot have",
    "email_invalid": "it is not an e-mail address",
    "tax_id_length": "it has the wrong number of characters",
    "tax_id_checksum": "its check digit is wrong",
    "tax_id_format": "it is not written the way that country writes tax ids",
    "tax_id_component": "a part of it (a region or a date) does not exist",
    "invalid_country": "Not a known country code (use two letters, e.g. KH, RU, US).",
    "invalid_currency": "Not a known currency code.",
    "invalid_language": "Must be one of: en, km, ru.",
    "control_characters": "Contains control characters.",
    "duplicate_in_request": "The same value appears more than once in this request.",
    "already_exists": "A record with this value already exists.",
    "unknown_reference": "{entity} {value} does not exist.",
    "unknown_filter_field": "Cannot filter by {name}; filter by one of: {allowed}.",
    "unknown_sort_field": "Cannot sort by {name}; sort by one of: {allowed}.",
    "unknown_group_field": "Cannot group by {name}.",
    "invalid_operator": "Operator {op} does not apply to {name}; use one of: {allowed}.",
    "invalid_filter": "Write filters as field:operator:value.",
    "invalid_cursor": "The page cursor is not valid for this query.",
    "cycle": "A department cannot be placed under itself.",
    "branch_other_company": "The branch belongs to another company.",
    "extra_field_unknown": "No extra field {key} is defined for this company.",
    "extra_field_type": "Extra field {key} expects {expected}.",
    "version_required": "The record's version is required for changes.",
    "nothing_to_change": "Nothing to change.",
    "has_children": "Cannot archive: it still has active {children}.",
    "last_owner": "The company must keep at least one active owner.",
    "invalid_decimal": "Write the number as a decimal string, e.g. \"12.30\".",
    "must_be_positive": "Must be greater than zero.",
    "must_not_be_negative": "Must not be negative.",
    "invalid_percent": "Must be between 0 and 100.",
    "too_many_decimals": "{currency} amounts have at most {places} decimal places.",
    "invalid_state": "{entity} {id} is {status}: {action} is not allowed; the moves allowed from {status}: {allowed}.",
    "period_locked": "The period up to {lock_date} is closed; nothing dated {date} can be created, changed or cancelled.",
    "missing_rate": "There is no {currency} exchange rate on or before {date}.",
}


def extend(package: str, theirs: dict[str, str]) -> None:
    """Add a package's messages; a code defined twice is a mistake found at start-up. Adding again is a no-op."""
    clash = {code for code in set(theirs) & set(MESSAGES) if MESSAGES[code] != theirs[code]}
    if clash:
        raise RuntimeError(f"{package}: message codes defined twice: {sorted(clash)}")
    MESSAGES.update(theirs)
