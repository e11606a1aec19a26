"""The tests' shared factories (Odoo's account/tests/common.py is the model): the one test module others import."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import openpyxl
import pytest
import requests
import xlsxwriter
from click.testing import CliRunner
from docx import Document as Docx
from pypdf import PdfReader
from sqlalchemy import func, inspect, select

from clientbase.cli import main
from server import create_app
from server.catalog.models import Category, Product
from server.core import dates
from server.core.actor import Actor
from server.core.money import currency as currency_of
from server.currency.models import ExchangeRate
from server.finance.models import Allocation, CashflowCategory, Payment
from server.ledger.chart import ensure_chart
from server.ledger.models import Account, JournalEntry, JournalLine
from server.ledger.service import Line, post_entry
from server.models import metadata
from server.org.auth import issue_token
from server.org.models import Branch, User
from server.parties.models import Counterparty
from server.payroll.models import PayrollRun, Payslip, TaxRule
from server.sales.models import Invoice, InvoiceLine
from server.setup.service import create_company
from workbook import clients as clients_book

D = Decimal


# --- answers and the test client ----------------------------------------------------------------------------

def problem(r: Any, status: int, code: str, where: Any = None, *, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Assert the RFC 9457 shape of an error answer and return its body; `fields` maps field → code."""
    assert r.status_code == status, (where, r.status_code, r.get_data(as_text=True))
    assert r.mimetype == "application/problem+json", where
    body = r.json
    assert body["status"] == status and body["code"] == code, (where, body)
    assert body["type"] == f"https://clientbase.local/problems/{code}"
    assert isinstance(body["title"], str) and body["title"] and "{" not in body["title"]
    assert body["request_id"] == r.headers["X-Request-Id"]
    for e in body.get("errors", []):
        assert set(e) == {"field", "code", "message"}, (where, e)
        assert e["field"] and e["code"] and e["message"] and "{" not in e["message"], (where, e)
    if fields is not None:
        assert {e["field"]: e["code"] for e in body["errors"]} == fields, (where, body["errors"])
    return body


def assert_problem(r: Any, status: int, code: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """problem+json with the stable shape; `fields` maps field → expected error code."""
    return problem(r, status, code, fields=fields)


class Api:
    """The test client with a token: `api.get(path)`, `api.post(path, json)` … as a given user."""

    def __init__(self, app: Any, token: str | None, language: str | None = None) -> None:
        self.client = app.test_client()
        self.token = token
        self.language = language

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if self.language:
            h["Accept-Language"] = self.language
        h.update(extra or {})
        return h

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(path, json=json, headers=self.headers(kw.pop("headers", None)), **kw)

    def as_(self, token: str) -> "Api":
        return Api(self.client.application, token, self.language)


@dataclass
class World:
    """A company with three branches and one user (and token) per role, plus a Phnom Penh-only sales user."""

    company_id: int
    branches: dict[str, int]
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def actor(self, role: str = "owner") -> Actor:
        return Actor(user_id=self.users[role], company_id=self.company_id, role=role.split("_")[0])


def make_world(db: Any) -> World:
    with db.write_session() as s, s.begin():
        company, owner, token = create_company(
            s, name="Angkor Trading", country="KH", currency="USD", second_currency="KHR", language="en",
            owner_email="owner@angkor.example", owner_name="Sophea Owner")
        branches = {}
        for code, name, country in (("PP", "Phnom Penh", "KH"), ("SR", "Siem Reap", "KH"), ("MOW", "Moscow", "RU")):
            b = Branch(company_id=company.id, code=code, name=name, country=country)
            s.add(b)
            s.flush()
            branches[code] = b.id
        w = World(company.id, branches, users={"owner": owner.id}, tokens={"owner": token})
        for role in ("accountant", "sales", "warehouse", "hr", "sales_pp"):
            u = User(company_id=company.id, email=f"{role}@angkor.example", name=role.title(), role=role.split("_")[0])
            if role == "sales_pp":
                u.branches = [s.get(Branch, branches["PP"])]
            s.add(u)
            s.flush()
            w.users[role] = u.id
            w.tokens[role] = issue_token(s, u, "test")[1]
    return w


def fingerprint(db: Any) -> dict[str, str]:
    """A hash of every row of every table: equal fingerprints mean the database did not change."""
    out = {}
    with db.read_session() as s:
        for table in metadata.sorted_tables:
            # A token's last_used_at is bookkeeping of the request itself, not a change to data.
            cols = [c for c in table.columns if not (table.name == "api_tokens" and c.name == "last_used_at")]
            rows = s.execute(select(*cols).order_by(*table.primary_key.columns)).all()
            out[table.name] = hashlib.sha256(json.dumps([list(r) for r in rows], default=str).encode()).hexdigest()
    return out


def table_names(db: Any) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def free_port() -> int:
    """A TCP port nobody listens on right now (for servers the tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, seconds: float = 15.0) -> None:
    """Wait until a server started by a test answers /healthz."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"no server at {base}")


# --- the command line ---------------------------------------------------------------------------------------

class Cli:
    """Runs `clientbase …` against one database and instance folder; builds apps that read the same settings."""

    def __init__(self, url: str, instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.env = {"CLIENTBASE_DATABASE_URL": url, "CLIENTBASE_INSTANCE_PATH": str(instance)}
        self.instance = instance
        self.monkeypatch = monkeypatch
        self.apps: list[Any] = []

    def __call__(self, *args: str, ok: bool = True) -> Any:
        result = CliRunner().invoke(main, list(args), env=self.env)
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        else:
            assert result.exit_code != 0, (args, result.output)
            assert "Traceback" not in result.output
            assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
                result.exception
        return result

    def app(self) -> Any:
        """create_app() as `serve` would build it, from the environment and the instance folder only."""
        for key, value in self.env.items():
            self.monkeypatch.setenv(key, value)
        app = create_app()
        self.apps.append(app)
        return app

    def client(self, token: str | None = None) -> Any:
        client = self.app().test_client()
        if token:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    def count(self, model: Any, *where: Any) -> int:
        db = self.app().extensions["clientbase.db"]
        with db.read_session() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))


