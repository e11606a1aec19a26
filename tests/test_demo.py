"""The demo company: its shape, clients that pass every rule, same seed same data, a working token, the CLI."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from stdnum.ru import inn

from server import create_app
from server.audit.models import Operation
from server.cli import main
from server.demo import COMPANY_NAME, OWNER_EMAIL, NotTheDemo, load_demo, owner_token
from server.migrate import upgrade
from server.org.models import ROLES, ApiToken, Branch, Company, Department, User, Warehouse
from server.parties.models import Contact, Counterparty, ExtraField, LeadSource, Phone, Segment, Tag, counterparty_tags
from server.parties.normalize import _KH_TIN

KHMER = re.compile(r"[\u1780-\u17FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TOKEN_LINE = re.compile(r"^owner token: (cb_\S+)$", re.MULTILINE)


def _load(db: Any, clients: int, seed: int = 20261128, invoices: int = 0) -> str:
    with db.write_session() as s, s.begin():
        return load_demo(s, clients=clients, seed=seed, invoices=invoices)


def _valid_phone(number: str) -> bool:
    return bool(E164.match(number)) and phonenumbers.is_valid_number(phonenumbers.parse(number, None))


def _clients(db: Any) -> list[tuple[Any, ...]]:
    """Every client's generated content, in insertion order (ids and timestamps left out)."""
    with db.read_session() as s:
        rows = s.scalars(select(Counterparty).order_by(Counterparty.id)).all()
        return [
            (c.name, c.legal_name, c.kind, c.person_type, c.country, c.tax_id, c.phone, c.email, c.notes, c.extra,
             c.consent_to_mailings, [p.e164 for p in c.phones], [e.email for e in c.emails],
             [t.name for t in c.tags], [(x.name, x.role, x.phone, x.email) for x in c.contacts],
             [(a.city, a.line1, a.postal_code) for a in c.addresses],
             c.segment_ref.code if c.segment_ref else None, c.lead_source_ref.code if c.lead_source_ref else None)
            for c in rows
        ]


def _second_database(path: Path) -> Any:
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "DATA_DIR": str(path.parent)})
    db = app.extensions["clientbase.db"]
    upgrade(db.engine)
    return db


def test_demo_company_has_branches_departments_warehouses_and_staff(db: Any) -> None:
    _load(db, 300)
    with db.read_session() as s:
        company = s.scalars(select(Company)).one()
        assert (company.name, company.country, company.base_currency, company.second_currency, company.language) == (
            COMPANY_NAME, "KH", "USD", "KHR", "en")

        branches = {b.code: b for b in s.scalars(select(Branch))}
        assert {code: b.country for code, b in branches.items()} == {"PP": "KH", "SR": "KH", "MOW": "RU"}
        by_id = {b.id: code for code, b in branches.items()}

        departments = list(s.scalars(select(Department)))
        parents = {d.id: d.parent_id for d in departments}
        depth = max(_depth(d.id, parents) for d in departments)
        assert len(departments) >= 10 and depth >= 3  # Management → Finance → Accounting
        assert {by_id[d.branch_id] for d in departments if d.branch_id} == {"PP", "SR", "MOW"}

        warehouses = Counter(by_id[w.branch_id] for w in s.scalars(select(Warehouse)))
        assert set(warehouses) == {"PP", "SR", "MOW"}

        users = list(s.scalars(select(User)))
        assert {u.role for u in users} == set(ROLES)
        assert {u.language for u in users} == {"en", "km", "ru"}
        assert any(KHMER.search(u.name) for u in users) and any(CYRILLIC.search(u.name) for u in users)
        owner = next(u for u in users if u.role == "owner")
        assert owner.email == OWNER_EMAIL
        sales = [u for u in users if u.role == "sales"]
        assert all(len(u.branch_ids) == 1 for u in sales)
        assert {by_id[u.branch_ids[0]] for u in sales} == {"PP", "SR", "MOW"}

        assert {x.code for x in s.scalars(select(Segment))} == {"retail", "wholesale", "vip", "corporate", "government"}
        assert {x.code for x in s.scalars(select(LeadSource))} == {
            "website", "referral", "facebook", "telegram", "walk_in", "exhibition", "cold_call"}
        assert {x.key: x.type for x in s.scalars(select(ExtraField))} == {
            "preferred_language": "choice", "credit_limit": "number", "birthday": "date"}

        # The operations log has every record, made by the system actor.
        logged = Counter(s.execute(select(Operation.entity).where(Operation.action == "create")).scalars())
        assert logged["branch"] == 3 and logged["department"] == len(departments)
        assert logged["warehouse"] == sum(warehouses.values()) and logged["user"] == len(users)
        assert logged["counterparty"] == 300


