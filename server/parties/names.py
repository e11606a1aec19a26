"""Names beside ids in answers: `branch`, `manager`, `counterparty` filled for a page in one query per kind."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable, Optional, get_args

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.validation import Output
from ..org.models import Branch, User
from .models import Counterparty


class NameRef(Output):
    """What an id points to, named: a branch has a code; a user or a counterparty has a name."""

    id: int
    code: Optional[str] = None
    name: str


# answer field → (its id field, the model, the columns read for it)
_KINDS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "branch": ("branch_id", Branch, ("code", "name")),
    "manager": ("manager_id", User, ("name",)),
    "counterparty": ("counterparty_id", Counterparty, ("name",)),
}


def fill_names(session: Session, company_id: int, items: Iterable[BaseModel]) -> None:
    """Set each item's `branch`/`manager`/`counterparty` from its `*_id`, one query per kind for all items.

    Only answer models that declare the field are filled; rows of another company are never named.
    """
    items = list(items)
    for field, (id_field, model, columns) in _KINDS.items():
        # Only a field declared as a NameRef is ours to fill: a report may carry `manager` as a plain name.
        # An item named already (the client card reads its names in its own query) costs no second query.
        holders = [i for i in items if _names(type(i), field) and getattr(i, id_field, None) is not None
                   and getattr(i, field) is None]
        ids = {getattr(i, id_field) for i in holders}
        if not ids:
            continue
        cols = [getattr(model, c) for c in columns]
        rows = session.execute(select(model.id, *cols).where(model.company_id == company_id, model.id.in_(ids)))
        refs = {r[0]: NameRef(id=r[0], **dict(zip(columns, r[1:]))) for r in rows}
        for item in holders:
            setattr(item, field, refs.get(getattr(item, id_field)))


@lru_cache(maxsize=None)
def _names(model: type[BaseModel], field: str) -> bool:
    """Whether `model` declares `field` as a NameRef (optional or not)."""
    info = model.model_fields.get(field)
    return info is not None and NameRef in (info.annotation, *get_args(info.annotation))
