"""Orders, invoices, bills and the sales books."""
