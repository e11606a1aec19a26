"""Reports as formatted workbooks (XlsxWriter): title, period, bold frozen header, money formats, totals."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Optional, Sequence

import xlsxwriter

from ..core.i18n import translate
from ..core.money import currency as currency_of
from .schemas import (
    AgingOut, BalanceSheetOut, CalendarOut, CashFlowOut, OverdueOut, ProfitAndLossOut, PurchaseLevelsOut, TrialBalanceOut,
)

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Col:
    label: str
    kind: str = "text"  # text | money | int | date
    # Money columns: the currency whose decimals the number format shows (None: the report's currency),
    # or the column of the row that names it (documents in several currencies).
    currency: Optional[str] = None
    currency_from: Optional[int] = None


class Book:
    """One workbook; each sheet is a title block and one table whose header row stays in view."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.out = io.BytesIO()
        # Names typed by users ("=1+1", "http://…") stay text.
        self.wb = xlsxwriter.Workbook(self.out, {"in_memory": True, "strings_to_formulas": False,
                                                 "strings_to_urls": False, "strings_to_numbers": False})
        self.title = self.wb.add_format({"bold": True, "font_size": 14})
        self.header = self.wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True,
                                          "valign": "top"})
        self.date = self.wb.add_format({"num_format": "yyyy-mm-dd"})
        self.bold = self.wb.add_format({"bold": True})
        self._money: dict[tuple[int, str], Any] = {}

    def t(self, code: str, **params: Any) -> str:
        return translate(code, self.language, **params)

    def money(self, places: int, style: str = "") -> Any:
        key = (places, style)
        if key not in self._money:
            pattern = "#,##0" + ("." + "0" * places if places else "")
            fmt: dict[str, Any] = {"num_format": f"{pattern};-{pattern}"}
            if style == "total":
                fmt.update(bold=True, top=1)
            elif style == "bold":
                fmt.update(bold=True)
            self._money[key] = self.wb.add_format(fmt)
        return self._money[key]

    def sheet(self, name: str, title: str, lines: Sequence[str], cols: list[Col], currency: str,
              rows: list[tuple[str, list[Any]]]) -> None:
        """`rows`: ("row" | "section" | "total", values); totals and sections are bold."""
        ws = self.wb.add_worksheet(name[:31])
        ws.write(0, 0, title, self.title)
        for n, line in enumerate(lines, start=1):
            ws.write(n, 0, line)
        head = len(lines) + 2
        ws.write_row(head, 0, [c.label for c in cols], self.header)
        ws.freeze_panes(head + 1, 0)
        widths = [min(max(len(c.label), 8), 40) + 2 for c in cols]
        bold_total = self.wb.add_format({"bold": True, "top": 1})
        for r, (style, values) in enumerate(rows, start=head + 1):
            for c, (col, value) in enumerate(zip(cols, values)):
                if value is None:
                    if style == "total":
                        ws.write_blank(r, c, None, bold_total)
                    continue
                if col.kind == "money" and isinstance(value, Decimal):
                    code = values[col.currency_from] if col.currency_from is not None else col.currency or currency
                    places = currency_of(code).minor_units
                    ws.write_number(r, c, float(value), self.money(places, style if style != "row" else ""))
                    widths[c] = max(widths[c], len(f"{value:,}") + 2)
                elif col.kind == "date" and isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), self.date)
                    widths[c] = max(widths[c], 12)
                elif isinstance(value, int) and not isinstance(value, bool):
                    ws.write_number(r, c, value, bold_total if style == "total" else None)
                else:
                    text = str(value)
                    ws.write_string(r, c, text, bold_total if style == "total" else self.bold if style == "section"
                                    else None)
                    widths[c] = min(max(widths[c], len(text) + 2), 60)
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)

    def close(self) -> bytes:
        self.wb.close()
        return self.out.getvalue()


def _period(b: Book, from_: dt.date, to: dt.date, currency: str) -> list[str]:
    return [b.t("report_period", from_date=from_.isoformat(), to_date=to.isoformat()),
            b.t("report_amounts_in", currency=currency)]


