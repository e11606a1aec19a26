"""The declared state machine: legal moves pass, an illegal one is the same 409 naming the state and its moves."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import pytest

from server.core.errors import Conflict
from server.core.i18n import translate
from server.core.workflow import NO_MOVES, Workflow
from server.documents.models import SIGNING
from server.finance.models import PAYMENT, TRANSFER
from server.hr.models import MONEY_REQUEST, TIME_REQUEST
from server.imports.models import IMPORT
from server.payroll.models import RUN
from server.sales.models import CREDIT_NOTE, INVOICE, ORDER

STATES = ("draft", "posted", "paid", "cancelled")
FLOW = Workflow("invoice", STATES, {
    "post": (("draft",), "posted"),
    "cancel": (("draft", "posted"), "cancelled"),
    "allocate": (("posted",), None),
})


@dataclass
class Rec:
    id: Optional[int]
    status: str


def _refused(flow: Workflow, record: Any, action: str, **kw: Any) -> Conflict:
    with pytest.raises(Conflict) as caught:
        flow.check(record, action, **kw)
    return caught.value


def test_a_legal_move_passes_and_moves_the_record() -> None:
    rec = Rec(7, "draft")
    FLOW.check(rec, "post")
    assert FLOW.move(rec, "post") == "posted" and rec.status == "posted"
    # An action that keeps the state needs it, and leaves it.
    assert FLOW.move(rec, "allocate") == "posted" and rec.status == "posted"
    assert FLOW.move(rec, "cancel") == "cancelled" and rec.status == "cancelled"


def test_an_illegal_move_is_a_409_naming_the_record_its_state_and_the_allowed_moves() -> None:
    rec = Rec(7, "posted")
    err = _refused(FLOW, rec, "post")
    assert (err.status, err.code) == (409, "invalid_state")
    assert err.params == {"entity": "invoice", "id": 7, "status": "posted", "action": "post",
                          "allowed": "cancel, allocate"}
    assert err.extra == {"allowed": ["cancel", "allocate"]}
    assert translate(err.code, "en", **err.params) == (
        "invoice 7 is posted: post is not allowed; the moves allowed from posted: cancel, allocate.")
    assert rec.status == "posted"
    with pytest.raises(Conflict):
        FLOW.move(rec, "post")
    assert rec.status == "posted"


def test_a_state_without_moves_says_so_and_an_unknown_action_is_refused() -> None:
    err = _refused(FLOW, Rec(3, "cancelled"), "cancel")
    assert err.params["allowed"] == NO_MOVES and err.extra == {"allowed": []}
    # A kind without the action (a transfer is never allocated) refuses it from every state.
    err = _refused(FLOW, Rec(3, "draft"), "credit")
    assert err.params["action"] == "credit" and err.params["allowed"] == "post, cancel"


def test_a_state_given_for_a_record_without_a_status_column() -> None:
    err = _refused(FLOW, Rec(5, "draft"), "allocate", state="paid")
    assert err.params["status"] == "paid" and err.params["allowed"] == NO_MOVES
    FLOW.check(Rec(5, "paid"), "allocate", state="posted")


def test_the_refusal_is_translated_with_its_placeholders() -> None:
    err = _refused(FLOW, Rec(7, "posted"), "post")
    for lang in ("km", "ru"):
        text = translate(err.code, lang, **err.params)
        assert "{" not in text and "7" in text and "cancel, allocate" in text and text != translate(
            err.code, "en", **err.params)


def test_declarations_are_checked_when_they_are_made() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        Workflow("order", STATES, {"ship": (("draft",), "shipped")})
    with pytest.raises(ValueError, match="non-empty tuple"):
        Workflow("order", STATES, {"post": ("draft", "posted")})  # type: ignore[dict-item]


def test_allowed_moves_and_targets_are_the_declared_ones() -> None:
    assert FLOW.allowed("draft") == ["post", "cancel"] and FLOW.target("allocate", "posted") == "posted"


def test_the_transition_decorator_runs_the_body_only_from_an_allowed_state() -> None:
    ran: list[int] = []

    @FLOW.transition("post", record="inv")
    def post(session: Any, inv: Rec, *, note: str = "") -> str:
        ran.append(inv.id or 0)
        inv.status = "posted"
        return note

    assert post(None, Rec(1, "draft"), note="ok") == "ok" and ran == [1]
    with pytest.raises(Conflict) as caught:
        post(None, inv=Rec(2, "posted"))
    assert caught.value.params["status"] == "posted" and ran == [1]
    with pytest.raises(TypeError):
        FLOW.transition("post", record="invoice")(post.__wrapped__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("flow,state,allowed", [
    (ORDER, "draft", ["confirm", "cancel", "edit"]),
    (ORDER, "invoiced", ["invoice", "close", "cancel"]),
    (ORDER, "closed", []),
    (INVOICE, "posted", ["cancel", "credit", "allocate"]),
    (INVOICE, "paid", ["credit"]),
    (CREDIT_NOTE, "posted", ["cancel", "allocate"]),
    (PAYMENT, "posted", ["edit", "cancel", "allocate"]),
    (TRANSFER, "posted", ["edit", "cancel"]),
    (RUN, "draft", ["calculate"]),
    (RUN, "approved", ["reopen", "post"]),
    (RUN, "paid", []),
    (IMPORT, "planned", ["commit"]),
    (IMPORT, "undone", []),
    (SIGNING, "sent", ["signed_by_us", "signed_by_both", "original_received"]),
    (SIGNING, "original_received", []),
    (TIME_REQUEST, "approved", ["cancel"]),
    (MONEY_REQUEST, "approved", ["cancel", "pay"]),
])
def test_each_kind_declares_its_moves(flow: Workflow, state: str, allowed: list[str]) -> None:
    assert flow.allowed(state) == allowed
