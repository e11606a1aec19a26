"""Messages of the HR package (English; translations in server/i18n/hr.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
