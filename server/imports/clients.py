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
from ..core.i18n import translate
from ..parties.normalize import PhoneError, fold_spaces, normalise_phone
from .matching import NAME_THRESHOLD, FuzzyNames, confirm_score, country_names, name_match_key
from .messages import MESSAGES
from .references import delete_rows, referencing
from .rows import Options, Row
from .values import ValueProblem, boolean, text

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
    # What matching worked out from the base alone, by (what, name, kinds of key): the base does not
    # change while a file is matched, and a common name comes back on many rows.
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)


@dataclass
class Context:
    session: Session
    actor: Actor
    options: Options
    refs: parties.Refs
    segments: dict[str, str]
    lead_sources: dict[str, str]
    base: Base
    # Local numbers are tried as numbers of these countries, tier by tier: the file's (option), the
    # company's, then its branches' (a Phnom Penh company with a Moscow branch gets both kinds).
    phone_tiers: tuple[tuple[str, ...], ...] = ()


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


def phone_tiers(session: Session, actor: Actor, options: Options) -> tuple[tuple[str, ...], ...]:
    """The countries a local number is tried in, tier by tier: the file's (option), the company's,
    then the branches' other countries together. A number one tier reads is not tried further."""
    company = session.get_one(Company, actor.company_id).country
    branches = session.scalars(select(Branch.country).where(Branch.company_id == actor.company_id,
                                                            Branch.archived_at.is_(None)).order_by(Branch.id))
    home = [c for c in (options.country, company) if c]
    tiers = [(c,) for c in dict.fromkeys(home)]
    tiers.append(tuple(dict.fromkeys(c for c in branches if c and c not in home)))
    return tuple(t for t in tiers if t)


def read_phone(text: str, tiers: tuple[tuple[str, ...], ...]) -> tuple[str | None, str | None, str]:
    """(E.164, None, "") or (None, problem code, the countries tried or that read it).

    "8 (495) 123-45-67" in a Cambodian company with a Moscow branch: not a Cambodian number, a
    Russian one, so it is read as Russian. A number two countries of one tier read differently is
    not guessed at: the message names them.
    """
    tried: list[str] = []
    for tier in tiers:
        found: dict[str, str] = {}
        for country in tier:
            tried.append(country)
            try:
                found.setdefault(normalise_phone(text, country), country)
            except PhoneError:
                continue
        if len(found) == 1:
            return next(iter(found)), None, ""
        if found:
            return None, "phone_ambiguous", ", ".join(f"{c} {e}" for e, c in found.items())
    return None, "phone_not_valid", ", ".join(dict.fromkeys(tried)) or "-"


def context(session: Session, actor: Actor, options: Options) -> Context:
    return Context(session, actor, options, parties.Refs.load(session, actor), _codes(session, actor, Segment),
                   _codes(session, actor, LeadSource), load_base(session, actor),
                   phone_tiers(session, actor, options))


def _split(values: list[tuple[str, str]], pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """A cell may hold several phones or e-mails: "012 345 678, 097 111 222"."""
    out = []
    for col, value in values:
        parts = [p.strip() for p in pattern.split(value) if p and p.strip()]
        out += [(col, p) for p in parts]
    return out


# The lists of a client: each item keeps the column it came from and the text as typed, so a bad
# one is left out (or reported) quoting what the user wrote.
_LISTS = ("phones", "emails", "addresses", "contacts", "tags")
_EMAIL_SPLIT = re.compile(r"[;,\s]+")


@dataclass
class _Draft:
    """The client's fields as read from the row, before the API's rules."""

    data: dict[str, Any] = field(default_factory=dict)
    typed: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # field → (key, column, text)
    lists: dict[str, list[tuple[str, str | None, str, Any]]] = field(default_factory=dict)  # (key, col, text, item)

    def body(self) -> dict[str, Any]:
        out = dict(self.data)
        for name, items in self.lists.items():
            if items:
                out[name] = [item for _k, _c, _t, item in items]
        return out

    def where(self, path: str) -> tuple[str, str | None, str | None]:
        """(field of the file, column, typed text) of an API field path such as `phones.1.number`."""
        parts = path.split(".")
        if parts[0] in self.lists and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self.lists[parts[0]]):
            key, col, text_, _item = self.lists[parts[0]][int(parts[1])]
            return key, col, text_
        if parts[0] in self.typed:
            key, col, text_ = self.typed[parts[0]]
            return key, col, text_
        return _FIELD_OF.get(parts[0], parts[0]), None, None

    def drop(self, path: str) -> bool:
        """Leave out the part of the client a path names; False when it cannot be left out (the name)."""
        parts = path.split(".")
        if parts[0] == "name":
            return False
        if parts[0] in self.lists:
            items = self.lists[parts[0]]
            if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(items):
                i = int(parts[1])
                if parts[0] == "contacts" and len(parts) > 2 and parts[2] in ("phone", "email", "role"):
                    items[i][3].pop(parts[2], None)  # the person stays; their bad phone goes
                else:
                    items[i] = None  # type: ignore[call-overload]
            else:
                items.clear()
            return True
        self.data.pop(parts[0], None)
        return True

    def compact(self) -> None:
        for name in self.lists:
            self.lists[name] = [x for x in self.lists[name] if x is not None]


