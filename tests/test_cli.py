"""The `clientbase` command line: db upgrade, init, users add, tokens create, serve."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect

from server.audit.models import Operation
from server.core.i18n import translate
from server.models import metadata
from server.org.models import ApiToken, Company, User

from tests.factories import Cli, assert_problem, cli_init, cli_token

ROOT = Path(__file__).resolve().parent.parent
B = "/api/v1"


def test_db_upgrade_builds_a_fresh_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "fresh.sqlite3"
    cli = Cli(f"sqlite:///{path}", tmp_path / "instance", monkeypatch)
    result = cli("db", "upgrade")
    assert "database at head" in result.output
    engine = create_engine(f"sqlite:///{path}")
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    cli("db", "upgrade")  # again: nothing to do, no error
    cli("db", "downgrade", "base")
    engine = create_engine(f"sqlite:///{path}")
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_init_creates_company_owner_token_and_default_language(cli: Cli) -> None:
    result = cli("init", "--company", "Angkor Trading", "--language", "km", "--owner-email", "Owner@Angkor.example",
                 "--owner-name", "សុភា", "--second-currency", "khr")
    token = cli_token(result)
    cfg = cli.instance / "clientbase.cfg"
    assert "DEFAULT_LANGUAGE = 'km'" in cfg.read_text(encoding="utf-8")
    assert str(cfg) in result.output

    client = cli.client(token)
    me = client.get(f"{B}/me").json
    assert (me["email"], me["name"], me["role"], me["language"]) == ("owner@angkor.example", "សុភា", "owner", "km")
    company = client.get(f"{B}/company").json
    assert (company["name"], company["country"], company["base_currency"], company["second_currency"],
            company["language"]) == ("Angkor Trading", "KH", "USD", "KHR", "km")
    # An unauthenticated request now gets its error in Khmer: the default language applies.
    anonymous = cli.client()
    body = assert_problem(anonymous.get(f"{B}/company"), 401, "unauthorized")
    assert body["title"] == translate("unauthorized", "km") != translate("unauthorized", "en")
    assert any("\u1780" <= ch <= "\u17ff" for ch in body["title"])
    # The token text is nowhere in the database; its creation is logged.
    assert cli.count(ApiToken, ApiToken.prefix == token[:10]) == 1
    assert cli.count(Operation, Operation.entity.in_(("company", "user", "api_token"))) == 3


def test_init_keeps_other_settings_and_refuses_a_second_company(cli: Cli) -> None:
    cli.instance.mkdir()
    (cli.instance / "clientbase.cfg").write_text("PAGE_LIMIT_DEFAULT = 20\nDEFAULT_LANGUAGE = 'en'\n", encoding="utf-8")
    cli_init(cli, "--language", "ru")
    text = (cli.instance / "clientbase.cfg").read_text(encoding="utf-8")
    assert "PAGE_LIMIT_DEFAULT = 20" in text and "DEFAULT_LANGUAGE = 'ru'" in text
    assert "DEFAULT_LANGUAGE = 'en'" not in text
    app = cli.app()
    assert (app.config["PAGE_LIMIT_DEFAULT"], app.config["DEFAULT_LANGUAGE"]) == (20, "ru")

    result = cli("init", "--company", "Second", "--owner-email", "other@example.com", "--language", "km", ok=False)
    assert "already holds a company" in result.output
    assert cli.count(Company) == 1
    assert "DEFAULT_LANGUAGE = 'ru'" in (cli.instance / "clientbase.cfg").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [
    (("--country", "XX"), "country"),
    (("--country", "Cambodia"), "country"),
    (("--currency", "DOLLAR"), "currency"),
    (("--second-currency", "ZZZ"), "second_currency"),
    (("--language", "fr"), "--language"),
    (("--owner-email", "not-an-email"), "owner_email"),
])
def test_init_refuses_bad_input_clearly(cli: Cli, args: tuple[str, ...], message: str) -> None:
    base = {"--company": "Angkor Trading", "--owner-email": "owner@angkor.example"}
    base.update(dict(zip(args[::2], args[1::2])))
    result = cli("init", *[x for kv in base.items() for x in kv], ok=False)
    assert message in result.output
    assert cli.count(Company) == 0
    assert not (cli.instance / "clientbase.cfg").exists()


def test_users_add_with_branches_and_clear_errors(cli: Cli) -> None:
    owner = cli.client(cli_init(cli))
    for code in ("PP", "SR"):
        assert owner.post(f"{B}/branches", json={"code": code, "name": code, "country": "KH"}).status_code == 201
    result = cli("users", "add", "--email", "Dara@Angkor.example", "--name", "Dara", "--role", "sales",
                 "--language", "ru", "--branch", "PP", "--branch", "SR")
    assert "dara@angkor.example (sales)" in result.output
    assert "cb_" not in result.output  # no secret printed
    users = {u["email"]: u for u in owner.get(f"{B}/users").json["items"]}
    dara = users["dara@angkor.example"]
    branches = {b["code"]: b["id"] for b in owner.get(f"{B}/branches").json["items"]}
    assert (dara["role"], dara["language"], dara["branch_ids"]) == ("sales", "ru", sorted(branches.values()))

    cli("users", "add", "--email", "all@angkor.example", "--name", "All", "--role", "accountant")
    assert cli.count(User) == 3

    for args, message in (
        (("--role", "boss"), "Invalid value for '--role'"),
        (("--role", "sales", "--branch", "NOPE"), "no branch with code 'NOPE'"),
        (("--role", "sales", "--branch", "PP", "--branch", "NOPE"), "no branch with code 'NOPE'"),
        (("--role", "sales", "--email", "DARA@angkor.example"), "already exists"),
        (("--role", "sales", "--email", "not-an-email"), "email"),
        (("--role", "sales", "--company-id", "999"), "no company with id 999"),
        (("--role", "sales", "--language", "de"), "Invalid value for '--language'"),
    ):
        opts = {"--email": "new@angkor.example", "--name": "New"}
        rest = list(args)
        if "--email" in rest:
            i = rest.index("--email")
            opts["--email"] = rest.pop(i + 1)
            rest.pop(i)
        result = cli("users", "add", *[x for kv in opts.items() for x in kv], *rest, ok=False)
        assert message in result.output, (args, result.output)
    assert cli.count(User) == 3


def test_users_add_before_init_says_so(cli: Cli) -> None:
    result = cli("users", "add", "--email", "a@example.com", "--name", "A", "--role", "sales", ok=False)
    assert "no company yet" in result.output


def test_tokens_create_prints_a_working_token(cli: Cli) -> None:
    owner = cli.client(cli_init(cli))
    cli("users", "add", "--email", "vanna@angkor.example", "--name", "Vanna", "--role", "warehouse")
    result = cli("tokens", "create", "--email", "VANNA@angkor.example", "--name", "scanner")
    text = result.output.strip()
    assert text.startswith("cb_") and "\n" not in text
    assert cli.client(text).get(f"{B}/me").json["email"] == "vanna@angkor.example"
    assert cli.count(ApiToken, ApiToken.name == "scanner") == 1
    ops = owner.get(f"{B}/operations?entity=api_token").json["items"]
    assert [o["action"] for o in ops] == ["create", "create"] and text not in json.dumps(ops)

    result = cli("tokens", "create", "--email", "nobody@angkor.example", ok=False)
    assert "no user with email 'nobody@angkor.example'" in result.output
    result = cli("tokens", "create", "--email", "vanna@angkor.example", "--name", "x" * 101, ok=False)
    assert "name" in result.output
    assert cli.count(ApiToken) == 2

    # An archived user gets no token that would only be refused.
    uid = cli.client(text).get(f"{B}/me").json["id"]
    assert owner.post(f"{B}/users/{uid}/archive", json={"version": 1}).status_code == 200
    result = cli("tokens", "create", "--email", "vanna@angkor.example", ok=False)
    assert "archived" in result.output
    assert cli.count(ApiToken) == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIENTBASE_")}
    env.update(CLIENTBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'served.sqlite3'}",
               CLIENTBASE_INSTANCE_PATH=str(tmp_path / "instance"), PYTHONWARNINGS="error")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from clientbase.cli import main; main()", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    health = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.1)
        assert health == {"status": "ok", "database": "sqlite"}, proc.poll()
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/company", timeout=5)
        with err.value:  # an HTTPError holds the open response
            assert err.value.code == 401
            assert err.value.headers["Content-Type"] == "application/problem+json"
            assert err.value.headers["X-Request-Id"]
            assert json.loads(err.value.read())["code"] == "unauthorized"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in out
    # serve migrated the empty database.
    engine = create_engine(f"sqlite:///{tmp_path / 'served.sqlite3'}")
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_demo_if_empty_leaves_a_real_company_alone(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from clientbase.cli import main

    env = {"CLIENTBASE_DATABASE_URL": f"sqlite:///{tmp_path / 'real.sqlite3'}",
           "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance")}
    runner = CliRunner()
    init = runner.invoke(main, ["init", "--company", "Real Co", "--owner-email", "boss@real.example"], env=env)
    assert init.exit_code == 0, init.output
    again = runner.invoke(main, ["demo", "--if-empty"], env=env)
    assert again.exit_code == 0, again.output
    assert "not the demo" in again.output and "token" not in again.output.split("(")[0]


def test_companies_add_makes_another_legal_entity_with_its_own_owner(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from server import create_app
    from clientbase.cli import main

    url = f"sqlite:///{tmp_path / 'group.sqlite3'}"
    env = {"CLIENTBASE_DATABASE_URL": url, "CLIENTBASE_INSTANCE_PATH": str(tmp_path / "instance")}
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--company", "Angkor Trading", "--owner-email", "a@angkor.example"],
                         env=env).exit_code == 0
    added = runner.invoke(main, ["companies", "add", "--company", "ООО Ромашка", "--country", "RU", "--currency",
                                 "RUB", "--language", "ru", "--owner-email", "boss@romashka.example"], env=env)
    assert added.exit_code == 0, added.output
    token = added.output.strip().split()[-1]
    listing = runner.invoke(main, ["companies", "list"], env=env).output
    assert "Angkor Trading" in listing and "ООО Ромашка\tRU\tRUB" in listing
    app = create_app({"DATABASE_URL": url})
    me = app.test_client().get("/api/v1/company", headers={"Authorization": f"Bearer {token}"})
    assert me.json["name"] == "ООО Ромашка" and me.json["base_currency"] == "RUB"
    app.extensions["clientbase.db"].dispose()
    again = runner.invoke(main, ["companies", "add", "--company", "X", "--owner-email", "boss@romashka.example"], env=env)
    assert again.exit_code != 0 and "owner_email" in again.output
