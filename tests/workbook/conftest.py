"""The workbook tests' fixtures: the test's app on a real port (as Excel's Sync and UDFs reach it), the CLI's
environment, the headless engine."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import xlwings as xw
from waitress import create_server, wasyncore

from tests.factories import free_port, wait_healthy
from workbook import engine


@pytest.fixture
def served(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test's app on a real port (waitress in a thread), as the UDFs' server."""
    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, threads=2)
    stop = threading.Event()

    def loop() -> None:
        # The loop runs a tenth of a second at a time, and closes its sockets itself when told to stop
        # (closing them from another thread would pull them out from under its select()).
        while not stop.is_set():
            wasyncore.loop(timeout=0.1, map=server._map, count=1)
        wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        monkeypatch.setenv("CLIENTBASE_URL", base)
        yield base
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world: Any) -> dict[str, str]:
    """The environment of a `clientbase` command the test runs: its database and instance folder, no other setting of ours."""
    for key in list(os.environ):
        if key.startswith("CLIENTBASE_"):
            monkeypatch.delenv(key)
    return {"CLIENTBASE_DATABASE_URL": database_url, "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance")}


@pytest.fixture
def headless() -> Iterator[None]:
    """The headless engine active for the test; every book closed, the mock caller gone and the engine before it back after it."""
    previous = xw.engines.active
    engine.activate()
    yield
    for app in xw.apps:
        for book in app.books:
            book.close()
    if hasattr(xw.Book, "_mock_caller"):
        del xw.Book._mock_caller
    xw.engines.active = previous
