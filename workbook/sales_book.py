"""sales_book.xlsm's Sync: new invoices, bills and payments typed as rows go in; documents print; everything comes back.

Posted documents never change (corrections are credit notes, made in ClientBase), so a pulled row
whose values were edited is answered "cannot change" and keeps the user's values until they put
them back; new rows are created and posted, each document whole or refused whole with its reason
in the status cell and the typed values kept. A row marked "print" gets its invoice document saved
beside the workbook. The receivables sheet is pulled from the aging report.
"""
from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from pathlib import Path
from typing import Any, Optional

from .connection import ClientBaseError, Connection
from .layout import BILLS, FIRST_ROW, LANGUAGES, PAYMENTS, RECEIVABLES, SALES, Table
from .sync import (
    Config,
    Row,
    Summary,
    config,
    decimal,
    read_rows,
    read_snapshot,
    save,
    table_sheet,
    text,
    write_list,
    write_rows,
    write_snapshot,
)

# Items asked for per request when pulling a list: the most the server gives (its MAX_LIMIT).
PAGE = 1000

MESSAGES = {
    "refused": ("Not saved: {reasons}", "មិនបានរក្សាទុក៖ {reasons}", "Не сохранено: {reasons}"),
    "posted": ("{number} is posted and cannot change: put the values back, or issue a credit note in ClientBase.",
               "{number} បានកត់ត្រារួច មិនអាចកែប្រែបានទេ៖ ដាក់តម្លៃដើមវិញ ឬចេញឥណទាននៅក្នុង ClientBase។",
               "{number} проведён и не изменяется: верните значения или оформите корректировку в ClientBase."),
    "unknown_client": ("No such counterparty: {client}", "មិនមានដៃគូ៖ {client}", "Контрагент не найден: {client}"),
    "ambiguous_client": ("Several counterparties match {client}: use the ID or tax ID",
                         "ដៃគូច្រើនត្រូវនឹង {client}៖ សូមប្រើលេខសម្គាល់ ឬលេខពន្ធ",
                         "Под {client} подходят несколько контрагентов: укажите ID или ИНН"),
    "unknown_cash": ("No such cash desk or bank account: {code}", "មិនមានបេឡា ឬគណនី៖ {code}",
                     "Нет такой кассы или счёта: {code}"),
    "unknown_invoice": ("No such open document: {number}", "មិនមានឯកសារ៖ {number}", "Нет такого документа: {number}"),
    "printed": ("Printed: {file}", "បានបោះពុម្ព៖ {file}", "Напечатано: {file}"),
    "no_print": ("Only sales invoices print here.", "មានតែវិក្កយបត្រលក់ទេដែលបោះពុម្ពនៅទីនេះ។",
                 "Отсюда печатаются только счета покупателям."),
}


def _say(key: str, language: str, **params: Any) -> str:
    return MESSAGES[key][LANGUAGES.index(language)].format(**params)


def main() -> None:
    """The Sync button (and `clientbase workbooks sync sales_book.xlsm`)."""
    import xlwings as xw

    sync(xw.Book.caller())


class Context:
    """What one Sync needs from the server and carries between its steps."""

    def __init__(self, conn: Any, cfg: Config, folder: Path):
        self.conn, self.cfg, self.lang, self.folder = conn, cfg, cfg.language, folder
        self.branches = {b["code"]: b["id"] for b in self._items("/api/v1/branches")}
        self.cash = {c["code"]: c for c in self._items("/api/v1/cash-accounts")}
        self.clients: dict[str, dict[str, Any]] = {}
        self.open_documents: Optional[dict[str, dict[str, Any]]] = None
        self.summary = Summary()

    def _items(self, path: str) -> list[dict[str, Any]]:
        try:
            return self.conn.get(path)["items"]
        except ClientBaseError as exc:
            if exc.status == 403:  # a role that may not list these: their dropdown stays as it was
                return []
            raise

    def resolve(self, keys: list[str]) -> None:
        """Counterparty keys (id, tax id or name) to ids, all in one request."""
        todo = sorted({k for k in keys if k and k not in self.clients})
        if todo:
            for item in self.conn.post("/api/v1/figures/clients", {"clients": todo})["items"]:
                self.clients[str(item["key"])] = item


