"""Importing spreadsheets: clients, contacts, products, opening balances."""
