"""Settings: defaults here, then the instance folder's clientbase.cfg, then CLIENTBASE_* variables."""
from __future__ import annotations

import os
from pathlib import Path

LANGUAGES = ("en", "km", "ru")


class Config:
    """Defaults. Every key can be overridden by CLIENTBASE_<KEY> in the environment."""

    # SQLite file under ./data unless CLIENTBASE_DATABASE_URL says otherwise.
    DATABASE_URL: str | None = None
    DATA_DIR = "data"
    DEFAULT_LANGUAGE = "en"
    # Requests above this are refused before parsing (413).
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    # The batch endpoint takes at most this many rows per request.
    BATCH_MAX_ROWS = 100_000
    # An uploaded spreadsheet: at most this many bytes, and this many rows a sheet.
    IMPORT_MAX_BYTES = 40 * 1024 * 1024
    IMPORT_MAX_ROWS = 200_000
    PAGE_LIMIT_DEFAULT = 50
    PAGE_LIMIT_MAX = 1000
    # Migrate on create_app (serve does; tests build the schema themselves).
    AUTO_MIGRATE = False
    SQLITE_BUSY_TIMEOUT_MS = 15_000
    TESTING = False


def default_database_url(data_dir: str | os.PathLike) -> str:
    path = Path(data_dir).resolve() / "clientbase.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"
