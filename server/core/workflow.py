"""A declared state machine per record kind: its states, its named moves, and the one refusal of an illegal move."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, Optional, TypeVar

from .errors import Conflict

F = TypeVar("F", bound=Callable[..., Any])

# What the refusal says when a state allows no move at all (a cancelled invoice, a paid run).
NO_MOVES = "—"


class Workflow:
    """The life of one kind of record, as data (Tryton's `_transitions`, with each move named).

    `moves` maps an action to (the states it starts from, the state it leads to); a target of None
    means the action needs one of those states but keeps it (editing a draft, allocating a posted
    payment). The services call `check` (or `move`) before they change anything, so an illegal
    move is refused the same way everywhere: 409 `invalid_state`, naming the record, its state and
    the moves that state allows.
    """

    def __init__(self, entity: str, states: tuple[str, ...],
                 moves: Mapping[str, tuple[tuple[str, ...], Optional[str]]], *, field: str = "status") -> None:
        for action, (froms, to) in moves.items():
            # A typo in a declaration would silently refuse (or allow) a move: fail at import instead.
            if not isinstance(froms, tuple) or not froms:
                raise ValueError(f"{entity}.{action}: the states it starts from must be a non-empty tuple")
            unknown = (set(froms) | ({to} if to is not None else set())) - set(states)
            if unknown:
                raise ValueError(f"{entity}.{action}: unknown states {sorted(unknown)}")
        self.entity = entity
        self.states = states
        self.moves = dict(moves)
        self.field = field

    def allowed(self, state: str) -> list[str]:
        """The actions `state` allows, in the order they are declared."""
        return [action for action, (froms, _to) in self.moves.items() if state in froms]

    def can(self, state: str, action: str) -> bool:
        """Whether `state` allows `action`; an action this kind does not have is allowed from nowhere."""
        return action in self.moves and state in self.moves[action][0]

    def target(self, action: str, state: str) -> str:
        """Where `action` leads from `state` (the same state for an action that keeps it)."""
        to = self.moves[action][1]
        return state if to is None else to

    def state_of(self, record: Any) -> str:
        return str(getattr(record, self.field))

    def params(self, record: Any, action: str, *, state: Optional[str] = None) -> dict[str, Any]:
        """The refusal's named parameters, also for a field error that reports it among others."""
        state = self.state_of(record) if state is None else state
        return {"entity": self.entity, "id": getattr(record, "id", None), "status": state, "action": action,
                "allowed": ", ".join(self.allowed(state)) or NO_MOVES}

    def refusal(self, record: Any, action: str, *, state: Optional[str] = None) -> Conflict:
        """The 409 for `action` on `record`; the allowed moves also come as a list, for programs."""
        params = self.params(record, action, state=state)
        return Conflict("invalid_state", params=params, extra={"allowed": self.allowed(params["status"])})

    def check(self, record: Any, action: str, *, state: Optional[str] = None) -> None:
        """Refuse `action` unless the record's state (or the `state` given for it) allows it."""
        current = self.state_of(record) if state is None else state
        if not self.can(current, action):
            raise self.refusal(record, action, state=current)

    def move(self, record: Any, action: str) -> str:
        """Check `action`, then set the record's state to where it leads; answers the new state."""
        self.check(record, action)
        to = self.target(action, self.state_of(record))
        setattr(record, self.field, to)
        return to

    def transition(self, action: str, *, record: str) -> Callable[[F], F]:
        """Decorate a function that performs `action` on its argument named `record`: it runs only when the
        record's state allows the action (Tryton's `@Workflow.transition`); the body writes the new state."""
        def decorate(fn: F) -> F:
            signature = inspect.signature(fn)
            if record not in signature.parameters:
                raise TypeError(f"{fn.__name__} has no argument {record!r}")

            @wraps(fn)
            def checked(*args: Any, **kwargs: Any) -> Any:
                self.check(signature.bind(*args, **kwargs).arguments[record], action)
                return fn(*args, **kwargs)
            return checked  # type: ignore[return-value]
        return decorate
