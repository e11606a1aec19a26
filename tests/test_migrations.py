"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""
from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DatabaseError

from server.audit.models import Operation
from server.models import metadata
from server.migrate import downgrade, upgrade

from tests.factories import table_names


def test_migrated_schema_equals_models(db: Any) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == []


def test_migrations_cover_every_table(db: Any) -> None:
    assert set(metadata.tables) <= table_names(db)


def test_downgrade_to_base_and_up_again(db: Any) -> None:
    downgrade(db.engine, "base")
    assert table_names(db) <= {"alembic_version"}
    upgrade(db.engine)
    assert set(metadata.tables) <= table_names(db)


def test_operations_log_refuses_update_and_delete_in_the_database(db: Any, world: Any) -> None:
    with db.write_session() as s, s.begin():
        s.execute(insert(Operation), [{"at": __import__("server.core.dates", fromlist=["now"]).now(),
                                       "company_id": world.company_id, "entity": "x", "entity_id": 1, "action": "create"}])
    for statement in (update(Operation).values(action="forged"), text("DELETE FROM operations")):
        with pytest.raises(DatabaseError, match="append-only"):
            with db.write_session() as s, s.begin():
                s.execute(statement)
