"""The workbook tests' server: the test's app on a real port, as Excel's Sync and UDFs reach it."""
from __future__ import annotations

import threading
from typing import Any, Iterator

import pytest
from waitress import create_server, wasyncore

from tests.factories import free_port, wait_healthy


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


