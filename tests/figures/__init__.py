"""The figures API."""
