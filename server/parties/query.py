"""The client list: search, filters with operators, sort by any columns, keyset pages, groups."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import ValidationError
from sqlalchemy import Select, String, and_, false, func, literal_column, or_, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import GenericFunction

from ..core.actor import Actor
from ..core.errors import ErrorList, FieldError, ValidationFailed
from ..core.validation import field_errors
from ..org.models import Branch, Company
from .models import Counterparty, ExtraField, LeadSource, Phone, Segment, Tag, counterparty_tags
from .normalize import PhoneError, name_key, normalise_phone, phone_digits_rev, search_digits, tax_id_key
from .schemas import ClientQuery, Filter


class casefold(GenericFunction):
    """Unicode-aware lower(): SQLite's lower() only folds ASCII, so Cyrillic needs our function."""

    type = String()
    inherit_cache = True


@compiles(casefold)
def _casefold_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(casefold, "sqlite")
def _casefold_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"cb_casefold({compiler.process(element.clauses, **kw)})"


C = Counterparty
STR, INT, NUM, BOOL, TIME, ENUM = "text", "integer", "number", "boolean", "datetime", "enum"
OPS = {
    STR: ("eq", "ne", "lt", "le", "gt", "ge", "between", "contains", "starts_with", "in", "empty"),
    INT: ("eq", "ne", "lt", "le", "gt", "ge", "between", "in", "empty"),
    NUM: ("eq", "ne", "lt", "le", "gt", "ge", "between", "in", "empty"),
    TIME: ("eq", "ne", "lt", "le", "gt", "ge", "between", "empty"),
    BOOL: ("eq", "ne", "empty"),
    ENUM: ("eq", "ne", "in", "empty"),
}


@dataclass(frozen=True)
class FieldSpec:
    """One listable field: its SQL expression, its type, and whether it can be NULL."""

    expr: Callable[[], ColumnElement[Any]]
    type: str
    nullable: bool = True
    # The expression to sort by, when it differs (name sorts by its folded key).
    sort_expr: Callable[[], ColumnElement[Any]] | None = None


def _segment_code() -> ColumnElement[Any]:
    return select(Segment.code).where(Segment.id == C.segment_id).scalar_subquery()


def _lead_code() -> ColumnElement[Any]:
    return select(LeadSource.code).where(LeadSource.id == C.lead_source_id).scalar_subquery()


FIELDS: dict[str, FieldSpec] = {
    "id": FieldSpec(lambda: C.id, INT, nullable=False),
    "kind": FieldSpec(lambda: C.kind, ENUM, nullable=False),
    "person_type": FieldSpec(lambda: C.person_type, ENUM, nullable=False),
    "name": FieldSpec(lambda: C.name, STR, nullable=False, sort_expr=lambda: C.name_key),
    "legal_name": FieldSpec(lambda: C.legal_name, STR),
    "country": FieldSpec(lambda: C.country, STR),
    "tax_id": FieldSpec(lambda: C.tax_id_key, STR),
    "phone": FieldSpec(lambda: C.phone, STR),
    "email": FieldSpec(lambda: C.email, STR),
    "segment": FieldSpec(_segment_code, STR),
    "lead_source": FieldSpec(_lead_code, STR),
    "manager_id": FieldSpec(lambda: C.manager_id, INT),
    "branch_id": FieldSpec(lambda: C.branch_id, INT),
    "consent_to_mailings": FieldSpec(lambda: C.consent_to_mailings, BOOL, nullable=False),
    "notes": FieldSpec(lambda: C.notes, STR),
    "created_at": FieldSpec(lambda: C.created_at, TIME, nullable=False),
    "updated_at": FieldSpec(lambda: C.updated_at, TIME, nullable=False),
    "archived_at": FieldSpec(lambda: C.archived_at, TIME),
}


def field_spec(name: str, extra_types: dict[str, str]) -> FieldSpec | None:
    if name in FIELDS:
        return FIELDS[name]
    if name.startswith("extra.") and name[6:] in extra_types:
        key = name[6:]
        # Typed by the field's definition: numbers compare as numbers ("900" < "2500"), and booleans
        # as booleans (SQLite's JSON_EXTRACT gives 1/0 where PostgreSQL's ->> gives 'true'/'false').
        if extra_types[key] == "number":
            return FieldSpec(lambda: C.extra[key].as_float(), NUM)
        if extra_types[key] == "bool":
            return FieldSpec(lambda: C.extra[key].as_boolean(), BOOL)
        return FieldSpec(lambda: C.extra[key].as_string(), STR)
    return None


