"""Timesheet file import: a time clock's export or a spreadsheet into the timesheet of a month."""
