"""Serving the app with waitress: one process, or several sharing one listening socket (POSIX).

Each process builds its own app and engine after the fork, so no connection crosses a fork;
SQLite in WAL mode with BEGIN IMMEDIATE writes is safe across processes. Caches are per process:
client representations are keyed by version (always right), resolved tokens live five seconds
(a revoked token is refused at once by the process that revoked it, within five seconds by others).
"""
from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Any, Callable

from waitress import serve as waitress_serve


def run(make_app: Callable[[], Any], *, host: str, port: int, threads: int, processes: int) -> None:
    """Serve until stopped. With processes > 1, a parent forks the workers and stops them together."""
    if processes <= 1:
        # SIGTERM (a service manager's stop) ends the server cleanly, like Ctrl+C.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        waitress_serve(make_app(), host=host, port=port, threads=threads, ident="clientbase")
        return
    if not hasattr(os, "fork"):
        raise RuntimeError("--processes above 1 needs a POSIX system (Linux, macOS); use 1 on Windows")
    sock = socket.create_server((host, port), backlog=1024, reuse_port=False)
    sock.set_inheritable(True)
    workers: list[int] = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl+C reaches it too
            try:
                waitress_serve(make_app(), sockets=[sock], threads=threads, ident="clientbase")
            finally:
                os._exit(0)
        workers.append(pid)
    sock.close()
    _supervise(workers)


def _supervise(workers: list[int]) -> None:
    """Wait for the workers; a stop signal, or any worker ending, stops them all."""
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in workers:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failed = False
    remaining = set(workers)
    while remaining:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        remaining.discard(pid)
        if not stopping:
            # A worker ended on its own: the service is half up; stop the rest so a supervisor sees it.
            failed = True
            stop()
    sys.exit(1 if failed else 0)
