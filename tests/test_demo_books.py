"""The demo's year of books: posted through the services, balanced, partly open, a closed period."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from server.demo import load_demo
from server.finance.models import Payment
from server.ledger.models import Account, JournalLine, PeriodLock
from server.sales.models import Invoice, Order


def test_the_demo_books_are_posted_balanced_and_leave_work_for_the_reports(app: Any, db: Any) -> None:
    with db.write_session() as s, s.begin():
        token = load_demo(s, clients=120, invoices=36)
    with db.read_session() as s:
        kinds = dict(s.execute(select(Invoice.kind, func.count()).where(Invoice.status != "draft")
                               .group_by(Invoice.kind)).all())
        assert kinds["sale_invoice"] == 36 and kinds["bill"] >= 40
        assert s.scalar(select(func.count()).select_from(Order).where(Order.status.in_(("invoiced", "paid")))) == 6
        assert set(s.scalars(select(Invoice.currency).distinct())) >= {"USD", "RUB"}
        assert s.scalar(select(func.count()).select_from(Payment)) > 40
        assert s.scalar(select(func.count()).select_from(Invoice).where(Invoice.open_amount > 0)) > 0
        debit, credit = s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))).one()
        assert debit == credit and debit > Decimal("1000")
        receivable = s.execute(select(func.sum(JournalLine.debit) - func.sum(JournalLine.credit))
                               .join(Account, Account.id == JournalLine.account_id)
                               .where(Account.role == "receivable")).scalar()
        assert receivable == s.scalar(select(func.sum(Invoice.open_base)).where(Invoice.kind == "sale_invoice"))
        assert s.scalar(select(PeriodLock.lock_date)).isoformat() == "2026-10-31"
    headers = {"Authorization": f"Bearer {token}"}
    aging = app.test_client().get("/api/v1/reports/aging?as_of=2026-11-27", headers=headers)
    assert aging.status_code == 200, aging.json
    assert Decimal(aging.json["totals"]["total"]) == receivable
    gaps = app.test_client().get("/api/v1/documents/gaps", headers=headers).json
    assert 0 < gaps["missing"] < 6 + 36                      # 6 contracts and 36 invoices, some fully signed
    assert {i["kind"] for i in gaps["items"]} <= {"sales_contract", "invoice"}
    assert sum(g["missing"] for g in gaps["by_manager"]) == gaps["missing"]
