"""Payroll papers API: payslips as .docx or .pdf (one, or a run's in a zip), the payroll register, cost per department."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from ...core.actor import Actor
from ...routes import route
from ...documents.api import attachment
from ...reports.api import report_answer, report_language
from ...reports.xlsx import MIMETYPE as XLSX
from . import schemas
from . import payslips, reports

bp = Blueprint("payroll_documents", __name__, url_prefix="/api/v1")

READ = ("owner", "accountant", "hr")
DOCX = payslips.DOCX
MIMETYPES = {"docx": DOCX, "pdf": "application/pdf"}
BOTH = ("application/json", XLSX)


@route(bp, "/payroll-runs/<int:id>/payslips/<int:employee_id>/document", roles=READ,
       query=schemas.PayslipDocumentQuery, produces=(DOCX, "application/pdf"), errors=(409,))
def payslip_document(session: Session, actor: Actor, id: int, employee_id: int,
                     query: schemas.PayslipDocumentQuery) -> Response:
    """One employee's payslip in a run as .docx (or .pdf), in the language asked for or the employee's own."""
    name, content = payslips.payslip_document(session, actor, id, employee_id, query.language, query.format)
    return attachment(content, MIMETYPES[query.format], name)


@route(bp, "/payroll-runs/<int:id>/payslips/documents", roles=READ, query=schemas.PayslipDocumentQuery,
       produces=("application/zip",), errors=(409,))
def run_payslip_documents(session: Session, actor: Actor, id: int, query: schemas.PayslipDocumentQuery) -> Response:
    """Every payslip of a run in one zip, each in the language asked for or its employee's own."""
    name, content, count = payslips.run_payslip_documents(session, actor, id, query.language, query.format)
    resp = attachment(content, "application/zip", name)
    resp.headers["X-Payslip-Count"] = str(count)
    return resp


@route(bp, "/reports/payroll-register", roles=READ, query=schemas.RegisterQuery, response=schemas.RegisterOut,
       produces=BOTH)
def payroll_register(session: Session, actor: Actor, query: schemas.RegisterQuery) -> Any:
    """The payroll register of a run or a month: a row per employee, a column per earning, deduction, contribution."""
    lang = report_language(actor)
    runs = reports.register_runs(session, actor, query.run_id, query.period, query.branch_id)
    return report_answer(reports.register(session, actor, runs, lang), query.format, "payroll-register",
                   reports.register_xlsx, lang)


@route(bp, "/reports/payroll-cost", roles=READ, query=schemas.CostQuery, response=schemas.CostOut, produces=BOTH)
def payroll_cost(session: Session, actor: Actor, query: schemas.CostQuery) -> Any:
    """Payroll cost per department over posted months: gross pay, employer contributions, total cost, headcount."""
    lang = report_language(actor)
    r = reports.cost(session, actor, query.from_, query.to, query.branch_id, lang)
    return report_answer(r, query.format, "payroll-cost", reports.cost_xlsx, lang)
