"""The map: every server package, bottom to top, in the one list the rest reads.

A package is a business noun with `DEPENDS` (the packages it imports, lower in this list) and
`register(app)` in its `__init__.py`, like a Tryton module's `depends` and `register()`. The app factory,
the models' metadata (Alembic, tests), the message catalogs and the import contracts of `make test`
(tests/contracts.py) all read `PACKAGES`: adding a package is adding its name here.

`BASE` modules sit under every package and may be imported by all; `ROOF` modules sit above every package
(the app factory, the command line, the demo) and no package may import them.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from .core import messages

BASE = ("config", "core", "db")
PACKAGES = (
    "routes", "audit", "org", "parties", "currency", "catalog", "ledger", "sales", "finance", "documents",
    "reports", "imports", "hr", "payroll", "figures", "setup",
)
ROOF = ("packages", "models", "migrate", "migrations", "openapi", "demo", "cli", "serve")


class MapError(RuntimeError):
    """The declared order is broken: a package depends on one above it, or on one that does not exist."""


def closure(name: str, modules: dict[str, ModuleType] | None = None) -> set[str]:
    """Every package `name` may import: what it declares and, through them, what they declare."""
    declared = declarations(modules)
    seen: set[str] = set()
    todo = list(declared[name])
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(declared[dep])
    return seen


def declarations(modules: dict[str, ModuleType] | None = None) -> dict[str, tuple[str, ...]]:
    """Package → its DEPENDS, checked: each names a package listed below it."""
    modules = modules or load()
    out: dict[str, tuple[str, ...]] = {}
    for position, name in enumerate(PACKAGES):
        depends = tuple(getattr(modules[name], "DEPENDS"))
        for dep in depends:
            if dep not in PACKAGES:
                raise MapError(f"server.{name} depends on {dep!r}, which is not a package in server/packages.py")
            if PACKAGES.index(dep) >= position:
                raise MapError(f"server.{name} depends on server.{dep}, which is not below it in PACKAGES")
        out[name] = depends
    return out


@lru_cache(maxsize=None)
def _load() -> tuple[ModuleType, ...]:
    loaded = tuple(import_module(f"server.{name}") for name in PACKAGES)
    for name in PACKAGES:
        if find_spec(f"server.{name}.messages") is not None:
            messages.extend(f"server.{name}", import_module(f"server.{name}.messages").MESSAGES)
    return loaded


def load() -> dict[str, ModuleType]:
    """Import every package in order (their models join the metadata, their messages the catalog), once."""
    return dict(zip(PACKAGES, _load()))


def register(app: object) -> None:
    """Let each package, bottom to top, add its routes to the app."""
    modules = load()
    declarations(modules)
    for name in PACKAGES:
        modules[name].register(app)
