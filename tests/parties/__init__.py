"""Clients, suppliers and contacts: the client base, its list, batch and bad input."""
