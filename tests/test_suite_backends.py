"""With CLIENTBASE_TEST_DATABASE_URL set and PostgreSQL unreachable, the suite fails; it never skips."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_unreachable_postgresql_fails_the_suite(tmp_path: Path) -> None:
    env = dict(os.environ, CLIENTBASE_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/test?connect_timeout=2")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py::test_migrated_schema_equals_models"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0, result.stdout
    assert "unreachable" in result.stdout
    assert "skipped" not in result.stdout
    # The SQLite half still ran and passed.
    assert "1 passed" in result.stdout
