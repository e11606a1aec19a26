"""Counterparties: clients and suppliers, their phones, emails, addresses, contacts and tags."""
