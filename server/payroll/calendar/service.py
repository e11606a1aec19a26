"""The production calendar: working, shortened and non-working days per country and year, with company overrides.

The state's calendar comes from the `holidays` package: public holidays (with the days off a holiday on a weekend
moves to), the days off swapped with weekend days and those weekend days made working. The company's
PayrollSettings decide the weekly days off; Russia shortens the working day before a public holiday by an hour
(Labour Code art. 95); a CalendarOverride row is the company's own verdict on a day and wins over everything.
Norms of working days and hours per month — what the payroll engine divides salaries by — are read from here.
"""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.service import log_change
from ...audit import records
from ...core.actor import Actor
from ...core.errors import ErrorList, FieldError, ValidationFailed
from ...org.models import Company
from ..models import CalendarOverride, PayrollSettings

FULL_DAY = Decimal(8)
SHORT_DAY = Decimal(7)
NO_HOURS = Decimal(0)
MAX_DAY_HOURS = Decimal(24)
HOURS_PLACES = 2  # calendar_overrides.hours is NUMERIC(6, 2)
OVERTIME_PLACES = 3  # payroll_settings.overtime_multiplier is NUMERIC(6, 3)
DEFAULT_WEEKEND = (6, 7)
DEFAULT_OVERTIME = Decimal("1.5")
# Countries whose labour law shortens by one hour the working day immediately before a public holiday.
PRE_HOLIDAY_SHORTENING = frozenset({"RU"})
_CACHE = "cb_calendar"
_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Day:
    date: dt.date
    kind: str  # "working" | "short" | "holiday" | "weekend"
    hours: Decimal  # norm hours of a full-time (8 h) day: 8, 7 on a shortened day, 0 on days off
    name: str = ""  # holiday name ("" for ordinary days)
    overridden: bool = False  # the company's override decided this day


@dataclass(frozen=True)
class Month:
    start: dt.date
    days: tuple[Day, ...]
    norm_days: int  # working + short days
    norm_hours: Decimal


# --- the state's calendar (the `holidays` package) -------------------------------------------

@dataclass(frozen=True)
class _StateYear:
    """What the package says about one year (and the days around it the rules look at)."""

    names: dict[dt.date, str]  # every day off the state declares: holidays, their observed days, swapped days
    public: frozenset[dt.date]  # the public holidays themselves (not observed or swapped days off)
    workdays: frozenset[dt.date]  # weekend days the state made working
    swapped: dict[dt.date, dt.date]  # such a working weekend day → the weekday off it was swapped with


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(c for c in holidays.list_supported_countries() if len(c) == 2 and c.isalpha())


def known_country(code: str) -> bool:
    """Whether the `holidays` package has a calendar for this two-letter country code."""
    return code.upper() in _countries()


def _unknown(country: str, field: str = "country") -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(field, "unknown_country", {"country": country})])


def _language(entity: Any) -> str | None:
    # English names everywhere the package has them, so the answer does not depend on the server's locale.
    langs = getattr(entity, "supported_languages", ())
    if "en_US" in langs:
        return "en_US"
    return next((lang for lang in langs if lang.startswith("en")), None)


def _entity(country: str, years: Iterable[int], **kw: Any) -> Any:
    return holidays.country_holidays(country, years=list(years), **kw)


@lru_cache(maxsize=512)
def covers(country: str, year: int) -> bool:
    """Whether the package knows the holidays of `country` in `year` (outside its range it knows none or some)."""
    if not known_country(country):
        return False
    probe = holidays.country_holidays(country)
    if not probe.start_year <= year <= probe.end_year:
        return False
    # Some entities (India: 2001–2035) hold data for fewer years and only warn; a warning here is a refusal.
    # catch_warnings touches process-wide state, but this runs once per country and year (cached).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        len(_entity(country, [year], language=_language(probe)))
    return not caught


def _require(country: str, year: int, field: str = "year") -> None:
    if not known_country(country):
        raise _unknown(country)
    if not covers(country, year):
        raise ValidationFailed(errors=[FieldError(field, "calendar_year_unsupported", {"country": country, "year": year})])


@lru_cache(maxsize=256)
def _state_year(country: str, year: int) -> _StateYear:
    probe = holidays.country_holidays(country)
    lang = _language(probe)
    # The neighbour years too: 31 December looks at 1 January, and a swap may cross the new year.
    years = [y for y in (year - 1, year, year + 1) if covers(country, y)]
    entity = _entity(country, years, language=lang)
    bare = _entity(country, years, language=lang, observed=False)
    label = getattr(entity, "substituted_label", None)
    prefix = entity.tr(label).split("%s", 1)[0] if label else None

    def swapped_day_off(day: dt.date) -> bool:
        return prefix is not None and all(n.startswith(prefix) for n in bare.get_list(day))

    public = frozenset(d for d in bare if not swapped_day_off(d))
    workdays = frozenset(getattr(entity, "weekend_workdays", ()) or ())
    swapped: dict[dt.date, dt.date] = {}
    if label:
        fmt = entity.tr(entity.substituted_date_format)
        for work in workdays:
            text = entity.tr(label) % work.strftime(fmt)
            off = next((d for d in entity if text in entity.get_list(d)), None)
            if off is not None:
                swapped[work] = off
    return _StateYear(names={d: entity[d] for d in entity}, public=public, workdays=workdays, swapped=swapped)


