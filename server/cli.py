"""The server's commands: serve, db, init, companies, users, tokens, demo, documents, import (clientbase/cli.py adds the workbooks')."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select

from . import create_app
from .config import LANGUAGES
from .core.actor import Actor
from .core.errors import DomainError
from .core.i18n import translate
from .demo import is_demo, load_demo, owner_token
from .documents import batch as batches
from .documents.kinds import KINDS, REGISTERED_SOURCES
from .documents.kinds import kind as kind_of
from .documents.models import Document, DocumentFile
from .finance.models import CashAccount, Payment
from .imports import report as xlsx_report
from .imports.messages import describe as describe_cell
from .imports import service as import_service
from .migrate import downgrade, upgrade
from .org import schemas as org_schemas
from .org import service as org_service
from .org.models import Branch, Company, User
from .setup.service import create_company
from .parties.models import LeadSource, Segment, Tag
from .payroll.timesheet_import import service as timesheet_files
from .payroll.schemas import Period
from .payroll.timesheet_import.api import IMPORTERS
from .sales.models import Invoice, Order
from .serve import run

# Every project import is at the top, though that slows `clientbase --help` (CPU time measured: 1.2-1.6 s with
# them inside the commands, 3.0-3.7 s here): every other command builds the app, which imports nearly all of
# these modules anyway (about 3 s either way), and the top of the file should show what the CLI depends on.
# The workbooks' and the add-in's commands join these in clientbase/cli.py: the server never imports the workbooks.


def _app(**config: object):  # type: ignore[no-untyped-def]
    app = create_app(config or None)
    # Close the pool's connections when the command ends (CliRunner, scripts), not at garbage collection.
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(app.extensions["clientbase.db"].dispose)
    return app


def _db(app):  # type: ignore[no-untyped-def]
    return app.extensions["clientbase.db"]


@click.group()
def main() -> None:
    """ClientBase server and tools."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen address (keep 127.0.0.1 unless you mean it).")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per process.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes sharing the port (Linux, macOS); about one per core.")