def _depth(dept_id: int, parents: dict[int, int | None]) -> int:
    depth = 1
    while parents[dept_id] is not None:
        dept_id, depth = parents[dept_id], depth + 1  # type: ignore[assignment]
    return depth


def test_demo_clients_pass_every_rule(db: Any) -> None:
    _load(db, 300)
    with db.read_session() as s:
        clients = list(s.scalars(select(Counterparty).order_by(Counterparty.id)))
        assert len(clients) == 300
        names = [c.name for c in clients]
        assert sum(bool(KHMER.search(n)) for n in names) > 60
        assert sum(bool(CYRILLIC.search(n)) for n in names) > 60
        assert sum(n.isascii() for n in names) > 30
        assert {c.person_type for c in clients} == {"person", "company"}
        assert Counter(c.kind for c in clients).most_common(1)[0][0] == "client"

        stored = [p.e164 for p in s.scalars(select(Phone))] + [c.phone for c in clients if c.phone]
        contacts = list(s.scalars(select(Contact)))
        stored += [x.phone for x in contacts if x.phone]
        assert len(stored) > 300
        assert [p for p in stored if not _valid_phone(p)] == []
        assert any(p.startswith("+855") for p in stored) and any(p.startswith("+79") for p in stored)

        ru = [c.tax_id for c in clients if c.country == "RU" and c.tax_id]
        assert {len(t) for t in ru} == {10, 12}
        assert [t for t in ru if not inn.is_valid(t)] == []
        kh = [c.tax_id for c in clients if c.country == "KH" and c.tax_id]
        assert kh and [t for t in kh if not _KH_TIN.match(t)] == []

        company_ids = {c.id for c in clients if c.person_type == "company"}
        assert contacts and {x.counterparty_id for x in contacts} <= company_ids
        assert s.scalar(select(func.count()).select_from(counterparty_tags)) > 100
        assert {"vip", "wholesale", "new", "debtor", "loyal", "online"} <= set(s.scalars(select(Tag.name)))

        emails = [c.email for c in clients if c.email]
        assert len(emails) > 200 and all(e.isascii() for e in emails) and len(set(emails)) == len(emails)

        # Each client sits in a branch; its manager, when it has one, sells in that branch.
        sales_scope = {u.id: u.branch_ids for u in s.scalars(select(User).where(User.role == "sales"))}
        assert all(c.branch_id is not None for c in clients)
        managed = [c for c in clients if c.manager_id is not None]
        assert len(managed) > 200 and all(sales_scope[c.manager_id] == [c.branch_id] for c in managed)
        assert any(c.extra for c in clients) and any(c.notes for c in clients)


def test_the_same_seed_gives_the_same_clients(db: Any, tmp_path: Path) -> None:
    _load(db, 200, seed=7)
    first = _clients(db)
    other = _second_database(tmp_path / "second.sqlite3")
    try:
        _load(other, 200, seed=7)
        assert _clients(other) == first
    finally:
        other.dispose()
    different = _second_database(tmp_path / "third.sqlite3")
    try:
        _load(different, 200, seed=8)
        assert [c[0] for c in _clients(different)] != [c[0] for c in first]
    finally:
        different.dispose()


