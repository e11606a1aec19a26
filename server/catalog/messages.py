"""Messages of the catalog package, rates included (English; translations in server/i18n/catalog.<lang>.po)."""

MESSAGES: dict[str, str] = {
    # pricing
    "no_price": "There is no {currency} price for {sku} at quantity {qty} on {date}.",
    # products and categories
    "barcode_check_digit": "The barcode's check digit is wrong (it should be {expected}).",
    "barcode_length": "An EAN or UPC barcode has 8, 12 or 13 digits.",
    "barcode_digits": "An EAN or UPC barcode has digits only.",
    "barcode_characters": "A Code 128 barcode takes printable ASCII characters only (at most {max}).",
    "too_many_places": "At most {places} decimal places.",
    "category_cycle": "A category cannot be placed under itself or one of its subcategories.",
    # price lists
    "rule_target": "A rule is for a product or for a category: give exactly one of them.",
    "rule_price_or_discount": "A rule gives a price or a discount percent: give exactly one of them.",
    "date_range": "The end date {valid_to} is before the start date {valid_from}.",
    # exchange rates
    "base_currency_rate": "{currency} is the base currency; it has no exchange rate.",
    "rate_too_large": "The rate must be less than {max}.",
    "csv_empty": "The CSV file has no rows.",
    "csv_missing_columns": "The CSV file lacks the columns: {columns}.",
    "csv_too_many_rows": "A CSV import takes at most {max} rows.",
    "csv_duplicate_row": "The same currency and date already appear on line {line}.",
}
