"""An import on both cores: a forked process checks half the rows, or writes the stored report while the parent writes the base.

Checking a row (the API's own rules: shapes, phones, e-mails, tax ids, references) is pure Python
and the same for every row, so half of a large file goes to a child process. The child is forked
after the file is read and the reference lists are loaded, so it starts with all of them (nothing
to send, nothing to import, no connection to open) and sends back only each row's outcome, pickled.

Fork is used only where it is safe and pays:
- Linux (macOS frameworks and Windows cannot fork a running interpreter safely, or at all);
- no other Python thread in the process (a server's request threads may hold a lock, of the
  logging module or a library's lazy loader, that the child would inherit held and wait on forever);
  the CLI and a worker process have one thread, a waitress process checks its rows in one process;
- at least PARALLEL_ROWS rows, below which forking and pickling cost more than they save.
A child that fails in any way is not trusted: its half is checked again here, so an error surfaces
exactly as in one process.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
from types import ModuleType
from typing import Any, Callable, Generic, TypeVar

from .rows import Row

T = TypeVar("T")

Progress = Callable[[str, int, int], None]
PARALLEL_ROWS = 20_000
# What checking a row sets on it; the cells and their mapping are the parent's already.
_KEPT = frozenset({"number", "raw", "colmap", "headers"})
_OUTCOME = tuple(s for s in Row.__slots__ if s not in _KEPT)


def can_fork(rows: int) -> bool:
    return (rows >= PARALLEL_ROWS and sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


class Beside(Generic[T]):
    """`fn(*args)` computed in a forked child from the process's state as it is now, while this process
    goes on and changes it; `result()` waits for it. Where forking is not safe or does not pay, or the
    child fails, it is computed here (at once, so from the same state), and any error surfaces here."""

    def __init__(self, rows: int, fn: Callable[..., T], *args: Any) -> None:
        self.fn, self.args = fn, args
        self.child: Any = None
        if not can_fork(rows):
            self.value = fn(*args)
            return
        fork = multiprocessing.get_context("fork")
        self.receive, send = fork.Pipe(duplex=False)
        self.child = fork.Process(target=_beside, args=(send, fn, args), daemon=True)
        self.child.start()
        send.close()

    def result(self) -> T:
        if self.child is None:
            return self.value
        try:
            data = self.receive.recv_bytes()
        except (EOFError, OSError):
            data = None
        finally:
            self.receive.close()
            self.child.join()
            self.child = None
        self.value = pickle.loads(data) if data is not None else self.fn(*self.args)
        return self.value


def _beside(send: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    send.send_bytes(pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL))
    send.close()


def check_rows(handler: ModuleType, rows: list[Row], ctx: Any, progress: Progress | None = None) -> int:
    """Run `handler.normalise` on every row, in two processes when that pays; answers how many were used."""
    if not can_fork(len(rows)):
        _check(handler, rows, ctx, progress, len(rows))
        return 1
    # The first row here, before the fork: what the rules load on first use (country names, phone
    # metadata, tax id modules) is then loaded once, for both processes.
    handler.normalise(rows[0], ctx)
    half = max(len(rows) // 2, 1)
    mine, theirs = rows[1:half], rows[half:]
    fork = multiprocessing.get_context("fork")
    receive, send = fork.Pipe(duplex=False)
    child = fork.Process(target=_child, args=(send, handler, theirs, ctx), daemon=True)
    child.start()
    send.close()
    try:
        _check(handler, mine, ctx, progress, len(rows))
        try:
            outcomes = pickle.loads(receive.recv_bytes())
        except (EOFError, OSError, pickle.UnpicklingError):
            outcomes = None  # the child died (its traceback is on stderr): check its rows here
    finally:
        receive.close()
        child.join()
    if outcomes is None or len(outcomes) != len(theirs):
        _check(handler, theirs, ctx, None, len(rows))
        return 1
    for row, outcome in zip(theirs, outcomes):
        for name, value in zip(_OUTCOME, outcome):
            setattr(row, name, value)
    return 2


def _check(handler: ModuleType, rows: list[Row], ctx: Any, progress: Progress | None, total: int) -> None:
    step = max(1000, total // 50)
    scale = total / max(len(rows), 1)
    for i, row in enumerate(rows):
        handler.normalise(row, ctx)
        if progress and i % step == 0:
            progress("check", int(i * scale), total)


def _child(send: Any, handler: ModuleType, rows: list[Row], ctx: Any) -> None:
    """In the forked process: check the rows, send their outcomes in one message, touch nothing else
    (the parent's database connection is not ours to use or close)."""
    for row in rows:
        handler.normalise(row, ctx)
    send.send_bytes(pickle.dumps([tuple(getattr(row, name) for name in _OUTCOME) for row in rows],
                                 protocol=pickle.HIGHEST_PROTOCOL))
    send.close()
