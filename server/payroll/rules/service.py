"""Rules of a company's tax rules: validation naming each field, changes with the log, presets, the active set."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from ...audit import records
from ...core.actor import Actor
from ...core.errors import Conflict, ErrorList, FieldError
from ...core.money import CURRENCIES
from . import schemas
from ..models import TaxRule
from .taxes import PRESETS

ENTITY = "tax_rule"
PERCENT_PLACES = 4
# The rounding column is NUMERIC(12, 4): four places, below 10**8.
ROUNDING_PLACES = 4
ROUNDING_MAX = Decimal(10) ** 8
HUNDRED = Decimal(100)


def present_tax_rule(obj: TaxRule) -> dict[str, Any]:
    return schemas.TaxRuleOut.model_validate(obj).model_dump(mode="json")


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _text(value: Decimal) -> str:
    return "0" if value == 0 else format(value.normalize(), "f")


def _company_rules(session: Session, company_id: int) -> dict[str, TaxRule]:
    """Every rule of the company by code, archived ones too (codes are unique among all of them)."""
    return {r.code: r for r in session.scalars(select(TaxRule).where(TaxRule.company_id == company_id))}


def _active(rules: dict[str, TaxRule]) -> dict[str, TaxRule]:
    return {code: r for code, r in rules.items() if r.archived_at is None}


def _users_of(rules: dict[str, TaxRule], code: str, own: Optional[TaxRule]) -> list[str]:
    """Codes of the active rules that subtract `code` from their base."""
    return sorted(r.code for r in _active(rules).values() if r is not own and code in (r.base_minus or []))


def _reaches(rules: dict[str, TaxRule], start: str, target: str) -> bool:
    """Whether `start`'s base_minus leads (through the active rules) back to `target`."""
    active = _active(rules)
    seen: set[str] = set()
    todo = [start]
    while todo:
        code = todo.pop()
        if code == target:
            return True
        if code in seen or code not in active:
            continue
        seen.add(code)
        todo.extend(active[code].base_minus or [])
    return False


def _check_amount(errors: ErrorList, field: str, value: Optional[Decimal], currency: str) -> None:
    if value is None:
        return
    if value < 0:
        errors.add(field, "must_not_be_negative")
    cur = CURRENCIES.get(currency)
    if cur is not None and _places(value) > cur.minor_units:
        errors.add(field, "too_many_decimals", currency=cur.code, places=cur.minor_units)


def _check_brackets(errors: ErrorList, brackets: list[tuple[Decimal, Decimal]], currency: str) -> None:
    if not brackets:
        errors.add("brackets", "required")
        return
    previous: Optional[Decimal] = None
    for i, (threshold, percent) in enumerate(brackets):
        where = f"brackets.{i}"
        _check_amount(errors, f"{where}.threshold", threshold, currency)
        if i == 0 and threshold != 0:
            errors.add(f"{where}.threshold", "brackets_start_at_zero")
        elif previous is not None and threshold <= previous:
            errors.add(f"{where}.threshold", "brackets_not_ascending", previous=_text(previous))
        previous = threshold
        if percent < 0 or percent > HUNDRED:
            errors.add(f"{where}.percent", "invalid_percent")
        elif _places(percent) > PERCENT_PLACES:
            errors.add(f"{where}.percent", "too_precise", places=PERCENT_PLACES)


def _check(errors: ErrorList, values: dict[str, Any], changed: set[str], rules: dict[str, TaxRule],
           own: Optional[TaxRule]) -> None:
    """Every rule a rule's fields break, each error naming its field. `values` is the rule as it would be."""
    code, currency = values["code"], values["currency"]
    if "code" in changed:
        holder = rules.get(code)
        if holder is not None and holder is not own:
            errors.add("code", "already_exists")
        if own is not None and code != own.code and _users_of(rules, own.code, own):
            errors.add("code", "tax_rule_in_use", codes=", ".join(_users_of(rules, own.code, own)))
    if "kind" in changed and own is not None and values["kind"] != "withholding" and _users_of(rules, own.code, own):
        errors.add("kind", "tax_rule_in_use", codes=", ".join(_users_of(rules, own.code, own)))
    if changed & {"brackets", "currency"}:
        _check_brackets(errors, values["brackets"], currency)
    for field in ("base_floor", "dependant_allowance"):
        if changed & {field, "currency"}:
            _check_amount(errors, field, values[field], currency)
    if "rounding" in changed:
        step = values["rounding"]
        if step <= 0:
            errors.add("rounding", "must_be_positive")
        elif step >= ROUNDING_MAX:
            errors.add("rounding", "too_large", max=_text(ROUNDING_MAX - Decimal("0.0001")))
        elif _places(step) > ROUNDING_PLACES:
            errors.add("rounding", "too_precise", places=ROUNDING_PLACES)
    if changed & {"base_minus", "code"}:
        _check_base_minus(errors, values["base_minus"], code, rules, own)


