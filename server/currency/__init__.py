"""Currencies and exchange rates: the rate on a date, conversion, entry and import, their API and shapes."""
