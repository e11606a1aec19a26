"""Posted invoices and payments refuse edits in the ORM itself; only settlement fields move."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from server.core.posted import PostedRecordChanged
from server.sales.models import Invoice


def _invoice(s: Any, world: Any, client_id: int, status: str) -> Invoice:
    inv = Invoice(company_id=world.company_id, branch_id=world.branches["PP"], kind="sale_invoice", status=status,
                  date=dt.date(2026, 5, 1), due_date=dt.date(2026, 5, 31), counterparty_id=client_id,
                  currency="USD", total=Decimal("110.00"), open_amount=Decimal("110.00"))
    s.add(inv)
    s.flush()
    return inv


def test_a_posted_invoice_changes_only_its_settlement_fields(api: Any, db: Any, world: Any) -> None:
    client = api.post("/api/v1/clients", {"name": "Guarded Client"}).json["id"]
    with db.write_session() as s, s.begin():
        draft = _invoice(s, world, client, "draft")
        draft.total = Decimal("120.00")  # drafts change freely
        draft.status = "posted"
        s.flush()
        draft.open_amount = Decimal("10.00")
        draft.status = "paid"
        s.flush()
        posted_id = draft.id
    for field, value in (("total", Decimal("1.00")), ("date", dt.date(2026, 1, 1)), ("counterparty_id", None)):
        with db.write_session() as s, s.begin():
            inv = s.get(Invoice, posted_id)
            setattr(inv, field, value)
            with pytest.raises(PostedRecordChanged, match=field):
                s.flush()
            s.rollback()
    with db.write_session() as s, s.begin():
        s.delete(s.get(Invoice, posted_id))
        with pytest.raises(PostedRecordChanged, match="cannot be deleted"):
            s.flush()
        s.rollback()
    with db.read_session() as s:
        inv = s.get(Invoice, posted_id)
        assert (inv.total, inv.open_amount, inv.status) == (Decimal("120.00"), Decimal("10.00"), "paid")