def _read(row: Row, ctx: Context) -> _Draft:
    """The row's cells as client fields; a cell that cannot be read is reported (or left out) by its column."""
    strict = ctx.options.strict
    d = _Draft(lists={k: [] for k in _LISTS})
    data = d.data
    name = row.text("name")
    if not name:
        row.error("name", "name_missing")
    else:
        data["name"] = name
    legal = row.text("legal_name")
    if legal:
        data["legal_name"] = legal
        d.typed["legal_name"] = ("legal_name", row.column("legal_name"), legal)
    notes = [t for _c, t in row.texts("notes")]
    if notes:
        data["notes"] = "\n".join(notes)
        d.typed["notes"] = ("notes", row.column("notes"), notes[0])
    country = row.text("country")
    row_country = None
    if country:
        row_country = country_names().get(country.casefold())
        if row_country is None:
            row.problem(strict, "country", "country_not_known", value=country)
        else:
            data["country"] = row_country
    for key, table in (("person_type", _PERSON), ("kind", _KIND)):
        value = row.text(key)
        if value:
            choice = table.get(fold_spaces(value).casefold())
            if choice is None:
                row.problem(strict, key, "choice_not_known", value=value,
                            choices=", ".join(sorted(set(table.values()))))
            else:
                data[key] = choice
    if "country" not in data and ctx.options.country and ctx.options.country != ctx.refs.company.country:
        data["country"] = ctx.options.country  # the file's country, where the company's is another
    tax = row.ident("tax_id")
    if tax:  # checked by the API's rules below, in the row's country or the company's and branches'
        data["tax_id"] = tax
        d.typed["tax_id"] = ("tax_id", row.column("tax_id"), tax)
    tiers = ((row_country,),) + ctx.phone_tiers if row_country else ctx.phone_tiers
    for col, typed in _split(row.texts("phone"), _SPLIT):
        e164, code, countries = read_phone(typed, tiers)
        if e164 is None:
            row.problem(strict, "phone", code or "phone_not_valid", column=col, value=typed, countries=countries)
        else:
            d.lists["phones"].append(("phone", col, typed, {"number": e164}))
    for col, typed in _split(row.texts("email"), _EMAIL_SPLIT):
        d.lists["emails"].append(("email", col, typed, {"email": typed}))  # checked by the API's rules
    address = {k: row.text(k) for k in ("address", "city", "region", "postal_code")}
    if any(address.values()):
        typed_address = ", ".join(v for v in address.values() if v)
        key = next(k for k, v in address.items() if v)
        d.lists["addresses"].append((key, row.column(key), typed_address, {
            "kind": "actual", "line1": address["address"], "city": address["city"], "region": address["region"],
            "postal_code": address["postal_code"], "country": data.get("country")}))
    contact = row.text("contact_name")
    if contact:
        d.lists["contacts"].append(("contact_name", row.column("contact_name"), contact,
                                    {"name": contact, "role": row.text("contact_role")}))
    for key, table in (("segment", ctx.segments), ("lead_source", ctx.lead_sources)):
        value = row.text(key)
        if value:
            code = table.get(value.casefold())
            if code is None:
                row.problem(strict, key, f"{key}_not_known", value=value)
            else:
                data[key] = code
    for col, tag in _split(row.texts("tags"), _TAG_SPLIT):
        if all(tag != t for _k, _c, t, _i in d.lists["tags"]):
            d.lists["tags"].append(("tags", col, tag, tag))
    raw = row.first("consent")
    try:
        consent = boolean(raw)
    except ValueProblem:
        row.problem(strict, "consent", "yes_no_not_known", value=text(raw))
    else:
        if consent is not None:
            data["consent_to_mailings"] = consent
    return d


