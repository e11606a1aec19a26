"""The price of a product for a client on a date, and which rule gave it.

The decision, in order:

1. Candidate lists: not archived, kind "sale", of the requested currency (default: the
   company's base currency), valid on the date (valid_from ≤ date ≤ valid_to, open ends
   allowed), whose segment is empty or the client's segment and whose branch is empty or
   the given branch.
2. Within a list, a rule applies when it is valid on the date and its min_qty ≤ qty.
   Rules for the product beat rules for its category, and a nearer category beats a
   farther ancestor; among the quantity breaks of that same target the highest min_qty wins.
3. Across lists the most specific list wins (segment+branch > segment > branch > general),
   then the higher priority, then the latest valid_from (an open start counts as oldest),
   then the lower id. A list without an applicable rule is passed over.
4. A rule gives either a fixed price or a discount percent. The discount is taken off the
   base price: the fixed price that the general lists (no segment, no branch) give for the
   same product, quantity, date and currency, chosen by the same order. A discount with no
   base price to take it off is passed over like a list without a rule.
5. If no list of the requested currency gives a price but the base currency does, the base
   price is converted with the rate on the date (`rate_on`) and rounded by the currency;
   the explanation says so.
6. Nothing applies: a ValidationFailed naming `product_id` with code `no_price`.

Prices are net of tax and rounded to the currency's minor units at one point: the unit price.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.actor import Actor
from ..core.errors import DomainError, ErrorList, FieldError, ValidationFailed
from ..core.money import CURRENCIES, currency as currency_of
from ..currency.service import company_currencies, rate_on
from ..org.models import Branch
from ..parties.models import Counterparty, Segment
from .models import Category, PriceList, PriceRule, Product

HUNDRED = Decimal(100)
SPECIFICITY_NAMES = {3: "segment and branch", 2: "segment", 1: "branch", 0: "general"}


@dataclass(frozen=True)
class Quote:
    """A unit price (net of tax) and the reasons for it."""

    price: Decimal
    currency: str
    tax_rate: Decimal
    discount_percent: Decimal
    price_list_id: int | None
    rule_id: int | None
    explanation: str
    considered: tuple[str, ...] = ()
    # The base price a discount was taken off (None for a fixed price).
    base_price: Decimal | None = None
    # Units of the base currency per one unit of `currency`, when the price was converted.
    rate: Decimal | None = None


@dataclass(frozen=True)
class _Candidate:
    """A list that applies, with the rule it would use."""

    plist: PriceList
    rule: PriceRule
    target: str  # "product" or "category <code>"

    @property
    def rank(self) -> tuple[int, int, int, int]:
        return _rank(self.plist)


def _specificity(plist: PriceList) -> int:
    return (2 if plist.segment_id is not None else 0) + (1 if plist.branch_id is not None else 0)


def _rank(plist: PriceList) -> tuple[int, int, int, int]:
    """Sort key: smaller is better (most specific, highest priority, latest start, lowest id)."""
    start = plist.valid_from.toordinal() if plist.valid_from else 0
    return (-_specificity(plist), -plist.priority, -start, plist.id)


def _valid_on(obj: PriceList | PriceRule, on: dt.date) -> bool:
    return (obj.valid_from is None or obj.valid_from <= on) and (obj.valid_to is None or on <= obj.valid_to)


def _fmt_qty(q: Decimal) -> str:
    return format(q.normalize(), "f")


def _fmt_pct(p: Decimal) -> str:
    return _fmt_qty(p) + "%"


def category_chain(session: Session, category_id: int | None) -> list[Category]:
    """The product's category, then its parent, up to the root (nearest first)."""
    chain: list[Category] = []
    seen: set[int] = set()
    while category_id is not None and category_id not in seen:
        cat = session.get(Category, category_id)
        if cat is None:
            break
        seen.add(cat.id)
        chain.append(cat)
        category_id = cat.parent_id
    return chain


