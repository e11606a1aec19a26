"""Organisation API: the company, branches, departments, warehouses, users, my tokens."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..audit.crud import crud_routes
from ..routes import ALL_ROLES, route
from . import schemas, service
from .models import User

bp = Blueprint("org", __name__, url_prefix="/api/v1")


@route(bp, "/company", roles=ALL_ROLES, response=schemas.CompanyOut)
def get_company(session: Session, actor: Actor) -> schemas.CompanyOut:
    """Read my company."""
    return schemas.CompanyOut.model_validate(service.get_company(session, actor))


@route(bp, "/company", method="PATCH", roles=("owner",), body=schemas.CompanyPatch, response=schemas.CompanyOut)
def update_company(session: Session, actor: Actor, body: schemas.CompanyPatch) -> schemas.CompanyOut:
    """Change my company's details."""
    return schemas.CompanyOut.model_validate(service.update_company(session, actor, body))


for plural, entity, names in (
    ("branches", "branch", ("BranchIn", "BranchPatch", "BranchOut", "BranchList")),
    ("departments", "department", ("DepartmentIn", "DepartmentPatch", "DepartmentOut", "DepartmentList")),
    ("warehouses", "warehouse", ("WarehouseIn", "WarehousePatch", "WarehouseOut", "WarehouseList")),
    ("users", "user", ("UserIn", "UserPatch", "UserOut", "UserList")),
):
    s_in, s_patch, s_out, s_list = (getattr(schemas, n) for n in names)
    crud_routes(
        bp, plural, entity, schema_in=s_in, schema_patch=s_patch, schema_out=s_out, schema_list=s_list,
        list_query=schemas.ListQuery, service=service,
        read_roles=ALL_ROLES if entity != "user" else ("owner", "accountant", "hr"),
        write_roles=("owner",) if entity != "department" else ("owner", "hr"),
    )


@route(bp, "/me", roles=ALL_ROLES, response=schemas.UserOut)
def me(session: Session, actor: Actor) -> schemas.UserOut:
    """Who am I: the user behind the token."""
    return schemas.UserOut.model_validate(session.get_one(User, actor.user_id))


@route(bp, "/me/tokens", roles=ALL_ROLES, response=schemas.TokenList)
def list_tokens(session: Session, actor: Actor) -> schemas.TokenList:
    """List my API tokens (never their text)."""
    return schemas.TokenList(items=[schemas.TokenOut.model_validate(t) for t in service.list_tokens(session, actor)])


# Not idempotent: replaying would mean storing the token's text, which is never stored.
@route(bp, "/me/tokens", method="POST", roles=ALL_ROLES, body=schemas.TokenIn, response=schemas.TokenCreated,
       status=201, idempotent=False)
def create_token(session: Session, actor: Actor, body: schemas.TokenIn) -> schemas.TokenCreated:
    """Create a personal API token; its text is in this answer only."""
    token, text = service.create_token(session, actor, body)
    return schemas.TokenCreated(**schemas.TokenOut.model_validate(token).model_dump(), token=text)


@route(bp, "/me/tokens/<int:id>/revoke", method="POST", roles=ALL_ROLES, response=schemas.TokenOut)
def revoke_token(session: Session, actor: Actor, id: int) -> schemas.TokenOut:
    """Revoke one of my tokens."""
    return schemas.TokenOut.model_validate(service.revoke_token(session, actor, id))
