"""Opening balances from a spreadsheet: posted documents carrying what is open, one entry per date,
idempotent re-import, undo by reversal, and every bad row named before anything is written."""
from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
from sqlalchemy import func, select, update

from server.currency.models import ExchangeRate
from server.imports.models import Import
from server.ledger.models import Account, JournalEntry, JournalLine
from server.ledger.service import close_period
from server.org.models import Company
from server.sales.models import Invoice, InvoiceLine

from tests.factories import check_invariants, make_cash, make_client, problem

D = Decimal
URL = "/api/v1/imports"
DAY = dt.date(2025, 12, 31)


# --- files and steps ------------------------------------------------------------------------------

def xlsx(rows: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(api: Any, content: bytes, name: str, **options: Any) -> dict[str, Any]:
    r = api.post(URL, {"kind": "balances", "file_name": name, "content_base64": base64.b64encode(content).decode(),
                       "options": options})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def commit(api: Any, imp: dict[str, Any]) -> dict[str, Any]:
    r = api.post(f"{URL}/{imp['id']}/commit", {"version": imp["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def documents(db: Any) -> list[tuple[Any, ...]]:
    """(number, kind, counterparty, currency, total, open amount, open base, status, reference) per document."""
    with db.read_session() as s:
        return [tuple(r) for r in s.execute(select(
            Invoice.number, Invoice.kind, Invoice.counterparty_id, Invoice.currency, Invoice.total,
            Invoice.open_amount, Invoice.open_base, Invoice.status, Invoice.external_number).order_by(Invoice.id))]


def entry_lines(db: Any, entry_id: int) -> list[tuple[str, int | None, str, Decimal, Decimal, Decimal]]:
    """(account role, counterparty, currency, debit, credit, amount in currency) of an entry's lines."""
    with db.read_session() as s:
        rows = s.execute(select(Account.role, JournalLine.counterparty_id, JournalLine.currency, JournalLine.debit,
                                JournalLine.credit, JournalLine.amount_currency)
                         .join(Account, Account.id == JournalLine.account_id)
                         .where(JournalLine.entry_id == entry_id)).all()
        return sorted((tuple(r) for r in rows), key=lambda r: (r[0], r[1] or 0, r[3], r[4]))


def count(db: Any, model: Any) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(model))


def books_agree_per_counterparty(db: Any) -> None:
    """The ledger's receivable and payable per counterparty equal its documents' open base amounts."""
    with db.read_session() as s:
        for role, kind, sign in (("receivable", "sale_invoice", 1), ("payable", "bill", -1)):
            net = func.sum(JournalLine.debit - JournalLine.credit)
            ledger = dict(s.execute(select(JournalLine.counterparty_id, net)
                                    .join(Account, Account.id == JournalLine.account_id)
                                    .where(Account.role == role).group_by(JournalLine.counterparty_id)).all())
            docs = dict(s.execute(select(Invoice.counterparty_id, func.sum(Invoice.open_base))
                                  .where(Invoice.kind == kind, Invoice.status.in_(("posted", "paid")))
                                  .group_by(Invoice.counterparty_id)).all())
            for cp in set(ledger) | set(docs):
                assert D(ledger.get(cp) or 0) * sign == D(docs.get(cp) or 0), (role, cp)


def aging(api: Any, side: str) -> dict[str, Any]:
    r = api.get(f"/api/v1/reports/aging?side={side}")
    assert r.status_code == 200, r.get_data(as_text=True)
    return {row["name"]: D(row["total"]) for row in r.json["rows"]} | {"": D(r.json["totals"]["total"])}


# --- scenarios ------------------------------------------------------------------------------------

def test_a_russian_debit_credit_sheet_becomes_documents_and_one_entry(api: Any, world: Any, db: Any) -> None:
    with db.write_session() as s, s.begin():
        s.execute(update(Company).where(Company.id == world.company_id).values(language="ru"))
    r = api.post("/api/v1/clients", {"name": "ООО «Вектор»", "kind": "client", "country": "RU",
                                     "tax_id": "7707083893"})
    assert r.status_code == 201, r.get_data(as_text=True)
    vector = r.json["id"]
    smirnov = make_client(api, "ИП Смирнов", kind="supplier")
    romashka = make_client(api, "Ромашка", kind="both")
    content = xlsx([
        ["Остатки взаиморасчётов на 31.12.2025"],
        [],
        ["Контрагент", "ИНН", "Дебет", "Кредит", "Валюта", "Дата", "Документ"],
        ["Вектор ООО", "7707083893", "1 234,56", None, "USD", "31.12.2025", "Реализация 15"],  # by tax id
        ["ИП Смирнов", None, None, "500,00", "$", "31.12.2025", None],
        ["Ромашка", None, "0", "2 000", "USD", "31.12.2025", "Поступление 7"],  # a zero beside a figure
        ["Вектор ООО", "7707083893", "1 234,56", None, "USD", "31.12.2025", "Реализация 15"],  # the same again
        ["Итого", None, "1 234,56", "2 500,00"],
    ])
    imp = upload(api, content, "остатки.xlsx")
    assert (imp["counts"]["create"], imp["counts"]["skip"], imp["counts"]["error"]) == (3, 2, 0)
    rows = {r["row"]: r for r in imp["rows"]}
    assert rows[4]["values"] == {"client": "ООО «Вектор»", "client_id": vector, "side": "receivable",
                                      "amount": "1234.56", "currency": "USD", "date": "2025-12-31",
                                      "due_date": "2025-12-31", "reference": "Реализация 15"}
    assert (rows[5]["values"]["side"], rows[5]["values"]["amount"]) == ("payable", "500.00")
    assert (rows[7]["action"], rows[7]["reason"], rows[7]["match"]) == (
        "skip", "duplicate_in_file", {"row": 4, "by": "opening_balance"})
    assert (rows[8]["action"], rows[8]["reason"]) == ("skip", "totals_row")
    assert count(db, Invoice) == 0  # the dry run wrote nothing to the books

    done = commit(api, imp)
    assert done["status"] == "committed" and done["created"] == {"invoice": 3, "journal_entry": 1}
    assert documents(db) == [
        ("OB-PP-2025-000001", "sale_invoice", vector, "USD", D("1234.56"), D("1234.56"), D("1234.56"), "posted",
         "Реализация 15"),
        ("OBB-PP-2025-000001", "bill", smirnov, "USD", D("500.00"), D("500.00"), D("500.00"), "posted", None),
        ("OBB-PP-2025-000002", "bill", romashka, "USD", D("2000.00"), D("2000.00"), D("2000.00"), "posted",
         "Поступление 7"),
    ]
    with db.read_session() as s:
        opening = s.scalar(select(Account.id).where(Account.company_id == world.company_id,
                                                    Account.role == "opening_balance"))
        lines = s.execute(select(InvoiceLine.description, InvoiceLine.qty, InvoiceLine.tax_rate, InvoiceLine.total,
                                 InvoiceLine.account_id).order_by(InvoiceLine.id)).all()
        assert [tuple(l) for l in lines] == [("Начальный остаток", D(1), D(0), D("1234.56"), opening),
                                             ("Начальный остаток", D(1), D(0), D("500.00"), opening),
                                             ("Начальный остаток", D(1), D(0), D("2000.00"), opening)]
        assert {e for (e,) in s.execute(select(Invoice.entry_id))} == {done["entry_id"]}
        entry = s.get_one(JournalEntry, done["entry_id"])
        assert (entry.date, entry.source_type) == (DAY, "opening_balance")
    # One entry: what they owe us debited, what we owe them credited, 3900 takes the difference.
    assert entry_lines(db, done["entry_id"]) == [
        ("opening_balance", None, "USD", D("1265.44"), D("0.00"), D("1265.44")),
        ("payable", smirnov, "USD", D("0.00"), D("500.00"), D("-500.00")),
        ("payable", romashka, "USD", D("0.00"), D("2000.00"), D("-2000.00")),
        ("receivable", vector, "USD", D("1234.56"), D("0.00"), D("1234.56")),
    ]
    check_invariants(db, world)
    books_agree_per_counterparty(db)
    assert aging(api, "receivable") == {"ООО «Вектор»": D("1234.56"), "": D("1234.56")}
    assert aging(api, "payable") == {"ИП Смирнов": D("500.00"), "Ромашка": D("2000.00"), "": D("2500.00")}

    # The same file again: nothing new to post.
    again = upload(api, content, "остатки.xlsx")
    assert again["earlier_imports"] == [imp["id"]]
    assert {r["row"]: r["action"] for r in again["rows"]} == {4: "unchanged", 5: "unchanged", 6: "unchanged",
                                                              7: "skip", 8: "skip"}
    with db.read_session() as s:
        first_id = s.scalar(select(Invoice.id).where(Invoice.number == "OB-PP-2025-000001"))
    assert again["rows"][0]["match"] == {"id": first_id, "by": "opening_balance", "number": "OB-PP-2025-000001"}
    second = commit(api, again)
    assert second["created"] == {"invoice": 0} and second["entry_id"] is None
    assert (count(db, Invoice), count(db, JournalEntry)) == (3, 1)

    # Undo: the entry reversed, the documents cancelled with nothing open, aging back to nothing.
    r = api.post(f"{URL}/{imp['id']}/undo", {"version": done["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["status"] == "undone"
    with db.read_session() as s:
        reversal = s.scalar(select(JournalEntry).where(JournalEntry.reversal_of_id == done["entry_id"]))
        assert reversal is not None and reversal.date == DAY
        assert {tuple(r) for r in s.execute(select(Invoice.status, Invoice.open_amount, Invoice.open_base,
                                                   Invoice.reversal_entry_id))} == {
            ("cancelled", D("0.00"), D("0.00"), reversal.id)}
    assert entry_lines(db, reversal.id) == [
        ("opening_balance", None, "USD", D("0.00"), D("1265.44"), D("-1265.44")),
        ("payable", smirnov, "USD", D("500.00"), D("0.00"), D("500.00")),
        ("payable", romashka, "USD", D("2000.00"), D("0.00"), D("2000.00")),
        ("receivable", vector, "USD", D("0.00"), D("1234.56"), D("-1234.56")),
    ]
    check_invariants(db, world)
    books_agree_per_counterparty(db)
    assert aging(api, "receivable") == {"": D("0.00")} and aging(api, "payable") == {"": D("0.00")}
    # Undone, the balances can be brought in again: the next numbers of the series, no gap.
    assert upload(api, content, "остатки.xlsx")["counts"]["create"] == 3


def test_signed_amounts_in_english_with_a_riel_balance_and_two_dates(api: Any, world: Any, db: Any) -> None:
    sokha = make_client(api, "Sokha Trading Co., Ltd.")
    mekong = make_client(api, "Mekong Supplies", kind="supplier")
    with db.write_session() as s, s.begin():
        s.add(ExchangeRate(company_id=world.company_id, currency="KHR", date=dt.date(2025, 12, 1),
                           rate=D("0.000245")))
    csv = ("Customer,Balance,Currency,As of,Due date,Invoice\r\n"
           "sokha trading,1500.00,,,2026-01-30,INV-881\r\n"
           "Sokha Trading,\"4,100,000\",KHR,,,\r\n"
           "Mekong Supplies,-250.75,USD,,,B-17\r\n"
           "Mekong Supplies,(99.25),USD,2025-11-30,,\r\n").encode()
    imp = upload(api, csv, "balances.csv", date="2025-12-31")
    assert imp["counts"]["create"] == 4 and imp["counts"]["error"] == 0, imp["rows"]
    assert imp["rows"][1]["values"]["amount_base"] == "1004.50"
    done = commit(api, imp)
    # Two dates, two entries: an entry has one date.
    assert done["created"] == {"invoice": 4, "journal_entry": 2}
    assert documents(db) == [
        ("OB-PP-2025-000001", "sale_invoice", sokha, "USD", D("1500.00"), D("1500.00"), D("1500.00"), "posted",
         "INV-881"),
        ("OB-PP-2025-000002", "sale_invoice", sokha, "KHR", D("4100000"), D("4100000"), D("1004.50"), "posted",
         None),
        ("OBB-PP-2025-000001", "bill", mekong, "USD", D("250.75"), D("250.75"), D("250.75"), "posted", "B-17"),
        ("OBB-PP-2025-000002", "bill", mekong, "USD", D("99.25"), D("99.25"), D("99.25"), "posted", None),
    ]
    with db.read_session() as s:
        khr = s.scalar(select(Invoice).where(Invoice.currency == "KHR"))
        assert (khr.rate, khr.total_base, khr.due_date) == (D("0.000245"), D("1004.50"), DAY)
        first = s.scalar(select(Invoice).where(Invoice.number == "OB-PP-2025-000001"))
        assert first.due_date == dt.date(2026, 1, 30)
        entries = {e.date: e.id for e in s.scalars(select(JournalEntry))}
    assert entries.keys() == {DAY, dt.date(2025, 11, 30)} and done["entry_id"] == entries[dt.date(2025, 11, 30)]
    assert entry_lines(db, entries[DAY]) == [
        ("opening_balance", None, "USD", D("0.00"), D("2253.75"), D("-2253.75")),
        ("payable", mekong, "USD", D("0.00"), D("250.75"), D("-250.75")),
        ("receivable", sokha, "KHR", D("1004.50"), D("0.00"), D("4100000")),
        ("receivable", sokha, "USD", D("1500.00"), D("0.00"), D("1500.00")),
    ]
    assert entry_lines(db, entries[dt.date(2025, 11, 30)]) == [
        ("opening_balance", None, "USD", D("99.25"), D("0.00"), D("99.25")),
        ("payable", mekong, "USD", D("0.00"), D("99.25"), D("-99.25")),
    ]
    check_invariants(db, world)
    books_agree_per_counterparty(db)
    r = api.get("/api/v1/reports/aging?side=receivable").json
    (row,) = r["rows"]
    assert (row["name"], D(row["total"])) == ("Sokha Trading Co., Ltd.", D("2504.50"))
    assert {c["currency"]: D(c["total"]) for c in row["by_currency"]} == {"KHR": D("4100000"), "USD": D("1500.00")}
    # Undo reverses both entries.
    r = api.post(f"{URL}/{imp['id']}/undo", {"version": done["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    with db.read_session() as s:
        assert set(s.scalars(select(JournalEntry.reversal_of_id).where(
            JournalEntry.reversal_of_id.is_not(None)))) == set(entries.values())
    check_invariants(db, world)
    books_agree_per_counterparty(db)


def test_undo_is_refused_once_a_payment_is_applied(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    client = make_client(api, "Dara Import Co")
    other = make_client(api, "Bopha Retail")
    content = xlsx([["Client", "Amount", "Date"], ["Dara Import Co", 300, DAY], ["Bopha Retail", 120.5, DAY]])
    done = commit(api, upload(api, content, "ar.xlsx"))
    with db.read_session() as s:
        paid, kept = s.scalars(select(Invoice.id).order_by(Invoice.id)).all()
    cash = make_cash(api, world, "PP-CASH")
    r = api.post("/api/v1/payments", {"kind": "receipt", "date": "2026-01-10", "cash_account_id": cash,
                                      "amount": "100.00", "counterparty_id": client,
                                      "allocations": [{"invoice_id": paid, "amount": "100.00"}]})
    assert r.status_code == 201, r.get_data(as_text=True)
    with unchanged():
        r = api.post(f"{URL}/{done['id']}/undo", {"version": done["version"]})
        problem(r, 409, "import_undo_refused", fields={f"invoices.{paid}": "import_record_in_use"})
    # The payment settles the opening invoice like any other; the books still agree.
    with db.read_session() as s:
        assert s.get_one(Invoice, paid).open_amount == D("200.00")
    check_invariants(db, world)
    books_agree_per_counterparty(db)
    # Cancelling one opening document takes out its own part of the shared entry, nothing else.
    with db.read_session() as s:
        version = s.get_one(Invoice, kept).version
    r = api.post(f"/api/v1/invoices/{kept}/cancel", {"version": version})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert entry_lines(db, r.json["reversal_entry_id"]) == [
        ("opening_balance", None, "USD", D("120.50"), D("0.00"), D("120.50")),
        ("receivable", other, "USD", D("0.00"), D("120.50"), D("-120.50")),
    ]
    check_invariants(db, world)
    books_agree_per_counterparty(db)
    assert aging(api, "receivable") == {"Dara Import Co": D("200.00"), "": D("200.00")}


def test_bad_rows_refuse_the_commit_naming_each_row_and_column(api: Any, world: Any, db: Any,
                                                                unchanged: Any) -> None:
    make_client(api, "Dara Import Co")
    make_client(api, "Kim Leng")
    make_client(api, "Kim Leng Co")  # the same name once the legal form is dropped
    with db.write_session() as s, s.begin():
        close_period(s, world.actor(), dt.date(2025, 6, 30), None)
    content = xlsx([
        ["Client", "Debit", "Credit", "Currency", "Date"],
        ["Nobody Ltd", 10, None, "USD", DAY],                 # 2: unknown client
        ["Dara Import Co", 10, 5, "USD", DAY],                # 3: both sides
        ["Dara Import Co", 0, None, "USD", DAY],              # 4: zero
        ["Dara Import Co", 10, None, "USD", "2025-06-30"],    # 5: closed period
        ["Dara Import Co", 10, None, "USD", "31.13.2025"],    # 6: not a date
        ["Dara Import Co", None, 10, "USD", DAY],             # 7: a bill for a client-only counterparty
        ["Dara Import Co", 10, None, "KHR", DAY],             # 8: no KHR rate
        ["Dara Import Co", "10.005", None, "USD", DAY],       # 9: more places than USD has
        ["Kim Leng", 10, None, "USD", DAY],                   # 10: two clients answer to the name
        ["Dara Import Co", 10, None, "XYZ", None],            # 11: unknown currency, no date anywhere
        ["Dara Import Co", -10, None, "USD", DAY],            # 12: a sign in a side column
        ["Dara Import Co", 25, None, "USD", DAY],             # 13: fine
    ])
    imp = upload(api, content, "bad.xlsx")
    assert (imp["counts"]["error"], imp["counts"]["create"]) == (11, 1)
    with unchanged():
        r = api.post(f"{URL}/{imp['id']}/commit", {"version": imp["version"]})
        problem(r, 422, "import_has_errors", fields={
            "rows.2.A": "client_not_found", "rows.3.C": "balance_side", "rows.4.B": "balance_zero",
            "rows.5.E": "period_locked", "rows.6.E": "not_a_date", "rows.7.A": "wrong_counterparty_kind",
            "rows.8.D": "missing_rate", "rows.9.B": "too_many_decimals", "rows.10.A": "client_ambiguous",
            "rows.11.D": "invalid_currency", "rows.11.E": "date_needed", "rows.12.B": "balance_side_signed",
        })
    assert count(db, Invoice) == 0
    with db.read_session() as s:
        assert s.get_one(Import, imp["id"]).status == "planned"
