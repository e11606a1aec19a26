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
    goes on and changes it; `result()` waits for it. Where forking is not safe or does not pay, it is
    computed here at once (so from the same state); where the child fails, here in `result()` (from the
    state as it is then); any error surfaces here. `by_child` says which it was."""

    def __init__(self, rows: int, fn: Callable[..., T], *args: Any) -> None:
        self.fn, self.args = fn, args
        self.child: Any = None
        self.by_child = False  # whether the value came from the child (after result())
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
            value, self.by_child = pickle.loads(self.receive.recv_bytes()), True
        except (EOFError, OSError, pickle.UnpicklingError):
            value = None  # the child died (its traceback is on stderr): computed here
        finally:
            self.receive.close()
            self.child.join()
            self.child = None
        self.value = value if self.by_child else self.fn(*self.args)
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
    beside = Beside(len(rows), _outcomes, handler, theirs, ctx)
    _check(handler, mine, ctx, progress, len(rows))
    outcomes = beside.result()
    if not beside.by_child:
        return 1  # computed here, on the rows themselves
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


def _outcomes(handler: ModuleType, rows: list[Row], ctx: Any) -> list[tuple[Any, ...]]:
    """Check the rows and answer what checking set on each (in a child: only that is sent back)."""
    for row in rows:
        handler.normalise(row, ctx)
    return [tuple(getattr(row, name) for name in _OUTCOME) for row in rows]
