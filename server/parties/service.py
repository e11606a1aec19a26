"""Rules of the client base: normalise and validate, create, change, archive, batch."""
from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from pydantic import ValidationError
from sqlalchemy import String, bindparam, cast, insert, literal, null, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..audit.service import log_change, log_created
from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..core.collector import collector_paused
from ..core.errors import Conflict, DomainError, ErrorList, FieldError, ValidationFailed
from ..core.validation import field_errors
from ..db import insert_ids, insert_rows
from ..org.models import Branch, Company, User
from .names import NameRef
from . import schemas
from .models import (
    Address, Contact, Counterparty, Email, ExtraField, LeadSource, Phone, Segment, Tag, counterparty_tags,
)
from .normalize import (
    EmailError, PhoneError, TaxIdError, fold_spaces, name_key, normalise_email, normalise_phone,
    normalise_tax_id_in, phone_digits_rev,
)

ENTITY = "counterparty"


def present(c: Counterparty) -> schemas.ClientOut:
    """The API shape of a loaded counterparty (lists and writes, where the ORM has it in hand)."""
    return _client_out(
        c, segment=c.segment_ref.code if c.segment_ref else None,
        lead_source=c.lead_source_ref.code if c.lead_source_ref else None,
        phones=[(p.e164, p.kind) for p in c.phones], emails=c.emails, addresses=c.addresses,
        contacts=c.contacts, tags=[t.name for t in c.tags],
    )


def client_row(session: Session, actor: Actor, client_id: int) -> Any:
    """One counterparty's own columns, with its segment and lead source, in one indexed query.

    Checks the company and the branch scope like get_client.
    """
    row = session.connection().execute(_ONE_CLIENT, {"id": client_id}).first()
    if row is None or row.company_id != actor.company_id:
        raise DomainError("not_found", status=404, params={"entity": ENTITY, "id": client_id})
    if not actor.sees_branch(row.branch_id):
        raise DomainError("out_of_branch_scope", status=403, errors=[FieldError("branch_id", "out_of_branch_scope")])
    return row


def client_etag(row: Any) -> str:
    """What the client's representation depends on. Every change to a client or to its phones,
    emails, addresses, contacts or tags bumps its version; the segment and lead source it shows
    by code have versions of their own; the branch and manager it names are hashed in by name."""
    names = hashlib.sha256(f"{row.branch_code}\x1f{row.branch_name}\x1f{row.manager_name}".encode()).hexdigest()[:12]
    return f"c{row.id}-v{row.version}-s{row.segment_version or 0}-l{row.lead_source_version or 0}-n{names}"


def load_client(session: Session, row: Any) -> schemas.ClientOut:
    """The API shape of the counterparty `row` (from client_row): its child lists in one query.

    A lookup by id is the hottest read the workbooks and UDFs make; loading it through the
    ORM (six statements and an identity map) costs about three times as much.
    """
    kids: dict[str, list[Any]] = {"p": [], "e": [], "a": [], "c": [], "t": []}
    for r in session.connection().execute(_ONE_CHILDREN, {"id": row.id}):
        kids[r.kid].append(r)
    out = _client_out(
        row, segment=row.segment_code, lead_source=row.lead_source_code,
        phones=[(r.a, r.b) for r in kids["p"]],
        emails=[{"email": r.a, "kind": r.b} for r in kids["e"]],
        addresses=[dict(zip(_ADDRESS_FIELDS, (r.a, r.b, r.c, r.d, r.e, r.f, r.g))) for r in kids["a"]],
        contacts=[dict(zip(_CONTACT_FIELDS, (r.a, r.b, r.c, r.d, r.e))) for r in kids["c"]],
        tags=[r.a for r in kids["t"]],
    )
    # Names beside ids, from the same row (the card is cached whole, keyed by client_etag).
    if row.branch_id is not None:
        out.branch = NameRef(id=row.branch_id, code=row.branch_code, name=row.branch_name)
    if row.manager_id is not None:
        out.manager = NameRef(id=row.manager_id, name=row.manager_name)
    return out


_ADDRESS_FIELDS = tuple(schemas.AddressOut.model_fields)
_CONTACT_FIELDS = tuple(schemas.ContactOut.model_fields)


