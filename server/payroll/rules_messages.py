"""Messages of the payroll rules (English; translations in server/i18n/payroll-rules.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
