"""Messages of the reports package (English; translations in server/i18n/reports.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
