"""Messages of the finance package (English; translations in server/i18n/finance.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