def field_names(extra_types: dict[str, str], *more: str) -> list[str]:
    """The fields a list can be filtered or sorted by, named in the error for an unknown one."""
    return [*FIELDS, *more, *(f"extra.{key}" for key in sorted(extra_types))]


def extra_types(session: Session, actor: Actor) -> dict[str, str]:
    return dict(session.execute(
        select(ExtraField.key, ExtraField.type).where(ExtraField.company_id == actor.company_id)
    ).all())


# --- parsing GET parameters into a ClientQuery ------------------------------------------

def parse_filter_params(values: list[str]) -> list[Filter]:
    """`field:op:value` strings → Filter objects; list values are comma-separated."""
    out, errors = [], ErrorList()
    for i, text in enumerate(values):
        field, sep1, rest = text.partition(":")
        op, sep2, value = rest.partition(":")
        if not sep1 or not field or not op:
            errors.add(f"filter.{i}", "invalid_filter")
            continue
        if op in ("in", "between"):
            parsed: Any = value.split(",") if value else []
        elif op == "empty":
            parsed = value.lower() not in ("false", "0", "no") if sep2 else True
        else:
            parsed = value
        try:
            out.append(Filter.model_validate({"field": field, "op": op, "value": parsed}))
        except ValidationError as exc:
            for e in field_errors(exc, ("filter", i)):
                if e.field == f"filter.{i}.op":  # name the operators a filter can take, not the schema's enum
                    errors.add(e.field, "invalid_operator", op=op, name=field, allowed=", ".join(OPS[STR]))
                else:
                    errors.items.append(e)
    errors.raise_if_any()
    return out


