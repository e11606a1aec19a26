"""Pieces every business package uses: money, dates, errors, i18n, the API route helper."""