def _state_day(day: dt.date, state: _StateYear, weekend: frozenset[int], shorten: bool) -> Day:
    name = state.names.get(day)
    if name is not None:
        return Day(day, "holiday", NO_HOURS, name)
    if day not in state.workdays and day.isoweekday() in weekend:
        return Day(day, "weekend", NO_HOURS)
    if shorten and _before_public_holiday(day, state):
        return Day(day, "short", SHORT_DAY)
    return Day(day, "working", FULL_DAY)


def _before_public_holiday(day: dt.date, state: _StateYear) -> bool:
    if day + _ONE_DAY in state.public:
        return True
    # A weekend day made working in exchange for a pre-holiday weekday keeps that weekday's shorter norm:
    # Saturday 1 November 2025 took the place of Monday 3 November, the eve of Unity Day (Mintrud's calendar).
    off = state.swapped.get(day)
    return off is not None and off + _ONE_DAY in state.public


# --- the company's calendar --------------------------------------------------------------------

def _stored_settings(session: Session, company_id: int) -> PayrollSettings | None:
    return session.scalar(select(PayrollSettings).where(PayrollSettings.company_id == company_id))


def _defaults(session: Session, company_id: int) -> PayrollSettings:
    country = session.get_one(Company, company_id).country
    return PayrollSettings(company_id=company_id, calendar_country=country, weekend=list(DEFAULT_WEEKEND),
                           overtime_multiplier=DEFAULT_OVERTIME, version=1)


def current_settings(session: Session, company_id: int) -> PayrollSettings:
    """The company's settings, or the defaults (unsaved, version 1) while it has none: reading never writes."""
    return _stored_settings(session, company_id) or _defaults(session, company_id)


def settings(session: Session, company_id: int, actor: Actor | None = None) -> PayrollSettings:
    """The company's settings, created with the defaults (the company's country, Sat/Sun off, overtime 1.5) if missing."""
    found = _stored_settings(session, company_id)
    if found is not None:
        return found
    fresh = _defaults(session, company_id)
    fresh.version = None  # type: ignore[assignment]  # the ORM numbers it on insert
    return records.create(session, actor or Actor.system(company_id), fresh, "payroll_settings")


def year_calendar(session: Session, company_id: int, country: str, year: int) -> dict[dt.date, Day]:
    """Every day of `year` in the company's calendar for `country`, in date order; cached in the session."""
    country = country.upper()
    cache = session.info.setdefault(_CACHE, {})
    key = (company_id, country, year)
    found = cache.get(key)
    if found is not None:
        return found
    _require(country, year)
    state = _state_year(country, year)
    weekend = frozenset(current_settings(session, company_id).weekend or ())
    shorten = country in PRE_HOLIDAY_SHORTENING
    overrides = {
        o.date: o for o in session.scalars(select(CalendarOverride).where(
            CalendarOverride.company_id == company_id, CalendarOverride.country == country,
            CalendarOverride.date >= dt.date(year, 1, 1), CalendarOverride.date <= dt.date(year, 12, 31)))
    }
    days: dict[dt.date, Day] = {}
    day = dt.date(year, 1, 1)
    while day.year == year:
        own = overrides.get(day)
        if own is not None:
            working = own.kind in ("working", "short")
            # The state's holiday name stays on a day the company keeps off, not on one it makes working.
            name = own.name or ("" if working else state.names.get(day, ""))
            days[day] = Day(day, own.kind, own.hours if working else NO_HOURS, name, overridden=True)
        else:
            days[day] = _state_day(day, state, weekend, shorten)
        day += _ONE_DAY
    cache[key] = days
    return days


def month(session: Session, company_id: int, country: str, month_start: dt.date) -> Month:
    """The month that holds `month_start`, with its norms of working days and hours; cached in the session."""
    country = country.upper()
    start = month_start.replace(day=1)
    cache = session.info.setdefault(_CACHE, {})
    key = (company_id, country, start)
    found = cache.get(key)
    if found is not None:
        return found
    year = year_calendar(session, company_id, country, start.year)
    days = tuple(d for d in year.values() if d.date.month == start.month)
    working = [d for d in days if d.kind in ("working", "short")]
    result = Month(start=start, days=days, norm_days=len(working), norm_hours=sum((d.hours for d in working), NO_HOURS))
    cache[key] = result
    return result


def forget(session: Session, company_id: int) -> None:
    """Drop the session's cached calendars of a company (after its settings or overrides change)."""
    cache = session.info.get(_CACHE)
    if cache:
        for key in [k for k in cache if k[0] == company_id]:
            del cache[key]


# --- what the API reads and writes ----------------------------------------------------------