class _Context:
    """What the decision needs to know once: the product, its categories, names for the explanation."""

    def __init__(self, session: Session, product: Product, segment_id: int | None, branch_id: int | None,
                 on: dt.date, qty: Decimal) -> None:
        self.session = session
        self.product = product
        self.segment_id = segment_id
        self.branch_id = branch_id
        self.on = on
        self.qty = qty
        self.chain = category_chain(session, product.category_id)
        self.depth = {c.id: i for i, c in enumerate(self.chain)}
        self.codes = {c.id: c.code for c in self.chain}
        self._segment_codes: dict[int, str] = {}
        self._branch_codes: dict[int, str] = {}

    def segment_code(self, segment_id: int) -> str:
        if segment_id not in self._segment_codes:
            seg = self.session.get(Segment, segment_id)
            self._segment_codes[segment_id] = seg.code if seg else str(segment_id)
        return self._segment_codes[segment_id]

    def branch_code(self, branch_id: int) -> str:
        if branch_id not in self._branch_codes:
            br = self.session.get(Branch, branch_id)
            self._branch_codes[branch_id] = br.code if br else str(branch_id)
        return self._branch_codes[branch_id]

    def describe(self, plist: PriceList) -> str:
        parts = []
        if plist.segment_id is not None:
            parts.append(f"segment {self.segment_code(plist.segment_id)}")
        if plist.branch_id is not None:
            parts.append(f"branch {self.branch_code(plist.branch_id)}")
        scope = ", ".join(parts) or "general"
        return f"list {plist.code} ({scope}, priority {plist.priority})"

    def why_not_applicable(self, plist: PriceList) -> str | None:
        """None when the list applies to this client, branch and date; else the reason."""
        if not _valid_on(plist, self.on):
            start = plist.valid_from.isoformat() if plist.valid_from else "…"
            end = plist.valid_to.isoformat() if plist.valid_to else "…"
            return f"not valid on {self.on.isoformat()} (valid {start} to {end})"
        if plist.segment_id is not None and plist.segment_id != self.segment_id:
            return f"for segment {self.segment_code(plist.segment_id)} only"
        if plist.branch_id is not None and plist.branch_id != self.branch_id:
            return f"for branch {self.branch_code(plist.branch_id)} only"
        return None

    def best_rule(self, rules: Iterable[PriceRule]) -> tuple[PriceRule, str] | None:
        """Product rules beat category rules (nearest first); then the highest min_qty ≤ qty."""
        best: tuple[tuple[int, Decimal, int], PriceRule] | None = None
        for rule in rules:
            if not _valid_on(rule, self.on) or rule.min_qty > self.qty:
                continue
            if rule.product_id == self.product.id:
                distance = 0
            elif rule.category_id in self.depth:
                distance = 1 + self.depth[rule.category_id]
            else:
                continue
            key = (distance, -rule.min_qty, rule.id)
            if best is None or key < best[0]:
                best = (key, rule)
        if best is None:
            return None
        rule = best[1]
        target = "product" if rule.product_id is not None else f"category {self.codes[rule.category_id]}"
        return rule, target


def _load_lists(session: Session, company_id: int, currencies: set[str]) -> list[PriceList]:
    return list(session.scalars(
        select(PriceList).where(
            PriceList.company_id == company_id, PriceList.kind == "sale", PriceList.archived_at.is_(None),
            PriceList.currency.in_(sorted(currencies)),
        )
    ))


def _load_rules(session: Session, list_ids: list[int], product: Product, category_ids: list[int]) -> dict[int, list[PriceRule]]:
    by_list: dict[int, list[PriceRule]] = {i: [] for i in list_ids}
    if not list_ids:
        return by_list
    target = PriceRule.product_id == product.id
    if category_ids:
        target = or_(target, PriceRule.category_id.in_(category_ids))
    for rule in session.scalars(select(PriceRule).where(PriceRule.price_list_id.in_(list_ids), target)):
        by_list[rule.price_list_id].append(rule)
    return by_list


def _why_lost(ctx: _Context, loser: PriceList, winner: PriceList) -> str:
    a, b = _rank(loser), _rank(winner)
    if a[0] != b[0]:
        return (f"less specific ({SPECIFICITY_NAMES[-a[0]]}) than {winner.code} "
                f"({SPECIFICITY_NAMES[-b[0]]})")
    if a[1] != b[1]:
        return f"lower priority than {winner.code} ({loser.priority} < {winner.priority})"
    if a[2] != b[2]:
        return f"starts earlier than {winner.code}"
    return f"same rank as {winner.code}, which has the lower id"


def _rule_text(rule: PriceRule, target: str, unit: str) -> str:
    where = "" if target == "product" else f" ({target})"
    return f"rule {rule.id}{where}: from {_fmt_qty(rule.min_qty)} {unit}"


