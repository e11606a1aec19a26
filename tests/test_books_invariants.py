"""Stateful property test of the books: after any sequence of post / cancel / credit / pay / allocate /
unallocate / close-period, every entry and the whole ledger balance exactly in Decimal, receivables and
payables equal the open documents, payments' advances add up, and posted documents never change.

Each example runs in a company of its own, so examples share the database but never each other's books.
"""
from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)
from sqlalchemy import func, select

from server.core.actor import Actor
from server.core.errors import DomainError
from server.finance import schemas as fin
from server.finance.models import Allocation, Payment
from server.currency.service import create_rate
from server.finance.service import allocate, cancel_payment, create_cash_account, create_payment, reverse_allocation
from server.ledger.models import Account, JournalLine
from server.ledger.service import close_period, get_period_lock
from server.org.models import Branch
from server.setup.service import create_company
from server.catalog.models import Product
from server.parties.models import Counterparty
from server.sales import schemas as sal
from server.sales.models import Invoice, InvoiceLine
from server.sales.service import cancel_invoice, create_credit_note, create_invoice, post_invoice_by_id

ZERO = Decimal(0)
START = dt.date(2026, 1, 5)
_companies = itertools.count()
# How often each operation went through, over all examples: the run must exercise every one.
_done: Counter[str] = Counter()
_refused: Counter[str] = Counter()

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
quantities = st.integers(min_value=1, max_value=40).map(Decimal)
fractions = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("1.3")])


