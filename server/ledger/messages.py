"""Messages of the ledger package (English; translations in server/i18n/ledger.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "unbalanced_entry": "The entry does not balance: debits {debit}, credits {credit}.",
    "empty_entry": "An entry needs at least one line with an amount.",
    "already_reversed": "Entry {id} has already been reversed.",
}
