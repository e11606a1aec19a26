"""`clientbase workbooks sync` and `clientbase addin …`: click groups that clientbase/cli.py joins to the server's commands."""
from __future__ import annotations

import importlib
from pathlib import Path

import click
import xlwings as xw

from .addin import DEFAULT_OUT, LABELS, build_addin
from .addin import changed as addin_changed
from .connection import ClientBaseError
from .existing import HoldsData, dated_copy
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


@workbooks.command("sync")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sync(file: Path) -> None:
    """Run a workbook's Sync on the file, without Excel (the token: CLIENTBASE_TOKEN or the token file)."""
    # The headless engine (openpyxl behind xlwings' API) is slow to import and only this command needs it;
    # every `clientbase` command (serve, import, ...) loads this module.
    from . import engine

    engine.activate()
    book = xw.Book(str(file))
    try:
        stem = config(book).stem or file.stem
        try:
            module = importlib.import_module(f"workbook.{stem}")
        except ImportError:
            raise click.ClickException(f"{file.name} is not a ClientBase workbook (no Sync for {stem!r})") from None
        try:
            summary = module.sync(book)
        except ClientBaseError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(summary.line("en"))
    finally:
        book.close()