def parse_sort_param(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


# --- building the statement -------------------------------------------------------------

def _coerce(value: Any, type_: str, field: str, errors: ErrorList) -> Any:
    """A filter value (text from a URL or JSON) as the field's Python type."""
    if value is None:
        return None
    try:
        if type_ == INT:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if type_ == NUM:
            if isinstance(value, bool) or not math.isfinite(number := float(value)):
                raise ValueError
            return number
        if type_ == BOOL:
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes"):
                return True
            if str(value).lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if type_ == TIME:
            text = str(value)
            moment = dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.datetime.combine(
                dt.date.fromisoformat(text), dt.time())
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
        if isinstance(value, (list, dict)):
            raise ValueError
        return str(value)
    except (ValueError, TypeError):
        errors.add(field, "wrong_type", expected={"integer": "an integer", "number": "a number",
                                                  "boolean": "true or false",
                                                  "datetime": "a date (YYYY-MM-DD) or ISO 8601 time"}.get(type_, "text"))
        return None


def _filter_clause(spec: FieldSpec, flt: Filter, path: str, name: str, errors: ErrorList) -> ColumnElement[bool] | None:
    if flt.op not in OPS[spec.type]:
        errors.add(f"{path}.op", "invalid_operator", op=flt.op, name=name, allowed=", ".join(OPS[spec.type]))
        return None
    col = spec.expr()
    if flt.op == "empty":
        want = True if flt.value is None else _coerce(flt.value, BOOL, f"{path}.value", errors)
        blank = col.is_(None) if spec.type != STR else or_(col.is_(None), col == "")
        return blank if want else ~blank
    if flt.op in ("in", "between"):
        values = flt.value if isinstance(flt.value, list) else [flt.value]
        if flt.op == "between" and len(values) != 2:
            errors.add(f"{path}.value", "wrong_type", expected="two values")
            return None
        if flt.op == "in" and not 1 <= len(values) <= 1000:
            errors.add(f"{path}.value", "too_many", max=1000)
            return None
        if spec.type == TIME:
            low, high = (_time_bounds(v, f"{path}.value", errors) for v in values)
            if low is None or high is None:
                return None
            return and_(col >= low[0], col < high[1] if high[1] is not None else col <= high[0])
        coerced = [_coerce(v, spec.type, f"{path}.value", errors) for v in values]
        coerced = [_key_of(name, v) for v in coerced]
        if flt.op == "in":
            if _folds(spec, name):
                return casefold(col).in_([str(v).casefold() for v in coerced if v is not None])
            return col.in_(coerced)
        col, coerced = _ranged(spec, name, col, coerced)
        return and_(col >= coerced[0], col <= coerced[1])
    if spec.type == TIME and flt.value is not None:
        return _time_clause(col, flt.op, _time_bounds(flt.value, f"{path}.value", errors), spec.nullable)
    before = len(errors.items)
    value = _key_of(name, _coerce(flt.value, spec.type, f"{path}.value", errors))
    if len(errors.items) > before:
        return None
    if value is None and flt.op not in ("eq", "ne"):
        errors.add(f"{path}.value", "required")
        return None
    if flt.op == "contains":
        return casefold(col).contains(str(value).casefold(), autoescape=True)
    if flt.op == "starts_with":
        return casefold(col).startswith(str(value).casefold(), autoescape=True)
    if flt.op in ("eq", "ne"):
        if value is None:
            return col.is_(None) if flt.op == "eq" else col.is_not(None)
        equal = casefold(col) == str(value).casefold() if _folds(spec, name) else col == value
        if flt.op == "eq":
            return equal
        # "ne" is exactly "not eq": the same case folding, and NULL is not equal to a value.
        return or_(~equal, col.is_(None)) if spec.nullable else ~equal
    col, (value,) = _ranged(spec, name, col, [value])
    return {"lt": col < value, "le": col <= value, "gt": col > value, "ge": col >= value}[flt.op]


def _folds(spec: FieldSpec, name: str) -> bool:
    """Text compares for equality ignoring case (tax ids are already upper-case keys)."""
    return spec.type == STR and name != "tax_id"


def _ranged(spec: FieldSpec, name: str, col: ColumnElement[Any], values: list[Any]) -> tuple[Any, list[Any]]:
    """lt/le/gt/ge/between on a name compare its sort key, so a range agrees with the sorted list."""
    if name == "name":
        return _sort_expr(spec), [name_key(str(v)) for v in values]
    return col, values


_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _time_bounds(value: Any, path: str, errors: ErrorList) -> tuple[dt.datetime, dt.datetime | None] | None:
    """A filter time as (start, end of day): a date means the whole day; a moment has no end."""
    moment = _coerce(value, TIME, path, errors)
    if moment is None:
        return None
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
        return moment, moment + dt.timedelta(days=1)
    return moment, None


def _time_clause(col: ColumnElement[Any], op: str, bounds: tuple[dt.datetime, dt.datetime | None] | None,
                 nullable: bool) -> ColumnElement[bool] | None:
    """created_at:le:2026-01-31 includes the whole of 31 January; eq on a date means on that day."""
    if bounds is None:
        return None
    start, end = bounds
    equal = (col == start) if end is None else and_(col >= start, col < end)
    if op == "eq":
        return equal
    if op == "ne":
        return or_(~equal, col.is_(None)) if nullable else ~equal
    if op == "lt":
        return col < start
    if op == "ge":
        return col >= start
    if op == "le":
        return col <= start if end is None else col < end
    return col > start if end is None else col >= end  # gt


def _key_of(name: str, value: Any) -> Any:
    """Filters on the tax id compare its compact form (what people type has spaces and dashes)."""
    if name == "tax_id" and isinstance(value, str):
        return tax_id_key(value)
    return value


def _tags_clause(actor: Actor, flt: Filter, path: str, errors: ErrorList) -> ColumnElement[bool] | None:
    names = flt.value if isinstance(flt.value, list) else [flt.value]
    has_any = lambda ns: C.id.in_(  # noqa: E731
        select(counterparty_tags.c.counterparty_id).join(Tag, Tag.id == counterparty_tags.c.tag_id)
        .where(Tag.company_id == actor.company_id, casefold(Tag.name).in_([str(n).casefold() for n in ns]))
    )
    if flt.op == "empty":
        any_tag = C.id.in_(select(counterparty_tags.c.counterparty_id))
        return ~any_tag if flt.value in (None, True, "true") else any_tag
    if flt.op in ("in", "eq"):
        return has_any(names)
    if flt.op == "ne":
        return ~has_any(names)
    errors.add(f"{path}.op", "invalid_operator", op=flt.op, name="tags", allowed="eq, ne, in, empty")
    return None


def base_statement(session: Session, actor: Actor, q: str | None, filters: list[Filter], include_archived: bool,
                   path: str = "filters") -> tuple[Select[Any], dict[str, str]]:
    """The filtered SELECT of counterparties the actor may see, and the extra-field types."""
    errors = ErrorList()
    types = extra_types(session, actor)
    stmt = select(C).where(C.company_id == actor.company_id)
    if actor.branch_ids:
        stmt = stmt.where(or_(C.branch_id.in_(actor.branch_ids), C.branch_id.is_(None)))
    if not include_archived:
        stmt = stmt.where(C.archived_at.is_(None))
    if q:
        stmt = stmt.where(_search_clause(session, actor, q))
    for i, flt in enumerate(filters):
        if flt.field == "tags":
            clause = _tags_clause(actor, flt, f"{path}.{i}", errors)
        else:
            spec = field_spec(flt.field, types)
            if spec is None:
                errors.add(f"{path}.{i}.field", "unknown_filter_field", name=flt.field,
                           allowed=", ".join(field_names(types, "tags")))
                continue
            clause = _filter_clause(spec, flt, f"{path}.{i}", flt.field, errors)
        if clause is not None:
            stmt = stmt.where(clause)
    errors.raise_if_any()
    return stmt, types


def _search_clause(session: Session, actor: Actor, q: str) -> ColumnElement[bool]:
    """Search name, legal name, email and tax id; a string of digits also searches phones by their ending."""
    digits = search_digits(q)
    if digits:
        # Phones end with what people type (local formats drop the country code and trunk 0):
        # the reversed digits make "ends with" a range scan on an index.
        tails = {digits.lstrip("0")[::-1] or digits[::-1]}
        # Trunk prefixes other than 0 (Russia's "8 916 ...") only come off by parsing the number
        # in the countries the company works in.
        for country in _company_countries(session, actor):
            try:
                tails.add(phone_digits_rev(normalise_phone(q, country)))
            except PhoneError:
                pass
        by_phone = [
            select(Phone.counterparty_id).where(
                Phone.company_id == actor.company_id, Phone.digits_rev >= tail, Phone.digits_rev < tail + ":")
            for tail in sorted(tails)
        ]
        # The digits, not tax_id_key(q): Khmer digits are not [0-9A-Z], and an empty key prefixes every tax id.
        # One "id IN (… UNION …)" rather than "id IN (…) OR tax_id_key …": the OR needs the table row
        # of every client the list walks (100,000 rows: 170 ms), the IN only the id in the index (10 ms).
        return C.id.in_(union(*by_phone, *_tax_id_matches(session, actor, digits)))
    needle = name_key(q)
    key = tax_id_key(q)
    if _TAX_ID_LIKE.fullmatch(q.strip()) and sum(ch.isdigit() for ch in key) >= 6:
        # A tax id typed with letters and separators ("K001-901234567"): no name or email holds six
        # digits in such a string, so only the tax id index is asked (a text scan took 140 ms).
        return C.id.in_(union(*_tax_id_matches(session, actor, key)))
    by_text = C.search_text.contains(needle, autoescape=True)
    if _TAX_ID_LIKE.fullmatch(q.strip()) and any(ch.isdigit() for ch in key):
        # A short code with digits ("k001 9"): compact tax ids may start with it too.
        return or_(by_text, C.tax_id_key.startswith(key, autoescape=True))
    return by_text


def _tax_id_matches(session: Session, actor: Actor, key: str) -> list[Any]:
    """Selects of the ids whose compact tax id equals or starts with `key`, through the tax id index."""
    taxed = aliased(Counterparty, name="taxed")
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE ignores case, so it never uses the tax_id_key index; keys are [0-9A-Z] only,
        # so "starts with key" is exactly this range, which does.
        prefix = and_(taxed.tax_id_key >= key, taxed.tax_id_key < key + "\x7f")
    else:
        prefix = taxed.tax_id_key.startswith(key)
    return [select(taxed.id).where(taxed.company_id == actor.company_id, condition)
            for condition in (taxed.tax_id_key == key, prefix)]


_TAX_ID_LIKE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\s\-./]*")