def _as_of(b: Book, as_of: dt.date, currency: str) -> list[str]:
    return [b.t("report_as_of", date=as_of.isoformat()), b.t("report_amounts_in", currency=currency)]


def trial_balance(r: TrialBalanceOut, language: str) -> bytes:
    b = Book(language)
    money = ("report_opening_debit", "report_opening_credit", "report_debit", "report_credit",
             "report_closing_debit", "report_closing_credit")
    cols = [Col(b.t("report_code")), Col(b.t("report_account"))] + [Col(b.t(m), "money") for m in money]
    fields = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit")
    rows = [("row", [a.code, a.name, *(getattr(a, f) for f in fields)]) for a in r.accounts]
    rows.append(("total", [b.t("report_total"), None, *(getattr(r.totals, f) for f in fields)]))
    b.sheet(b.t("report_trial_balance"), b.t("report_trial_balance"), _period(b, r.from_date, r.to_date, r.currency),
            cols, r.currency, rows)
    return b.close()


def _accounts(items: list[Any]) -> list[tuple[str, list[Any]]]:
    return [("row", [a.code, a.name, a.amount]) for a in items]


def profit_and_loss(r: ProfitAndLossOut, language: str) -> bytes:
    b = Book(language)
    cols = [Col(b.t("report_code")), Col(b.t("report_account")), Col(b.t("report_amount"), "money")]
    rows: list[tuple[str, list[Any]]] = [("section", [b.t("report_income")]), *_accounts(r.income),
                                         ("total", [b.t("report_income"), None, r.total_income]),
                                         ("section", [b.t("report_expenses")]), *_accounts(r.expenses),
                                         ("total", [b.t("report_expenses"), None, r.total_expenses]),
                                         ("total", [b.t("report_net_profit"), None, r.net_profit])]
    b.sheet(b.t("report_profit_and_loss"), b.t("report_profit_and_loss"),
            _period(b, r.from_date, r.to_date, r.currency), cols, r.currency, rows)
    return b.close()


def balance_sheet(r: BalanceSheetOut, language: str) -> bytes:
    b = Book(language)
    cols = [Col(b.t("report_code")), Col(b.t("report_account")), Col(b.t("report_amount"), "money")]
    rows: list[tuple[str, list[Any]]] = [
        ("section", [b.t("report_assets")]), *_accounts(r.assets),
        ("total", [b.t("report_assets"), None, r.total_assets]),
        ("section", [b.t("report_liabilities")]), *_accounts(r.liabilities),
        ("total", [b.t("report_liabilities"), None, r.total_liabilities]),
        ("section", [b.t("report_equity")]), *_accounts(r.equity),
        ("row", [None, b.t("report_current_earnings"), r.current_earnings]),
        ("total", [b.t("report_equity"), None, r.total_equity]),
        ("total", [b.t("report_liabilities_and_equity"), None, r.total_liabilities_and_equity]),
    ]
    b.sheet(b.t("report_balance_sheet"), b.t("report_balance_sheet"), _as_of(b, r.as_of, r.currency), cols,
            r.currency, rows)
    return b.close()


def cash_flow(r: CashFlowOut, language: str) -> bytes:
    b = Book(language)
    cols = [Col(b.t("report_category")), Col(b.t("report_inflow"), "money"), Col(b.t("report_outflow"), "money"),
            Col(b.t("report_net"), "money")]
    rows: list[tuple[str, list[Any]]] = [("row", [b.t("report_opening_cash"), None, None, r.opening])]
    rows += [("row", [c.name, c.inflow, c.outflow, c.net]) for c in r.categories]
    rows.append(("total", [b.t("report_total"), r.total_inflow, r.total_outflow, r.net]))
    rows.append(("total", [b.t("report_closing_cash"), None, None, r.closing]))
    b.sheet(b.t("report_cash_flow"), b.t("report_cash_flow"), _period(b, r.from_date, r.to_date, r.currency), cols,
            r.currency, rows)
    return b.close()


GROUP_LABELS = {"client": "report_counterparty", "branch": "report_branch", "manager": "report_manager"}


