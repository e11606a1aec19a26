"""Staff requests: leave approved or rejected with who and when, self-service, advances paid from the books."""
from __future__ import annotations

import datetime as dt
from typing import Any

from server.core import dates
from server.finance.models import Payment
from server.hr.service import approved_absences
from server.ledger.models import Account, JournalEntry

from tests.factories import D, REQUESTS, event, make_cash, make_employee, posted_payroll, problem

NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc)


def ask(api: Any, employee_id: int, kind: str = "vacation", date_from: str = "2026-03-10",
        date_to: str = "2026-03-14", **extra: Any) -> dict[str, Any]:
    r = api.post(REQUESTS, {"employee_id": employee_id, "kind": kind, "date_from": date_from, "date_to": date_to,
                            **extra})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def decide(api: Any, req: dict[str, Any], action: str, **extra: Any) -> Any:
    return api.post(f"{REQUESTS}/{req['id']}/{action}", {"version": req["version"], **extra})


def entry_lines(db: Any, entry_id: int) -> list[tuple[str, Any, Any]]:
    """(account role, debit, credit) of an entry's lines."""
    with db.read_session() as s:
        entry = s.get_one(JournalEntry, entry_id)
        return sorted((s.get_one(Account, l.account_id).role or "", l.debit, l.credit) for l in entry.lines)


