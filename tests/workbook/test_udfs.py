"""The UDFs called as Excel would call them (floats, blanks, ranges as lists) against a real server over HTTP."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

import pytest

from server.core import dates
from workbook import udfs
from workbook.connection import ClientBaseError, Connection

from tests.factories import SalesBooks, free_port, line


E = udfs.PREFIX


@pytest.fixture
def books(db: Any, world: Any, api: Any, served: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesBooks]:
    """Sokha Shop: INV-1 276.07 (net 250.97) due 03-10 and 40,000 riel (10.00) due 04-30; a bill of 99.00 from
    Mekong Supply; a price list for the widget (20.00, 18.00 from 10). All as of 2026-03-31, for the owner."""
    monkeypatch.setenv("CLIENTBASE_TOKEN", world.tokens["owner"])
    with dates.frozen(dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.timezone.utc)):
        b = SalesBooks(db, world, api)
        b.posted([line("W-1", "3", "19.99", discount_percent="15"), line("G-1", "2", "100.00")])
        b.posted([line("BK", "1", "40000")], currency="KHR", due_date="2026-04-30")
        b.posted([line("W-1", "10", "4.00"), line("SVC", "1", "50.00")], kind="bill")
        w1 = b.products["W-1"]
        r = api.post("/api/v1/price-lists", {"code": "BASE", "name": "Base", "currency": "USD", "rules": [
            {"product_id": w1, "price": "20.00"}, {"product_id": w1, "min_qty": "10", "price": "18.00"}]})
        assert r.status_code == 201, r.json
        yield b


@pytest.fixture
def requests_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the UDFs POST to, in order."""
    made: list[str] = []
    original = Connection.post

    def post(self: Connection, path: str, json: Any = None, **kw: Any) -> Any:
        made.append(path)
        return original(self, path, json, **kw)

    monkeypatch.setattr(Connection, "post", post)
    return made


def test_one_client_per_formula(books: SalesBooks) -> None:
    sokha = books.client
    for key in ("Sokha Shop", float(sokha), " sokha shop ", "K001-100200300", sokha):
        assert udfs.CB_BALANCE(key) == 286.07, key
    assert udfs.CB_OVERDUE("Sokha Shop") == 276.07
    assert udfs.CB_BALANCE("Mekong Supply") == -99.0
    assert udfs.CB_OVERDUE("Sokha Shop", dt.datetime(2026, 3, 10)) == 0.0
    # Net sales: 250.97 + 10.00; none after the 10th; none in a category nothing belongs to.
    assert udfs.CB_SALES("Sokha Shop") == 260.97
    assert udfs.CB_SALES("Sokha Shop", None, dt.datetime(2026, 3, 11), "2026-03-31") == 0.0
    assert udfs.CB_SALES("Sokha Shop", "", 46091.0, 46091.0) == 260.97  # Excel's serial number of 2026-03-10
    assert udfs.CB_LAST_ORDER("Sokha Shop") == dt.date(2026, 3, 10)
    assert udfs.CB_LAST_ORDER("Mekong Supply") == ""
    assert udfs.CB_PRICE("W-1") == 20.0
    assert udfs.CB_PRICE("W-1", "Sokha Shop", 10.0) == 18.0


def test_errors_read_as_sentences(books: SalesBooks) -> None:
    assert udfs.CB_BALANCE("Nobody") == E + "client not found"
    assert udfs.CB_OVERDUE(None) == E + "no client given"
    assert udfs.CB_LAST_ORDER(999_999.0) == E + "client not found"
    assert udfs.CB_PRICE("NOPE") == E + "product not found"
    assert udfs.CB_PRICE("G-1") == E + "no price for this product"
    assert udfs.CB_PRICE(None) == E + "no product given"
    assert udfs.CB_PRICE("W-1", "Nobody") == E + "client not found"
    # The server's own refusal: its title and each field's message.
    assert udfs.CB_SALES("Sokha Shop", "NOPE") == (
        E + "Some fields are not valid. (category: category NOPE does not exist.)")
    assert udfs.CB_SALES("Sokha Shop", None, "2026-03-31", "2026-03-01") == (
        E + "Some fields are not valid. (from: The period starts on 2026-03-31, after it ends on 2026-03-01.)")


