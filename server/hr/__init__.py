"""HR records: positions, employees, employment history, staff requests."""
