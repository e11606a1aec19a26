"""Input and output shapes of the tax rules API (taxes withheld from pay and employer contributions)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from ...core.validation import Country, CurrencyCode, DecimalText, Input, NumberText, Output, PageQuery, Text, Version

RuleKind = Literal["withholding", "contribution"]
RulePeriod = Literal["month", "year"]
PresetCountry = Literal["KH", "RU"]

MAX_BRACKETS = 20
MAX_BASE_MINUS = 20
MAX_SORT_ORDER = 1_000_000

_RULE_CODE = re.compile(r"^[a-z0-9_]+$")


def _rule_code(value: str) -> str:
    if not _RULE_CODE.match(value):
        raise PydanticCustomError("invalid_rule_code", "lowercase Latin letters, digits and _ only")
    return value


# The column holds 30 characters; payslip lines carry the code, so it stays a plain identifier.
RuleCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
                     AfterValidator(_rule_code)]
SortOrder = Annotated[int, Field(ge=0, le=MAX_SORT_ORDER)]


class BracketIn(Input):
    """Tax at `percent` on the part of the base above `threshold` (in the rule's currency) up to the next one."""

    threshold: DecimalText
    percent: DecimalText


class BracketOut(Output):
    threshold: str
    percent: str


class TaxRuleNames(Input):
    km: Optional[Text(200)] = None  # type: ignore[valid-type]
    ru: Optional[Text(200)] = None  # type: ignore[valid-type]


class TaxRuleIn(Input):
    code: RuleCode
    name: Text(200, 1)  # type: ignore[valid-type]
    names: TaxRuleNames = Field(default_factory=TaxRuleNames)
    kind: RuleKind
    brackets: list[BracketIn] = Field(max_length=MAX_BRACKETS)
    period: RulePeriod = "month"
    currency: CurrencyCode
    base_floor: Optional[DecimalText] = None
    dependant_allowance: DecimalText = Decimal(0)
    base_minus: list[RuleCode] = Field(default_factory=list, max_length=MAX_BASE_MINUS)
    rounding: DecimalText = Decimal("0.01")
    sort_order: SortOrder = 0
    # Only for branches in this country (ISO 3166 code); absent: every branch.
    country: Optional[Country] = None


class TaxRulePatch(Input):
    version: Version
    code: RuleCode = None  # type: ignore[assignment]
    name: Text(200, 1) = None  # type: ignore[valid-type]
    names: TaxRuleNames = None  # type: ignore[assignment]
    kind: RuleKind = None  # type: ignore[assignment]
    brackets: list[BracketIn] = Field(default=None, max_length=MAX_BRACKETS)  # type: ignore[arg-type]
    period: RulePeriod = None  # type: ignore[assignment]
    currency: CurrencyCode = None  # type: ignore[assignment]
    base_floor: Optional[DecimalText] = None
    dependant_allowance: DecimalText = None  # type: ignore[assignment]
    base_minus: list[RuleCode] = Field(default=None, max_length=MAX_BASE_MINUS)  # type: ignore[arg-type]
    rounding: DecimalText = None  # type: ignore[assignment]
    sort_order: SortOrder = None  # type: ignore[assignment]
    country: Optional[Country] = None


class TaxRuleOut(Output):
    id: int
    code: str
    name: str
    names: dict[str, Optional[str]]
    kind: str
    brackets: list[BracketOut]
    period: str
    currency: str
    base_floor: Optional[NumberText]
    dependant_allowance: NumberText
    base_minus: list[str]
    rounding: NumberText
    sort_order: int
    country: Optional[str]
    preset: Optional[str]
    archived_at: Optional[dt.datetime]
    version: Version

    @field_validator("brackets", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        # Stored as [threshold, percent] pairs (models.TaxRule); shown with their names.
        return [{"threshold": str(b[0]), "percent": str(b[1])} if isinstance(b, (list, tuple)) else b for b in value]


class TaxRuleList(Output):
    items: list[TaxRuleOut]


class TaxRuleListQuery(PageQuery):
    include_archived: bool = False


class TaxPresetIn(Input):
    country: PresetCountry
    # Update rules whose codes already exist in place (a new version, logged) instead of refusing.
    replace: bool = False


class TaxPresetOut(Output):
    country: str
    # Always present: the loaded figures are configurable examples, not legal or tax advice.
    notice: str
    created: list[str]
    updated: list[str]
    items: list[TaxRuleOut]
