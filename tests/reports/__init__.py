"""The financial reports and their API."""