_OWN_WORDS = {"invalid_email": "email_not_valid", "invalid_tax_id": "tax_id_not_valid",
              "invalid_phone": "phone_not_valid"}


def _rule_problem(row: Row, d: _Draft, e: FieldError, strict: bool) -> bool:
    """Report one broken rule of the API's; True when the part was left out (the row goes on without it)."""
    key, column, typed = d.where(e.field)
    code, params = e.code, dict(e.params)
    if typed is not None and code in _OWN_WORDS:
        # The API's rule, in the import's words: the value quoted, the reason as our code.
        code, params = _OWN_WORDS[code], {"value": typed, "reason_code": params.get("reason_code"),
                                          "countries": params.get("country") or "-"}
    elif typed is not None:
        params["value"] = typed  # quoted (cut, control characters shown) where the row records it
        if code == "too_long":
            code = "value_too_long"
        elif code not in MESSAGES or "{value}" not in MESSAGES[code]:
            params["reason"] = translate(code, "en", **e.params)  # the rule's words, in the report's language later
            params["reason_code"] = code
            code = "value_not_valid"
    if strict or key == "name":
        row.error(key, code, column=column or row.column(key), **params)
        return False
    if not d.drop(e.field):
        row.error(key, code, column=column or row.column(key), **params)
        return False
    row.problem(False, key, code, column=column or row.column(key), **params)
    return True


def normalise(row: Row, ctx: Context) -> None:
    """The row as the API's client fields, through the API's own rules; every problem named by its column.

    Unless the import is strict, a bad optional cell (e-mail, phone, tax id, segment...) is left out
    with a warning quoting it and the client is imported without it; a row without a name is an error.
    """
    d = _read(row, ctx)
    named = "name" in d.data
    norm = None
    for _attempt in range(4):  # each pass leaves out what the previous one refused; a few at most
        body = d.body()
        if not named:
            body["name"] = "-"  # the rest of the row is checked all the same: every problem at once
        try:
            fields = party_schemas.ClientIn.model_validate(body, strict=True)
        except ValidationError as exc:
            errors = field_errors(exc)
        else:
            norm, errors = parties.normalise(fields, ctx.refs, ctx.actor, creating=True)
        if not errors:
            break
        norm = None
        left_out = [e for e in errors if _rule_problem(row, d, e, ctx.options.strict)]
        if (row.errors and ctx.options.strict) or not left_out:
            break
        d.compact()
    if row.errors:
        for w in row.warnings:  # nothing of this row is imported: "the rest is imported" would be untrue
            w.pop("left_out", None)
        return
    if norm is None:
        row.error(None, "row_unreadable")
        return
    row.record = norm
    c = norm.columns
    row.values = {k: c.get(k) for k in ("name", "legal_name", "person_type", "kind", "country", "tax_id")
                  if c.get(k) is not None}
    row.values["phones"] = [p["e164"] for p in norm.phones or []]
    row.values["emails"] = [e["email"] for e in norm.emails or []]
    data = d.data
    for key in ("segment", "lead_source", "notes", "consent_to_mailings"):
        if key in data:
            row.values[key] = data[key]
    if norm.tags:
        row.values["tags"] = list(norm.tags)
    if norm.addresses:
        row.values["address"] = {k: v for k, v in norm.addresses[0].items() if v and k not in ("position", "kind")}
    if norm.contacts:
        row.values["contact"] = {k: v for k, v in norm.contacts[0].items() if v and k != "position"}


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


_KINDS = ("tax_id", "phone", "email")
_MAX_SHARING = 64  # groups of the file looked at per key (a switchboard number on a thousand rows)
_MAX_NAMESAKES = 64  # clients of the base looked at per name
_RANK = {k: i for i, k in enumerate(_KINDS)}


def _mask(keys: dict[str, set[str]]) -> int:
    """Which kinds of key a record has, as bits: two records with a kind in common that share none of
    its values are told apart by it (two phones, two tax ids); with none in common nothing tells them apart."""
    return (1 if keys["tax_id"] else 0) | (2 if keys["phone"] else 0) | (4 if keys["email"] else 0)


def _taxes_differ(a: dict[str, set[str]], b: dict[str, set[str]] | set[str]) -> bool:
    """Two legal entities: both have tax ids and share none (`b` may be a set of tax ids)."""
    theirs = b if isinstance(b, set) else b["tax_id"]
    return bool(a["tax_id"] and theirs and not a["tax_id"] & theirs)


