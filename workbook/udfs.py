"""ClientBase formulas for Excel (xlwings UDFs): =CB_BALANCE(A2), =CB_SALES(A2, "FOOD", B1, C1), =CB_PRICE(D2, A2) …

Each formula asks the server (`workbook.connection`); the array forms (CB_BALANCES, CB_OVERDUES,
CB_PRICES) answer a whole column range in one request. Nothing here computes a figure: amounts
arrive as decimal strings and become floats only at the very last step, because Excel holds floats.
What goes wrong comes back as a readable text in the cell ("#CLIENTBASE: client not found"), never
as a traceback.

The functions carry no type annotations: xlwings reads a UDF's annotations as cell converters.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional, Union

import xlwings as xw

from .connection import ClientBaseError, Connection

PREFIX = "#CLIENTBASE: "
CATEGORY = "ClientBase"
MAX_CLIENTS = 20_000  # per request, as the server takes them
MAX_PRICES = 10_000

# The item error codes of the figures API, as a person reads them.
MESSAGES = {
    ("client", "not_found"): "client not found",
    ("client", "ambiguous"): "several clients match; use the id or the tax id",
    ("client", "out_of_branch_scope"): "the client belongs to a branch outside your scope",
    ("client", "required"): "no client given",
    ("sku", "not_found"): "product not found",
    ("sku", "required"): "no product given",
    ("sku", "no_price"): "no price for this product",
}

Key = Union[int, str]


def error(message: str) -> str:
    return PREFIX + message


def _message(field: str, code: str) -> str:
    return MESSAGES.get((field, code), f"{field}: {code.replace('_', ' ')}")


def _safe(compute: Callable[[], Any], cells: Optional[list[list[Any]]] = None) -> Any:
    """The answer, or the reason it failed as text (in every cell of an array answer)."""
    try:
        return compute()
    except ClientBaseError as exc:
        text = error(exc.message)
    except Exception as exc:  # noqa: BLE001 - a cell shows a sentence, never a traceback
        text = error(f"{type(exc).__name__}: {exc}")
    if cells is None:
        return text
    return [[text for _ in row] for row in cells] or [[text]]


# --- Excel values at the edge -----------------------------------------------------------------

def client_key(value: Any) -> Optional[Key]:
    """A cell naming a client → what the server resolves: an id, a tax id or a name; None when blank.

    Excel numbers are floats: a whole one is sent as its digits (text), so the server tries it as an
    id and then as a tax id (an INN typed as a number). An int from Python code is an id.
    """
    if value is None:
        return None
    if isinstance(value, bool):  # TRUE/FALSE names no one; the server says so
        return str(value).upper()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def sku_text(value: Any) -> Optional[str]:
    """A cell holding a SKU: numbers typed in Excel (1001.0) are the text "1001"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def date_text(value: Any) -> Optional[str]:
    """A date cell (a date, a date-time, an Excel serial number, or YYYY-MM-DD text) → YYYY-MM-DD."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel's serial day numbers count from 1899-12-30 (its 1900 leap-year bug included).
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(value))).isoformat()
    return str(value).strip()


def qty_text(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = Decimal(repr(value))
    try:
        return format(Decimal(str(value).strip()).normalize(), "f")
    except InvalidOperation:
        return str(value)


def number(text: Optional[str]) -> Any:
    """A decimal string of the API → a float for Excel: the one place a Decimal becomes a float."""
    return "" if text is None else float(Decimal(text))


def _cells(values: Any) -> list[list[Any]]:
    """What an ndim=2 argument holds, even when called with a single value or a flat list from Python."""
    if values is None:
        return [[None]]
    if not isinstance(values, (list, tuple)):
        return [[values]]
    return [list(row) if isinstance(row, (list, tuple)) else [row] for row in values]


# --- asking the server ------------------------------------------------------------------------

def client_figures(keys: list[Key], **params: Any) -> dict[Key, dict[str, Any]]:
    """The figures item of each distinct key, asked in as few requests as the server's limit allows."""
    conn = Connection()
    body = {k: v for k, v in params.items() if v is not None}
    unique = list(dict.fromkeys(keys))
    out: dict[Key, dict[str, Any]] = {}
    for start in range(0, len(unique), MAX_CLIENTS):
        chunk = unique[start:start + MAX_CLIENTS]
        answer = conn.post("/figures/clients", {"clients": chunk, **body})
        out.update(zip(chunk, answer["items"]))
    return out


def _figure(item: dict[str, Any], field: str) -> Any:
    if item["error"]:
        return error(_message("client", item["error"]))
    if field == "last_order_date":
        return dt.date.fromisoformat(item[field]) if item[field] else ""
    return number(item[field])


def _one(client: Any, field: str, **params: Any) -> Any:
    key = client_key(client)
    if key is None:
        return error(_message("client", "required"))
    return _figure(client_figures([key], **params)[key], field)


def _column(clients: Any, field: str, **params: Any) -> list[list[Any]]:
    cells = _cells(clients)
    keys = [[client_key(v) for v in row] for row in cells]
    wanted = [k for row in keys for k in row if k is not None]
    items = client_figures(wanted, **params) if wanted else {}
    return [["" if k is None else _figure(items[k], field) for k in row] for row in keys]


