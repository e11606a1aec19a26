"""The operations log."""
