"""Posted records refuse edits in the ORM itself: once posted, only their settlement fields move."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

# model class → (attribute holding the state, states that freeze, attributes that may still change)
_FROZEN: dict[type, tuple[str, frozenset[str], frozenset[str]]] = {}

# Bookkeeping every versioned record carries; changing it alone changes nothing a user sees.
_ALWAYS_MUTABLE = frozenset({"version", "updated_at"})


class PostedRecordChanged(RuntimeError):
    """A service tried to edit a posted record. A bug, never a user error: routes answer 409 first."""


def freeze_when_posted(model: type, *, state: str, frozen_states: set[str], mutable: set[str]) -> None:
    """Declare that `model` rows in `frozen_states` may only change `mutable` attributes, never be deleted."""
    _FROZEN[model] = (state, frozenset(frozen_states), frozenset(mutable) | _ALWAYS_MUTABLE)


@event.listens_for(Session, "before_flush")
def _refuse_edits_of_posted(session: Session, _ctx: Any, _instances: Any) -> None:
    # Invariant that cannot be skipped: posted documents change only through their settlement fields.
    for obj in session.dirty:
        rule = _FROZEN.get(type(obj))
        if rule is None:
            continue
        state_attr, frozen_states, mutable = rule
        insp = inspect(obj)
        was = insp.attrs[state_attr].history.deleted
        previous_state = was[0] if was else getattr(obj, state_attr)
        if previous_state not in frozen_states:
            continue
        changed = {a.key for a in insp.attrs if a.history.has_changes()} - mutable - {state_attr}
        if changed:
            raise PostedRecordChanged(f"{type(obj).__name__} {obj.id} is {previous_state}: {sorted(changed)} cannot change")
    for obj in session.deleted:
        rule = _FROZEN.get(type(obj))
        if rule is not None and getattr(obj, rule[0]) in rule[1]:
            raise PostedRecordChanged(f"{type(obj).__name__} {obj.id} is posted and cannot be deleted")