def machine_for(db: Any) -> type[RuleBasedStateMachine]:
    class Books(RuleBasedStateMachine):
        invoices = Bundle("invoices")
        payments = Bundle("payments")

        @initialize()
        def company(self) -> None:
            n = next(_companies)
            with db.write_session() as s, s.begin():
                company, owner, _ = create_company(
                    s, name=f"Books {n}", country="KH", currency="USD", second_currency="KHR", language="en",
                    owner_email=f"books{n}-{id(self)}@invariants.example", owner_name="Owner")
                self.actor = Actor(user_id=owner.id, company_id=company.id, role="owner")
                branch = Branch(company_id=company.id, code="PP", name="Phnom Penh", country="KH")
                s.add(branch)
                s.flush()
                self.branch = branch.id
                self.client = self._party(s, "Client", "client")
                self.products = {}
                for sku, kind in (("GOODS", "goods"), ("DELIVERY", "service")):
                    product = Product(company_id=company.id, sku=sku, name=sku.title(), kind=kind)
                    s.add(product)
                    s.flush()
                    self.products[sku] = product.id
                self.supplier = self._party(s, "Supplier", "supplier")
                create_rate(s, self.actor, currency="KHR", on=dt.date(2025, 1, 1), rate=Decimal("0.00025"))
                create_rate(s, self.actor, currency="KHR", on=dt.date(2026, 3, 1), rate=Decimal("0.000244"))
                self.cash = {
                    cur: create_cash_account(s, self.actor, fin.CashAccountIn(
                        kind="cash", branch_id=branch.id, code=f"CASH-{cur}", name=f"Cash {cur}", currency=cur)).id
                    for cur in ("USD", "KHR")
                }
            self.today = START
            self.frozen: dict[int, Any] = {}
            self.refused = 0

        def _party(self, s: Any, name: str, kind: str) -> int:
            cp = Counterparty(company_id=self.actor.company_id, name=name, name_key=name.lower(), kind=kind)
            s.add(cp)
            s.flush()
            return cp.id

        def _lock(self) -> dt.date | None:
            with db.read_session() as s:
                lock = get_period_lock(s, self.actor)
                return lock.lock_date if lock else None

        def _attempt(self, fn: Any, name: str) -> Any:
            """Run one business operation in its own transaction; a refusal must leave nothing behind."""
            before = self._fingerprint()
            try:
                with db.write_session() as s, s.begin():
                    result = fn(s)
                _done[name] += 1
                return result
            except DomainError as exc:
                self.refused += 1
                self.last_refusal = exc
                _refused[f"{name}:{exc.code}:{','.join(e.code for e in exc.errors)}"] += 1
                assert self._fingerprint() == before
                return None

        def _fingerprint(self) -> tuple[Any, ...]:
            with db.read_session() as s:
                return (
                    s.scalar(select(func.count()).select_from(JournalLine)
                             .where(JournalLine.company_id == self.actor.company_id)),
                    tuple(s.execute(select(Invoice.id, Invoice.status, Invoice.open_amount)
                                    .where(Invoice.company_id == self.actor.company_id).order_by(Invoice.id)).all()),
                    tuple(s.execute(select(Payment.id, Payment.unallocated, Payment.status)
                                    .where(Payment.company_id == self.actor.company_id).order_by(Payment.id)).all()),
                )

        def _freeze(self, invoice_id: int) -> None:
            with db.read_session() as s:
                self.frozen[invoice_id] = _document(s, invoice_id)

        # --- rules -----------------------------------------------------------------------

        @rule(days=st.integers(min_value=0, max_value=20))
        def time_passes(self, days: int) -> None:
            self.today += dt.timedelta(days=days)

        @rule(target=invoices, kind=st.sampled_from(["sale_invoice", "bill"]),
              currency=st.sampled_from(["USD", "USD", "KHR"]), price=prices, qty=quantities,
              tax=st.sampled_from(["0", "10", "20"]), back=st.integers(min_value=0, max_value=10))
        def post_invoice(self, kind: str, currency: str, price: Decimal, qty: Decimal, tax: str, back: int) -> int:
            date = self.today - dt.timedelta(days=back)
            if currency == "KHR":
                price = max(price.quantize(Decimal(1)), Decimal(1)) * 100
            body = sal.InvoiceIn(
                kind=kind, branch_id=self.branch, counterparty_id=self.client if kind == "sale_invoice" else self.supplier,
                date=date, currency=currency, post=True,
                lines=[sal.LineIn(product_id=self.products["GOODS"], qty=qty, unit_price=price, tax_rate=Decimal(tax)),
                       sal.LineIn(product_id=self.products["DELIVERY"], qty=Decimal(1), unit_price=Decimal("7") * (100 if currency == "KHR" else 1))],
            )
            lock = self._lock()
            inv = self._attempt(lambda s: create_invoice(s, self.actor, body).id, kind)
            if lock is not None and date <= lock:
                assert inv is None, "posted into a closed period"
                return -1
            assert inv is not None, self.last_refusal
            self._freeze(inv)
            return inv

        @rule(invoice=invoices)
        def cancel(self, invoice: int) -> None:
            if invoice < 0:
                return
            with db.read_session() as s:
                inv = s.get(Invoice, invoice)
                version, allocated = inv.version, inv.open_amount != inv.total
            result = self._attempt(lambda s: cancel_invoice(s, self.actor, invoice, version).status, "cancel")
            if allocated:
                assert result is None
            if result is not None:
                self._freeze(invoice)

        @rule(target=invoices, invoice=invoices)
        def credit_note(self, invoice: int) -> int:
            if invoice < 0:
                return -1

            def credit(s: Any) -> int:
                cn = create_credit_note(s, self.actor, invoice, sal.CreditNoteIn(date=self.today))
                return post_invoice_by_id(s, self.actor, cn.id, cn.version).id

            cn = self._attempt(credit, "credit_note")
            if cn is None:
                return -1
            self._freeze(cn)
            self._freeze(invoice)
            return cn

        def _open_documents(self, side: str, currency: str) -> list[int]:
            kinds = ("sale_invoice", "bill_credit") if side == "receipt" else ("bill", "sale_credit")
            with db.read_session() as s:
                return list(s.scalars(select(Invoice.id).where(
                    Invoice.company_id == self.actor.company_id, Invoice.kind.in_(kinds),
                    Invoice.currency == currency, Invoice.status == "posted").order_by(Invoice.id)))

        @rule(target=payments, side=st.sampled_from(["receipt", "payment"]), currency=st.sampled_from(["USD", "KHR"]),
              amount=prices, fraction=fractions, data=st.data())
        def pay(self, side: str, currency: str, amount: Decimal, fraction: Decimal, data: Any) -> int:
            if currency == "KHR":
                amount = max(amount.quantize(Decimal(1)), Decimal(1)) * 100
            allocations = []
            candidates = self._open_documents(side, currency)
            if candidates and data.draw(st.booleans()):
                invoice = data.draw(st.sampled_from(candidates))
                with db.read_session() as s:
                    inv = s.get(Invoice, invoice)
                    share = min(amount, _money(inv.open_amount * fraction, currency))
                if share > 0:
                    allocations = [fin.AllocationIn(invoice_id=invoice, amount=share)]
            body = fin.PaymentIn(
                kind=side, date=self.today, cash_account_id=self.cash[currency], amount=amount,
                counterparty_id=self.client if side == "receipt" else self.supplier, allocations=allocations)
            payment = self._attempt(lambda s: create_payment(s, self.actor, body).id,
                                    "pay_and_allocate" if allocations else side)
            return payment if payment is not None else -1

        def _allocatable(self) -> list[tuple[Any, int]]:
            """(payment, document) pairs of the same direction and currency, with something left on both."""
            if not hasattr(self, "actor"):
                return []
            with db.read_session() as s:
                payments = s.execute(select(Payment.id, Payment.kind, Payment.currency, Payment.date, Payment.unallocated)
                                     .where(Payment.company_id == self.actor.company_id, Payment.status == "posted",
                                            Payment.unallocated > 0).order_by(Payment.id)).all()
            return [(p, inv) for p in payments for inv in self._open_documents(p.kind, p.currency)]

        @precondition(lambda self: bool(self._allocatable()))
        @rule(fraction=fractions, data=st.data())
        def allocate(self, fraction: Decimal, data: Any) -> None:
            p, invoice = data.draw(st.sampled_from(self._allocatable()))
            with db.read_session() as s:
                inv = s.get(Invoice, invoice)
                amount = _money(inv.open_amount * fraction, inv.currency)
                if fraction <= 1:  # within what is open: also within what the payment has left
                    amount = min(amount, p.unallocated)
                over = amount > inv.open_amount
                on = max(self.today, inv.date, p.date)
            if amount <= 0:
                return
            body = fin.AllocateIn(date=on, allocations=[fin.AllocationIn(invoice_id=invoice, amount=amount)])
            result = self._attempt(lambda s: allocate(s, self.actor, p.id, body), "allocate")
            if over:
                assert result is None, "allocated above the open amount"

        @rule(data=st.data())
        def unallocate(self, data: Any) -> None:
            with db.read_session() as s:
                ids = list(s.scalars(select(Allocation.id).where(
                    Allocation.company_id == self.actor.company_id, Allocation.reversed_at.is_(None),
                    Allocation.payment_id.is_not(None)).order_by(Allocation.id)))
            if ids:
                chosen = data.draw(st.sampled_from(ids))
                self._attempt(lambda s: reverse_allocation(s, self.actor, chosen), "unallocate")

        @precondition(lambda self: bool(self._cancellable_payments()))
        @rule(data=st.data())
        def cancel_payment(self, data: Any) -> None:
            payment, version = data.draw(st.sampled_from(self._cancellable_payments()))
            self._attempt(lambda s: cancel_payment(s, self.actor, payment, version), "cancel_payment")

        def _cancellable_payments(self) -> list[tuple[int, int]]:
            """Posted payments with nothing allocated (some of them in a closed period, to be refused)."""
            if not hasattr(self, "actor"):
                return []
            active = select(Allocation.payment_id).where(Allocation.reversed_at.is_(None),
                                                         Allocation.payment_id.is_not(None))
            with db.read_session() as s:
                return [tuple(r) for r in s.execute(select(Payment.id, Payment.version).where(
                    Payment.company_id == self.actor.company_id, Payment.status == "posted",
                    Payment.id.not_in(active)).order_by(Payment.id))]

        @rule(back=st.integers(min_value=0, max_value=15))
        def close_period(self, back: int) -> None:
            with db.read_session() as s:
                lock = get_period_lock(s, self.actor)
                version = lock.version if lock else None
                current = lock.lock_date if lock else None
            new = self.today - dt.timedelta(days=back)
            if current is None or new > current:
                self._attempt(lambda s: close_period(s, self.actor, new, version), "close_period")

        # --- invariants ------------------------------------------------------------------

        @invariant()
        def every_entry_and_the_ledger_balance(self) -> None:
            if not hasattr(self, "actor"):
                return
            with db.read_session() as s:
                per_entry = s.execute(
                    select(JournalLine.entry_id, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                    .where(JournalLine.company_id == self.actor.company_id).group_by(JournalLine.entry_id)).all()
                for entry_id, debit, credit in per_entry:
                    assert debit == credit, f"entry {entry_id}: {debit} != {credit}"
                    assert isinstance(debit, Decimal)
                total = s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))
                                  .where(JournalLine.company_id == self.actor.company_id)).one()
                assert total[0] == total[1]

        @invariant()
        def receivables_and_payables_equal_the_open_documents(self) -> None:
            if not hasattr(self, "actor"):
                return
            with db.read_session() as s:
                for role, plus, minus, sign in (("receivable", "sale_invoice", "sale_credit", 1),
                                                ("payable", "bill", "bill_credit", -1)):
                    debit, credit = s.execute(
                        select(func.coalesce(func.sum(JournalLine.debit), 0),
                               func.coalesce(func.sum(JournalLine.credit), 0))
                        .join(Account, Account.id == JournalLine.account_id)
                        .where(JournalLine.company_id == self.actor.company_id, Account.role == role)).one()
                    ledger = (Decimal(debit) - Decimal(credit)) * sign
                    open_docs = {kind: s.scalar(select(func.coalesce(func.sum(Invoice.open_base), 0)).where(
                        Invoice.company_id == self.actor.company_id, Invoice.kind == kind,
                        Invoice.status.in_(("posted", "paid")))) for kind in (plus, minus)}
                    assert ledger == Decimal(open_docs[plus]) - Decimal(open_docs[minus]), role

        @invariant()
        def advances_add_up_and_open_amounts_stay_in_range(self) -> None:
            if not hasattr(self, "actor"):
                return
            with db.read_session() as s:
                for p in s.scalars(select(Payment).where(Payment.company_id == self.actor.company_id,
                                                         Payment.kind != "transfer")):
                    used = s.scalar(select(func.coalesce(func.sum(Allocation.payment_amount), 0)).where(
                        Allocation.payment_id == p.id, Allocation.reversed_at.is_(None)))
                    if p.status == "cancelled":
                        assert used == 0, f"cancelled payment {p.id} still allocated"
                    else:
                        assert p.unallocated == p.amount - Decimal(used), (p.id, p.unallocated, p.amount, used)
                for inv in s.scalars(select(Invoice).where(Invoice.company_id == self.actor.company_id,
                                                           Invoice.status != "draft")):
                    assert ZERO <= inv.open_amount <= inv.total, (inv.id, inv.open_amount, inv.total)
                    assert (inv.status == "paid") == (inv.open_amount == 0 and inv.status != "cancelled"), inv.id

        @invariant()
        def posted_documents_never_change(self) -> None:
            if not hasattr(self, "actor"):
                return
            with db.read_session() as s:
                for invoice_id, frozen in self.frozen.items():
                    assert _document(s, invoice_id)["document"] == frozen["document"], invoice_id

    return Books


