"""Timesheet file import API: a time clock's export or a spreadsheet into the timesheet of a month."""
from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session

from ...core.actor import Actor
from ...routes import route
from ...core.i18n import translate
from . import service as timesheet_import
from . import schemas

bp = Blueprint("payroll_timesheet_import", __name__, url_prefix="/api/v1")

IMPORTERS = ("owner", "accountant", "hr")


def _read(session: Session, actor: Actor, body: schemas.TimesheetImportIn, **_: Any) -> timesheet_import.Parsed:
    """The file read and checked against the staff in a read transaction: it holds no write lock."""
    return timesheet_import.read(session, actor, body.file, body.filename, body.period, branch_id=body.branch_id,
                                 sheet=body.sheet)


@route(bp, "/timesheets/import", method="POST", roles=IMPORTERS, body=schemas.TimesheetImportIn,
       response=schemas.TimesheetImportOut, prepare=_read)
def import_timesheet(session: Session, actor: Actor, body: schemas.TimesheetImportIn,
                     prepared: timesheet_import.Parsed) -> schemas.TimesheetImportOut:
    """Import a month's timesheet from a file (base64), all or nothing; a dry run only checks and counts."""
    done = timesheet_import.import_timesheet(session, actor, prepared, dry_run=body.dry_run)
    return schemas.TimesheetImportOut(
        layout=done.layout, sheet=done.sheet, days=done.days, employees=done.employees, saved=done.saved,
        cleared=done.cleared, dry_run=done.dry_run,
        errors=[schemas.ImportProblemOut(field=e.field, code=e.code,
                                         message=translate(e.code, actor.language, **e.params)) for e in done.errors])
