"""Input and output shapes of the client base API."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..core.validation import Id, Version, Code, Country, Input, LongText, Output, MAX_OFFSET, PageQuery, QueryInput, page_limit, Text
from .names import NameRef

Kind = Literal["client", "supplier", "both"]
PersonType = Literal["person", "company"]
PhoneKind = Literal["work", "mobile", "home", "fax", "other"]
EmailKind = Literal["work", "personal", "billing", "other"]
AddressKind = Literal["legal", "actual", "postal", "delivery"]
ExtraValue = Union[str, int, float, bool, None]


class PhoneIn(Input):
    number: Text(40, 1)  # type: ignore[valid-type]
    kind: PhoneKind = "work"


class EmailIn(Input):
    email: Text(254, 1)  # type: ignore[valid-type]
    kind: EmailKind = "work"


class AddressIn(Input):
    kind: AddressKind = "actual"
    country: Optional[Country] = None
    region: Optional[Text(100)] = None  # type: ignore[valid-type]
    city: Optional[Text(100)] = None  # type: ignore[valid-type]
    line1: Optional[Text(300)] = None  # type: ignore[valid-type]
    line2: Optional[Text(300)] = None  # type: ignore[valid-type]
    postal_code: Optional[Text(20)] = None  # type: ignore[valid-type]


class ContactIn(Input):
    name: Text(200, 1)  # type: ignore[valid-type]
    role: Optional[Text(100)] = None  # type: ignore[valid-type]
    phone: Optional[Text(40)] = None  # type: ignore[valid-type]
    email: Optional[Text(254)] = None  # type: ignore[valid-type]
    notes: Optional[LongText(2000)] = None  # type: ignore[valid-type]


class ClientFields(Input):
    """Every writable field of a counterparty; all optional here (a patch)."""

    kind: Kind = None  # type: ignore[assignment]
    person_type: PersonType = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    legal_name: Optional[Text(300)] = None  # type: ignore[valid-type]
    country: Optional[Country] = None
    tax_id: Optional[Text(40)] = None  # type: ignore[valid-type]
    phones: list[PhoneIn] = Field(default=None, max_length=20)  # type: ignore[arg-type]
    emails: list[EmailIn] = Field(default=None, max_length=20)  # type: ignore[arg-type]
    addresses: list[AddressIn] = Field(default=None, max_length=20)  # type: ignore[arg-type]
    contacts: list[ContactIn] = Field(default=None, max_length=100)  # type: ignore[arg-type]
    tags: list[Text(60, 1)] = Field(default=None, max_length=50)  # type: ignore[valid-type]
    segment: Optional[Code] = None
    lead_source: Optional[Code] = None
    manager_id: Optional[Id] = None
    branch_id: Optional[Id] = None
    consent_to_mailings: bool = None  # type: ignore[assignment]
    notes: Optional[LongText(10_000)] = None  # type: ignore[valid-type]
    extra: dict[Text(40, 1), ExtraValue] = Field(default=None, max_length=100)  # type: ignore[valid-type]

    @model_validator(mode="before")
    @classmethod
    def _read_shape(cls, data: Any) -> Any:
        """Accept the read shape's `phone`/`email` as a one-item `phones`/`emails` (README, API conventions).

        Given beside the list it stands for, it is left in place and refused as an unknown field:
        the list is the full form, and two spellings of one value must not disagree.
        """
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for one, many, key in (("phone", "phones", "number"), ("email", "emails", "email")):
            if one in data and many not in data:
                value = data.pop(one)
                data[many] = [] if value is None else [{key: value}]
        return data


class ClientIn(ClientFields):
    """A new counterparty: a name is required; the rest has defaults."""

    name: Text(200, 1)  # type: ignore[valid-type]


class ClientPatch(ClientFields):
    """A change: only the fields given are changed; lists given replace the old list."""

    version: Version


class PhoneOut(Output):
    number: str
    kind: str


class EmailOut(Output):
    email: str
    kind: str


class AddressOut(Output):
    kind: str
    country: Optional[str]
    region: Optional[str]
    city: Optional[str]
    line1: Optional[str]
    line2: Optional[str]
    postal_code: Optional[str]


class ContactOut(Output):
    name: str
    role: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    notes: Optional[str]


class ClientOut(Output):
    id: int
    kind: str
    person_type: str
    name: str
    legal_name: Optional[str]
    country: Optional[str]
    tax_id: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    phones: list[PhoneOut]
    emails: list[EmailOut]
    addresses: list[AddressOut]
    contacts: list[ContactOut]
    tags: list[str]
    segment: Optional[str]
    lead_source: Optional[str]
    manager_id: Optional[int]
    branch_id: Optional[int]
    branch: Optional[NameRef] = None
    manager: Optional[NameRef] = None
    consent_to_mailings: bool
    consent_at: Optional[dt.datetime]
    notes: Optional[str]
    extra: dict[str, Any]
    archived_at: Optional[dt.datetime]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: Version


class ClientPage(Output):
    items: list[ClientOut]
    next_cursor: Optional[str] = Field(description="Pass as `cursor` for the next page; null on the last page.")
    total: Optional[int] = Field(default=None, description="Only when with_total=true.")


Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "between", "contains", "starts_with", "in", "empty"]


class Filter(Input):
    field: Text(60, 1)  # type: ignore[valid-type]
    op: Operator
    value: Union[str, int, float, bool, None, list[Union[str, int, float, bool, None]]] = None

    @field_validator("value")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        # The same rule as every other short text: NUL and friends never reach the database.
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and any(ord(ch) < 32 or ch == "\x7f" for ch in item):
                raise PydanticCustomError("control_characters", "contains control characters")
        return value


class ClientQuery(Input):
    """The client list query: search, filters, sort, keyset page."""

    q: Optional[Text(200)] = None  # type: ignore[valid-type]
    filters: list[Filter] = Field(default_factory=list, max_length=50)
    sort: list[Text(60, 1)] = Field(default_factory=list, max_length=5)  # type: ignore[valid-type]
    limit: int = page_limit(50)
    # The convention's offset, counted after the cursor when both are given; the cursor is the fast way.
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    cursor: Optional[Text(2000)] = None  # type: ignore[valid-type]
    include_archived: bool = False
    with_total: bool = False


class ClientListParams(QueryInput):
    """GET /clients: filters as `filter=field:op:value` (lists comma-separated), sort as `-created_at,name`."""

    q: Optional[Text(200)] = None  # type: ignore[valid-type]
    filter: list[Text(500)] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    sort: Optional[Text(300)] = None  # type: ignore[valid-type]
    limit: int = page_limit(50)
    # The convention's offset, counted after the cursor when both are given; the cursor is the fast way.
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    cursor: Optional[Text(2000)] = None  # type: ignore[valid-type]
    include_archived: bool = False
    with_total: bool = False


class GroupParams(QueryInput):
    by: Text(200, 1)  # type: ignore[valid-type]
    q: Optional[Text(200)] = None  # type: ignore[valid-type]
    filter: list[Text(500)] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    include_archived: bool = False


class Group(Output):
    key: list[Any]
    count: int


class GroupResult(Output):
    by: list[str]
    groups: list[Group]
    total: int


class ExportParams(QueryInput):
    format: Literal["csv", "xlsx", "json"] = "csv"
    q: Optional[Text(200)] = None  # type: ignore[valid-type]
    filter: list[Text(500)] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    sort: Optional[Text(300)] = None  # type: ignore[valid-type]
    include_archived: bool = False


class ClientBatchIn(Input):
    """Many creates/updates/archives in one request; each row is applied or refused on its own."""

    # Rows are checked one by one in the service: a row that is not an object is refused on its own.
    rows: list[Any] = Field(max_length=100_000)


class BatchRow(Input):
    op: Literal["create", "update", "archive", "restore"]
    ref: Optional[Text(100)] = None  # type: ignore[valid-type]
    id: Optional[Id] = None
    version: Optional[Id] = None
    data: Optional[dict[str, Any]] = None


class RowError(Output):
    field: str
    code: str
    message: str


class BatchResult(Output):
    index: int
    ref: Optional[str]
    status: Literal["ok", "error", "conflict"]
    id: Optional[Id] = None
    version: Optional[Id] = None
    errors: list[RowError] = Field(default_factory=list)
    current: Optional[ClientOut] = None


class ClientBatchOut(Output):
    results: list[BatchResult]
    ok: int
    failed: int


class VersionIn(Input):
    version: Version


class RefIn(Input):
    code: Code
    name: Text(200, 1)  # type: ignore[valid-type]


class RefPatch(Input):
    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]


class RefOut(Output):
    id: int
    code: str
    name: str
    archived_at: Optional[dt.datetime]
    version: Version


class RefList(Output):
    items: list[RefOut]


class TagOut(Output):
    id: int
    name: str


class TagList(Output):
    items: list[TagOut]


class ExtraFieldIn(Input):
    key: Code
    label: Text(200, 1)  # type: ignore[valid-type]
    type: Literal["text", "number", "date", "bool", "choice"]
    choices: Optional[list[Text(100, 1)]] = Field(default=None, max_length=200)  # type: ignore[valid-type]
    required: bool = False


class ExtraFieldPatch(Input):
    version: Version
    label: Text(200, 1) = None  # type: ignore[valid-type]
    choices: Optional[list[Text(100, 1)]] = Field(default=None, max_length=200)  # type: ignore[valid-type]
    required: bool = None  # type: ignore[assignment]


class ExtraFieldOut(Output):
    id: int
    key: str
    label: str
    type: str
    choices: Optional[list[str]]
    required: bool
    archived_at: Optional[dt.datetime]
    version: Version


class ExtraFieldList(Output):
    items: list[ExtraFieldOut]


class ListQuery(PageQuery):
    include_archived: bool = False
