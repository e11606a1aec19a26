"""Cash accounts, payments, allocations and exchange rates."""
