"""Importing clients: each row through the same rules as the API, matched against the file and the base."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..audit.service import log_deleted
from ..core.actor import Actor
from ..core.errors import FieldError
from ..core.validation import field_errors
from ..org.models import Branch, Company
from ..parties import schemas as party_schemas
from ..parties import service as parties
from ..parties.models import (
    Address,
    Contact,
    Counterparty,
    Email,
    LeadSource,
    Phone,
    Segment,
    Tag,
    counterparty_tags,
)
from ..parties.normalize import PhoneError, fold_spaces, normalise_phone
from .matching import FuzzyNames, country_names, earlier_look_alikes, name_match_key
from .references import delete_rows, referencing
from .rows import Options, Row

ENTITY = "client"
_SPLIT = re.compile(r"[;,\n/]+|\s{2,}")
_TAG_SPLIT = re.compile(r"[;,\n]+")
_PERSON = {"person": "person", "individual": "person", "private": "person", "физ": "person", "физлицо": "person",
           "физическое лицо": "person", "ип": "person", "бុគ្គល": "person", "បុគ្គល": "person",
           "company": "company", "business": "company", "organisation": "company", "organization": "company",
           "юр": "company", "юрлицо": "company", "юридическое лицо": "company", "организация": "company",
           "ក្រុមហ៊ុន": "company", "អង្គភាព": "company"}
_KIND = {"client": "client", "customer": "client", "клиент": "client", "покупатель": "client", "អតិថិជន": "client",
         "supplier": "supplier", "vendor": "supplier", "поставщик": "supplier", "អ្នកផ្គត់ផ្គង់": "supplier",
         "both": "both", "client and supplier": "both", "покупатель и поставщик": "both", "ទាំងពីរ": "both"}
# Where a rule error of the client schema lands among the file's fields.
_FIELD_OF = {"phones": "phone", "emails": "email", "addresses": "address", "contacts": "contact_name",
             "consent_to_mailings": "consent"}


@dataclass
class Base:
    """The company's clients as matching needs them, read in a handful of statements."""

    rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    by_tax: dict[str, int] = field(default_factory=dict)
    by_phone: dict[str, int] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    # Several clients may share a name (two people called Иванов Александр): every id per name.
    by_name: dict[str, list[int]] = field(default_factory=dict)
    fuzzy: FuzzyNames = field(default_factory=FuzzyNames)


@dataclass
class Context:
    session: Session
    actor: Actor
    options: Options
    refs: parties.Refs
    segments: dict[str, str]
    lead_sources: dict[str, str]
    base: Base
    # Local numbers are tried as numbers of these countries in turn: the file's (option), the
    # company's, then its branches' (a Phnom Penh company with a Moscow branch gets both kinds).
    phone_countries: tuple[str, ...] = ()


def _codes(session: Session, actor: Actor, model: Any) -> dict[str, str]:
    """A reference list by code and by name, both case-insensitive → code."""
    out: dict[str, str] = {}
    for code, name in session.execute(select(model.code, model.name).where(
            model.company_id == actor.company_id, model.archived_at.is_(None))):
        out[name.casefold()] = code
        out[code.casefold()] = code
    return out


def load_base(session: Session, actor: Actor) -> Base:
    base = Base()
    cid = actor.company_id
    for row in session.execute(select(
            Counterparty.id, Counterparty.version, Counterparty.name, Counterparty.legal_name, Counterparty.country,
            Counterparty.tax_id_key, Counterparty.person_type, Counterparty.kind, Counterparty.segment_id,
            Counterparty.lead_source_id, Counterparty.notes, Counterparty.consent_to_mailings,
    ).where(Counterparty.company_id == cid, Counterparty.archived_at.is_(None))).mappings():
        rec = dict(row)
        rec["phones"], rec["emails"] = [], []
        base.rows[rec["id"]] = rec
        if rec["tax_id_key"]:
            base.by_tax.setdefault(rec["tax_id_key"], rec["id"])
        key = name_match_key(rec["name"])
        if key not in base.by_name:
            base.by_name[key] = []
            base.fuzzy.add(key, rec["id"])
        base.by_name[key].append(rec["id"])
    for cp_id, e164, kind in session.execute(select(Phone.counterparty_id, Phone.e164, Phone.kind).where(
            Phone.company_id == cid).order_by(Phone.counterparty_id, Phone.position)):
        rec = base.rows.get(cp_id)
        if rec is not None:
            rec["phones"].append((e164, kind))
            base.by_phone.setdefault(e164, cp_id)
    for cp_id, email, kind in session.execute(select(Email.counterparty_id, Email.email, Email.kind).join(
            Counterparty, Counterparty.id == Email.counterparty_id).where(
            Counterparty.company_id == cid).order_by(Email.counterparty_id, Email.position)):
        rec = base.rows.get(cp_id)
        if rec is not None:
            rec["emails"].append((email, kind))
            base.by_email.setdefault(email, cp_id)
    return base