def aging(r: AgingOut, language: str) -> bytes:
    b = Book(language)
    title = b.t(f"report_aging_{r.side}")
    buckets = [Col(k.label, "money") for k in r.buckets]
    cols = [Col(b.t(GROUP_LABELS[r.group])), *buckets, Col(b.t("report_total"), "money")]
    rows = [("row", [x.name, *x.buckets, x.total]) for x in r.rows]
    rows.append(("total", [r.totals.name, *r.totals.buckets, r.totals.total]))
    b.sheet(title, title, _as_of(b, r.as_of, r.currency), cols, r.currency, rows)
    # The same in each document's currency, one line per group and currency.
    cur_cols = [Col(b.t(GROUP_LABELS[r.group])), Col(b.t("report_currency"))]
    cur_rows: list[tuple[str, list[Any]]] = []
    for x in r.rows:
        cur_rows += [("row", [x.name, c.currency, *c.buckets, c.total]) for c in x.by_currency]
    cur_rows += [("total", [r.totals.name, c.currency, *c.buckets, c.total]) for c in r.totals.by_currency]
    b.sheet(b.t("report_by_currency"), title, [b.t("report_as_of", date=r.as_of.isoformat())],
            cur_cols + [Col(c.label, "money", currency_from=1) for c in buckets]
            + [Col(b.t("report_total"), "money", currency_from=1)], r.currency, cur_rows)
    return b.close()


def overdue(r: OverdueOut, language: str) -> bytes:
    b = Book(language)
    title = b.t(f"report_overdue_{r.side}")
    cols = [Col(b.t("report_counterparty")), Col(b.t("report_number")), Col(b.t("report_date"), "date"),
            Col(b.t("report_due_date"), "date"), Col(b.t("report_days_overdue"), "int"),
            Col(b.t("report_currency")), Col(b.t("report_open_amount"), "money", currency_from=5),
            Col(b.t("report_open_base", currency=r.currency), "money"), Col(b.t("report_manager")),
            Col(b.t("report_phone")), Col(b.t("report_email"))]
    rows = [("row", [x.counterparty, x.number, x.date, x.due_date, x.days_overdue, x.currency, x.open_amount,
                     x.open_base, x.manager, x.phone, x.email]) for x in r.items]
    rows.append(("total", [b.t("report_total"), None, None, None, None, None, None, r.total_base]))
    b.sheet(title, title, _as_of(b, r.as_of, r.currency), cols, r.currency, rows)
    return b.close()


def payment_calendar(r: CalendarOut, language: str) -> bytes:
    b = Book(language)
    cols = [Col(b.t("report_date"), "date"), Col(b.t("report_receipts"), "money"),
            Col(b.t("report_payments"), "money"), Col(b.t("report_net"), "money"),
            Col(b.t("report_cumulative"), "money")]
    o = r.overdue
    rows: list[tuple[str, list[Any]]] = [("row", [b.t("report_overdue_line"), o.receipts, o.payments, o.net,
                                                  o.cumulative])]
    rows += [("row", [d.date, d.receipts, d.payments, d.net, d.cumulative]) for d in r.days]
    rows.append(("total", [b.t("report_total"), r.total_receipts, r.total_payments, r.net, None]))
    b.sheet(b.t("report_payment_calendar"), b.t("report_payment_calendar"),
            _period(b, r.from_date, r.to_date, r.currency), cols, r.currency, rows)
    return b.close()


def purchase_levels(r: PurchaseLevelsOut, language: str) -> bytes:
    b = Book(language)
    cols = [Col(b.t("report_counterparty")), *(Col(c.name, "money") for c in r.categories),
            Col(b.t("report_total"), "money")]
    rows = [("row", [x.name, *x.amounts, x.total]) for x in r.rows]
    rows.append(("total", [b.t("report_total"), *r.totals, r.total]))
    b.sheet(b.t("report_purchase_levels"), b.t("report_purchase_levels"),
            _period(b, r.from_date, r.to_date, r.currency), cols, r.currency, rows)
    return b.close()