def serve(host: str, port: int, threads: int, processes: int) -> None:
    """Apply migrations and serve the API with waitress."""
    app = _app()
    upgrade(_db(app).engine)
    dialect = _db(app).dialect
    _db(app).dispose()  # no connection may cross into the forked workers
    click.echo(f"ClientBase on http://{host}:{port}  (database: {dialect}; {processes} process(es) x {threads} threads)")
    run(lambda: create_app(), host=host, port=port, threads=threads, processes=processes)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    app = _app()
    upgrade(_db(app).engine, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION."""
    downgrade(_db(_app()).engine, revision)


def _company_options(fn: Any) -> Any:
    """The options that describe a new company and its owner (init, companies add)."""
    for option in reversed((
        click.option("--company", "company_name", required=True, help="The company's name."),
        click.option("--country", default="KH", show_default=True, help="Two-letter country code."),
        click.option("--currency", default="USD", show_default=True),
        click.option("--second-currency", default=None, help="Shown beside the base currency (e.g. KHR)."),
        click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True),
        click.option("--owner-email", required=True),
        click.option("--owner-name", default="Owner", show_default=True),
    )):
        fn = option(fn)
    return fn


def _create_company(s: Any, company_name: str, country: str, currency: str, second_currency: str | None,
                    language: str, owner_email: str, owner_name: str) -> str:
    try:
        _company, _owner, token = create_company(
            s, name=company_name, country=country.strip().upper(), currency=currency.strip().upper(),
            second_currency=second_currency.strip().upper() if second_currency else None, language=language,
            owner_email=owner_email.strip(), owner_name=owner_name,
        )
    except DomainError as exc:
        raise click.ClickException(_describe(exc)) from None
    return token


@main.command()
@_company_options
def init(company_name: str, country: str, currency: str, second_currency: str | None, language: str,
         owner_email: str, owner_name: str) -> None:
    """Create the database, your company and its owner; print the owner's API token."""
    app = _app()
    upgrade(_db(app).engine)
    with _db(app).write_session() as s, s.begin():
        if s.scalar(select(Company.id).limit(1)) is not None:
            raise click.ClickException("the database already holds a company; `init` is for a new database "
                                       "(another legal entity: `clientbase companies add`)")
        token = _create_company(s, company_name, country, currency, second_currency, language, owner_email,
                                owner_name)
    cfg = Path(app.instance_path) / "clientbase.cfg"
    _set_setting(cfg, "DEFAULT_LANGUAGE", language)
    click.echo(f"company created; messages in {language}; settings in {cfg}")
    click.echo(f"owner token (shown once): {token}")


@main.group()
def companies() -> None:
    """Your legal entities."""


@companies.command("add")
@_company_options
def companies_add(company_name: str, country: str, currency: str, second_currency: str | None, language: str,
                  owner_email: str, owner_name: str) -> None:
    """Add another legal entity with its own owner; print the owner's API token."""
    app = _app()
    with _db(app).write_session() as s, s.begin():
        token = _create_company(s, company_name, country, currency, second_currency, language, owner_email,
                                owner_name)
    click.echo(f"company {company_name!r} added")
    click.echo(f"owner token (shown once): {token}")


@companies.command("list")
def companies_list() -> None:
    """List the companies in this database."""
    app = _app()
    with _db(app).read_session() as s:
        for c in s.scalars(select(Company).order_by(Company.id)):
            click.echo(f"{c.id}\t{c.name}\t{c.country}\t{c.base_currency}{'/' + c.second_currency if c.second_currency else ''}")


@main.group()
def users() -> None:
    """Users of a company."""


@users.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(("owner", "accountant", "sales", "warehouse", "hr")), required=True)
@click.option("--language", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option("--branch", "branches", multiple=True, help="Branch code of the user's scope (repeat); none = all.")
@click.option("--company-id", type=int, default=None, help="Default: the first company.")
def users_add(email: str, name: str, role: str, language: str, branches: tuple[str, ...], company_id: int | None) -> None:
    """Add a user (and print nothing secret: create a token with `clientbase tokens create`)."""
    app = _app()
    with _db(app).write_session() as s, s.begin():
        actor = Actor.system(_company_id(s, company_id))
        ids = []
        for code in branches:
            bid = s.scalar(select(Branch.id).where(Branch.company_id == actor.company_id, Branch.code == code))
            if bid is None:
                raise click.ClickException(f"no branch with code {code!r}")
            ids.append(bid)
        try:
            user = org_service.create_user(s, actor, org_schemas.UserIn(email=email, name=name, role=role,
                                                                          language=language, branch_ids=ids))
        except (ValidationError, DomainError) as exc:
            raise click.ClickException(_describe(exc)) from None
        click.echo(f"user {user.id} {user.email} ({user.role})")


@main.group()
def tokens() -> None:
    """Personal API tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="The user's email.")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def tokens_create(email: str, name: str) -> None:
    """Create an API token for a user and print it (once)."""
    app = _app()
    with _db(app).write_session() as s, s.begin():
        user = s.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user with email {email!r}")
        try:
            _token, text = org_service.issue_token_for(s, Actor.system(user.company_id), user,
                                                       org_schemas.TokenIn(name=name))
        except (ValidationError, DomainError) as exc:
            raise click.ClickException(_describe(exc)) from None
    click.echo(text)


@main.command()
@click.option("--clients", default=2000, show_default=True, type=int)
@click.option("--seed", default=20261128, show_default=True, type=int)
@click.option("--invoices", default=1200, show_default=True, type=int,
              help="Sales invoices in the demo's year of books (0: no books).")
@click.option("--if-empty", is_flag=True, help="Do nothing if a company already exists.")
def demo(clients: int, seed: int, invoices: int, if_empty: bool) -> None:
    """Load the demo company (branches, staff, clients, a year of books) and print the owner's token."""
    app = _app()
    upgrade(_db(app).engine)
    with _db(app).write_session() as s, s.begin():
        if s.scalar(select(Company.id).limit(1)) is not None:
            if if_empty:
                if not is_demo(s):
                    # `make run` on a real company's database: serve it, touch nothing, hand out nothing.
                    click.echo("the database holds your company, not the demo: demo not loaded "
                               "(create a token with `clientbase tokens create --email ...`)")
                    return
                click.echo("demo data already loaded")
                click.echo(f"owner token: {owner_token(s)}")
                return
            raise click.ClickException("the database already holds a company; use a fresh database for the demo")
        token = load_demo(s, clients=clients, seed=seed, invoices=invoices)
    click.echo(f"demo company loaded with {clients} clients and {invoices} sales invoices")
    click.echo(f"owner token: {token}")


def _user_actor(s: Any, company_id: int, email: str | None) -> Actor:
    """The user a CLI command acts as: `--as EMAIL`, else the company's first active owner."""
    q = select(User).where(User.company_id == company_id, User.is_active.is_(True))
    q = q.where(func.lower(User.email) == email.lower()) if email else q.where(User.role == "owner")
    user = s.scalars(q.order_by(User.id)).first()
    if user is None:
        raise click.ClickException(f"no active user {email or 'with the owner role'} in company {company_id}")
    return Actor(user_id=user.id, company_id=company_id, role=user.role, language=user.language)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(("clients", "contacts", "products", "balances")))