def _child_rows(tag: str, model: Any, fields: tuple[str, ...], width: int = 7) -> Any:
    cols = [getattr(model, f) for f in fields]
    cols += [cast(null(), String)] * (width - len(cols))
    return (select(literal(tag).label("kid"), model.position.label("pos"), model.id.label("id"),
                   *(c.label(n) for c, n in zip(cols, "abcdefg")))
            .where(model.counterparty_id == bindparam("id")))


# Built once: constructing statements costs more than running them on an indexed key.
_ONE_CLIENT = (
    select(Counterparty.__table__, Segment.code.label("segment_code"), Segment.version.label("segment_version"),
           LeadSource.code.label("lead_source_code"), LeadSource.version.label("lead_source_version"),
           Branch.code.label("branch_code"), Branch.name.label("branch_name"), User.name.label("manager_name"))
    .outerjoin(Segment, Segment.id == Counterparty.segment_id)
    .outerjoin(LeadSource, LeadSource.id == Counterparty.lead_source_id)
    .outerjoin(Branch, Branch.id == Counterparty.branch_id)
    .outerjoin(User, User.id == Counterparty.manager_id)
    .where(Counterparty.id == bindparam("id"))
)
_ONE_CHILDREN = union_all(
    _child_rows("p", Phone, ("e164", "kind")),
    _child_rows("e", Email, ("email", "kind")),
    _child_rows("a", Address, _ADDRESS_FIELDS),
    _child_rows("c", Contact, _CONTACT_FIELDS),
    select(literal("t").label("kid"), literal(0).label("pos"), Tag.id.label("id"), Tag.name.label("a"),
           *(cast(null(), String).label(n) for n in "bcdefg"))
    .join(counterparty_tags, counterparty_tags.c.tag_id == Tag.id)
    .where(counterparty_tags.c.counterparty_id == bindparam("id")),
).order_by("kid", "pos", "a", "id")  # tags (pos 0) by name, as the ORM orders them


def _client_out(c: Any, *, segment: str | None, lead_source: str | None, phones: list[tuple[str, str]],
                emails: Any, addresses: Any, contacts: Any, tags: list[str]) -> schemas.ClientOut:
    return schemas.ClientOut(
        id=c.id, kind=c.kind, person_type=c.person_type, name=c.name, legal_name=c.legal_name,
        country=c.country, tax_id=c.tax_id, phone=c.phone, email=c.email,
        phones=[schemas.PhoneOut(number=number, kind=kind) for number, kind in phones],
        emails=[schemas.EmailOut.model_validate(e) for e in emails],
        addresses=[schemas.AddressOut.model_validate(a) for a in addresses],
        contacts=[schemas.ContactOut.model_validate(x) for x in contacts],
        tags=tags, segment=segment, lead_source=lead_source,
        manager_id=c.manager_id, branch_id=c.branch_id, consent_to_mailings=c.consent_to_mailings,
        consent_at=c.consent_at, notes=c.notes, extra=c.extra or {}, archived_at=c.archived_at,
        created_at=c.created_at, updated_at=c.updated_at, version=c.version,
    )


def present_json(c: Counterparty) -> dict[str, Any]:
    return present(c).model_dump(mode="json")


