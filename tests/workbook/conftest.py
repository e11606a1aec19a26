"""The workbook tests' server: the test's app on a real port, as Excel's Sync and UDFs reach it."""
from __future__ import annotations

import threading
from typing import Any, Iterator

import pytest
from waitress import create_server, wasyncore

from ..conftest import free_port, wait_healthy


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


def press_sync(path: Any, main: Any) -> None:
    """Press a workbook's Sync button: the workbook is the caller, as when its button runs `<module>.main()`."""
    import xlwings as xw

    book = xw.Book(str(path))
    book.set_mock_caller()
    try:
        main()
    finally:
        book.close()


def calc_pdf_text(path: Any, tmp_path: Any) -> str:
    """The workbook converted to PDF by LibreOffice Calc (a private profile), its text read back with pypdf."""
    import io
    import shutil
    import subprocess

    from pypdf import PdfReader

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is not installed: run `make system-packages`"
    out = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)], check=True, capture_output=True,
                   timeout=180)
    pdf = out / (path.stem + ".pdf")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
