"""Messages of the payroll calendar (English; translations in server/i18n/payroll-calendar.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
