"""Payslips as Word (or PDF) documents: the context a payslip template fills, rendered from the template in use.

A payslip is not registered in the documents registry (documents.models.Document): that registry is of papers
handed to counterparties (it requires one) and numbered in its own series. A payslip's number is its run's
and its employee's; a posted run never changes, so its payslip is made again with the same figures whenever
it is asked for (only the template, the company's requisites or names edited since would show). A payslip
of a run not yet posted says so on the paper ("Not final").

The template is the company's own default for the kind "payslip" and the language, else the shipped one
(templates/payroll/payslip.<lang>.docx, built by tools/build_templates.py); its variables are the paths of
`documents.kinds.sample_context("payslip", …)`, and `payslip_context` hands out exactly that shape.
"""
from __future__ import annotations

import io
import zipfile
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.actor import Actor
from ...core.errors import Conflict, ErrorList, FieldError, NotFound, ValidationFailed
from ...core.money import currency as currency_of
from ...documents import batch, pdf
from ...documents import service as documents
from ...documents.context import company_part, memo
from ...documents.engine import TemplateProblem
from ...documents.formats import format_amount, format_date, format_quantity
from ...documents.words import amount_words
from ...hr.models import Employee, Position
from ...org.models import Branch, Company, Department
from ..explain import describe
from ..models import PayrollRun, Payslip
from ..service import get_run, line_names, payslips
from ..staff import month_end
from .wording import month_text, say

KIND = "payslip"
POSTED = ("posted", "paid")
SECTIONS = {"earning": "earnings", "deduction": "deductions", "contribution": "contributions"}
# From this many payslips a run's documents are rendered by the documents' process pool (its start costs ~1 s).
POOL_FROM = 200
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _Refs:
    """The names a run's payslips print, read once per run: departments, positions, line names, the adjusted run."""

    def __init__(self, session: Session, company_id: int, slips: list[tuple[Payslip, Employee]], run: PayrollRun):
        self.session, self.company_id = session, company_id
        dept_ids = {s.department_id for s, _e in slips if s.department_id}
        pos_ids = {s.position_id for s, _e in slips if s.position_id}
        self.departments: dict[int, str] = {
            i: name for i, name in session.execute(select(Department.id, Department.name)
                                                   .where(Department.id.in_(dept_ids)))} if dept_ids else {}
        self.positions = {p.id: p for p in session.scalars(select(Position).where(Position.id.in_(pos_ids)))} \
            if pos_ids else {}
        self.adjusts = session.get(PayrollRun, run.adjusts_run_id) if run.adjusts_run_id else None
        self._line_names: dict[str, Any] = {}

    def position(self, position_id: Optional[int], language: str) -> str:
        p = self.positions.get(position_id) if position_id else None
        return "" if p is None else str((p.names or {}).get(language) or p.name)

    def line_name(self, kind: str, code: str, name: str, language: str) -> str:
        """Built-in lines and taxes in `language` (as the run API names them); fixed items as they were typed."""
        if language not in self._line_names:
            self._line_names[language] = line_names(self.session, self.company_id, language)
        return self._line_names[language](kind, code, name)


def payslip_context(session: Session, company: Company, run: PayrollRun, slip: Payslip, emp: Employee,
                    language: str, refs: _Refs) -> dict[str, Any]:
    """Everything a payslip template prints, as strings formatted for `language`."""
    cur = run.currency
    money = lambda v: format_amount(v, cur, language)  # noqa: E731
    branch = memo(session, ("branch", run.branch_id), lambda: session.get_one(Branch, run.branch_id))
    end = month_end(run.period)
    sections: dict[str, list[dict[str, str]]] = {name: [] for name in SECTIONS.values()}
    for ln in slip.lines:
        rows = sections[SECTIONS[ln.kind]]
        rows.append({
            "no": str(len(rows) + 1), "code": ln.code,
            "name": refs.line_name(ln.kind, ln.code, ln.name, language),
            "explanation": describe(ln.explain, language),
            "base": money(ln.base) if ln.base is not None else "", "amount": money(ln.amount),
        })
    notes = []
    if run.status not in POSTED:
        notes.append(say("payslip_not_final", language, run=run.number))
    if refs.adjusts is not None:
        notes.append(say("payslip_adjustment", language, run=refs.adjusts.number))
    return {
        "doc": {"kind": KIND, "number": f"{run.number}/{emp.number}", "date": format_date(end, language),
                "date_short": format_date(end, language, "short"), "city": branch.city or "", "language": language},
        "company": memo(session, ("company", run.branch_id, cur), lambda: company_part(session, company, branch, cur)),
        "barcode": "", "qr": "", "logo": "",
        "run": {"number": run.number, "period": month_text(run.period, language),
                "period_start": format_date(run.period, language), "period_end": format_date(end, language),
                "note": " ".join(notes)},
        "employee": {"number": emp.number, "name": emp.full_name, "position": refs.position(slip.position_id, language),
                     "department": refs.departments.get(slip.department_id, "") if slip.department_id else "",
                     "tax_id": emp.tax_id or "", "social_id": emp.social_id or "",
                     "bank_account": emp.bank_account or ""},
        "time": {"norm_days": str(slip.norm_days), "worked_days": str(slip.worked_days),
                 "norm_hours": format_quantity(slip.norm_hours, language),
                 "worked_hours": format_quantity(slip.worked_hours, language)},
        **sections,
        "totals": {"gross": money(slip.gross), "deductions": money(slip.deductions), "net": money(slip.net),
                   "contributions": money(slip.contributions), "cost": money(slip.gross + slip.contributions),
                   "currency": cur},
        # A run with a negative net pay is refused at calculation; abs() only keeps words from failing on -0.
        "net_words": amount_words(abs(currency_of(cur).round(slip.net)), cur, language),
    }


