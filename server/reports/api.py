"""Reports API: trial balance, P&L, balance sheet, cash flow, aging, overdue list, payment calendar, purchases."""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, Response, current_app, request
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..routes import route
from ..core.i18n import negotiate
from . import aging, schemas, service, xlsx

bp = Blueprint("reports", __name__, url_prefix="/api/v1")

BOOKS = ("owner", "accountant")
# Sales follow their clients' debts (within their branch scope); the statements are the books' own.
OPEN_ITEMS = ("owner", "accountant", "sales")
BOTH = ("application/json", xlsx.MIMETYPE)


def report_language(actor: Actor) -> str:
    return negotiate(request.headers.get("Accept-Language"), actor.language or current_app.config["DEFAULT_LANGUAGE"])


def report_answer(report: Any, fmt: str, name: str, to_xlsx: Callable[[Any, str], bytes], language: str) -> Any:
    if fmt == "xlsx":
        resp = Response(to_xlsx(report, language), mimetype=xlsx.MIMETYPE)
        resp.headers["Content-Disposition"] = f"attachment; filename={name}.xlsx"
        return resp
    # The model's JSON data, written by the route as every dict answer is (the bytes these answers always had).
    return report.model_dump(mode="json")


@route(bp, "/reports/trial-balance", roles=BOOKS, query=schemas.PeriodQuery, response=schemas.TrialBalanceOut,
       produces=BOTH)
def trial_balance(session: Session, actor: Actor, query: schemas.PeriodQuery) -> Any:
    """Trial balance: opening, debits, credits and closing per account (`from`, `to`, `branch_id`, `format`)."""
    lang = report_language(actor)
    r = service.trial_balance(session, actor, query.from_, query.to, query.branch_id, lang)
    return report_answer(r, query.format, "trial-balance", xlsx.trial_balance, lang)


@route(bp, "/reports/profit-and-loss", roles=BOOKS, query=schemas.PeriodQuery, response=schemas.ProfitAndLossOut,
       produces=BOTH)
def profit_and_loss(session: Session, actor: Actor, query: schemas.PeriodQuery) -> Any:
    """Profit and loss: income and expense accounts of a period and the net profit."""
    lang = report_language(actor)
    r = service.profit_and_loss(session, actor, query.from_, query.to, query.branch_id, lang)
    return report_answer(r, query.format, "profit-and-loss", xlsx.profit_and_loss, lang)


@route(bp, "/reports/balance-sheet", roles=BOOKS, query=schemas.AsOfQuery, response=schemas.BalanceSheetOut,
       produces=BOTH)
def balance_sheet(session: Session, actor: Actor, query: schemas.AsOfQuery) -> Any:
    """Balance sheet as of a date: assets, liabilities, equity with the earnings not yet closed."""
    lang = report_language(actor)
    r = service.balance_sheet(session, actor, query.as_of, query.branch_id, lang)
    return report_answer(r, query.format, "balance-sheet", xlsx.balance_sheet, lang)


@route(bp, "/reports/cash-flow", roles=BOOKS, query=schemas.PeriodQuery, response=schemas.CashFlowOut,
       produces=BOTH)
def cash_flow(session: Session, actor: Actor, query: schemas.PeriodQuery) -> Any:
    """Cash flow by category: money in and out of cash and bank, opening and closing cash."""
    lang = report_language(actor)
    r = service.cash_flow(session, actor, query.from_, query.to, query.branch_id, lang)
    return report_answer(r, query.format, "cash-flow", xlsx.cash_flow, lang)


@route(bp, "/reports/aging", roles=OPEN_ITEMS, query=schemas.AgingQuery, response=schemas.AgingOut, produces=BOTH)
def aging_report(session: Session, actor: Actor, query: schemas.AgingQuery) -> Any:
    """Receivables or payables aging in day buckets per client, branch or manager (`buckets=0,30,60,90`)."""
    lang = report_language(actor)
    r = aging.aging(session, actor, side=query.side, as_of=query.as_of, basis=query.basis, group=query.group,
                    buckets=query.bucket_days(), branch_id=query.branch_id, manager_id=query.manager_id,
                    counterparty_id=query.counterparty_id, language=lang)
    return report_answer(r, query.format, f"aging-{query.side}", xlsx.aging, lang)


@route(bp, "/reports/overdue", roles=OPEN_ITEMS, query=schemas.OverdueQuery, response=schemas.OverdueOut,
       produces=BOTH)
def overdue(session: Session, actor: Actor, query: schemas.OverdueQuery) -> Any:
    """Overdue invoices (or bills) as of a date, with days overdue and whom to call."""
    lang = report_language(actor)
    r = aging.overdue(session, actor, side=query.side, as_of=query.as_of, branch_id=query.branch_id,
                      manager_id=query.manager_id, counterparty_id=query.counterparty_id)
    return report_answer(r, query.format, f"overdue-{query.side}", xlsx.overdue, lang)


@route(bp, "/reports/payment-calendar", roles=OPEN_ITEMS, query=schemas.CalendarQuery,
       response=schemas.CalendarOut, produces=BOTH)
def payment_calendar(session: Session, actor: Actor, query: schemas.CalendarQuery) -> Any:
    """Expected receipts and payments by due date; what is already late is one "overdue" line."""
    lang = report_language(actor)
    r = aging.payment_calendar(session, actor, query.from_, query.to, query.branch_id, query.manager_id)
    return report_answer(r, query.format, "payment-calendar", xlsx.payment_calendar, lang)


@route(bp, "/reports/purchase-levels", roles=BOOKS, query=schemas.PurchaseLevelsQuery,
       response=schemas.PurchaseLevelsOut, produces=BOTH)
def purchase_levels(session: Session, actor: Actor, query: schemas.PurchaseLevelsQuery) -> Any:
    """Net sales per client and product category over a period (credit notes negative)."""
    lang = report_language(actor)
    r = service.purchase_levels(session, actor, query.from_, query.to, query.branch_id, query.counterparty_id, lang)
    return report_answer(r, query.format, "purchase-levels", xlsx.purchase_levels, lang)
