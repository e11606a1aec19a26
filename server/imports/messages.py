"""Messages of the imports package (English; translations in server/i18n/imports.<lang>.po)."""
from __future__ import annotations

from typing import Any

from ..core.i18n import translate
from ..core.messages import MESSAGES as EVERY_MESSAGE  # every package's, merged at start-up

MESSAGES: dict[str, str] = {
    # the file
    "file_empty": "The file is empty.",
    "file_too_large": "The file is larger than {limit_mb} MB; split it or raise the limit.",
    "file_type_unknown": "{name} is not a spreadsheet this import reads (.xlsx, .xlsm, .xls, .ods, .csv).",
    "file_encrypted": "The file is protected by a password; save it without one and import again.",
    "file_corrupt": "The file is damaged and cannot be read: {reason}.",
    "file_bomb": "The file is refused: {reason}.",
    "file_xml_forbidden": "The file is refused: its part {part} declares a DTD or entities, which spreadsheets never need.",
    "file_encoding": "The text file's encoding could not be recognised; save it as UTF-8.",
    "too_many_rows": "A sheet may have at most {max} rows; this one has {count}.",
    "sheet_not_found": "There is no sheet {sheet}; the file has: {sheets}.",
    # the mapping
    "no_header": "No header row was recognised; a column for one of these is needed: {fields}.",
    "no_identifying_column": "The mapping needs a column for one of: {fields}.",
    "unknown_import_field": "There is no field {field}; the fields are: {fields}.",
    "unknown_column": "The file has no column {column}; its headers are: {headers}.",
    "field_mapped_twice": "Field {field} is mapped from more than one column: {columns}.",
    # the rows
    "not_a_number": "Not a number: {value}.",
    "not_a_date": "Not a date: {value}.",
    "not_a_boolean": "Write yes or no: {value}.",
    "no_such_row": "Row {row} is not one of the file's rows.",
    "row_has_errors": "Row {row} has errors; fix them in the file or skip the row.",
    "import_has_errors": "{count} rows have errors: fix them in the file, skip them, or import the other rows with “skip errors”.",
    "import_base_changed": "The records matched by rows {rows} changed since the dry run; run it again.",
    "import_undo_refused": "The import cannot be undone: {count} of its records were used or changed since.",
    "import_record_in_use": "Record {id} is used in {table} since the import.",
    "import_record_changed": "Record {id} was changed after the import.",
    "client_not_found": "No client {value} was found.",
    "client_ambiguous": "More than one client is called {value}; give the tax id.",
    "balance_side": "Give the amount in one column: what they owe us or what we owe them.",
    "balance_zero": "The balance is zero.",
    "date_needed": "The date of the balances is needed: a Date column or the date option.",
    "unknown_price_list": "There is no price list {value}.",
    # warnings and reasons in the report
    "possible_duplicate": "Looks like {name} (#{id}), similarity {score}; nothing tells them apart, check before importing.",
    "possible_duplicate_in_file": "Looks like row {row} of the file, similarity {score}; nothing tells them apart, check before importing.",
    "also_matches": "Its {by_key} {value} belongs to another record, #{id}.",
    "created_by_decision": "Created although it matches an existing record, as decided.",
    "duplicate_in_file": "Repeats row {row} of the file ({by}).",
    "totals_row": "A totals row.",
    "note_row": "A note, not a record.",
    "decided": "Skipped as decided.",
    # opening balances (balances.py)
    "balance_side_signed": "Write the amount without a sign: the column says who owes whom.",
    "balance_no_branch": "The company has no branch you can post to; the opening balances need one.",
    "opening_balance_line": "Opening balance",
    # products (products.py)
    "category_created": "Category {path} will be created.",
    "price_list_created": "Price list {list} will be created.",
    "price_list_kind": "Price list {value} holds purchase prices; sale prices need a sale list.",
    "price_list_currency": "Price list {list} is in {list_currency}; this price is in {currency}.",
    "barcode_taken": "This barcode belongs to another product, {sku}.",
    # where a message is, and what happened to a value left out
    "cell_place": "Row {row}, column {column} “{header}”",
    "cell_place_letter": "Row {row}, column {column}",
    "row_place": "Row {row}",
    "row_unreadable": "The row could not be read as a client.",
    "left_out": "It was left out; the rest of the row is imported.",
    "name_score": "Names {score} % alike; a name decides from {threshold} %.",
    # cells that cannot be read (errors when strict, else warnings: the value is left out)
    "name_missing": "The name is empty: a client needs a name, so the row cannot be imported.",
    "phone_not_valid": "The phone “{value}” is not a valid number in {countries}; write it with its country code (+855…, +7…).",
    "phone_ambiguous": "The phone “{value}” is a valid number in several countries ({countries}); write it with its country code.",
    "email_not_valid": "The e-mail “{value}” is not valid: {reason}.",
    "tax_id_not_valid": "The tax id “{value}” is not valid in {countries}: {reason}.",
    "country_not_known": "The country “{value}” is not one we know; write its name or its two-letter code (KH, RU, US).",
    "choice_not_known": "“{value}” is not one of: {choices}.",
    "segment_not_known": "There is no segment “{value}”; add it to the segments or correct the cell.",
    "lead_source_not_known": "There is no lead source “{value}”; add it to the lead sources or correct the cell.",
    "yes_no_not_known": "“{value}” is neither yes nor no.",
    "value_too_long": "“{value}” is longer than the {max} characters allowed.",
    "value_not_valid": "“{value}” cannot be used here: {reason}",
    # what two rows or records share (the `by` of a match)
    "match_tax_id": "the same tax id",
    "match_phone": "the same phone",
    "match_email": "the same e-mail",
    "match_name": "the same name, and nothing else to tell them apart",
    "match_contact": "the same contact person",
    # a shared phone or e-mail between clients whose names differ: two clients, not one
    "shares_key_in_file": "Its {by_key} {value} is also on row {row} ({name}), but the names are only {score} % alike (a merge needs {threshold} %): imported as a separate client.",
    "shares_key_with_client": "Its {by_key} {value} belongs to {name} (#{id}), but the names are only {score} % alike (a merge needs {threshold} %): imported as a new client.",
    "key_phone": "phone",
    "key_email": "e-mail",
    "also_in_file": "It also shares {by} with row {row}; it was grouped with row {kept}.",
}