def _company_countries(session: Session, actor: Actor) -> list[str]:
    rows = session.execute(
        select(Company.country).where(Company.id == actor.company_id)
        .union(select(Branch.country).where(Branch.company_id == actor.company_id, Branch.archived_at.is_(None)))
    ).scalars()
    return sorted(set(rows))


def _sort_keys(sort: list[str], types: dict[str, str], path: str = "sort") -> list[tuple[str, FieldSpec, bool]]:
    errors = ErrorList()
    keys: list[tuple[str, FieldSpec, bool]] = []
    for i, item in enumerate(sort):
        desc = item.startswith("-")
        name = item.lstrip("+-")
        spec = field_spec(name, types)
        if spec is None:
            errors.add(f"{path}.{i}", "unknown_sort_field", name=name, allowed=", ".join(field_names(types)))
            continue
        keys.append((name, spec, desc))
    errors.raise_if_any()
    if not any(name == "id" for name, _, _ in keys):
        # id breaks ties, in the direction of the last key, so every row has one place.
        keys.append(("id", FIELDS["id"], keys[-1][2] if keys else False))
    return keys


def _sort_expr(spec: FieldSpec) -> ColumnElement[Any]:
    return (spec.sort_expr or spec.expr)()


def _order_by(keys: list[tuple[str, FieldSpec, bool]]) -> list[Any]:
    out = []
    for _, spec, desc in keys:
        expr = _sort_expr(spec)
        ordered = expr.desc() if desc else expr.asc()
        # NULLs always last, on both databases; not-null columns keep a plain ORDER BY (index use).
        out.append(ordered.nulls_last() if spec.nullable else ordered)
    return out


