"""Tests mirror the packages (tests/<package>/); shared helpers in tests/factories.py, fixed files in tests/data/."""
from __future__ import annotations

import ast
from pathlib import Path

from server import packages

TESTS = Path(__file__).resolve().parent
# The only test modules another may import: the shared factories, and the import-linter contract type.
SHARED = {"tests.factories", "tests.contracts"}
# Tests of the roof (what sits above every package) and of the whole, kept at the top of tests/.
ROOF_TESTS = {"cli", "config", "demo", "migrations", "openapi", "serve", "suite_backends", "books_invariants", "map",
              "layout", "workflow", "demo_books"}
# Folders of tests/ that are not server packages: the top-level projects beside the server.
PROJECTS = {"workbook", "scanners", "notation", "clientbase"}


def module_name(tests: Path, path: Path) -> str:
    parts = list(path.relative_to(tests.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of_tests(tests: Path) -> list[str]:
    """Imports of one test module by another (other than SHARED), as `path:line: module`."""
    files = sorted(p for p in tests.rglob("*.py") if "__pycache__" not in p.parts)
    modules = {module_name(tests, p) for p in files if p.name != "__init__.py"}
    found = []
    for path in files:
        here = module_name(tests, path)
        package = here if path.name == "__init__.py" else here.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                targets = [target] + [f"{target}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                if target in modules and target not in SHARED and target != here:
                    found.append(f"{path.relative_to(tests.parent)}:{node.lineno}: {target}")
    return found


def misplaced_tests(tests: Path, package_names: set[str]) -> list[str]:
    """Test files outside the folder of their package: at the top (unless a roof test) or in a folder no package has."""
    found = []
    for path in sorted(tests.rglob("test_*.py")):
        folders = path.relative_to(tests).parts[:-1]
        if not folders:
            if path.stem.removeprefix("test_") not in ROOF_TESTS:
                found.append(f"{path.relative_to(tests.parent)}: a package's tests belong in tests/<package>/")
        elif folders[0] not in package_names | PROJECTS:
            found.append(f"{path.relative_to(tests.parent)}: tests/{folders[0]}/ is no package")
    return found


def stray_files(tests: Path) -> list[str]:
    """Fixed files the tests read (golden files, inputs) kept outside tests/data/ (dot-folders are tools' caches)."""
    found = []
    for path in sorted(tests.rglob("*")):
        parts = path.relative_to(tests).parts
        if path.is_file() and path.suffix not in (".py", ".pyc") and parts[0] != "data" \
                and not any(p.startswith(".") or p == "__pycache__" for p in parts):
            found.append(str(path.relative_to(tests.parent)))
    return found


def server_packages() -> set[str]:
    return set(packages.PACKAGES) | set(packages.BASE)


def test_no_test_module_imports_another() -> None:
    assert imports_of_tests(TESTS) == []


def test_every_test_file_sits_in_its_package_folder() -> None:
    assert misplaced_tests(TESTS, server_packages()) == []


def test_data_files_sit_in_tests_data() -> None:
    assert stray_files(TESTS) == []


def test_a_test_importing_another_or_a_stray_test_file_is_found(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "sales").mkdir(parents=True)
    (tests / "stock").mkdir()
    for name in ("__init__.py", "factories.py", "conftest.py", "sales/__init__.py", "sales/helpers.py",
                 "stock/test_moves.py", "test_cli.py"):
        (tests / name).write_text("")
    (tests / "sales" / "test_orders.py").write_text(
        "from tests.factories import line\nfrom tests.sales import helpers\nfrom . import helpers as h\n"
        "from .test_invoices import Books\n\n\ndef f():\n    from ..conftest import problem\n")
    (tests / "sales" / "test_invoices.py").write_text("import tests.sales.test_orders\n")
    (tests / "test_invoices.py").write_text("from tests import factories\n")
    assert imports_of_tests(tests) == [
        "tests/sales/test_invoices.py:1: tests.sales.test_orders",
        "tests/sales/test_orders.py:2: tests.sales.helpers",
        "tests/sales/test_orders.py:3: tests.sales.helpers",
        "tests/sales/test_orders.py:4: tests.sales.test_invoices",
        "tests/sales/test_orders.py:8: tests.conftest",
    ]
    assert misplaced_tests(tests, {"sales"}) == [
        "tests/stock/test_moves.py: tests/stock/ is no package",
        "tests/test_invoices.py: a package's tests belong in tests/<package>/",
    ]
    (tests / "data" / "imports").mkdir(parents=True)
    (tests / "data" / "imports" / "clients.xlsx").write_bytes(b"PK")
    (tests / "sales" / "expected.json").write_text("{}")
    assert stray_files(tests) == ["tests/sales/expected.json"]
