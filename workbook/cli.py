"""`clientbase workbooks sync` and `clientbase addin …`: click groups that clientbase/cli.py joins to the server's commands."""
from __future__ import annotations

import importlib
import zipfile
from pathlib import Path
from typing import Any

import click
import xlwings as xw

from .addin import DEFAULT_OUT, LABELS, build_addin
from .addin import changed as addin_changed
from .connection import ClientBaseError
from .existing import HoldsData, dated_copy
from .layout import BOOKS, CONFIG_SHEET
from .sync import config


@click.group()
def addin() -> None:
    """The ClientBase Excel add-in (a ribbon tab whose button syncs the active workbook)."""


@addin.command("build")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="The .xlam to write; its Python module is written beside it.")
@click.option("--language", type=click.Choice(sorted(LABELS)), default="en", show_default=True,
              help="The language of the ribbon's labels.")
@click.option("--force", is_flag=True, help="Replace an add-in changed since it was built, after saving a dated "
                                            "copy of it beside it.")
@click.option("--only-missing", is_flag=True, help="Build only if there is no add-in at --out; keep one that is "
                                                   "there as it is (`make run`).")
def build(out: Path, language: str, force: bool, only_missing: bool) -> None:
    """Build the add-in from xlwings' ribbon add-in template.

    An add-in at --out that was changed since it was built is not replaced (exit status 1, saying why)
    unless --force is given, which first saves a dated copy of it beside it.
    """
    if only_missing and out.exists():
        click.echo(f"{out}  (kept: it exists)")
        return
    try:
        if force and out.exists() and addin_changed(out):
            click.echo(f"{dated_copy(out)}  (a copy of {out.name} as it was)")
            path = build_addin(out, language, replace=True)
        else:
            path = build_addin(out, language)
    except HoldsData as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None
    except OSError as exc:
        raise click.ClickException(f"{out}: cannot be written ({exc.strerror or exc}); is it open in Excel?") from None
    click.echo(f"{path}  (and {path.with_suffix('.py').name} beside it: keep them together)")


@click.group()
def workbooks() -> None:
    """The Excel front ends: build them, or run their Sync without Excel."""


# The exit status of `clientbase workbooks sync` when rows were refused (its --help and the README list them all).
REFUSED = 3


@workbooks.command("sync")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def sync(file: Path) -> None:
    """Run a workbook's Sync on the file, without Excel (the token: CLIENTBASE_TOKEN or the token file).

    \b
    Exit status:
      0  everything was saved and pulled
      1  the file was not synced: not found, not a ClientBase workbook, the server unreachable, no token…
      2  the command was called wrongly
      3  synced and saved, but some rows were refused (or changed by someone else meanwhile): each keeps
         what was typed, with the reason in its status cell
    """
    _check(file)
    # The headless engine (openpyxl behind xlwings' API) is slow to import and only this command needs it;
    # every `clientbase` command (serve, import, ...) loads this module.
    from . import engine

    engine.activate()
    try:
        book = xw.Book(str(file))
    except Exception as exc:  # noqa: BLE001 — whatever openpyxl makes of a damaged file, the user gets a sentence
        raise click.ClickException(f"{file}: cannot be opened as a workbook ({_why(exc)})") from None
    try:
        module, stem = _identify(file, book)
        try:
            summary = module.sync(book)
        except ClientBaseError as exc:
            raise click.ClickException(f"{file}: not synced: {exc}") from None
        except (LookupError, ValueError) as exc:
            # A sheet, its snapshot or its settings removed or damaged since the workbook was built.
            raise click.ClickException(f"{file}: not synced: the {stem} workbook is damaged or incomplete "
                                       f"({_why(exc)}); build a new one with `clientbase workbooks build`") from None
        except OSError as exc:
            raise click.ClickException(f"{file}: cannot be saved ({exc.strerror or exc}); is it open in Excel?") \
                from None
        click.echo(summary.line("en"))
    finally:
        book.close()
    if summary.refusals:
        click.echo(f"{file}: {summary.refusals} refused: see the status cells (your values are kept).", err=True)
        click.get_current_context().exit(REFUSED)


def _check(file: Path) -> None:
    """Refuse, with a sentence naming the file and why, anything that is not an Excel workbook at all."""
    if not file.exists():
        raise click.ClickException(f"{file}: there is no such file")
    if not file.is_file():
        raise click.ClickException(f"{file}: not a file")
    if file.suffix.lower() not in (".xlsm", ".xlsx"):
        raise click.ClickException(f"{file}: not an Excel workbook (.xlsm or .xlsx)")
    try:
        with zipfile.ZipFile(file) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise click.ClickException(f"{file}: not a workbook Excel could open: the file is damaged or of another "
                                   f"kind ({_why(exc)})") from None
    if "xl/workbook.xml" not in names:
        raise click.ClickException(f"{file}: not an Excel workbook (a zip file of another kind)")


def _identify(file: Path, book: Any) -> tuple[Any, str]:
    """The Sync module of a ClientBase workbook; any other workbook is refused, saying why."""
    if CONFIG_SHEET.casefold() not in {s.name.casefold() for s in book.sheets}:
        raise click.ClickException(f"{file}: not a ClientBase workbook: it has no {CONFIG_SHEET} sheet naming "
                                   f"its Sync (`clientbase workbooks build` makes the workbooks)")
    try:
        stem = config(book).stem or file.stem
    except Exception as exc:  # noqa: BLE001 — a settings sheet of another shape
        raise click.ClickException(f"{file}: not a ClientBase workbook: its {CONFIG_SHEET} sheet cannot be read "
                                   f"({_why(exc)})") from None
    if stem not in BOOKS:
        named = (f"its {CONFIG_SHEET} sheet names {stem!r}" if config(book).stem
                 else f"its {CONFIG_SHEET} sheet names no workbook, and its file name {stem!r}")
        raise click.ClickException(f"{file}: not a ClientBase workbook: {named}, which is none of {', '.join(BOOKS)}")
    # Only the names above: a settings sheet cannot make this import any other module.
    return importlib.import_module(f"workbook.{stem}"), stem


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"