def sync(book: Any, connection: Any = None) -> Summary:
    cfg = config(book)
    ctx = Context(connection or Connection(url=cfg.url), cfg, Path(book.fullname).resolve().parent)
    sheets = {t.name: table_sheet(book, t) for t in (SALES, BILLS, PAYMENTS, RECEIVABLES)}
    read = {t.name: read_rows(sheets[t.name], t) for t in (SALES, BILLS, PAYMENTS)}
    ctx.resolve([text(r.values.get("client")) or "" for rows in read.values() for r in rows if r.id is None])
    kept: dict[str, dict[int, str]] = {}     # table → sheet row → status, for rows that stay as typed
    notes: dict[str, dict[int, str]] = {}    # table → document id → status for pulled rows (printed, refused…)
    for table, kind in ((SALES, "sale_invoice"), (BILLS, "bill")):
        kept[table.name], notes[table.name] = _documents(ctx, book, table, kind, read[table.name])
    kept[PAYMENTS.name] = _payments(ctx, read[PAYMENTS.name])
    notes[PAYMENTS.name] = {}
    names = _names(ctx)
    for table, kind in ((SALES, "sale_invoice"), (BILLS, "bill")):
        pulled = _pull_documents(ctx, kind, names)
        ctx.summary.pulled += len(pulled)
        _write(book, sheets[table.name], table, pulled, read[table.name], kept[table.name], notes[table.name])
    pulled = _pull_payments(ctx, names)
    ctx.summary.pulled += len(pulled)
    _write(book, sheets[PAYMENTS.name], PAYMENTS, pulled, read[PAYMENTS.name], kept[PAYMENTS.name], {})
    _receivables(ctx, sheets[RECEIVABLES.name])
    write_list(book, "branches", sorted(ctx.branches))
    write_list(book, "cash_accounts", sorted(ctx.cash))
    for sheet in sheets.values():
        sheet.range((2, 1)).value = ctx.summary.line(ctx.lang)
    save(book)
    return ctx.summary


# --- documents ----------------------------------------------------------------------------------

def _documents(ctx: Context, book: Any, table: Table, kind: str, rows: list[Row]) -> tuple[dict[int, str], dict[int, str]]:
    """Create the new documents, refuse edits of posted ones, print the marked ones."""
    kept: dict[int, str] = {}
    notes: dict[int, str] = {}
    snapshot = read_snapshot(book, table)
    groups: "OrderedDict[str, list[Row]]" = OrderedDict()
    for row in rows:
        if row.id is None:
            groups.setdefault(text(row.values.get("ref")) or f"row {row.number}", []).append(row)
            continue
        before = snapshot.get(row.id)
        changed = before is not None and any(
            text(row.values.get(k)) != text(before.get(k)) for k in ("date", "client", "currency", "branch"))
        if changed:
            kept[row.number] = _say("posted", ctx.lang, number=text(row.values.get("number")) or row.id)
            ctx.summary.refused += 1
        elif text(row.values.get("print")):
            notes[row.id] = _print(ctx, kind, row.id)
    for ref, lines in groups.items():
        status = _create_document(ctx, kind, lines)
        if status is not None:
            for line in lines:
                kept[line.number] = status
            ctx.summary.refused += 1
        else:
            ctx.summary.created += 1
    return kept, notes


