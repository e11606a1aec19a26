"""Exchange rates: the rate on a date, conversion, entry, CSV import, the two-currency display."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from server.core.errors import ValidationFailed
from server.currency import service as rates
from server.currency.models import ExchangeRate

from tests.factories import problem

D = Decimal


def add_rate(api: Any, currency: str, date: str, rate: str) -> dict[str, Any]:
    r = api.post("/api/v1/exchange-rates", {"currency": currency, "date": date, "rate": rate})
    assert r.status_code == 201, r.json
    return r.json


def test_rate_on_takes_the_latest_rate_on_or_before_the_date(db: Any, world: Any, api: Any) -> None:
    add_rate(api, "KHR", "2024-01-01", "0.00025")
    add_rate(api, "KHR", "2024-01-10", "0.000244")
    add_rate(api, "RUB", "2024-01-05", "0.011")
    with db.read_session() as s:
        assert rates.rate_on(s, world.company_id, "KHR", dt.date(2024, 1, 1)) == D("0.00025")
        assert rates.rate_on(s, world.company_id, "KHR", dt.date(2024, 1, 9)) == D("0.00025")
        assert rates.rate_on(s, world.company_id, "KHR", dt.date(2024, 1, 10)) == D("0.000244")
        assert rates.rate_on(s, world.company_id, "KHR", dt.date(2030, 1, 1)) == D("0.000244")
        assert rates.rate_on(s, world.company_id, "USD", dt.date(2000, 1, 1)) == D(1)
        with pytest.raises(ValidationFailed) as exc:
            rates.rate_on(s, world.company_id, "KHR", dt.date(2023, 12, 31), field="lines.0.currency")
        (err,) = exc.value.errors
        assert (err.field, err.code, err.params) == (
            "lines.0.currency", "missing_rate", {"currency": "KHR", "date": "2023-12-31"})
        with pytest.raises(ValidationFailed):
            rates.rate_on(s, world.company_id, "EUR", dt.date(2024, 6, 1))


def test_to_base_rounds_by_the_base_currency(db: Any, world: Any, api: Any) -> None:
    add_rate(api, "KHR", "2024-01-01", "0.000244")
    add_rate(api, "EUR", "2024-01-01", "1.0853")
    with db.read_session() as s:
        assert rates.to_base(s, world.company_id, D("41000"), "KHR", dt.date(2024, 2, 1)) == (D("0.000244"), D("10.00"))
        assert rates.to_base(s, world.company_id, D("10.05"), "EUR", dt.date(2024, 2, 1)) == (D("1.0853"), D("10.91"))
        assert rates.to_base(s, world.company_id, D("12.345"), "USD", dt.date(2024, 2, 1)) == (D(1), D("12.35"))


def test_dual_shows_base_and_second_currency(db: Any, world: Any, api: Any) -> None:
    add_rate(api, "KHR", "2024-01-01", "0.00024390")  # about 4,100 riel to the dollar
    with db.read_session() as s:
        on = dt.date(2024, 3, 1)
        assert rates.dual(s, world.company_id, D("10.01"), "USD", on) == {"USD": D("10.01"), "KHR": D("41041")}
        assert rates.dual(s, world.company_id, D("41041"), "KHR", on) == {"USD": D("10.01"), "KHR": D("41041")}
        shown = rates.dual_amounts(s, world.company_id, D("10.01"), "USD", on)
        assert shown.second_cash == D("41000")
        assert rates.dual_amounts(s, world.company_id, D("10.02"), "USD", on).second_cash == D("41100")


def test_convert_and_currencies_routes(api: Any, world: Any) -> None:
    add_rate(api, "KHR", "2024-01-01", "0.00025")
    add_rate(api, "EUR", "2024-01-01", "1.10")
    r = api.get("/api/v1/money/convert?amount=22.00&from=EUR&to=KHR&date=2024-02-01")
    assert r.status_code == 200, r.json
    assert r.json["result"] == "96800" and r.json["rate"] == "4400"
    assert r.json["amounts"] == {"EUR": "22.00", "USD": "24.20"}
    r = api.get("/api/v1/money/convert?amount=10&from=USD&date=2024-02-01")
    assert r.json["amounts"] == {"USD": "10.00", "KHR": "40000"} and r.json["second_cash"] == "40000"
    assert r.json["result"] is None
    r = api.get("/api/v1/currencies")
    assert r.json["base_currency"] == "USD" and r.json["second_currency"] == "KHR"
    khr = next(c for c in r.json["items"] if c["code"] == "KHR")
    assert khr == {"code": "KHR", "minor_units": 0, "cash_step": "100", "is_base": False, "is_second": True}


def test_convert_without_a_rate_names_the_currency(api: Any, world: Any) -> None:
    r = api.get("/api/v1/money/convert?amount=10&from=EUR&to=KHR&date=2024-02-01")
    problem(r, 422, "validation_failed", fields={"from": "missing_rate", "to": "missing_rate"})


def test_create_list_update_rates(api: Any, world: Any) -> None:
    a = add_rate(api, "KHR", "2024-01-01", "0.00025")
    add_rate(api, "KHR", "2024-02-01", "0.000245")
    add_rate(api, "RUB", "2024-01-15", "0.011")
    r = api.get("/api/v1/exchange-rates?currency=KHR")
    assert [(x["date"], x["rate"]) for x in r.json["items"]] == [
        ("2024-02-01", "0.000245"), ("2024-01-01", "0.00025")]
    r = api.get("/api/v1/exchange-rates?date_from=2024-01-10&date_to=2024-01-31")
    assert [x["currency"] for x in r.json["items"]] == ["RUB"]
    r = api.patch(f"/api/v1/exchange-rates/{a['id']}", {"version": a["version"], "rate": "0.000251"})
    assert r.status_code == 200 and r.json["rate"] == "0.000251" and r.json["version"] == a["version"] + 1
    r = api.patch(f"/api/v1/exchange-rates/{a['id']}", {"version": a["version"], "rate": "0.0003"})
    problem(r, 409, "stale_version")
    r = api.post("/api/v1/exchange-rates", {"currency": "KHR", "date": "2024-01-01", "rate": "0.0003"})
    problem(r, 409, "duplicate", fields={"date": "already_exists"})


def test_bad_rates_are_refused_and_nothing_is_written(api: Any, world: Any, unchanged: Any) -> None:
    with unchanged():
        r = api.post("/api/v1/exchange-rates", {"currency": "USD", "date": "2024-01-01", "rate": "1"})
        problem(r, 422, "validation_failed", fields={"currency": "base_currency_rate"})
        r = api.post("/api/v1/exchange-rates", {"currency": "XYZ", "date": "2024-01-01", "rate": "0"})
        problem(r, 422, "validation_failed", fields={"currency": "invalid_currency"})
        r = api.post("/api/v1/exchange-rates", {"currency": "KHR", "date": "2024-01-01", "rate": "0"})
        problem(r, 422, "validation_failed", fields={"rate": "must_be_positive"})
        r = api.post("/api/v1/exchange-rates", {"currency": "KHR", "date": "2024-01-01", "rate": "-4100"})
        problem(r, 422, "validation_failed", fields={"rate": "must_be_positive"})
        r = api.post("/api/v1/exchange-rates", {"currency": "KHR", "date": "2024-01-01", "rate": "0.00000000001"})
        problem(r, 422, "validation_failed", fields={"rate": "invalid_decimal"})
        r = api.post("/api/v1/exchange-rates", {"currency": "VND", "date": "2024-01-01", "rate": "100000000"})
        problem(r, 422, "validation_failed", fields={"rate": "rate_too_large"})
        r = api.post("/api/v1/exchange-rates", {"currency": "KHR", "date": "2024-02-30", "rate": 4100.5})
        problem(r, 422, "validation_failed", fields={"date": "invalid_date", "rate": "invalid_decimal"})


def test_roles(api: Any, world: Any) -> None:
    for role in ("hr", "warehouse"):
        r = api.as_(world.tokens[role]).get("/api/v1/exchange-rates")
        problem(r, 403, "role_forbidden")
    r = api.as_(world.tokens["sales"]).post("/api/v1/exchange-rates", {"currency": "KHR", "date": "2024-01-01",
                                                                       "rate": "0.00025"})
    problem(r, 403, "role_forbidden")
    assert api.as_(world.tokens["accountant"]).post("/api/v1/exchange-rates", {
        "currency": "KHR", "date": "2024-01-01", "rate": "0.00025"}).status_code == 201


# --- CSV import ---------------------------------------------------------------------------------


def _all(db: Any) -> list[tuple[str, str, str, str]]:
    with db.read_session() as s:
        return sorted((r.currency, r.date.isoformat(), str(r.rate), r.source) for r in s.query(ExchangeRate))


def test_csv_import_any_header_case_semicolons_decimal_comma(api: Any, db: Any, world: Any) -> None:
    add_rate(api, "KHR", "2024-01-02", "0.00025")
    add_rate(api, "KHR", "2024-01-03", "0.000246")
    text = ("\ufeffRate;CURRENCY;Date\r\n"
            "0,000244;KHR;2024-01-01\r\n"
            "0,000245;khr;2024-01-02\r\n"
            "0,000246;KHR;03.01.2024\r\n"
            "\r\n"
            "1,0853;EUR;2024-01-02\r\n")
    r = api.post("/api/v1/exchange-rates/import", {"csv": text})
    assert r.status_code == 200, r.json
    assert r.json == {"created": 2, "updated": 1, "unchanged": 1}
    assert _all(db) == [
        ("EUR", "2024-01-02", "1.0853000000", "import"),
        ("KHR", "2024-01-01", "0.0002440000", "import"),
        ("KHR", "2024-01-02", "0.0002450000", "import"),
        ("KHR", "2024-01-03", "0.0002460000", "manual"),
    ]
    r = api.post("/api/v1/exchange-rates/import", {"csv": 'date,currency,rate\n2024-01-04,RUB,"0,0112"\n'})
    assert r.json == {"created": 1, "updated": 0, "unchanged": 0}


def test_csv_import_reports_every_bad_row_by_line_and_writes_nothing(api: Any, world: Any, unchanged: Any) -> None:
    text = ("date,currency,rate\n"
            "2024-01-01,KHR,0.000244\n"       # line 2: good
            "2024-13-01,KHR,0.000244\n"       # line 3: bad date
            "2024-01-02,XXX,1\n"              # line 4: unknown currency
            "2024-01-03,USD,1\n"              # line 5: the base currency
            "2024-01-04,EUR,-1\n"             # line 6: not a positive number
            "2024-01-05,EUR,0\n"              # line 7: zero
            "2024-01-01,KHR,0.000245\n"       # line 8: same currency and date as line 2
            "2024-01-06,EUR,0.00000000001\n"  # line 9: more places than a rate keeps
            ",EUR,\n")                        # line 10: two missing cells
    with unchanged():
        r = api.post("/api/v1/exchange-rates/import", {"csv": text})
        body = problem(r, 422, "validation_failed", fields={
            "rows.3.date": "invalid_date", "rows.4.currency": "invalid_currency",
            "rows.5.currency": "base_currency_rate", "rows.6.rate": "invalid_decimal",
            "rows.7.rate": "must_be_positive", "rows.8.date": "csv_duplicate_row", "rows.9.rate": "too_many_places",
            "rows.10.date": "required", "rows.10.rate": "required",
        })
        assert "line 2" in next(e["message"] for e in body["errors"] if e["field"] == "rows.8.date")
        r = api.post("/api/v1/exchange-rates/import", {"csv": "day,currency,value\n2024-01-01,KHR,1\n"})
        problem(r, 422, "validation_failed", fields={"csv": "csv_missing_columns"})
        r = api.post("/api/v1/exchange-rates/import", {"csv": "date,currency,rate\n"})
        problem(r, 422, "validation_failed", fields={"csv": "csv_empty"})
        r = api.post("/api/v1/exchange-rates/import", {"csv": ""})
        problem(r, 422, "validation_failed", fields={"csv": "csv_empty"})


def test_csv_import_messages_are_translated(app: Any, db: Any, world: Any) -> None:
    from server.org.auth import issue_token
    from server.org.models import User

    from tests.factories import Api

    with db.write_session() as s, s.begin():
        user = User(company_id=world.company_id, email="ru@angkor.example", name="Ivan", role="accountant",
                    language="ru")
        s.add(user)
        s.flush()
        token = issue_token(s, user, "test")[1]
    r = Api(app, token).post("/api/v1/exchange-rates/import", {"csv": "date,currency,rate\n2024-01-01,USD,1\n"})
    body = problem(r, 422, "validation_failed", fields={"rows.2.currency": "base_currency_rate"})
    assert body["errors"][0]["message"] == "USD — базовая валюта; для неё курс не задаётся."


def test_an_absurd_conversion_is_refused_not_crashed(api: Any, world: Any) -> None:
    add_rate(api, "VND", "2024-01-01", "0.0000000001")
    add_rate(api, "EUR", "2024-01-01", "99999999")
    r = api.get("/api/v1/money/convert?amount=999999999999999.99&from=EUR&to=VND&date=2024-02-01")
    problem(r, 422, "validation_failed", fields={"amount": "too_large"})
