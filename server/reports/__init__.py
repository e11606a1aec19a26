"""Reports read the ledger and the books: balances, statements, aging, calendars."""