def _create_document(ctx: Context, kind: str, lines: list[Row]) -> Optional[str]:
    """One document from its rows; None when it was created and posted, else the reason it was not."""
    head = lines[0].values
    client_key = text(head.get("client")) or ""
    client = ctx.clients.get(client_key)
    if not client_key or client is None or client.get("error"):
        code = (client or {}).get("error") or "not_found"
        return _say("ambiguous_client" if code == "ambiguous" else "unknown_client", ctx.lang, client=client_key)
    branch = text(head.get("branch"))
    body: dict[str, Any] = {
        "kind": kind, "counterparty_id": client["id"], "post": True,
        "branch_id": ctx.branches.get(branch or "", None) or (next(iter(ctx.branches.values())) if len(ctx.branches) == 1
                                                               else branch),
        "lines": [],
    }
    if head.get("date") is not None:
        body["date"] = text(head.get("date"))
    if text(head.get("currency")):
        body["currency"] = text(head.get("currency"))
    try:
        for line in lines:
            item: dict[str, Any] = {"sku": text(line.values.get("sku")), "qty": str(decimal(line.values.get("qty")))}
            price = decimal(line.values.get("unit_price"))
            if price is not None:
                item["unit_price"] = str(price)
            body["lines"].append(item)
    except (ArithmeticError, ValueError):
        return _say("refused", ctx.lang, reasons="qty / unit price: not a number")
    try:
        ctx.conn.post("/api/v1/invoices", body)
    except ClientBaseError as exc:
        return _say("refused", ctx.lang, reasons=str(exc))
    return None


def _print(ctx: Context, kind: str, invoice_id: int) -> str:
    """The invoice document registered and saved beside the workbook, in the workbook's language."""
    if kind != "sale_invoice":
        return _say("no_print", ctx.lang)
    try:
        doc = ctx.conn.post("/api/v1/documents", {"kind": "invoice", "source_id": invoice_id,
                                                  "language": ctx.lang})
        content = ctx.conn.get_bytes(f"/api/v1/documents/{doc['id']}/file")
    except ClientBaseError as exc:
        return _say("refused", ctx.lang, reasons=str(exc))
    folder = ctx.folder / "documents"
    folder.mkdir(exist_ok=True)
    (folder / doc["filename"]).write_bytes(content)
    return _say("printed", ctx.lang, file=f"documents/{doc['filename']}")


def _names(ctx: Context) -> dict[int, str]:
    pulled = ctx.conn.get("/api/v1/clients/export", params={"format": "json", "include_archived": "true"})["items"]
    return {c["id"]: c["name"] for c in pulled}


def _pull_documents(ctx: Context, kind: str, names: dict[int, str]) -> list[dict[str, Any]]:
    """This year's documents of a kind (and older ones still open), one row each."""
    today = dt.date.today()
    items = _pages(ctx, "/api/v1/invoices", {"kind": kind, "date_from": f"{today.year}-01-01"}, PAGE)
    out = []
    branch_codes = {v: k for k, v in ctx.branches.items()}
    for inv in items:
        if inv["status"] == "draft":
            continue
        due = dt.date.fromisoformat(inv["due_date"])
        open_amount = decimal(inv["open_amount"]) or 0
        out.append({
            "id": inv["id"], "number": inv["number"], "date": dt.date.fromisoformat(inv["date"]),
            "client": names.get(inv["counterparty_id"], str(inv["counterparty_id"])),
            "branch": branch_codes.get(inv["branch_id"]), "currency": inv["currency"],
            "total": float(decimal(inv["total"]) or 0), "open_amount": float(open_amount),
            "due_date": due, "overdue_days": max(0, (today - due).days) if open_amount > 0 else 0,
            "doc_status": inv["status"], "version": inv["version"],
        })
    return out


# --- payments -----------------------------------------------------------------------------------

def _payments(ctx: Context, rows: list[Row]) -> dict[int, str]:
    kept: dict[int, str] = {}
    for row in rows:
        if row.id is not None:
            continue
        v = row.values
        client = ctx.clients.get(text(v.get("client")) or "")
        cash = ctx.cash.get(text(v.get("cash_account")) or "")
        if client is None or client.get("error"):
            kept[row.number] = _say("unknown_client", ctx.lang, client=text(v.get("client")) or "")
        elif cash is None:
            kept[row.number] = _say("unknown_cash", ctx.lang, code=text(v.get("cash_account")) or "")
        else:
            body: dict[str, Any] = {"kind": text(v.get("kind")) or "receipt", "cash_account_id": cash["id"],
                                    "counterparty_id": client["id"], "memo": text(v.get("memo"))}
            try:
                body["amount"] = str(decimal(v.get("amount")))
            except (ArithmeticError, ValueError):
                body["amount"] = text(v.get("amount"))
            if v.get("date") is not None:
                body["date"] = text(v.get("date"))
            number = text(v.get("invoice"))
            if number:
                doc = _find_document(ctx, number)
                if doc is None:
                    kept[row.number] = _say("unknown_invoice", ctx.lang, number=number)
                    ctx.summary.refused += 1
                    continue
                amount = min(decimal(doc["open_amount"]) or 0, decimal(body["amount"]) or 0)
                body["allocations"] = [{"invoice_id": doc["id"], "amount": str(amount)}]
            try:
                ctx.conn.post("/api/v1/payments", {k: val for k, val in body.items() if val is not None})
                ctx.summary.created += 1
                continue
            except ClientBaseError as exc:
                kept[row.number] = _say("refused", ctx.lang, reasons=str(exc))
        ctx.summary.refused += 1
    return kept