# Parameters that hold a code of this catalogue, put into words before the message is filled in
# (a `reason_code` is put into words by core.i18n.translate itself, for every package).
_NESTED = {"by": ("by", "match_"), "by_key": ("by_key", "key_")}


def words(code: str, language: str, params: dict[str, Any] | None = None) -> str:
    """A message with its coded parameters (a reason, what two rows share) in words of the same language."""
    params = dict(params or {})
    for key, (target, prefix) in _NESTED.items():
        value = params.get(key)
        if isinstance(value, str) and (f"{prefix}{value}" in MESSAGES or f"{prefix}{value}" in EVERY_MESSAGE):
            params[target] = translate(f"{prefix}{value}", language, **params).rstrip(".")
    text = translate(code, language, **params)
    if code == "duplicate_in_file" and params.get("score") is not None and params.get("threshold") is not None:
        text += " " + translate("name_score", language, score=params["score"], threshold=params["threshold"])
    return text


def describe(entry: dict[str, Any], row: int, language: str) -> str:
    """One error or warning of a report row as a sentence: where (row, column letter and header), what,
    and, for a value left out, that the rest of the row is imported."""
    column = entry.get("column")
    if column and entry.get("header"):
        place = translate("cell_place", language, row=row, column=column, header=entry["header"])
    elif column:
        place = translate("cell_place_letter", language, row=row, column=column)
    else:
        place = translate("row_place", language, row=row)
    text = f"{place}: {words(entry['code'], language, entry.get('params'))}"
    if entry.get("left_out"):
        text += " " + translate("left_out", language)
    return text
