"""The template engine: sandboxed, checked before use, the same output as docxtpl, hostile files refused."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from docx import Document as Docx
from docxtpl import DocxTemplate

from server.documents.codes import barcode_image, qr_image
from server.documents.engine import ENV, TemplateProblem, check_template, compile_template
from server.documents.kinds import KINDS, LANGUAGES, known_paths, sample_context
from server.documents.service import shipped_template_path

from tests.factories import HOSTILE_CLIENT_NAME, docx_template, docx_text


def codes_of(check: Any) -> list[tuple[str, Any]]:
    with pytest.raises(TemplateProblem) as info:
        check()
    return [(p["code"], p.get("variable") or p.get("tag")) for p in info.value.problems]


def test_a_template_fills_body_table_and_header_and_escapes_values() -> None:
    tpl = check_template(docx_template("Invoice {{ doc.number }} for {{ client.name }}", "{{ barcode }}",
                                  header="{{ company.name }} · {{ doc.number }}", table=True), "invoice")
    ctx = sample_context("invoice", "en", lines=20)
    ctx["client"]["name"] = HOSTILE_CLIENT_NAME
    ctx["barcode"] = barcode_image(ctx["doc"]["number"])
    data = tpl.render(ctx)
    doc = Docx(io.BytesIO(data))
    assert doc.paragraphs[0].text == f"Invoice {ctx['doc']['number']} for {HOSTILE_CLIENT_NAME}"
    assert len(doc.tables[0].rows) == 20
    assert doc.tables[0].rows[19].cells[2].text == ctx["lines"][19]["total"]
    assert doc.sections[0].header.paragraphs[0].text == f"{ctx['company']['name']} · {ctx['doc']['number']}"
    assert len(doc.inline_shapes) == 1                       # the barcode, as a real picture
    assert zipfile.ZipFile(io.BytesIO(data)).read("word/media/cb_barcode.png") == ctx["barcode"].png


def test_values_with_newlines_become_line_breaks_as_in_docxtpl() -> None:
    tpl = compile_template(docx_template("{{ client.address }}"))
    ctx = sample_context("invoice", "en")
    ctx["client"]["address"] = "Line one\nLine two"
    assert "Line one\nLine two" in docx_text(tpl.render(ctx))


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shipped_template_checks_and_renders_what_docxtpl_renders(kind: str, language: str) -> None:
    data = shipped_template_path(kind, language).read_bytes()
    ctx = sample_context(kind, language)
    ours = check_template(data, kind, language).render(ctx)
    stock = DocxTemplate(io.BytesIO(data))
    stock.render(ctx, jinja_env=ENV)
    out = io.BytesIO()
    stock.save(out)
    assert docx_text(ours) == docx_text(out.getvalue())
    text = docx_text(ours)
    assert ctx["doc"]["number"] in text and ctx["company"]["legal_name"] in text
    if "lines" in ctx:
        assert ctx["totals"]["total"] in text and ctx["total_words"] in text
        assert all(l["description"] in text for l in ctx["lines"])
    elif kind == "payslip":
        assert ctx["totals"]["net"] in text and ctx["net_words"] in text
    else:
        assert ctx["payment"]["amount_words"] in text
    if language == "km":
        assert (ctx["employee"]["name"] if kind == "payslip" else ctx["client"]["name"]) in text


def test_a_full_context_with_codes_renders_every_shipped_template_as_a_valid_package() -> None:
    for kind in KINDS:
        for language in LANGUAGES:
            ctx = sample_context(kind, language)
            ctx["barcode"], ctx["qr"] = barcode_image("X-1"), qr_image("CB1|invoice|X-1")
            data = compile_template(shipped_template_path(kind, language).read_bytes()).render(ctx)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                assert archive.testzip() is None
            Docx(io.BytesIO(data))


@pytest.mark.parametrize("source, expected", [
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", ("not_allowed", "__globals__")),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", ("not_allowed", "__class__")),
    ("{{ doc|attr('__class__') }}", ("not_allowed", "attr")),
    ("{{ doc.number.upper() }}", ("not_allowed", "call")),
    ("{{ company.nmae }}", ("unknown_variable", "company.nmae")),
    ("{{ lipsum }}", ("unknown_variable", "lipsum")),
    ("{{ self }}", ("unknown_variable", "self")),
    ("{% set x = 1 %}{{ x }}", ("not_allowed", "assign")),
    ("{% for l in lines %}{{ l.cost }}{% endfor %}", ("unknown_variable", "lines[].cost")),
    ("{{ lines[doc.number] }}", ("not_allowed", "subscript")),
    ("{% include 'x' %}", ("not_allowed", "include")),
])
def test_hostile_and_mistaken_templates_are_refused_before_anything_runs(source: str, expected: tuple[str, str]) -> None:
    assert expected in codes_of(lambda: check_template(docx_template(source), "invoice"))


def test_every_problem_is_reported_at_once_with_its_part() -> None:
    problems = codes_of(lambda: check_template(docx_template("{{ company.nmae }}", header="{{ doc.numbr }}"),
                                               "invoice"))
    assert ("unknown_variable", "company.nmae") in problems and ("unknown_variable", "doc.numbr") in problems


def test_variables_of_another_kind_are_unknown() -> None:
    assert "payment.amount" in known_paths("receipt") and "payment.amount" not in known_paths("invoice")
    assert ("unknown_variable", "payment.amount") in codes_of(
        lambda: check_template(docx_template("{{ payment.amount }}"), "invoice"))


def test_malformed_tags_are_named() -> None:
    assert codes_of(lambda: check_template(docx_template("{{ doc.number "), "invoice"))[0][0] == "syntax"


def test_the_sandbox_stops_at_run_time_what_a_check_would_refuse() -> None:
    # Compiled without the check (a shipped template is trusted), the sandbox still refuses.
    tpl = compile_template(docx_template("{{ doc.__class__ }}"))
    with pytest.raises(TemplateProblem) as info:
        tpl.render(sample_context("invoice", "en"))
    assert info.value.problems[0]["code"] in ("unsafe", "render_failed")


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def test_files_that_are_not_safe_docx_are_refused() -> None:
    good = docx_template("{{ doc.number }}")
    parts = {n: zipfile.ZipFile(io.BytesIO(good)).read(n) for n in zipfile.ZipFile(io.BytesIO(good)).namelist()}
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&lol2;</w:document>')
    external = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">&x;</w:document>')
    cases = {
        "not_docx": [b"", b"plain text", b"PK\x03\x04broken", _zip({"a.txt": b"x"})],
        "bad_xml": [_zip({**parts, "word/document.xml": laughs}), _zip({**parts, "word/document.xml": external}),
                    _zip({**parts, "word/document.xml": b"<w:document"})],
        "too_large": [_zip({**parts, **{f"x/{i}.bin": b"" for i in range(600)}}),
                      _zip({**parts, "word/media/big.bin": b"\0" * (61 * 2**20)}), b"PK" + b"\0" * (11 * 2**20)],
    }
    for code, files in cases.items():
        for data in files:
            assert codes_of(lambda: check_template(data, "invoice"))[0][0] == code, (code, data[:40])


def test_an_encrypted_zip_entry_is_refused() -> None:
    data = bytearray(docx_template("{{ doc.number }}"))
    # Set the "encrypted" flag of every central-directory entry, as a password-protected zip has.
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        data[at + 8] |= 0x01
        at += 4
    assert codes_of(lambda: check_template(bytes(data), "invoice"))[0][0] == "encrypted"
