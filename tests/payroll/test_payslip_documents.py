"""Payslips as Word documents: a month run through the API, each payslip read back with python-docx.

The month is April 2026 in Cambodia: 19 working days (Khmer New Year takes three), so a full month's salary is
the whole salary. Two rules of the company: a 10 % tax withheld and a 5 % employer contribution, in USD.
Chan Dara earns 1,000.00 with a 100.00 bonus and a 20.00 uniform deduction:
  gross 1,100.00; tax 110.00; deductions 130.00; net 970.00; contribution 55.00.
The second employee, named to break templates, earns 1,520.00: tax 152.00, net 1,368.00, contribution 76.00.
"""
from __future__ import annotations

import base64
import io
import re
import string
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from docx import Document as Docx

from server.core.i18n import catalog, translate
from server.documents import pdf
from server.documents.words import amount_words
from server.payroll.papers.messages import MESSAGES
from server.payroll.explain import describe

from tests.factories import HOSTILE_EMPLOYEE_NAME, RUNS, document, docx_text, month, open_run, payslip, problem

D = Decimal
KHMER = re.compile(r"[\u1780-\u17FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def template(*paragraphs: str) -> str:
    """A company's own .docx template of some paragraphs, base64 as the upload takes it."""
    doc = Docx()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return base64.b64encode(out.getvalue()).decode()


def line_rows(data: bytes) -> list[tuple[str, ...]]:
    """The rows of the payslip's lines table under its header, each as its cells' texts."""
    doc = Docx(io.BytesIO(data))
    (table,) = [t for t in doc.tables if len(t.columns) == 4 and len(t.rows) > 4]
    return [tuple(c.text for c in row.cells) for row in table.rows[1:]]


def items(data: bytes) -> list[tuple[str, ...]]:
    """The numbered rows of the lines table (no section headings or subtotals): no., name, how, amount."""
    return [row for row in line_rows(data) if row[0].isdigit()]


def explanations(api: Any, run: dict[str, Any], employee: dict[str, Any], language: str) -> list[str]:
    """How each line was computed, from the stored explain, as payroll.explain says it in `language`, by section."""
    from server.payroll.models import Payslip

    sections = ("earning", "deduction", "contribution")
    with api.client.application.extensions["clientbase.db"].read_session() as s:
        slip = s.query(Payslip).filter_by(run_id=run["id"], employee_id=employee["id"]).one()
        return [describe(ln.explain, language) for kind in sections for ln in slip.lines if ln.kind == kind]


def test_a_posted_payslip_reads_back_with_its_exact_figures_and_how_each_was_computed(api: Any, world: Any,
                                                                                      db: Any) -> None:
    m = month(api, world, db)
    r = document(api, m.run, m.dara, language="en")
    assert r.status_code == 200, r.get_data(as_text=True)
    number = f"{m.run['number']}/{m.dara['number']}"
    assert r.headers["Content-Disposition"] == (
        f"attachment; filename*=UTF-8''payslip_{m.run['number']}_{m.dara['number']}_en.docx")
    assert line_rows(r.data) == [
        ("Earnings",) * 4,
        ("1", "Salary", "1000.00 × 19 worked days / 19 working days of the month (2026-04-01 – 2026-04-30)",
         "1,000.00"),
        ("2", "Sales bonus", "Fixed amount: Sales bonus", "100.00"),
        ("Total earnings",) * 3 + ("1,100.00",),
        ("Deductions",) * 4,
        ("1", "Withholding tax", "10% of 1100, less 0 withheld before, rounded to 0.01 USD", "110.00"),
        ("2", "Uniform", "Fixed deduction: Uniform", "20.00"),
        ("Total deductions",) * 3 + ("130.00",),
        ("Employer contributions (paid by the company on top of pay)",) * 4,
        ("1", "Employer fund", "5% of 1100, less 0 withheld before, rounded to 0.01 USD", "55.00"),
        ("Total contributions",) * 3 + ("55.00",),
    ]
    text = docx_text(r.data)
    for expected in (f"PAYSLIP No. {number}\nfor April 2026 · payroll {m.run['number']}",
                     "Period: 1 April 2026 – 30 April 2026",
                     "Chan Dara", f"Staff No.: {m.dara['number']}", "Position: Cashier", "Department: Sales",
                     "Tax ID: 100-200-300", "Working days: norm 19, worked 19", "Working hours: norm 152, worked 152",
                     "Gross pay\n1,100.00 USD", "Deductions\n130.00 USD", "Net pay\n970.00 USD",
                     "Net pay in words: Nine hundred seventy US dollars and 00 cents",
                     "Cost to the company: 1,155.00 USD", "Angkor Trading Co., Ltd.", "___________ / Dara Keo",
                     f"{number} · Angkor Trading"):
        assert expected in text, expected
    assert "Not final" not in text and "{{" not in text and "{%" not in text
    assert Docx(io.BytesIO(r.data)).core_properties.title == number
    # Asked again, the posted run's payslip is the same paper (no number, no date, nothing of "now" in it).
    assert docx_text(payslip(api, m.run, m.dara, language="en")) == text


def test_the_khmer_and_russian_payslips_speak_their_language(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db)
    km = payslip(api, m.run, m.dara, language="km")
    text = docx_text(km)
    no, names, how, amounts = zip(*items(km))
    assert names == (translate("line_salary", "km"), "Sales bonus", "ពន្ធកាត់ទុក", "Uniform", "មូលនិធិនិយោជក")
    assert list(how) == explanations(api, m.run, m.dara, "km")
    assert amounts == ("1,000.00", "100.00", "110.00", "20.00", "55.00")
    for expected in ("បង្កាន់ដៃប្រាក់បៀវត្សរ៍", "ខែមេសា ឆ្នាំ២០២៦", "មុខតំណែង៖ បេឡាករ", "ប្រាក់ត្រូវបើក\n970.00 USD",
                     amount_words(D("970.00"), "USD", "km")):
        assert expected in text, expected

    ru = payslip(api, m.run, m.dara, language="ru")
    text = docx_text(ru)
    no, names, how, amounts = zip(*items(ru))
    assert names == (translate("line_salary", "ru"), "Sales bonus", "Налог у источника", "Uniform", "Взнос в фонд")
    assert list(how) == explanations(api, m.run, m.dara, "ru")
    assert amounts == ("1\xa0000,00", "100,00", "110,00", "20,00", "55,00")
    assert no == ("1", "2", "1", "2", "1")
    for expected in ("РАСЧЁТНЫЙ ЛИСТОК", "за апрель 2026\xa0г.", "Должность: Кассир", "К выплате\n970,00 USD",
                     "Сумма к выплате прописью: Девятьсот семьдесят долларов США 00 центов"):
        assert expected in text, expected
    assert CYRILLIC.search(text) and not KHMER.search(text)
    # Without a language, a payslip speaks its employee's (Sokha's is Russian), else the company's.
    assert "РАСЧЁТНЫЙ ЛИСТОК" in docx_text(payslip(api, m.run, m.sokha))
    assert "PAYSLIP" in docx_text(payslip(api, m.run, m.dara))


def test_hostile_names_print_as_they_are(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db)
    for language in ("en", "km", "ru"):
        data = payslip(api, m.run, m.sokha, language=language)
        text = docx_text(data)
        assert HOSTILE_EMPLOYEE_NAME in text, language
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml").decode()
        assert "Sokha &lt;Shop&gt; &amp; &#34;Sons&#34; {{ 7*7 }} {% if %}" in xml
    assert [row[3] for row in items(payslip(api, m.run, m.sokha, language="en"))] == ["1,520.00", "152.00", "76.00"]


def test_an_unposted_run_prints_payslips_marked_not_final_and_stores_nothing(api: Any, world: Any, db: Any,
                                                                            unchanged: Any, monkeypatch: Any) -> None:
    from server.payroll.papers import payslips

    m = month(api, world, db, post=False)
    monkeypatch.setattr(payslips, "POOL_FROM", 1)  # the second payslip goes through the documents' pool
    with unchanged():
        text = docx_text(payslip(api, m.run, m.dara, language="en"))
        assert f"Not final: payroll {m.run['number']} is not posted yet, and these figures may still change." in text
        ru = docx_text(payslip(api, m.run, m.dara, language="ru"))
        assert f"Предварительно: ведомость {m.run['number']} ещё не проведена" in ru
        r = api.get(f"{RUNS}/{m.run['id']}/payslips/documents")
        assert r.status_code == 200 and r.mimetype == "application/zip", r.get_data(as_text=True)
        assert r.headers["X-Payslip-Count"] == "2"
        with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
            names = sorted(archive.namelist())
            texts = {name: docx_text(archive.read(name)) for name in names}
    safe = m.run["number"]
    # Each in its employee's language: Dara has none (the company's English), Sokha Russian.
    assert names == sorted([f"payslip_{safe}_{m.dara['number']}_en.docx",
                            f"payslip_{safe}_{m.sokha['number']}_ru.docx"])
    assert "Chan Dara" in texts[f"payslip_{safe}_{m.dara['number']}_en.docx"]
    assert HOSTILE_EMPLOYEE_NAME in texts[f"payslip_{safe}_{m.sokha['number']}_ru.docx"]
    r = api.get(f"{RUNS}/{m.run['id']}/payslips/documents", query_string={"language": "km"})
    with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
        assert all(n.endswith("_km.docx") and KHMER.search(docx_text(archive.read(n))) for n in archive.namelist())


def test_a_company_template_for_payslips_is_checked_and_used(api: Any, world: Any, db: Any) -> None:
    m = month(api, world, db)
    r = api.post("/api/v1/document-templates/preview", {"kind": "payslip", "language": "ru"})
    assert r.status_code == 200 and "РАСЧЁТНЫЙ ЛИСТОК" in docx_text(r.data), r.get_data(as_text=True)
    short = "{{ employee.name }} receives {{ totals.net }} {{ totals.currency }} for {{ run.period }}"
    body = {"kind": "payslip", "language": "en", "name": "Short"}
    unknown = template(short, "{{ employee.salary }}")
    problem(api.post("/api/v1/document-templates", {**body, "content_base64": unknown}),
            422, "validation_failed", fields={"file": "template_unknown_variable"})
    r = api.post("/api/v1/document-templates", {**body, "content_base64": template(short)})
    assert r.status_code == 201, r.get_data(as_text=True)
    own = docx_text(payslip(api, m.run, m.dara, language="en")).strip()
    assert own == "Chan Dara receives 970.00 USD for April 2026"
    # Khmer has no company template: still the shipped one.
    assert "បង្កាន់ដៃប្រាក់បៀវត្សរ៍" in docx_text(payslip(api, m.run, m.dara, language="km"))


def test_payslip_documents_refuse_bad_input_with_clear_errors(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    from server.org.auth import issue_token
    from server.org.models import Branch, User

    m = month(api, world, db)
    draft = open_run(api, world, period="2026-05")
    with db.write_session() as s, s.begin():
        user = User(company_id=world.company_id, email="hr.sr@angkor.example", name="HR Siem Reap", role="hr")
        user.branches = [s.get(Branch, world.branches["SR"])]
        s.add(user)
        s.flush()
        sr_token = issue_token(s, user, "test")[1]
    with unchanged():
        problem(document(api, {"id": 999999}, m.dara), 404, "not_found")
        problem(document(api, m.run, {"id": 999999}), 404, "not_found")
        problem(document(api, draft, m.dara), 409, "payslip_run_not_calculated",
                fields={"status": "payslip_run_not_calculated"})
        problem(document(api, m.run, m.dara, language="fr"), 422, "validation_failed",
                fields={"language": "invalid_language"})
        problem(document(api, m.run, m.dara, format="odt"), 422, "validation_failed",
                fields={"format": "invalid_choice"})
        problem(document(api, m.run, m.dara, colour="red"), 422, "validation_failed",
                fields={"colour": "unknown_field"})
        # A Siem Reap HR user does not see the Phnom Penh run: not found, as the run API answers.
        problem(document(api.as_(sr_token), m.run, m.dara), 404, "not_found")
        problem(api.as_(sr_token).get(f"{RUNS}/{m.run['id']}/payslips/documents"), 404, "not_found")
        for role in ("sales", "warehouse"):
            problem(document(api.as_(world.tokens[role]), m.run, m.dara), 403, "role_forbidden")
        for role in ("accountant", "hr"):
            assert document(api.as_(world.tokens[role]), m.run, m.dara).status_code == 200
        # The documents registry does not make payslips: they have no counterparty and their own number.
        problem(api.post("/api/v1/documents", {"kind": "payslip", "source_id": m.run["id"]}), 422,
                "validation_failed", fields={"kind": "kind_not_registered"})


@pytest.mark.sqlite_only  # LibreOffice's output does not depend on the backend
def test_payslips_as_pdf_through_libreoffice(api: Any, world: Any, db: Any, monkeypatch: Any) -> None:
    m = month(api, world, db)
    with monkeypatch.context() as without:  # a server without LibreOffice says so
        without.setattr(pdf, "soffice", lambda: None)
        problem(document(api, m.run, m.dara, format="pdf"), 409, "pdf_unavailable")
        problem(api.get(f"{RUNS}/{m.run['id']}/payslips/documents", query_string={"format": "pdf"}), 409,
                "pdf_unavailable")
    # tests/documents/test_pdf_and_batches.py insists LibreOffice is installed for the suite.
    assert pdf.available(), "LibreOffice (soffice) is not installed: run `make system-packages`"
    r = document(api, m.run, m.dara, format="pdf", language="ru")
    assert r.status_code == 200 and r.mimetype == "application/pdf", r.get_data(as_text=True)
    assert r.headers["Content-Disposition"].endswith(f"_{m.dara['number']}_ru.pdf")
    text = pdf_text(r.data)
    assert "970,00" in text and "Девятьсот семьдесят долларов США" in text
    r = api.get(f"{RUNS}/{m.run['id']}/payslips/documents", query_string={"format": "pdf", "language": "en"})
    assert r.status_code == 200, r.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(r.data)) as archive:
        texts = {name: pdf_text(archive.read(name)) for name in archive.namelist()}
    assert sorted(texts) == sorted(f"payslip_{m.run['number']}_{e['number']}_en.pdf" for e in (m.dara, m.sokha))
    assert "1,368.00" in texts[f"payslip_{m.run['number']}_{m.sokha['number']}_en.pdf"]


@pytest.mark.parametrize("language,script", [("km", KHMER), ("ru", CYRILLIC)])
def test_every_payslip_and_report_message_is_translated_with_its_placeholders(language: str, script: Any) -> None:
    translations = catalog(language)
    fields = lambda text: {n for _, n, _, _ in string.Formatter().parse(text) if n}  # noqa: E731
    for code, english in MESSAGES.items():
        assert translations.get(english), (code, language)
        assert fields(translations[english]) == fields(english), code
        assert script.search(translations[english]), code