def test_the_token_authenticates_as_the_demo_owner(app: Any, db: Any) -> None:
    token = _load(db, 20)
    client = app.test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and (me.json["email"], me.json["role"]) == (OWNER_EMAIL, "owner")
    page = client.get("/api/v1/clients?limit=1000&with_total=true", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and page.json["total"] == 20 and len(page.json["items"]) == 20

    with db.write_session() as s, s.begin():
        again = owner_token(s)
    assert again != token
    for text in (token, again):
        r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {text}"})
        assert r.status_code == 200 and r.json["email"] == OWNER_EMAIL
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 2


def test_owner_token_refuses_a_company_that_is_not_the_demo(db: Any) -> None:
    from server.setup.service import create_company

    with db.write_session() as s, s.begin():
        create_company(s, name="Real Co", country="KH", currency="USD", second_currency=None, language="en",
                       owner_email="boss@real.example.com", owner_name="Boss")
    with db.write_session() as s, s.begin():
        with pytest.raises(NotTheDemo):
            owner_token(s)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_cli_demo_loads_once_and_then_reissues_the_owner_token(tmp_path: Path) -> None:
    path = tmp_path / "cli.sqlite3"
    env = {"CLIENTBASE_DATABASE_URL": f"sqlite:///{path}", "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance")}
    runner = CliRunner()

    loaded = runner.invoke(main, ["demo", "--clients", "50", "--invoices", "0"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "demo company loaded with 50 clients" in loaded.output
    first = TOKEN_LINE.search(loaded.output)
    assert first, loaded.output

    again = runner.invoke(main, ["demo", "--if-empty"], env=env)
    assert again.exit_code == 0, again.output
    assert "demo data already loaded" in again.output
    second = TOKEN_LINE.search(again.output)
    assert second and second.group(1) != first.group(1)

    refused = runner.invoke(main, ["demo"], env=env)
    assert refused.exit_code == 1 and "already holds a company" in refused.output

    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "DATA_DIR": str(tmp_path)})
    db = app.extensions["clientbase.db"]
    try:
        with db.read_session() as s:
            assert s.scalar(select(func.count()).select_from(Company)) == 1
            assert s.scalar(select(func.count()).select_from(Counterparty)) == 50
        client = app.test_client()
        for token in (first.group(1), second.group(1)):
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json["email"] == OWNER_EMAIL
    finally:
        db.dispose()


def test_demo_staff_and_an_open_months_payroll_per_branch(db: Any) -> None:
    from server.core.actor import Actor
    from server.hr.models import Employee
    from server.payroll import service as payroll
    from server.payroll.models import PayrollRun, Payslip, PayslipLine

    _load(db, 0)
    with db.read_session() as s:
        users = {u.id for u in s.scalars(select(User))}
        staff = list(s.scalars(select(Employee)))
        assert {e.user_id for e in staff if e.user_id} == users and len(staff) > len(users)
        runs = {s.get_one(Branch, r.branch_id).code: r for r in s.scalars(select(PayrollRun))}
        assert set(runs) == {"PP", "SR", "MOW"}
        for run in runs.values():
            assert (run.status, run.period.isoformat()) == ("calculated", "2026-11-01")
            slips = list(s.scalars(select(Payslip).where(Payslip.run_id == run.id)))
            assert len(slips) == run.employees > 0 and run.net == run.gross - run.deductions > 0
            for slip in slips:
                lines = list(s.scalars(select(PayslipLine).where(PayslipLine.payslip_id == slip.id)))
                assert slip.net == sum(l.amount for l in lines if l.kind == "earning") - sum(
                    l.amount for l in lines if l.kind == "deduction")
        moscow_codes = set(s.scalars(select(PayslipLine.code).join(Payslip).where(Payslip.run_id == runs["MOW"].id)))
        assert "ru_ndfl" in moscow_codes and not any(c.startswith("kh_") for c in moscow_codes)
        owner = s.scalar(select(User).where(User.email == OWNER_EMAIL))
        run_id, version = runs["PP"].id, runs["PP"].version
    # The month is open: the demo's run approves and posts as a user's would.
    actor = Actor(user_id=owner.id, company_id=owner.company_id, role="owner")
    with db.write_session() as s, s.begin():
        run = payroll.approve(s, actor, run_id, version)
        assert payroll.post(s, actor, run_id, run.version).status == "posted"
