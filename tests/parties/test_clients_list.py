"""The client list as a demanding Odoo/1C user uses it: search, every filter operator on every field,
sort by anything (NULLs last), keyset pages, groups with counts, CSV and xlsx exports."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from functools import cmp_to_key
from typing import Any, Callable

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.core import dates
from server.parties.query import FIELDS, OPS

from tests.factories import problem

CLIENTS = "/api/v1/clients"
UTC = dt.timezone.utc
FORMULA_NAMES = ['=HYPERLINK("http://evil.example","click me")', "+1", "@SUM(1,2)", "-2+3"]


def at(day: str, hm: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hm}:00+00:00")


def make(api: Any, when: dt.datetime, **fields: Any) -> dict[str, Any]:
    with dates.frozen(when):
        r = api.post(CLIENTS, json=fields)
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def ids(r: Any) -> list[int]:
    assert r.status_code == 200, r.get_data(as_text=True)
    return [c["id"] for c in r.json["items"]]


def everything(api: Any, **params: Any) -> list[dict[str, Any]]:
    r = api.get(CLIENTS, query_string={"limit": 1000, "include_archived": "true", **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["next_cursor"] is None
    return r.json["items"]


@pytest.fixture
def book(api: Any, world: Any) -> dict[str, dict[str, Any]]:
    """A small client base with Khmer, Cyrillic and formula-like names, NULLs in every nullable column."""
    for code, name in (("retail", "Retail"), ("wholesale", "Wholesale")):
        assert api.post("/api/v1/segments", json={"code": code, "name": name}).status_code == 201
    assert api.post("/api/v1/lead-sources", json={"code": "website", "name": "Website"}).status_code == 201
    assert api.post("/api/v1/lead-sources", json={"code": "referral", "name": "Referral"}).status_code == 201
    for key, type_, extra in (("tier", "choice", {"choices": ["gold", "silver"]}), ("credit", "number", {}),
                              ("since", "date", {}), ("vat", "bool", {}), ("code", "text", {})):
        assert api.post("/api/v1/extra-fields", json={"key": key, "label": key, "type": type_, **extra}).status_code == 201
    b = world.branches
    c: dict[str, dict[str, Any]] = {}
    c["angkor"] = make(
        api, at("2026-01-05"), name="Angkor Rice Co", kind="both", legal_name="Angkor Rice Company Co., Ltd.",
        country="KH", tax_id="K001-901234567", phones=[{"number": "012 345 678"}],
        emails=[{"email": "Sales@Angkor-Rice.com"}], tags=["VIP", "rice"], segment="wholesale", lead_source="website",
        manager_id=world.users["sales"], branch_id=b["PP"], consent_to_mailings=True, notes="Pays on the 5th",
        extra={"tier": "gold", "credit": 2500, "since": "2024-01-15", "vat": True, "code": "A-1"})
    c["romashka"] = make(
        api, at("2026-01-31", "23:30"), name="ООО Ромашка", kind="supplier",
        legal_name="Общество с ограниченной ответственностью «Ромашка»", country="RU", tax_id="7707083893",
        phones=[{"number": "8 (495) 123-45-67"}], emails=[{"email": "info@romashka.ru"}], tags=["Поставщик"],
        segment="retail", lead_source="referral", manager_id=world.users["accountant"], branch_id=b["MOW"],
        notes="Договор № 12 — ЁЖИК", extra={"tier": "silver", "credit": 900, "since": "2025-06-01", "vat": False})
    c["ivanov"] = make(
        api, at("2026-02-01", "00:30"), name="Иванов Иван", person_type="person", country="RU",
        tax_id="500100732259", phones=[{"number": "+7 916 123 45 67"}], emails=[{"email": "IVANOV@mail.ru"}],
        branch_id=b["MOW"], extra={"credit": 10.5})
    c["cafe"] = make(
        api, at("2026-02-14"), name="ហាងកាហ្វេ ស្រស់", country="KH", phones=[{"number": "097 777 7777"}],
        tags=["vip"], segment="retail", branch_id=b["SR"], notes="ភេសជ្ជៈ", extra={"vat": True, "code": "b-2"})
    c["mekong"] = make(api, at("2026-03-10"), name="mekong traders", legal_name="", kind="client",
                       lead_source="website", consent_to_mailings=True, extra={"code": ""})
    for i, name in enumerate(FORMULA_NAMES):
        c[f"formula{i}"] = make(api, at("2026-03-01", f"0{i}:00"), name=name, notes="" if i == 0 else None)
    c["zeta"] = make(api, at("2026-03-20"), name="Zeta Archived", country="KH", branch_id=b["PP"])
    with dates.frozen(at("2026-04-01")):
        r = api.post(f"{CLIENTS}/{c['zeta']['id']}/archive", json={"version": 1})
        assert r.status_code == 200
        c["zeta"] = r.json
        r = api.patch(f"{CLIENTS}/{c['mekong']['id']}", json={"version": 1, "notes": "Called back"})
        assert r.status_code == 200
        c["mekong"] = r.json
    return c


# --- the oracle: what each filter operator means, computed in Python from the answers --------------

def _fold(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


def _tax_key(v: str | None) -> str | None:
    return None if v is None else re.sub(r"[^0-9A-Za-z]", "", v).upper()


def field_value(c: dict[str, Any], field: str) -> Any:
    if field == "tax_id":
        return _tax_key(c["tax_id"])
    if field.endswith("_at"):
        return None if c[field] is None else dt.datetime.fromisoformat(c[field])
    if field.startswith("extra."):
        return c["extra"].get(field[6:])
    return c[field]


def _is_date_only(v: Any) -> bool:
    return isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None


def _moment(v: str) -> dt.datetime:
    m = dt.datetime.fromisoformat(v)
    return m if m.tzinfo else m.replace(tzinfo=UTC)


def oracle(field: str, type_: str, op: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    """The meaning of `field op value` for one client: the contract the list API must keep."""

    def cmp_key(v: Any) -> Any:
        if type_ == "text":
            return v.casefold() if field == "name" else (_tax_key(v) if field == "tax_id" else v)
        if type_ == "integer":
            return int(v)
        if type_ == "boolean":
            return v if isinstance(v, bool) else str(v).lower() in ("true", "1", "yes")
        return v

    def eq(x: Any, v: Any) -> bool:
        if v is None:
            return x is None
        if x is None:
            return False
        if type_ == "text":
            return _fold(x) == _fold(cmp_key(v))
        if type_ == "datetime" and _is_date_only(v):
            day = _moment(v)
            return day <= x < day + dt.timedelta(days=1)
        if type_ == "datetime":
            return x == _moment(v)
        return x == cmp_key(v)

    def lower_bound(v: Any, strict: bool) -> Callable[[Any], bool]:
        if type_ == "datetime":
            m = _moment(v) + (dt.timedelta(days=1) if strict and _is_date_only(v) else dt.timedelta(0))
            return (lambda x: x >= m) if _is_date_only(v) else ((lambda x: x > m) if strict else (lambda x: x >= m))
        k = cmp_key(v)
        return (lambda x: cmp_key(x) > k) if strict else (lambda x: cmp_key(x) >= k)

    def upper_bound(v: Any, strict: bool) -> Callable[[Any], bool]:
        if type_ == "datetime":
            m = _moment(v) + (dt.timedelta(days=0 if strict else 1) if _is_date_only(v) else dt.timedelta(0))
            return (lambda x: x < m) if _is_date_only(v) or strict else (lambda x: x <= m)
        k = cmp_key(v)
        return (lambda x: cmp_key(x) < k) if strict else (lambda x: cmp_key(x) <= k)

    def test(c: dict[str, Any]) -> bool:
        x = field_value(c, field)
        if op == "empty":
            blank = x is None or x == ""
            return blank if value in (None, True, "true") else not blank
        if op == "eq":
            return eq(x, value)
        if op == "ne":
            return not eq(x, value)
        if x is None:
            return False
        if op == "in":
            return any(eq(x, v) for v in value)
        if op == "contains":
            return _fold(cmp_key(value)) in _fold(cmp_key(x))
        if op == "starts_with":
            return _fold(cmp_key(x)).startswith(_fold(cmp_key(value)))
        if op == "between":
            return lower_bound(value[0], False)(x) and upper_bound(value[1], False)(x)
        return {"lt": upper_bound(value, True), "le": upper_bound(value, False),
                "gt": lower_bound(value, True), "ge": lower_bound(value, False)}[op](x)

    return test


def _shout(v: str) -> str:
    return v.upper() if v.upper().casefold() == v.casefold() else v


def probes(field: str, type_: str, op: str, book: list[dict[str, Any]]) -> list[Any]:
    """Values worth trying for one field and operator, taken from the data itself."""
    raw = [c[field] for c in book if c.get(field) not in (None, "")] if not field.startswith("extra.") else \
        [c["extra"][field[6:]] for c in book if c["extra"].get(field[6:]) not in (None, "")]
    values = sorted(set(raw), key=str)
    if not values:
        return []
    mid = values[len(values) // 2]
    if op == "empty":
        return [True, False]
    if type_ == "boolean":
        return [True, False, "true", "0"]
    if type_ == "datetime":
        first, last = values[0], values[-1]
        day = lambda v: v[:10]  # noqa: E731
        if op == "between":
            return [[day(first), day(mid)], [first, mid], [day(mid), day(mid)]]
        return [mid, day(mid), day(first), day(last), "2026-01-31"]
    if op == "between":
        return [[values[0], mid], [mid, values[-1]]]
    if op == "in":
        return [[_shout(mid) if type_ == "text" else mid, values[0]]]
    if op == "contains":
        return [_shout(mid[1:4]), mid[-2:]]
    if op == "starts_with":
        return [_shout(mid[:3])]
    if type_ == "text" and op in ("eq", "ne"):
        return [_shout(mid), mid, values[0], "no such value"]
    return [mid, values[0], values[-1]]


def test_every_operator_on_every_filterable_field_matches_its_meaning(api: Any, book: Any) -> None:
    all_clients = everything(api)
    assert len(all_clients) == len(book)
    checked = 0
    for field, spec in FIELDS.items():
        for op in OPS[spec.type]:
            for value in probes(field, spec.type, op, all_clients):
                expected = sorted(c["id"] for c in all_clients if oracle(field, spec.type, op, value)(c))
                r = api.post(f"{CLIENTS}/query", json={"filters": [{"field": field, "op": op, "value": value}],
                                                       "include_archived": True, "limit": 1000})
                assert sorted(ids(r)) == expected, (field, op, value)
                checked += 1
    assert checked > 200


def test_eq_and_ne_split_the_list_in_two_for_every_field(api: Any, book: Any) -> None:
    all_ids = {c["id"] for c in everything(api)}
    for field in FIELDS:
        for c in book.values():
            value = c.get(field) if field != "tax_id" else c["tax_id"]
            if value is None or value == "" or field.endswith("_at"):
                continue
            if isinstance(value, str) and FIELDS[field].type == "text":
                value = _shout(value)
            eq_ids = set(ids(api.post(f"{CLIENTS}/query", json={
                "filters": [{"field": field, "op": "eq", "value": value}], "include_archived": True, "limit": 1000})))
            ne_ids = set(ids(api.post(f"{CLIENTS}/query", json={
                "filters": [{"field": field, "op": "ne", "value": value}], "include_archived": True, "limit": 1000})))
            assert c["id"] in eq_ids and not eq_ids & ne_ids and eq_ids | ne_ids == all_ids, (field, value)


def test_filters_in_the_url_form(api: Any, book: Any) -> None:
    def get(*filters: str, **kw: Any) -> set[int]:
        return set(ids(api.get(CLIENTS, query_string=[("filter", f) for f in filters] + list(kw.items()))))

    assert get("country:eq:ru") == {book["romashka"]["id"], book["ivanov"]["id"]}
    assert get("country:in:KH,RU", "kind:ne:supplier") == {book[k]["id"] for k in ("angkor", "ivanov", "cafe")}
    assert get("legal_name:empty") == {book[k]["id"] for k in ("ivanov", "cafe", "mekong")} | {
        book[f"formula{i}"]["id"] for i in range(4)}
    assert get("legal_name:empty:false") == {book["angkor"]["id"], book["romashka"]["id"]}
    assert get("name:contains:РОМАШ") == {book["romashka"]["id"]}
    assert get("notes:contains:ёжик") == {book["romashka"]["id"]}      # Cyrillic case-insensitive, ё included
    assert get("notes:contains:ភេសជ្ជៈ") == {book["cafe"]["id"]}
    assert get("tax_id:eq:K001 901234567") == {book["angkor"]["id"]}
    assert get("phone:starts_with:+7") == {book["romashka"]["id"], book["ivanov"]["id"]}
    assert get("segment:eq:retail") == {book["romashka"]["id"], book["cafe"]["id"]}
    assert get("manager_id:eq:" + str(book["angkor"]["manager_id"])) == {book["angkor"]["id"]}
    assert get("archived_at:empty:false", include_archived="true") == {book["zeta"]["id"]}
    assert get("archived_at:empty:false") == set()
    assert get("name:contains:%") == set() and get("name:contains:_") == set()   # no LIKE wildcards
    # Two filters on the same field are both applied.
    assert get("created_at:ge:2026-02-01", "created_at:lt:2026-03-01") == {book["ivanov"]["id"], book["cafe"]["id"]}


def test_created_at_between_two_dates_includes_both_whole_days(api: Any, book: Any) -> None:
    january = ids(api.get(CLIENTS, query_string={"filter": "created_at:between:2026-01-01,2026-01-31"}))
    assert set(january) == {book["angkor"]["id"], book["romashka"]["id"]}   # 31 Jan 23:30 is still January
    on_the_day = ids(api.get(CLIENTS, query_string={"filter": "created_at:eq:2026-02-14"}))
    assert on_the_day == [book["cafe"]["id"]]
    moment = ids(api.get(CLIENTS, query_string={"filter": "created_at:eq:2026-02-14T10:00:00Z"}))
    assert moment == [book["cafe"]["id"]]
    assert set(ids(api.get(CLIENTS, query_string={"filter": "updated_at:ge:2026-04-01"}))) == {book["mekong"]["id"]}


def test_tag_filters(api: Any, book: Any) -> None:
    def q(op: str, value: Any) -> set[int]:
        return set(ids(api.post(f"{CLIENTS}/query", json={"filters": [{"field": "tags", "op": op, "value": value}]})))

    vip = {book["angkor"]["id"], book["cafe"]["id"]}
    assert q("eq", "vip") == vip and q("eq", "VIP") == vip
    assert q("in", ["RICE", "поставщик"]) == {book["angkor"]["id"], book["romashka"]["id"]}
    assert q("ne", "VIP") == {c["id"] for c in book.values() if c["archived_at"] is None} - vip
    assert q("empty", True) == {c["id"] for c in book.values() if not c["tags"] and c["archived_at"] is None}
    assert q("empty", False) == vip | {book["romashka"]["id"]}
    got = set(ids(api.get(CLIENTS, query_string={"filter": "tags:in:vip,Поставщик"})))
    assert got == vip | {book["romashka"]["id"]}


def test_extra_field_filters_compare_by_the_fields_type(api: Any, book: Any) -> None:
    def q(field: str, op: str, value: Any) -> set[int]:
        r = api.post(f"{CLIENTS}/query", json={"filters": [{"field": field, "op": op, "value": value}]})
        return set(ids(r))

    angkor, romashka, ivanov, cafe = (book[k]["id"] for k in ("angkor", "romashka", "ivanov", "cafe"))
    # Numbers compare as numbers: 900 < 2500 although "900" > "2500" as text.
    assert q("extra.credit", "gt", "1000") == {angkor}
    assert q("extra.credit", "lt", 1000) == {romashka, ivanov}
    assert q("extra.credit", "between", ["10", "900"]) == {romashka, ivanov}
    assert q("extra.credit", "eq", "10.50") == {ivanov}
    assert q("extra.vat", "eq", True) == {angkor, cafe}
    assert q("extra.vat", "eq", "false") == {romashka}
    assert q("extra.since", "between", ["2024-01-01", "2024-12-31"]) == {angkor}
    assert q("extra.tier", "in", ["GOLD", "silver"]) == {angkor, romashka}
    assert q("extra.code", "starts_with", "B-") == {cafe}
    assert q("extra.code", "empty", True) == {c["id"] for c in book.values()
                                              if not c["extra"].get("code") and c["archived_at"] is None}
    assert set(ids(api.get(CLIENTS, query_string={"filter": "extra.vat:eq:true"}))) == {angkor, cafe}
    problem(api.get(CLIENTS, query_string={"filter": "extra.credit:gt:many"}), 422, "validation_failed")
    problem(api.get(CLIENTS, query_string={"filter": "extra.nope:eq:1"}), 422, "validation_failed")


# --- search ---------------------------------------------------------------------------------------

SEARCHES = [
    ("012 345 678", ["angkor"]),             # as written locally in Cambodia
    ("+855 12 345 678", ["angkor"]),         # international
    ("855-12-345-678", ["angkor"]),
    ("០១២ ៣៤៥ ៦៧៨", ["angkor"]),              # Khmer digits
    ("345 678", ["angkor"]),                 # the ending someone remembers
    ("8 (495) 123-45-67", ["romashka"]),     # Russian trunk prefix 8
    ("+7 916 123 45 67", ["ivanov"]),
    ("123-45-67", ["romashka", "ivanov"]),
    ("ромашка", ["romashka"]),
    ("РОМАШКА", ["romashka"]),
    ("ограниченной", ["romashka"]),          # legal name
    ("иван", ["ivanov"]),
    ("កាហ្វេ", ["cafe"]),
    ("angkor-rice", ["angkor"]),             # email
    ("IVANOV@MAIL.RU", ["ivanov"]),
    ("7707083893", ["romashka"]),            # tax id
    ("770708", ["romashka"]),                # the start of a tax id
    ("K001-901234567", ["angkor"]),
    ("k001 901234567", ["angkor"]),
    ("MEKONG   Traders", ["mekong"]),
    ("%", []),
    ("_", []),
    ("zeta", []),                            # archived
    ("no such client", []),
]


def test_search_finds_names_phones_emails_and_tax_ids(api: Any, book: Any) -> None:
    wrong = []
    for q, expected in SEARCHES:
        got = sorted(ids(api.get(CLIENTS, query_string={"q": q})))
        if got != sorted(book[k]["id"] for k in expected):
            wrong.append((q, got, expected))
    assert not wrong


def test_search_combines_with_filters_and_the_json_form(api: Any, book: Any) -> None:
    got = ids(api.get(CLIENTS, query_string={"q": "1234567", "filter": "person_type:eq:person"}))
    assert got == [book["ivanov"]["id"]]
    r = api.post(f"{CLIENTS}/query", json={"q": "1234567", "filters": [{"field": "person_type", "op": "eq",
                                                                         "value": "company"}]})
    assert ids(r) == [book["romashka"]["id"]]
    assert ids(api.get(CLIENTS, query_string={"q": "zeta", "include_archived": "true"})) == [book["zeta"]["id"]]


# --- sorting ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["", "-"])
def test_sort_by_every_field_both_ways_with_nulls_last(api: Any, book: Any, direction: str) -> None:
    all_clients = everything(api)
    for field in [*FIELDS, "extra.credit", "extra.vat", "extra.since", "extra.tier", "extra.code"]:
        listed = everything(api, sort=direction + field)
        assert [c["id"] for c in listed] == sorted_ids(all_clients, [direction + field]), field
        values = [field_value(c, field) for c in listed]
        first_null = next((i for i, v in enumerate(values) if v is None), len(values))
        assert all(v is None for v in values[first_null:]), field


def test_sort_by_several_fields(api: Any, book: Any) -> None:
    all_clients = everything(api)
    for spec in (["country", "-name"], ["-segment", "created_at"], ["consent_to_mailings", "-branch_id", "name"],
                 ["kind", "-extra.code"]):
        assert [c["id"] for c in everything(api, sort=",".join(spec))] == sorted_ids(all_clients, spec), spec
    r = api.post(f"{CLIENTS}/query", json={"sort": ["-country", "phone"], "include_archived": True, "limit": 1000})
    assert ids(r) == sorted_ids(all_clients, ["-country", "phone"])


def test_names_sort_case_insensitively(api: Any, book: Any) -> None:
    names = [c["name"] for c in everything(api, sort="name") if c["name"][0].isalpha()]
    assert names == sorted(names, key=str.casefold)
    assert names.index("mekong traders") < names.index("Zeta Archived")


# --- keyset pages -----------------------------------------------------------------------------------

def walk(api: Any, params: dict[str, Any]) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(500):
        page = api.get(CLIENTS, query_string={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.get_data(as_text=True)
        assert len(page.json["items"]) <= params["limit"]
        seen += [c["id"] for c in page.json["items"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            return seen
        assert page.json["items"], "a cursor after an empty page"
    raise AssertionError("pagination does not end")


def test_pages_walk_the_whole_sorted_list(api: Any, book: Any) -> None:
    full = [c["id"] for c in everything(api, sort="-segment,name")]
    for limit in (1, 2, 3, 5, 1000):
        assert walk(api, {"sort": "-segment,name", "limit": limit, "include_archived": "true"}) == full
    for field in [*FIELDS, "extra.credit", "extra.vat", "extra.code"]:
        for spec in (field, "-" + field):
            full = [c["id"] for c in everything(api, sort=spec)]
            assert walk(api, {"sort": spec, "limit": 2, "include_archived": "true"}) == full, spec
    r = api.get(CLIENTS, query_string={"limit": 2, "with_total": "true"})
    assert r.json["total"] == len(book) - 1 and len(r.json["items"]) == 2
    assert "total" not in api.get(CLIENTS).json or api.get(CLIENTS).json["total"] is None


def test_a_cursor_only_fits_the_query_that_made_it(api: Any, book: Any, unchanged: Any) -> None:
    page = api.get(CLIENTS, query_string={"sort": "name", "limit": 1, "filter": "country:eq:KH"}).json
    cursor = page["next_cursor"]
    assert cursor and [c["name"] for c in page["items"]] == ["Angkor Rice Co"]
    # The page size may change between pages.
    same = api.get(CLIENTS, query_string={"sort": "name", "limit": 5, "filter": "country:eq:KH", "cursor": cursor})
    assert [c["name"] for c in same.json["items"]] == ["ហាងកាហ្វេ ស្រស់"] and same.json["next_cursor"] is None
    with unchanged():
        for params in ({"sort": "-name"}, {"sort": "name", "filter": "country:eq:RU"}, {"sort": "name", "q": "a"},
                       {"sort": "name", "filter": "country:eq:KH", "include_archived": "true"}):
            body = problem(api.get(CLIENTS, query_string={**params, "limit": 2, "cursor": cursor}), 422,
                           "validation_failed")
            assert [(e["field"], e["code"]) for e in body["errors"]] == [("cursor", "invalid_cursor")]
        for junk in ("garbage", "eyJ2IjpbXX0", cursor[:-3], "=" * 10, "e30"):
            body = problem(api.get(CLIENTS, query_string={"sort": "name", "limit": 2, "filter": "country:eq:KH",
                                                          "cursor": junk}), 422, "validation_failed")
            assert [(e["field"], e["code"]) for e in body["errors"]] == [("cursor", "invalid_cursor")]
        body = problem(api.post(f"{CLIENTS}/query", json={"sort": ["name"], "cursor": cursor}), 422,
                       "validation_failed")
        assert body["errors"][0]["code"] == "invalid_cursor"


_company_seq = itertools.count()
NAMES = ["alpha", "Alpha", "beta", "бета", "Бета", "ёлка", "ក្រុមហ៊ុន", "z", "alpha  beta"]
TEXTS = [None, "", "a", "b", "ab", "Б", "б", "ក"]
PHONES = [None, "+855 12 345 678", "+855 97 777 7777", "+7 916 123 45 67", "+1 202 555 0143"]
SORTABLE = sorted(FIELDS) + ["extra.code", "extra.rank"]


def client_rows(draw: Any, n: int, refs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for _ in range(n):
        data: dict[str, Any] = {"name": draw(st.sampled_from(NAMES))}
        optional = {
            "kind": st.sampled_from(["client", "supplier", "both"]),
            "person_type": st.sampled_from(["person", "company"]),
            "legal_name": st.sampled_from(TEXTS),
            "country": st.sampled_from([None, "KH", "RU"]),
            # Valid Cambodian TINs (the company's country) in three forms: checked even without a country.
            "tax_id": st.sampled_from([None, "K001-901234567", "l002 123456789", "123456789"]),
            "phones": st.sampled_from(PHONES).map(lambda p: [] if p is None else [{"number": p}]),
            "emails": st.sampled_from([None, "a@x.com", "B@x.com", "b@y.org"]).map(
                lambda e: [] if e is None else [{"email": e}]),
            "segment": st.sampled_from([None, "s1", "s2"]),
            "lead_source": st.sampled_from([None, "l1"]),
            "manager_id": st.sampled_from([None, refs["owner"]]),
            "branch_id": st.sampled_from([None, *refs["branches"]]),
            "consent_to_mailings": st.booleans(),
            "notes": st.sampled_from(TEXTS),
            "extra": st.fixed_dictionaries({}, optional={"code": st.sampled_from(["x", "Y", "x1"]),
                                                          "rank": st.sampled_from([1, 2, 10, 2.5, -3])}),
        }
        for key, strategy in optional.items():
            if draw(st.booleans()):
                data[key] = draw(strategy)
        if data.get("country") and data.get("tax_id"):
            del data["tax_id"]   # a Cambodian TIN is no Russian tax id: tax ids only on clients without a country
        rows.append({"op": "create", "data": data})
    return rows


def new_company(db: Any) -> dict[str, Any]:
    """A fresh company per example: examples never see each other's clients."""
    from server.org.models import Branch
    from server.setup.service import create_company

    n = next(_company_seq)
    with db.write_session() as s, s.begin():
        company, owner, token = create_company(
            s, name=f"Prop {n}", country="KH", currency="USD", second_currency=None, language="en",
            owner_email=f"prop{n}@example.com", owner_name="Owner")
        branches = []
        for code in ("A", "B"):
            b = Branch(company_id=company.id, code=code, name=code, country="KH")
            s.add(b)
            s.flush()
            branches.append(b.id)
    return {"token": token, "owner": owner.id, "branches": branches}