def test_a_column_in_one_request(books: SalesBooks, requests_made: list[str]) -> None:
    sokha = float(books.client)
    column = [["Sokha Shop"], ["Mekong Supply"], [None], ["Nobody"], [sokha], ["Sokha Shop"]]
    assert udfs.CB_BALANCES(column) == [[286.07], [-99.0], [""], [E + "client not found"], [286.07], [286.07]]
    assert udfs.CB_OVERDUES(column) == [[276.07], [0.0], [""], [E + "client not found"], [276.07], [276.07]]
    assert requests_made == ["/figures/clients", "/figures/clients"]
    # A row of cells keeps its shape.
    assert udfs.CB_BALANCES([["Sokha Shop", "Mekong Supply"]]) == [[286.07, -99.0]]
    # Prices: one client for the whole range, or one beside each SKU.
    requests_made.clear()
    assert udfs.CB_PRICES([["W-1"], ["G-1"], [None], ["NOPE"]], [["Sokha Shop"]]) == [
        [20.0], [E + "no price for this product"], [""], [E + "product not found"]]
    assert udfs.CB_PRICES([["W-1"], ["W-1"]], [["Sokha Shop"], ["Nobody"]]) == [[20.0], [E + "client not found"]]
    assert udfs.CB_PRICES([["W-1"], ["W-1"]], [["a"], ["b"], ["c"]]) == [
        [E + "the clients range must be one cell or as long as the SKUs range"]] * 2
    assert requests_made == ["/figures/prices", "/figures/prices"]


def test_a_column_longer_than_one_request_takes_several(books: SalesBooks, requests_made: list[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(udfs, "MAX_CLIENTS", 2)
    assert udfs.CB_BALANCES([["Sokha Shop"], ["Mekong Supply"], ["Nobody"], ["Sokha Shop"]]) == [
        [286.07], [-99.0], [E + "client not found"], [286.07]]
    assert requests_made == ["/figures/clients", "/figures/clients"]


def test_server_down_bad_token_and_no_token(books: SalesBooks, served: str, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("CLIENTBASE_URL", down)
    text = udfs.CB_BALANCE("Sokha Shop")
    assert text.startswith(f"{E}cannot reach the server at {down} ("), text
    assert udfs.CB_BALANCES([["a"], ["b"]]) == [[text], [text]]
    monkeypatch.setenv("CLIENTBASE_URL", served)
    monkeypatch.setenv("CLIENTBASE_TOKEN", "cb_not-a-token")
    assert udfs.CB_BALANCE("Sokha Shop") == E + "The API token is not valid, expired or revoked."
    # No token anywhere: the message says where to put it. Then the token file is read.
    monkeypatch.delenv("CLIENTBASE_TOKEN")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    token_file = tmp_path / "clientbase" / "token"
    assert udfs.CB_BALANCE("Sokha Shop") == E + f"no API token: set CLIENTBASE_TOKEN or save the token in {token_file}"
    token_file.parent.mkdir()
    token_file.write_text(f"\n{books.world.tokens['owner']}\n", encoding="utf-8")
    assert udfs.CB_BALANCE("Sokha Shop") == 286.07


def test_the_connection_carries_the_problem_and_keeps_the_token_to_itself(books: SalesBooks, served: str) -> None:
    conn = Connection()
    assert conn.url == served and books.world.tokens["owner"] not in repr(conn)
    with pytest.raises(ClientBaseError) as caught:
        conn.post("/api/v1/figures/clients", {"clients": [1], "bogus": 1, "as_of": "2026-02-30"})
    exc = caught.value
    assert (exc.status, exc.code) == (422, "validation_failed")
    assert exc.message == ("Some fields are not valid. (as_of: Not a valid date (use YYYY-MM-DD).; "
                           "bogus: This field is not known.)")
    assert [e["field"] for e in exc.errors] == ["as_of", "bogus"]
    listed = conn.get("/invoices", {"counterparty_id": books.client, "kind": None})["items"]
    assert sorted(i["total"] for i in listed) == ["276.07", "40000"]
    with pytest.raises(ClientBaseError) as caught:
        conn.get(f"/clients/{10**6}")
    assert caught.value.status == 404 and books.world.tokens["owner"] not in caught.value.message


def test_where_the_token_and_url_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from workbook import connection

    for name in ("CLIENTBASE_URL", "CLIENTBASE_TOKEN", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(connection.sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    home = tmp_path / "Roaming" / "ClientBase"
    assert connection.config_dir() == home
    assert Connection().url == "http://127.0.0.1:5000"
    home.mkdir(parents=True)
    (home / "token").write_text("\ufeffcb_from_file\n", encoding="utf-8")  # Notepad's byte-order mark
    (home / "url").write_text("http://books.local:8080/\n", encoding="utf-8")
    conn = Connection()
    assert (conn.url, conn.token) == ("http://books.local:8080", "cb_from_file")
    assert Connection("http://other:1", "cb_given").token == "cb_given"
    monkeypatch.setattr(connection.sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert connection.config_dir() == tmp_path / ".config" / "clientbase"
