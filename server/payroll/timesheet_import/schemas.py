"""Input and output shapes of the timesheet file import."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from ...core.validation import FileBase64, Id, Input, Output, Text
from ..schemas import Period
from .service import MAX_BYTES

TimesheetFile = FileBase64(MAX_BYTES)


class TimesheetImportIn(Input):
    """A timesheet file (base64) for one month: a grid of days or a row per employee-day. A blank cell leaves
    its day as it is (a file is not a snapshot of the month); "-" or "clear" returns the day to the calendar."""

    period: Period
    branch_id: Optional[Id] = Field(default=None, description="Only this branch's employees may be named.")
    filename: Text(255, 1)  # type: ignore[valid-type]
    file: TimesheetFile  # type: ignore[valid-type]
    sheet: Optional[Text(100, 1)] = Field(  # type: ignore[valid-type]
        default=None, description="Default: the first sheet whose header is recognised.")
    dry_run: bool = Field(default=False, description="Check and count only: nothing is saved.")


class ImportProblemOut(Output):
    field: str
    code: str
    message: str


class TimesheetImportOut(Output):
    layout: Optional[Literal["grid", "long"]]
    sheet: Optional[str]
    days: int
    employees: int
    saved: int
    cleared: int
    dry_run: bool
    # A dry run only: an import with errors is refused with them (422), and saves nothing.
    errors: list[ImportProblemOut] = []