def _find_document(ctx: Context, number: str) -> Optional[dict[str, Any]]:
    """The posted (open) sales invoice or bill with that number, from one read of them all per Sync."""
    if ctx.open_documents is None:
        ctx.open_documents = {}
        for kind in ("sale_invoice", "bill"):
            for inv in _pages(ctx, "/api/v1/invoices", {"kind": kind, "status": "posted"}, PAGE):
                ctx.open_documents[inv["number"]] = inv
    return ctx.open_documents.get(number)


def _pages(ctx: Context, path: str, params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Every item of a paged list (limit/offset), page by page."""
    items: list[dict[str, Any]] = []
    while True:
        page = ctx.conn.get(path, params={**params, "limit": limit, "offset": len(items)})
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def _pull_payments(ctx: Context, names: dict[int, str]) -> list[dict[str, Any]]:
    today = dt.date.today()
    items = _pages(ctx, "/api/v1/payments", {"date_from": f"{today.year}-01-01"}, PAGE)
    codes = {c["id"]: code for code, c in ctx.cash.items()}
    return [{"id": p["id"], "number": p["number"], "kind": p["kind"], "date": dt.date.fromisoformat(p["date"]),
             "client": names.get(p["counterparty_id"], ""), "cash_account": codes.get(p["cash_account_id"]),
             "amount": float(decimal(p["amount"]) or 0), "memo": p.get("memo"), "currency": p["currency"],
             "unallocated": float(decimal(p["unallocated"]) or 0), "version": p.get("version")}
            for p in items if p["kind"] in ("receipt", "payment") and p["status"] == "posted"]


# --- writing back -------------------------------------------------------------------------------

def _write(book: Any, sheet: Any, table: Table, pulled: list[dict[str, Any]], rows: list[Row],
           kept: dict[int, str], notes: dict[int, str]) -> None:
    """The pulled documents, then the user's refused rows as typed; the snapshot is what was pulled."""
    keys = table.keys
    by_id = {r.id: r for r in rows if r.id is not None and r.number in kept}
    body, snap = [], []
    for item in pulled:
        snap.append([item.get(k) for k in keys])
        mine = by_id.get(item["id"])
        if mine is not None:
            values = dict(mine.values)
            values["status"] = kept[mine.number]
            body.append([values.get(k) for k in keys])
        else:
            values = dict(item)
            values["status"] = notes.get(item["id"])
            if values["status"] and "documents/" in values["status"]:
                values["document"] = values["status"].split(": ", 1)[-1]
            body.append([values.get(k) for k in keys])
    for row in rows:
        if row.id is None and row.number in kept:
            values = dict(row.values)
            values["status"] = kept[row.number]
            body.append([values.get(k) for k in keys])
    write_rows(sheet, table, body, max((r.number for r in rows), default=FIRST_ROW - 1))
    write_snapshot(book, table, snap)


def _receivables(ctx: Context, sheet: Any) -> None:
    report = ctx.conn.get("/api/v1/reports/aging", params={"as_of": dt.date.today().isoformat()})
    rows = [[r["name"], *[float(decimal(b) or 0) for b in r["buckets"]], float(decimal(r["total"]) or 0)]
            for r in report["rows"]]
    write_rows(sheet, RECEIVABLES, rows, sheet.used_range.last_cell.row)
