"""The production calendar: official Russian norms, Cambodia's holidays, company overrides, settings, bad input."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import holidays
import pytest
from sqlalchemy import event, select

from server.audit.models import Operation
from server.core.errors import ValidationFailed
from server.payroll.calendar import service as calendar
from server.payroll.models import CalendarOverride, PayrollSettings

from tests.factories import problem

D = Decimal
CAL = "/api/v1/payroll/calendar"
OVERRIDES = "/api/v1/payroll/calendar/overrides"
SETTINGS = "/api/v1/payroll/settings"


def norms(db: Any, company_id: int, country: str, year: int) -> dict[int, tuple[int, Decimal]]:
    with db.read_session() as s:
        return {m: (mo.norm_days, mo.norm_hours) for m in range(1, 13)
                for mo in [calendar.month(s, company_id, country, dt.date(year, m, 1))]}


def totals(by_month: dict[int, tuple[int, Decimal]]) -> tuple[int, Decimal]:
    return sum(d for d, _ in by_month.values()), sum((h for _, h in by_month.values()), D(0))


def month_of(answer: dict[str, Any], ym: str) -> tuple[int, str]:
    m = next(m for m in answer["months"] if m["month"] == ym)
    return m["norm_days"], m["norm_hours"]


def operations(db: Any, entity: str) -> list[str]:
    with db.read_session() as s:
        return list(s.scalars(select(Operation.action).where(Operation.entity == entity).order_by(Operation.id)))


# --- Russia: the official production calendar (Government decrees, Mintrud's norms for a 40-hour week) ---------

def test_russia_2025_matches_the_official_norms(db: Any, world: Any) -> None:
    by_month = norms(db, world.company_id, "RU", 2025)
    assert by_month[1] == (17, D(136))  # 1–8 January off
    assert by_month[5] == (18, D(144))  # 1, 2, 8, 9 May off; 7 May is not shortened: 8 May is a swapped day off
    assert by_month[11] == (19, D(151))  # 3–4 November off; Saturday 1 November works, 7 hours
    assert totals(by_month) == (247, D(1972))
    with db.read_session() as s:
        year = calendar.year_calendar(s, world.company_id, "RU", 2025)
    short = sorted(d.date for d in year.values() if d.kind == "short")
    # Eves of 8 March (a Saturday), 1 May, 12 June; Saturday 1 November took Monday 3 November's place
    # (the eve of 4 November) and keeps its shorter day.
    assert short == [dt.date(2025, 3, 7), dt.date(2025, 4, 30), dt.date(2025, 6, 11), dt.date(2025, 11, 1)]
    assert year[dt.date(2025, 3, 7)].hours == D(7)
    assert year[dt.date(2025, 5, 7)] == calendar.Day(dt.date(2025, 5, 7), "working", D(8))
    assert year[dt.date(2025, 5, 8)].kind == "holiday" and year[dt.date(2025, 5, 8)].hours == 0
    assert year[dt.date(2025, 6, 12)].name == "Russia Day"
    assert year[dt.date(2025, 12, 31)].kind == "holiday"  # swapped with Sunday 5 January


def test_russia_2026_and_2024_match_the_official_norms(db: Any, world: Any) -> None:
    by_month = norms(db, world.company_id, "RU", 2026)
    # The official 2026 table, month by month: 247 days and 1,972 hours (not 1,976: four eves are shortened,
    # 30 April, 8 May — Victory Day is a Saturday —, 11 June and 3 November).
    assert by_month == {
        1: (15, D(120)), 2: (19, D(152)), 3: (21, D(168)), 4: (22, D(175)), 5: (19, D(151)), 6: (21, D(167)),
        7: (23, D(184)), 8: (21, D(168)), 9: (22, D(176)), 10: (22, D(176)), 11: (20, D(159)), 12: (22, D(176)),
    }
    assert totals(by_month) == (247, D(1972))
    # 2024: five eves (22 February, 7 March, 8 May, 11 June, and Saturday 2 November in place of 30 April).
    assert totals(norms(db, world.company_id, "RU", 2024)) == (248, D(1979))


# --- Cambodia ------------------------------------------------------------------------------------------------

def test_cambodia_april_2026_with_khmer_new_year(api: Any) -> None:
    # The package's own holidays of April 2026: Khmer New Year on Tuesday to Thursday, 14–16 April.
    april = sorted(d for d in holidays.country_holidays("KH", years=2026) if d.month == 4)
    assert april == [dt.date(2026, 4, 14), dt.date(2026, 4, 15), dt.date(2026, 4, 16)]
    answer = api.get(f"{CAL}?year=2026").json  # the company is Cambodian: KH by default
    assert answer["country"] == "KH" and answer["year"] == 2026
    # 30 days − 8 Saturdays and Sundays (4–5, 11–12, 18–19, 25–26) − 3 holidays on weekdays = 19 days of 8 hours;
    # Cambodia shortens no day.
    assert month_of(answer, "2026-04") == (19, "152")
    notable = {d["date"]: d for d in answer["days"] if d["date"].startswith("2026-04")}
    assert sorted(notable) == ["2026-04-14", "2026-04-15", "2026-04-16"]
    assert notable["2026-04-14"] == {"date": "2026-04-14", "kind": "holiday", "hours": "0",
                                     "name": "Khmer New Year's Day", "overridden": False}
    assert not [d for d in answer["days"] if d["kind"] == "short"]


# --- company overrides ---------------------------------------------------------------------------------------

def test_overrides_change_the_month_norm_and_are_logged(api: Any, db: Any, world: Any) -> None:
    hr = api.as_(world.tokens["hr"])
    r = hr.put(OVERRIDES, {"country": "KH", "days": [
        {"date": "2026-04-04", "kind": "working", "name": "Worked for Monday 20 April"},  # a Saturday made working
        {"date": "2026-04-20", "kind": "holiday", "name": "Company day"},  # a local holiday
        {"date": "2026-04-13", "kind": "short", "hours": "6.5"},  # the eve of Khmer New Year
    ]})
    assert r.status_code == 200, r.get_data(as_text=True)
    # 19 days, 152 h (above) + Saturday 4 April (8 h) − Monday 20 April (8 h) − 1.5 h on 13 April.
    assert month_of(r.json, "2026-04") == (19, "150.5")
    days = {d["date"]: d for d in r.json["days"]}
    assert days["2026-04-04"] == {"date": "2026-04-04", "kind": "working", "hours": "8",
                                  "name": "Worked for Monday 20 April", "overridden": True}
    assert days["2026-04-13"]["kind"] == "short" and days["2026-04-13"]["hours"] == "6.5"
    assert days["2026-04-20"]["kind"] == "holiday" and days["2026-04-20"]["hours"] == "0"

    # Back to the state's calendar: 20 April works again; the same answer comes from GET.
    r = api.put(OVERRIDES, {"country": "kh", "days": [{"date": "2026-04-20", "kind": "default"}]})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert month_of(r.json, "2026-04") == (20, "158.5")
    assert api.get(f"{CAL}?country=KH&year=2026").json == r.json
    assert operations(db, "calendar_override") == ["create", "create", "create", "delete"]
    with db.read_session() as s:
        assert sorted(o.date.day for o in s.scalars(select(CalendarOverride))) == [4, 13]
        # The engine's view: the same norms.
        april = calendar.month(s, world.company_id, "KH", dt.date(2026, 4, 15))
        assert (april.start, april.norm_days, april.norm_hours) == (dt.date(2026, 4, 1), 20, D("158.5"))

    # Changing an override to the same values changes nothing and logs nothing.
    r = api.put(OVERRIDES, {"country": "KH", "days": [{"date": "2026-04-13", "kind": "short", "hours": "6.50"}]})
    assert r.status_code == 200 and operations(db, "calendar_override") == ["create", "create", "create", "delete"]


def test_a_russian_override_turns_a_transferred_day_back(api: Any, db: Any, world: Any) -> None:
    # A company that keeps 3 November 2025 working (and gives Saturday 1 November off instead).
    r = api.put(OVERRIDES, {"country": "RU", "days": [
        {"date": "2025-11-03", "kind": "short"}, {"date": "2025-11-01", "kind": "weekend"}]})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["country"] == "RU" and r.json["year"] == 2025
    assert month_of(r.json, "2025-11") == (19, "151")  # the same norm, on other days
    days = {d["date"]: d for d in r.json["days"]}
    assert days["2025-11-03"] == {"date": "2025-11-03", "kind": "short", "hours": "7", "name": "", "overridden": True}
    assert days["2025-11-01"]["kind"] == "weekend" and days["2025-11-01"]["overridden"] is True
    # A holiday the company keeps off under another kind keeps the state's name.
    r = api.put(OVERRIDES, {"country": "RU", "days": [{"date": "2025-06-12", "kind": "weekend"}]})
    assert {"date": "2025-06-12", "kind": "weekend", "hours": "0", "name": "Russia Day", "overridden": True} in r.json["days"]
    assert totals(norms(db, world.company_id, "RU", 2025)) == (247, D(1972))


def test_the_session_reads_overrides_once_and_forgets_them_after_a_change(db: Any, world: Any) -> None:
    selects: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "calendar_overrides" in statement:
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with db.write_session() as s, s.begin():
            months = [calendar.month(s, world.company_id, "KH", dt.date(2026, m, 1)) for m in range(1, 13)]
            months += [calendar.month(s, world.company_id, "kh", dt.date(2026, 4, 1)) for _ in range(100)]
            assert len(selects) == 1
            assert months[3].norm_days == 19
            from server.payroll.calendar.schemas import PayrollCalendarDayIn

            calendar.set_overrides(s, world.actor("hr"), "KH", [
                PayrollCalendarDayIn.model_validate({"date": "2026-04-04", "kind": "working"})])
            assert calendar.month(s, world.company_id, "KH", dt.date(2026, 4, 1)).norm_days == 20
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --- settings ------------------------------------------------------------------------------------------------

def test_settings_weekend_and_country_change_the_calendar(api: Any, db: Any, world: Any) -> None:
    r = api.get(SETTINGS)
    assert r.json == {"calendar_country": "KH", "weekend": [6, 7], "overtime_multiplier": "1.5", "version": 1}
    # A six-day week: Sunday off only. April 2026: 30 − 4 Sundays − 3 days of Khmer New Year = 23 days.
    hr = api.as_(world.tokens["hr"])
    r = hr.patch(SETTINGS, {"version": 1, "weekend": [7], "overtime_multiplier": "2"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json == {"calendar_country": "KH", "weekend": [7], "overtime_multiplier": "2", "version": 2}
    answer = api.get(f"{CAL}?year=2026").json
    assert month_of(answer, "2026-04") == (23, "184")
    # Saturdays are ordinary working days now, not listed.
    assert not [d for d in answer["days"] if d["kind"] == "working"]

    # The company's calendar follows Russia's: without a country the answer is Russian, with its eves.
    r = api.patch(SETTINGS, {"version": 2, "calendar_country": "ru", "weekend": [6, 7]})
    assert r.json["calendar_country"] == "RU" and r.json["version"] == 3
    answer = api.get(f"{CAL}?year=2025").json
    assert answer["country"] == "RU" and month_of(answer, "2025-01") == (17, "136")
    assert {"date": "2025-03-07", "kind": "short", "hours": "7", "name": "", "overridden": False} in answer["days"]
    assert operations(db, "payroll_settings") == ["create", "update", "update"]
    with db.read_session() as s:
        stored = s.scalar(select(PayrollSettings))
        assert (stored.weekend, stored.overtime_multiplier) == ([6, 7], D("2"))
        assert calendar.settings(s, world.company_id) is stored


def test_settings_are_created_with_the_company_country(db: Any, world: Any) -> None:
    with db.write_session() as s, s.begin():
        made = calendar.settings(s, world.company_id)
        assert (made.calendar_country, made.weekend, made.overtime_multiplier, made.version) == ("KH", [6, 7], D("1.5"), 1)
        assert calendar.settings(s, world.company_id) is made
    assert operations(db, "payroll_settings") == ["create"]


# --- bad input -----------------------------------------------------------------------------------------------

def test_an_unknown_country_is_named(db: Any, world: Any) -> None:
    with db.read_session() as s:
        with pytest.raises(ValidationFailed) as caught:
            calendar.month(s, world.company_id, "XX", dt.date(2026, 1, 1))
    assert [(e.field, e.code) for e in caught.value.errors] == [("country", "unknown_country")]


def test_bad_overrides_write_nothing_and_name_every_field(api: Any, world: Any, unchanged: Any) -> None:
    with unchanged():
        problem(api.get(f"{CAL}?country=XX&year=2026"), 422, "validation_failed", fields={"country": "unknown_country"})
        problem(api.get(f"{CAL}?year=1800"), 422, "validation_failed", fields={"year": "too_small"})
        problem(api.put(OVERRIDES, {"country": "XX", "days": [{"date": "2026-04-04", "kind": "working"}]}),
                422, "validation_failed", fields={"country": "unknown_country"})
        body = problem(api.put(OVERRIDES, {"country": "KH", "days": [
            {"date": "2026-04-04", "kind": "working"},
            {"date": "2026-04-06", "kind": "working", "hours": "25"},
            {"date": "2026-04-07", "kind": "holiday", "hours": "8"},
            {"date": "2026-04-04", "kind": "weekend"},
            {"date": "2026-04-08", "kind": "short", "hours": "0"},
            {"date": "2026-04-09", "kind": "working", "hours": "7.125"},
            {"date": "2026-04-10", "kind": "default", "hours": "8"},
            {"date": "1950-04-10", "kind": "holiday"},
        ]}), 422, "validation_failed", fields={
            "days.1.hours": "too_large", "days.2.hours": "hours_on_day_off", "days.3.date": "duplicate_in_request",
            "days.4.hours": "must_be_positive", "days.5.hours": "too_many_places", "days.6.hours": "not_for_default",
            "days.7.date": "calendar_year_unsupported",
        })
        assert "24" in next(e["message"] for e in body["errors"] if e["field"] == "days.1.hours")
        problem(api.put(OVERRIDES, {"country": "KH", "days": [{"date": "2026-04-04", "kind": "sometimes"}]}),
                422, "validation_failed", fields={"days.0.kind": "invalid_choice"})
        problem(api.put(OVERRIDES, {"country": "KH", "days": []}), 422, "validation_failed",
                fields={"days": "too_short"})
        problem(api.put(OVERRIDES, {"country": "KH", "days": [{"date": "2026-04-04", "kind": "working", "hours": 7.5}]}),
                422, "validation_failed", fields={"days.0.hours": "invalid_decimal"})
        problem(api.as_(world.tokens["accountant"]).put(OVERRIDES, {"country": "KH", "days": [
            {"date": "2026-04-04", "kind": "working"}]}), 403, "role_forbidden")
        problem(api.as_(world.tokens["sales"]).get(CAL), 403, "role_forbidden")


def test_bad_settings_write_nothing(api: Any, world: Any, unchanged: Any) -> None:
    with unchanged():
        problem(api.patch(SETTINGS, {"version": 2, "weekend": [7]}), 409, "stale_version")
        problem(api.patch(SETTINGS, {"weekend": [7]}), 422, "validation_failed", fields={"version": "required"})
        problem(api.patch(SETTINGS, {"version": 1, "weekend": [1, 1], "overtime_multiplier": "0.5",
                                     "calendar_country": "XX"}), 422, "validation_failed",
                fields={"calendar_country": "unknown_country"})
        problem(api.patch(SETTINGS, {"version": 1, "weekend": [1, 1], "overtime_multiplier": "0.5"}),
                422, "validation_failed", fields={"weekend": "duplicate_in_request", "overtime_multiplier": "too_small"})
        problem(api.patch(SETTINGS, {"version": 1, "weekend": [1, 2, 3, 4, 5, 6, 7], "overtime_multiplier": "11"}),
                422, "validation_failed", fields={"weekend": "too_many"})
        problem(api.patch(SETTINGS, {"version": 1, "weekend": [0], "overtime_multiplier": "1.2345"}),
                422, "validation_failed", fields={"weekend.0": "too_small"})
        problem(api.patch(SETTINGS, {"version": 1, "overtime_multiplier": "1.2345"}),
                422, "validation_failed", fields={"overtime_multiplier": "too_many_places"})
        problem(api.patch(SETTINGS, {"version": 1, "calendar_country": None}),
                422, "validation_failed", fields={"calendar_country": "wrong_type"})
        problem(api.as_(world.tokens["accountant"]).patch(SETTINGS, {"version": 1, "weekend": [7]}),
                403, "role_forbidden")
    # Once stored, an old version is refused the same way.
    assert api.patch(SETTINGS, {"version": 1, "weekend": [5, 6]}).json["version"] == 2
    with unchanged():
        body = problem(api.patch(SETTINGS, {"version": 1, "weekend": [7]}), 409, "stale_version")
        assert body["current"]["weekend"] == [5, 6]
