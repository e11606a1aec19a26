"""Payroll: production calendar, tax rules, pay items, timesheets, payroll runs and payslips."""