def _shared(a: dict[str, set[str]], b: dict[str, set[str]]) -> tuple[str, str] | None:
    """(kind, value) of the strongest key two records share, or None."""
    for kind in _KINDS:
        common = a[kind] & b[kind]
        if common:
            return kind, min(common)
    return None


class _Group:
    """Rows of the file that are one client. Every member was matched to the group's first row (its
    seed) directly, never through another member: two clients cannot be chained into one by a third
    row that shares a phone with one and an e-mail with the other."""

    __slots__ = ("seed", "members", "taxes", "bare")

    def __init__(self, seed: int, keys: dict[str, set[str]]) -> None:
        self.seed = seed
        self.members: list[tuple[int, str, float]] = [(seed, "", 100.0)]  # (index, by, score)
        self.taxes: set[str] = set(keys["tax_id"])  # the group's tax ids: another one is another client
        self.bare = not (keys["tax_id"] or keys["phone"] or keys["email"])


def primaries(rows: list[Row], keys_of: list[dict[str, set[str]]], names: list[str]) -> dict[int, dict[str, Any]]:
    """Rows of the file that repeat another → {index: the match: kept row, by what, name score, threshold}.

    A row repeats a group when it shares the group's tax id; or shares a phone or an e-mail with it and
    its name is alike the group's first row's (score ≥ threshold); or has the same name where one of
    the two has no tax id, phone or e-mail at all. Tax ids that differ are two clients whatever else
    they share. A shared phone or e-mail between unlike names is reported, not merged. The fullest row
    of a group is kept, not the first, so the same file with its rows shuffled keeps the same row.
    """
    groups: list[_Group] = []
    index: dict[tuple[str, str], list[int]] = {}
    by_name: dict[str, list[int]] = {}  # a seed's name → its groups
    bare_by_name: dict[str, list[int]] = {}  # the same, only the groups with a member without any key
    for i, row in enumerate(rows):
        keys = keys_of[i]
        found: dict[int, tuple[str, str]] = {}
        for kind in _KINDS:
            for v in sorted(keys[kind]):
                # A switchboard number on a thousand rows: the first groups that carry it are enough.
                for g in index.get((kind, v), ())[:_MAX_SHARING]:
                    if g not in found or _RANK[kind] < _RANK[found[g][0]]:
                        found[g] = (kind, v)
        chosen: list[tuple[int, str, float]] = []  # (group, by, score)
        told = 0
        for g, (kind, value) in found.items():
            group = groups[g]
            if _taxes_differ(keys, group.taxes):
                continue
            score = confirm_score(names[i], names[group.seed])
            if kind == "tax_id" or score >= NAME_THRESHOLD:
                chosen.append((g, kind, score))
            elif told < 3:  # the first few are worth reading; a hundred more are not
                told += 1
                row.warn("shares_key_in_file", by_key=kind, value=value, row=rows[group.seed].number,
                         name=rows[group.seed].record.columns["name"], score=score, threshold=NAME_THRESHOLD)
        if not chosen:
            if not (keys["tax_id"] or keys["phone"] or keys["email"]):
                # A bare row (no tax id, so none that differs): every group of its name is a namesake.
                namesakes = by_name.get(names[i], ())
            else:
                # Only the bare groups of the name, kept apart: walking every group of a common name
                # for every row of it was a quarter of the matching.
                namesakes = [g for g in bare_by_name.get(names[i], ()) if not _taxes_differ(keys, groups[g].taxes)]
            if len(namesakes) == 1:  # two namesakes: which one is a guess; the look-alike pass warns
                chosen.append((namesakes[0], "name", 100.0))
        if not chosen:
            groups.append(_Group(i, keys))
            g = len(groups) - 1
            by_name.setdefault(names[i], []).append(g)
            if groups[g].bare:
                bare_by_name.setdefault(names[i], []).append(g)
        else:
            chosen.sort(key=lambda c: (_RANK.get(c[1], 3), -c[2], groups[c[0]].seed))
            g, by, score = chosen[0]
            groups[g].members.append((i, by, score))
            for other, other_by, _s in chosen[1:]:
                row.warn("also_in_file", by=other_by, row=rows[groups[other].seed].number,
                         kept=rows[groups[g].seed].number)
        group = groups[g]
        group.taxes |= keys["tax_id"]
        for kind in _KINDS:
            for v in keys[kind]:
                ids = index.setdefault((kind, v), [])
                if g not in ids:
                    ids.append(g)
        if not group.bare and not (keys["tax_id"] or keys["phone"] or keys["email"]):
            group.bare = True
            bare_by_name.setdefault(names[group.seed], []).append(g)
    out: dict[int, dict[str, Any]] = {}
    for group in groups:
        if len(group.members) < 2:
            continue
        best = min((m for m, _b, _s in group.members),
                   key=lambda i: (-sum(1 for v in rows[i].cells.values() for _c, x in v if x is not None),
                                  rows[i].number))
        joined = {m: (b, sc) for m, b, sc in group.members}
        for i, by, score in group.members:
            if i == best:
                continue
            # Say what this row shares with the row kept; the seed's link where the two share nothing directly.
            direct = _shared(keys_of[i], keys_of[best])
            if direct is not None:
                by, score = direct[0], confirm_score(names[i], names[best])
            elif names[i] == names[best]:
                by, score = "name", 100.0
            elif i == group.seed:
                by, score = joined[best]
            out[i] = {"row": rows[best].number, "by": by, "score": score, "threshold": NAME_THRESHOLD}
    return out


