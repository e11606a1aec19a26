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
from dataclasses import dataclass, field
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
    is_yes,
    read_rows,
    read_snapshot,
    save,
    table_sheet,
    text,
    typed_on_read_only,
    write_list,
    write_read_only,
    write_rows,
    write_snapshot,
)

# Items asked for per request when pulling a list: the most the server gives (its MAX_LIMIT).
PAGE = 1000

MESSAGES = {
    "refused": ("Not saved: {reasons}", "មិនបានរក្សាទុក៖ {reasons}", "Не сохранено: {reasons}"),
    "posted": ("{number} is posted and cannot change ({fields}): put the values back, or issue a credit note in "
               "ClientBase.",
               "{number} បានកត់ត្រារួច មិនអាចកែប្រែបានទេ ({fields})៖ ដាក់តម្លៃដើមវិញ ឬចេញឥណទាននៅក្នុង ClientBase។",
               "{number} проведён и не изменяется ({fields}): верните значения или оформите корректировку в "
               "ClientBase."),
    "payment_posted": ("{number} is posted and cannot change ({fields}): put the values back; a payment is corrected "
                       "in ClientBase.",
                       "{number} បានកត់ត្រារួច មិនអាចកែប្រែបានទេ ({fields})៖ ដាក់តម្លៃដើមវិញ "
                       "ការទូទាត់ត្រូវកែនៅក្នុង ClientBase។",
                       "{number} проведён и не изменяется ({fields}): верните значения; платёж исправляется в "
                       "ClientBase."),
    "not_deleted": ("{number} is posted and stays: a posted record is not deleted here (correct it in ClientBase).",
                    "{number} បានកត់ត្រារួច ហើយនៅដដែល៖ កំណត់ត្រាដែលបានកត់ត្រាមិនត្រូវលុបនៅទីនេះទេ (កែនៅក្នុង ClientBase)។",
                    "{number} проведён и остаётся: проведённое здесь не удаляется (исправьте в ClientBase)."),
    "stray": ("Not sent: this ID was not in the last Sync of this workbook. Clear the ID to add the row as new.",
              "មិនបានផ្ញើ៖ លេខសម្គាល់នេះមិនមាននៅក្នុងការធ្វើសមកាលកម្មចុងក្រោយ។ លុបលេខសម្គាល់ចេញ ដើម្បីបន្ថែមជាជួរថ្មី។",
              "Не отправлено: этого ID не было в последней синхронизации. Очистите ID, чтобы добавить строку как новую."),
    "filled": ("Not saved: {fields}: ClientBase fills these in; leave them blank in a new row.",
               "មិនបានរក្សាទុក៖ {fields}៖ ClientBase បំពេញវាដោយខ្លួនឯង សូមទុកវាទទេក្នុងជួរថ្មី។",
               "Не сохранено: {fields} заполняет ClientBase; в новой строке оставьте их пустыми."),
    "lines_differ": ("Not saved: the rows of «{ref}» are one document and differ in {fields}; make them the same, "
                     "or give them different refs.",
                     "មិនបានរក្សាទុក៖ ជួរនៃ «{ref}» ជាឯកសារតែមួយ ប៉ុន្តែខុសគ្នាត្រង់ {fields}៖ ធ្វើឱ្យដូចគ្នា "
                     "ឬដាក់លេខយោងផ្សេងគ្នា។",
                     "Не сохранено: строки «{ref}» — один документ, но различаются в {fields}; сделайте их "
                     "одинаковыми или дайте разные ссылки."),
    "not_number": ("Not saved: {field} «{value}» is not a number.", "មិនបានរក្សាទុក៖ {field} «{value}» មិនមែនជាលេខទេ។",
                   "Не сохранено: {field} «{value}» — не число."),
    "unknown_client": ("No such counterparty: {client}", "មិនមានដៃគូ៖ {client}", "Контрагент не найден: {client}"),
    "ambiguous_client": ("Several counterparties match {client}: use the ID or tax ID",
                         "ដៃគូច្រើនត្រូវនឹង {client}៖ សូមប្រើលេខសម្គាល់ ឬលេខពន្ធ",
                         "Под {client} подходят несколько контрагентов: укажите ID или ИНН"),
    "unknown_cash": ("No such cash desk or bank account: {code}", "មិនមានបេឡា ឬគណនី៖ {code}",
                     "Нет такой кассы или счёта: {code}"),
    "unknown_branch": ("No such branch: {code} (one of {codes})", "មិនមានសាខា៖ {code} (មួយក្នុងចំណោម {codes})",
                       "Нет такого филиала: {code} (один из {codes})"),
    "unknown_invoice": ("No such open document: {number}", "មិនមានឯកសារ៖ {number}", "Нет такого документа: {number}"),
    "not_print": ("Print: «{value}» is not «print»; write print to print the invoice.",
                  "បោះពុម្ព៖ «{value}» មិនមែន «print» ទេ សរសេរ print ដើម្បីបោះពុម្ពវិក្កយបត្រ។",
                  "Печать: «{value}» — не «print»; напишите print, чтобы напечатать счёт."),
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
    # Accept-Language: the server's reasons come back in the workbook's language.
    ctx = Context(connection or Connection(url=cfg.url, language=cfg.language), cfg,
                  Path(book.fullname).resolve().parent)
    sheets = {t.name: table_sheet(book, t) for t in (SALES, BILLS, PAYMENTS, RECEIVABLES)}
    read = {t.name: read_rows(sheets[t.name], t) for t in (SALES, BILLS, PAYMENTS)}
    ctx.resolve([text(r.values.get("client")) or "" for rows in read.values() for r in rows if r.id is None])
    kept: dict[str, dict[int, str]] = {}     # table → sheet row → status, for rows that stay as typed
    notes: dict[str, dict[int, Note]] = {}   # table → record id → status (and cells) for pulled rows
    for table, kind in ((SALES, "sale_invoice"), (BILLS, "bill")):
        kept[table.name], notes[table.name] = _documents(ctx, book, table, kind, read[table.name])
    kept[PAYMENTS.name], notes[PAYMENTS.name] = _payments(ctx, book, read[PAYMENTS.name])
    names = _names(ctx)
    for table, kind in ((SALES, "sale_invoice"), (BILLS, "bill")):
        pulled = _pull_documents(ctx, kind, names)
        ctx.summary.pulled += len(pulled)
        _write(book, sheets[table.name], table, pulled, read[table.name], kept[table.name], notes[table.name])
    pulled = _pull_payments(ctx, names)
    ctx.summary.pulled += len(pulled)
    _write(book, sheets[PAYMENTS.name], PAYMENTS, pulled, read[PAYMENTS.name], kept[PAYMENTS.name],
           notes[PAYMENTS.name])
    _receivables(ctx, book, sheets[RECEIVABLES.name])
    write_list(book, "branches", sorted(ctx.branches))
    write_list(book, "cash_accounts", sorted(ctx.cash))
    for sheet in sheets.values():
        sheet.range((2, 1)).value = ctx.summary.line(ctx.lang)
    save(book)
    return ctx.summary


# --- documents ----------------------------------------------------------------------------------

# Cells of a row that are not the record's data: Sync writes them (status), or they ask for something (print).
NOT_DATA = ("id", "status", "print", "version")
# What a new document's first row says for the whole document (the other rows may repeat it or leave it blank).
HEAD = ("date", "client", "branch", "currency", "due_date")
# Read-only columns a new document may fill in all the same: the server takes a due date.
TAKEN_WHEN_NEW = ("due_date",)


@dataclass
class Note:
    """What a pulled row shows beside the server's values: a status, and cells kept as the user typed them."""
    status: str
    cells: dict[str, Any] = field(default_factory=dict)


# What a Print cell may say: the dropdown's word, or the column's name in the workbooks' languages.
PRINT_WORDS = ("print", "печать", "បោះពុម្ព")


def is_print(mark: Any) -> bool:
    """Whether a Print cell asks to print (its dropdown says "print"); a typo is refused, not printed."""
    return (text(mark) or "").casefold() in PRINT_WORDS or is_yes(mark)


def typed_over(table: Table, row: Row, before: dict[str, Any]) -> list[str]:
    """The columns of a pulled row whose cells differ from the last pull. A read-only cell emptied is not
    an edit: ClientBase fills it in again."""
    out = []
    for c in table.columns:
        if c.key in NOT_DATA or c.kind == "hidden":
            continue
        now = text(row.values.get(c.key))
        if now != text(before.get(c.key)) and (c.editable or now is not None):
            out.append(c.key)
    return out


def _labels(table: Table, keys: list[str], language: str) -> str:
    return ", ".join(table.columns[table.index(k)].label(language) for k in keys)


def _documents(ctx: Context, book: Any, table: Table, kind: str,
               rows: list[Row]) -> tuple[dict[int, str], dict[int, Note]]:
    """Create the new documents, refuse edits of posted ones, print the marked ones."""
    kept: dict[int, str] = {}
    notes: dict[int, Note] = {}
    snapshot = read_snapshot(book, table)
    groups: "OrderedDict[str, list[Row]]" = OrderedDict()
    seen: set[int] = set()
    for row in rows:
        if row.id is None:
            groups.setdefault(text(row.values.get("ref")) or f"row {row.number}", []).append(row)
            continue
        seen.add(row.id)
        before = snapshot.get(row.id)
        if before is None:
            # An ID the last pull did not write (typed, or pasted from another copy): not sent, kept as typed.
            kept[row.number] = _say("stray", ctx.lang)
            ctx.summary.refused += 1
            continue
        changed = typed_over(table, row, before)
        if changed:
            # The typed cells stay over the fresh pull; the others show what the server says now.
            notes[row.id] = Note(_say("posted", ctx.lang, number=text(before.get("number")) or row.id,
                                      fields=_labels(table, changed, ctx.lang)),
                                 {k: row.values.get(k) for k in (*changed, "print")})
            ctx.summary.refused += 1
        elif text(row.values.get("print")):
            notes[row.id] = _print(ctx, kind, row.id, row.values.get("print"))
            if "print" in notes[row.id].cells:
                ctx.summary.refused += 1
    for doc_id, before in snapshot.items():
        if doc_id not in seen:
            notes[doc_id] = Note(_say("not_deleted", ctx.lang, number=text(before.get("number")) or doc_id))
            ctx.summary.refused += 1
    for ref, lines in groups.items():
        status, created = _create_document(ctx, table, kind, ref, lines)
        if status is not None:
            for line in lines:
                kept[line.number] = status
            ctx.summary.refused += 1
            continue
        ctx.summary.created += 1
        mark = next((line.values.get("print") for line in lines if text(line.values.get("print"))), None)
        if mark is not None and created is not None:
            notes[created] = _print(ctx, kind, created, mark)
            if "print" in notes[created].cells:
                ctx.summary.refused += 1
    return kept, notes


def _create_document(ctx: Context, table: Table, kind: str, ref: str,
                     lines: list[Row]) -> tuple[Optional[str], Optional[int]]:
    """One document from its rows: (None, its id) when it was created and posted, else (the reason, None)."""
    filled = [c.key for c in table.columns if not c.editable and c.key not in NOT_DATA + TAKEN_WHEN_NEW
              and c.kind != "hidden" and any(text(line.values.get(c.key)) is not None for line in lines)]
    if filled:
        return _say("filled", ctx.lang, fields=_labels(table, filled, ctx.lang)), None
    marks = [line.values.get("print") for line in lines if text(line.values.get("print"))]
    if any(not is_print(m) for m in marks):
        return _say("not_print", ctx.lang, value=text(next(m for m in marks if not is_print(m)))), None
    if marks and kind != "sale_invoice":
        return _say("no_print", ctx.lang), None
    head = lines[0].values
    differ = [k for k in HEAD if any(text(line.values.get(k)) not in (None, text(head.get(k))) for line in lines[1:])]
    if differ:
        return _say("lines_differ", ctx.lang, ref=ref, fields=_labels(table, differ, ctx.lang)), None
    client_key = text(head.get("client")) or ""
    client = ctx.clients.get(client_key)
    if not client_key or client is None or client.get("error"):
        code = (client or {}).get("error") or "not_found"
        return _say("ambiguous_client" if code == "ambiguous" else "unknown_client", ctx.lang, client=client_key), None
    branch = text(head.get("branch"))
    if branch is not None and branch not in ctx.branches:
        return _say("unknown_branch", ctx.lang, code=branch, codes=", ".join(sorted(ctx.branches))), None
    body: dict[str, Any] = {
        "kind": kind, "counterparty_id": client["id"], "post": True,
        "branch_id": ctx.branches.get(branch or "", None) or (next(iter(ctx.branches.values())) if len(ctx.branches) == 1
                                                               else branch),
        "lines": [],
    }
    for key in ("date", "currency", "due_date"):
        if text(head.get(key)) is not None:
            body[key] = text(head.get(key))
    for line in lines:
        item: dict[str, Any] = {"sku": text(line.values.get("sku"))}
        for key, name in (("qty", "qty"), ("unit_price", "unit_price")):
            try:
                number = decimal(line.values.get(key))
            except (ArithmeticError, ValueError):
                return _say("not_number", ctx.lang, field=_labels(table, [key], ctx.lang),
                            value=text(line.values.get(key))), None
            if number is not None or key == "qty":
                item[name] = None if number is None else str(number)
        body["lines"].append(item)
    try:
        created = ctx.conn.post("/api/v1/invoices", body)
    except ClientBaseError as exc:
        return _say("refused", ctx.lang, reasons=str(exc)), None
    return None, created.get("id") if isinstance(created, dict) else None


def _print(ctx: Context, kind: str, invoice_id: int, mark: Any) -> Note:
    """The invoice document registered and saved beside the workbook, in the workbook's language. Refused,
    the Print mark stays (the next Sync tries again) with the reason."""
    if not is_print(mark):
        return Note(_say("not_print", ctx.lang, value=text(mark)), {"print": mark})
    if kind != "sale_invoice":
        return Note(_say("no_print", ctx.lang), {"print": mark})
    try:
        doc = ctx.conn.post("/api/v1/documents", {"kind": "invoice", "source_id": invoice_id,
                                                  "language": ctx.lang})
        content = ctx.conn.get_bytes(f"/api/v1/documents/{doc['id']}/file")
        folder = ctx.folder / "documents"
        folder.mkdir(exist_ok=True)
        (folder / doc["filename"]).write_bytes(content)
    except (ClientBaseError, OSError) as exc:   # OSError: the folder not writable, a file of that name open in Word
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Note(_say("refused", ctx.lang, reasons=reason), {"print": mark})
    name = f"documents/{doc['filename']}"
    return Note(_say("printed", ctx.lang, file=name), {"document": name})


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

def _payments(ctx: Context, book: Any, rows: list[Row]) -> tuple[dict[int, str], dict[int, Note]]:
    """Post the new receipts and payments; refuse edits of posted ones (kept as typed, with the reason)."""
    kept: dict[int, str] = {}
    notes: dict[int, Note] = {}
    snapshot = read_snapshot(book, PAYMENTS)
    seen: set[int] = set()
    for row in rows:
        if row.id is not None:
            seen.add(row.id)
            before = snapshot.get(row.id)
            changed = typed_over(PAYMENTS, row, before) if before is not None else None
            if before is None:
                kept[row.number] = _say("stray", ctx.lang)
                ctx.summary.refused += 1
            elif changed == ["memo"]:
                # The one field a posted payment lets change (its reference is not on the sheet).
                try:
                    ctx.conn.patch(f"/api/v1/payments/{row.id}", {"version": row.version or before.get("version"),
                                                                   "memo": text(row.values.get("memo"))})
                    ctx.summary.updated += 1
                except ClientBaseError as exc:
                    notes[row.id] = Note(_say("refused", ctx.lang, reasons=str(exc)), {"memo": row.values.get("memo")})
                    ctx.summary.refused += 1
            elif changed:
                notes[row.id] = Note(_say("payment_posted", ctx.lang, number=text(before.get("number")) or row.id,
                                          fields=_labels(PAYMENTS, changed, ctx.lang)),
                                     {k: row.values.get(k) for k in changed})
                ctx.summary.refused += 1
            continue
        status = _new_payment(ctx, row)
        if status is None:
            ctx.summary.created += 1
        else:
            kept[row.number] = status
            ctx.summary.refused += 1
    for payment_id, before in snapshot.items():
        if payment_id not in seen:
            notes[payment_id] = Note(_say("not_deleted", ctx.lang, number=text(before.get("number")) or payment_id))
            ctx.summary.refused += 1
    return kept, notes


def _new_payment(ctx: Context, row: Row) -> Optional[str]:
    """Post one typed receipt or payment; None when it was, else the reason it was not."""
    v = row.values
    filled = [c.key for c in PAYMENTS.columns if not c.editable and c.key not in NOT_DATA and c.kind != "hidden"
              and text(v.get(c.key)) is not None]
    if filled:
        return _say("filled", ctx.lang, fields=_labels(PAYMENTS, filled, ctx.lang))
    client = ctx.clients.get(text(v.get("client")) or "")
    cash = ctx.cash.get(text(v.get("cash_account")) or "")
    if client is None or client.get("error"):
        return _say("unknown_client", ctx.lang, client=text(v.get("client")) or "")
    if cash is None:
        return _say("unknown_cash", ctx.lang, code=text(v.get("cash_account")) or "")
    body: dict[str, Any] = {"kind": text(v.get("kind")) or "receipt", "cash_account_id": cash["id"],
                            "counterparty_id": client["id"], "memo": text(v.get("memo"))}
    try:
        body["amount"] = str(decimal(v.get("amount")))
    except (ArithmeticError, ValueError):
        return _say("not_number", ctx.lang, field=_labels(PAYMENTS, ["amount"], ctx.lang), value=text(v.get("amount")))
    if v.get("date") is not None:
        body["date"] = text(v.get("date"))
    number = text(v.get("invoice"))
    if number:
        doc = _find_document(ctx, number)
        if doc is None:
            return _say("unknown_invoice", ctx.lang, number=number)
        amount = min(decimal(doc["open_amount"]) or 0, decimal(body["amount"]) or 0)
        body["allocations"] = [{"invoice_id": doc["id"], "amount": str(amount)}]
    try:
        ctx.conn.post("/api/v1/payments", {k: val for k, val in body.items() if val is not None})
    except ClientBaseError as exc:
        return _say("refused", ctx.lang, reasons=str(exc))
    return None


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
           kept: dict[int, str], notes: dict[int, Note]) -> None:
    """The pulled records (with the cells of a refused edit as typed, and its status), then the user's
    refused new rows as typed; the snapshot is what was pulled."""
    keys = table.keys
    body, snap = [], []
    for item in pulled:
        snap.append([item.get(k) for k in keys])
        values = dict(item)
        note = notes.get(item["id"])
        values["status"] = note.status if note else None
        values.update(note.cells if note else {})
        body.append([values.get(k) for k in keys])
    pulled_ids = {item["id"] for item in pulled}
    for row, note in ((r, notes[r.id]) for r in rows if r.id in notes and r.id not in pulled_ids):
        # A refused edit of a record the server no longer lists (deleted meanwhile): the row stays as typed.
        body.append([{**row.values, "status": note.status}.get(k) for k in keys])
    for row in rows:
        if row.number in kept:
            values = dict(row.values)
            values["status"] = kept[row.number]
            body.append([values.get(k) for k in keys])
    write_rows(sheet, table, body, max((r.number for r in rows), default=FIRST_ROW - 1))
    write_snapshot(book, table, snap)


def _receivables(ctx: Context, book: Any, sheet: Any) -> None:
    """The aging report, one row per client; cells typed over it are kept, and said (the sheet is read-only)."""
    typed = typed_on_read_only(book, sheet, RECEIVABLES, ("client",))
    report = ctx.conn.get("/api/v1/reports/aging", params={"as_of": dt.date.today().isoformat()})
    buckets = ("current", "d1_30", "d31_60", "d61_90", "d90")
    rows = [{"client": r["name"], **{k: float(decimal(b) or 0) for k, b in zip(buckets, r["buckets"])},
             "total": float(decimal(r["total"]) or 0)} for r in report["rows"]]
    write_read_only(book, sheet, RECEIVABLES, rows, ("client",), typed, ctx.lang, ctx.summary)
