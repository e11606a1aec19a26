"""Hooks: how a lower package lets the packages above it react, without importing them.

The lower package declares a `Hook`; an upper package registers a function on it when it is imported
(the registry imports every package when the app is built), as Tryton's sale extends the invoice's
`paid()`. Registering the same function twice keeps one: apps built again in one process do not
multiply the reactions.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Hook:
    """A named point that calls every registered function, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._fns: dict[str, Callable[..., Any]] = {}

    def register(self, fn: F) -> F:
        """Add `fn` (usable as a decorator); the same function registered again replaces itself."""
        self._fns[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every registered function; their answers in order."""
        return [fn(*args, **kwargs) for fn in self._fns.values()]

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {list(self._fns)})"