def _base_mask(base: Base, cp_id: int) -> int:
    rec = base.rows[cp_id]
    if "mask" not in rec:
        rec["mask"] = _mask(_base_strong(rec))
    return rec["mask"]  # type: ignore[no-any-return]


def _apart(base: Base, name: str, mask: int) -> int | None:
    """The first client of that name (of its first 64) with no kind of key in common with `mask`."""
    memo_key = ("apart", name, mask)
    if memo_key in base.memo:
        return base.memo[memo_key]  # type: ignore[no-any-return]
    namesakes = base.by_name.get(name, ())[:_MAX_NAMESAKES]
    found = next((cp_id for cp_id in namesakes if not mask & _base_mask(base, cp_id)), None)
    base.memo[memo_key] = found
    return found


def _by_name(row: Row, keys: dict[str, set[str]], base: Base, name_key: str) -> tuple[int | None, int | None]:
    """(the client of that name this row is, one it may be): the same name is the same client when one
    of the two has no tax id, phone or e-mail; a namesake with no kind of key in common is worth a
    warning; a namesake told apart by its keys (another phone) is another client, said nothing of."""
    mask = _mask(keys)
    # The answer depends on the name and the row's kinds of key only: worked out once for each pair
    # (a common name on a thousand rows walked its 64 namesakes a thousand times).
    memo = base.memo.get((name_key, mask))
    if memo is not None:
        return memo
    candidates = base.by_name.get(name_key) or []
    same: list[int] = []
    maybe = None
    for cp_id in candidates[:_MAX_NAMESAKES]:
        other = _base_mask(base, cp_id)
        if not mask or not other:
            same.append(cp_id)
        elif maybe is None and not mask & other:
            maybe = cp_id
    # Several namesakes the row could be: which one is a guess, so the user is asked.
    found = (same[0], None) if len(same) == 1 else (None, same[0] if same else maybe)
    base.memo[(name_key, mask)] = found
    return found


