"""Money moving: cash desks and bank accounts, exchange rates, receipts, payments, transfers, allocations."""
