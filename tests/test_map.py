"""The map holds: the import contracts pass on the code, and a wrong import fails them with the contract's message."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server import packages
from tests.contracts import violation

ROOT = Path(__file__).resolve().parent.parent
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd), COLUMNS="400")
    done = subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    done.stdout = " ".join(done.stdout.split())  # the report wraps long lines
    return done


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the code and its contracts, to break on purpose."""
    dest = tmp_path_factory.mktemp("map")
    for name in ("server", "workbook", "scanners", "notation"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "__init__.py", dest / "tests")
    shutil.copy(ROOT / "tests" / "contracts.py", dest / "tests")
    shutil.copy(ROOT / "pyproject.toml", dest)
    return dest


def test_the_code_keeps_every_contract() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" not in done.stdout.lower().replace("0 broken", "")


def lint_with(tree: Path, module: str, added: str) -> subprocess.CompletedProcess[str]:
    """Lint the copy with `added` appended to one of its files, then put the file back."""
    target = tree.joinpath(*module.split(".")).with_suffix(".py")
    original = target.read_text(encoding="utf-8")
    target.write_text(original + added, encoding="utf-8")
    try:
        return lint(tree)
    finally:
        target.write_text(original, encoding="utf-8")


def test_a_lower_package_importing_an_upper_one_fails_naming_both(tree: Path) -> None:
    # Inside a function, where a reader of the file's top would miss it: the contract still sees it.
    done = lint_with(tree, "server.sales.numbering", "\n\ndef _peek():\n    from ..payroll import guard\n    return guard\n")
    assert done.returncode != 0
    assert "server.sales.numbering imports server.payroll.guard" in done.stdout
    assert "server.sales does not depend on server.payroll (it declares catalog, ledger)" in done.stdout


def test_the_server_importing_a_workbook_fails(tree: Path) -> None:
    done = lint_with(tree, "server.ledger.chart", "\nimport workbook.layout  # noqa: E402,F401\n")
    assert done.returncode != 0
    assert "The server never imports the workbooks BROKEN" in done.stdout
    assert "server.ledger.chart -> workbook.layout" in done.stdout


def test_a_workbook_importing_the_server_fails(tree: Path) -> None:
    done = lint_with(tree, "workbook.layout", "\n\ndef _peek():\n    from server.core import money\n    return money\n")
    assert done.returncode != 0
    assert "The workbooks, scanners and notations never import the server BROKEN" in done.stdout
    assert "workbook.layout -> server.core.money" in done.stdout


def test_the_rules_of_the_map() -> None:
    assert violation("server.finance.service", "server.sales.service") is None  # declared
    assert violation("server.payroll.service", "server.org.models") is None  # declared through hr → finance → …
    assert violation("server.sales.service", "server.core.money") is None  # the base is everyone's
    assert violation("server.cli", "server.payroll.service") is None  # the roof sees everything
    assert "does not depend on server.finance" in violation("server.sales.orders", "server.finance.models")
    assert "the roof" in violation("server.imports.service", "server.models")
    assert "may import no package" in violation("server.core.records", "server.audit.service")
    assert "in no list" in violation("server.sales.service", "server.nowhere.thing")


def test_each_package_declares_only_packages_below_it() -> None:
    declared = packages.declarations()
    assert list(declared) == list(packages.PACKAGES)
    for position, name in enumerate(packages.PACKAGES):
        module = packages.load()[name]
        assert callable(module.register), name
        assert all(packages.PACKAGES.index(dep) < position for dep in declared[name])


def test_a_package_declaring_one_above_it_is_refused() -> None:
    modules = dict(packages.load())

    class Fake:
        DEPENDS = ("payroll",)

    modules["sales"] = Fake  # type: ignore[assignment]
    with pytest.raises(packages.MapError, match="server.sales depends on server.payroll, which is not below it"):
        packages.declarations(modules)


PROJECT = ("server", "workbook", "notation", "clientbase", "scanners")


def local_imports(root: Path) -> list[str]:
    """Imports of project modules made inside functions without a comment saying why (on the line or above it)."""
    found = []
    for name in PROJECT:
        for path in sorted((root / name).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for sub in ast.walk(node):
                    if isinstance(sub, ast.ImportFrom):
                        project = sub.level > 0 or (sub.module or "").split(".")[0] in PROJECT
                    elif isinstance(sub, ast.Import):
                        project = any(a.name.split(".")[0] in PROJECT for a in sub.names)
                    else:
                        continue
                    line, above = lines[sub.lineno - 1], lines[sub.lineno - 2].strip()
                    if project and "#" not in line and not above.startswith("#"):
                        found.append(f"{path.relative_to(root)}:{sub.lineno}: {line.strip()}")
    return found


def test_project_imports_sit_at_the_top_of_their_files() -> None:
    assert local_imports(ROOT) == []


def test_a_hidden_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "x.py").write_text("def f():\n    from .core import dates\n    return dates\n\n\n"
                                            "def g():\n    # docxtpl is slow to import: only when rendering\n"
                                            "    from .documents import engine\n    return engine\n")
    assert local_imports(tmp_path) == ["server/x.py:2: from .core import dates"]
