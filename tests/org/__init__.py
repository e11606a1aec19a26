"""The company, branches, users and tokens."""