def describe_year(session: Session, company_id: int, country: str | None, year: int) -> dict[str, Any]:
    """A year's monthly norms and its days that are not ordinary (holidays, shortened, overridden, working weekends)."""
    own = current_settings(session, company_id)
    weekend = frozenset(own.weekend or ())
    country = (country or own.calendar_country).upper()
    if not known_country(country):
        raise _unknown(country)
    days = year_calendar(session, company_id, country, year)
    months = []
    for m in range(1, 13):
        mo = month(session, company_id, country, dt.date(year, m, 1))
        months.append({"month": f"{year:04d}-{m:02d}", "norm_days": mo.norm_days, "norm_hours": mo.norm_hours})
    notable = [
        {"date": d.date, "kind": d.kind, "hours": d.hours, "name": d.name, "overridden": d.overridden}
        for d in days.values()
        if d.overridden or d.kind in ("holiday", "short") or (d.kind == "working" and d.date.isoweekday() in weekend)
    ]
    return {"country": country, "year": year, "months": months, "days": notable}


def _check_day(errors: ErrorList, where: str, country: str, day: Any) -> None:
    """One override of a PUT body: its date inside the state's calendar, hours that fit its kind."""
    if not covers(country, day.date.year):
        errors.add(f"{where}.date", "calendar_year_unsupported", country=country, year=day.date.year)
    if day.kind == "default":
        if day.hours is not None or day.name is not None:
            errors.add(f"{where}.hours" if day.hours is not None else f"{where}.name", "not_for_default")
        return
    hours = day.hours
    if hours is None:
        return
    if day.kind in ("holiday", "weekend"):
        if hours != 0:
            errors.add(f"{where}.hours", "hours_on_day_off")
    elif hours <= 0:
        errors.add(f"{where}.hours", "must_be_positive")
    elif hours > MAX_DAY_HOURS:
        errors.add(f"{where}.hours", "too_large", max=int(MAX_DAY_HOURS))
    elif hours != hours.quantize(Decimal(1).scaleb(-HOURS_PLACES)):
        errors.add(f"{where}.hours", "too_many_places", places=HOURS_PLACES)


def set_overrides(session: Session, actor: Actor, country: str, days: list[Any]) -> int:
    """Set (kind working/short/holiday/weekend) or remove (kind "default") the company's verdicts on days.

    Everything is checked before anything is written; every error is reported. Answers the year of the first day.
    """
    country = country.upper()
    if not known_country(country):
        raise _unknown(country)
    errors = ErrorList()
    seen: set[dt.date] = set()
    for i, day in enumerate(days):
        _check_day(errors, f"days.{i}", country, day)
        if day.date in seen:
            errors.add(f"days.{i}.date", "duplicate_in_request")
        seen.add(day.date)
    errors.raise_if_any()
    existing = {
        o.date: o for o in session.scalars(select(CalendarOverride).where(
            CalendarOverride.company_id == actor.company_id, CalendarOverride.country == country,
            CalendarOverride.date.in_(seen)))
    }
    for day in days:
        own = existing.get(day.date)
        if day.kind == "default":
            if own is not None:
                log_change(session, actor, "calendar_override", own.id, "delete", records.snapshot(own), None)
                session.delete(own)
            continue
        default_hours = {"working": FULL_DAY, "short": SHORT_DAY}.get(day.kind, NO_HOURS)
        hours = (day.hours if day.hours is not None else default_hours).quantize(Decimal(1).scaleb(-HOURS_PLACES))
        values = {"kind": day.kind, "hours": hours, "name": day.name or None}
        if own is None:
            records.create(session, actor, CalendarOverride(company_id=actor.company_id, country=country,
                                                            date=day.date, **values), "calendar_override")
        else:
            records.change(session, actor, own, values, "calendar_override")
    session.flush()
    forget(session, actor.company_id)
    return days[0].date.year


def update_settings(session: Session, actor: Actor, patch: Any, present: records.Present) -> PayrollSettings:
    """Change the calendar's country, the weekly days off or the overtime multiplier (version required)."""
    current = current_settings(session, actor.company_id)
    records.check_version(current, patch.version, present)
    changes = patch.model_dump(exclude_unset=True, exclude={"version"})
    errors = ErrorList()  # null for a field is refused by the schema (wrong_type): each one has a value
    if changes.get("weekend") is not None:
        weekend = changes["weekend"]
        if len(set(weekend)) != len(weekend):
            errors.add("weekend", "duplicate_in_request")
        changes["weekend"] = sorted(set(weekend))
    multiplier = changes.get("overtime_multiplier")
    if multiplier is not None:
        if multiplier < 1:
            errors.add("overtime_multiplier", "too_small", min=1)
        elif multiplier > 10:
            errors.add("overtime_multiplier", "too_large", max=10)
        elif multiplier != multiplier.quantize(Decimal(1).scaleb(-OVERTIME_PLACES)):
            errors.add("overtime_multiplier", "too_many_places", places=OVERTIME_PLACES)
    errors.raise_if_any()
    stored = settings(session, actor.company_id, actor)
    result = records.change(session, actor, stored, changes, "payroll_settings")
    forget(session, actor.company_id)
    return result