@dataclass
class Refs:
    """The company's reference lists, loaded once per request (batch rows share them)."""

    company: Company
    segments: dict[str, int]
    lead_sources: dict[str, int]
    users: set[int]
    branches: set[int]
    tags: dict[str, int]
    extra_fields: dict[str, ExtraField]
    # Branch id → its country: a tax id without a country of its own is checked against these.
    branch_countries: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, actor: Actor) -> "Refs":
        cid = actor.company_id
        countries = dict(session.execute(select(Branch.id, Branch.country).where(
            Branch.company_id == cid, Branch.archived_at.is_(None)).order_by(Branch.id)).all())
        return cls(
            company=session.get_one(Company, cid),
            segments=dict(session.execute(select(Segment.code, Segment.id).where(Segment.company_id == cid, Segment.archived_at.is_(None))).all()),
            lead_sources=dict(session.execute(select(LeadSource.code, LeadSource.id).where(LeadSource.company_id == cid, LeadSource.archived_at.is_(None))).all()),
            users=set(session.scalars(select(User.id).where(User.company_id == cid, User.archived_at.is_(None)))),
            branches=set(countries),
            tags={name.casefold(): tid for name, tid in session.execute(select(Tag.name, Tag.id).where(Tag.company_id == cid)).all()},
            extra_fields={f.key: f for f in session.scalars(select(ExtraField).where(ExtraField.company_id == cid, ExtraField.archived_at.is_(None)))},
            branch_countries=countries,
        )

    def tax_countries(self, branch_id: int | None = None) -> tuple[str, ...]:
        """Where a tax id without a country is checked: the record's branch, the company, its other branches."""
        found = [self.branch_countries.get(branch_id) if branch_id else None, self.company.country,
                 *self.branch_countries.values()]
        return tuple(dict.fromkeys(c for c in found if c))

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything a row's check depends on (tags are not: they are created as needed)."""
        return (
            self.company.country, tuple(sorted(self.segments.items())), tuple(sorted(self.lead_sources.items())),
            tuple(sorted(self.users)), tuple(sorted(self.branches)),
            tuple(sorted((f.key, f.type, tuple(f.choices or ()), f.required) for f in self.extra_fields.values())),
        )

    def tag_id(self, session: Session, actor: Actor, name: str) -> int:
        """The id of a tag by name (case-insensitive); new tags are created on first use."""
        key = name.casefold()
        if key not in self.tags:
            self.tags[key] = session.execute(insert(Tag).returning(Tag.id), {"company_id": actor.company_id, "name": name}).scalar_one()
        return self.tags[key]


@dataclass
class Normalised:
    """A validated counterparty: its own columns plus child rows, ready to write."""

    columns: dict[str, Any]
    phones: list[dict[str, Any]] | None = None
    emails: list[dict[str, Any]] | None = None
    addresses: list[dict[str, Any]] | None = None
    contacts: list[dict[str, Any]] | None = None
    tags: list[str] | None = None


