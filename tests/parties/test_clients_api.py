"""Client base scenarios: a counterparty's life from creation to archive, as an Odoo/1C user would check it."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from server.core import dates
from server.core.i18n import catalog
from server.core.messages import MESSAGES
from server.parties.models import Counterparty, Tag

from tests.factories import problem

CLIENTS = "/api/v1/clients"
UTC = dt.timezone.utc
KHMER = re.compile(r"[\u1780-\u17FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def field_errors(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body.get("errors", [])}


def make(api: Any, **fields: Any) -> dict[str, Any]:
    r = api.post(CLIENTS, json={"name": "Client", **fields})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def count_clients(db: Any) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Counterparty))


def setup_refs(api: Any) -> None:
    assert api.post("/api/v1/segments", json={"code": "retail", "name": "Retail"}).status_code == 201
    assert api.post("/api/v1/segments", json={"code": "wholesale", "name": "Wholesale"}).status_code == 201
    assert api.post("/api/v1/lead-sources", json={"code": "website", "name": "Website form"}).status_code == 201


def extra_field(api: Any, key: str, type_: str, **kw: Any) -> dict[str, Any]:
    r = api.post("/api/v1/extra-fields", json={"key": key, "label": key.title(), "type": type_, **kw})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.json


def set_language(db: Any, user_id: int, language: str) -> None:
    from server.org.models import User

    with db.write_session() as s, s.begin():
        s.get_one(User, user_id).language = language


# --- creating ---------------------------------------------------------------------------------

def test_a_company_client_with_everything_filled_in_is_normalised(api: Any, world: Any) -> None:
    setup_refs(api)
    extra_field(api, "vat_payer", "bool")
    moment = dt.datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
    with dates.frozen(moment):
        r = api.post(CLIENTS, json={
            "kind": "both", "person_type": "company",
            "name": "  Angkor   Rice  Co ", "legal_name": "Angkor  Rice Company Co., Ltd.",
            "country": "kh", "tax_id": "k001-901234567",
            "phones": [
                {"number": "012 345 678", "kind": "work"},
                {"number": "+855 12 345 678", "kind": "mobile"},   # the same number again: kept once
                {"number": "០៩៧ ៧៧៧ ៧៧៧៧", "kind": "mobile"},      # typed with Khmer digits
            ],
            "emails": [{"email": "  Sophea.Sok@Angkor-Rice.COM "}, {"email": "billing@angkor-rice.com", "kind": "billing"}],
            "addresses": [{"kind": "legal", "country": "KH", "city": "Phnom Penh", "line1": "No. 12, St. 271",
                           "postal_code": "120101"}],
            "contacts": [{"name": "Sok Dara", "role": "Buyer", "phone": "097 777 7777", "email": "Dara@Angkor-Rice.com",
                          "notes": "Calls after 14:00\nSpeaks Khmer and English"}],
            "tags": ["VIP", "rice", "vip"],
            "segment": "wholesale", "lead_source": "website",
            "manager_id": world.users["sales"], "branch_id": world.branches["PP"],
            "consent_to_mailings": True,
            "notes": "Pays on the 5th.\nក្រុមហ៊ុនស្រូវ",
            "extra": {"vat_payer": True},
        })
    assert r.status_code == 201, r.get_data(as_text=True)
    c = r.json
    assert c["name"] == "Angkor Rice Co"
    assert c["legal_name"] == "Angkor Rice Company Co., Ltd."
    assert c["kind"] == "both" and c["person_type"] == "company"
    assert c["country"] == "KH" and c["tax_id"] == "K001-901234567"
    assert [p["number"] for p in c["phones"]] == ["+85512345678", "+855977777777"]
    assert c["phone"] == "+85512345678"
    assert [e["email"] for e in c["emails"]] == ["sophea.sok@angkor-rice.com", "billing@angkor-rice.com"]
    assert c["email"] == "sophea.sok@angkor-rice.com"
    assert c["addresses"][0]["city"] == "Phnom Penh" and c["addresses"][0]["kind"] == "legal"
    assert c["contacts"][0]["phone"] == "+855977777777" and c["contacts"][0]["email"] == "dara@angkor-rice.com"
    assert sorted(c["tags"]) == ["VIP", "rice"]
    assert c["segment"] == "wholesale" and c["lead_source"] == "website"
    assert c["manager_id"] == world.users["sales"] and c["branch_id"] == world.branches["PP"]
    assert c["consent_to_mailings"] is True
    assert dt.datetime.fromisoformat(c["consent_at"]) == moment
    assert c["notes"] == "Pays on the 5th.\nក្រុមហ៊ុនស្រូវ"
    assert c["extra"] == {"vat_payer": True}
    assert c["version"] == 1 and c["archived_at"] is None
    assert dt.datetime.fromisoformat(c["created_at"]) == moment

    again = api.get(f"{CLIENTS}/{c['id']}")
    assert again.status_code == 200 and again.json == c


def test_defaults_of_a_minimal_client(api: Any) -> None:
    c = make(api, name="Walk-in customer")
    assert (c["kind"], c["person_type"], c["consent_to_mailings"], c["consent_at"]) == ("client", "company", False, None)
    assert c["phones"] == [] and c["tags"] == [] and c["extra"] == {} and c["branch_id"] is None


def test_a_russian_person_with_inn_and_a_phone_typed_the_russian_way(api: Any) -> None:
    c = make(api, name="Иванов Иван Иванович", person_type="person", kind="supplier", country="RU",
             tax_id="5001 0073 2259", phones=[{"number": "8 (916) 123-45-67"}], emails=[{"email": "IVANOV@Mail.RU"}])
    assert c["tax_id"] == "500100732259"
    assert c["phone"] == "+79161234567" and c["email"] == "ivanov@mail.ru"
    assert (c["kind"], c["person_type"]) == ("supplier", "person")


@pytest.mark.parametrize("country, tax_id", [
    ("RU", "7707083893"),          # a company INN (10 digits)
    ("RU", "500100732259"),        # a person's INN (12 digits)
    ("KH", "K001-901234567"),
    ("KH", "B123901234567"),
    ("KH", "901234567"),           # an individual's TIN
    ("DE", "DE136695976"),         # stdnum: Umsatzsteuer-Identifikationsnummer
    ("US", "04-2103594"),          # stdnum: EIN through us.tin
    ("FR", "FR40303265045"),
])
def test_valid_tax_ids_are_accepted(api: Any, country: str, tax_id: str) -> None:
    c = make(api, name="Taxpayer", country=country, tax_id=tax_id)
    assert c["tax_id"]


@pytest.mark.parametrize("country, tax_id", [
    ("RU", "7707083894"),          # checksum
    ("RU", "77070838"),            # length
    ("RU", "500100732258"),        # 12-digit checksum
    ("KH", "X001-901234567"),      # unknown prefix
    ("KH", "K001-9012345"),        # too short
    ("DE", "DE136695977"),
    ("US", "123"),                 # stdnum's us.tin exists, so nonsense is refused
    ("FR", "FR40303265046"),
])
def test_invalid_tax_ids_are_refused_and_nothing_is_written(api: Any, unchanged: Any, country: str, tax_id: str) -> None:
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "Taxpayer", "country": country, "tax_id": tax_id}),
                       422, "validation_failed")
    assert field_errors(body) == {"tax_id": "invalid_tax_id"}
    assert country in body["errors"][0]["message"]


def test_the_tax_id_is_checked_again_when_the_country_changes(api: Any, unchanged: Any) -> None:
    c = make(api, name="Moving company", tax_id="7707083893")   # no country: an ИНН, valid where the Moscow branch is
    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "country": "KH"}), 422, "validation_failed")
    assert field_errors(body) == {"tax_id": "invalid_tax_id"}
    moved = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "country": "RU"})
    assert moved.status_code == 200 and moved.json["tax_id"] == "7707083893"


@pytest.mark.parametrize("tax_id", ["1234", "garbage!!", "K001-90123", "7707083894"])
def test_a_tax_id_without_a_country_is_checked_in_the_company_and_branch_countries(api: Any, unchanged: Any,
                                                                                   tax_id: str) -> None:
    c = make(api, name="Sokha Trading")
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "Taxpayer", "tax_id": tax_id}), 422, "validation_failed")
        assert field_errors(body) == {"tax_id": "invalid_tax_id"}
        assert "KH, RU" in body["errors"][0]["message"]  # the company's country, then the Moscow branch's
        body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": c["version"], "tax_id": tax_id}), 422,
                       "validation_failed")
        assert field_errors(body) == {"tax_id": "invalid_tax_id"}
    assert make(api, name="Cambodian", tax_id="k001 901234567")["tax_id"] == "K001-901234567"
    assert make(api, name="Russian", tax_id="7707083893")["tax_id"] == "7707083893"


def test_the_same_kh_tin_typed_two_ways_is_stored_the_same_way(api: Any) -> None:
    a = make(api, name="A", country="KH", tax_id="K001-901234567")
    b = make(api, name="B", country="KH", tax_id="k001 901234567")
    assert a["tax_id"] == b["tax_id"] == "K001-901234567"


def test_phones_are_read_with_the_client_country_then_the_company_country(api: Any) -> None:
    kh = make(api, name="Local", phones=[{"number": "012 345 678"}])                      # company is in KH
    ru = make(api, name="Moscow", country="RU", phones=[{"number": "8 495 123-45-67"}])
    us = make(api, name="Overseas", phones=[{"number": "+1 (202) 555-0143"}])
    assert (kh["phone"], ru["phone"], us["phone"]) == ("+85512345678", "+74951234567", "+12025550143")


def test_tags_are_case_insensitive_and_created_on_first_use(api: Any, db: Any) -> None:
    a = make(api, name="A", tags=["VIP", "Rice"])
    b = make(api, name="B", tags=["vip", "RICE", "new one"])
    assert sorted(a["tags"]) == ["Rice", "VIP"]
    assert sorted(b["tags"]) == ["Rice", "VIP", "new one"]
    names = sorted(t["name"] for t in api.get("/api/v1/tags").json["items"])
    assert names == ["Rice", "VIP", "new one"]
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Tag)) == 3


# --- extra fields -------------------------------------------------------------------------------

def test_user_defined_extra_fields_of_every_type(api: Any, unchanged: Any) -> None:
    extra_field(api, "contract_no", "text", required=True)
    extra_field(api, "credit_limit", "number")
    extra_field(api, "since", "date")
    extra_field(api, "vat_payer", "bool")
    extra_field(api, "tier", "choice", choices=["gold", "silver"])

    c = make(api, name="Extra Ltd", extra={"contract_no": "Д-17/2026", "credit_limit": 2500.5, "since": "2024-02-29",
                                          "vat_payer": False, "tier": "gold"})
    assert c["extra"] == {"contract_no": "Д-17/2026", "credit_limit": "2500.5", "since": "2024-02-29",
                          "vat_payer": False, "tier": "gold"}

    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "Missing contract"}), 422, "validation_failed")
    assert field_errors(body) == {"extra.contract_no": "required"}

    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "Bad extras", "extra": {
            "contract_no": "X-1", "credit_limit": "a lot", "since": "2023-02-29", "vat_payer": "yes",
            "tier": "platinum", "colour": "red"}}), 422, "validation_failed")
    assert field_errors(body) == {
        "extra.credit_limit": "extra_field_type", "extra.since": "extra_field_type", "extra.vat_payer": "extra_field_type",
        "extra.tier": "extra_field_type", "extra.colour": "extra_field_unknown",
    }
    assert "gold, silver" in next(e["message"] for e in body["errors"] if e["field"] == "extra.tier")

    # A patch merges: the keys given change, the others stay; null clears an optional one.
    r = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "extra": {"tier": "silver", "credit_limit": None}})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["extra"] == {"contract_no": "Д-17/2026", "since": "2024-02-29", "vat_payer": False, "tier": "silver"}
    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": 2, "extra": {"contract_no": None}}),
                       422, "validation_failed")
    assert field_errors(body) == {"extra.contract_no": "required"}


def test_extra_numbers_must_be_finite_and_extra_text_single_line_without_control_characters(
        api: Any, unchanged: Any) -> None:
    extra_field(api, "credit_limit", "number")
    extra_field(api, "contract_no", "text")
    for raw in (b'{"name": "N", "extra": {"credit_limit": NaN}}', b'{"name": "N", "extra": {"credit_limit": Infinity}}'):
        with unchanged():
            r = api.post(CLIENTS, data=raw, content_type="application/json")
        assert r.status_code in (400, 422) and r.mimetype == "application/problem+json"
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "N", "extra": {"contract_no": "A\x00B"}}), 422, "validation_failed")
    assert field_errors(body) == {"extra.contract_no": "extra_field_type"}


def test_an_archived_extra_field_is_no_longer_accepted(api: Any, unchanged: Any) -> None:
    f = extra_field(api, "old_code", "text")
    assert api.post(f"/api/v1/extra-fields/{f['id']}/archive", json={"version": 1}).status_code == 200
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "N", "extra": {"old_code": "x"}}), 422, "validation_failed")
    assert field_errors(body) == {"extra.old_code": "extra_field_unknown"}


# --- changing, with versions ---------------------------------------------------------------------

def test_update_needs_the_current_version_and_a_stale_one_gets_the_current_record(api: Any, unchanged: Any) -> None:
    c = make(api, name="Mekong Traders", phones=[{"number": "012 345 678"}], tags=["VIP"])
    r = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "name": "Mekong Traders Co", "tags": ["VIP", "export"]})
    assert r.status_code == 200 and r.json["version"] == 2
    assert r.json["name"] == "Mekong Traders Co" and sorted(r.json["tags"]) == ["VIP", "export"]
    assert r.json["phones"] == c["phones"]   # lists not given stay as they were

    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "name": "Lost update"}), 409, "stale_version")
    assert body["current"]["version"] == 2 and body["current"]["name"] == "Mekong Traders Co"
    assert body["current"] == api.get(f"{CLIENTS}/{c['id']}").json
    assert body["params"] == {"given": 1, "current": 2}


def test_lists_given_in_a_patch_replace_the_old_list(api: Any) -> None:
    c = make(api, name="Phones", phones=[{"number": "012 345 678"}, {"number": "097 777 7777"}],
             emails=[{"email": "a@example.com"}])
    r = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "phones": [{"number": "+855 97 777 7777"}], "emails": []})
    assert r.status_code == 200
    assert [p["number"] for p in r.json["phones"]] == ["+855977777777"] and r.json["phone"] == "+855977777777"
    assert r.json["emails"] == [] and r.json["email"] is None


def test_search_follows_every_change(api: Any) -> None:
    c = make(api, name="Old Name", emails=[{"email": "old@example.com"}], phones=[{"number": "+855 12 345 678"}],
             country="RU", tax_id="7707083893")

    def found(q: str) -> bool:
        return c["id"] in [x["id"] for x in api.get(CLIENTS, query_string={"q": q}).json["items"]]

    assert found("old name") and found("old@example") and found("012 345 678") and found("7707083893")
    r = api.patch(f"{CLIENTS}/{c['id']}", json={
        "version": 1, "name": "Новое Имя", "legal_name": "ООО «Новое»", "emails": [{"email": "New@Example.com"}],
        "phones": [{"number": "+7 916 123 45 67"}], "tax_id": "500100732259"})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert not found("old name") and not found("old@example") and not found("012 345 678") and not found("7707083893")
    assert found("новое имя") and found("«новое»") and found("new@example") and found("916 123 45 67")
    assert found("500100732259")


def test_a_change_to_child_rows_only_still_bumps_the_version(api: Any) -> None:
    c = make(api, name="Tags only")
    r = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "tags": ["new"]})
    assert r.status_code == 200 and r.json["version"] == 2
    r = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 2, "contacts": [{"name": "Dara"}]})
    assert r.status_code == 200 and r.json["version"] == 3


def test_a_patch_that_changes_nothing_keeps_the_version_and_logs_nothing(api: Any, unchanged: Any) -> None:
    c = make(api, name="Same", tags=["a"])
    with unchanged():
        r = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "name": "Same", "tags": ["A"]})
    assert r.status_code == 200 and r.json["version"] == 1


def test_consent_to_mailings_records_when_it_was_given(api: Any) -> None:
    t1 = dt.datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    t2 = dt.datetime(2026, 2, 10, 8, 0, tzinfo=UTC)
    with dates.frozen(t1):
        c = make(api, name="Newsletter reader", consent_to_mailings=True)
    with dates.frozen(t2):
        same = api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "consent_to_mailings": True, "notes": "x"}).json
    assert dt.datetime.fromisoformat(same["consent_at"]) == t1   # giving it again does not move the date
    off = api.patch(f"{CLIENTS}/{c['id']}", json={"version": same["version"], "consent_to_mailings": False}).json
    assert off["consent_at"] is None and off["consent_to_mailings"] is False
    with dates.frozen(t2):
        on = api.patch(f"{CLIENTS}/{c['id']}", json={"version": off["version"], "consent_to_mailings": True}).json
    assert dt.datetime.fromisoformat(on["consent_at"]) == t2


def test_required_fields_cannot_be_cleared_with_null(api: Any, unchanged: Any) -> None:
    c = make(api, name="Keep me")
    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "name": None, "kind": None,
                                                               "consent_to_mailings": None}), 422, "validation_failed")
    assert set(field_errors(body)) == {"name", "kind", "consent_to_mailings"}


def test_unknown_references_are_reported_per_field(api: Any, unchanged: Any) -> None:
    setup_refs(api)
    with unchanged():
        body = problem(api.post(CLIENTS, json={"name": "N", "segment": "nope", "lead_source": "fax", "manager_id": 99999,
                                               "branch_id": 99999}), 422, "validation_failed")
    assert field_errors(body) == {"segment": "unknown_reference", "lead_source": "unknown_reference",
                                  "manager_id": "unknown_reference", "branch_id": "unknown_reference"}


# --- archive and restore ------------------------------------------------------------------------

def test_archive_and_restore_never_delete(api: Any, db: Any, unchanged: Any) -> None:
    c = make(api, name="Seasonal buyer")
    with unchanged():
        problem(api.post(f"{CLIENTS}/{c['id']}/archive", json={"version": 7}), 409, "stale_version")
    r = api.post(f"{CLIENTS}/{c['id']}/archive", json={"version": 1})
    assert r.status_code == 200 and r.json["archived_at"] is not None and r.json["version"] == 2
    assert [x["id"] for x in api.get(CLIENTS).json["items"]] == []
    assert [x["id"] for x in api.get(CLIENTS, query_string={"include_archived": "true"}).json["items"]] == [c["id"]]
    assert api.get(f"{CLIENTS}/{c['id']}").json["archived_at"] is not None
    with unchanged():
        body = problem(api.patch(f"{CLIENTS}/{c['id']}", json={"version": 2, "name": "x"}), 409, "archived")
    assert body["current"]["archived_at"] is not None

    r = api.post(f"{CLIENTS}/{c['id']}/restore", json={"version": 2})
    assert r.status_code == 200 and r.json["archived_at"] is None and r.json["version"] == 3
    assert [x["id"] for x in api.get(CLIENTS).json["items"]] == [c["id"]]
    assert count_clients(db) == 1
    with unchanged():
        r = api.client.delete(f"{CLIENTS}/{c['id']}", headers=api.headers())
    assert r.status_code == 405 and r.mimetype == "application/problem+json"


# --- the operations log, request ids and idempotency -------------------------------------------

def test_every_write_is_in_the_operations_log_with_who_when_before_after_and_request_id(
        api: Any, world: Any) -> None:
    t = dt.datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
    with dates.frozen(t):
        r = api.post(CLIENTS, json={"name": "Logged", "phones": [{"number": "012 345 678"}]},
                     headers={"X-Request-Id": "req-create-1"})
    assert r.status_code == 201 and r.headers["X-Request-Id"] == "req-create-1"
    cid = r.json["id"]
    sales = api.as_(world.tokens["sales"])
    upd = sales.patch(f"{CLIENTS}/{cid}", json={"version": 1, "name": "Logged Co"})
    assert upd.status_code == 200
    upd_rid = upd.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", upd_rid)
    arch = api.post(f"{CLIENTS}/{cid}/archive", json={"version": 2})
    assert arch.status_code == 200

    ops = api.get("/api/v1/operations", query_string={"entity": "counterparty", "entity_id": cid}).json["items"]
    assert [o["action"] for o in ops] == ["archive", "update", "create"]   # newest first
    archive_op, update_op, create_op = ops
    assert create_op["user_id"] == world.users["owner"] and create_op["request_id"] == "req-create-1"
    assert dt.datetime.fromisoformat(create_op["at"]) == t
    assert create_op["before"] is None and create_op["after"]["name"] == "Logged"
    assert create_op["after"]["phones"] == ["+85512345678"]
    assert update_op["user_id"] == world.users["sales"] and update_op["request_id"] == upd_rid
    assert update_op["before"]["name"] == "Logged" and update_op["after"]["name"] == "Logged Co"
    assert "phones" not in update_op["after"]   # only what changed
    assert archive_op["before"]["archived_at"] is None and archive_op["after"]["archived_at"] is not None

    by_request = api.get("/api/v1/operations", query_string={"request_id": upd_rid}).json["items"]
    assert [o["id"] for o in by_request] == [update_op["id"]]
    by_user = api.get("/api/v1/operations", query_string={"user_id": world.users["sales"]}).json["items"]
    assert [o["id"] for o in by_user] == [update_op["id"]]
    by_action = api.get("/api/v1/operations", query_string={"action": "archive", "entity": "counterparty"}).json["items"]
    assert [o["id"] for o in by_action] == [archive_op["id"]]
    window = api.get("/api/v1/operations", query_string={
        "entity": "counterparty", "since": "2026-04-01T11:00:00Z", "until": "2026-04-01T13:00:00Z"}).json["items"]
    assert [o["id"] for o in window] == [create_op["id"]]

    assert api.as_(world.tokens["accountant"]).get("/api/v1/operations").status_code == 200
    problem(sales.get("/api/v1/operations"), 403, "role_forbidden")


def test_the_operations_log_pages_by_before_id(api: Any) -> None:
    for i in range(5):
        make(api, name=f"C{i}")
    seen: list[int] = []
    params: dict[str, Any] = {"entity": "counterparty", "limit": 2}
    while True:
        page = api.get("/api/v1/operations", query_string=params).json
        seen += [o["id"] for o in page["items"]]
        if page["next_before_id"] is None:
            break
        params["before_id"] = page["next_before_id"]
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)


def test_a_post_with_an_idempotency_key_is_replayed_not_repeated(api: Any, db: Any, world: Any, unchanged: Any) -> None:
    body = {"name": "Retry Ltd", "phones": [{"number": "012 345 678"}]}
    key = {"Idempotency-Key": "excel-sync-7f3a"}
    first = api.post(CLIENTS, json=body, headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    with unchanged():
        again = api.post(CLIENTS, json=body, headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count_clients(db) == 1

    with unchanged():
        problem(api.post(CLIENTS, json={**body, "name": "Another"}, headers=key), 422, "idempotency_key_reused")
    # The key belongs to its user: another user's identical key is a new request.
    other = api.as_(world.tokens["sales"]).post(CLIENTS, json=body, headers=key)
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    assert other.json["id"] != first.json["id"]
    assert count_clients(db) == 2


def test_idempotent_archive_and_batch(api: Any, db: Any, unchanged: Any) -> None:
    c = make(api, name="Twice")
    key = {"Idempotency-Key": "arch-1"}
    first = api.post(f"{CLIENTS}/{c['id']}/archive", json={"version": 1}, headers=key)
    assert first.status_code == 200
    with unchanged():
        again = api.post(f"{CLIENTS}/{c['id']}/archive", json={"version": 1}, headers=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true" and again.json == first.json

    rows = {"rows": [{"op": "create", "data": {"name": "Batch A"}}, {"op": "create", "data": {"name": "Batch B"}}]}
    bkey = {"Idempotency-Key": "batch-1"}
    b1 = api.post(f"{CLIENTS}/batch", json=rows, headers=bkey)
    assert b1.status_code == 200 and b1.json["ok"] == 2
    with unchanged():
        b2 = api.post(f"{CLIENTS}/batch", json=rows, headers=bkey)
    assert b2.json == b1.json and b2.headers["Idempotent-Replayed"] == "true"
    assert count_clients(db) == 3


def test_a_failed_request_does_not_burn_its_idempotency_key(api: Any, db: Any) -> None:
    key = {"Idempotency-Key": "first-try-fails"}
    problem(api.post(CLIENTS, json={"name": "N", "phones": [{"number": "12"}]}, headers=key), 422, "validation_failed")
    ok = api.post(CLIENTS, json={"name": "N", "phones": [{"number": "012 345 678"}]}, headers=key)
    assert ok.status_code == 201 and count_clients(db) == 1


# --- branch scope -------------------------------------------------------------------------------

def test_a_branch_scoped_user_works_inside_their_branch(api: Any, world: Any, unchanged: Any) -> None:
    pp, sr = world.branches["PP"], world.branches["SR"]
    in_sr = make(api, name="Siem Reap Hotel", branch_id=sr)
    in_pp = make(api, name="Phnom Penh Shop", branch_id=pp)
    company_wide = make(api, name="Head office client")
    sales_pp = api.as_(world.tokens["sales_pp"])

    mine = sales_pp.post(CLIENTS, json={"name": "Created by PP"})
    assert mine.status_code == 201 and mine.json["branch_id"] == pp   # lands in the user's branch
    seen = {c["id"] for c in sales_pp.get(CLIENTS).json["items"]}
    assert seen == {in_pp["id"], company_wide["id"], mine.json["id"]}

    with unchanged():
        body = problem(sales_pp.get(f"{CLIENTS}/{in_sr['id']}"), 403, "out_of_branch_scope")
    assert field_errors(body) == {"branch_id": "out_of_branch_scope"}
    with unchanged():
        problem(sales_pp.patch(f"{CLIENTS}/{in_sr['id']}", json={"version": 1, "name": "x"}), 403, "out_of_branch_scope")
    with unchanged():
        problem(sales_pp.post(f"{CLIENTS}/{in_sr['id']}/archive", json={"version": 1}), 403, "out_of_branch_scope")
    with unchanged():
        body = problem(sales_pp.patch(f"{CLIENTS}/{in_pp['id']}", json={"version": 1, "branch_id": sr}),
                       422, "validation_failed")
    assert field_errors(body) == {"branch_id": "out_of_branch_scope"}
    # The owner sees every branch.
    assert len(api.get(CLIENTS).json["items"]) == 4


# --- messages in the user's language ------------------------------------------------------------

@pytest.mark.parametrize("language, script", [("ru", CYRILLIC), ("km", KHMER)])
def test_errors_speak_the_users_language(api: Any, db: Any, world: Any, unchanged: Any, language: str,
                                         script: re.Pattern[str]) -> None:
    set_language(db, world.users["sales"], language)
    sales = api.as_(world.tokens["sales"])
    with unchanged():
        body = problem(sales.post(CLIENTS, json={"name": "N", "phones": [{"number": "12"}], "emails": [{"email": "x@"}],
                                                 "colour": "red"}), 422, "validation_failed")
    cat = catalog(language)
    assert body["title"] == cat[MESSAGES["validation_failed"]] and script.search(body["title"])
    msgs = {e["field"]: e["message"] for e in body["errors"]}
    # The shape error and the rule errors of the fields that passed come back together.
    assert set(msgs) == {"colour", "phones.0.number", "emails.0.email"}
    assert msgs["colour"] == cat[MESSAGES["unknown_field"]]
    assert all(script.search(m) for m in msgs.values())
    # email-validator's English reason is worded in the user's language, not passed through.
    assert msgs["emails.0.email"] == cat[MESSAGES["invalid_email"]].format(reason=cat[MESSAGES["email_nothing_after_at"]])
    assert "@-sign" not in msgs["emails.0.email"]

    with unchanged():
        body = problem(sales.post(CLIENTS, json={"name": "N", "phones": [{"number": "12"}], "country": "RU",
                                                 "tax_id": "7707083894"}), 422, "validation_failed")
    msgs = {e["field"]: e["message"] for e in body["errors"]}
    assert msgs["phones.0.number"] == cat[MESSAGES["invalid_phone"]].format(country="RU")
    assert script.search(msgs["tax_id"]) and "RU" in msgs["tax_id"]
    assert msgs["tax_id"] == cat[MESSAGES["invalid_tax_id"]].format(country="RU", reason=cat[MESSAGES["tax_id_checksum"]])

    c = make(api, name="Stale")
    api.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "name": "Stale 2"})
    with unchanged():
        body = problem(sales.patch(f"{CLIENTS}/{c['id']}", json={"version": 1, "name": "x"}), 409, "stale_version")
    assert body["title"] == cat[MESSAGES["stale_version"]].format(given=1, current=2)

    warehouse_lang = "ru" if language == "km" else "km"
    set_language(db, world.users["warehouse"], warehouse_lang)
    with unchanged():
        body = problem(api.as_(world.tokens["warehouse"]).post(CLIENTS, json={"name": "N"}), 403, "role_forbidden")
    assert (KHMER if warehouse_lang == "km" else CYRILLIC).search(body["title"])


def test_without_a_token_the_accept_language_header_decides(app: Any, unchanged: Any, world: Any) -> None:
    client = app.test_client()
    with unchanged():
        r = client.get(CLIENTS, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    body = problem(r, 401, "unauthorized")
    assert body["title"] == catalog("ru")[MESSAGES["unauthorized"]]
    r = client.get(CLIENTS, headers={"Accept-Language": "km"})
    assert KHMER.search(problem(r, 401, "unauthorized")["title"])


def test_every_message_code_has_a_khmer_and_a_russian_translation() -> None:
    for language, script in (("ru", CYRILLIC), ("km", KHMER)):
        cat = catalog(language)
        missing = [code for code, english in MESSAGES.items() if not script.search(cat.get(english, ""))]
        assert not missing, (language, missing)
        for code, english in MESSAGES.items():
            assert set(re.findall(r"{(\w+)}", cat[english])) == set(re.findall(r"{(\w+)}", english)), (language, code)


def test_lookup_answers_an_etag_that_changes_with_every_change(api: Any) -> None:
    created = api.post("/api/v1/clients", {"name": "Sok Dara", "phones": [{"number": "012 345 678"}],
                                           "tags": ["vip"]}).json
    url = f"/api/v1/clients/{created['id']}"
    first = api.get(url)
    etag = first.headers["ETag"]
    assert first.json == created
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304
    changed = api.patch(url, {"version": created["version"], "phones": [{"number": "+855 17 234 567"}]}).json
    second = api.get(url, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["ETag"] != etag
    assert second.json == changed and second.json["phones"][0]["number"] == "+85517234567"


def test_renaming_a_segment_changes_the_clients_it_shows_on(api: Any) -> None:
    seg = api.post("/api/v1/segments", {"code": "retail", "name": "Retail"}).json
    client = api.post("/api/v1/clients", {"name": "Иван", "segment": "retail"}).json
    url = f"/api/v1/clients/{client['id']}"
    assert api.get(url).json["segment"] == "retail"
    api.patch(f"/api/v1/segments/{seg['id']}", {"version": seg["version"], "code": "shops"})
    assert api.get(url).json["segment"] == "shops"