NUMBER_EXTRAS = ("extra.rank", "extra.credit")


def python_sort_value(c: dict[str, Any], field: str) -> Any:
    """A client's sort key for one field, as the list API must order it (names by their folded key)."""
    v = field_value(c, field)
    if field in NUMBER_EXTRAS:
        return None if v is None else float(v)
    return v.casefold() if field == "name" else v


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_keyset_pages_yield_exactly_the_sorted_list(app: Any, db: Any, data: Any) -> None:
    from tests.factories import Api

    refs = new_company(db)
    api = Api(app, refs["token"])
    for code in ("s1", "s2"):
        assert api.post("/api/v1/segments", json={"code": code, "name": code}).status_code == 201
    assert api.post("/api/v1/lead-sources", json={"code": "l1", "name": "l1"}).status_code == 201
    assert api.post("/api/v1/extra-fields", json={"key": "code", "label": "c", "type": "text"}).status_code == 201
    assert api.post("/api/v1/extra-fields", json={"key": "rank", "label": "r", "type": "number"}).status_code == 201

    # Two batches at two moments: created_at has ties inside each batch.
    for moment in (at("2026-05-01"), at("2026-05-02")):
        rows = client_rows(data.draw, data.draw(st.integers(0, 12), label="rows"), refs)
        with dates.frozen(moment):
            r = api.post(f"{CLIENTS}/batch", json={"rows": rows})
        assert r.status_code == 200 and r.json["failed"] == 0, r.get_data(as_text=True)
    created = everything(api)
    to_touch = data.draw(st.lists(st.sampled_from(created), unique_by=lambda c: c["id"], max_size=4)
                         if created else st.just([]), label="touched")
    if to_touch:
        rows = [{"op": data.draw(st.sampled_from(["update", "archive"])), "id": c["id"], "version": c["version"],
                 "data": {"notes": "touched"}} for c in to_touch]
        for row in rows:
            if row["op"] == "archive":
                del row["data"]
        with dates.frozen(at("2026-05-03")):
            assert api.post(f"{CLIENTS}/batch", json={"rows": rows}).json["failed"] == 0

    spec = [("-" if data.draw(st.booleans(), label="desc") else "") + f
            for f in data.draw(st.lists(st.sampled_from(SORTABLE), unique=True, max_size=3), label="sort")]
    limit = data.draw(st.integers(1, 6), label="limit")
    include_archived = data.draw(st.booleans(), label="include_archived")
    params = {"limit": limit, "include_archived": str(include_archived).lower()}
    if spec:
        params["sort"] = ",".join(spec)

    visible = [c for c in everything(api) if include_archived or c["archived_at"] is None]
    expected = sorted_ids(visible, spec)
    walked = walk(api, params)
    assert len(walked) == len(set(walked)), "a row came twice"
    assert walked == expected
    one_page = api.get(CLIENTS, query_string={**params, "limit": 1000})
    assert ids(one_page) == expected