def test_vacation_is_approved_or_rejected_with_who_and_when(api: Any, world: Any, db: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    emp = make_employee(hr, world)
    first = ask(hr, emp["id"], reason="Family visit")
    assert (first["status"], first["requested_by"], first["decided_by"], first["amount"]) == (
        "pending", world.users["hr"], None, None)

    # An accountant decides money, not leave.
    problem(decide(api.as_(world.tokens["accountant"]), first, "approve"), 403, "request_decision_forbidden")
    problem(decide(api.as_(world.tokens["sales"]), first, "approve"), 403, "role_forbidden")
    with dates.frozen(NOON):
        r = decide(api, first, "approve", note="Enjoy")
    assert r.status_code == 200, r.json
    approved = r.json
    assert (approved["status"], approved["decided_by"], approved["decision_note"]) == ("approved", world.users["owner"],
                                                                                     "Enjoy")
    assert dt.datetime.fromisoformat(approved["decided_at"]) == NOON
    body = problem(decide(hr, approved, "reject"), 409, "invalid_state")
    assert body["params"] == {"entity": "staff_request", "id": approved["id"], "status": "approved",
                              "action": "reject", "allowed": "cancel"}
    assert body["allowed"] == ["cancel"]

    second = ask(hr, emp["id"], "sick_leave", "2026-03-20", "2026-03-21")
    with dates.frozen(NOON):
        rejected = decide(hr, second, "reject", note="No certificate").json
    assert (rejected["status"], rejected["decided_by"], rejected["decision_note"]) == (
        "rejected", world.users["hr"], "No certificate")
    assert dt.datetime.fromisoformat(rejected["decided_at"]) == NOON

    listed = hr.get(REQUESTS, query_string={"status": "approved"}).json
    assert listed["total"] == 1 and [q["id"] for q in listed["items"]] == [first["id"]]
    assert hr.get(REQUESTS, query_string={"date_from": "2026-03-15"}).json["total"] == 1
    # Approved leave reaches the timesheet; the rejected one does not.
    with db.read_session() as s:
        found = approved_absences(s, world.company_id, [emp["id"]], dt.date(2026, 3, 1), dt.date(2026, 3, 31))
        assert [(r.id, r.kind) for r in found] == [(first["id"], "vacation")]
        assert approved_absences(s, world.company_id, [emp["id"]], dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == []


def test_leave_may_not_overlap_approved_leave(api: Any, world: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    emp = make_employee(hr, world)
    a = ask(hr, emp["id"], date_from="2026-03-10", date_to="2026-03-14")
    b = ask(hr, emp["id"], "unpaid_leave", date_from="2026-03-14", date_to="2026-03-16")  # pending may overlap
    assert decide(hr, a, "approve").status_code == 200
    with unchanged():
        problem(decide(hr, b, "approve"), 409, "leave_overlaps", fields={"date_from": "leave_overlaps"})
        r = hr.post(REQUESTS, {"employee_id": emp["id"], "kind": "sick_leave", "date_from": "2026-03-12",
                               "date_to": "2026-03-12"})
        problem(r, 409, "leave_overlaps", fields={"date_from": "leave_overlaps"})
    # Overtime is not leave.
    ask(hr, emp["id"], "overtime", "2026-03-12", "2026-03-12", hours="2.5")


def test_an_advance_is_approved_paid_and_booked(api: Any, world: Any, db: Any) -> None:
    hr, books = api.as_(world.tokens["hr"]), api.as_(world.tokens["accountant"])
    emp = make_employee(hr, world, full_name="Dara Sok")
    cash = make_cash(api, world, "PP-CASH")
    req = ask(hr, emp["id"], "advance", "2026-03-15", "2026-03-15", amount="300.00", reason="Rent")
    assert (D(req["amount"]), req["currency"]) == (D("300.00"), "USD")
    req = decide(books, req, "approve").json
    assert (req["status"], req["decided_by"]) == ("approved", world.users["accountant"])

    problem(decide(hr, req, "pay", cash_account_id=cash, date="2026-03-16"), 403, "role_forbidden")
    r = decide(books, req, "pay", cash_account_id=cash, date="2026-03-16")
    assert r.status_code == 200, r.json
    paid = r.json
    assert paid["status"] == "paid" and paid["payment_id"]
    payment = books.get(f"/api/v1/payments/{paid['payment_id']}").json
    assert (payment["status"], D(payment["amount"]), payment["date"], payment["counterparty_id"]) == (
        "posted", D("300.00"), "2026-03-16", None)
    assert "E00001 Dara Sok" in payment["memo"]
    assert entry_lines(db, payment["entry_id"]) == [("cash", D(0), D("300.00")), ("salaries_payable", D("300.00"), D(0))]
    with db.read_session() as s:
        entry = s.get_one(JournalEntry, payment["entry_id"])
        assert (entry.source_type, entry.source_id) == ("staff_request", req["id"])
        assert s.get_one(Payment, paid["payment_id"]).status == "posted"
        # The payroll of March deducts it; February's does not see it.
        found = approved_absences(s, world.company_id, [emp["id"]], dt.date(2026, 3, 1), dt.date(2026, 3, 31))
        assert [(r.id, r.status) for r in found] == [(req["id"], "paid")]
        assert approved_absences(s, world.company_id, [emp["id"]], dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == []
    # Paid is final: neither paid twice nor cancelled.
    problem(decide(books, paid, "pay", cash_account_id=cash, date="2026-03-16"), 409, "invalid_state")
    problem(decide(hr, paid, "cancel"), 409, "invalid_state")


def test_self_service_for_ones_own_employee_only(api: Any, world: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    mine = make_employee(hr, world, full_name="Sales Person", user_id=world.users["sales"])
    other = make_employee(hr, world, full_name="Someone Else")
    seller = api.as_(world.tokens["sales"])

    req = ask(seller, mine["id"], "overtime", "2026-03-07", "2026-03-07", hours="3")
    assert (req["requested_by"], D(req["hours"])) == (world.users["sales"], D(3))
    with unchanged():
        r = seller.post(REQUESTS, {"employee_id": other["id"], "kind": "vacation", "date_from": "2026-03-10",
                                   "date_to": "2026-03-11"})
        problem(r, 403, "own_requests_only", fields={"employee_id": "own_requests_only"})
        problem(seller.post(REQUESTS, {"employee_id": 999999, "kind": "vacation", "date_from": "2026-03-10",
                                       "date_to": "2026-03-11"}), 403, "own_requests_only")
        problem(decide(seller, req, "approve"), 403, "role_forbidden")
    theirs = ask(hr, other["id"])
    # What a seller sees is their own.
    assert [q["id"] for q in seller.get(REQUESTS).json["items"]] == [req["id"]]
    problem(seller.get(f"{REQUESTS}/{theirs['id']}"), 404, "not_found")
    problem(api.as_(world.tokens["warehouse"]).post(f"{REQUESTS}/{req['id']}/cancel", {"version": req["version"]}),
            404, "not_found")
    r = decide(seller, req, "cancel")
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    # Someone else's request the seller cannot even find; one HR filed for them is not theirs to cancel.
    problem(decide(seller, theirs, "cancel"), 404, "not_found")
    filed = ask(hr, mine["id"])
    problem(decide(seller, filed, "cancel"), 403, "request_cancel_forbidden")


def test_bad_request_input_names_each_field(api: Any, world: Any, db: Any, unchanged: Any) -> None:
    hr, books = api.as_(world.tokens["hr"]), api.as_(world.tokens["accountant"])
    emp = make_employee(hr, world)
    usd, khr = make_cash(api, world, "PP-USD"), make_cash(api, world, "PP-KHR", "KHR")
    pending = ask(hr, emp["id"], "expense", "2026-03-05", "2026-03-05", amount="45.50")
    approved = decide(books, ask(hr, emp["id"], "purchase", "2026-03-06", "2026-03-06", amount="120.00"),
                      "approve").json
    posted_payroll(db, world, emp["id"], dt.date(2026, 4, 1))

    def refused(body: dict[str, Any], fields: dict[str, str], status: int = 422) -> None:
        r = hr.post(REQUESTS, {"employee_id": emp["id"], "date_from": "2026-03-10", "date_to": "2026-03-10", **body})
        problem(r, status, "validation_failed" if status == 422 else r.json["code"], body, fields=fields)

    with unchanged():
        refused({"kind": "overtime", "hours": "25"}, {"hours": "too_large"})
        refused({"kind": "overtime"}, {"hours": "required"})
        refused({"kind": "overtime", "hours": "0"}, {"hours": "must_be_positive"})
        refused({"kind": "vacation", "date_to": "2026-03-01"}, {"date_to": "ends_before_start"})
        refused({"kind": "vacation", "date_from": "2025-12-30"}, {"date_from": "before_hire"})
        refused({"kind": "vacation", "hours": "8", "amount": "10.00"}, {"hours": "not_for_kind", "amount": "not_for_kind"})
        refused({"kind": "advance"}, {"amount": "required"})
        refused({"kind": "advance", "amount": "10.005"}, {"amount": "decimal_places_exceeded"})
        refused({"kind": "advance", "amount": "10.50", "currency": "KHR"}, {"amount": "too_many_decimals"})
        refused({"kind": "advance", "amount": "-5"}, {"amount": "must_be_positive"})
        refused({"kind": "holiday"}, {"kind": "invalid_choice"})
        refused({"kind": "vacation", "employee_id": 999999}, {"employee_id": "unknown_reference"})

        problem(decide(books, pending, "pay", cash_account_id=usd, date="2026-03-07"), 409, "invalid_state")
        problem(decide(books, approved, "pay", cash_account_id=khr, date="2026-03-07"), 422, "validation_failed",
                fields={"cash_account_id": "request_currency_mismatch"})
        problem(decide(books, approved, "pay", cash_account_id=999999, date="2026-03-07"), 422, "validation_failed",
                fields={"cash_account_id": "unknown_reference"})
        problem(decide(books, {**approved, "version": approved["version"] + 1}, "pay", cash_account_id=usd,
                       date="2026-03-07"), 409, "stale_version")
        problem(decide(hr, {**pending, "version": 9}, "approve"), 409, "stale_version")
    # Approving leave in a posted payroll month would change the pay already posted.
    april = ask(hr, emp["id"], date_from="2026-04-20", date_to="2026-04-22")
    with unchanged():
        problem(decide(hr, april, "approve"), 409, "payroll_period_posted",
                fields={"date_from": "payroll_period_posted"})

    # After a dismissal, nothing later than it.
    emp = hr.get(f"/api/v1/employees/{emp['id']}").json
    assert event(hr, emp, kind="dismissal", date="2026-05-31").status_code == 201
    with unchanged():
        r = hr.post(REQUESTS, {"employee_id": emp["id"], "kind": "vacation", "date_from": "2026-05-30",
                               "date_to": "2026-06-02"})
        problem(r, 422, "validation_failed", fields={"date_to": "after_dismissal"})


def test_nobody_but_an_owner_decides_their_own_request(api: Any, world: Any, unchanged: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    me = make_employee(hr, world, full_name="HR Officer", user_id=world.users["hr"])
    mine = ask(hr, me["id"])
    with unchanged():
        problem(decide(hr, mine, "approve"), 403, "own_request_decision")
    assert decide(api, mine, "approve").json["decided_by"] == world.users["owner"]
    boss = make_employee(hr, world, full_name="The Owner", user_id=world.users["owner"])
    assert decide(api, ask(api, boss["id"]), "approve").status_code == 200  # a small firm's owner decides alone
