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
from workbook.existing import HoldsData, dated_copy, holds
from workbook.cli import addin, workbooks
from workbook.layout import BOOKS


@workbooks.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("build/workbooks"),
              show_default=True)
@click.option("--language", type=click.Choice(LANGUAGES), help="Labels' language (default: the company's).")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="The server the workbooks sync with.")
@click.option("--company-id", type=int)
@click.option("--force", is_flag=True, help="Replace workbooks that hold data, after saving a dated copy of each "
                                            "beside it.")
@click.option("--only-missing", is_flag=True, help="Build only the workbooks not in --out yet; keep every one that "
                                                   "is there as it is (`make run`).")
def workbooks_build(out: Path, language: str | None, url: str, company_id: int | None, force: bool,
                    only_missing: bool) -> None:
    """Write clients.xlsm, sales_book.xlsm and payroll.xlsm (with their .py) filled with the company's dropdown lists.

    A workbook already in --out that holds data (rows typed or pulled, a sheet of your own, the interpreter
    set in xlwings.conf) is not replaced: nothing is written and the command exits with status 1, naming
    the file and what it holds. --force replaces it after saving a dated copy beside it
    (clients.2026-05-04-093012.xlsm); a copy is never written over.
    """
    wanted = [b for b in BOOKS.values() if not (only_missing and (out / f"{b.stem}.xlsm").exists())]
    for book in BOOKS.values():
        if book not in wanted:
            click.echo(f"{out / f'{book.stem}.xlsm'}  (kept: it exists)")
    if not wanted:
        return
    # Every workbook is looked at before any is written: a refusal leaves all of them as they were.
    full = {b.stem: reason for b in wanted if (out / f"{b.stem}.xlsm").exists()
            and (reason := holds(b, out / f"{b.stem}.xlsm"))}
    if full and not force:
        raise click.ClickException("\n".join(str(HoldsData(out / f"{stem}.xlsm", reason))
                                             for stem, reason in full.items()))
    language, lists = workbook_lists(company_id, language)
    for book in wanted:
        path = out / f"{book.stem}.xlsm"
        try:
            if book.stem in full:
                click.echo(f"{dated_copy(path)}  (a copy of {path.name} as it was)")
            click.echo(build(book, out, language, url, lists, replace=book.stem in full))
        except HoldsData as exc:    # filled in since it was looked at
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{path}: cannot be written ({exc.strerror or exc}); is it open in Excel?") \
                from None


main.add_command(workbooks)
main.add_command(addin)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