def sorted_ids(clients: list[dict[str, Any]], spec: list[str]) -> list[int]:
    keys = [(s.lstrip("+-"), s.startswith("-")) for s in (spec or ["name"])]
    if not any(name == "id" for name, _ in keys):
        keys.append(("id", keys[-1][1]))

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, desc in keys:
            x, y = python_sort_value(a, name), python_sort_value(b, name)
            if x == y:
                continue
            if x is None:
                return 1
            if y is None:
                return -1
            return (1 if x < y else -1) if desc else (-1 if x < y else 1)
        return 0

    return [c["id"] for c in sorted(clients, key=cmp_to_key(compare))]


# --- groups -----------------------------------------------------------------------------------------

def groups(api: Any, **params: Any) -> dict[tuple[Any, ...], int]:
    r = api.get(f"{CLIENTS}/groups", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    out = {tuple(g["key"]): g["count"] for g in r.json["groups"]}
    assert len(out) == len(r.json["groups"]), "a group came twice"
    return out


def test_group_counts(api: Any, book: Any, world: Any) -> None:
    active = [c for c in book.values() if c["archived_at"] is None]
    assert groups(api, by="segment") == {("retail",): 2, ("wholesale",): 1, (None,): len(active) - 3}
    # A client with two tags counts under each; clients without tags count under null.
    assert groups(api, by="tags") == {("VIP",): 2, ("rice",): 1, ("Поставщик",): 1, (None,): len(active) - 3}
    assert groups(api, by="created_at:month") == {("2026-01",): 2, ("2026-02",): 2, ("2026-03",): 5}
    assert groups(api, by="created_at:month", include_archived="true")[("2026-03",)] == 6
    assert groups(api, by="created_at:year") == {("2026",): len(active)}
    assert groups(api, by="created_at:day", filter="country:eq:RU") == {("2026-01-31",): 1, ("2026-02-01",): 1}
    b = world.branches
    assert groups(api, by="kind,branch_id") == {
        ("both", b["PP"]): 1, ("supplier", b["MOW"]): 1, ("client", b["MOW"]): 1, ("client", b["SR"]): 1,
        ("client", None): 5}
    assert groups(api, by="country,tags", q="ромашка") == {("RU", "Поставщик"): 1}
    assert groups(api, by="consent_to_mailings") == {(True,): 2, (False,): len(active) - 2}
    assert groups(api, by="extra.tier") == {("gold",): 1, ("silver",): 1, (None,): len(active) - 2}
    assert groups(api, by="extra.vat") == {(True,): 2, (False,): 1, (None,): len(active) - 3}
    r = api.get(f"{CLIENTS}/groups", query_string={"by": "tags"})
    assert r.json["total"] == len(active) and r.json["by"] == ["tags"]
    # Groups see only what the user sees.
    pp = api.as_(world.tokens["sales_pp"])
    assert groups(pp, by="branch_id") == {(b["PP"],): 1, (None,): 5}


def test_group_by_refuses_what_it_cannot_group(api: Any, book: Any, unchanged: Any) -> None:
    with unchanged():
        body = problem(api.get(f"{CLIENTS}/groups", query_string={"by": "name"}), 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("by.0", "unknown_group_field")]
        body = problem(api.get(f"{CLIENTS}/groups", query_string={"by": "kind,created_at:week"}), 422,
                       "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [("by.1", "unknown_group_field")]
        problem(api.get(f"{CLIENTS}/groups", query_string={"by": "kind,country,segment,branch_id"}), 422,
                "validation_failed")
        problem(api.get(f"{CLIENTS}/groups"), 422, "validation_failed")
        problem(api.get(f"{CLIENTS}/groups", query_string={"by": ","}), 422, "validation_failed")


# --- exports ----------------------------------------------------------------------------------------

def read_csv(r: Any) -> list[dict[str, str]]:
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    raw = r.get_data()
    assert raw.startswith("\ufeff".encode())   # Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def read_xlsx(r: Any) -> list[list[Any]]:
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = openpyxl.load_workbook(io.BytesIO(r.get_data()))
    ws = wb["Clients"]
    return [list(row) for row in ws.iter_rows()]


def test_csv_export_of_a_filtered_sorted_view(api: Any, book: Any) -> None:
    rows = read_csv(api.get(f"{CLIENTS}/export", query_string={"format": "csv", "filter": "country:eq:RU",
                                                               "sort": "-name"}))
    assert [r["Name"] for r in rows] == ["ООО Ромашка", "Иванов Иван"]
    rom = rows[0]
    assert rom["Legal name"] == "Общество с ограниченной ответственностью «Ромашка»"
    assert rom["Tax ID"] == "7707083893" and rom["Tags"] == "Поставщик" and rom["Segment"] == "retail"
    assert rom["Notes"] == "Договор № 12 — ЁЖИК" and rom["ID"] == str(book["romashka"]["id"])
    assert rom["extra.tier"] == "silver" and rom["extra.credit"] == "900"
    khmer = read_csv(api.get(f"{CLIENTS}/export", query_string={"q": "កាហ្វេ"}))
    assert [r["Name"] for r in khmer] == ["ហាងកាហ្វេ ស្រស់"] and khmer[0]["Notes"] == "ភេសជ្ជៈ"


def test_xlsx_export_of_a_filtered_sorted_view(api: Any, book: Any) -> None:
    sheet = read_xlsx(api.get(f"{CLIENTS}/export", query_string={"format": "xlsx", "filter": "branch_id:in:" + ",".join(
        str(book[k]["branch_id"]) for k in ("romashka", "cafe")), "sort": "name"}))
    header = [c.value for c in sheet[0]]
    col = {name: header.index(name) for name in header}
    names = [row[col["Name"]].value for row in sheet[1:]]
    assert names == sorted(["ООО Ромашка", "Иванов Иван", "ហាងកាហ្វេ ស្រស់"], key=str.casefold)
    rom = sheet[1 + names.index("ООО Ромашка")]
    assert rom[col["Notes"]].value == "Договор № 12 — ЁЖИК"
    assert rom[col["ID"]].value == book["romashka"]["id"]
    assert isinstance(rom[col["Created"]].value, dt.datetime)
    assert rom[col["Created"]].value == dt.datetime(2026, 1, 31, 23, 30)
    assert rom[col["Consent"]].value is False
    # Extra numbers and dates arrive as numbers and dates Excel can add up and sort; text stays text.
    assert rom[col["extra.credit"]].value == 900 and rom[col["extra.credit"]].data_type == "n"
    assert rom[col["extra.since"]].value == dt.datetime(2025, 6, 1)
    assert rom[col["extra.tier"]].value == "silver" and rom[col["extra.vat"]].value is False
    iv = sheet[1 + names.index("Иванов Иван")]
    assert iv[col["extra.credit"]].value == 10.5 and iv[col["extra.since"]].value is None


def test_formula_like_names_stay_text_in_both_exports(api: Any, book: Any) -> None:
    flt = {"filter": "id:in:" + ",".join(str(book[f"formula{i}"]["id"]) for i in range(4)), "sort": "id"}
    csv_rows = read_csv(api.get(f"{CLIENTS}/export", query_string={**flt, "format": "csv"}))
    assert [r["Name"] for r in csv_rows] == ["'" + n for n in FORMULA_NAMES]
    sheet = read_xlsx(api.get(f"{CLIENTS}/export", query_string={**flt, "format": "xlsx"}))
    header = [c.value for c in sheet[0]]
    cells = [row[header.index("Name")] for row in sheet[1:]]
    assert [c.value for c in cells] == FORMULA_NAMES
    assert all(c.data_type == "s" for c in cells)
    for row in sheet:
        assert all(c.data_type != "f" for c in row)


def test_exports_respect_archive_and_branch_scope(api: Any, book: Any, world: Any) -> None:
    all_rows = read_csv(api.get(f"{CLIENTS}/export"))
    assert len(all_rows) == len(book) - 1
    with_archived = read_csv(api.get(f"{CLIENTS}/export", query_string={"include_archived": "true"}))
    assert len(with_archived) == len(book)
    pp = api.as_(world.tokens["sales_pp"])
    mine = read_csv(pp.get(f"{CLIENTS}/export"))
    assert {r["Name"] for r in mine} == {"Angkor Rice Co", "mekong traders"} | {"'" + n for n in FORMULA_NAMES}
    assert all(r["Branch"] in ("", str(world.branches["PP"])) for r in mine)
    assert "Siem Reap" not in {r["Name"] for r in mine} and "ООО Ромашка" not in {r["Name"] for r in mine}
    empty = read_csv(api.get(f"{CLIENTS}/export", query_string={"q": "no such client"}))
    assert empty == []
    sheet = read_xlsx(api.get(f"{CLIENTS}/export", query_string={"format": "xlsx", "q": "no such client"}))
    assert len(sheet) == 1 and sheet[0][0].value == "ID"


def test_a_large_export_goes_past_one_page(api: Any) -> None:
    rows = [{"op": "create", "data": {"name": f"Bulk {i:04d}"}} for i in range(1100)]
    assert api.post(f"{CLIENTS}/batch", json={"rows": rows}).json["ok"] == 1100
    out = read_csv(api.get(f"{CLIENTS}/export", query_string={"sort": "name"}))
    assert [r["Name"] for r in out] == [f"Bulk {i:04d}" for i in range(1100)]


def test_dates_are_utc_whatever_the_database_session_time_zone(database_url: str, tmp_path: Any, book: Any,
                                                               world: Any) -> None:
    """A managed PostgreSQL often runs in local time: months and days must still be UTC ones."""
    from sqlalchemy.engine import make_url

    from server import create_app
    from tests.factories import Api

    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        options = (url.query.get("options") or "") + " -c timezone=Asia/Phnom_Penh"
        database_url = url.update_query_dict({"options": options.strip()}).render_as_string(hide_password=False)
    local = create_app({"DATABASE_URL": database_url, "TESTING": True, "DATA_DIR": str(tmp_path)})
    try:
        api = Api(local, world.tokens["owner"])
        assert groups(api, by="created_at:month", filter="country:eq:RU") == {("2026-01",): 1, ("2026-02",): 1}
        assert groups(api, by="created_at:day", filter="country:eq:RU") == {("2026-01-31",): 1, ("2026-02-01",): 1}
        rom = api.get(f"{CLIENTS}/{book['romashka']['id']}").json
        assert dt.datetime.fromisoformat(rom["created_at"]) == at("2026-01-31", "23:30")
        january = ids(api.get(CLIENTS, query_string={"filter": "created_at:between:2026-01-01,2026-01-31"}))
        assert set(january) == {book["angkor"]["id"], book["romashka"]["id"]}
        sheet = read_xlsx(api.get(f"{CLIENTS}/export", query_string={"format": "xlsx", "q": "ромашка"}))
        header = [c.value for c in sheet[0]]
        assert sheet[1][header.index("Created")].value == dt.datetime(2026, 1, 31, 23, 30)
    finally:
        local.extensions["clientbase.db"].dispose()
