"""The reports' scenario: a small set of books every test of tests/reports/ reads, the clock frozen at 2026-03-31."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.factories import LedgerBooks

D_ = dt.date


@pytest.fixture
def books(db: Any, world: Any, frozen: None) -> LedgerBooks:
    """The scenario every test here reads (the expected figures are worked out in the tests' comments)."""
    b = LedgerBooks(db, world)
    for name, phone, email in (("Bopha Market", "+85512345678", "bopha@example.kh"),
                               ("Chenda Hotel", "+85563777888", None), ("Dara Shop", None, "dara@example.kh")):
        b.client(name, phone, email)
    b.client("Mekong Supply", kind="supplier")
    for code, name, ru in (("FIN", "Financing", "Финансирование"), ("SALES", "Sales receipts", "Поступления от продаж"),
                           ("RENT", "Rent", "Аренда")):
        b.cashflow_category(code, name, ru)
    b.product("RICE-25", "Food")
    b.product("TOWEL", "Linen")
    b.ids["C"] = b.invoice("Chenda Hotel", date=D_(2025, 12, 1), due=D_(2025, 12, 31), lines=[("RICE-25", "240.00")],
                           branch="SR", manager=None)
    b.entry(D_(2026, 1, 2), "bank", "capital", "10000.00", "FIN")
    b.ids["A"] = b.invoice("Bopha Market", date=D_(2026, 1, 10), due=D_(2026, 2, 9), lines=[("RICE-25", "1000.00")],
                           tax="100.00")
    b.pay(b.ids["C"], date=D_(2026, 1, 15), amount="100.00", cash="cash")
    b.ids["F"] = b.invoice("Mekong Supply", kind="bill", date=D_(2026, 2, 1), due=D_(2026, 3, 3),
                           lines=[(None, "300.00")], tax="30.00", manager=None)
    b.ids["D"] = b.invoice("Chenda Hotel", kind="sale_credit", date=D_(2026, 2, 15), due=D_(2026, 2, 15),
                           lines=[("RICE-25", "40.00")], branch="SR", manager=None)
    b.pay(b.ids["A"], date=D_(2026, 2, 20), amount="600.00", category="SALES")
    # 410,000 riel at 0.00025 USD per riel: 102.50 USD.
    b.ids["B"] = b.invoice("Bopha Market", date=D_(2026, 3, 1), due=D_(2026, 3, 31), lines=[("TOWEL", "410000")],
                           currency="KHR", rate="0.00025")
    b.entry(D_(2026, 3, 5), "expenses", "bank", "200.00", "RENT")
    b.ids["E"] = b.invoice("Dara Shop", date=D_(2026, 3, 20), due=D_(2026, 4, 19),
                           lines=[("RICE-25", "300.00"), (None, "200.00")])
    return b