def _document(s: Any, invoice_id: int) -> dict[str, Any]:
    inv = s.get(Invoice, invoice_id)
    lines = s.execute(select(InvoiceLine.line_no, InvoiceLine.product_id, InvoiceLine.qty, InvoiceLine.unit_price,
                             InvoiceLine.net, InvoiceLine.tax, InvoiceLine.total)
                      .where(InvoiceLine.invoice_id == invoice_id).order_by(InvoiceLine.line_no)).all()
    return {"status": inv.status, "document": (
        inv.number, inv.seq, inv.kind, inv.date, inv.due_date, inv.counterparty_id, inv.currency, inv.rate,
        inv.net_total, inv.tax_total, inv.total, inv.total_base, inv.entry_id, tuple(lines))}


def _money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(Decimal(1) if currency == "KHR" else Decimal("0.01"))


def test_the_books_keep_their_invariants_under_any_sequence_of_operations(db: Any, monkeypatch: Any) -> None:
    # Hypothesis mines the constants of every loaded module of the project for examples, so which
    # steps a derandomized run takes would depend on what else the suite imported (with the imports
    # package loaded, the same seed stopped drawing any allocation). Without them the run is the same
    # whatever ran before. A private name: if Hypothesis renames it, this line fails loudly.
    from hypothesis.internal.conjecture import providers

    monkeypatch.setattr(providers, "_get_local_constants", lambda: providers.Constants(
        integers=providers.SortedSet(), floats=providers.SortedSet(key=providers.float_to_int),
        bytes=providers.SortedSet(), strings=providers.SortedSet()))
    _done.clear()
    run_state_machine_as_test(machine_for(db), settings=settings(
        max_examples=10, stateful_step_count=30, deadline=None, derandomize=True,
        # Shrinking a long stateful run against a database takes minutes; the failing sequence
        # is printed unshrunk instead, which is enough to replay it.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))
    every = {"sale_invoice", "bill", "cancel", "credit_note", "receipt", "payment", "pay_and_allocate", "allocate",
             "unallocate", "cancel_payment", "close_period"}
    assert every <= set(_done), f"never went through: {every - set(_done)} ({dict(_done)}; refused: {dict(_refused)})"
