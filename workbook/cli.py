"""`clientbase addin …` commands: a click group the main CLI (server/cli.py) registers with add_command."""
from __future__ import annotations

from pathlib import Path

import click

from .addin import DEFAULT_OUT, LABELS, build_addin


@click.group()
def addin() -> None:
    """The ClientBase Excel add-in (a ribbon tab whose button syncs the active workbook)."""


@addin.command("build")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="The .xlam to write; its Python module is written beside it.")
@click.option("--language", type=click.Choice(sorted(LABELS)), default="en", show_default=True,
              help="The language of the ribbon's labels.")
def build(out: Path, language: str) -> None:
    """Build the add-in from xlwings' ribbon add-in template."""
    try:
        path = build_addin(out, language)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--out") from None
    click.echo(f"{path}  (and {path.with_suffix('.py').name} beside it: keep them together)")