def _template_errors(exc: TemplateProblem) -> ValidationFailed:
    errors = ErrorList()
    for p in exc.problems:
        errors.add("template", f"template_{p['code']}", detail=p["detail"],
                   **{k: v for k, v in p.items() if k not in ("code", "detail") and v is not None})
    return ValidationFailed(errors=errors.items)


def _calculated_run(session: Session, actor: Actor, run_id: int) -> PayrollRun:
    run = get_run(session, actor, run_id)
    if run.status == "draft":  # a draft has no payslips until it is calculated
        params = {"run": run.number}
        raise Conflict("payslip_run_not_calculated", params=params,
                       errors=[FieldError("status", "payslip_run_not_calculated", params)])
    return run


def _render(session: Session, actor: Actor, company: Company, run: PayrollRun,
            slips: list[tuple[Payslip, Employee]], language: Optional[str]) -> list[tuple[str, bytes]]:
    """(file name, .docx) per payslip, each in `language` or else its employee's (else the company's) language."""
    refs = _Refs(session, actor.company_id, slips, run)
    jobs, names = [], []
    for slip, emp in slips:
        lang = language or emp.language or company.language
        ctx = payslip_context(session, company, run, slip, emp, lang, refs)
        _label, template = documents.template_for(session, actor.company_id, KIND, lang)
        jobs.append((template, ctx, ctx["totals"]["net"], run.currency))
        names.append(documents.filename(KIND, ctx["doc"]["number"], lang))
    first_of: dict[bytes, int] = {}  # template → its first payslip
    for i, job in enumerate(jobs):
        first_of.setdefault(job[0], i)
    rendered: dict[int, bytes] = {}
    try:
        # Each template's first payslip in this process: a company template that cannot fill is reported as
        # such (the pool would hand back its error without the problems it lists).
        for i in first_of.values():
            rendered[i] = batch.render_one(jobs[i])
        rest = [i for i in range(len(jobs)) if i not in rendered]
        if len(rest) >= POOL_FROM:
            done = batch.pool().map(batch.render_one, [jobs[i] for i in rest], chunksize=20)
            rendered.update(zip(rest, done))
        else:
            rendered.update((i, batch.render_one(jobs[i])) for i in rest)
    except TemplateProblem as exc:
        raise _template_errors(exc) from None
    return [(names[i], rendered[i]) for i in range(len(jobs))]


def _to_pdf(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    if not pdf.available():
        raise Conflict("pdf_unavailable")
    converted = pdf.convert(dict(files))
    return [(name[:-len(".docx")] + ".pdf", converted[name]) for name, _docx in files]


def payslip_document(session: Session, actor: Actor, run_id: int, employee_id: int, language: Optional[str],
                     fmt: str = "docx") -> tuple[str, bytes]:
    """(file name, bytes) of one employee's payslip in a run, as .docx or .pdf; nothing is stored."""
    run = _calculated_run(session, actor, run_id)
    slips = payslips(session, actor, run, employee_id)
    if not slips:
        raise NotFound(params={"entity": "payslip", "id": employee_id})
    company = session.get_one(Company, actor.company_id)
    files = _render(session, actor, company, run, slips, language)
    return (_to_pdf(files) if fmt == "pdf" else files)[0]


def run_payslip_documents(session: Session, actor: Actor, run_id: int, language: Optional[str],
                          fmt: str = "docx") -> tuple[str, bytes, int]:
    """Every payslip of a run in one zip (file name, bytes, how many); PDFs converted in one LibreOffice run."""
    run = _calculated_run(session, actor, run_id)
    if fmt == "pdf" and not pdf.available():
        raise Conflict("pdf_unavailable")
    company = session.get_one(Company, actor.company_id)
    files = _render(session, actor, company, run, payslips(session, actor, run), language)
    if fmt == "pdf":
        files = _to_pdf(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in run.number)
    return f"payslips_{safe}.zip", buffer.getvalue(), len(files)