def _after_clause(keys: list[tuple[str, FieldSpec, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after the cursor row in (k1, k2, ..., id) order, NULLs last."""
    ors = []
    for i, (_, spec, desc) in enumerate(keys):
        equal_before = [
            (_sort_expr(s).is_(None) if v is None else _sort_expr(s) == v) for (_, s, _), v in zip(keys[:i], values[:i])
        ]
        expr, v = _sort_expr(spec), values[i]
        if v is None:
            continue  # nothing comes after NULL within a NULLs-last key
        if spec.type == BOOL:
            # SQLAlchemy refuses < and > with True/False; after one boolean comes only the other, if any.
            after = expr == (not v) if v == desc else false()
        else:
            after = expr < v if desc else expr > v
        if spec.nullable:
            after = or_(after, expr.is_(None))
        ors.append(and_(*equal_before, after) if equal_before else after)
    return or_(*ors) if ors else false()


def _row_values(obj: Counterparty, keys: list[tuple[str, FieldSpec, bool]]) -> list[Any]:
    values = []
    for name, spec, _ in keys:
        if name == "name":
            values.append(obj.name_key)
        elif name == "tax_id":
            values.append(obj.tax_id_key)
        elif name == "segment":
            values.append(obj.segment_ref.code if obj.segment_ref else None)
        elif name == "lead_source":
            values.append(obj.lead_source_ref.code if obj.lead_source_ref else None)
        elif name.startswith("extra."):
            raw = (obj.extra or {}).get(name[6:])
            # The value as the sort expression sees it (numbers are stored as decimal strings).
            values.append(None if raw is None else float(raw) if spec.type == NUM else
                          bool(raw) if spec.type == BOOL else str(raw))
        else:
            values.append(getattr(obj, name))
    return values


def _signature(query: ClientQuery) -> str:
    """Binds a cursor to the query that made it, so a cursor cannot be replayed on another filter."""
    text = json.dumps([query.q, [f.model_dump() for f in query.filters], query.sort, query.include_archived], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode_cursor(values: list[Any], sig: str) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps({"v": plain, "s": sig}).encode()).decode().rstrip("=")


def _decode_cursor(text: str, keys: list[tuple[str, FieldSpec, bool]], sig: str) -> list[Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        values = data["v"]
        if data["s"] != sig or len(values) != len(keys):
            raise ValueError
        out = []
        for (_, spec, _), v in zip(keys, values):
            if v is None:
                out.append(None)
            elif spec.type == TIME:
                out.append(dt.datetime.fromisoformat(v))
            elif spec.type == INT:
                if not isinstance(v, int) or isinstance(v, bool):
                    raise ValueError
                out.append(v)
            elif spec.type == NUM:
                if not isinstance(v, (int, float)) or isinstance(v, bool):
                    raise ValueError
                out.append(float(v))
            elif spec.type == BOOL:
                if not isinstance(v, bool):
                    raise ValueError
                out.append(v)
            else:
                out.append(str(v))
        return out
    except (ValueError, KeyError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed(errors=[FieldError("cursor", "invalid_cursor")]) from None


def _ordered(session: Session, actor: Actor, query: ClientQuery, filter_path: str) -> tuple[
        Select[Any], list[tuple[str, FieldSpec, bool]]]:
    stmt, types = base_statement(session, actor, query.q, query.filters, query.include_archived, filter_path)
    return stmt, _sort_keys(query.sort or ["name"], types)


def list_clients(session: Session, actor: Actor, query: ClientQuery, filter_path: str = "filters") -> tuple[
        list[Counterparty], str | None, int | None]:
    """One page of the filtered, sorted list; the cursor of the next page; the total when asked.

    `filter_path` names the filters in errors as the caller received them (`filter` in a URL).
    """
    stmt, keys = _ordered(session, actor, query, filter_path)
    sig = _signature(query)
    total = None
    if query.with_total:
        total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(C.id).subquery()))
    page_stmt = stmt
    if query.cursor:
        page_stmt = page_stmt.where(_after_clause(keys, _decode_cursor(query.cursor, keys, sig)))
    rows = list(session.scalars(page_stmt.order_by(*_order_by(keys)).offset(query.offset).limit(query.limit + 1)))
    next_cursor = None
    if len(rows) > query.limit:
        rows = rows[: query.limit]
        next_cursor = _encode_cursor(_row_values(rows[-1], keys), sig)
    return rows, next_cursor, total


def iter_clients(session: Session, actor: Actor, query: ClientQuery, filter_path: str = "filters") -> list[Any]:
    """Every row of the filtered view in order (exports): one statement, fetched in batches.

    Checked before it is returned, so a bad filter is refused before an export starts.
    """
    stmt, keys = _ordered(session, actor, query, filter_path)
    return session.scalars(stmt.order_by(*_order_by(keys)).execution_options(yield_per=1000))  # type: ignore[return-value]


GROUPABLE = ("kind", "person_type", "country", "segment", "lead_source", "manager_id", "branch_id",
             "consent_to_mailings", "tags", "created_at:year", "created_at:month", "created_at:day")


def group_clients(session: Session, actor: Actor, by: list[str], q: str | None, filters: list[Filter],
                  include_archived: bool, filter_path: str = "filters") -> tuple[list[tuple[list[Any], int]], int]:
    """Counts per value of up to three fields (a client with two tags counts under each tag)."""
    stmt, types = base_statement(session, actor, q, filters, include_archived, filter_path)
    errors = ErrorList()
    if not 1 <= len(by) <= 3:
        errors.add("by", "too_many", max=3)
    ids = stmt.with_only_columns(C.id).subquery()
    cols: list[ColumnElement[Any]] = []
    joins_tags = False
    for i, name in enumerate(by):
        if name == "tags":
            joins_tags = True
            cols.append(Tag.name)
        elif name.startswith("created_at:"):
            part = name.split(":", 1)[1]
            if part not in ("year", "month", "day"):
                errors.add(f"by.{i}", "unknown_group_field", name=name)
                continue
            cols.append(_date_part(session, part))
        elif name.startswith("extra.") and types.get(name[6:]) == "number":
            cols.append(C.extra[name[6:]].as_string())  # grouped by the value as entered, not as a float
        elif name in GROUPABLE or (name.startswith("extra.") and name[6:] in types):
            spec = field_spec(name, types)
            cols.append(spec.expr())  # type: ignore[union-attr]
        else:
            errors.add(f"by.{i}", "unknown_group_field", name=name)
    errors.raise_if_any()
    labelled = [c.label(f"g{i}") for i, c in enumerate(cols)]
    g = select(*labelled, func.count().label("n")).select_from(C).join(ids, ids.c.id == C.id)
    if joins_tags:
        g = g.outerjoin(counterparty_tags, counterparty_tags.c.counterparty_id == C.id).outerjoin(
            Tag, Tag.id == counterparty_tags.c.tag_id)
    g = g.group_by(*[literal_column_ref(i) for i in range(len(cols))]).order_by(func.count().desc())
    groups = [(list(row[:-1]), row[-1]) for row in session.execute(g)]
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    return groups, total


def literal_column_ref(i: int) -> Any:
    return literal_column(f"g{i}")


def _date_part(session: Session, part: str) -> ColumnElement[Any]:
    fmt = {"year": ("%Y", "YYYY"), "month": ("%Y-%m", "YYYY-MM"), "day": ("%Y-%m-%d", "YYYY-MM-DD")}[part]
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime(fmt[0], C.created_at)
    # to_char reads a timestamptz in the session's time zone: pin it to UTC, like every other date here.
    return func.to_char(func.timezone("UTC", C.created_at), fmt[1])
