"""The `clientbase` command: the server's commands, the workbooks' and the add-in's in one group.

The server never imports the workbooks and the workbooks never import the server (the import contracts in
pyproject.toml); building a workbook needs both (the company's lists, the builder), so it is declared here.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from server.cli import main, workbook_lists
from server.config import LANGUAGES
from workbook.build import build
from workbook.cli import addin, workbooks
from workbook.layout import BOOKS


@workbooks.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/workbooks"),
              show_default=True)
@click.option("--language", type=click.Choice(LANGUAGES), help="Labels' language (default: the company's).")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="The server the workbooks sync with.")
@click.option("--company-id", type=int)
def workbooks_build(out: Path, language: str | None, url: str, company_id: int | None) -> None:
    """Write clients.xlsm, sales_book.xlsm and payroll.xlsm (with their .py) filled with the company's dropdown lists."""
    language, lists = workbook_lists(company_id, language)
    for book in BOOKS.values():
        click.echo(build(book, out, language, url, lists))


main.add_command(workbooks)
main.add_command(addin)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
