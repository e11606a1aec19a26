"""What the ClientBase add-in's Sync button runs: the Sync of the active ClientBase workbook.

The ribbon's macro (xlwings' RunMain) imports the module named after the add-in file and calls its
main(); `workbook.addin` writes that module beside the .xlam as a one-line import of `main` below.
Which workbook is active decides which Sync runs: its xlwings.conf sheet says so ("ClientBase
Workbook", written by the workbook builder), else its file name does (clients.xlsm, sales_book.xlsm …).
"""
from __future__ import annotations

from importlib import import_module
from pathlib import PurePath
from typing import Any, Optional

import xlwings as xw

# File-name prefix → the module whose main() is that workbook's Sync. Longest prefixes first.
WORKBOOKS = (
    ("sales_book", "workbook.sales_book"),
    ("clients", "workbook.clients"),
    ("payroll", "workbook.payroll"),
)
CONFIG_SHEET = "xlwings.conf"
CONFIG_KEY = "ClientBase Workbook"


class NotAClientBaseWorkbook(Exception):
    """The active workbook is none of ours, or its Sync is not in this version."""


def workbook_kind(book: Any) -> str:
    """Which ClientBase workbook this is: "clients", "sales_book", "payroll"."""
    for name in (_configured(book), PurePath(str(book.name)).stem):
        if not name:
            continue
        low = name.strip().lower()
        for prefix, _module in WORKBOOKS:
            if low.startswith(prefix):
                return prefix
    kinds = ", ".join(prefix for prefix, _ in WORKBOOKS)
    raise NotAClientBaseWorkbook(f"{book.name} is not a ClientBase workbook ({kinds}): open one and press Sync again")


def _configured(book: Any) -> Optional[str]:
    """The "ClientBase Workbook" setting of the book's xlwings.conf sheet, if it has one."""
    sheets = {sheet.name.lower(): sheet for sheet in book.sheets}
    sheet = sheets.get(CONFIG_SHEET)
    if sheet is None:
        return None
    rows = sheet.range("A1").expand("table").options(ndim=2).value or []
    for row in rows:
        if len(row) > 1 and row[0] == CONFIG_KEY and row[1]:
            return str(row[1])
    return None


def main(book: Any = None) -> None:
    """Sync the active workbook with its own main(), which finds it through xw.Book.caller()."""
    book = book if book is not None else xw.books.active
    kind = workbook_kind(book)
    module_name = dict(WORKBOOKS)[kind]
    try:
        module = import_module(module_name)  # lazily: only the active workbook's code is loaded
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise NotAClientBaseWorkbook(f"Sync of {kind} workbooks is not in this version of ClientBase") from None
    # Called from the add-in, Book.caller() would be the add-in itself: point it at the active workbook.
    had, previous = hasattr(xw.Book, "_mock_caller"), getattr(xw.Book, "_mock_caller", None)
    book.set_mock_caller()
    try:
        module.main()
    finally:
        if had:
            xw.Book._mock_caller = previous
        elif hasattr(xw.Book, "_mock_caller"):
            del xw.Book._mock_caller
