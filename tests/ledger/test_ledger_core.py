"""post_entry is the only writer of the ledger: it balances, rounds, respects the lock date, reverses."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DatabaseError

from server.core.errors import Conflict
from server.ledger.models import JournalEntry, JournalLine
from server.ledger.service import Line, UnbalancedEntry, close_period, post_entry, reverse_entry
from server.sales.numbering import next_number

D = Decimal
DAY = dt.date(2026, 3, 15)


def _post(s: Any, actor: Any, amount: str = "100.00", date: dt.date = DAY) -> JournalEntry:
    return post_entry(s, actor, date=date, source_type="manual", lines=[
        Line("cash", debit=D(amount)), Line("sales", credit=D(amount)),
    ])


def test_an_entry_balances_and_its_reversal_cancels_it(db: Any, world: Any) -> None:
    actor = world.actor()
    with db.write_session() as s, s.begin():
        entry = _post(s, actor, "123.45")
        rev = reverse_entry(s, actor, entry.id)
    with db.read_session() as s:
        lines = s.scalars(select(JournalLine).order_by(JournalLine.id)).all()
        assert [(l.debit, l.credit) for l in lines] == [
            (D("123.45"), D(0)), (D(0), D("123.45")), (D(0), D("123.45")), (D("123.45"), D(0))]
        assert s.scalar(select(func.sum(JournalLine.debit))) == D("246.90")
        assert s.get(JournalEntry, rev.id).reversal_of_id == entry.id
    with db.write_session() as s, s.begin(), pytest.raises(Conflict, match="already_reversed"):
        reverse_entry(s, actor, entry.id)


def test_unbalanced_and_unrounded_entries_are_refused(db: Any, world: Any) -> None:
    actor = world.actor()
    with db.write_session() as s, s.begin():
        with pytest.raises(UnbalancedEntry):
            post_entry(s, actor, date=DAY, source_type="manual",
                       lines=[Line("cash", debit=D("10.00")), Line("sales", credit=D("9.99"))])
        with pytest.raises(ValueError, match="unrounded"):
            post_entry(s, actor, date=DAY, source_type="manual",
                       lines=[Line("cash", debit=D("10.001")), Line("sales", credit=D("10.001"))])
        s.rollback()


def test_nothing_is_posted_or_reversed_on_or_before_the_lock_date(db: Any, world: Any) -> None:
    actor = world.actor()
    with db.write_session() as s, s.begin():
        entry = _post(s, actor, date=dt.date(2026, 3, 31))
        close_period(s, actor, dt.date(2026, 3, 31), None)
    with db.write_session() as s, s.begin():
        with pytest.raises(Conflict) as exc:
            _post(s, actor, date=dt.date(2026, 3, 31))
        assert exc.value.code == "period_locked" and exc.value.errors[0].field == "date"
        with pytest.raises(Conflict, match="period_locked"):
            reverse_entry(s, actor, entry.id)
        _post(s, actor, date=dt.date(2026, 4, 1))


def test_the_database_refuses_to_change_or_delete_posted_lines(db: Any, world: Any) -> None:
    with db.write_session() as s, s.begin():
        _post(s, world.actor())
    for statement in (update(JournalLine).values(debit=D("1.00")), text("DELETE FROM journal_entries")):
        with pytest.raises(DatabaseError, match="immutable"):
            with db.write_session() as s, s.begin():
                s.execute(statement)


def test_money_is_stored_exactly_on_both_databases(db: Any, world: Any) -> None:
    big = D("12345678901234.56")  # more digits than a float holds
    with db.write_session() as s, s.begin():
        _post(s, world.actor(), str(big))
        _post(s, world.actor(), "0.01")
    with db.read_session() as s:
        assert s.scalar(select(func.sum(JournalLine.debit))) == big + D("0.01")
        assert s.scalar(select(JournalLine.debit).where(JournalLine.debit > D("12345678901234.55"))) == big


def test_number_series_count_per_branch_kind_and_year_and_a_rollback_gives_the_number_back(db: Any, world: Any) -> None:
    pp, sr = world.branches["PP"], world.branches["SR"]
    with db.write_session() as s, s.begin():
        assert next_number(s, world.company_id, pp, "sale_invoice", 2026)[:2] == ("INV-PP-2026-000001", 1)
        assert next_number(s, world.company_id, pp, "sale_invoice", 2026)[1] == 2
        assert next_number(s, world.company_id, sr, "sale_invoice", 2026)[0] == "INV-SR-2026-000001"
        assert next_number(s, world.company_id, pp, "sale_invoice", 2027)[1] == 1
    with db.write_session() as s:
        with s.begin():
            assert next_number(s, world.company_id, pp, "sale_invoice", 2026)[1] == 3
            s.rollback()
    with db.write_session() as s, s.begin():
        assert next_number(s, world.company_id, pp, "sale_invoice", 2026)[1] == 3
