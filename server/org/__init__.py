"""The organisation: companies, branches, departments, warehouses, users and their tokens."""
