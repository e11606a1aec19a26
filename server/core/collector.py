"""The cyclic garbage collector paused while a batch or an import works on many small objects."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run without the cyclic collector (also as a decorator: `@collector_paused()`).

    A batch or an import allocates hundreds of thousands of small acyclic objects (rows, their
    values, the records to write): the collector walked them again and again and found nothing to
    free (a fifth to a quarter of the time). Reference counting still frees them. Nested uses are
    safe: only the outermost turns the collector back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
