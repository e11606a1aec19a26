"""Personal API tokens: shown once, stored as SHA-256 only, revocable, expiring, private to their user."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server import create_app
from server.audit.models import Operation
from server.core import dates
from server.org.models import ApiToken, User

from tests.factories import assert_problem

B = "/api/v1"


def _all_stored_text(db: Any) -> str:
    """Every value of every row of api_tokens and operations, as one string."""
    with db.read_session() as s:
        rows = [list(r) for r in s.execute(select(ApiToken.__table__)).all()]
        rows += [list(r) for r in s.execute(select(Operation.__table__)).all()]
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_token_text_is_shown_once_and_only_its_hash_is_stored(api: Any, world: Any, db: Any) -> None:
    r = api.post(f"{B}/me/tokens", {"name": "Excel on the shop PC"})
    assert r.status_code == 201, r.json
    created = r.json
    text = created["token"]
    assert text.startswith("cb_") and len(text) >= 40
    assert created["name"] == "Excel on the shop PC" and created["revoked_at"] is None
    assert text.startswith(created["prefix"]) and len(created["prefix"]) < len(text) // 2

    with db.read_session() as s:
        row = s.get_one(ApiToken, created["id"])
        assert row.token_hash == hashlib.sha256(text.encode()).hexdigest()
        assert row.user_id == world.users["owner"]
    stored = _all_stored_text(db)
    assert text not in stored
    assert text[len(created["prefix"]):] not in stored  # not even the secret part on its own

    listed = api.get(f"{B}/me/tokens")
    assert listed.status_code == 200
    assert text not in listed.get_data(as_text=True)
    item = next(t for t in listed.json["items"] if t["id"] == created["id"])
    assert "token" not in item and "token_hash" not in item
    assert item == {k: v for k, v in created.items() if k != "token"}
    # The new token works and acts as its user.
    assert api.as_(text).get(f"{B}/me").json["id"] == world.users["owner"]


def test_each_user_lists_and_revokes_only_their_own_tokens(api: Any, world: Any, unchanged: Any) -> None:
    mine = api.post(f"{B}/me/tokens", {"name": "mine"}).json
    sales = api.as_(world.tokens["sales"])
    theirs = sales.post(f"{B}/me/tokens", {"name": "theirs"}).json
    assert mine["id"] not in [t["id"] for t in sales.get(f"{B}/me/tokens").json["items"]]
    assert theirs["id"] not in [t["id"] for t in api.get(f"{B}/me/tokens").json["items"]]
    with unchanged():
        body = assert_problem(sales.post(f"{B}/me/tokens/{mine['id']}/revoke"), 404, "not_found")
        assert str(mine["id"]) in body["title"]
        assert_problem(api.post(f"{B}/me/tokens/{theirs['id']}/revoke"), 404, "not_found")
        assert_problem(api.post(f"{B}/me/tokens/999999/revoke"), 404, "not_found")
    assert api.as_(mine["token"]).get(f"{B}/me").status_code == 200
    assert api.as_(theirs["token"]).get(f"{B}/me").json["id"] == world.users["sales"]


def test_a_revoked_token_stops_working(api: Any, world: Any) -> None:
    t = api.post(f"{B}/me/tokens", {"name": "laptop"}).json
    other = api.as_(t["token"])
    assert other.get(f"{B}/company").status_code == 200
    r = api.post(f"{B}/me/tokens/{t['id']}/revoke")
    assert r.status_code == 200 and r.json["revoked_at"] is not None and "token" not in r.json
    assert_problem(other.get(f"{B}/company"), 401, "token_invalid")
    assert_problem(other.post(f"{B}/me/tokens", {"name": "sneaky"}), 401, "token_invalid")
    # Revoking again changes nothing; the listing shows it revoked.
    again = api.post(f"{B}/me/tokens/{t['id']}/revoke")
    assert again.status_code == 200 and again.json["revoked_at"] == r.json["revoked_at"]
    listed = {x["id"]: x for x in api.get(f"{B}/me/tokens").json["items"]}
    assert listed[t["id"]]["revoked_at"] == r.json["revoked_at"]
    # A token may revoke itself; the owner's first token still works.
    r = other.post(f"{B}/me/tokens/{t['id']}/revoke")
    assert_problem(r, 401, "token_invalid")
    self_revoking = api.post(f"{B}/me/tokens", {"name": "self"}).json
    assert api.as_(self_revoking["token"]).post(f"{B}/me/tokens/{self_revoking['id']}/revoke").status_code == 200
    assert_problem(api.as_(self_revoking["token"]).get(f"{B}/me"), 401, "token_invalid")
    assert api.get(f"{B}/me").status_code == 200


def test_expiry(api: Any, world: Any) -> None:
    now = dates.now()
    past = api.post(f"{B}/me/tokens", {"name": "old", "expires_at": (now - dt.timedelta(minutes=1)).isoformat()})
    assert past.status_code == 201, past.json
    assert_problem(api.as_(past.json["token"]).get(f"{B}/me"), 401, "token_invalid")

    soon = now + dt.timedelta(hours=1)
    # Another zone, the same instant: stored and shown as UTC.
    phnom_penh = soon.astimezone(dt.timezone(dt.timedelta(hours=7)))
    r = api.post(f"{B}/me/tokens", {"name": "an hour", "expires_at": phnom_penh.isoformat()})
    assert r.status_code == 201, r.json
    assert dt.datetime.fromisoformat(r.json["expires_at"]) == soon
    assert dt.datetime.fromisoformat(r.json["expires_at"]).utcoffset() == dt.timedelta(0)
    listed = {t["id"]: t for t in api.get(f"{B}/me/tokens").json["items"]}
    assert listed[r.json["id"]]["expires_at"] == r.json["expires_at"]
    token = api.as_(r.json["token"])
    assert token.get(f"{B}/me").status_code == 200
    with dates.frozen(soon - dt.timedelta(seconds=1)):
        assert token.get(f"{B}/me").status_code == 200
    with dates.frozen(soon):
        assert_problem(token.get(f"{B}/me"), 401, "token_invalid")
    with dates.frozen(soon + dt.timedelta(days=365)):
        assert_problem(token.get(f"{B}/me"), 401, "token_invalid")
        assert api.get(f"{B}/me").status_code == 200  # no expiry: never expires


def test_token_input_is_checked(api: Any, unchanged: Any) -> None:
    with unchanged():
        for body, fields in (
            ({"name": "naive", "expires_at": "2099-01-01T00:00:00"}, {"expires_at": "invalid_datetime"}),
            ({"name": "x", "expires_at": "next tuesday"}, {"expires_at": "invalid_datetime"}),
            ({"name": "x", "expires_at": "2099-13-01T00:00:00Z"}, {"expires_at": "invalid_datetime"}),
            ({"name": "x", "expires_at": 4102444800}, {"expires_at": "invalid_datetime"}),
            ({}, {"name": "required"}),
            ({"name": ""}, {"name": "required"}),
            ({"name": "x" * 101}, {"name": "too_long"}),
            ({"name": 12}, {"name": "wrong_type"}),
            ({"name": "x", "user_id": 2}, {"user_id": "unknown_field"}),
            ({"name": "x", "token": "cb_mine"}, {"token": "unknown_field"}),
        ):
            assert_problem(api.post(f"{B}/me/tokens", body), 422, "validation_failed", fields)
        assert_problem(api.post(f"{B}/me/tokens", ["x"]), 400, "json_object_expected")
        assert_problem(api.client.post(f"{B}/me/tokens", data="name=x", headers=api.headers()),
                       415, "unsupported_media_type")


def test_every_role_manages_its_own_tokens(api: Any, world: Any) -> None:
    for role in ("accountant", "sales", "warehouse", "hr", "sales_pp"):
        who = api.as_(world.tokens[role])
        r = who.post(f"{B}/me/tokens", {"name": f"{role} laptop"})
        assert r.status_code == 201, (role, r.json)
        assert api.as_(r.json["token"]).get(f"{B}/me").json["id"] == world.users[role]
        assert [t["name"] for t in who.get(f"{B}/me/tokens").json["items"]] == ["test", f"{role} laptop"]


def test_token_changes_are_logged_without_the_secret(api: Any, world: Any, db: Any) -> None:
    r = api.post(f"{B}/me/tokens", {"name": "logged"})
    rid = r.headers["X-Request-Id"]
    ops = api.get(f"{B}/operations?request_id={rid}").json["items"]
    assert [(o["entity"], o["action"], o["entity_id"], o["user_id"]) for o in ops] == [
        ("api_token", "create", r.json["id"], world.users["owner"])]
    assert r.json["token"] not in json.dumps(ops)
    assert r.json["token"] not in _all_stored_text(db)


def test_an_idempotency_key_never_stores_a_new_tokens_text(api: Any, db: Any) -> None:
    from sqlalchemy import select

    from server.audit.models import IdempotencyRecord

    r = api.post("/api/v1/me/tokens", {"name": "laptop"}, headers={"Idempotency-Key": "tok-1"})
    assert r.status_code == 201
    text = r.json["token"]
    with db.read_session() as s:
        bodies = list(s.scalars(select(IdempotencyRecord.body)))
    assert all(text not in b for b in bodies)
    # A retry makes a second token rather than replaying a stored secret.
    again = api.post("/api/v1/me/tokens", {"name": "laptop"}, headers={"Idempotency-Key": "tok-1"})
    assert again.status_code == 201 and again.json["token"] != text


def test_last_used_is_recorded_and_throttled(app: Any, api: Any, db: Any) -> None:
    import datetime as dt

    from server.core import dates

    start = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)
    with dates.frozen(start):
        api.get("/api/v1/me")
    with dates.frozen(start + dt.timedelta(minutes=1)):
        first = [t for t in api.get("/api/v1/me/tokens").json["items"] if t["name"] == "first token"][0]
    assert first["last_used_at"] == "2026-11-28T09:00:00Z"
    with dates.frozen(start + dt.timedelta(minutes=6)):
        api.get("/api/v1/me")
        again = [t for t in api.get("/api/v1/me/tokens").json["items"] if t["name"] == "first token"][0]
    assert again["last_used_at"] == "2026-11-28T09:06:00Z"


def test_one_token_text_in_two_databases_resolves_in_each_to_its_own_user(
        sqlite_world_template: Any, tmp_path: Path) -> None:
    """The token cache is per database: the same token text (two copies of one company) never crosses over."""
    template, world = sqlite_world_template
    apps = []
    for name, language in (("one", "ru"), ("two", "km")):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(template, path)
        app = create_app({"DATABASE_URL": f"sqlite:///{path}", "TESTING": True, "DATA_DIR": str(tmp_path)})
        with app.extensions["clientbase.db"].write_session() as s, s.begin():
            s.get(User, world.users["owner"]).language = language
        apps.append(app)
    try:
        headers = {"Authorization": f"Bearer {world.tokens['owner']}"}
        for _ in range(2):  # the second round is answered from the cache
            # An error speaks the acting user's language: the actor the token resolved to, not the row /me reads.
            ru, km = (app.test_client().get("/api/v1/clients/999999", headers=headers) for app in apps)
            assert ru.status_code == km.status_code == 404
            assert any("\u0400" <= ch <= "\u04ff" for ch in ru.json["title"]), ru.json
            assert any("\u1780" <= ch <= "\u17ff" for ch in km.json["title"]), km.json
    finally:
        for app in apps:
            app.extensions["clientbase.db"].dispose()
