"""Input models' shared base and the mapping from pydantic's errors to our stable field-error codes."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Annotated, Any, Iterable, Optional, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints
from pydantic_core import PydanticCustomError

from .errors import FieldError
from .messages import MESSAGES
from .money import CURRENCIES, money_text

T = TypeVar("T")

# Control characters other than tab/newline have no business in a business record.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_characters", "contains control characters")
    return value


def _single_line(value: str) -> str:
    if _CONTROL_OR_BREAK.search(value):
        raise PydanticCustomError("control_characters", "contains control characters")
    return value


def Text(max_length: int, min_length: int = 0) -> Any:
    """A single-line string, stripped, with a length limit."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=max_length, min_length=min_length),
        AfterValidator(_single_line),
    ]


def LongText(max_length: int) -> Any:
    """Multi-line text (notes): newlines and tabs allowed, other control characters not."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_control)]


class Input(BaseModel):
    """Request bodies: unknown fields refused, types strict (JSON "12" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=False)


class QueryInput(BaseModel):
    """Query strings arrive as text, so types are coerced; unknown parameters are still refused."""

    model_config = ConfigDict(extra="forbid")


# Every list takes the same page parameters (README, "API conventions").
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


def page_limit(default: int | None) -> Any:
    """The `limit` parameter with a list's own default; the bounds are the same on every list."""
    return Field(default=default, ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} items.")


class PageQuery(QueryInput):
    """The list parameters every list accepts: `limit` (1..1000) and `offset`.

    A list that answered whole before pages defaults to no limit, so old callers still get every item.
    """

    limit: Optional[int] = page_limit(None)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


def page(items: Iterable[T], query: PageQuery) -> list[T]:
    """One page of a list that is loaded whole (short lists: reference data, a company's payroll runs)."""
    end = None if query.limit is None else query.offset + query.limit
    return list(islice(items, query.offset, end))


class Output(BaseModel):
    """Answers: one model per output shape, read from ORM objects or built by a service, serialised by pydantic."""

    model_config = ConfigDict(from_attributes=True)

    def __init__(self, *values: Any, **fields: Any) -> None:
        # Services build answers like records, fields in declaration order: TrialBalanceLine(id, code, ...).
        super().__init__(**_named(type(self), values, fields))

    @classmethod
    def record(cls, *values: Any, **fields: Any) -> Any:
        """An answer built from a service's own typed values, without validating them again.

        For the hot paths that build tens of thousands of rows (a report per client): validation there cost
        about 40 % of the aging report. Only values the service computed itself belong here, never input.
        """
        fields = _named(cls, values, fields)
        if len(fields) != len(cls.model_fields):
            return cls.model_construct(**fields)  # defaults to fill in: pydantic's own way
        # Every field given: set them as model_construct would, without its per-call bookkeeping. All fields are
        # set, so one set of their names serves every record of the class (setting a field again adds nothing to
        # it), which spares the garbage collector a container per row.
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", fields)
        object.__setattr__(obj, "__pydantic_fields_set__", _all_fields(cls))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj


def _named(cls: type[BaseModel], values: tuple[Any, ...], fields: dict[str, Any]) -> dict[str, Any]:
    """Positional values named by the fields' order, refused as a dataclass refuses them: none dropped or overwritten."""
    given = len(fields)
    if len(values) > len(cls.model_fields):
        raise TypeError(f"{cls.__name__} takes {len(cls.model_fields)} values, {len(values)} given")
    fields.update(zip(cls.model_fields, values))
    if len(fields) != given + len(values):
        raise TypeError(f"{cls.__name__} was given a field both by position and by name")
    return fields


@functools.lru_cache(maxsize=None)
def _all_fields(cls: type[BaseModel]) -> set[str]:
    return set(cls.model_fields)


def _money_json(value: Decimal) -> str:
    # Not money_text itself: pydantic would hand its second parameter the serialisation info.
    return money_text(value)


def _rounded_json(value: Decimal) -> str:
    return format(value, "f")


def _number_json(value: Decimal) -> str:
    return "0" if value == 0 else format(value.normalize(), "f")