def normalise(data: schemas.ClientFields, refs: Refs, actor: Actor, *, creating: bool,
              current: Counterparty | None = None) -> tuple[Normalised, list[FieldError]]:
    """Turn validated input into column values, reporting every rule broken (not only the first)."""
    given = data.model_fields_set - {"version"}
    errors = ErrorList()
    cols: dict[str, Any] = {}
    out = Normalised(columns=cols)
    country = data.country if "country" in given else (current.country if current else None)
    phone_country = country or refs.company.country

    for key in ("kind", "person_type", "consent_to_mailings"):
        if key in given:
            value = getattr(data, key)
            if value is None:
                errors.add(key, "required")
            else:
                cols[key] = value
    if "name" in given:
        if data.name is None or not fold_spaces(data.name):
            errors.add("name", "required")
        else:
            cols["name"] = fold_spaces(data.name)
            cols["name_key"] = name_key(data.name)
    for key in ("legal_name", "notes"):
        if key in given:
            value = getattr(data, key)
            cols[key] = (fold_spaces(value) if key == "legal_name" else value) if value else None
    if "country" in given:
        cols["country"] = data.country
    if "tax_id" in given or ("country" in given and current is not None and current.tax_id):
        raw = data.tax_id if "tax_id" in given else current.tax_id  # type: ignore[union-attr]
        if raw:
            if country:
                tried: tuple[str, ...] = (country,)
            else:
                branch = data.branch_id if "branch_id" in given else (current.branch_id if current else None)
                if branch is None and creating and actor.branch_ids:
                    branch = actor.branch_ids[0]
                tried = refs.tax_countries(branch)
            try:
                cols["tax_id"], cols["tax_id_key"] = normalise_tax_id_in(raw, tried)
            except TaxIdError as exc:
                errors.add("tax_id", "invalid_tax_id", country=", ".join(tried) or "-", reason=str(exc),
                           reason_code=exc.code)
        else:
            cols["tax_id"] = cols["tax_id_key"] = None
    if "phones" in given:
        out.phones = []
        for i, p in enumerate(data.phones or []):
            try:
                e164 = normalise_phone(p.number, phone_country)
            except PhoneError:
                errors.add(f"phones.{i}.number", "invalid_phone", country=phone_country)
                continue
            if any(x["e164"] == e164 for x in out.phones):
                continue  # the same number twice is kept once
            out.phones.append({"e164": e164, "kind": p.kind, "digits_rev": phone_digits_rev(e164), "position": i})
        cols["phone"] = out.phones[0]["e164"] if out.phones else None
    if "emails" in given:
        out.emails = []
        for i, e in enumerate(data.emails or []):
            try:
                email = normalise_email(e.email)
            except EmailError as exc:
                errors.add(f"emails.{i}.email", "invalid_email", reason=str(exc), reason_code=exc.code)
                continue
            if any(x["email"] == email for x in out.emails):
                continue
            out.emails.append({"email": email, "kind": e.kind, "position": i})
        cols["email"] = out.emails[0]["email"] if out.emails else None
    if "addresses" in given:
        out.addresses = [dict(a.model_dump(), position=i) for i, a in enumerate(data.addresses or [])]
    if "contacts" in given:
        out.contacts = []
        for i, c in enumerate(data.contacts or []):
            row = dict(c.model_dump(), position=i)
            if c.phone:
                try:
                    row["phone"] = normalise_phone(c.phone, phone_country)
                except PhoneError:
                    errors.add(f"contacts.{i}.phone", "invalid_phone", country=phone_country)
            if c.email:
                try:
                    row["email"] = normalise_email(c.email)
                except EmailError as exc:
                    errors.add(f"contacts.{i}.email", "invalid_email", reason=str(exc), reason_code=exc.code)
            out.contacts.append(row)
    if "tags" in given:
        seen: dict[str, str] = {}
        for t in data.tags or []:
            seen.setdefault(fold_spaces(t).casefold(), fold_spaces(t))
        out.tags = list(seen.values())
    for key, table in (("segment", refs.segments), ("lead_source", refs.lead_sources)):
        if key in given:
            code = getattr(data, key)
            if code is None:
                cols[f"{key}_id"] = None
            elif code in table:
                cols[f"{key}_id"] = table[code]
            else:
                errors.add(key, "unknown_reference", entity=key.replace("_", " "), value=code)
    if "manager_id" in given:
        if data.manager_id is not None and data.manager_id not in refs.users:
            errors.add("manager_id", "unknown_reference", entity="user", value=data.manager_id)
        cols["manager_id"] = data.manager_id
    if "branch_id" in given:
        if data.branch_id is not None and data.branch_id not in refs.branches:
            errors.add("branch_id", "unknown_reference", entity="branch", value=data.branch_id)
        elif not actor.sees_branch(data.branch_id) or (data.branch_id is None and actor.branch_ids):
            errors.add("branch_id", "out_of_branch_scope")
        cols["branch_id"] = data.branch_id
    elif creating and actor.branch_ids:
        # A branch-scoped user's new client lands in their first branch.
        cols["branch_id"] = actor.branch_ids[0]
    if "extra" in given:
        cols["extra"] = _check_extra(data.extra or {}, refs, errors, current.extra if current else {})
    elif creating:
        cols["extra"] = _check_extra({}, refs, errors, {})
    if cols.get("consent_to_mailings") and not (current and current.consent_to_mailings):
        cols["consent_at"] = dates.now()
    elif cols.get("consent_to_mailings") is False:
        cols["consent_at"] = None
    return out, errors.items


def rule_errors(refs: Refs, actor: Actor, rest: dict[str, Any], current: Counterparty | None = None) -> list[FieldError]:
    """The rule errors (phones, emails, tax id, references, extra fields) of fields that passed
    their shape check, when others did not: so one answer lists every problem at once."""
    try:
        fields = schemas.ClientFields.model_validate(rest, strict=True)
    except ValidationError:
        return []  # cannot happen for fields that passed; never hide the shape errors over it
    return normalise(fields, refs, actor, creating=False, current=current)[1]


def rule_errors_of(session: Session, actor: Actor, rest: dict[str, Any], id: int | None = None) -> list[FieldError]:
    """rule_errors for an API body; `id` (a PATCH) brings the current record for its country."""
    current = None
    if id is not None:
        try:
            current = get_client(session, actor, id)
        except DomainError:
            return []  # the write itself answers 404/403; no rule errors about a record one cannot see
    rest = {k: v for k, v in rest.items() if k != "version"}
    return rule_errors(Refs.load(session, actor), actor, rest, current)


