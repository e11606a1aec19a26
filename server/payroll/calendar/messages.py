"""Messages of the payroll calendar (English; translations in server/i18n/payroll-calendar.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "unknown_country": "There is no holiday calendar for the country {country}.",
    "calendar_year_unsupported": "The holiday calendar of {country} does not cover the year {year}.",
    "hours_on_day_off": "A holiday or a weekend day has no working hours; leave hours out or write 0.",
    "not_for_default": "Returning a day to the default calendar takes only its date and kind.",
}