def cli_token(result: Any) -> str:
    line = next(line for line in result.output.splitlines() if line.startswith("owner token"))
    token = line.rsplit(" ", 1)[-1]
    assert token.startswith("cb_"), result.output
    return token


def cli_init(cli: Cli, *extra: str) -> str:
    return cli_token(cli("init", "--company", "Angkor Trading", "--owner-email", "Owner@Angkor.example", *extra))


# --- sales: products, parties, invoices through the API (SalesBooks) ----------------------------------------

SALES_DAY = "2026-03-10"  # the day of the sales tests' documents, as the API takes it


def make_products(db: Any, world: Any) -> dict[str, int]:
    """A widget and a gadget (goods, VAT 10%), a consulting service (VAT 10%) and an exempt book."""
    out = {}
    with db.write_session() as s, s.begin():
        for sku, name, kind, tax in (("W-1", "Widget", "goods", "10"), ("G-1", "Gadget", "goods", "10"),
                                     ("SVC", "Consulting", "service", "10"), ("BK", "Book", "goods", "0")):
            p = Product(company_id=world.company_id, sku=sku, name=name, kind=kind, unit="pcs", tax_rate=D(tax))
            s.add(p)
            s.flush()
            out[sku] = p.id
    return out


def make_khr_rate(db: Any, world: Any, rate: str = "0.00025", on: str = "2026-01-01") -> None:
    """The riel's rate in the sales tests (from New Year's Day unless told)."""
    make_rate(db, world, "KHR", dt.date.fromisoformat(on), rate)


def make_party(api: Any, name: str, kind: str = "client", **extra: Any) -> int:
    r = api.post("/api/v1/clients", {"name": name, "kind": kind, **extra})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