def _check_extra(values: dict[str, Any], refs: Refs, errors: ErrorList, old: dict[str, Any]) -> dict[str, Any]:
    merged = dict(old or {})
    refused: set[str] = set()
    for key, value in values.items():
        definition = refs.extra_fields.get(key)
        if definition is None:
            errors.add(f"extra.{key}", "extra_field_unknown", key=key)
            continue
        if value is None or value == "":
            merged.pop(key, None)
            continue
        ok = {
            "text": isinstance(value, str) and len(value) <= 1000 and not _CONTROL.search(value),
            "number": isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
            "bool": isinstance(value, bool),
            "date": isinstance(value, str) and _is_date(value),
            "choice": isinstance(value, str) and value in (definition.choices or []),
        }[definition.type]
        if not ok:
            expected = {"choice": ", ".join(definition.choices or [])}.get(definition.type, definition.type)
            errors.add(f"extra.{key}", "extra_field_type", key=key, expected=expected)
            refused.add(key)
            continue
        # Numbers are kept as decimal strings: JSON floats would lose money-like values.
        merged[key] = str(value) if definition.type == "number" else value
    for key, definition in refs.extra_fields.items():
        # A value of the wrong type was given: that is its one error, not also "required".
        if definition.required and merged.get(key) in (None, "") and key not in refused:
            errors.add(f"extra.{key}", "required")
    return merged


# Extra text is one line like every other short field; NUL would also break PostgreSQL's JSON functions.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _search_text(cols: dict[str, Any], emails: Iterable[str]) -> str:
    parts = [cols.get("name_key") or "", (cols.get("legal_name") or "").casefold(), cols.get("tax_id_key") or ""]
    parts.extend(emails)
    return " ".join(p for p in parts if p)


# --- single-record writes ----------------------------------------------------------------

def get_client(session: Session, actor: Actor, client_id: int) -> Counterparty:
    return records.get_owned(session, actor, Counterparty, client_id, ENTITY)


def create_client(session: Session, actor: Actor, data: schemas.ClientIn, refs: Refs | None = None) -> Counterparty:
    refs = refs or Refs.load(session, actor)
    norm, errors = normalise(data, refs, actor, creating=True)
    if errors:
        raise ValidationFailed(errors=errors)
    return _insert_one(session, actor, refs, norm)


def _insert_one(session: Session, actor: Actor, refs: Refs, norm: Normalised) -> Counterparty:
    cols = dict(norm.columns)
    cols["search_text"] = _search_text(cols, (e["email"] for e in norm.emails or []))
    client = Counterparty(company_id=actor.company_id, **cols)
    _set_children(session, actor, refs, client, norm)
    session.add(client)
    session.flush()
    log_change(session, actor, ENTITY, client.id, "create", None, _log_snapshot(client))
    return client


def _set_children(session: Session, actor: Actor, refs: Refs, client: Counterparty, norm: Normalised) -> None:
    if norm.phones is not None:
        client.phones = [Phone(company_id=actor.company_id, **p) for p in norm.phones]
    if norm.emails is not None:
        client.emails = [Email(**e) for e in norm.emails]
    if norm.addresses is not None:
        client.addresses = [Address(**a) for a in norm.addresses]
    if norm.contacts is not None:
        client.contacts = [Contact(**c) for c in norm.contacts]
    if norm.tags is not None:
        ids = [refs.tag_id(session, actor, t) for t in norm.tags]
        client.tags = [session.get_one(Tag, i) for i in ids]


def _log_snapshot(client: Counterparty) -> dict[str, Any]:
    snap = records.snapshot(client)
    snap.pop("search_text", None)
    snap.pop("name_key", None)
    snap["phones"] = [p.e164 for p in client.phones]
    snap["emails"] = [e.email for e in client.emails]
    snap["tags"] = [t.name for t in client.tags]
    snap["addresses"] = [_child(a) for a in client.addresses]
    snap["contacts"] = [_child(c) for c in client.contacts]
    return snap


def _child(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in records.snapshot(obj).items() if k not in ("id", "counterparty_id")}


def update_client(session: Session, actor: Actor, client_id: int, patch: schemas.ClientPatch,
                  refs: Refs | None = None) -> Counterparty:
    client = get_client(session, actor, client_id)
    records.check_version(client, patch.version, present_json)
    if client.archived_at is not None:
        raise Conflict("archived", params={"entity": ENTITY, "id": client_id}, extra={"current": present_json(client)})
    refs = refs or Refs.load(session, actor)
    norm, errors = normalise(patch, refs, actor, creating=False, current=client)
    if errors:
        raise ValidationFailed(errors=errors)
    before = _log_snapshot(client)
    # No autoflush until every change is made: each flush of a dirty row bumps the version,
    # and one change must move it by exactly one (tag look-ups would otherwise flush midway).
    with session.no_autoflush:
        for key, value in norm.columns.items():
            setattr(client, key, value)
        _set_children(session, actor, refs, client, norm)
        client.search_text = _search_text(records.snapshot(client), (e.email for e in client.emails))
        after = _log_snapshot(client)
        if after != before:
            # Child-only changes still bump the version: the row is touched explicitly.
            client.updated_at = dates.now()
    if after != before:
        session.flush()
        log_change(session, actor, ENTITY, client.id, "update", before, _log_snapshot(client))
    return client


