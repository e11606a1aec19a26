"""The shipped templates: built by tools/build_templates.py, using only their kind's variables, and current."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as Docx
from docxtpl import DocxTemplate
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from server.documents.engine import check_template
from server.documents.kinds import KINDS, LANGUAGES, known_paths, sample_context
from tools.build_templates import ROOT, build_templates

from tests.factories import docx_text

CASES = [(k, lang) for k in KINDS for lang in LANGUAGES]
KHMER = re.compile(r"[\u1780-\u17FF]")
REBUILD = "python -m tools.build_templates"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped")
    paths = build_templates(out)
    assert len(paths) == len(CASES) == 30
    return out


def template_path(root: Path, kind: str, language: str) -> Path:
    return root / KINDS[kind].family / f"{kind}.{language}.docx"


def used_paths(path: Path) -> set[str]:
    """Every variable path the template's tags use, loop variables resolved: `lines[].qty`, `company.name`."""
    helper = DocxTemplate(path)
    env = ImmutableSandboxedEnvironment(autoescape=True)
    found: set[str] = set()

    def dotted(node: nodes.Node, scope: dict[str, str]) -> str | None:
        if isinstance(node, nodes.Name):
            return scope.get(node.name, node.name)
        if isinstance(node, nodes.Getattr):
            base = dotted(node.node, scope)
            return base and f"{base}.{node.attr}"
        return None

    def walk(node: nodes.Node, scope: dict[str, str]) -> None:
        if isinstance(node, nodes.For):
            walk(node.iter, scope)
            inner = {**scope, node.target.name: f"{dotted(node.iter, scope)}[]"}
            for child in node.body:
                walk(child, inner)
            return
        if isinstance(node, (nodes.Name, nodes.Getattr)):
            found.add(dotted(node, scope) or "?")
            return
        for child in node.iter_child_nodes():
            walk(child, scope)

    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml|docProps/core\.xml", name):
                walk(env.parse(helper.patch_xml(archive.read(name).decode("utf-8"))), {})
    return found


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_a_shipped_template_uses_only_its_kinds_variables(built: Path, kind: str, language: str) -> None:
    path = template_path(built, kind, language)
    context = sample_context(kind, language)
    env = ImmutableSandboxedEnvironment(autoescape=True)
    assert DocxTemplate(path).get_undeclared_template_variables(env) <= set(context)
    used = used_paths(path)
    assert used - known_paths(kind) == set()
    assert {"doc.number", "company.legal_name", "barcode", "logo"} <= used
    check_template(path.read_bytes(), kind, language)  # the lint uploads go through accepts it too


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_a_shipped_template_renders_the_sample_in_its_language(built: Path, kind: str, language: str) -> None:
    context = sample_context(kind, language)
    template = DocxTemplate(template_path(built, kind, language))
    template.render(context, jinja_env=ImmutableSandboxedEnvironment(autoescape=True))
    out = io.BytesIO()
    template.save(out)

    text = docx_text(out.getvalue())
    assert context["doc"]["number"] in text
    assert context["company"]["legal_name"] in text
    if kind == "payslip":  # the company's paper to its own employee: no client
        assert context["employee"]["name"] in text and context["net_words"] in text
        for section in ("earnings", "deductions", "contributions"):
            assert all(l["name"] in text and l["explanation"] in text for l in context[section])
        total = context["totals"]["net"]
    else:
        assert context["client"]["legal_name"] in text
        total = context["payment"]["amount"] if kind == "receipt" else context["totals"]["total"]
    assert total in text
    if "lines" in context:
        assert context["total_words"] in text
        for line in context["lines"]:
            assert line["description"] in text
    assert bool(KHMER.search(text)) == (language == "km")
    assert "{{" not in text and "{%" not in text
    assert Docx(out).core_properties.title == context["doc"]["number"]


@pytest.mark.parametrize(("kind", "language"), CASES)
def test_the_committed_template_is_the_generators_current_output(built: Path, kind: str, language: str) -> None:
    fresh, committed = template_path(built, kind, language), template_path(ROOT / "templates", kind, language)
    assert committed.exists(), f"{committed} is missing: build it with {REBUILD}"
    with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(committed) as b:
        assert a.namelist() == b.namelist()
        for name in a.namelist():  # word/document.xml above all, but every part: only zip timestamps may differ
            assert a.read(name) == b.read(name), f"{committed.name}:{name} is stale: rebuild with {REBUILD}"