# Money in answers: a Decimal in Python, a decimal string in JSON, never an exponent nor a JSON number.
# MoneyText shows two places (more only if the value has them: core.money.money_text), for amounts read
# from money columns. RoundedMoney shows the places the service rounded the amount to by its currency
# (reports: a KHR total has none, a USD one two): which currency is not known to a field, so the service says.
MoneyText = Annotated[Decimal, PlainSerializer(_money_json, return_type=str, when_used="json")]
RoundedMoney = Annotated[Decimal, PlainSerializer(_rounded_json, return_type=str, when_used="json")]
# Rates, percents, hours and quantities in answers: a decimal string without trailing zeros ("15.1", "2400000").
NumberText = Annotated[Decimal, PlainSerializer(_number_json, return_type=str, when_used="json")]


_TYPE_NAMES = {
    "int": "an integer",
    "bool": "true or false",
    "string": "a string",
    "dict": "an object",
    "list": "a list",
    "decimal": "a number",
    "float": "a number",
    "model": "an object",
    "none": "null",
}


def field_errors(exc: Any, prefix: tuple[Any, ...] = ()) -> list[FieldError]:
    """pydantic ValidationError → our FieldErrors, with stable codes and named parameters."""
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        loc = prefix + tuple(err.get("loc", ()))
        # Drop pydantic's union/function tags from the path ("function-after[...]").
        # The first element is always a field name: a top-level field may be called `date`.
        path = ".".join(str(p) for i, p in enumerate(loc)
                        if i == 0 or not (isinstance(p, str) and ("[" in p or p in _TAGS)))
        kind = err["type"]
        ctx = err.get("ctx") or {}
        out.append(_to_field_error(path or "body", kind, ctx))
    return out


# Union members pydantic names in a location ("amount", "str"). Not "date": that is also a field name
# ("days.0.date"), and no schema has a union with a date member.
_TAGS = {"str", "int", "bool", "list", "dict", "none", "decimal", "float"}


def _to_field_error(path: str, kind: str, ctx: dict[str, Any]) -> FieldError:
    if kind in MESSAGES and kind not in ("too_long", "too_short"):
        return FieldError(path, kind, {k: v for k, v in ctx.items() if isinstance(v, (str, int, float))})
    if kind == "missing":
        return FieldError(path, "required")
    if kind == "extra_forbidden":
        return FieldError(path, "unknown_field")
    if kind == "string_too_long":
        return FieldError(path, "too_long", {"max": ctx.get("max_length")})
    if kind == "string_too_short":
        # An empty (or all-space) required text is "required", not "at least 1 character".
        if ctx.get("min_length") == 1:
            return FieldError(path, "required")
        return FieldError(path, "too_short", {"min": ctx.get("min_length")})
    if kind == "too_long":
        return FieldError(path, "too_many", {"max": ctx.get("max_length")})
    if kind == "too_short":
        return FieldError(path, "too_short", {"min": ctx.get("min_length")})
    if kind == "string_pattern_mismatch":
        return FieldError(path, "invalid_value")
    if kind == "value_error" and "reason" in ctx:
        # pydantic's EmailStr reports through value_error with the validator's reason.
        return FieldError(path, "invalid_email", {"reason": str(ctx["reason"]).rstrip(".")})
    if kind in ("literal_error", "enum"):
        return FieldError(path, "invalid_choice", {"choices": str(ctx.get("expected", "")).replace("'", "")})
    if kind in ("greater_than_equal", "greater_than"):
        return FieldError(path, "too_small", {"min": ctx.get("ge", ctx.get("gt"))})
    if kind in ("less_than_equal", "less_than"):
        return FieldError(path, "too_large", {"max": ctx.get("le", ctx.get("lt"))})
    if kind.startswith("date_") or kind == "date_type":
        return FieldError(path, "invalid_date")
    if kind.startswith("datetime_"):
        return FieldError(path, "invalid_datetime")
    for prefix, name in _TYPE_NAMES.items():
        if kind.startswith(prefix + "_"):
            return FieldError(path, "wrong_type", {"expected": name})
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return FieldError(path, "wrong_type", {"expected": "an object"})
    return FieldError(path, "invalid_value")


def _countries() -> frozenset[str]:
    from babel import Locale

    # CLDR territories include codes that are not countries (EU, UN, ZZ unknown, QO, XA/XB pseudo).
    not_countries = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}
    return frozenset(c for c in Locale("en").territories if len(c) == 2 and c.isalpha() and c not in not_countries)


