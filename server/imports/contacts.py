"""Importing contact persons of existing clients: each client's contact list grows (or is corrected) through
the client's own update, so the client's version, log and undo cover it."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.errors import FieldError
from ..parties import schemas as party_schemas
from ..parties import service as parties
from ..parties.models import Contact, Counterparty
from ..parties.normalize import EmailError, normalise_email, tax_id_key
from . import clients
from .matching import name_match_key
from .rows import Options, Row

ENTITY = "client"
_KEEP = ("name", "role", "phone", "email", "notes")


@dataclass
class Context:
    session: Session
    actor: Actor
    options: Options
    base: clients.Base
    name_counts: Counter[str]
    company_country: str | None
    contacts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    phone_tiers: tuple[tuple[str, ...], ...] = ()


def context(session: Session, actor: Actor, options: Options) -> Context:
    base = clients.load_base(session, actor)
    counts = Counter(name_match_key(r["name"]) for r in base.rows.values())
    ctx = Context(session, actor, options, base, counts, options.country,
                  phone_tiers=clients.phone_tiers(session, actor, options))
    for cp_id, *values in session.execute(select(Contact.counterparty_id, *(getattr(Contact, k) for k in _KEEP)).join(
            Counterparty, Counterparty.id == Contact.counterparty_id).where(
            Counterparty.company_id == actor.company_id).order_by(Contact.counterparty_id, Contact.position)):
        ctx.contacts.setdefault(cp_id, []).append(dict(zip(_KEEP, values)))
    return ctx


def _client(row: Row, ctx: Context) -> int | None:
    tax = row.ident("client_tax_id")
    if tax:
        found = ctx.base.by_tax.get(tax_id_key(tax))
        if found is None:
            row.error("client_tax_id", "client_not_found", value=tax)
        return found
    name = row.text("client")
    if not name:
        row.error("client", "required")
        return None
    key = name_match_key(name)
    if ctx.name_counts[key] > 1:
        row.error("client", "client_ambiguous", value=name)
        return None
    found = (ctx.base.by_name.get(key) or [None])[0]
    if found is None:
        row.error("client", "client_not_found", value=name)
    return found


def normalise(row: Row, ctx: Context) -> None:
    client_id = _client(row, ctx)
    name = row.text("name")
    if not name:
        row.error("name", "required")
    values: dict[str, Any] = {"name": name, "role": row.text("role"), "notes": row.text("notes")}
    country = ctx.base.rows[client_id]["country"] if client_id else None
    strict = ctx.options.strict
    phone = row.ident("phone")
    if phone:
        # The client's country alone, then the file's and the company's, then the branches'.
        e164, code, countries = clients.read_phone(phone, ((country,),) + ctx.phone_tiers if country else ctx.phone_tiers)
        if e164 is None:
            row.problem(strict, "phone", code or "phone_not_valid", value=phone, countries=countries)
        else:
            values["phone"] = e164
    email = row.text("email")
    if email:
        try:
            values["email"] = normalise_email(email)
        except EmailError as exc:
            row.problem(strict, "email", "email_not_valid", value=email, reason_code=exc.code)
    for key, limit in (("name", 200), ("role", 100), ("notes", 2000)):
        if values.get(key) and len(values[key]) > limit:
            row.error(key, "too_long", max=limit)
    if row.errors:
        return
    row.target = client_id
    row.values = {"client_id": client_id, "client": ctx.base.rows[client_id]["name"],  # type: ignore[index]
                  **{k: v for k, v in values.items() if v}}
    row.record = {k: v for k, v in values.items() if v}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["name"].casefold() == (b.get("name") or "").casefold()
            or bool(a.get("phone") and a.get("phone") == b.get("phone"))
            or bool(a.get("email") and a.get("email") == b.get("email")))


def match(rows: list[Row], ctx: Context) -> None:
    """A contact already on the client (same name, phone or e-mail) is updated or left as it is; the same
    person twice in the file is kept once."""
    seen: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for row in rows:
        if row.action == "error":
            continue
        assert row.target is not None
        earlier = next((n for n, rec in seen.get(row.target, []) if _same(row.record, rec)), None)
        if earlier is not None:
            row.action, row.reason, row.match = "skip", "duplicate_in_file", {"row": earlier, "by": "contact"}
            continue
        seen.setdefault(row.target, []).append((row.number, row.record))
        existing = next((c for c in ctx.contacts.get(row.target, []) if _same(row.record, c)), None)
        if existing is None:
            row.action = "create"
            row.match = {"id": row.target, "by": "client", "name": ctx.base.rows[row.target]["name"]}
            continue
        row.changes = {k: [existing.get(k), v] for k, v in row.record.items() if v != existing.get(k)}
        row.match = {"id": row.target, "by": "contact", "name": existing["name"]}
        row.action = "update" if row.changes else "unchanged"


def exists(ctx: Context, ident: int) -> bool:
    return ident in ctx.base.rows


def retarget(row: Row, ctx: Context, target: int) -> None:
    """The user chose the client this contact belongs to."""
    row.target = target
    row.values["client_id"], row.values["client"] = target, ctx.base.rows[target]["name"]
    row.action, row.reason, row.changes = "create", None, None
    row.match = {"id": target, "by": "decision", "name": ctx.base.rows[target]["name"]}


def apply(rows: list[Row], ctx: Context) -> tuple[list[int], list[tuple[int, dict[str, Any], int]], dict[str, Any]]:
    """Each touched client gets its new contact list in one update (version, log and all)."""
    by_client: dict[int, list[Row]] = {}
    for row in rows:
        if row.action in ("create", "update"):
            by_client.setdefault(row.target, []).append(row)  # type: ignore[arg-type]
    updated = []
    for client_id, todo in by_client.items():
        client = parties.get_client(ctx.session, ctx.actor, client_id)
        before = parties.present_json(client)
        contacts = [{k: getattr(c, k) for k in _KEEP if getattr(c, k) is not None} for c in client.contacts]
        for row in todo:
            existing = next((c for c in contacts if _same(row.record, c)), None)
            if existing is None:
                contacts.append(dict(row.record))
            else:
                existing.update(row.record)
        patch = party_schemas.ClientPatch.model_validate({"version": client.version, "contacts": contacts}, strict=True)
        client = parties.update_client(ctx.session, ctx.actor, client_id, patch)
        updated.append((client_id, before, client.version))
    return [], updated, {}


def undo_problems(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> list[FieldError]:
    return clients.undo_problems(session, actor, imp, changes)


def undo(session: Session, actor: Actor, imp: Any, changes: list[Any]) -> None:
    for ch in changes:
        clients.restore(session, actor, ch.entity_id, ch.before, ch.version_after)
