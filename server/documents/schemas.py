"""Input and output shapes of the documents API."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional

from pydantic import Field

from ..core.validation import FileBase64, Id, Input, IsoDate, Language, LongText, Output, QueryDate, PageQuery, QueryInput, page_limit, Text, Version
from .engine import MAX_TEMPLATE_BYTES
from .kinds import KINDS
from .models import STATUSES

KindCode = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
MAX_BATCH = 20_000


# The file's bytes, base64 in JSON: the API takes JSON bodies only.
TemplateFile = FileBase64(MAX_TEMPLATE_BYTES)


class TemplateIn(Input):
    kind: KindCode
    language: Language
    name: Text(100, 1)  # type: ignore[valid-type]
    is_default: bool = True
    content_base64: TemplateFile  # type: ignore[valid-type]


class TemplatePreviewIn(Input):
    """Preview a template: an uploaded file, a stored company template, or the one in use; sample or real data."""
    kind: KindCode
    language: Language
    content_base64: Optional[TemplateFile] = None  # type: ignore[valid-type]
    template_id: Optional[Id] = None
    source_id: Optional[Id] = None


class TemplateDefaultIn(Input):
    version: Version
    is_default: bool


class CompanyTemplateOut(Output):
    id: int
    kind: str
    language: str
    name: str
    is_default: bool
    sha256: str
    size: int
    variables: list[str]
    created_at: dt.datetime
    archived_at: Optional[dt.datetime]
    version: int


class TemplateSlot(Output):
    kind: str
    language: str
    shipped: str
    company_templates: list[CompanyTemplateOut]


class TemplateList(Output):
    items: list[TemplateSlot]


class KindOut(Output):
    code: str
    family: str
    source: str
    languages: list[str]
    variables: list[str]


class KindList(Output):
    items: list[KindOut]


class GenerateIn(Input):
    kind: KindCode
    source_id: Id
    language: Optional[Language] = None
    regenerate: bool = False
    pdf: bool = False


class PackageIn(Input):
    language: Optional[Language] = None
    pdf: bool = False


class StatusIn(Input):
    version: Version
    status: Status
    on: Optional[IsoDate] = None
    note: Optional[LongText(2000)] = None  # type: ignore[valid-type]


class StatusChangeOut(Output):
    from_status: str
    to_status: str
    on: dt.date
    note: Optional[str]
    changed_at: dt.datetime
    changed_by: int


class DocumentOut(Output):
    id: int
    kind: str
    number: str
    date: dt.date
    language: str
    counterparty_id: int
    manager_id: Optional[int]
    branch_id: int
    order_id: Optional[int]
    invoice_id: Optional[int]
    payment_id: Optional[int]
    template: str
    filename: str
    sha256: str
    size: int
    status: str
    sent_on: Optional[dt.date]
    signed_by_us_on: Optional[dt.date]
    signed_by_both_on: Optional[dt.date]
    original_received_on: Optional[dt.date]
    created_at: dt.datetime
    version: int


class DocumentView(DocumentOut):
    legal_force: Optional[bool]
    files: list[str]
    history: list[StatusChangeOut]


class DocumentList(Output):
    total: int
    items: list[DocumentOut]


class DocumentQuery(PageQuery):
    kind: Optional[KindCode] = None
    status: Optional[Status] = None
    counterparty_id: Optional[Id] = None
    order_id: Optional[Id] = None
    invoice_id: Optional[Id] = None
    limit: int = page_limit(100)  # type: ignore[assignment]


class FileQuery(QueryInput):
    format: Literal["docx", "pdf"] = "docx"


class GapsQuery(QueryInput):
    as_of: Optional[QueryDate] = None
    kind: Optional[KindCode] = None
    manager_id: Optional[Id] = None
    counterparty_id: Optional[Id] = None


class GapItem(Output):
    id: int
    kind: str
    number: str
    language: str
    date: dt.date
    age_days: int
    status: str
    missing: str
    legal_force: Optional[bool]
    counterparty_id: int
    counterparty: str
    manager_id: Optional[int]
    manager: str


class GapGroup(Output):
    id: Optional[int]
    name: str
    missing: int
    without_legal_force: int
    oldest_days: int


class GapsReport(Output):
    as_of: dt.date
    missing: int
    items: list[GapItem]
    by_counterparty: list[GapGroup]
    by_manager: list[GapGroup]


class DocumentBatchIn(Input):
    kind: KindCode
    source_ids: list[Id] = Field(min_length=1, max_length=MAX_BATCH)
    language: Optional[Language] = None
    pdf: bool = False


class DocumentBatchOut(Output):
    id: int
    kind: str
    status: str
    total: int
    done: int
    document_ids: list[int]
    errors: list[dict[str, Any]]
    created_at: dt.datetime
    finished_at: Optional[dt.datetime]
