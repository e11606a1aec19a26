"""What an undo must know before it deletes: which records other tables point at; deleting by id in chunks."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..db import Base


def referencing(session: Session, table: Any, ids: Iterable[int], owned: Iterable[Any] = ()) -> dict[int, str]:
    """Which of `ids` some other table points at (a document, a payment...): {id: that table's name}.

    Every foreign key of the schema to `table` is looked at, except the record's own children
    (`owned`), which go with it. New tables are covered without touching this function.
    """
    ids = list(ids)
    owned_names = {t.name for t in owned}
    out: dict[int, str] = {}
    for other in Base.metadata.sorted_tables:
        if other.name in owned_names:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is not table:
                continue
            col = fk.parent
            for i in range(0, len(ids), 900):
                chunk = ids[i:i + 900]
                for (ref,) in session.execute(select(col).where(col.in_(chunk)).distinct()):
                    out.setdefault(ref, other.name)
    return out


def delete_rows(session: Session, table: Any, ids: list[int]) -> None:
    """Delete rows of `table` by id, in chunks a driver accepts."""
    for i in range(0, len(ids), 900):
        session.execute(delete(table).where(table.c.id.in_(ids[i:i + 900])))
