"""Messages of the sales package (English; translations in server/i18n/sales.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
