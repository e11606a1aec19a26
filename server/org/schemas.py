"""Input and output shapes of the organisation API."""
from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from pydantic import EmailStr, Field

from ..core.validation import Id, Version, Code, Country, CurrencyCode, Input, Language, Output, PageQuery, Text

Role = Literal["owner", "accountant", "sales", "warehouse", "hr"]


class CompanyOut(Output):
    id: int
    name: str
    legal_name: Optional[str]
    tax_id: Optional[str]
    country: str
    base_currency: str
    second_currency: Optional[str]
    language: str
    address: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    director_name: Optional[str] = None
    accountant_name: Optional[str] = None
    version: Version


class CompanySetup(Input):
    """A new company and its first owner (`clientbase init`, the demo)."""

    name: Text(200, 1)  # type: ignore[valid-type]
    country: Country
    base_currency: CurrencyCode
    second_currency: Optional[CurrencyCode] = None
    language: Language = "en"
    owner_email: EmailStr = Field(max_length=254)
    owner_name: Text(200, 1)  # type: ignore[valid-type]


class CompanyPatch(Input):
    version: Version
    name: Text(200, 1) = None  # type: ignore[valid-type]
    legal_name: Optional[Text(300)] = None  # type: ignore[valid-type]
    tax_id: Optional[Text(40)] = None  # type: ignore[valid-type]
    second_currency: Optional[CurrencyCode] = None
    language: Language = None  # type: ignore[assignment]
    address: Optional[Text(500)] = None  # type: ignore[valid-type]
    phone: Optional[Text(40)] = None  # type: ignore[valid-type]
    email: Optional[EmailStr] = Field(default=None, max_length=254)
    director_name: Optional[Text(200)] = None  # type: ignore[valid-type]
    accountant_name: Optional[Text(200)] = None  # type: ignore[valid-type]


class BranchIn(Input):
    code: Code
    name: Text(200, 1)  # type: ignore[valid-type]
    country: Country
    city: Optional[Text(100)] = None  # type: ignore[valid-type]
    address: Optional[Text(500)] = None  # type: ignore[valid-type]


class BranchPatch(Input):
    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    country: Country = None  # type: ignore[assignment]
    city: Optional[Text(100)] = None  # type: ignore[valid-type]
    address: Optional[Text(500)] = None  # type: ignore[valid-type]


class BranchOut(Output):
    id: int
    code: str
    name: str
    country: str
    city: Optional[str]
    address: Optional[str]
    archived_at: Optional[dt.datetime]
    version: Version


class DepartmentIn(Input):
    name: Text(200, 1)  # type: ignore[valid-type]
    branch_id: Optional[Id] = None
    parent_id: Optional[Id] = None


class DepartmentPatch(Input):
    version: Version
    name: Text(200, 1) = None  # type: ignore[valid-type]
    branch_id: Optional[Id] = None
    parent_id: Optional[Id] = None


class DepartmentOut(Output):
    id: int
    name: str
    branch_id: Optional[int]
    parent_id: Optional[int]
    archived_at: Optional[dt.datetime]
    version: Version


class WarehouseIn(Input):
    code: Code
    name: Text(200, 1)  # type: ignore[valid-type]
    branch_id: Id
    address: Optional[Text(500)] = None  # type: ignore[valid-type]


class WarehousePatch(Input):
    version: Version
    code: Code = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    branch_id: Id = None  # type: ignore[assignment]
    address: Optional[Text(500)] = None  # type: ignore[valid-type]


class WarehouseOut(Output):
    id: int
    code: str
    name: str
    branch_id: Id
    address: Optional[str]
    archived_at: Optional[dt.datetime]
    version: Version


class UserIn(Input):
    email: EmailStr = Field(max_length=254)
    name: Text(200, 1)  # type: ignore[valid-type]
    role: Role
    language: Language = "en"
    branch_ids: list[Id] = Field(default_factory=list, max_length=1000)


class UserPatch(Input):
    version: Version
    name: Text(200, 1) = None  # type: ignore[valid-type]
    role: Role = None  # type: ignore[assignment]
    language: Language = None  # type: ignore[assignment]
    branch_ids: list[Id] = Field(default=None, max_length=1000)  # type: ignore[arg-type]
    is_active: bool = None  # type: ignore[assignment]


class UserOut(Output):
    id: int
    email: str
    name: str
    role: str
    language: str
    branch_ids: list[Id]
    is_active: bool
    archived_at: Optional[dt.datetime]
    version: Version


class TokenIn(Input):
    name: Text(100, 1)  # type: ignore[valid-type]
    expires_at: Optional[dt.datetime] = None


class TokenOut(Output):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: Optional[dt.datetime]
    last_used_at: Optional[dt.datetime]
    revoked_at: Optional[dt.datetime]


class TokenCreated(TokenOut):
    token: str = Field(description="The token text. Shown once; only its hash is stored.")


class ListQuery(PageQuery):
    include_archived: bool = False


class BranchList(Output):
    items: list[BranchOut]


class DepartmentList(Output):
    items: list[DepartmentOut]


class WarehouseList(Output):
    items: list[WarehouseOut]


class UserList(Output):
    items: list[UserOut]


class TokenList(Output):
    items: list[TokenOut]