def archive_client(session: Session, actor: Actor, client_id: int, version: int) -> Counterparty:
    client = get_client(session, actor, client_id)
    records.check_version(client, version, present_json)
    return records.archive(session, actor, client, ENTITY)


def restore_client(session: Session, actor: Actor, client_id: int, version: int) -> Counterparty:
    client = get_client(session, actor, client_id)
    records.check_version(client, version, present_json)
    return records.restore(session, actor, client, ENTITY)


# --- batch -------------------------------------------------------------------------------

@dataclass
class PreparedBatch:
    """A batch checked outside the write lock: the answers so far, the creates ready to insert,
    the other rows to apply under the lock, and what the checks depended on."""

    fingerprint: tuple[Any, ...]
    results: list[dict[str, Any]]
    creates: list[tuple[int, "Normalised"]]
    others: list[tuple[int, schemas.BatchRow]]


def prepare_batch(session: Session, actor: Actor, rows: list[Any], max_rows: int) -> PreparedBatch:
    """Check every row in a read transaction, so that requests in other server processes can be
    checked at the same time; only apply_batch's writes take SQLite's single write lock."""
    if len(rows) > max_rows:
        raise ValidationFailed("batch_too_large", params={"max": max_rows, "count": len(rows)},
                               errors=[FieldError("rows", "too_many", {"max": max_rows})])
    with collector_paused():
        refs = Refs.load(session, actor)
        return PreparedBatch(refs.fingerprint(), *_check_rows(refs, actor, rows))


def apply_batch(session: Session, actor: Actor, rows: list[Any], max_rows: int,
                prepared: PreparedBatch | None = None) -> list[dict[str, Any]]:
    """Apply many rows; each is applied whole or refused whole, and each gets its own answer.

    Creates are validated in Python, then inserted together (Core executemany); updates,
    archives and restores run one by one inside savepoints so one refusal undoes only its row.
    A `prepared` batch is used as checked unless the reference lists changed since; then
    every row is checked again here, under the lock.
    """
    if len(rows) > max_rows:
        raise ValidationFailed("batch_too_large", params={"max": max_rows, "count": len(rows)},
                               errors=[FieldError("rows", "too_many", {"max": max_rows})])
    with collector_paused():
        refs = Refs.load(session, actor)
        if prepared is None or prepared.fingerprint != refs.fingerprint():
            prepared = PreparedBatch(refs.fingerprint(), *_check_rows(refs, actor, rows))
        loaded = _load_for_batch(session, [row.id for _, row in prepared.others if row.id is not None])
        for index, row in prepared.others:
            _apply_one(session, actor, refs, row, prepared.results[index])
        del loaded
        _insert_many(session, actor, refs, prepared.creates, prepared.results)
        return prepared.results


def _load_for_batch(session: Session, ids: list[int]) -> list[Counterparty]:
    """The clients a batch updates, archives or restores, with their phones, emails... in a few
    statements for all of them: each row's get_client then finds its client in the session (it took
    six statements per row, most of a batch of 1,000 updates). The list keeps them there (the
    session holds them weakly). On PostgreSQL the rows are locked for the batch, so a colleague's
    write cannot slip in between this read and the row's version check (SQLite's writer already
    holds the database's write lock)."""
    if not ids:
        return []
    loaded: list[Counterparty] = []
    for start in range(0, len(ids), 500):
        stmt = select(Counterparty).where(Counterparty.id.in_(ids[start:start + 500]))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=Counterparty)
        loaded += session.scalars(stmt).all()
    return loaded