# --- the formulas ---------------------------------------------------------------------------------

@xw.func(category=CATEGORY)
@xw.arg("client", doc="The client: its id, tax id or name")
@xw.arg("as_of", doc="Optional: the date of the balance (default today)")
def CB_BALANCE(client, as_of=None):
    """What the client owes us minus what we owe them, from open documents, in the base currency."""
    return _safe(lambda: _one(client, "balance", as_of=date_text(as_of)))


@xw.func(category=CATEGORY)
@xw.arg("client", doc="The client: its id, tax id or name")
@xw.arg("as_of", doc="Optional: the date (default today)")
def CB_OVERDUE(client, as_of=None):
    """What the client's sales invoices past due still owe, in the base currency."""
    return _safe(lambda: _one(client, "overdue", as_of=date_text(as_of)))


@xw.func(category=CATEGORY)
@xw.arg("client", doc="The client: its id, tax id or name")
@xw.arg("category", doc="Optional: a product category code (its subcategories count too)")
@xw.arg("from_", doc="Optional: the first day (default: the start of the year)")
@xw.arg("to", doc="Optional: the last day (default: today)")
def CB_SALES(client, category=None, from_=None, to=None):
    """Net sales to the client over a period (credit notes negative), in the base currency."""
    return _safe(lambda: _one(client, "sales", category=sku_text(category), to=date_text(to),
                              **{"from": date_text(from_)}))


@xw.func(category=CATEGORY)
@xw.arg("client", doc="The client: its id, tax id or name")
def CB_LAST_ORDER(client):
    """The date of the client's latest sales invoice or confirmed order (empty when none)."""
    return _safe(lambda: _one(client, "last_order_date"))


@xw.func(category=CATEGORY)
@xw.arg("sku", doc="The product's SKU")
@xw.arg("client", doc="Optional: the client (id, tax id or name) whose price it is")
@xw.arg("qty", doc="Optional: the quantity (default 1)")
def CB_PRICE(sku, client=None, qty=None):
    """The product's unit price (net of tax) for the client today."""
    return _safe(lambda: prices([[sku]], [[client]], qty)[0][0])


@xw.func(category=CATEGORY)
@xw.arg("clients", ndim=2, doc="A range of clients (ids, tax ids or names)")
@xw.arg("as_of", doc="Optional: the date of the balances (default today)")
@xw.ret(expand="table")
def CB_BALANCES(clients, as_of=None):
    """The balance of every client in a range, in one request."""
    return _safe(lambda: _column(clients, "balance", as_of=date_text(as_of)), _cells(clients))


@xw.func(category=CATEGORY)
@xw.arg("clients", ndim=2, doc="A range of clients (ids, tax ids or names)")
@xw.arg("as_of", doc="Optional: the date (default today)")
@xw.ret(expand="table")
def CB_OVERDUES(clients, as_of=None):
    """The overdue amount of every client in a range, in one request."""
    return _safe(lambda: _column(clients, "overdue", as_of=date_text(as_of)), _cells(clients))


@xw.func(category=CATEGORY)
@xw.arg("skus", ndim=2, doc="A range of SKUs")
@xw.arg("clients", ndim=2, doc="Optional: one client for all, or a range of clients beside the SKUs")
@xw.ret(expand="table")
def CB_PRICES(skus, clients=None):
    """The unit price of every SKU in a range (for the client beside it), in one request."""
    return _safe(lambda: prices(skus, clients), _cells(skus))


def prices(skus: Any, clients: Any = None, qty: Any = None) -> list[list[Any]]:
    """Prices of a range of SKUs; `clients` is blank, one cell for all, one per row, or one per SKU."""
    sku_cells = _cells(skus)
    client_cells = _cells(clients)
    rows, cols = len(sku_cells), max((len(r) for r in sku_cells), default=0)

    def client_at(r: int, c: int) -> Any:
        if len(client_cells) == 1 and len(client_cells[0]) == 1:
            return client_cells[0][0]
        if len(client_cells) != rows:
            raise ClientBaseError("the clients range must be one cell or as long as the SKUs range")
        row = client_cells[r]
        return row[c] if len(row) == cols else row[0]

    wanted: list[tuple[int, int, dict[str, Any]]] = []
    out: list[list[Any]] = [["" for _ in row] for row in sku_cells]
    for r, row in enumerate(sku_cells):
        for c, value in enumerate(row):
            sku = sku_text(value)
            if sku is None:
                continue
            item: dict[str, Any] = {"sku": sku}
            key = client_key(client_at(r, c))
            if key is not None:
                item["client"] = key
            if qty_text(qty) is not None:
                item["qty"] = qty_text(qty)
            wanted.append((r, c, item))
    if len(sku_cells) == 1 and len(sku_cells[0]) == 1 and not wanted:
        return [[error(_message("sku", "required"))]]
    conn = Connection()
    for start in range(0, len(wanted), MAX_PRICES):
        chunk = wanted[start:start + MAX_PRICES]
        answer = conn.post("/figures/prices", {"items": [item for _, _, item in chunk]})
        for (r, c, _), got in zip(chunk, answer["items"]):
            out[r][c] = error(_message(got["field"] or "sku", got["error"])) if got["error"] else number(got["price"])
    return out