def _check_base_minus(errors: ErrorList, minus: list[str], code: str, rules: dict[str, TaxRule],
                      own: Optional[TaxRule]) -> None:
    active = _active(rules)
    own_codes = {code} | ({own.code} if own is not None else set())
    if len(set(minus)) != len(minus):
        errors.add("base_minus", "duplicate_in_request")
    for i, other in enumerate(minus):
        field = f"base_minus.{i}"
        if other in own_codes:
            errors.add(field, "base_minus_self")
        elif other not in active:
            errors.add(field, "unknown_reference", entity="tax rule", value=other)
        elif active[other].kind != "withholding":
            errors.add(field, "base_minus_not_withholding", rule=other)
        elif own is not None and _reaches(rules, other, own.code):
            errors.add(field, "base_minus_cycle", rule=other)


def _given(data: dict[str, Any]) -> dict[str, Any]:
    """A dumped input → the service's shape: brackets as (threshold, percent) pairs of Decimals."""
    out = dict(data)
    if out.get("brackets") is not None:
        out["brackets"] = [(b["threshold"], b["percent"]) for b in out["brackets"]]
    return out


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Input values → column values: brackets as decimal strings, names without empty languages."""
    out = dict(values)
    if "brackets" in out:
        out["brackets"] = [[_text(t), _text(p)] for t, p in out["brackets"]]
    if "names" in out:
        out["names"] = {k: v for k, v in (out["names"] or {}).items() if v}
    if "base_minus" in out:
        out["base_minus"] = list(out["base_minus"])
    return out


def _current(rule: TaxRule) -> dict[str, Any]:
    """A stored rule in the shape of the input (brackets as Decimals)."""
    return {
        "code": rule.code, "name": rule.name, "names": dict(rule.names or {}), "kind": rule.kind,
        "brackets": [(Decimal(str(t)), Decimal(str(p))) for t, p in rule.brackets], "period": rule.period,
        "currency": rule.currency, "base_floor": rule.base_floor, "dependant_allowance": rule.dependant_allowance,
        "base_minus": list(rule.base_minus or []), "rounding": rule.rounding, "sort_order": rule.sort_order,
        "country": rule.country,
    }


# --- CRUD ----------------------------------------------------------------------------------------

def list_tax_rules(session: Session, actor: Actor, include_archived: bool) -> list[TaxRule]:
    """Withholding rules first, then contributions, each by sort order."""
    q = (select(TaxRule).where(TaxRule.company_id == actor.company_id)
         .order_by(case((TaxRule.kind == "withholding", 0), else_=1), TaxRule.sort_order, TaxRule.id))
    if not include_archived:
        q = q.where(TaxRule.archived_at.is_(None))
    return list(session.scalars(q))


def create_tax_rule(session: Session, actor: Actor, data: schemas.TaxRuleIn) -> TaxRule:
    values = _given(data.model_dump())
    errors = ErrorList()
    _check(errors, values, set(values), _company_rules(session, actor.company_id), None)
    errors.raise_if_any()
    return records.create(session, actor, TaxRule(company_id=actor.company_id, **_stored(values)), ENTITY)


def update_tax_rule(session: Session, actor: Actor, rule_id: int, patch: schemas.TaxRulePatch) -> TaxRule:
    rule = records.get_versioned(session, actor, TaxRule, rule_id, ENTITY, patch.version, present_tax_rule)
    changes = _given(patch.model_dump(exclude_unset=True, exclude={"version"}))
    errors = ErrorList()
    _check(errors, {**_current(rule), **changes}, set(changes), _company_rules(session, actor.company_id), rule)
    errors.raise_if_any()
    return records.change(session, actor, rule, _stored(changes), ENTITY)


def archive_tax_rule(session: Session, actor: Actor, rule_id: int, version: int) -> TaxRule:
    rule = records.get_versioned(session, actor, TaxRule, rule_id, ENTITY, version, present_tax_rule)
    # A rule others subtract from their base stays until they stop: archiving it would silently raise their base.
    users = _users_of(_company_rules(session, actor.company_id), rule.code, rule)
    if users and rule.archived_at is None:
        raise Conflict("tax_rule_in_use", params={"codes": ", ".join(users)})
    return records.archive(session, actor, rule, ENTITY)


MODELS = {ENTITY: TaxRule}


# --- presets -------------------------------------------------------------------------------------

def load_preset(session: Session, actor: Actor, country: str, replace: bool) -> tuple[list[TaxRule], list[str], list[str]]:
    """Load a country's example rules: (the preset's rules, codes created, codes updated).

    A code that already exists is refused (409, every such code named) unless `replace`, which updates
    that rule in place — a new version, logged — and restores it if it was archived. Rules outside the
    preset are left alone.
    """
    preset = PRESETS[country]
    rules = _company_rules(session, actor.company_id)
    taken = [p["code"] for p in preset if p["code"] in rules]
    if taken and not replace:
        raise Conflict("preset_codes_exist", params={"codes": ", ".join(taken)},
                       errors=[FieldError("replace", "preset_code_exists", {"rule": c}) for c in taken])
    loaded, created, updated = [], [], []
    # In the preset's order, so a rule's base_minus names a rule already loaded.
    for item in preset:
        values = {**{k: v for k, v in item.items() if k != "preset"}, "country": country}
        values["brackets"] = [(Decimal(t), Decimal(p)) for t, p in values["brackets"]]
        own = rules.get(item["code"])
        current = _current(own) if own is not None else {}
        changed = {k for k, v in values.items() if own is None or current.get(k) != v}
        errors = ErrorList()
        _check(errors, values, changed, rules, own)
        if errors:
            # Only a company's own edits can clash with a preset (a rule of theirs subtracting a preset rule
            # that the preset makes a contribution …): name the preset rule beside the field.
            prefixed = ErrorList()
            prefixed.extend(errors.items, prefix=f"{item['code']}.")
            prefixed.raise_if_any()
        stored = _stored(values)
        if own is None:
            rule = records.create(session, actor, TaxRule(company_id=actor.company_id, preset=country, **stored), ENTITY)
            rules[rule.code] = rule
            created.append(rule.code)
        else:
            rule = records.change(session, actor, own, {**stored, "preset": country}, ENTITY)
            if rule.archived_at is not None:
                records.restore(session, actor, rule, ENTITY)
            updated.append(rule.code)
        loaded.append(rule)
    return loaded, created, updated


# --- for the payroll engine ----------------------------------------------------------------------

def active_rules(session: Session, company_id: int, country: Optional[str] = None) -> list[TaxRule]:
    """The rules a payroll run applies (those of `country` and those without one; all when no country is
    given), in the order it must compute them.

    Withholding rules first, by sort order, except that a rule comes after the rules in its base_minus
    (their amounts must be known when its base is taken); then contributions by sort order.
    """
    rows = list(session.scalars(
        select(TaxRule).where(TaxRule.company_id == company_id, TaxRule.archived_at.is_(None),
                              *([TaxRule.country.is_(None) | (TaxRule.country == country)] if country else []))
        .order_by(TaxRule.sort_order, TaxRule.id)
    ))
    withholding = [r for r in rows if r.kind == "withholding"]
    return _after_dependencies(withholding) + [r for r in rows if r.kind != "withholding"]


def _after_dependencies(rules: list[TaxRule]) -> list[TaxRule]:
    codes = {r.code for r in rules}
    placed: set[str] = set()
    ordered: list[TaxRule] = []
    pending = list(rules)
    while pending:
        ready = next((r for r in pending if all(c in placed or c not in codes for c in r.base_minus or [])), None)
        # Validation refuses circles; should one exist anyway, keep the sort order rather than loop.
        rule = ready if ready is not None else pending[0]
        pending.remove(rule)
        placed.add(rule.code)
        ordered.append(rule)
    return ordered