_COUNTRIES: frozenset[str] | None = None


def check_country(value: str) -> str:
    global _COUNTRIES
    if _COUNTRIES is None:
        _COUNTRIES = _countries()
    code = value.strip().upper()
    if code not in _COUNTRIES:
        raise PydanticCustomError("invalid_country", "unknown country")
    return code


def _check_currency(value: str) -> str:
    if value not in CURRENCIES:
        raise PydanticCustomError("invalid_currency", "unknown currency")
    return value


def _check_language(value: str) -> str:
    if value not in ("en", "km", "ru"):
        raise PydanticCustomError("invalid_language", "unknown language")
    return value


# Ids and versions fit a signed 64-bit column; larger numbers are refused, not overflowed.
Id = Annotated[int, Field(ge=1, le=2**62)]
Version = Annotated[int, Field(ge=1, le=2**62)]


def _iso_datetime(value: Any) -> Any:
    # Query strings are parsed leniently, but a bare number is not a date-time (pydantic would read epoch seconds).
    if not isinstance(value, str):
        if isinstance(value, dt.datetime):
            return value
        raise PydanticCustomError("invalid_datetime", "not an ISO 8601 date-time")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PydanticCustomError("invalid_datetime", "not an ISO 8601 date-time") from None


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]

Country = Annotated[str, StringConstraints(max_length=100), AfterValidator(check_country)]
CurrencyCode = Annotated[str, StringConstraints(max_length=3), AfterValidator(_check_currency)]
Language = Annotated[str, StringConstraints(max_length=2), AfterValidator(_check_language)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_.\-]+$")]


_DECIMAL = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$")


def _decimal_text(value: Any) -> Any:
    """Amounts travel as decimal strings ("12.30"); JSON integers are accepted, floats never are."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PydanticCustomError("invalid_decimal", "write the number as a decimal string")
    text = str(value).strip()
    if not _DECIMAL.match(text):
        raise PydanticCustomError("invalid_decimal", "write the number as a decimal string")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise PydanticCustomError("invalid_decimal", "write the number as a decimal string") from None


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise PydanticCustomError("must_be_positive", "must be greater than zero")
    return value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise PydanticCustomError("must_not_be_negative", "must not be negative")
    return value


def _percent(value: Decimal) -> Decimal:
    if value < 0 or value > 100:
        raise PydanticCustomError("invalid_percent", "must be between 0 and 100")
    return value


# Decimal numbers given as strings. Currency-specific places are checked by the services.
DecimalText = Annotated[Decimal, BeforeValidator(_decimal_text)]
Amount = Annotated[Decimal, BeforeValidator(_decimal_text)]
PositiveAmount = Annotated[Decimal, BeforeValidator(_decimal_text), AfterValidator(_positive)]
NonNegativeAmount = Annotated[Decimal, BeforeValidator(_decimal_text), AfterValidator(_not_negative)]
Quantity = Annotated[Decimal, BeforeValidator(_decimal_text), AfterValidator(_positive)]
Percent = Annotated[Decimal, BeforeValidator(_decimal_text), AfterValidator(_percent)]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    # pydantic reads "0" as 1970-01-01 (Unix time) and fromisoformat takes "20260101": a business
    # date is written YYYY-MM-DD and nothing else, in bodies and in query strings alike.
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("invalid_date", "not a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("invalid_date", "not a YYYY-MM-DD date") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
# The same type where it reads a query string (the name says why a plain dt.date would not do).
QueryDate = IsoDate


def _base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise PydanticCustomError("not_base64", "not base64") from None


def FileBase64(max_bytes: int) -> Any:
    """A file's bytes, base64 in JSON (the API takes JSON bodies only), of at most `max_bytes`."""
    return Annotated[str, StringConstraints(min_length=1, max_length=max_bytes * 4 // 3 + 4), AfterValidator(_base64)]


def plain(value: Decimal | None) -> Decimal | None:
    """A rate, percent or quantity without the column's trailing zeros (0.0002450000 → 0.000245; 4100 stays)."""
    return None if value is None else Decimal(format(value.normalize(), "f"))
