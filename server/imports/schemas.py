"""Input and output shapes of the imports API."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Optional

from pydantic import Field, StringConstraints

from ..core.validation import FileBase64, Id, Input, Output, QueryInput, Text, Version
from .fields import KINDS
from .rows import ACTIONS

Kind = Literal[KINDS]  # type: ignore[valid-type]
# Base64 of at most 40 MiB: the request limit (64 MiB) holds it with room to spare.
MAX_UPLOAD = 40 * 1024 * 1024


UploadFile = FileBase64(MAX_UPLOAD)
Columns = dict[Annotated[str, StringConstraints(min_length=1, max_length=200)], Optional[Text(40, 1)]]  # type: ignore[valid-type]


class ImportIn(Input):
    """A file to import, base64; read and planned (a dry run) — nothing is written but the plan."""

    kind: Kind
    file_name: Text(255, 1)  # type: ignore[valid-type]
    content_base64: UploadFile  # type: ignore[valid-type]
    profile: Optional[Text(100, 1)] = None  # type: ignore[valid-type]
    sheet: Optional[Text(100, 1)] = None  # type: ignore[valid-type]
    header_row: Optional[Annotated[int, Field(ge=1, le=1000)]] = None
    columns: Optional[Columns] = Field(default=None, max_length=200)
    options: Optional[dict[Annotated[str, StringConstraints(max_length=40)], Any]] = Field(default=None, max_length=20)


class ImportDecisionIn(Input):
    row: Annotated[int, Field(ge=1, le=10_000_000)]
    action: Literal["create", "update", "skip"]
    id: Optional[Id] = None


class CommitIn(Input):
    version: Version
    decisions: list[ImportDecisionIn] = Field(default_factory=list, max_length=200_000)
    skip_errors: Optional[bool] = None


class ImportOut(Output):
    id: int
    kind: str
    status: str
    file_name: str
    file_sha256: str
    file_size: int
    profile_id: Optional[int]
    mapping: dict[str, Any]
    options: dict[str, Any]
    counts: dict[str, Any]
    created: dict[str, int]
    entry_id: Optional[int]
    created_by: int
    created_at: dt.datetime
    committed_at: Optional[dt.datetime]
    committed_by: Optional[int]
    undone_at: Optional[dt.datetime]
    undone_by: Optional[int]
    version: int
    earlier_imports: list[int] = []
    rows: list[dict[str, Any]] = []


class ImportList(Output):
    items: list[ImportOut]


class ReportQuery(QueryInput):
    format: Literal["json", "xlsx"] = "json"
    action: Optional[Literal[ACTIONS]] = None  # type: ignore[valid-type]
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    limit: Annotated[int, Field(ge=1, le=100_000)] = 1000
    language: Optional[Literal["en", "km", "ru"]] = None


class ReportOut(Output):
    mapping: dict[str, Any]
    options: dict[str, Any]
    counts: dict[str, Any]
    total: int
    rows: list[dict[str, Any]]


class ProfileIn(Input):
    kind: Kind
    name: Text(100, 1)  # type: ignore[valid-type]
    sheet: Optional[Text(100, 1)] = None  # type: ignore[valid-type]
    header_row: Optional[Annotated[int, Field(ge=1, le=1000)]] = None
    columns: Columns = Field(default_factory=dict, max_length=200)
    options: dict[Annotated[str, StringConstraints(max_length=40)], Any] = Field(default_factory=dict, max_length=20)


class ProfilePatch(Input):
    version: Version
    name: Optional[Text(100, 1)] = None  # type: ignore[valid-type]
    sheet: Optional[Text(100, 1)] = None  # type: ignore[valid-type]
    header_row: Optional[Annotated[int, Field(ge=1, le=1000)]] = None
    columns: Optional[Columns] = Field(default=None, max_length=200)
    options: Optional[dict[Annotated[str, StringConstraints(max_length=40)], Any]] = Field(default=None, max_length=20)


class ProfileOut(Output):
    id: int
    kind: str
    name: str
    sheet: Optional[str]
    header_row: Optional[int]
    columns: dict[str, Any]
    options: dict[str, Any]
    archived_at: Optional[dt.datetime]
    version: int


class ProfileList(Output):
    items: list[ProfileOut]