@click.option("--profile", help="A saved column mapping (import profile) by name.")
@click.option("--sheet", help="The sheet to read (default: the one whose header is recognised).")
@click.option("--header-row", type=click.IntRange(1, 1000), help="The header's row number, if detection guesses wrong.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Map a column (header text or letter) to a field; FIELD empty to ignore it. Repeat.")
@click.option("--option", "opts", multiple=True, metavar="NAME=VALUE",
              help="Reading option: country, currency, date_order (DMY/MDY), decimal_comma, date, price_list.")
@click.option("--dry-run", is_flag=True, help="Plan and report only; nothing is imported (the plan is kept on record).")
@click.option("--skip-errors", is_flag=True, help="Import the good rows and leave the rows with errors out.")
@click.option("--strict", is_flag=True,
              help="A cell that cannot be read (a bad e-mail, phone, tax id...) makes its row an error, "
                   "instead of being left out with a warning.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (.xlsx or .json).")
@click.option("--as", "email", help="The user the import is recorded for (default: the first owner).")
@click.option("--company-id", type=int)
def import_file(file: Path, kind: str, profile: str | None, sheet: str | None, header_row: int | None,
                maps: tuple[str, ...], opts: tuple[str, ...], dry_run: bool, skip_errors: bool, strict: bool,
                report_path: Path | None, email: str | None, company_id: int | None) -> None:
    """Import a spreadsheet of clients, contacts, products or opening balances, with a progress bar."""
    columns = {}
    for m in maps:
        source, _eq, field = m.partition("=")
        columns[source] = field.strip() or None
    options: dict[str, Any] = {}
    for o in opts:
        name, _eq, value = o.partition("=")
        options[name.strip()] = {"true": True, "false": False}.get(value.strip().lower(), value.strip())
    if skip_errors:
        options["skip_errors"] = True
    if strict:
        options["strict"] = True
    app = _app()
    content = file.read_bytes()
    with click.progressbar(length=100, label=f"{kind} from {file.name}") as bar:
        done = [0]

        def progress(step: str, n: int, total: int) -> None:
            # Checking rows is 80 % of the bar, writing the rest.
            at = int(80 * n / max(total, 1)) if step == "check" else 80 + int(20 * n / max(total, 1))
            if at > done[0]:
                bar.update(at - done[0])
                done[0] = at
        try:
            with _db(app).write_session() as s, s.begin():
                actor = _user_actor(s, _company_id(s, company_id), email)
                kw: dict[str, Any] = dict(profile=profile, columns=columns or None, sheet=sheet, header_row=header_row,
                                          options=options)
                if dry_run:
                    p = import_service.plan(s, actor, kind, content, file.name, progress=progress, **_profiled(s, actor, kind, kw))
                    imp = import_service.dry_run(s, actor, kind, content, file.name, prepared=p, **kw)
                else:
                    imp, p = import_service.import_now(s, actor, kind, content, file.name, progress=progress, **kw)
                progress("write", 1, 1)
        except DomainError as exc:
            raise click.ClickException(_describe(exc)) from None
    counts = ", ".join(f"{k} {v}" for k, v in p.counts().items() if v and k != "rows")
    click.echo(f"import {imp.id} ({'dry run' if dry_run else 'committed'}): {p.counts()['rows']} rows — {counts}")
    click.echo("columns: " + ", ".join(f"{c.letter} {c.header!r} → {c.field}" for c in p.mapping.columns if c.field))
    for r in [r for r in p.rows if r.errors or r.warnings][:10]:
        for e in [*r.errors, *r.warnings]:
            click.echo(f"  {describe_cell(e, r.number, actor.language)}")
    if report_path is not None:
        rep = {"mapping": p.mapping.as_json(), "options": p.options.as_json(), "counts": p.counts(), "rows": p.report()}
        if report_path.suffix.lower() == ".json":
            report_path.write_text(json.dumps(rep, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
        else:
            report_path.write_bytes(xlsx_report.xlsx(json.loads(json.dumps(rep, default=str)), actor.language))
        click.echo(f"report written to {report_path}")


def _profiled(s: Any, actor: Actor, kind: str, kw: dict[str, Any]) -> dict[str, Any]:
    """The reading arguments with a saved profile's mapping and options merged in (the given ones win)."""
    prof = import_service.profile_by_name(s, actor, kind, kw["profile"]) if kw.get("profile") else None
    columns, sheet, header_row, options = import_service.with_profile(prof, kw["columns"], kw["sheet"], kw["header_row"],
                                                                kw["options"])
    return dict(columns=columns, sheet=sheet, header_row=header_row, options=options)


@main.group()
def timesheet() -> None:
    """Timesheets of the payroll."""


@timesheet.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", required=True, help="The month the file is for, YYYY-MM.")
@click.option("--branch", help="Branch code: only its employees may be named.")
@click.option("--sheet", help="The sheet to read (default: the first whose header is recognised).")
@click.option("--dry-run", is_flag=True, help="Check and count only; nothing is saved.")
@click.option("--as", "email", help="The user the days are recorded for (default: the first owner).")
@click.option("--company-id", type=int)
def timesheet_import(file: Path, period: str, branch: str | None, sheet: str | None, dry_run: bool,
                     email: str | None, company_id: int | None) -> None:
    """Import a month's timesheet from a file (a grid of days, or a row per employee-day), all or nothing."""
    try:
        month = TypeAdapter(Period).validate_python(period)
    except ValidationError:
        raise click.BadParameter(f"{period!r} is not a month as YYYY-MM", param_hint="--period") from None
    app = _app()
    content = file.read_bytes()
    with _db(app).write_session() as s, s.begin():
        actor = _user_actor(s, _company_id(s, company_id), email)
        if actor.role not in IMPORTERS:
            raise click.ClickException(translate("role_forbidden", "en", role=actor.role, allowed=", ".join(IMPORTERS)))
        branch_id = None
        if branch:
            branch_id = s.scalar(select(Branch.id).where(Branch.company_id == actor.company_id, Branch.code == branch))
            if branch_id is None:
                raise click.ClickException(f"no branch with code {branch!r}")

        def listed(errors: Any) -> str:
            return "\n".join(f"  {timesheet_files.place(e.field)}: {translate(e.code, actor.language, **e.params)}"
                             for e in errors)
        try:
            parsed = timesheet_files.read(s, actor, content, file.name, month, branch_id=branch_id, sheet=sheet)
            done = timesheet_files.import_timesheet(s, actor, parsed, dry_run=dry_run)
        except DomainError as exc:
            head = translate(exc.code, actor.language, **exc.params)
            raise click.ClickException(f"{head}\n{listed(exc.errors)}" if exc.errors else head) from None
        where = f"{done.layout}, sheet {done.sheet}" if done.sheet else done.layout
        said = f"{file.name} ({where}): {done.days} days of {done.employees} employees for {month:%Y-%m}"
        if done.errors:
            raise click.ClickException(f"dry run of {said}: it would be refused\n{listed(done.errors)}")
        if dry_run:
            click.echo(f"dry run of {said}: {done.saved} would be saved, {done.cleared} cleared; nothing written")
        else:
            click.echo(f"imported {said}: {done.saved} saved, {done.cleared} cleared")


@main.group()
def documents() -> None:
    """Contracts, invoices and the rest, from the Word templates."""


@documents.command("batch")
@click.option("--kind", required=True, type=click.Choice(sorted(k for k, v in KINDS.items() if v.source in REGISTERED_SOURCES)))
@click.option("--from", "from_", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First date (YYYY-MM-DD).")
@click.option("--to", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last date (YYYY-MM-DD).")
@click.option("--language", type=click.Choice(LANGUAGES), help="The company's language when not given.")
@click.option("--pdf", is_flag=True, help="Also convert to PDF (LibreOffice, one run per chunk).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write the files to this folder.")
@click.option("--as", "email", help="The user the documents are registered by (default: the first owner).")
@click.option("--company-id", type=int)
def documents_batch(kind: str, from_: Any, to: Any, language: str | None, pdf: bool, out: Path | None,
                    email: str | None, company_id: int | None) -> None:
    """Generate and register the documents of every posted source in a date range, with a progress bar."""
    app = _app()
    source = {"invoice": Invoice, "order": Order, "payment": Payment}[kind_of(kind).source]
    with _db(app).write_session() as s, s.begin():
        cid = _company_id(s, company_id)
        actor = _user_actor(s, cid, email)
        ids = list(s.scalars(select(source.id).where(source.company_id == cid, source.date >= from_.date(),
                                                     source.date <= to.date()).order_by(source.date, source.id)))
        if not ids:
            raise click.ClickException("nothing to generate in that range")
        try:
            batch_id = batches.start_batch(s, actor, kind, ids, language, pdf).id
        except DomainError as exc:
            raise click.ClickException(_describe(exc)) from None
    with click.progressbar(length=len(ids), label=f"{kind} documents") as bar:
        seen = [0]

        def progress(done: int, _total: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done
        result = batches.run_batch(_db(app), actor, batch_id, progress=progress)
    click.echo(f"{len(result.document_ids)} documents registered, {len(result.errors)} refused")
    for e in result.errors[:20]:
        click.echo(f"  source {e['source_id']}: {e['code']} {e['params']}")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        with _db(app).read_session() as s:
            rows = s.execute(select(Document.filename, DocumentFile.format, DocumentFile.content)
                             .join(DocumentFile, DocumentFile.document_id == Document.id)
                             .where(Document.id.in_(result.document_ids)))
            for filename, fmt, content in rows:
                (out / filename.rsplit(".", 1)[0]).with_suffix(f".{fmt}").write_bytes(content)
        click.echo(f"files written to {out}")


def workbook_lists(company_id: int | None, language: str | None) -> tuple[str, dict[str, list[str]]]:
    """The company's language (unless given) and the dropdown lists a workbook is built with."""
    app = _app()
    with _db(app).read_session() as s:
        cid = _company_id(s, company_id)
        language = language or s.get(Company, cid).language

        def codes(model: Any, column: Any) -> list[str]:
            q = select(column).where(model.company_id == cid)
            if hasattr(model, "archived_at"):
                q = q.where(model.archived_at.is_(None))
            return list(s.scalars(q.order_by(column)))
        lists = {"branches": codes(Branch, Branch.code), "segments": codes(Segment, Segment.code),
                 "lead_sources": codes(LeadSource, LeadSource.code), "tags": codes(Tag, Tag.name),
                 "managers": codes(User, User.email), "cash_accounts": codes(CashAccount, CashAccount.code)}
    return language, lists


def _company_id(session, company_id: int | None) -> int:  # type: ignore[no-untyped-def]
    if company_id is not None:
        if session.get(Company, company_id) is None:
            raise click.ClickException(f"no company with id {company_id}")
        return company_id
    cid = session.scalar(select(Company.id).order_by(Company.id).limit(1))
    if cid is None:
        raise click.ClickException("no company yet: run `clientbase init` or `clientbase demo` first")
    return cid


def _set_setting(cfg: Path, key: str, value: str) -> None:
    """Set one KEY = 'value' line in the settings file, keeping every other line as it was."""
    lines = cfg.read_text(encoding="utf-8").splitlines() if cfg.exists() else []
    kept = [line for line in lines if line.split("=", 1)[0].strip() != key]
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text("\n".join([*kept, f"{key} = {value!r}"]) + "\n", encoding="utf-8")


def _describe(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors())
    if errors:
        listed = "; ".join(f"{e.field}: {translate(e.code, 'en', **e.params)}" for e in errors)
        code = getattr(exc, "code", None)
        if code and code not in ("validation_failed", errors[0].code):
            # What went wrong as a whole first ("2 rows have errors…"), then each place.
            return f"{translate(code, 'en', **getattr(exc, 'params', {}))} {listed}"
        return listed
    code = getattr(exc, "code", None)
    return translate(code, "en", **getattr(exc, "params", {})) if code else str(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
