"""`clientbase documents batch`: a date range of sources generated with a progress bar, files written out."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clientbase.cli import main

from tests.factories import DocBooks, docx_text, line


def test_the_cli_generates_a_range_and_writes_the_files(db: Any, world: Any, api: Any, database_url: str,
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = DocBooks(db, world, api)
    numbers = [b.sale(lines=[line("W-1", str(n), "2.00")])["number"] for n in (1, 2, 3)]
    b.invoice([line("W-1", "1", "10.00")])                    # a draft in the range: refused, named
    for key in list(os.environ):
        if key.startswith("CLIENTBASE_"):
            monkeypatch.delenv(key)
    env = {"CLIENTBASE_DATABASE_URL": database_url, "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance")}
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["documents", "batch", "--kind", "invoice", "--from", "2026-03-01",
                                       "--to", "2026-03-31", "--language", "ru", "--out", str(out)], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "3 documents registered, 1 refused" in result.output and "invoice_not_posted" in result.output
    files = sorted(out.iterdir())
    assert len(files) == 3 and all(f.suffix == ".docx" for f in files)
    assert all(any(n in docx_text(f.read_bytes()) for n in numbers) for f in files)
    bad = CliRunner().invoke(main, ["documents", "batch", "--kind", "invoice", "--from", "2030-01-01",
                                    "--to", "2030-01-31"], env=env)
    assert bad.exit_code != 0 and "nothing to generate" in bad.output and "Traceback" not in bad.output
    bad = CliRunner().invoke(main, ["documents", "batch", "--kind", "letter", "--from", "2030-01-01",
                                    "--to", "2030-01-31"], env=env)
    assert bad.exit_code != 0 and "letter" in bad.output
