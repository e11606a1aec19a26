"""Reference lists of the client base: segments, lead sources, extra fields, tags."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import records
from ..core.actor import Actor
from ..core.errors import ErrorList
from . import schemas
from .models import ExtraField, LeadSource, Segment, Tag


def _code_list(model: Any, entity: str, out: Any) -> SimpleNamespace:
    """list/create/update/archive for a company-scoped list with a unique code and a name."""
    present = lambda obj: out.model_validate(obj).model_dump(mode="json")  # noqa: E731

    def _unique_code(session: Session, actor: Actor, code: str, exclude: int | None) -> None:
        q = select(model.id).where(model.company_id == actor.company_id, model.code == code)
        if exclude is not None:
            q = q.where(model.id != exclude)
        if session.scalar(q) is not None:
            errors = ErrorList()
            errors.add("code", "already_exists")
            errors.raise_if_any()

    def list_(session: Session, actor: Actor, include_archived: bool) -> list[Any]:
        q = select(model).where(model.company_id == actor.company_id).order_by(model.code)
        if not include_archived:
            q = q.where(model.archived_at.is_(None))
        return list(session.scalars(q))

    def create(session: Session, actor: Actor, data: Any) -> Any:
        _unique_code(session, actor, data.code, None)
        return records.create(session, actor, model(company_id=actor.company_id, **data.model_dump()), entity)

    def update(session: Session, actor: Actor, id: int, patch: Any) -> Any:
        obj = records.get_versioned(session, actor, model, id, entity, patch.version, present)
        changes = patch.model_dump(exclude_unset=True, exclude={"version"})
        if "code" in changes:
            _unique_code(session, actor, changes["code"], obj.id)
        return records.change(session, actor, obj, changes, entity)

    def archive(session: Session, actor: Actor, id: int, version: int) -> Any:
        obj = records.get_versioned(session, actor, model, id, entity, version, present)
        return records.archive(session, actor, obj, entity)

    return SimpleNamespace(list=list_, create=create, update=update, archive=archive, model=model)


segments = _code_list(Segment, "segment", schemas.RefOut)
lead_sources = _code_list(LeadSource, "lead_source", schemas.RefOut)

# crud_routes looks functions up by name.
list_segments, create_segment, update_segment, archive_segment = (
    segments.list, segments.create, segments.update, segments.archive)
list_lead_sources, create_lead_source, update_lead_source, archive_lead_source = (
    lead_sources.list, lead_sources.create, lead_sources.update, lead_sources.archive)


def _present_extra(obj: ExtraField) -> dict[str, Any]:
    return schemas.ExtraFieldOut.model_validate(obj).model_dump(mode="json")


def list_extra_fields(session: Session, actor: Actor, include_archived: bool) -> list[ExtraField]:
    q = select(ExtraField).where(ExtraField.company_id == actor.company_id).order_by(ExtraField.key)
    if not include_archived:
        q = q.where(ExtraField.archived_at.is_(None))
    return list(session.scalars(q))


def _check_choices(type_: str, choices: list[str] | None, errors: ErrorList) -> None:
    if type_ == "choice" and not choices:
        errors.add("choices", "required")


def create_extra_field(session: Session, actor: Actor, data: schemas.ExtraFieldIn) -> ExtraField:
    errors = ErrorList()
    if session.scalar(select(ExtraField.id).where(ExtraField.company_id == actor.company_id, ExtraField.key == data.key)):
        errors.add("key", "already_exists")
    _check_choices(data.type, data.choices, errors)
    errors.raise_if_any()
    return records.create(session, actor, ExtraField(company_id=actor.company_id, **data.model_dump()), "extra_field")


def update_extra_field(session: Session, actor: Actor, id: int, patch: schemas.ExtraFieldPatch) -> ExtraField:
    obj = records.get_versioned(session, actor, ExtraField, id, "extra_field", patch.version, _present_extra)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    for key in ("label", "required"):
        if key in changes and changes[key] is None:
            errors.add(key, "required")
    if "choices" in changes:
        _check_choices(obj.type, changes["choices"], errors)
    errors.raise_if_any()
    return records.change(session, actor, obj, changes, "extra_field")


def archive_extra_field(session: Session, actor: Actor, id: int, version: int) -> ExtraField:
    obj = records.get_versioned(session, actor, ExtraField, id, "extra_field", version, _present_extra)
    return records.archive(session, actor, obj, "extra_field")


def list_tags(session: Session, actor: Actor) -> list[Tag]:
    return list(session.scalars(select(Tag).where(Tag.company_id == actor.company_id).order_by(Tag.name)))


MODELS = {"segment": Segment, "lead_source": LeadSource, "extra_field": ExtraField}
