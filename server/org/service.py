"""Rules of the organisation: branches, departments (nested), warehouses, users, tokens."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from ..audit.service import log_change
from ..core import dates
from ..audit import records
from ..core.actor import Actor
from ..core.errors import Conflict, DomainError, ErrorList, FieldError, ValidationFailed
from . import schemas
from .auth import issue_token
from .models import ApiToken, Branch, Company, Department, User, Warehouse


def _present(schema: Any) -> records.Present:
    return lambda obj: schema.model_validate(obj).model_dump(mode="json")


present_company = _present(schemas.CompanyOut)
present_branch = _present(schemas.BranchOut)
present_department = _present(schemas.DepartmentOut)
present_warehouse = _present(schemas.WarehouseOut)
present_user = _present(schemas.UserOut)


def _own_branch(session: Session, actor: Actor, branch_id: int | None, field: str, errors: ErrorList) -> None:
    if branch_id is None:
        return
    branch = session.get(Branch, branch_id)
    if branch is None or branch.company_id != actor.company_id:
        errors.add(field, "unknown_reference", entity="branch", value=branch_id)
    elif not actor.sees_branch(branch_id):
        errors.add(field, "out_of_branch_scope")
    elif branch.archived_at is not None:
        # An archived branch keeps no active warehouses (archive_branch); it takes no new ones either.
        errors.add(field, "archived", entity="branch", id=branch_id)


# --- company -----------------------------------------------------------------------------

def get_company(session: Session, actor: Actor) -> Company:
    return session.get_one(Company, actor.company_id)


def update_company(session: Session, actor: Actor, patch: schemas.CompanyPatch) -> Company:
    company = get_company(session, actor)
    records.check_version(company, patch.version, present_company)
    return records.change(session, actor, company, patch.model_dump(exclude_unset=True, exclude={"version"}), "company")


# --- branches ----------------------------------------------------------------------------

def list_branches(session: Session, actor: Actor, include_archived: bool) -> list[Branch]:
    q = select(Branch).where(Branch.company_id == actor.company_id).order_by(Branch.code)
    if not include_archived:
        q = q.where(Branch.archived_at.is_(None))
    return list(session.scalars(q))


def create_branch(session: Session, actor: Actor, data: schemas.BranchIn) -> Branch:
    errors = ErrorList()
    records.check_unique(session, Branch, actor.company_id, "code", data.code, None, errors)
    errors.raise_if_any()
    return records.create(session, actor, Branch(company_id=actor.company_id, **data.model_dump()), "branch")


def update_branch(session: Session, actor: Actor, branch_id: int, patch: schemas.BranchPatch) -> Branch:
    branch = records.get_versioned(session, actor, Branch, branch_id, "branch", patch.version, present_branch)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    if "code" in changes:
        records.check_unique(session, Branch, actor.company_id, "code", changes["code"], branch.id, errors)
    errors.raise_if_any()
    return records.change(session, actor, branch, changes, "branch")


def archive_branch(session: Session, actor: Actor, branch_id: int, version: int) -> Branch:
    branch = records.get_versioned(session, actor, Branch, branch_id, "branch", version, present_branch)
    active = session.scalar(
        select(func.count()).select_from(Warehouse).where(Warehouse.branch_id == branch.id, Warehouse.archived_at.is_(None))
    )
    if active:
        raise Conflict("has_children", params={"children": "warehouses"})
    return records.archive(session, actor, branch, "branch")


# --- departments -------------------------------------------------------------------------

def list_departments(session: Session, actor: Actor, include_archived: bool) -> list[Department]:
    q = select(Department).where(Department.company_id == actor.company_id).order_by(Department.id)
    if actor.branch_ids:
        # The same rule as reading one (records.get_owned): company-wide ones plus those in scope.
        q = q.where(or_(Department.branch_id.is_(None), Department.branch_id.in_(actor.branch_ids)))
    if not include_archived:
        q = q.where(Department.archived_at.is_(None))
    return list(session.scalars(q))


def _check_parent(session: Session, actor: Actor, dept_id: int | None, parent_id: int | None, errors: ErrorList) -> None:
    if parent_id is None:
        return
    parent = session.get(Department, parent_id)
    if parent is None or parent.company_id != actor.company_id:
        errors.add("parent_id", "unknown_reference", entity="department", value=parent_id)
        return
    if parent.archived_at is not None:
        errors.add("parent_id", "archived", entity="department", id=parent_id)
        return
    if records.is_own_ancestor(session, Department, dept_id, parent):
        errors.add("parent_id", "cycle")


def create_department(session: Session, actor: Actor, data: schemas.DepartmentIn) -> Department:
    errors = ErrorList()
    _own_branch(session, actor, data.branch_id, "branch_id", errors)
    _check_parent(session, actor, None, data.parent_id, errors)
    errors.raise_if_any()
    return records.create(session, actor, Department(company_id=actor.company_id, **data.model_dump()), "department")


def update_department(session: Session, actor: Actor, dept_id: int, patch: schemas.DepartmentPatch) -> Department:
    dept = records.get_versioned(session, actor, Department, dept_id, "department", patch.version, present_department)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    if "branch_id" in changes:
        _own_branch(session, actor, changes["branch_id"], "branch_id", errors)
    if "parent_id" in changes:
        _check_parent(session, actor, dept.id, changes["parent_id"], errors)
    errors.raise_if_any()
    return records.change(session, actor, dept, changes, "department")


def archive_department(session: Session, actor: Actor, dept_id: int, version: int) -> Department:
    dept = records.get_versioned(session, actor, Department, dept_id, "department", version, present_department)
    children = session.scalar(
        select(func.count()).select_from(Department).where(Department.parent_id == dept.id, Department.archived_at.is_(None))
    )
    if children:
        raise Conflict("has_children", params={"children": "departments"})
    return records.archive(session, actor, dept, "department")


# --- warehouses --------------------------------------------------------------------------

def list_warehouses(session: Session, actor: Actor, include_archived: bool) -> list[Warehouse]:
    q = select(Warehouse).where(Warehouse.company_id == actor.company_id).order_by(Warehouse.code)
    if actor.branch_ids:
        q = q.where(Warehouse.branch_id.in_(actor.branch_ids))
    if not include_archived:
        q = q.where(Warehouse.archived_at.is_(None))
    return list(session.scalars(q))


def create_warehouse(session: Session, actor: Actor, data: schemas.WarehouseIn) -> Warehouse:
    errors = ErrorList()
    records.check_unique(session, Warehouse, actor.company_id, "code", data.code, None, errors)
    _own_branch(session, actor, data.branch_id, "branch_id", errors)
    errors.raise_if_any()
    return records.create(session, actor, Warehouse(company_id=actor.company_id, **data.model_dump()), "warehouse")


def update_warehouse(session: Session, actor: Actor, wh_id: int, patch: schemas.WarehousePatch) -> Warehouse:
    wh = records.get_versioned(session, actor, Warehouse, wh_id, "warehouse", patch.version, present_warehouse)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()
    if "code" in changes:
        records.check_unique(session, Warehouse, actor.company_id, "code", changes["code"], wh.id, errors)
    if "branch_id" in changes:
        _own_branch(session, actor, changes["branch_id"], "branch_id", errors)
    errors.raise_if_any()
    return records.change(session, actor, wh, changes, "warehouse")


def archive_warehouse(session: Session, actor: Actor, wh_id: int, version: int) -> Warehouse:
    wh = records.get_versioned(session, actor, Warehouse, wh_id, "warehouse", version, present_warehouse)
    return records.archive(session, actor, wh, "warehouse")


# --- users and tokens --------------------------------------------------------------------

def list_users(session: Session, actor: Actor, include_archived: bool) -> list[User]:
    q = select(User).where(User.company_id == actor.company_id).order_by(User.id)
    if not include_archived:
        q = q.where(User.archived_at.is_(None))
    return list(session.scalars(q))


def _branches(session: Session, actor: Actor, ids: list[int], errors: ErrorList) -> list[Branch]:
    found = []
    for i, bid in enumerate(ids):
        b = session.get(Branch, bid)
        if b is None or b.company_id != actor.company_id:
            errors.add(f"branch_ids.{i}", "unknown_reference", entity="branch", value=bid)
        else:
            found.append(b)
    if len(set(ids)) != len(ids):
        errors.add("branch_ids", "duplicate_in_request")
    return found


def create_user(session: Session, actor: Actor, data: schemas.UserIn) -> User:
    errors = ErrorList()
    email = data.email.lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        errors.add("email", "already_exists")
    branches = _branches(session, actor, data.branch_ids, errors)
    errors.raise_if_any()
    user = User(company_id=actor.company_id, email=email, name=data.name, role=data.role, language=data.language)
    user.branches = branches
    session.add(user)
    session.flush()
    log_change(session, actor, "user", user.id, "create", None, _user_snapshot(user))
    return user


def _user_snapshot(user: User) -> dict[str, Any]:
    # The branch scope lives in a link table, so records.snapshot() alone would not show it in the log.
    return {**records.snapshot(user), "branch_ids": user.branch_ids}


def update_user(session: Session, actor: Actor, user_id: int, patch: schemas.UserPatch) -> User:
    user = records.get_versioned(session, actor, User, user_id, "user", patch.version, present_user)
    changes = patch.model_dump(exclude_unset=True, exclude={"version", "branch_ids"})
    errors = ErrorList()
    for key in ("name", "role", "language", "is_active"):
        if key in changes and changes[key] is None:
            errors.add(key, "required")
    branches = _branches(session, actor, patch.branch_ids or [], errors) if "branch_ids" in patch.model_fields_set else None
    if user.role == "owner" and _active_owners(session, actor.company_id, excluding=user.id) == 0:
        # Name the field that would leave the company without an active owner.
        if changes.get("role", "owner") != "owner":
            errors.add("role", "last_owner")
        if changes.get("is_active") is False:
            errors.add("is_active", "last_owner")
    errors.raise_if_any()
    before = _user_snapshot(user)
    for key, value in changes.items():
        setattr(user, key, value)
    if branches is not None and sorted(b.id for b in branches) != before["branch_ids"]:
        user.branches = branches
        # A scope change touches only the link table; mark the row so the version moves like any change.
        user.updated_at = dates.now()
        flag_modified(user, "updated_at")
    session.flush()
    after = _user_snapshot(user)
    if after != before:
        log_change(session, actor, "user", user.id, "update", before, after)
    return user


def _active_owners(session: Session, company_id: int, excluding: int) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(
            User.company_id == company_id, User.role == "owner", User.is_active.is_(True),
            User.archived_at.is_(None), User.id != excluding,
        )
    ) or 0


def archive_user(session: Session, actor: Actor, user_id: int, version: int) -> User:
    user = records.get_versioned(session, actor, User, user_id, "user", version, present_user)
    if user.role == "owner" and _active_owners(session, actor.company_id, excluding=user.id) == 0:
        raise Conflict("last_owner")
    return records.archive(session, actor, user, "user")


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)))


def create_token(session: Session, actor: Actor, data: schemas.TokenIn) -> tuple[ApiToken, str]:
    if data.expires_at is not None and data.expires_at.tzinfo is None:
        raise ValidationFailed(errors=[FieldError("expires_at", "invalid_datetime")])
    return issue_token_for(session, actor, session.get_one(User, actor.user_id), data)


def issue_token_for(session: Session, actor: Actor, user: User, data: schemas.TokenIn) -> tuple[ApiToken, str]:
    """A token for `user` (the actor's own, or any user when the CLI acts as the system); logged, never its text."""
    if user.company_id != actor.company_id:
        raise DomainError("not_found", status=404, params={"entity": "user", "id": user.id})
    if not user.is_active or user.archived_at is not None:
        # Its token would be refused on every request anyway.
        raise Conflict("archived", params={"entity": "user", "id": user.email})
    # Timestamps are aware UTC everywhere; without this the answer would echo the caller's offset.
    expires_at = data.expires_at.astimezone(dt.timezone.utc) if data.expires_at is not None else None
    token, text = issue_token(session, user, data.name, expires_at)
    log_change(session, actor, "api_token", token.id, "create", None,
               {"name": token.name, "prefix": token.prefix, "user_id": user.id})
    return token, text


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.user_id:
        raise DomainError("not_found", status=404, params={"entity": "token", "id": token_id})
    if token.revoked_at is None:
        token.revoked_at = dates.now()
        log_change(session, actor, "api_token", token.id, "revoke", None, {"prefix": token.prefix})
    return token


MODELS = {"branch": Branch, "department": Department, "warehouse": Warehouse, "user": User}