def phone_countries(session: Session, actor: Actor, options: Options) -> tuple[str, ...]:
    found = [options.country, session.get_one(Company, actor.company_id).country]
    found += list(session.scalars(select(Branch.country).where(Branch.company_id == actor.company_id,
                                                               Branch.archived_at.is_(None)).order_by(Branch.id)))
    return tuple(dict.fromkeys(c for c in found if c))


def local_phone(text: str, countries: tuple[str, ...]) -> str:
    """The E.164 form of a number as the first of `countries` reads it; unchanged when none can."""
    for country in countries:
        try:
            return normalise_phone(text, country)
        except PhoneError:
            continue
    return text


def context(session: Session, actor: Actor, options: Options) -> Context:
    return Context(session, actor, options, parties.Refs.load(session, actor), _codes(session, actor, Segment),
                   _codes(session, actor, LeadSource), load_base(session, actor),
                   phone_countries(session, actor, options))


def _split(values: list[tuple[str, str]], pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """A cell may hold several phones or e-mails: "012 345 678, 097 111 222"."""
    out = []
    for col, value in values:
        parts = [p.strip() for p in pattern.split(value) if p and p.strip()]
        out += [(col, p) for p in parts]
    return out


def normalise(row: Row, ctx: Context) -> None:
    """The row as the API's client fields, through the API's own rules; every problem named by its column."""
    data: dict[str, Any] = {}
    cols: dict[str, str | None] = {}
    name = row.text("name")
    if not name:
        row.error("name", "required")
    else:
        data["name"] = name
    for key in ("legal_name", "tax_id"):
        value = row.ident(key) if key == "tax_id" else row.text(key)
        if value:
            data[key] = value
    notes = [t for _c, t in row.texts("notes")]
    if notes:
        data["notes"] = "\n".join(notes)
    country = row.text("country")
    if country:
        code = country_names().get(country.casefold())
        if code is None:
            row.error("country", "invalid_country", value=country)
        else:
            data["country"] = code
    for key, table in (("person_type", _PERSON), ("kind", _KIND)):
        value = row.text(key)
        if value:
            choice = table.get(fold_spaces(value).casefold())
            if choice is None:
                row.error(key, "invalid_choice", choices=", ".join(sorted(set(table.values()))))
            else:
                data[key] = choice
    phones = _split(row.texts("phone"), _SPLIT)
    if phones:
        countries = ((country_names().get(country.casefold()),) if country else ()) + ctx.phone_countries
        data["phones"] = [{"number": local_phone(p, tuple(c for c in countries if c))} for _c, p in phones]
        cols.update({f"phones.{i}": c for i, (c, _p) in enumerate(phones)})
    emails = _split(row.texts("email"), re.compile(r"[;,\s]+"))
    if emails:
        data["emails"] = [{"email": e} for _c, e in emails]
        cols.update({f"emails.{i}": c for i, (c, _e) in enumerate(emails)})
    address = {k: row.text(k) for k in ("address", "city", "region", "postal_code")}
    if any(address.values()):
        data["addresses"] = [{"kind": "actual", "line1": address["address"], "city": address["city"],
                              "region": address["region"], "postal_code": address["postal_code"],
                              "country": data.get("country")}]
    contact = row.text("contact_name")
    if contact:
        data["contacts"] = [{"name": contact, "role": row.text("contact_role")}]
    for key, table in (("segment", ctx.segments), ("lead_source", ctx.lead_sources)):
        value = row.text(key)
        if value:
            code = table.get(value.casefold())
            if code is None:
                row.error(key, "unknown_reference", entity=key.replace("_", " "), value=value)
            else:
                data[key] = code
    tags = _split(row.texts("tags"), _TAG_SPLIT)
    if tags:
        data["tags"] = list(dict.fromkeys(t for _c, t in tags))
    consent = row.boolean("consent")
    if consent is not None:
        data["consent_to_mailings"] = consent
    if row.errors:
        return
    if "country" not in data and ctx.options.country and ctx.options.country != ctx.refs.company.country:
        data["country"] = ctx.options.country  # the file's country, where the company's is another
    try:
        fields = party_schemas.ClientIn.model_validate(data, strict=True)
    except ValidationError as exc:
        for e in field_errors(exc):
            _error(row, e.field, e.code, e.params, cols)
        return
    norm, errors = parties.normalise(fields, ctx.refs, ctx.actor, creating=True)
    for e in errors:
        _error(row, e.field, e.code, e.params, cols)
    if row.errors:
        return
    row.record = norm
    c = norm.columns
    row.values = {k: c.get(k) for k in ("name", "legal_name", "person_type", "kind", "country", "tax_id")
                  if c.get(k) is not None}
    row.values["phones"] = [p["e164"] for p in norm.phones or []]
    row.values["emails"] = [e["email"] for e in norm.emails or []]
    for key in ("segment", "lead_source", "notes", "tags", "consent_to_mailings"):
        if key in data:
            row.values[key] = data[key]
    if norm.addresses:
        row.values["address"] = {k: v for k, v in norm.addresses[0].items() if v and k not in ("position", "kind")}
    if norm.contacts:
        row.values["contact"] = {k: v for k, v in norm.contacts[0].items() if v and k != "position"}


def _error(row: Row, path: str, code: str, params: dict[str, Any], cols: dict[str, str | None]) -> None:
    parts = path.split(".")
    key = _FIELD_OF.get(parts[0], parts[0])
    column = cols.get(".".join(parts[:2])) if len(parts) > 1 else None
    row.error(key, code, column=column or row.column(key), **params)


def _strong(row: Row) -> dict[str, set[str]]:
    """The keys that tell one client from another: tax id, phones, e-mails (names do not: people share them)."""
    norm = row.record
    return {"tax_id": {norm.columns["tax_id_key"]} if norm.columns.get("tax_id_key") else set(),
            "phone": {p["e164"] for p in norm.phones or []}, "email": {e["email"] for e in norm.emails or []}}


def _base_strong(rec: dict[str, Any]) -> dict[str, set[str]]:
    if "strong" not in rec:  # built once per client, however many rows share its name
        rec["strong"] = {"tax_id": {rec["tax_id_key"]} if rec["tax_id_key"] else set(),
                         "phone": {p for p, _k in rec["phones"]}, "email": {e for e, _k in rec["emails"]}}
    return rec["strong"]


def _conflict(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Two records with the same kind of key that share none of it are two clients."""
    return any(a[k] and b[k] and not a[k] & b[k] for k in a)


def primaries(rows: list[Row], strong_of: Any, name_of: Any) -> dict[int, tuple[int, str]]:
    """Rows of the file that are one record → (the kept row's number, the key they share).

    Rows sharing a tax id, phone or e-mail are one record, transitively. A row with none of those
    joins an earlier row of the same name, and a later row joins an earlier bare one; two rows of
    one name with different phones stay two clients. The fullest row of a group is kept, not the
    first, so the same file with its rows shuffled plans the same.
    """
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[b] = a

    owner: dict[tuple[str, str], int] = {}
    shared: dict[int, str] = {}
    first_any: dict[str, int] = {}
    first_bare: dict[str, int] = {}
    for i, row in enumerate(rows):
        find(i)
        keys = strong_of(row)
        for kind, values in keys.items():
            for v in values:
                if (kind, v) in owner:
                    join(owner[(kind, v)], i)
                    shared.setdefault(i, kind)
                else:
                    owner[(kind, v)] = i
        name = name_of(row)
        bare = not any(keys.values())
        if bare and name in first_any:
            join(first_any[name], i)
            shared.setdefault(i, "name")
        elif not bare and name in first_bare:
            join(first_bare[name], i)
            shared.setdefault(i, "name")
        first_any.setdefault(name, i)
        if bare:
            first_bare.setdefault(name, i)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    out: dict[int, tuple[int, str]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        best = min(members, key=lambda i: (-sum(1 for v in rows[i].cells.values() for _c, x in v if x is not None),
                                           rows[i].number))
        for i in members:
            if i != best:
                out[i] = (rows[best].number, shared.get(i) or shared.get(best) or "name")
    return out


def _by_name(row: Row, keys: dict[str, set[str]], base: Base, name_key: str) -> tuple[int | None, int | None]:
    """(the client of that name this row is, one it may be): the same name is the same client when
    nothing tells them apart; a name shared with a client of other phones is only worth a warning."""
    candidates = base.by_name.get(name_key) or []
    maybe = None
    for cp_id in candidates[:8]:
        other = _base_strong(base.rows[cp_id])
        if not any(keys.values()) or not any(other.values()):
            return cp_id, None
        if not _conflict(keys, other) and maybe is None:
            maybe = cp_id
    # Even a namesake with other phones is worth a look: the user decides.
    return None, maybe if maybe is not None else (candidates[0] if candidates else None)


def match(rows: list[Row], ctx: Context) -> None:
    """Duplicates in the file (the fullest row of a group is kept, the others skipped) and in the base
    (the same tax id, phone or e-mail, or the same name where nothing tells the two apart: update
    the record, or nothing to do when it already holds it all)."""
    base = ctx.base
    valid = [r for r in rows if r.action != "error"]
    repeats = primaries(valid, _strong, lambda r: name_match_key(r.record.columns["name"]))
    look_alike: list[tuple[Row, str]] = []
    matched: list[Row] = []
    for i, row in enumerate(valid):
        if i in repeats:
            number, by = repeats[i]
            row.action, row.reason = "skip", "duplicate_in_file"
            row.match = {"row": number, "by": by}
            continue
        norm = row.record
        keys = _strong(row)
        name_key = name_match_key(norm.columns["name"])
        found = None
        if norm.columns.get("tax_id_key") in base.by_tax:
            found = (base.by_tax[norm.columns["tax_id_key"]], "tax_id")
        for by, table in (("phone", base.by_phone), ("email", base.by_email)):
            for v in sorted(keys[by]):
                if v in table:
                    if found is None:
                        found = (table[v], by)
                    elif table[v] != found[0]:
                        row.warn("also_matches", id=table[v], by=by, value=v)
        maybe = None
        if found is None:
            same, maybe = _by_name(row, keys, base, name_key)
            if same is not None:
                found = (same, "name")
        if found is not None:
            row.target = found[0]
            row.match = {"id": found[0], "by": found[1], "name": base.rows[found[0]]["name"]}
            matched.append(row)
            continue
        if maybe is not None:
            row.warn("possible_duplicate", id=maybe, name=base.rows[maybe]["name"], score=100.0)
            row.match = {"id": maybe, "by": "same_name", "score": 100.0, "name": base.rows[maybe]["name"]}
        elif name_key not in base.by_name:
            look_alike.append((row, name_key))
        row.action = "create"
    _look_alikes(look_alike, base)
    children = _children(ctx, matched)
    for row in matched:
        row.changes = changes(row, ctx, base.rows[row.target], children)  # type: ignore[index]
        row.action = "update" if row.changes else "unchanged"


def _look_alikes(rows: list[tuple[Row, str]], base: Base) -> None:
    """A new name close to a client's (a typo, "Sokha Hotell"), or to an earlier row's: a warning, not a merge."""
    found = base.fuzzy.best_many([key for _row, key in rows])
    rest = []
    for (row, key), close in zip(rows, found):
        if close is not None:
            row.warn("possible_duplicate", id=close[0], name=base.rows[close[0]]["name"], score=close[1])
            row.match = {"id": close[0], "by": "similar_name", "score": close[1], "name": base.rows[close[0]]["name"]}
        else:
            rest.append((row, key))
    near = earlier_look_alikes([(row.number, key) for row, key in rest])
    for row, _key in rest:
        if row.number in near:
            row.warn("possible_duplicate_in_file", row=near[row.number][0], score=near[row.number][1])


def _children(ctx: Context, rows: list[Row]) -> dict[str, dict[int, list[Any]]]:
    """Tags, addresses and contact names of the matched clients, read together (not a query per row)."""
    out: dict[str, dict[int, list[Any]]] = {"tags": {}, "addresses": {}, "contacts": {}}
    s = ctx.session
    for key in out:
        ids = sorted({r.target for r in rows if getattr(r.record, key)})  # type: ignore[misc]
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            if key == "tags":
                q = select(counterparty_tags.c.counterparty_id, Tag.name).join(Tag).where(
                    counterparty_tags.c.counterparty_id.in_(chunk))
            elif key == "addresses":
                q = select(Address.counterparty_id, Address.line1, Address.city, Address.region,
                           Address.postal_code).where(Address.counterparty_id.in_(chunk))
            else:
                q = select(Contact.counterparty_id, Contact.name).where(Contact.counterparty_id.in_(chunk))
            for cp_id, *rest in s.execute(q):
                out[key].setdefault(cp_id, []).append(tuple(rest) if len(rest) > 1 else rest[0])
    return out


def changes(row: Row, ctx: Context, current: dict[str, Any],
            children: dict[str, dict[int, list[Any]]] | None = None) -> dict[str, Any]:
    """What the row would change on the record: filled cells overwrite, phones, e-mails and tags are added,
    empty cells never erase anything. The name is never changed: a list spells a client its own way
    ("Mekong Foods Co"), and the record's name is what every document already printed."""
    norm = row.record
    children = children if children is not None else _children(ctx, [row])
    out: dict[str, Any] = {}
    c = norm.columns
    for key in ("legal_name", "country", "person_type", "kind", "notes", "segment_id", "lead_source_id",
                "consent_to_mailings"):
        if key in c and c[key] is not None and c[key] != current.get(key):
            if key in ("person_type", "kind", "consent_to_mailings") and key not in _given(row):
                continue  # a default of the schema, not something the file says
            out[key] = [current.get(key), c[key]]
    if c.get("tax_id_key") and c["tax_id_key"] != current.get("tax_id_key"):
        out["tax_id"] = [current.get("tax_id_key"), c["tax_id"]]
    have = [p for p, _k in current["phones"]]
    new = [p["e164"] for p in norm.phones or [] if p["e164"] not in have]
    if new:
        out["phones"] = [have, have + new]
    have_e = [e for e, _k in current["emails"]]
    new_e = [e["email"] for e in norm.emails or [] if e["email"] not in have_e]
    if new_e:
        out["emails"] = [have_e, have_e + new_e]
    cp = current["id"]
    if norm.tags:
        have_t = {t.casefold() for t in children["tags"].get(cp, [])}
        new_t = [t for t in norm.tags if t.casefold() not in have_t]
        if new_t:
            out["tags"] = [sorted(children["tags"].get(cp, [])), new_t]
    if norm.addresses:
        have_a = children["addresses"].get(cp, [])
        new_a = [a for a in norm.addresses
                 if (a.get("line1"), a.get("city"), a.get("region"), a.get("postal_code")) not in have_a]
        if new_a:
            out["addresses"] = [len(have_a), [{k: v for k, v in a.items() if v and k != "position"} for a in new_a]]
    if norm.contacts:
        have_c = {n.casefold() for n in children["contacts"].get(cp, [])}
        new_c = [x for x in norm.contacts if x["name"].casefold() not in have_c]
        if new_c:
            out["contacts"] = [len(have_c), [{k: v for k, v in x.items() if v and k != "position"} for x in new_c]]
    return out


def _given(row: Row) -> set[str]:
    return {"person_type" if row.cells.get("person_type") else "", "kind" if row.cells.get("kind") else "",
            "consent_to_mailings" if row.cells.get("consent") else ""}


def exists(ctx: Context, ident: int) -> bool:
    return ident in ctx.base.rows


def retarget(row: Row, ctx: Context, target: int) -> None:
    """The user chose which client this row updates."""
    row.update_of(target, ctx.base.rows[target]["name"], changes(row, ctx, ctx.base.rows[target]))


def apply(rows: list[Row], ctx: Context) -> tuple[list[int], list[tuple[int, dict[str, Any], int]], dict[str, Any]]:
    """Write the plan: creates in bulk (logged once, by the import), updates one by one through the API's
    update. Answers (created ids, [(id, the record before, its version after)], nothing more)."""
    creates = [r for r in rows if r.action == "create"]
    # No log record per client: the import's own "commit" record names the file and every id created,
    # and its stored report holds what each row did (a 100,000-row import wrote 86,000 log records).
    ids = parties.insert_normalised(ctx.session, ctx.actor, ctx.refs, [r.record for r in creates], log=False)
    updated = []
    # The records to update, with their children, in a few statements (selectin) instead of six per row;
    # `loaded` keeps them in the session's identity map, where get_client finds them.
    targets = [r.target for r in rows if r.action == "update"]
    loaded = [c for i in range(0, len(targets), 500)
              for c in ctx.session.scalars(select(Counterparty).where(Counterparty.id.in_(targets[i:i + 500])))]
    for row in rows:
        if row.action != "update":
            continue
        client = parties.get_client(ctx.session, ctx.actor, row.target)  # type: ignore[arg-type]
        before = parties.present_json(client)
        patch = _patch(row, client)
        client = parties.update_client(ctx.session, ctx.actor, client.id, patch, ctx.refs)
        updated.append((client.id, before, client.version))
    del loaded
    return ids, updated, {}


_CHILDREN = (Phone, Email, Address, Contact)


def undo_problems(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> list[FieldError]:
    """Why the import cannot be taken back: a created client in use or edited since; an updated one edited since."""
    ids = list((imp.created or {}).get(ENTITY, []))
    problems = []
    used = referencing(session, Counterparty.__table__, ids, [m.__table__ for m in _CHILDREN] + [counterparty_tags])
    for cp_id, table in sorted(used.items()):
        problems.append(FieldError(f"clients.{cp_id}", "import_record_in_use", {"id": cp_id, "table": table}))
    for i in range(0, len(ids), 900):
        for cp_id, version in session.execute(select(Counterparty.id, Counterparty.version).where(
                Counterparty.id.in_(ids[i:i + 900]), Counterparty.version != 1)):
            problems.append(FieldError(f"clients.{cp_id}", "import_record_changed", {"id": cp_id}))
    for ch in changes:
        version = session.scalar(select(Counterparty.version).where(Counterparty.id == ch.entity_id))
        if version != ch.version_after:
            problems.append(FieldError(f"clients.{ch.entity_id}", "import_record_changed", {"id": ch.entity_id}))
    return problems


def undo(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> None:
    ids = list((imp.created or {}).get(ENTITY, []))
    snapshots = []
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        for c in session.scalars(select(Counterparty).where(Counterparty.id.in_(chunk))):
            snapshots.append((c.id, parties.present_json(c)))
            for child in [*c.phones, *c.emails, *c.addresses, *c.contacts]:
                session.expunge(child)
            session.expunge(c)
        for model in _CHILDREN:
            session.execute(delete(model).where(model.counterparty_id.in_(chunk)))
        session.execute(delete(counterparty_tags).where(counterparty_tags.c.counterparty_id.in_(chunk)))
    delete_rows(session, Counterparty.__table__, ids)
    log_deleted(session, actor, ENTITY, snapshots)
    for ch in changes:
        restore(session, actor, ch.entity_id, ch.before, ch.version_after)


def _patch(row: Row, client: Counterparty) -> party_schemas.ClientPatch:
    norm = row.record
    data: dict[str, Any] = {"version": client.version}
    ch = row.changes or {}
    c = norm.columns
    for key in ("legal_name", "country", "person_type", "kind", "notes", "consent_to_mailings"):
        if key in ch:
            data[key] = c[key]
    if "tax_id" in ch:
        data["tax_id"] = c["tax_id"]
    if "segment_id" in ch:
        data["segment"] = row.values.get("segment")
    if "lead_source_id" in ch:
        data["lead_source"] = row.values.get("lead_source")
    if "phones" in ch:
        data["phones"] = [{"number": p.e164, "kind": p.kind} for p in client.phones] + [
            {"number": e} for e in ch["phones"][1][len(client.phones):]]
    if "emails" in ch:
        data["emails"] = [{"email": e.email, "kind": e.kind} for e in client.emails] + [
            {"email": e} for e in ch["emails"][1][len(client.emails):]]
    if "tags" in ch:
        data["tags"] = [t.name for t in client.tags] + ch["tags"][1]
    if "addresses" in ch:
        data["addresses"] = [_plain(a, ("kind", "country", "region", "city", "line1", "line2", "postal_code"))
                             for a in client.addresses] + ch["addresses"][1]
    if "contacts" in ch:
        data["contacts"] = [_plain(x, ("name", "role", "phone", "email", "notes"))
                            for x in client.contacts] + ch["contacts"][1]
    return party_schemas.ClientPatch.model_validate(data, strict=True)


def _plain(obj: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in keys if getattr(obj, k) is not None}


def restore(session: Session, actor: Actor, client_id: int, before: dict[str, Any], version: int) -> None:
    """Put an updated client back as it was before the import (undo)."""
    data = {k: before.get(k) for k in ("name", "legal_name", "country", "tax_id", "person_type", "kind", "notes",
                                       "segment", "lead_source", "consent_to_mailings", "tags")}
    data["phones"] = [{"number": p["number"], "kind": p["kind"]} for p in before.get("phones") or []]
    data["emails"] = [{"email": e["email"], "kind": e["kind"]} for e in before.get("emails") or []]
    data["addresses"] = [{k: v for k, v in a.items() if v is not None} for a in before.get("addresses") or []]
    data["contacts"] = [{k: v for k, v in x.items() if v is not None} for x in before.get("contacts") or []]
    data["version"] = version
    patch = party_schemas.ClientPatch.model_validate(data, strict=True)
    parties.update_client(session, actor, client_id, patch)
