"""The reports over HTTP: JSON with decimal strings, formatted xlsx in the asked language, bad input, roles, plans."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import event, insert

from tests.factories import LedgerBooks, problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(r: Any, index: int = 0) -> Any:
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    return wb.worksheets[index]


def _table(ws: Any) -> tuple[list[Any], list[list[Any]]]:
    """The header row (the first bold row) and the rows under it."""
    rows = list(ws.iter_rows())
    head = next(n for n, row in enumerate(rows) if row[0].font.bold and n > 0)
    return [c.value for c in rows[head]], [[c.value for c in row] for row in rows[head + 1:]]


def _money(x: Any) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


def test_aging_as_json_amounts_are_decimal_strings(api: Any, books: LedgerBooks) -> None:
    r = api.get("/api/v1/reports/aging")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["as_of"] == "2026-03-31" and body["currency"] == "USD"
    assert [b["key"] for b in body["buckets"]] == ["current", "1_30", "31_60", "61_90", "over_90"]
    assert body["rows"][0] == {
        "key": books.ids["Bopha Market"], "name": "Bopha Market",
        "buckets": ["102.50", "0.00", "500.00", "0.00", "0.00"],
        "total": "602.50", "by_currency": [
            {"currency": "KHR", "buckets": ["410000", "0", "0", "0", "0"], "total": "410000"},
            {"currency": "USD", "buckets": ["0.00", "0.00", "500.00", "0.00", "0.00"], "total": "500.00"}]}
    assert body["totals"]["total"] == "1202.50"
    one = api.get(f"/api/v1/reports/aging?counterparty_id={books.ids['Chenda Hotel']}&buckets=0,60&basis=invoice").json
    assert [(x["name"], x["buckets"]) for x in one["rows"]] == [("Chenda Hotel", ["0.00", "-40.00", "140.00"])]


def test_aging_xlsx_in_russian(api: Any, books: LedgerBooks) -> None:
    api.language = "ru"
    r = api.get("/api/v1/reports/aging?format=xlsx")
    assert r.headers["Content-Disposition"] == "attachment; filename=aging-receivable.xlsx"
    ws = _sheet(r)
    assert ws["A1"].value == "Старение дебиторской задолженности"
    assert ws["A2"].value == "На 2026-03-31"
    assert ws.freeze_panes == "A6"
    head, rows = _table(ws)
    assert head == ["Контрагент", "Не просрочено", "От 1 до 30 дн.", "От 31 до 60 дн.", "От 61 до 90 дн.",
                    "Более 90 дн.", "Итого"]
    assert [[r[0], *map(_money, r[1:])] for r in rows] == [
        ["Bopha Market", *map(Decimal, ("102.50", "0.00", "500.00", "0.00", "0.00", "602.50"))],
        ["Chenda Hotel", *map(Decimal, ("0.00", "0.00", "-40.00", "140.00", "0.00", "100.00"))],
        ["Dara Shop", *map(Decimal, ("500.00", "0.00", "0.00", "0.00", "0.00", "500.00"))],
        ["Итого", *map(Decimal, ("602.50", "0.00", "460.00", "140.00", "0.00", "1202.50"))]]
    # The totals row is the sum of the rows above it.
    assert all(sum(_money(r[c]) for r in rows[:-1]) == _money(rows[-1][c]) for c in range(1, 7))
    assert rows[-1][0] and ws.cell(row=6 + len(rows) - 1, column=1).font.bold
    assert ws.cell(row=6, column=2).number_format == "#,##0.00;-#,##0.00"
    assert ws.column_dimensions["A"].width >= 14
    cur = _sheet(r, 1)
    head, rows = _table(cur)
    assert head[:2] == ["Контрагент", "Валюта"]
    assert rows[0][:3] == ["Bopha Market", "KHR", 410000]
    # Riel have no minor units; dollars have two.
    assert cur.cell(row=5, column=3).number_format == "#,##0;-#,##0"
    assert cur.cell(row=6, column=5).number_format == "#,##0.00;-#,##0.00"


def test_trial_balance_xlsx_in_khmer_totals_equal(api: Any, books: LedgerBooks) -> None:
    api.language = "km"
    ws = _sheet(api.get("/api/v1/reports/trial-balance?from=2026-01-01&to=2026-03-31&format=xlsx"))
    assert ws["A1"].value == "តារាងតុល្យភាពសាកល្បង"
    head, rows = _table(ws)
    assert head[0] == "លេខកូដ" and head[4] == "ឥណពន្ធ"
    totals = rows[-1]
    assert totals[0] == "សរុប"
    assert [_money(x) for x in totals[2:]] == [Decimal("240.00"), Decimal("240.00"), Decimal("12972.50"),
                                              Decimal("12972.50"), Decimal("12232.50"), Decimal("12232.50")]
    assert rows[0][:2] == ["1010", "សាច់ប្រាក់ក្នុងដៃ"]
    for c in range(2, 8):
        assert sum(_money(r[c] or 0) for r in rows[:-1]) == _money(totals[c])


@pytest.mark.parametrize("path,title,total", [
    ("/reports/profit-and-loss?from=2026-01-01", "Profit and loss", ("Net profit", "1062.50")),
    ("/reports/balance-sheet?as_of=2026-03-31", "Balance sheet", ("Liabilities and equity", "11732.50")),
    ("/reports/cash-flow?from=2026-02-01&to=2026-03-31", "Cash flow by category", ("Cash at the end", "10500.00")),
    ("/reports/overdue", "Overdue receivables", ("Total", "640.00")),
    ("/reports/payment-calendar?from=2026-04-01&to=2026-04-30", "Payment calendar", ("Total", "872.50")),
    ("/reports/purchase-levels?from=2026-01-01", "Purchases by product category", ("Total", "1562.50")),
])
def test_every_report_as_xlsx(api: Any, books: LedgerBooks, path: str, title: str, total: tuple[str, str]) -> None:
    ws = _sheet(api.get(f"/api/v1{path}{'&' if '?' in path else '?'}format=xlsx"))
    assert ws["A1"].value == title and ws["A1"].font.bold
    head, rows = _table(ws)
    last = rows[-1]
    assert last[0] == total[0]
    assert Decimal(total[1]) in [_money(x) for x in last[1:] if isinstance(x, (int, float))]


def test_purchase_levels_xlsx_has_categories_as_columns(api: Any, books: LedgerBooks) -> None:
    head, rows = _table(_sheet(api.get("/api/v1/reports/purchase-levels?from=2026-01-01&format=xlsx")))
    assert head == ["Counterparty", "Food", "Linen", "No category", "Total"]
    assert [[r[0], *map(_money, r[1:])] for r in rows] == [
        ["Bopha Market", Decimal("1000.00"), Decimal("102.50"), Decimal("0.00"), Decimal("1102.50")],
        ["Chenda Hotel", Decimal("-40.00"), Decimal("0.00"), Decimal("0.00"), Decimal("-40.00")],
        ["Dara Shop", Decimal("300.00"), Decimal("0.00"), Decimal("200.00"), Decimal("500.00")],
        ["Total", Decimal("1260.00"), Decimal("102.50"), Decimal("200.00"), Decimal("1562.50")]]


def test_every_report_as_json(api: Any, books: LedgerBooks) -> None:
    tb = api.get("/api/v1/reports/trial-balance?from=2026-01-01&to=2026-03-31").json
    assert tb["totals"]["debit"] == tb["totals"]["credit"] == "12972.50"
    pl = api.get("/api/v1/reports/profit-and-loss?from=2026-01-01&to=2026-03-31").json
    assert pl["net_profit"] == "1062.50"
    bs = api.get("/api/v1/reports/balance-sheet").json
    assert bs["total_assets"] == bs["total_liabilities_and_equity"] == "11732.50"
    cf = api.get("/api/v1/reports/cash-flow?from=2026-01-01").json
    assert cf["categories"][-1] == {"category_id": None, "code": None, "name": "Uncategorised", "inflow": "100.00",
                                    "outflow": "0.00", "net": "100.00"}
    od = api.get("/api/v1/reports/overdue").json
    assert [(x["number"], x["days_overdue"], x["open_base"]) for x in od["items"]] == [
        ("SALE-0001", 90, "140.00"), ("SALE-0002", 50, "500.00")]
    cal = api.get("/api/v1/reports/payment-calendar?from=2026-04-01&to=2026-04-30").json
    assert cal["overdue"] == {"date": None, "receipts": "702.50", "payments": "330.00", "net": "372.50",
                              "cumulative": "372.50"}
    assert cal["days"] == [{"date": "2026-04-19", "receipts": "500.00", "payments": "0.00", "net": "500.00",
                            "cumulative": "872.50"}]
    pur = api.get("/api/v1/reports/purchase-levels?from=2026-01-01").json
    assert pur["total"] == "1562.50" and pur["rows"][0]["amounts"] == ["1000.00", "102.50", "0.00"]


def test_bad_input_names_every_parameter_and_writes_nothing(api: Any, books: LedgerBooks, unchanged: Any) -> None:
    with unchanged():
        r = api.get("/api/v1/reports/aging?group=city&side=sideways&basis=weekday&buckets=30,10&as_of=2026-13-01")
        problem(r, 422, "validation_failed", fields={"group": "invalid_choice", "side": "invalid_choice",
                                                     "basis": "invalid_choice", "buckets": "buckets_not_increasing",
                                                     "as_of": "invalid_date"})
        for buckets, code in (("-5,10", "must_not_be_negative"), ("0,30,x", "invalid_buckets"), ("", "invalid_buckets"),
                              ("0,0", "buckets_not_increasing"), ("1,2,3,4,5,6,7,8,9,10,11,12,13", "too_many"),
                              ("99999", "too_large"), ("0;30", "invalid_buckets")):
            problem(api.get(f"/api/v1/reports/aging?buckets={buckets}"), 422, "validation_failed",
                    buckets, fields={"buckets": code})
        for path in ("trial-balance", "profit-and-loss", "cash-flow", "purchase-levels", "payment-calendar"):
            body = problem(api.get(f"/api/v1/reports/{path}?from=2026-03-01&to=2026-02-01"), 422,
                           "validation_failed", path, fields={"from": "invalid_period"})
            assert body["errors"][0]["message"] == "The period starts on 2026-03-01, after it ends on 2026-02-01."
        problem(api.get("/api/v1/reports/balance-sheet?as_of=yesterday"), 422, "validation_failed",
                fields={"as_of": "invalid_date"})
        problem(api.get("/api/v1/reports/balance-sheet?as_of=0001-01-01"), 422, "validation_failed",
                fields={"as_of": "too_small"})
        problem(api.get("/api/v1/reports/overdue?format=pdf&colour=red"), 422, "validation_failed",
                fields={"format": "invalid_choice", "colour": "unknown_field"})
        problem(api.get("/api/v1/reports/trial-balance?branch_id=0"), 422, "validation_failed",
                fields={"branch_id": "too_small"})


def test_roles_and_branch_scope(app: Any, api: Any, world: Any, books: LedgerBooks) -> None:
    sales, pp = api.as_(world.tokens["sales"]), api.as_(world.tokens["sales_pp"])
    for path in ("aging", "overdue", "payment-calendar"):
        assert sales.get(f"/api/v1/reports/{path}").status_code == 200
    for path in ("trial-balance", "profit-and-loss", "balance-sheet", "cash-flow", "purchase-levels"):
        problem(sales.get(f"/api/v1/reports/{path}"), 403, "role_forbidden", path)
        assert api.as_(world.tokens["accountant"]).get(f"/api/v1/reports/{path}").status_code == 200
    for role in ("warehouse", "hr"):
        problem(api.as_(world.tokens[role]).get("/api/v1/reports/aging"), 403, "role_forbidden")
    mine = pp.get("/api/v1/reports/aging").json
    assert [r["name"] for r in mine["rows"]] == ["Bopha Market", "Dara Shop"]
    assert mine["totals"]["total"] == "1102.50"
    assert [x["counterparty"] for x in pp.get("/api/v1/reports/overdue").json["items"]] == ["Bopha Market"]
    # The overdue line of Phnom Penh: A 500 and B 102.50 (Chenda is in Siem Reap, the bill has no PP manager filter).
    cal = pp.get("/api/v1/reports/payment-calendar?from=2026-04-01&to=2026-04-30").json
    assert (cal["overdue"]["receipts"], cal["overdue"]["payments"]) == ("602.50", "330.00")
    problem(pp.get(f"/api/v1/reports/aging?branch_id={world.branches['SR']}"), 403, "out_of_branch_scope",
            fields={"branch_id": "out_of_branch_scope"})
    assert pp.get(f"/api/v1/reports/aging?branch_id={world.branches['PP']}").json["totals"]["total"] == "1102.50"


def test_aging_reads_the_partial_covering_index(db: Any, world: Any, books: LedgerBooks) -> None:
    """EXPLAIN the very statement the service runs: the planner can answer it from ix_invoices_open_items."""
    from server.core import dates
    from server.reports.aging import aging
    from server.sales.models import Invoice

    # Most documents are paid: 3,000 settled invoices beside the few open ones, and fresh statistics.
    paid = {"company_id": world.company_id, "branch_id": world.branches["PP"], "kind": "sale_invoice",
            "status": "paid", "date": dt.date(2025, 6, 1), "due_date": dt.date(2025, 7, 1),
            "counterparty_id": books.ids["Dara Shop"],
            "currency": "USD", "total": Decimal("10.00"), "total_base": Decimal("10.00"), "open_amount": Decimal(0),
            "open_base": Decimal(0), "version": 1, "created_at": dates.now(), "updated_at": dates.now()}
    with db.write_session() as s, s.begin():
        s.execute(insert(Invoice), [dict(paid, number=f"OLD-{n:05d}") for n in range(3000)])
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if "GROUP BY" in statement and "invoices" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        with db.read_session() as s, s.begin():
            aging(s, world.actor("owner"))
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    # Two statements: documents in the base currency (from the index alone), then the others.
    assert len(seen) == 2
    for statement, parameters in seen:
        assert "open_amount != 0" in statement  # a literal: the index's own predicate, provable by the planner
        with db.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
            cursor.execute(explain + statement, parameters)
            plan = " ".join(str(row) for row in cursor.fetchall())
            conn.rollback()
        assert "ix_invoices_open_items" in plan, plan
    # The base-currency statement needs nothing outside the index.
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            cursor.execute("EXPLAIN QUERY PLAN " + seen[0][0], seen[0][1])
            assert "COVERING INDEX ix_invoices_open_items" in str(cursor.fetchall())