class _Decision:
    """Runs steps 1–4 for one currency."""

    def __init__(self, ctx: _Context, lists: list[PriceList], code: str) -> None:
        self.ctx = ctx
        self.code = code
        self.cur = currency_of(code)
        self.considered: list[str] = []
        mine = sorted((pl for pl in lists if pl.currency == code), key=_rank)
        self.applicable: list[PriceList] = []
        for pl in mine:
            reason = ctx.why_not_applicable(pl)
            if reason is None:
                self.applicable.append(pl)
            else:
                self.considered.append(f"{ctx.describe(pl)}: {reason}")
        self.rules = _load_rules(ctx.session, [pl.id for pl in self.applicable], ctx.product, list(ctx.depth))
        self._base: tuple[Decimal, _Candidate] | None | bool = False

    def base_price(self) -> tuple[Decimal, _Candidate] | None:
        """The fixed price of the general lists (step 4), computed once."""
        if self._base is False:
            self._base = None
            for pl in self.applicable:
                if _specificity(pl) != 0:
                    continue
                fixed = [r for r in self.rules[pl.id] if r.price is not None]
                found = self.ctx.best_rule(fixed)
                if found is not None:
                    rule, target = found
                    self._base = (self.cur.round(rule.price), _Candidate(pl, rule, target))
                    break
        return self._base  # type: ignore[return-value]

    def decide(self) -> Quote | None:
        ctx = self.ctx
        unit = ctx.product.unit
        winner: Quote | None = None
        winner_list: PriceList | None = None
        for pl in self.applicable:
            found = ctx.best_rule(self.rules[pl.id])
            if found is None:
                self.considered.append(
                    f"{ctx.describe(pl)}: no rule for {ctx.product.sku} at {_fmt_qty(ctx.qty)} {unit}"
                )
                continue
            rule, target = found
            if winner is not None:
                self.considered.append(f"{ctx.describe(pl)}, rule {rule.id}: {_why_lost(ctx, pl, winner_list)}")
                continue
            head = f"{ctx.describe(pl)}, {_rule_text(rule, target, unit)}"
            if rule.price is not None:
                price = self.cur.round(rule.price)
                winner = Quote(
                    price=price, currency=self.code, tax_rate=ctx.product.tax_rate, discount_percent=Decimal(0),
                    price_list_id=pl.id, rule_id=rule.id, explanation=f"{head}, fixed price {price}",
                )
                winner_list = pl
                continue
            base = self.base_price()
            if base is None:
                self.considered.append(
                    f"{head}, {_fmt_pct(rule.discount_percent)} off: no base price in a general {self.code} list"
                )
                continue
            base_price, base_from = base
            pct = rule.discount_percent or Decimal(0)
            price = self.cur.round(base_price * (HUNDRED - pct) / HUNDRED)
            winner = Quote(
                price=price, currency=self.code, tax_rate=ctx.product.tax_rate, discount_percent=pct,
                price_list_id=pl.id, rule_id=rule.id, base_price=base_price,
                explanation=(f"{head}, {_fmt_pct(pct)} off base price {base_price} = {price} "
                             f"(base from list {base_from.plist.code}, rule {base_from.rule.id})"),
            )
            winner_list = pl
        if winner is None:
            return None
        return _with_considered(winner, self.considered)


def _with_considered(q: Quote, considered: list[str], **changes: object) -> Quote:
    fields = {**q.__dict__, "considered": tuple(considered), **changes}
    return Quote(**fields)  # type: ignore[arg-type]


def price_for(session: Session, actor: Actor, *, product_id: int, counterparty_id: int | None, on: dt.date,
              qty: Decimal = Decimal(1), currency: str | None = None, branch_id: int | None = None) -> Quote:
    """The unit price of a product for a client on a date, with the reasons (see the module docstring)."""
    errors = ErrorList()
    product = session.get(Product, product_id)
    if product is None or product.company_id != actor.company_id:
        errors.add("product_id", "unknown_reference", entity="product", value=product_id)
    segment_id: int | None = None
    if counterparty_id is not None:
        client = session.get(Counterparty, counterparty_id)
        if client is None or client.company_id != actor.company_id:
            errors.add("counterparty_id", "unknown_reference", entity="counterparty", value=counterparty_id)
        elif not actor.sees_branch(client.branch_id):
            raise DomainError("out_of_branch_scope", status=403,
                              errors=[FieldError("counterparty_id", "out_of_branch_scope")])
        else:
            segment_id = client.segment_id
    if branch_id is not None:
        branch = session.get(Branch, branch_id)
        if branch is None or branch.company_id != actor.company_id:
            errors.add("branch_id", "unknown_reference", entity="branch", value=branch_id)
        elif not actor.sees_branch(branch_id):
            raise DomainError("out_of_branch_scope", status=403, errors=[FieldError("branch_id", "out_of_branch_scope")])
    if qty <= 0:
        errors.add("qty", "must_be_positive")
    if currency is not None and currency not in CURRENCIES:
        errors.add("currency", "invalid_currency")
    errors.raise_if_any()
    assert product is not None
    base, _second = company_currencies(session, actor.company_id)
    code = currency or base
    ctx = _Context(session, product, segment_id, branch_id, on, qty)
    lists = _load_lists(session, actor.company_id, {code, base})
    decision = _Decision(ctx, lists, code)
    quote = decision.decide()
    if quote is not None:
        return quote
    considered = list(decision.considered)
    if code != base:
        in_base = _Decision(ctx, lists, base).decide()
        if in_base is not None:
            rate = rate_on(session, actor.company_id, code, on, "currency")
            cur = currency_of(code)
            price = cur.round(in_base.price / rate)
            explanation = (f"no {code} list gives a price; {in_base.explanation}; "
                           f"{in_base.price} {base} converted at 1 {code} = {_fmt_qty(rate)} {base} "
                           f"on {on.isoformat()} = {price} {code}")
            return _with_considered(
                in_base, considered + list(in_base.considered), price=price, currency=code, rate=rate,
                explanation=explanation,
                base_price=None if in_base.base_price is None else cur.round(in_base.base_price / rate),
            )
    raise ValidationFailed(errors=[FieldError("product_id", "no_price", {
        "sku": product.sku, "currency": code, "date": on.isoformat(), "qty": _fmt_qty(qty),
    })], extra={"considered": considered} if considered else None)
