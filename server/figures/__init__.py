"""Figures for spreadsheet formulas: a whole column of clients or prices answered in one request."""
