"""The operations log (every change, append-only) and idempotency records."""
