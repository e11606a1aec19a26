"""The sales book and the purchase book: posted invoices and credit notes of a period, with tax by rate, as JSON or xlsx."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any, Optional

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.errors import ValidationFailed, FieldError
from ..core.money import CURRENCIES
from ..ledger.service import books as company_books
from ..parties.models import Counterparty
from .models import Invoice
from .service import POSTED, ZERO, base_split, plain

KINDS = {"sales": ("sale_invoice", "sale_credit"), "purchases": ("bill", "bill_credit")}
CREDIT = ("sale_credit", "bill_credit")


def book(session: Session, actor: Actor, which: str, date_from: dt.date, date_to: dt.date,
         branch_id: Optional[int] = None) -> dict[str, Any]:
    """One row per posted document dated in the period; credit notes negative.

    Cancelled documents are left out: their entry was reversed on its own date, so the ledger of the
    period holds nothing of them either, and the book agrees with the ledger.
    """
    if date_to < date_from:
        raise ValidationFailed(errors=[FieldError("to", "period_end_before_start", {"date": date_from.isoformat()})])
    base = company_books(session, actor.company_id).base
    cond = [Invoice.company_id == actor.company_id, Invoice.kind.in_(KINDS[which]), Invoice.status.in_(POSTED),
            Invoice.date >= date_from, Invoice.date <= date_to]
    if actor.branch_ids:
        cond.append(Invoice.branch_id.in_(actor.branch_ids))
    if branch_id is not None:
        cond.append(Invoice.branch_id == branch_id)
    q = (select(Invoice, Counterparty.name, Counterparty.tax_id)
         .join(Counterparty, Counterparty.id == Invoice.counterparty_id)
         .where(*cond).order_by(Invoice.date, Invoice.kind, Invoice.seq, Invoice.id))
    rows = []
    by_rate: dict[Decimal, list[Decimal]] = {}
    sums = [ZERO, ZERO, ZERO]
    for inv, name, tax_id in session.execute(q).all():
        cur = CURRENCIES[inv.currency]
        sign = -1 if inv.kind in CREDIT else 1
        total_base, parts = base_split(inv, base)
        taxes: dict[Decimal, list[Decimal]] = {}
        for line, (net_b, tax_b) in zip(inv.lines, parts):
            t = taxes.setdefault(plain(line.tax_rate), [ZERO, ZERO, ZERO, ZERO])
            t[0] += line.net
            t[1] += line.tax
            t[2] += net_b
            t[3] += tax_b
        net_base = sum((t[2] for t in taxes.values()), ZERO)
        tax_base = sum((t[3] for t in taxes.values()), ZERO)
        for rate, t in taxes.items():
            agg = by_rate.setdefault(rate, [ZERO, ZERO])
            agg[0] += sign * t[2]
            agg[1] += sign * t[3]
        sums[0] += sign * net_base
        sums[1] += sign * tax_base
        sums[2] += sign * total_base
        rows.append({
            "invoice_id": inv.id, "kind": inv.kind, "date": inv.date, "number": inv.number, "counterparty": name,
            "tax_id": tax_id, "currency": inv.currency, "rate": plain(inv.rate),
            "net": sign * cur.round(inv.net_total), "tax": sign * cur.round(inv.tax_total),
            "total": sign * cur.round(inv.total), "net_base": sign * net_base, "tax_base": sign * tax_base,
            "total_base": sign * total_base,
            "taxes": [{"rate": r, "net": sign * cur.round(t[0]), "tax": sign * cur.round(t[1]),
                       "net_base": sign * t[2], "tax_base": sign * t[3]} for r, t in sorted(taxes.items())],
        })
    return {
        "book": which, "date_from": date_from, "date_to": date_to, "base_currency": base.code, "rows": rows,
        "by_rate": [{"rate": r, "net_base": v[0], "tax_base": v[1]} for r, v in sorted(by_rate.items())],
        "net_base": sums[0], "tax_base": sums[1], "total_base": sums[2],
    }


TITLES = {"sales": "Sales book", "purchases": "Purchase book"}


def to_xlsx(data: dict[str, Any]) -> bytes:
    """The book as a formatted sheet: title, header, one row per document, net and tax per rate, totals, frozen header.

    Amounts become spreadsheet numbers here, at the edge (Excel has no decimal type).
    """
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(TITLES[data["book"]])
    base = CURRENCIES[data["base_currency"]]
    money_fmt = "#,##0" if base.minor_units == 0 else "#,##0." + "0" * base.minor_units
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": money_fmt})
    doc_money = wb.add_format({"num_format": "#,##0.00##"})
    rate_fmt = wb.add_format({"num_format": "0.0#########"})
    bold_money = wb.add_format({"num_format": money_fmt, "bold": True, "top": 1})
    bold = wb.add_format({"bold": True, "top": 1})
    rates = [t["rate"] for t in data["by_rate"]]
    headers = ["Date", "Number", "Kind", "Counterparty", "Tax ID", "Currency", "Rate", "Net", "Tax", "Total",
               f"Net ({base.code})", f"Tax ({base.code})", f"Total ({base.code})"]
    for r in rates:
        headers += [f"Net {r}% ({base.code})", f"Tax {r}% ({base.code})"]
    ws.write(0, 0, f"{TITLES[data['book']]} {data['date_from'].isoformat()} – {data['date_to'].isoformat()}", title)
    ws.write_row(2, 0, headers, head)
    row = 3
    for r in data["rows"]:
        ws.write_datetime(row, 0, dt.datetime.combine(r["date"], dt.time()), day)
        for col, key in ((1, "number"), (2, "kind"), (3, "counterparty"), (4, "tax_id"), (5, "currency")):
            if r[key] is not None:
                ws.write_string(row, col, str(r[key]))
        ws.write_number(row, 6, float(r["rate"]), rate_fmt)
        for col, key in ((7, "net"), (8, "tax"), (9, "total")):
            ws.write_number(row, col, float(r[key]), doc_money)
        for col, key in ((10, "net_base"), (11, "tax_base"), (12, "total_base")):
            ws.write_number(row, col, float(r[key]), money)
        per = {t["rate"]: t for t in r["taxes"]}
        for i, rate in enumerate(rates):
            if rate in per:
                ws.write_number(row, 13 + 2 * i, float(per[rate]["net_base"]), money)
                ws.write_number(row, 14 + 2 * i, float(per[rate]["tax_base"]), money)
        row += 1
    # Totals are written as values (computed exactly in Decimal), not formulas: every reader sees them.
    ws.write(row, 0, "Total", bold)
    for col in range(1, 10):
        ws.write_blank(row, col, None, bold)
    for col, key in ((10, "net_base"), (11, "tax_base"), (12, "total_base")):
        ws.write_number(row, col, float(data[key]), bold_money)
    for i, t in enumerate(data["by_rate"]):
        ws.write_number(row, 13 + 2 * i, float(t["net_base"]), bold_money)
        ws.write_number(row, 14 + 2 * i, float(t["tax_base"]), bold_money)
    ws.freeze_panes(3, 2)
    ws.set_column(0, 0, 11)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 2, 12)
    ws.set_column(3, 3, 30)
    ws.set_column(4, 6, 12)
    ws.set_column(7, len(headers) - 1, 14)
    ws.set_row(2, 30)
    wb.close()
    return out.getvalue()
