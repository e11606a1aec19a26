"""Messages of the ledger package (English; translations in server/i18n/ledger.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "unbalanced_entry": "The entry does not balance: debits {debit}, credits {credit}.",
    "empty_entry": "An entry needs at least one line with an amount.",
    "already_reversed": "Entry {id} has already been reversed.",
    "system_account": "This account is used by the books; its type cannot change and it cannot be archived.",
    "account_in_use": "The account already has postings; its type cannot change.",
    "account_cycle": "An account cannot be placed under itself.",
    "one_side_only": "A line has either a debit or a credit, not both and not neither.",
    "reverse_via_document": "This entry belongs to {source_type} {id}; cancel that document instead.",
    "before_original": "A reversal cannot be dated before the original entry ({date}).",
    "reopen_owner_only": "Only an owner can reopen a closed period.",
}
