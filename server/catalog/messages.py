"""Messages of the catalog package (English; translations in server/i18n/catalog.<lang>.po)."""

MESSAGES: dict[str, str] = {
}
