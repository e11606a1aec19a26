"""Gap-free number series: the next number is taken inside the posting transaction, under a row lock."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..org.models import Branch
from .models import NumberSeries

# The letters before a number, per document kind: INV-PP-2026-000001.
PREFIXES = {
    "sale_invoice": "INV", "sale_credit": "CN", "bill": "BILL", "bill_credit": "BCN",
    "order": "SO", "receipt": "RCT", "payment": "PAY", "transfer": "TRF",
}


def next_number(session: Session, company_id: int, branch_id: int, kind: str, year: int,
                letters: str | None = None) -> tuple[str, int, int]:
    """(number text, sequence, series id) for the next document of a series.

    The series row is created if missing (INSERT … ON CONFLICT DO NOTHING, so two first postings
    do not collide) and then locked: PostgreSQL holds the row lock until this transaction ends,
    SQLite's writer already holds the database lock (BEGIN IMMEDIATE). A rollback undoes the
    increment, so numbers are gap-free whatever fails after this call.
    """
    return next_numbers(session, company_id, branch_id, kind, year, 1, letters)[0]


def next_numbers(session: Session, company_id: int, branch_id: int, kind: str, year: int,
                 count: int, letters: str | None = None) -> list[tuple[str, int, int]]:
    """The next `count` numbers of a series in one locked increment (batch posting); see next_number.

    `letters` names the series of a kind this module does not know (the documents' own series).
    """
    branch_code = session.scalar(select(Branch.code).where(Branch.id == branch_id)) or str(branch_id)
    prefix = f"{letters or PREFIXES.get(kind, kind.upper())}-{branch_code}-{year}-"
    dialect = session.get_bind().dialect.name
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(NumberSeries).values(
        company_id=company_id, branch_id=branch_id, kind=kind, year=year, prefix=prefix, next_number=1
    ).on_conflict_do_nothing(index_elements=["company_id", "branch_id", "kind", "year"])
    session.execute(ins)
    series_id, series_prefix, after = session.execute(
        update(NumberSeries)
        .where(NumberSeries.company_id == company_id, NumberSeries.branch_id == branch_id,
               NumberSeries.kind == kind, NumberSeries.year == year)
        .values(next_number=NumberSeries.next_number + count)
        .returning(NumberSeries.id, NumberSeries.prefix, NumberSeries.next_number)
    ).one()
    first = after - count
    return [(f"{series_prefix}{n:06d}", n, series_id) for n in range(first, after)]