def match(rows: list[Row], ctx: Context) -> None:
    """Duplicates in the file (the fullest row of a group is kept, the others skipped) and in the base
    (the same tax id; the same phone or e-mail under a like name; the same name where nothing tells
    the two apart: update the record, or nothing to do when it already holds it all)."""
    base = ctx.base
    valid = [r for r in rows if r.action != "error"]
    strong = [_strong(r) for r in valid]
    keys_of_name: dict[str, str] = {}  # namesakes are many: each spelling's key worked out once
    names = [keys_of_name.get(n) or keys_of_name.setdefault(n, name_match_key(n))
             for n in (r.record.columns["name"] for r in valid)]
    repeats = primaries(valid, strong, names)
    look_alike: list[tuple[Row, str, int]] = []
    matched: list[Row] = []
    for i, row in enumerate(valid):
        if i in repeats:
            row.action, row.reason = "skip", "duplicate_in_file"
            row.match = repeats[i]
            continue
        norm = row.record
        keys, name_key = strong[i], names[i]
        found = None
        if norm.columns.get("tax_id_key") in base.by_tax:
            cp_id = base.by_tax[norm.columns["tax_id_key"]]
            found = (cp_id, "tax_id", confirm_score(name_key, name_match_key(base.rows[cp_id]["name"])))
        for by, table in (("phone", base.by_phone), ("email", base.by_email)):
            for v in sorted(keys[by]):
                cp_id = table.get(v)
                if cp_id is None or (found is not None and cp_id == found[0]):
                    continue
                rec = base.rows[cp_id]
                if _taxes_differ(keys, _base_strong(rec)):
                    continue  # two legal entities (an accountant's phone on both): nothing to say
                score = confirm_score(name_key, name_match_key(rec["name"]))
                if score < NAME_THRESHOLD:
                    row.warn("shares_key_with_client", by_key=by, value=v, id=cp_id, name=rec["name"], score=score,
                             threshold=NAME_THRESHOLD)
                elif found is None:
                    found = (cp_id, by, score)
                else:
                    row.warn("also_matches", id=cp_id, by_key=by, value=v)
        maybe = None
        if found is None:
            same, maybe = _by_name(row, keys, base, name_key)
            if same is not None:
                found = (same, "name", 100.0)
        if found is not None:
            row.target = found[0]
            row.match = {"id": found[0], "by": found[1], "score": found[2], "threshold": NAME_THRESHOLD,
                         "name": base.rows[found[0]]["name"]}
            matched.append(row)
            continue
        if maybe is not None:
            row.warn("possible_duplicate", id=maybe, name=base.rows[maybe]["name"], score=100.0)
            row.match = {"id": maybe, "by": "same_name", "score": 100.0, "threshold": NAME_THRESHOLD,
                         "name": base.rows[maybe]["name"]}
        else:
            look_alike.append((row, name_key, _mask(keys)))
        row.action = "create"
    _look_alikes(look_alike, base)
    children = _children(ctx, matched)
    for row in matched:
        row.changes = changes(row, ctx, base.rows[row.target], children)  # type: ignore[index]
        row.action = "update" if row.changes else "unchanged"


def _look_alikes(rows: list[tuple[Row, str, int]], base: Base) -> None:
    """A new name close to a client's (a typo, "Sokha Hotell"), or to an earlier row's, where nothing
    tells the two apart (no kind of key in common): a warning, not a merge.

    Only what the exact keys left undecided gets here, and only names of one block (first letters)
    are compared; names with other numbers ("Client 00123", "Client 00124") are never alike.
    """
    # Which kinds of key the records hold: a row whose every possible partner shares a kind of key
    # with it (every client has a phone) was decided by the keys, and no name is compared for it.
    file_masks = {m for _row, _key, m in rows}
    base_masks = {_base_mask(base, cp_id) for cp_id in base.rows}
    open_masks = {m for m in file_masks if any(not m & u for u in file_masks | base_masks)}
    partners = {u for u in file_masks if any(not u & m for m in open_masks)}
    if not open_masks:
        return
    asking = [(row, key, m) for row, key, m in rows if m in open_masks]
    keys = list(dict.fromkeys(key for _row, key, _m in asking))
    close_base = dict(zip(keys, base.fuzzy.close_many(keys) if any(not m & u for m in open_masks for u in base_masks)
                          else [[] for _ in keys]))
    file_names = FuzzyNames()
    for key in dict.fromkeys(key for _row, key, m in rows if m in partners):
        file_names.add(key, 0)
    close_file = {key: {other: score for other, _i, score in found if other != key}
                  for key, found in zip(keys, file_names.close_many(keys))}
    earlier: dict[str, dict[int, int]] = {}  # name → kinds of key → the first such row's number
    for row, key, mask in rows:
        if mask in open_masks:
            _look_alike(row, key, mask, base, close_base[key], close_file[key], earlier)
        if mask in partners:
            earlier.setdefault(key, {}).setdefault(mask, row.number)


def _look_alike(row: Row, key: str, mask: int, base: Base, close_base: list[tuple[str, int, float]],
                close_file: dict[str, float], earlier: dict[str, dict[int, int]]) -> None:
    hit = None
    for other, _id, score in close_base:
        cp_id = _apart(base, other, mask)
        if cp_id is not None:
            hit = (cp_id, score)
            break
    if hit is not None:
        row.warn("possible_duplicate", id=hit[0], name=base.rows[hit[0]]["name"], score=hit[1])
        row.match = {"id": hit[0], "by": "similar_name", "score": hit[1], "threshold": NAME_THRESHOLD,
                     "name": base.rows[hit[0]]["name"]}
        return
    near: tuple[int, float] | None = None
    for other, score in [(key, 100.0), *close_file.items()]:
        for m, number in (earlier.get(other) or {}).items():
            if not mask & m and (near is None or score > near[1] or (score == near[1] and number < near[0])):
                near = (number, score)
    if near is not None:
        row.warn("possible_duplicate_in_file", row=near[0], score=near[1])


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
