"""The chart of accounts, entries, statements and the period lock."""
