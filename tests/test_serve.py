"""`clientbase serve`: one process, or several sharing the port, all stopping together."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.factories import free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("processes", [1, 2])
def test_serve_migrates_answers_and_stops_with_all_its_workers(tmp_path: Path, processes: int) -> None:
    from click.testing import CliRunner

    from clientbase.cli import main

    env = dict(os.environ, PYTHONPATH=str(ROOT), CLIENTBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               CLIENTBASE_INSTANCE_PATH=str(tmp_path / "instance"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("w") as log, subprocess.Popen(
        [sys.executable, "-c", "from clientbase.cli import main; main()", "serve", "--port", str(port),
         "--processes", str(processes), "--threads", "2"], env=env, stdout=log, stderr=log, cwd=tmp_path,
    ) as server:
        try:
            wait_healthy(base)
            # serve applied the migrations; now a company for a token.
            init = CliRunner().invoke(main, ["init", "--company", "Serve Co", "--owner-email", "o@serve.example"],
                                      env={k: env[k] for k in ("CLIENTBASE_DATABASE_URL", "CLIENTBASE_INSTANCE_PATH")})
            assert init.exit_code == 0, init.output
            headers = {"Authorization": f"Bearer {init.output.strip().split()[-1]}"}
            created = requests.post(f"{base}/api/v1/clients", json={"name": "Sok Dara"}, headers=headers, timeout=10)
            assert created.status_code == 201, created.text
            # Fresh connections land on any worker: every one sees the write.
            for _ in range(20):
                r = requests.get(f"{base}/api/v1/clients/{created.json()['id']}", headers=headers, timeout=10)
                assert r.status_code == 200 and r.json()["name"] == "Sok Dara"
        finally:
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=20) == 0, (tmp_path / "serve.log").read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/healthz", timeout=2)


def test_a_worker_dying_stops_the_service_so_a_supervisor_notices(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), CLIENTBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               CLIENTBASE_INSTANCE_PATH=str(tmp_path / "instance"))
    port = free_port()
    with subprocess.Popen([sys.executable, "-c", "from clientbase.cli import main; main()", "serve", "--port", str(port),
                           "--processes", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          cwd=tmp_path) as server:
        wait_healthy(f"http://127.0.0.1:{port}")
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert len(children) == 2
        os.kill(int(children[0]), signal.SIGKILL)
        assert server.wait(timeout=20) == 1
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
