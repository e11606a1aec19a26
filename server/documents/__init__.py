"""Documents: contracts, invoices and the rest, rendered from Word templates and registered."""