def _check_rows(refs: Refs, actor: Actor, rows: list[Any]) -> tuple[
        list[dict[str, Any]], list[tuple[int, Normalised]], list[tuple[int, schemas.BatchRow]]]:
    """Every row's shape and rules: creates come out normalised, the others parsed."""
    results: list[dict[str, Any]] = []
    creates: list[tuple[int, Normalised]] = []
    others: list[tuple[int, schemas.BatchRow]] = []
    for index, raw in enumerate(rows):
        result: dict[str, Any] = {"index": index, "ref": None, "status": "ok"}
        results.append(result)
        try:
            row = schemas.BatchRow.model_validate(raw, strict=True)
        except ValidationError as exc:
            _fail(result, field_errors(exc, ("rows", index)))
            if isinstance(raw, dict) and isinstance(raw.get("ref"), str):
                result["ref"] = raw["ref"][:100]
            continue
        result["ref"] = row.ref
        if row.op != "create":
            others.append((index, row))
            continue
        try:
            data = schemas.ClientIn.model_validate(row.data or {}, strict=True)
        except ValidationError as exc:
            shape = field_errors(exc)
            rest = {k: v for k, v in (row.data or {}).items() if k not in {e.field.split(".")[0] for e in shape}}
            _fail(result, [FieldError(f"data.{e.field}", e.code, e.params)
                           for e in shape + rule_errors(refs, actor, rest)])
            continue
        norm, errors = normalise(data, refs, actor, creating=True)
        if errors:
            _fail(result, [FieldError(f"data.{e.field}", e.code, e.params) for e in errors])
        else:
            creates.append((index, norm))
    return results, creates, others


def _fail(result: dict[str, Any], errors: list[FieldError], status: str = "error") -> None:
    result["status"] = status
    result["errors"] = errors


def _apply_one(session: Session, actor: Actor, refs: Refs, row: schemas.BatchRow, result: dict[str, Any]) -> None:
    if row.id is None:
        _fail(result, [FieldError("id", "required")])
        return
    if row.version is None:
        _fail(result, [FieldError("version", "version_required")])
        return
    try:
        with session.begin_nested():
            if row.op == "update":
                try:
                    patch = schemas.ClientPatch.model_validate({**(row.data or {}), "version": row.version}, strict=True)
                except ValidationError as exc:
                    raise ValidationFailed(errors=[FieldError(f"data.{e.field}", e.code, e.params) for e in field_errors(exc)])
                try:
                    client = update_client(session, actor, row.id, patch, refs)
                except ValidationFailed as exc:
                    # Rule errors name fields of the row's data, as they do for creates ("data.phones.0.number").
                    raise ValidationFailed(errors=[FieldError(f"data.{e.field}", e.code, e.params) for e in exc.errors]) from None
            elif row.op == "archive":
                client = archive_client(session, actor, row.id, row.version)
            else:
                client = restore_client(session, actor, row.id, row.version)
        result.update(id=client.id, version=client.version)
    except Conflict as exc:
        _fail(result, [FieldError("version", exc.code, exc.params)], "conflict")
        result["current"] = exc.extra.get("current")
    except DomainError as exc:
        _fail(result, exc.errors or [FieldError("id", exc.code, exc.params)])


def _insert_many(session: Session, actor: Actor, refs: Refs, creates: list[tuple[int, Normalised]],
                 results: list[dict[str, Any]]) -> None:
    if not creates:
        return
    rows = _column_rows(session, actor, refs, creates)
    try:
        with session.begin_nested():
            ids = _bulk_insert(session, actor, refs, creates, rows)
    except IntegrityError:
        # Something slipped past validation: fall back to one savepoint per row to find it.
        ids = []
        for (index, norm), cols in zip(creates, rows):
            try:
                with session.begin_nested():
                    ids.extend(_bulk_insert(session, actor, refs, [(index, norm)], [cols]))
            except IntegrityError:
                _fail(results[index], [FieldError("data", "invalid_value")])
                ids.append(None)
    for (index, _), new_id in zip(creates, ids):
        if new_id is not None:
            results[index].update(id=new_id, version=1)


