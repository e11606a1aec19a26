"""HR records: employees, employment history, staff requests."""
