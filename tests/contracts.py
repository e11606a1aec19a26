"""The import contract of the map (server/packages.py), as an import-linter contract type.

import-linter's own `layers` contract would let any package import anything below it; ours is stricter and
reads the one list: a package imports only the base modules, itself and what its `DEPENDS` declare (and, through
them, what those declare); base modules import only base modules; nothing under `server` imports the roof (the
app factory, the command line, the demo), which may import everything. Adding a package adds no line here.
"""
from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck

from server import packages

Unit = tuple[str, str]  # (kind, name): ("package", "sales"), ("base", "core"), ("roof", "cli")


def unit_of(module: str) -> Unit | None:
    """Where a module of `server` sits in the map (None: not a server module)."""
    parts = module.split(".")
    if parts[0] != "server":
        return None
    if len(parts) == 1:
        return ("roof", "server")
    name = parts[1]
    if name in packages.PACKAGES:
        return ("package", name)
    if name in packages.BASE:
        return ("base", name)
    if name in packages.ROOF:
        return ("roof", name)
    return ("unmapped", name)


def violation(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported`, or None when the map allows it."""
    a, b = unit_of(importer), unit_of(imported)
    if a is None or b is None or a == b:
        return None
    for unit in (a, b):
        if unit[0] == "unmapped":
            return f"server.{unit[1]} is in no list of server/packages.py (PACKAGES, BASE or ROOF)"
    if a[0] == "roof":
        return None
    if b[0] == "roof":
        return f"{b[1]} is the roof: nothing under it may import it"
    if b[0] == "base":
        return None
    if a[0] == "base":
        return f"the base ({a[1]}) may import no package"
    allowed = packages.closure(a[1])
    if b[1] not in allowed:
        declared = ", ".join(packages.declarations()[a[1]]) or "nothing"
        return f"server.{a[1]} does not depend on server.{b[1]} (it declares {declared})"
    return None


class DeclaredMapContract(Contract):
    """Every import inside `server` follows the declared map of server/packages.py."""

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        broken = []
        for importer in sorted(m for m in graph.modules if m.startswith("server")):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                why = violation(importer, imported)
                if why:
                    lines = sorted(d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported))
                    broken.append({"importer": importer, "imported": imported, "lines": lines, "why": why})
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for b in check.metadata["broken"]:
            where = ", ".join(f"l.{n}" for n in b["lines"])
            output.print_error(f"{b['importer']} imports {b['imported']} ({where}): {b['why']}")
            output.new_line()
