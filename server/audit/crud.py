"""List/create/read/update/archive routes for the simple versioned record kinds, declared in one call."""
from __future__ import annotations

from typing import Any, Iterable

from flask import Blueprint
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.validation import page
from ..routes import VersionIn, route
from .records import get_owned


def crud_routes(
    bp: Blueprint, plural: str, entity: str, *, schema_in: type[BaseModel], schema_patch: type[BaseModel],
    schema_out: type[BaseModel], schema_list: type[BaseModel], list_query: type[BaseModel],
    service: Any, read_roles: Iterable[str], write_roles: Iterable[str], old_plurals: Iterable[str] = (),
) -> None:
    """List/create/read/update/archive routes for a simple versioned record kind.

    `service` names the functions list_<plural>, create_<entity>, update_<entity>, archive_<entity>
    (a hyphen in the path's plural, as in `cashflow-categories`, is an underscore in the names).
    `old_plurals` are former spellings of the path, answered as deprecated aliases.
    """
    read_roles, write_roles = tuple(read_roles), tuple(write_roles)
    list_fn = getattr(service, f"list_{plural.replace('-', '_')}")
    create_fn = getattr(service, f"create_{entity}")
    update_fn = getattr(service, f"update_{entity}")
    archive_fn = getattr(service, f"archive_{entity}")
    model = schema_out

    def list_view(session: Session, actor: Actor, query: Any) -> Any:
        return schema_list(items=[model.model_validate(o) for o in page(list_fn(session, actor, query.include_archived), query)])

    def create_view(session: Session, actor: Actor, body: Any) -> Any:
        return model.model_validate(create_fn(session, actor, body))

    def get_view(session: Session, actor: Actor, id: int) -> Any:
        return model.model_validate(get_owned(session, actor, _model_of(service, entity), id, entity))

    def update_view(session: Session, actor: Actor, id: int, body: Any) -> Any:
        return model.model_validate(update_fn(session, actor, id, body))

    def archive_view(session: Session, actor: Actor, id: int, body: VersionIn) -> Any:
        return model.model_validate(archive_fn(session, actor, id, body.version))

    label = entity.replace("_", " ")
    for fn, doc in (
        (list_view, f"List the {plural.replace('-', ' ')}."), (create_view, f"Create a {label}."), (get_view, f"Read one {label}."),
        (update_view, f"Change a {label} (needs its current version)."), (archive_view, f"Archive a {label}."),
    ):
        fn.__doc__ = doc
        fn.__name__ = f"{fn.__name__.replace('_view', '')}_{entity}"
    old = tuple(old_plurals)

    def aliases(tail: str) -> tuple[str, ...]:
        return tuple(f"/{o}{tail}" for o in old)

    route(bp, f"/{plural}", roles=read_roles, query=list_query, response=schema_list, aliases=aliases(""))(list_view)
    route(bp, f"/{plural}", method="POST", roles=write_roles, body=schema_in, response=model, status=201,
          aliases=aliases(""))(create_view)
    route(bp, f"/{plural}/<int:id>", roles=read_roles, response=model, aliases=aliases("/<int:id>"))(get_view)
    route(bp, f"/{plural}/<int:id>", method="PATCH", roles=write_roles, body=schema_patch, response=model,
          aliases=aliases("/<int:id>"))(update_view)
    route(bp, f"/{plural}/<int:id>/archive", method="POST", roles=write_roles, body=VersionIn, response=model,
          aliases=aliases("/<int:id>/archive"))(archive_view)


def _model_of(service: Any, entity: str) -> Any:
    return getattr(service, "MODELS")[entity]