def _column_rows(session: Session, actor: Actor, refs: Refs, creates: list[tuple[int, Normalised]]) -> list[dict[str, Any]]:
    """Every column of every new row (defaults filled in), tags created first (few distinct names)."""
    now = dates.now()
    for _, norm in creates:
        for t in norm.tags or []:
            refs.tag_id(session, actor, t)
    # The defaults and the batch's own values, built once: a row is two dictionary merges at C speed.
    defaults = {"kind": "client", "person_type": "company", "consent_to_mailings": False, "extra": {},
                **dict.fromkeys(("legal_name", "country", "tax_id", "tax_id_key", "phone", "email", "segment_id",
                                 "lead_source_id", "manager_id", "branch_id", "consent_at", "notes", "archived_at"))}
    fixed = {"company_id": actor.company_id, "version": 1, "created_at": now, "updated_at": now}
    rows = []
    for _, norm in creates:
        cols = {**defaults, **norm.columns}
        if not cols["extra"]:
            # One shared empty object: a value every row shares goes through JSON once (db._params).
            cols["extra"] = defaults["extra"]
        cols["search_text"] = _search_text(cols, (e["email"] for e in norm.emails or []))
        cols.update(fixed)
        rows.append(cols)
    return rows


def insert_normalised(session: Session, actor: Actor, refs: Refs, norms: list[Normalised], *,
                      log: bool = True) -> list[int]:
    """Insert checked clients together (Core executemany, children, operations log) in the caller's
    transaction, all or nothing: an import's creates. Answers their ids in order.

    `log=False` leaves the operations log to the caller, which must write one record naming every id
    (an import logs itself once, with its file and the ids; its stored report holds each row's values).
    """
    ids: list[int] = []
    # In slices: the column dictionaries and driver tuples of one slice at a time, not of the whole file.
    for start in range(0, len(norms), INSERT_SLICE):
        creates = list(enumerate(norms[start:start + INSERT_SLICE], start))
        ids += _bulk_insert(session, actor, refs, creates, _column_rows(session, actor, refs, creates), log=log)
    return ids


INSERT_SLICE = 10_000


def _bulk_insert(session: Session, actor: Actor, refs: Refs, creates: list[tuple[int, Normalised]],
                 rows: list[dict[str, Any]], *, log: bool = True) -> list[int]:
    # render_nulls: the ORM bulk INSERT drops None-valued keys, so rows with NULLs in different
    # columns fall into different groups, one statement each, and their RETURNING results are
    # spliced together once per group (quadratic: 10,000 rows took 30 s). Rendering the NULLs
    # keeps the rows one group; every column given as None here has no default to fall back on.
    # Core, not ORM, for the parent rows: every row carries every column (see _insert_many), so
    # nothing is lost, and the ORM's per-row bookkeeping was a third of the insert time.
    ids = insert_ids(session, Counterparty.__table__, rows)
    phones, emails, addresses, contacts, tags = [], [], [], [], []
    for new_id, (_, norm) in zip(ids, creates):
        phones += [dict(p, counterparty_id=new_id, company_id=actor.company_id) for p in norm.phones or []]
        emails += [dict(e, counterparty_id=new_id) for e in norm.emails or []]
        addresses += [dict(a, counterparty_id=new_id) for a in norm.addresses or []]
        contacts += [dict(c, counterparty_id=new_id) for c in norm.contacts or []]
        tags += [{"counterparty_id": new_id, "tag_id": refs.tags[t.casefold()]} for t in norm.tags or []]
    for model, payload in ((Phone, phones), (Email, emails), (Address, addresses), (Contact, contacts)):
        _insert_uniform(session, model.__table__, payload)
    _insert_uniform(session, counterparty_tags, tags)
    if not log:
        return ids
    log_created(session, actor, ENTITY, [
        (new_id, _plain_after(cols, norm)) for new_id, cols, (_, norm) in zip(ids, rows, creates)
    ])
    return ids


def _insert_uniform(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Children rows in one executemany per shape (addresses typed with or without a region differ)."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        shapes.setdefault(tuple(r), []).append(r)
    for group in shapes.values():
        insert_rows(session, table, group)


_NOT_LOGGED = frozenset({"search_text", "name_key", "company_id", "version", "created_at", "updated_at"})


def _plain_after(cols: dict[str, Any], norm: Normalised) -> dict[str, Any]:
    """The created record as the log keeps it, already JSON-plain (the time is the operation's own)."""
    after = {k: v for k, v in cols.items() if k not in _NOT_LOGGED}
    if after.get("consent_at") is not None:
        after["consent_at"] = after["consent_at"].isoformat()
    after["phones"] = [p["e164"] for p in norm.phones or []]
    after["emails"] = [e["email"] for e in norm.emails or []]
    after["tags"] = list(norm.tags or [])
    return after