class SalesBooks:
    """A company ready to invoice: products, a client, a supplier, a KHR rate."""

    def __init__(self, db: Any, world: Any, api: Any) -> None:
        self.db, self.world, self.api = db, world, api
        self.products = make_products(db, world)
        self.client = make_party(api, "Sokha Shop", "client", tax_id="K001-100200300")
        self.supplier = make_party(api, "Mekong Supply", "supplier")
        make_khr_rate(db, world)
        self.pp = world.branches["PP"]

    def invoice(self, lines: list[dict[str, Any]], *, kind: str = "sale_invoice", post: bool = False,
                as_: Any = None, **fields: Any) -> Any:
        body = {"kind": kind, "branch_id": self.pp, "date": SALES_DAY,
                "counterparty_id": self.supplier if kind.startswith("bill") else self.client,
                "lines": lines, "post": post, **fields}
        return (as_ or self.api).post("/api/v1/invoices", body)

    def posted(self, lines: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
        r = self.invoice(lines, post=True, **kw)
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json

    def balance(self, role: str) -> Decimal:
        """Debit minus credit of the account with a chart role, in the base currency."""
        with self.db.read_session() as s:
            acc = s.scalar(select(Account.id).where(Account.company_id == self.world.company_id, Account.role == role))
            d, c = s.execute(select(func.coalesce(func.sum(JournalLine.debit), 0),
                                    func.coalesce(func.sum(JournalLine.credit), 0))
                             .where(JournalLine.account_id == acc)).one()
        return D(d) - D(c)

    def open_base(self, kinds: tuple[str, str]) -> Decimal:
        """Σ open_base of posted documents of the first kind minus that of the second (the invariant)."""
        with self.db.read_session() as s:
            def total(kind: str) -> Decimal:
                rows = s.scalars(select(Invoice.open_base).where(Invoice.kind == kind,
                                                                 Invoice.status.in_(("posted", "paid")))).all()
                return sum(rows, D(0))
            return total(kinds[0]) - total(kinds[1])


def line(sku: str, qty: str, price: str | None = None, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"sku": sku, "qty": qty, **kw}
    if price is not None:
        out["unit_price"] = price
    return out


def books_for(db: Any, world: Any, api: Any) -> SalesBooks:
    return SalesBooks(db, world, api)


# --- finance: documents posted straight into the books, cash desks, rates, the invariants -------------------

FINANCE_DAY = dt.date(2026, 3, 2)  # the day of the documents make_invoice inserts


def make_client(api: Any, name: str = "Dara Import Co", kind: str = "client", branch_id: int | None = None) -> int:
    body: dict[str, Any] = {"name": name, "kind": kind}
    if branch_id is not None:
        body["branch_id"] = branch_id
    r = api.post("/api/v1/clients", body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def make_rate(db: Any, world: Any, code: str, on: dt.date, rate: str) -> None:
    with db.write_session() as s, s.begin():
        s.add(ExchangeRate(company_id=world.company_id, currency=code, date=on, rate=D(rate)))


def make_cash(api: Any, world: Any, code: str, currency: str = "USD", kind: str = "cash", branch: str = "PP") -> int:
    r = api.post("/api/v1/cash-accounts", {"kind": kind, "branch_id": world.branches[branch], "code": code,
                                            "name": f"{code} desk", "currency": currency})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


_SIDES = {
    "sale_invoice": ("receivable", "sales"), "sale_credit": ("sales", "receivable"),
    "bill": ("purchases", "payable"), "bill_credit": ("payable", "purchases"),
}


_seq = {"n": 0}


def make_invoice(db: Any, world: Any, counterparty_id: int, total: str, *, kind: str = "sale_invoice",
                 currency: str = "USD", rate: str = "1", date: dt.date = FINANCE_DAY, branch: str = "PP",
                 order_id: int | None = None) -> int:
    """A posted invoice/bill/credit note inserted directly, with its entry (Dr receivable / Cr sales …)."""
    actor = world.actor()
    amount = D(total)
    with db.write_session() as s, s.begin():
        ensure_chart(s, world.company_id)
        base = currency_of("USD")
        total_base = base.round(amount * D(rate))
        _seq["n"] += 1
        inv = Invoice(company_id=world.company_id, branch_id=world.branches[branch], kind=kind, status="posted",
                      number=f"T-{kind}-{_seq['n']}", date=date, due_date=date + dt.timedelta(days=30),
                      counterparty_id=counterparty_id, currency=currency, rate=D(rate), net_total=amount,
                      total=amount, total_base=total_base, open_amount=amount, open_base=total_base,
                      order_id=order_id)
        s.add(inv)
        s.flush()
        debit, credit = _SIDES[kind]
        entry = post_entry(s, actor, date=date, source_type="invoice", source_id=inv.id, lines=[
            Line(debit, debit=total_base, currency=currency, amount=amount,
                 counterparty_id=counterparty_id if debit in ("receivable", "payable") else None),
            Line(credit, credit=total_base, currency=currency, amount=-amount,
                 counterparty_id=counterparty_id if credit in ("receivable", "payable") else None),
        ])
        inv.entry_id = entry.id
        return inv.id


def invoice(db: Any, id: int) -> Invoice:
    with db.read_session() as s:
        return s.get_one(Invoice, id)


def role_balance(db: Any, world: Any, role: str, counterparty_id: int | None = None) -> Decimal:
    """Debit − credit of a chart role's account (base currency), optionally for one counterparty."""
    with db.read_session() as s:
        account_id = ensure_chart(s, world.company_id)[role]
        q = select(func.sum(JournalLine.debit), func.sum(JournalLine.credit)).where(JournalLine.account_id == account_id)
        if counterparty_id is not None:
            q = q.where(JournalLine.counterparty_id == counterparty_id)
        debit, credit = s.execute(q).one()
        return (debit or D(0)) - (credit or D(0))


def check_invariants(db: Any, world: Any) -> None:
    """What must hold after any sequence of operations (the brief's invariants)."""
    with db.read_session() as s:
        for entry in s.scalars(select(JournalEntry)):
            assert sum(l.debit for l in entry.lines) == sum(l.credit for l in entry.lines), entry.id
        open_base = {k: D(0) for k in _SIDES}
        for inv in s.scalars(select(Invoice).where(Invoice.status.in_(("posted", "paid")))):
            open_base[inv.kind] += inv.open_base
            assert (inv.status == "paid") == (inv.open_amount == 0), inv.id
        for p in s.scalars(select(Payment)):
            used = sum((a.payment_amount for a in s.scalars(select(Allocation).where(
                Allocation.payment_id == p.id, Allocation.reversed_at.is_(None)))), D(0))
            assert p.unallocated == p.amount - used, p.number
    assert role_balance(db, world, "receivable") == open_base["sale_invoice"] - open_base["sale_credit"]
    assert -role_balance(db, world, "payable") == open_base["bill"] - open_base["bill_credit"]


# --- reports: posted documents, payments and entries inserted with their ledger entries (LedgerBooks) -------

class LedgerBooks:
    """make_* factories for posted documents, payments and plain entries, each with its ledger entry."""

    def __init__(self, db: Any, world: Any) -> None:
        self.db, self.world = db, world
        self.actor = world.actor("owner")
        self.numbers: dict[str, int] = {}
        self.ids: dict[str, int] = {}

    def session(self) -> Any:
        return self.db.write_session()

    def client(self, name: str, phone: Optional[str] = None, email: Optional[str] = None, kind: str = "client") -> int:
        with self.session() as s, s.begin():
            c = Counterparty(company_id=self.world.company_id, kind=kind, name=name, name_key=name.casefold(),
                             phone=phone, email=email)
            s.add(c)
            s.flush()
            self.ids[name] = c.id
            return c.id

    def cashflow_category(self, code: str, name: str, ru: str) -> int:
        with self.session() as s, s.begin():
            c = CashflowCategory(company_id=self.world.company_id, code=code, name=name, names={"ru": ru})
            s.add(c)
            s.flush()
            self.ids[code] = c.id
            return c.id

    def product(self, sku: str, category: Optional[str]) -> int:
        with self.session() as s, s.begin():
            cat_id = None
            if category is not None:
                cat_id = self.ids.get(f"cat:{category}")
                if cat_id is None:
                    cat = Category(company_id=self.world.company_id, code=category.upper(), name=category,
                                   names={"ru": {"Food": "Продукты", "Linen": "Текстиль"}.get(category, category)})
                    s.add(cat)
                    s.flush()
                    cat_id = self.ids[f"cat:{category}"] = cat.id
            p = Product(company_id=self.world.company_id, category_id=cat_id, sku=sku, name=sku)
            s.add(p)
            s.flush()
            self.ids[sku] = p.id
            return p.id

    def invoice(self, client: str, *, kind: str = "sale_invoice", date: dt.date, due: dt.date,
                lines: list[tuple[Optional[str], str]], tax: str = "0", currency: str = "USD", rate: str = "1",
                branch: str = "PP", manager: Optional[str] = "sales") -> int:
        """A posted document: lines are (product sku or None, net in the document currency)."""
        net = sum((D(n) for _, n in lines), Decimal(0))
        total, rate_ = net + D(tax), D(rate)
        to_base = (lambda x: (x * rate_).quantize(Decimal("0.01")))
        total_base = to_base(total)
        net_base = total_base - to_base(D(tax))
        self.numbers[kind] = self.numbers.get(kind, 0) + 1
        sale = kind.startswith("sale")
        with self.session() as s, s.begin():
            inv = Invoice(
                company_id=self.world.company_id, branch_id=self.world.branches[branch], kind=kind, status="posted",
                number=f"{kind[:4].upper()}-{self.numbers[kind]:04d}", date=date, due_date=due,
                counterparty_id=self.ids[client], manager_id=self.world.users[manager] if manager else None,
                currency=currency, rate=rate_, net_total=net, tax_total=D(tax), total=total, total_base=total_base,
                open_amount=total, open_base=total_base, posted_at=dates.now())
            inv.lines = [InvoiceLine(line_no=n, product_id=self.ids[sku] if sku else None, description=sku or "service",
                                     qty=D(1), unit_price=D(amount), net=D(amount), tax=Decimal(0), total=D(amount))
                         for n, (sku, amount) in enumerate(lines, start=1)]
            s.add(inv)
            s.flush()
            party, income, vat = ("receivable", "sales", "vat_out") if sale else ("payable", "purchases", "vat_in")
            # A sale debits the receivable; a bill credits the payable; credit notes mirror them.
            debit_party = (kind == "sale_invoice") or (kind == "bill_credit")
            amount = total if currency != "USD" else None
            party_line = Line(party, debit=total_base if debit_party else Decimal(0),
                              credit=Decimal(0) if debit_party else total_base, currency=currency,
                              amount=(amount if debit_party else -amount) if amount is not None else None,
                              counterparty_id=inv.counterparty_id)
            z = Decimal(0)
            other = [Line(income, debit=z if debit_party else net_base, credit=net_base if debit_party else z),
                     Line(vat, debit=z if debit_party else total_base - net_base,
                          credit=total_base - net_base if debit_party else z)]
            entry = post_entry(s, self.actor, date=date, lines=[party_line, *other], source_type="invoice",
                               source_id=inv.id, branch_id=inv.branch_id)
            inv.entry_id = entry.id
            s.flush()
            return inv.id

    def pay(self, invoice_id: int, *, date: dt.date, amount: str, cash: str = "bank",
            category: Optional[str] = None) -> int:
        """Money received for (or paid on) a document, allocated to it at the document's own rate."""
        with self.session() as s, s.begin():
            inv = s.get_one(Invoice, invoice_id)
            paid = D(amount)
            base = (paid * inv.rate).quantize(Decimal("0.01")) if paid != inv.open_amount else inv.open_base
            sale = inv.kind.startswith("sale")
            cp = Line("receivable" if sale else "payable", debit=Decimal(0) if sale else base,
                      credit=base if sale else Decimal(0), counterparty_id=inv.counterparty_id)
            money = Line(cash, debit=base if sale else Decimal(0), credit=Decimal(0) if sale else base,
                         cashflow_category_id=self.ids[category] if category else None)
            entry = post_entry(s, self.actor, date=date, lines=[money, cp], source_type="allocation",
                               branch_id=inv.branch_id)
            a = Allocation(company_id=inv.company_id, invoice_id=inv.id, date=date, amount=paid, payment_amount=paid,
                           amount_base=base, entry_id=entry.id, created_at=dates.now())
            s.add(a)
            inv.open_amount -= paid
            inv.open_base -= base
            if inv.open_amount == 0:
                inv.status = "paid"
            s.flush()
            return a.id

    def entry(self, date: dt.date, debit: str, credit: str, amount: str, category: Optional[str] = None,
              branch: str = "PP") -> None:
        with self.session() as s, s.begin():
            cat = self.ids[category] if category else None
            post_entry(s, self.actor, date=date, source_type="manual", branch_id=self.world.branches[branch], lines=[
                Line(debit, debit=D(amount), cashflow_category_id=cat if debit in ("bank", "cash") else None),
                Line(credit, credit=D(amount), cashflow_category_id=cat if credit in ("bank", "cash") else None)])


# --- documents: Word files read back, templates, a company with requisites (DocBooks) -----------------------

# A client's name made to break templates and XML: it must print literally.
HOSTILE_CLIENT_NAME = 'Sokha <Shop> & "Sons" ]]> {{ 7*7 }} {% if 1 %}x{% endif %}'


def docx_text(data: bytes) -> str:
    """All the text a reader sees: paragraphs, tables (nested too), headers and footers."""
    doc = Docx(io.BytesIO(data))
    parts: list[str] = []

    def cells(tables: Any) -> None:
        for table in tables:
            for row in table.rows:
                for cell in row.cells:
                    parts.extend(p.text for p in cell.paragraphs)
                    cells(cell.tables)

    parts.extend(p.text for p in doc.paragraphs)
    cells(doc.tables)
    for section in doc.sections:
        for hf in (section.header, section.footer):
            parts.extend(p.text for p in hf.paragraphs)
            cells(hf.tables)
    return "\n".join(parts)


def zip_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


class DocBooks(SalesBooks):
    """SalesBooks with the company's requisites, a bank account, a hostile-named client and a Khmer-named one."""

    def __init__(self, db: Any, world: Any, api: Any) -> None:
        super().__init__(db, world, api)
        company = api.get("/api/v1/company").json
        r = api.patch("/api/v1/company", {
            "version": company["version"], "legal_name": "Angkor Trading Co., Ltd.", "tax_id": "K001-901234567",
            "address": "No. 12, Street 214, Phnom Penh", "phone": "+855 23 456 789",
            "email": "office@angkor.example", "director_name": "Sokha Chan", "accountant_name": "Dara Keo"})
        assert r.status_code == 200, r.get_data(as_text=True)
        self.hostile = self._party(HOSTILE_CLIENT_NAME)
        self.khmer = self._party("ក្រុមហ៊ុន មេគង្គ ហ្វូដ")

    def _party(self, name: str) -> int:
        r = self.api.post("/api/v1/clients", {"name": name, "kind": "client"})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json["id"]

    def sale(self, client: int | None = None, lines: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
        return self.posted(lines or [line("W-1", "3", "12.50"), line("SVC", "1", "100.00")],
                           counterparty_id=client or self.client, **kw)

    def order(self, client: int | None = None, lines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        r = self.api.post("/api/v1/orders", {
            "branch_id": self.pp, "counterparty_id": client or self.client, "date": "2026-03-10",
            "lines": lines or [line("W-1", "4", "25.00"), line("SVC", "2", "50.00")]})
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json

    def generate(self, kind: str, source_id: int, as_: Any = None, **kw: Any) -> Any:
        return (as_ or self.api).post("/api/v1/documents", {"kind": kind, "source_id": source_id, **kw})

    def made(self, kind: str, source_id: int, **kw: Any) -> dict[str, Any]:
        r = self.generate(kind, source_id, **kw)
        assert r.status_code == 201, r.get_data(as_text=True)
        return r.json

    def file(self, doc_id: int, fmt: str = "docx") -> bytes:
        r = self.api.get(f"/api/v1/documents/{doc_id}/file?format={fmt}")
        assert r.status_code == 200, r.get_data(as_text=True)
        return r.data


def docx_template(*paragraphs: str, header: str = "", table: bool = False) -> bytes:
    """A small .docx template: paragraphs, optionally a lines table and a header line."""
    d = Docx()
    for text in paragraphs:
        d.add_paragraph(text)
    if table:
        t = d.add_table(rows=3, cols=3)
        t.rows[0].cells[0].text = "{%tr for l in lines %}"
        for i, key in enumerate(("description", "qty", "total")):
            t.rows[1].cells[i].text = "{{ l.%s }}" % key
        t.rows[2].cells[0].text = "{%tr endfor %}"
    if header:
        d.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


# --- hr: employees, positions, departments, employment events -----------------------------------------------

EMPLOYEES = "/api/v1/employees"


REQUESTS = "/api/v1/staff-requests"


def make_employee(api: Any, world: Any, **over: Any) -> dict[str, Any]:
    body = {"full_name": "Dara Sok", "branch_id": world.branches["PP"], "salary": "1200.00",
            "hired_on": "2026-01-05", **over}
    r = api.post(EMPLOYEES, body)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def make_position(api: Any, name: str) -> int:
    r = api.post("/api/v1/positions", {"name": name})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def make_department(api: Any, name: str, branch_id: int | None = None) -> int:
    r = api.post("/api/v1/departments", {"name": name, "branch_id": branch_id})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json["id"]


def event(api: Any, employee: dict[str, Any], **body: Any) -> Any:
    """POST an employment event against the employee's current version (unless the body names one)."""
    return api.post(f"{EMPLOYEES}/{employee['id']}/events", {"version": employee["version"], **body})


def posted_payroll(db: Any, world: Any, employee_id: int, period: dt.date) -> None:
    """A posted payroll run of `period` that paid the employee, written straight into the database."""

    with db.write_session() as s, s.begin():
        run = PayrollRun(company_id=world.company_id, branch_id=world.branches["PP"],
                         number=f"PR-{period:%Y-%m}-{employee_id}", period=period, status="posted", currency="USD")
        s.add(run)
        s.flush()
        s.add(Payslip(company_id=world.company_id, run_id=run.id, employee_id=employee_id))


# --- payroll: hire, timesheets, a run through its states, a posted month with payslips ----------------------

RUNS = "/api/v1/payroll-runs"


def hire(api: Any, world: Any, name: str, *, salary: str = "0", hired_on: str = "2026-04-01", branch: str = "PP",
         **terms: Any) -> dict[str, Any]:
    r = api.post("/api/v1/employees", {"full_name": name, "branch_id": world.branches[branch], "salary": salary,
                                       "hired_on": hired_on, **terms})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def put_days(api: Any, days: list[dict[str, Any]], status: int = 200) -> Any:
    r = api.put("/api/v1/timesheets", {"days": days})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def open_run(api: Any, world: Any, period: str = "2026-04", branch: str = "PP", **extra: Any) -> dict[str, Any]:
    r = api.post(RUNS, {"period": period, "branch_id": world.branches[branch], **extra})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def step(api: Any, run: dict[str, Any], action: str, status: int = 200, **extra: Any) -> dict[str, Any]:
    r = api.post(f"{RUNS}/{run['id']}/{action}", {"version": run["version"], **extra})
    assert r.status_code == status, r.get_data(as_text=True)
    return r.json


def calculated(api: Any, world: Any, period: str = "2026-04", branch: str = "PP") -> dict[str, Any]:
    run = open_run(api, world, period, branch)
    step(api, run, "calculate")
    return api.get(f"{RUNS}/{run['id']}").json


def slip(view: dict[str, Any], employee: dict[str, Any]) -> dict[str, Any]:
    (found,) = [p for p in view["payslips"] if p["employee_id"] == employee["id"]]
    return found


def amounts(payslip: dict[str, Any]) -> dict[str, Decimal]:
    """code (or name for fixed items) → amount of a payslip's lines."""
    out: dict[str, Decimal] = {}
    for ln in payslip["lines"]:
        key = ln["code"] if ln["code"] not in ("bonus", "allowance", "deduction") else ln["name"]
        out[key] = out.get(key, D(0)) + D(ln["amount"])
    return out


def entry_by_role(db: Any, entry_id: int) -> dict[str, tuple[Decimal, Decimal]]:
    with db.read_session() as s:
        entry = s.get_one(JournalEntry, entry_id)
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for ln in entry.lines:
            role = s.get_one(Account, ln.account_id).role or ""
            d, c = out.get(role, (D(0), D(0)))
            out[role] = (d + ln.debit, c + ln.credit)
        return out


def run_row(db: Any, run_id: int) -> Any:
    with db.read_session() as s:
        return s.scalars(select(PayrollRun).where(PayrollRun.id == run_id)).one()


# An employee's name made to break templates: it must print literally on payslips and reports.
HOSTILE_EMPLOYEE_NAME = 'Sokha <Shop> & "Sons" {{ 7*7 }} {% if %}'


@dataclass
class Month:
    dara: dict[str, Any]
    sokha: dict[str, Any]
    run: dict[str, Any]
    department: dict[str, Any]


def add_rules(db: Any, world: Any) -> None:
    """A flat 10 % tax and a 5 % employer contribution, in USD to the cent (straight into the rules table)."""

    with db.write_session() as s, s.begin():
        for code, name, names, kind, percent in (
                ("wht", "Withholding tax", {"km": "ពន្ធកាត់ទុក", "ru": "Налог у источника"}, "withholding", "10"),
                ("er_fund", "Employer fund", {"km": "មូលនិធិនិយោជក", "ru": "Взнос в фонд"}, "contribution", "5")):
            s.add(TaxRule(company_id=world.company_id, code=code, name=name, names=names, kind=kind,
                          brackets=[["0", percent]], period="month", currency="USD", rounding=D("0.01")))


def month(api: Any, world: Any, db: Any, *, post: bool = True) -> Month:
    """April 2026 of the Phnom Penh branch: two employees, a bonus and a deduction, calculated (and posted)."""
    company = api.get("/api/v1/company").json
    r = api.patch("/api/v1/company", {"version": company["version"], "legal_name": "Angkor Trading Co., Ltd.",
                                      "tax_id": "K001-901234567", "director_name": "Sokha Chan",
                                      "accountant_name": "Dara Keo"})
    assert r.status_code == 200, r.get_data(as_text=True)
    dept = api.post("/api/v1/departments", {"name": "Sales", "branch_id": world.branches["PP"]}).json
    pos = api.post("/api/v1/positions", {"name": "Cashier", "names": {"km": "បេឡាករ", "ru": "Кассир"}}).json
    add_rules(db, world)
    dara = hire(api, world, "Chan Dara", salary="1000.00", hired_on="2026-03-01", department_id=dept["id"],
                position_id=pos["id"], tax_id="100-200-300")
    sokha = hire(api, world, HOSTILE_EMPLOYEE_NAME, salary="1520.00", hired_on="2026-03-01", language="ru")
    for kind, name, amount in (("earning", "Sales bonus", "100.00"), ("deduction", "Uniform", "20.00")):
        r = api.post("/api/v1/pay-items", {"employee_id": dara["id"], "kind": kind, "name": name, "amount": amount,
                                           "period_from": "2026-04", "period_to": "2026-04"})
        assert r.status_code == 201, r.get_data(as_text=True)
    run = step(api, open_run(api, world), "calculate")
    assert (D(run["gross"]), D(run["net"]), D(run["contributions"])) == (D("2620.00"), D("2338.00"), D("131.00"))
    if post:
        run = step(api, step(api, run, "approve"), "post")
    return Month(dara, sokha, run, dept)


def document(api: Any, run: dict[str, Any], employee: dict[str, Any], **query: str) -> Any:
    return api.get(f"{RUNS}/{run['id']}/payslips/{employee['id']}/document", query_string=query)


def payslip(api: Any, run: dict[str, Any], employee: dict[str, Any], **query: str) -> bytes:
    r = document(api, run, employee, **query)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return r.data


# --- imports: spreadsheets as people send them, the imports API ---------------------------------------------

def xlsx(rows: list[list[Any]], *, title: list[list[Any]] | None = None, merge: list[str] | None = None,
         sheet: str = "Sheet1", extra_sheets: dict[str, list[list[Any]]] | None = None) -> bytes:
    """An .xlsx with `title` rows above the table (as people add them) and `merge` ranges ("A1:D1")."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r in (title or []) + rows:
        ws.append(r)
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # text that looks like a formula, as a user typed it with a quote
    for m in merge or []:
        ws.merge_cells(m)
    for name, data in (extra_sheets or {}).items():
        other = book.create_sheet(name)
        for r in data:
            other.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def upload(api: Any, content: bytes, kind: str = "clients", name: str = "clients.xlsx", **extra: Any) -> Any:
    body = {"kind": kind, "file_name": name, "content_base64": base64.b64encode(content).decode(), **extra}
    return api.post("/api/v1/imports", json=body)


def planned(api: Any, content: bytes, kind: str = "clients", name: str = "clients.xlsx", **extra: Any) -> dict[str, Any]:
    r = upload(api, content, kind, name, **extra)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def commit(api: Any, imp: dict[str, Any], **extra: Any) -> Any:
    return api.post(f"/api/v1/imports/{imp['id']}/commit", json={"version": imp["version"], **extra})


def committed(api: Any, content: bytes, kind: str = "clients", **extra: Any) -> dict[str, Any]:
    imp = planned(api, content, kind, **extra)
    r = commit(api, imp)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def report(api: Any, imp: dict[str, Any], **query: Any) -> dict[str, Any]:
    r = api.get(f"/api/v1/imports/{imp['id']}/report", query_string={"limit": 100000, **query})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json


def by_row(rep: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["row"]: r for r in rep["rows"]}


# --- workbooks: Sync pressed, a workbook printed by LibreOffice ---------------------------------------------

def press_sync(path: Any, main: Any) -> None:
    """Press a workbook's Sync button: the workbook is the caller, as when its button runs `<module>.main()`."""
    import xlwings as xw  # a second and a half to import: only the workbook tests press Sync

    book = xw.Book(str(path))
    book.set_mock_caller()
    try:
        main()
    finally:
        book.close()


def calc_pdf_text(path: Any, tmp_path: Any) -> str:
    """The workbook converted to PDF by LibreOffice Calc (a private profile), its text read back with pypdf."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is not installed: run `make system-packages`"
    out = tmp_path / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)], check=True, capture_output=True,
                   timeout=180)
    pdf = out / (path.stem + ".pdf")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)


def sync_clients_book(path: Path) -> Any:
    press_sync(path, clients_book.main)


KHMER = "ក្រុមហ៊ុន ស្រីមុំ"  # shaping-heavy: coeng, vowel signs; must come back byte-exact
CYRILLIC = "ООО «Ромашка», ёлка"

# --- spreadsheet files built at test time: good workbooks ---------------------------------------------------


def messy_xlsx() -> bytes:
    """What people really send: title rows above the header, a merged title, blank rows, dates, a formula."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Клиенты"
    ws["A1"] = "Список клиентов на 31.01.2024"
    ws.merge_cells("A1:D1")
    ws["A2"] = None  # an empty line under the title
    ws.append(["Name", "Amount", "Since", "Active"])  # row 3
    ws.append([CYRILLIC, 1234.5, dt.date(2024, 1, 31), True])  # row 4
    ws.append([])  # row 5: a blank row in the middle
    ws.append([KHMER, 7, dt.datetime(2023, 12, 1, 9, 30, 15), False])  # row 6
    ws.append(["Group A", 0.1, dt.time(8, 45), None])  # row 7
    ws.merge_cells("A7:A8")  # a group name merged down over two rows
    ws["B8"] = -3
    wb.create_sheet("Товары")["A1"] = "SKU"
    return _saved(wb)


def formula_xlsx() -> bytes:
    """Formulas with the values Excel cached (XlsxWriter writes a cached value like Excel does)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Calc")
    ws.write_row(0, 0, ["qty", "price", "total", "label"])
    ws.write_row(1, 0, [3, 2.5])
    ws.write_formula(1, 2, "=A2*B2", None, 7.5)
    ws.write_formula(1, 3, '="x"&A2', None, "x3")
    wb.close()
    return buf.getvalue()


def several_sheets_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Clients"
    wb.active["A1"] = "client"
    wb.create_sheet("Products")["A1"] = "product"
    wb.create_sheet("Empty")
    wb.create_sheet("Balances")["B2"] = 42
    return _saved(wb)


def tall_xlsx(rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["n"])
    for i in range(rows):
        ws.append([i])
    return _saved(wb)


def empty_xlsx() -> bytes:
    return _saved(openpyxl.Workbook())


def sparse_xlsx(row: int, col: int) -> bytes:
    """One cell in A1 and one far away: tiny on disk, a huge grid for a reader that fills the gaps."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "a"
    wb.active.cell(row=row + 1, column=col + 1, value="b")
    return _saved(wb)


def _saved(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Клиенты">
<table:table-row><table:table-cell office:value-type="string"><text:p>Report</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Amount</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Since</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>{khmer}</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1234.5"><text:p>1 234,50</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2024-01-31"><text:p>31.01.2024</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>{cyrillic}</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="-7"><text:p>-7</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1021"/></table:table-row>
<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>
</table:table>
<table:table table:name="Second"><table:table-row><table:table-cell office:value-type="string"><text:p>two</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>
"""

ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def ods(content: str | None = None, manifest: str = ODS_MANIFEST) -> bytes:
    """A minimal .ods as LibreOffice lays it out: `mimetype` first and stored, then content and manifest.

    The trailing repeated empty rows and columns are what LibreOffice writes to fill the sheet.
    No whitespace between cells: LibreOffice writes none, and calamine refuses a row that has some.
    """
    content = content or ODS_CONTENT.format(khmer=KHMER, cyrillic=CYRILLIC)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


def xls_via_soffice(xlsx: bytes, workdir: Path) -> bytes:
    """Convert an .xlsx to a BIFF8 .xls with LibreOffice: nothing in Python writes .xls any more.

    soffice absent → the test fails (CI installs it with `make system-packages`); it never skips.
    """
    soffice = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)
    assert soffice, "soffice (LibreOffice) is needed to build the .xls fixture: run `make system-packages`"
    src = workdir / "book.xlsx"
    src.write_bytes(xlsx)
    profile = Path(tempfile.mkdtemp(prefix="soffice-profile-", dir=workdir))
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "xls", "--outdir", str(workdir), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    out = workdir / "book.xls"
    assert out.exists(), "soffice did not write book.xls"
    return out.read_bytes()


# --- spreadsheet files: hostile ones ------------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1.5</v></c></row>
</sheetData></worksheet>"""
SHARED_STRINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>hello</t></si></sst>"""


def raw_xlsx(sheet: str | bytes = SHEET, shared_strings: str | bytes = SHARED_STRINGS,
             extra: dict[str, bytes] | None = None) -> bytes:
    """A hand-made .xlsx whose parts a test can poison one at a time."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", shared_strings)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return buf.getvalue()


BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>"""

XXE_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>
</sheetData></worksheet>"""


def doctype_after_long_prolog() -> bytes:
    """A DOCTYPE pushed past the first 64 KiB by a long comment: a prefix-only check would miss it."""
    return (b'<?xml version="1.0"?>\n<!--' + b"x" * 70_000 + b"-->\n"
            + XXE_SHEET.split("\n", 1)[1].encode())


def zip_bomb_xlsx() -> bytes:
    """An .xlsx whose sheet entry inflates 8 MB from about 8 KB.

    Deflate tops out near 1030:1, so only pure repetition passes the 1000:1 line: the entry is all zeros.
    """
    return raw_xlsx(sheet=b"0" * 8_000_000)


def huge_declared_xlsx() -> bytes:
    """An .xlsx whose central directory declares a 700 MiB sheet (more than max_unzipped in total)."""
    data = bytearray(raw_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_sizes(data, info, uncompressed=700 * 1024 * 1024)
    return bytes(data)


def many_entries_xlsx(count: int = 3_000) -> bytes:
    return raw_xlsx(extra={f"xl/media/pad{i}.xml": b"<a/>" for i in range(count)})


def lying_size_xlsx() -> bytes:
    """The central directory declares a tiny sheet; the deflate stream holds far more (a reader
    trusting the declared size would inflate it all)."""
    sheet = SHEET.encode().replace(b"<sheetData>", b"<sheetData>" + b" " * 300_000)
    data = bytearray(raw_xlsx(sheet=sheet))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_sizes(data, info, uncompressed=len(SHEET))
    return bytes(data)


def bad_crc_xlsx() -> bytes:
    data = bytearray(raw_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    _patch_crc(data, info, info.CRC ^ 0xFFFFFFFF)
    return bytes(data)


def broken_workbook_xlsx() -> bytes:
    """Passes every zip and XML check, but its workbook part stops mid-tag: calamine cannot read it."""
    src = zipfile.ZipFile(io.BytesIO(raw_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = b"<workbook><sheets><sheet" if info.filename == "xl/workbook.xml" else src.read(info)
            z.writestr(info.filename, body)
    return out.getvalue()


def encrypted_entry_zip() -> bytes:
    """An .xlsx whose sheet entry has the 'encrypted' flag bit (0x1) set, in both headers."""
    data = bytearray(raw_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    local = info.header_offset
    data[local + 6] |= 0x01  # general purpose flag, local file header
    central = _central_header_offset(data, info.filename)
    data[central + 8] |= 0x01  # general purpose flag, central directory header
    return bytes(data)


def docx() -> bytes:
    """A Word document: a zip, but no workbook in it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", ROOT_RELS.replace("xl/workbook.xml", "word/document.xml"))
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    return buf.getvalue()


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def fake_encrypted_ole() -> bytes:
    """Not a full OLE2 file: the magic, padding and the UTF-16LE stream name "EncryptionInfo".

    That is all the detection looks at: a password-protected .xlsx is an OLE2 container whose
    directory holds the EncryptionInfo and EncryptedPackage streams.
    """
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1016
            + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100)


def encrypted_xlsx(plain: bytes) -> bytes:
    """A real password-protected .xlsx (agile encryption), made with msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
    return out.getvalue()


# --- spreadsheet files: zip surgery -------------------------------------------------------------------------


def _central_header_offset(data: bytearray, name: str) -> int:
    needle = name.encode()
    pos = data.rfind(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_len] == needle:
            return pos
        pos = data.rfind(b"PK\x01\x02", 0, pos)
    raise LookupError(name)


def _patch_sizes(data: bytearray, info: zipfile.ZipInfo, uncompressed: int) -> None:
    struct.pack_into("<I", data, info.header_offset + 22, uncompressed)
    struct.pack_into("<I", data, _central_header_offset(data, info.filename) + 24, uncompressed)


def _patch_crc(data: bytearray, info: zipfile.ZipInfo, crc: int) -> None:
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, _central_header_offset(data, info.filename) + 16, crc)


def far_cell_xls(xls: bytes) -> bytes:
    """The soffice .xls with its "Name" cell (a LABELSST record at row 2, column 0) moved to row
    65535, column 65535: calamine would allocate 4 billion cells and abort."""
    data = bytearray(xls)
    record = struct.pack("<HHHH", 0x00FD, 10, 2, 0)
    at = data.find(record)
    assert at != -1, "no LABELSST record at A3 in the converted .xls"
    struct.pack_into("<HH", data, at + 4, 65535, 65535)
    return bytes(data)


def repeated_cells_ods() -> bytes:
    """60,000 rows of 1,000 copies of one value, written in a few hundred bytes."""
    bomb = ('<table:table-row table:number-rows-repeated="60000">'
            '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="7"/>'
            "</table:table-row>")
    content = ODS_CONTENT.format(khmer=KHMER, cyrillic=CYRILLIC)
    start = content.index('<table:table-row table:number-rows-repeated="2">')
    end = content.index("</table:table-row>", start) + len("</table:table-row>")
    return ods(content[:start] + bomb + content[end:])


def rowless_refs_xlsx() -> bytes:
    """Cells without r= attributes take the next position, as calamine counts them: one row jump
    to 1,000,000 and 20 cells across make a grid of 20 million cells."""
    sheet = SHEET.replace("</sheetData>", '<row r="1000000">' + "<c><v>1</v></c>" * 20 + "</row></sheetData>")
    return raw_xlsx(sheet=sheet)


def nested_bomb_xlsx() -> bytes:
    """A harmless workbook carrying a zip bomb as an embedded object: it must not be opened."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.xml", b"0" * 8_000_000)
    return raw_xlsx(extra={"xl/embeddings/oleObject1.bin": inner.getvalue()})


def junk_part_xlsx() -> bytes:
    """A part calamine never reads that is not XML at all: the DTD check must not call it damage."""
    return raw_xlsx(extra={"docProps/custom.xml": b"<<< not xml at all &&& \x00"})


def big_shared_strings_xlsx() -> bytes:
    """A sharedStrings part far over 64 KiB: only its prolog is parsed, the rest is left to calamine."""
    items = "".join(f"<si><t>строка {i} ស្រី</t></si>" for i in range(5_000))
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5000" '
           f'uniqueCount="5000"><si><t>hello</t></si>{items}</sst>')
    return raw_xlsx(shared_strings=sst)


def password_xls(xls: bytes) -> bytes:
    """The soffice .xls with a FILEPASS record (RC4) where its WRITEACCESS record was, same length:
    what Excel writes first in the workbook stream of a password-protected .xls."""
    data = bytearray(xls)
    at = data.find(struct.pack("<HH", 0x005C, 112))
    assert at != -1, "no WRITEACCESS record in the converted .xls"
    struct.pack_into("<HHHHH", data, at, 0x002F, 112, 1, 1, 1)
    return bytes(data)


def password_ods() -> bytes:
    """What LibreOffice writes for a password-protected .ods: a plain zip whose manifest describes
    how each part is encrypted (the parts here are left readable: the manifest is what is checked)."""
    manifest = ODS_MANIFEST.replace(
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1500">'
        '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k"'
        ' manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"'
        ' manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>')
    assert manifest != ODS_MANIFEST
    return ods(manifest=manifest)
