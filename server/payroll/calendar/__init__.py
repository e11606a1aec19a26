"""The production calendar: a country's working days and holidays, the company's overrides, payroll settings."""
