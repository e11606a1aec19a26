"""Importing clients exactly: no client lost to a bad cell, no two clients merged through a third, no
false alarm on serial numbers, tax ids and local phones read in the company's countries, sentences."""
from __future__ import annotations

import io
from typing import Any

import openpyxl
import xlsxwriter
from sqlalchemy import select

from server.parties.models import Counterparty
from tests.factories import by_row, commit, planned, problem, report, xlsx

HEADER = ["Name", "Phone", "Country", "Email", "Tax ID"]
# 15 rows, 12 clients. Two families and companies share phones and e-mails: the Keo sisters share a
# home phone; Sokha Travel shares that phone with Keo Malis and Romashka's e-mail (it books their
# trips). None of them is another's duplicate. Rows 6, 7 and 15 repeat rows 2, 3 and 14.
CLIENTS = [
    ["ООО «Ромашка»", "+7 495 123 45 67", "Россия", "info@romashka.ru", "7707083893"],       # 2
    ["Keo Malis", "012 345 678", None, "malis@example.com", None],                           # 3
    ["Keo Sophea", "012 345 678", None, "sophea(at)example.com", None],                      # 4
    ["Sokha Travel", "012 345 678", None, "info@romashka.ru", None],                         # 5
    ["Ромашка ООО", "+7 495 111 22 33", "RU", None, "7707083893"],                           # 6 = 2, tax id
    ["KEO MALIS", None, None, "Malis@Example.com", None],                                    # 7 = 3, e-mail
    ["Dara Sok", "8 (495) 765-43-21", None, None, None],                                     # 8 Moscow number
    ["Client 00123", "097 111 2222", None, None, None],                                      # 9
    ["Client 00124", "097 111 2223", None, None, None],                                      # 10
    ["Client 00125", None, None, None, None],                                                # 11
    ["Angkor Hotel", "call reception", None, None, "1234"],                                  # 12
    ["Mekong Foods", None, None, None, "garbage!!"],                                         # 13
    ["Tonle Sap Fish", "012 999 888", None, "tonle@example.com", None],                      # 14
    ["Tonle Sap Fish Co.", "012 999 888", None, None, None],                                 # 15 = 14, phone
    ['=CMD|" /C calc"!A0', "+855 12 777 888", None, None, None],                               # 16 hostile
]


def names(db: Any) -> list[str]:
    with db.read_session() as s:
        return sorted(s.scalars(select(Counterparty.name)))


def warnings(row: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for w in row.get("warnings", []):
        out.setdefault(w["code"], []).append(w)
    return out


def test_fifteen_rows_of_twelve_clients_become_twelve_clients(api: Any, db: Any) -> None:
    imp = planned(api, xlsx([HEADER, *CLIENTS]))
    rows = by_row(report(api, imp))
    assert imp["counts"] == {"create": 12, "update": 0, "unchanged": 0, "skip": 3, "error": 0, "rows": 15}
    # Repeats state their real reason, the name score and the threshold a name needs.
    assert rows[6]["match"] == {"row": 2, "by": "tax_id", "score": 100.0, "threshold": 90}
    assert rows[7]["match"] == {"row": 3, "by": "email", "score": 100.0, "threshold": 90}
    assert rows[15]["match"] == {"row": 14, "by": "phone", "score": 100.0, "threshold": 90}
    # The third row sharing a phone with one client and an e-mail with another chains nobody together.
    for n in (2, 3, 4, 5):
        assert rows[n]["action"] == "create", rows[n]
    shared = warnings(rows[5])["shares_key_in_file"]
    assert {(w["params"]["by_key"], w["params"]["row"]) for w in shared} == {("phone", 3), ("phone", 4), ("email", 2)}
    assert all(w["params"]["score"] < w["params"]["threshold"] == 90 for w in shared)
    # The bad e-mail is left out, quoted; the client is not lost.
    bad = warnings(rows[4])["email_not_valid"][0]
    assert (bad["column"], bad["header"], bad["params"]["value"], bad["left_out"]) == (
        "D", "Email", "sophea(at)example.com", True)
    assert bad["message"] == ("Row 4, column D “Email”: The e-mail “sophea(at)example.com” is not valid: it has no "
                              "@ sign. It was left out; the rest of the row is imported.")
    assert rows[4]["values"]["phones"] == ["+85512345678"] and rows[4]["values"]["emails"] == []
    # A Moscow number typed the Russian way, in a Cambodian company with a Moscow branch.
    assert rows[8]["values"]["phones"] == ["+74957654321"] and "warnings" not in rows[8]
    # Serial numbers are not typos: no "looks like row 9".
    for n in (9, 10, 11):
        assert "warnings" not in rows[n], rows[n]
    # Tax ids without a country are checked in the company's countries (KH, then the Moscow branch's RU).
    hotel = warnings(rows[12])
    assert hotel["tax_id_not_valid"][0]["params"] | {"reason_code": None} == {
        "value": "1234", "countries": "KH, RU", "reason_code": None}
    assert hotel["phone_not_valid"][0]["params"]["value"] == "call reception"
    assert warnings(rows[13])["tax_id_not_valid"][0]["params"]["value"] == "garbage!!"
    assert "tax_id" not in rows[12]["values"] and "tax_id" not in rows[13]["values"]
    r = commit(api, imp)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert names(db) == sorted(['=CMD|" /C calc"!A0', "Angkor Hotel", "Client 00123", "Client 00124", "Client 00125",
                                "Dara Sok", "Keo Malis", "Keo Sophea", "Mekong Foods", "Sokha Travel", "Tonle Sap Fish",
                                "ООО «Ромашка»"])
    with db.read_session() as s:
        malis = s.scalars(select(Counterparty).where(Counterparty.name == "Keo Malis")).one()
        assert [e.email for e in malis.emails] == ["malis@example.com"] and malis.tax_id is None
        romashka = s.scalars(select(Counterparty).where(Counterparty.name == "ООО «Ромашка»")).one()
        assert romashka.tax_id == "7707083893" and [p.e164 for p in romashka.phones] == ["+74951234567"]


def test_strict_keeps_a_bad_cell_an_error_and_a_refused_import_changes_nothing(api: Any, db: Any,
                                                                                unchanged: Any) -> None:
    imp = planned(api, xlsx([HEADER, *CLIENTS]), options={"strict": True})
    assert imp["options"]["strict"] is True
    rows = by_row(report(api, imp))
    assert imp["counts"]["error"] == 3
    for n in (4, 12, 13):
        assert rows[n]["action"] == "error"
        assert rows[n]["values"]["name"] == CLIENTS[n - 2][0]  # never {}: the row shows what it holds
    assert rows[12]["values"]["phone"] == "call reception" and rows[12]["values"]["tax_id"] == "1234"
    with unchanged():
        body = problem(commit(api, imp), 422, "import_has_errors")
        messages = {e["field"]: e["message"] for e in body["errors"]}
        assert "sophea(at)example.com" in messages["rows.4.D"] and "{" not in messages["rows.4.D"]
        assert "1234" in messages["rows.12.E"]
    assert names(db) == []


def test_a_row_without_a_name_is_an_error_showing_its_values(api: Any) -> None:
    rows = by_row(report(api, planned(api, xlsx([HEADER, ["Sokha", "012 222 333", None, None, None],
                                                 ["  ", "012 444 555", None, "x@example.com", None]]))))
    assert rows[3]["action"] == "error" and rows[3]["errors"][0]["code"] == "name_missing"
    assert rows[3]["values"] == {"phone": "012 444 555", "email": "x@example.com"}
    assert rows[3]["errors"][0]["message"].startswith("Row 3, column A “Name”: The name is empty")
    rows = by_row(report(api, planned(api, xlsx([["Name", "Email"], [None, "x(at)example.com"]]))))
    assert rows[2]["action"] == "error" and rows[2]["warnings"][0]["code"] == "email_not_valid"
    assert "left_out" not in rows[2]["warnings"][0]  # nothing of the row is imported


def test_hostile_values_are_quoted_and_left_out_never_run(api: Any, db: Any) -> None:
    long_legal = "Я" * 400
    content = xlsx([["Name", "Legal name", "Email", "Phone", "Segment", "Consent"],
                    ["Hostile Co", long_legal, "<script>@x.com", "+1 (555) DROP TABLE", "=1+1", "maybe"],
                    ["Wide At", None, "ｓｏｋ＠example.com", None, None, None],
                    ["Two Ats", None, "a@@example.com", None, None, None],
                    ["No Dot", None, "sok@localhost", None, None, None]])
    imp = planned(api, content)
    rows = by_row(report(api, imp, language="ru"))
    assert imp["counts"]["create"] == 4 and imp["counts"]["error"] == 0
    got = warnings(rows[2])
    assert got["value_too_long"][0]["params"]["value"].startswith("ЯЯЯ") and got["value_too_long"][0]["params"]["max"]
    assert got["email_not_valid"][0]["params"]["value"] == "<script>@x.com"
    assert got["phone_not_valid"][0]["params"]["value"] == "+1 (555) DROP TABLE"
    assert got["segment_not_known"][0]["params"]["value"] == "=1+1"
    assert got["yes_no_not_known"][0]["params"]["value"] == "maybe"
    # Every bad cell left out, the client kept: nothing of it was run or stored.
    assert rows[2]["values"] == {"name": "Hostile Co", "phones": [], "emails": []}
    # email-validator's English never reaches the user: its reasons are our codes, in the user's language.
    for n in (2, 3, 4, 5):
        w = warnings(rows[n])["email_not_valid"][0]
        assert w["params"]["reason_code"].startswith("email_"), w
        assert "@-sign" not in w["message"] and "Адрес эл. почты" in w["message"] and "пропущено" in w["message"]
    assert warnings(rows[3])["email_not_valid"][0]["params"]["reason_code"] in ("email_wrong_at", "email_bad_characters")
    assert warnings(rows[5])["email_not_valid"][0]["params"]["reason_code"] == "email_no_dot_in_domain"
    assert commit(api, imp).status_code == 200
    assert names(db) == ["Hostile Co", "No Dot", "Two Ats", "Wide At"]
    # The .xlsx report quotes the hostile text as text, in Khmer here.
    r = api.get(f"/api/v1/imports/{imp['id']}/report", query_string={"format": "xlsx", "language": "km"})
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    line = next(row for row in ws.iter_rows(min_row=3) if row[0].value == 2)
    assert "ជួរ 2 ជួរឈរ E «Segment»" in line[4].value and "=1+1" in line[4].value
    assert all(c.data_type == "s" for c in line[1:])


def test_serial_numbers_raise_no_false_alarm_but_a_typo_does(api: Any) -> None:
    rows = [["Name"]] + [[f"Client {i:05d}"] for i in range(1, 201)] + [["Sokha Hotel"], ["Sokha Hotell"]]
    rep = by_row(report(api, planned(api, xlsx(rows))))
    alarms = [n for n, r in rep.items() if r.get("warnings")]
    assert alarms == [203]
    assert rep[203]["warnings"][0]["code"] == "possible_duplicate_in_file" and rep[203]["warnings"][0]["params"]["row"] == 202


def test_phones_in_a_branch_country_are_read_there_unless_two_read_them(api: Any, world: Any) -> None:
    for code, country in (("BKK", "TH"), ("HAN", "VN")):
        assert api.post("/api/v1/branches", {"code": code, "name": code, "country": country}).status_code == 201
    content = xlsx([["Name", "Phone"], ["Ivanov Ivan", "8 (916) 123-45-67"], ["Somchai", "081 234 5678"],
                    ["Sokha", "012 345 678"], ["Dara Sok", "8 (495) 765-43-21"]])
    rows = by_row(report(api, planned(api, content)))
    assert rows[2]["values"]["phones"] == ["+79161234567"]  # only Russia reads it
    w = warnings(rows[3])["phone_ambiguous"][0]
    assert w["params"] == {"value": "081 234 5678", "countries": "TH +66812345678, VN +84812345678"}
    assert "TH +66812345678, VN +84812345678" in w["message"]
    assert rows[4]["values"]["phones"] == ["+85512345678"]  # the company's own country first: no ambiguity
    # With a Hanoi branch, a Moscow number typed the Russian way is also a Vietnamese one: not guessed.
    assert warnings(rows[5])["phone_ambiguous"][0]["params"]["countries"] == "RU +74957654321, VN +84957654321"


def test_contacts_keep_the_person_and_leave_a_bad_e_mail_out(api: Any) -> None:
    assert api.post("/api/v1/clients", {"name": "Angkor Hotel"}).status_code == 201
    content = xlsx([["Client", "Contact name", "Email", "Phone"],
                    ["Angkor Hotel", "Sok Dara", "dara(at)angkor.example", "12"]])
    rows = by_row(report(api, planned(api, content, kind="contacts")))
    assert rows[2]["action"] == "create"
    got = warnings(rows[2])
    assert got["email_not_valid"][0]["params"]["value"] == "dara(at)angkor.example"
    assert got["phone_not_valid"][0]["params"]["value"] == "12"


def test_a_bare_name_shared_by_two_clients_is_asked_about_not_guessed(api: Any) -> None:
    content = xlsx([["Name", "Phone"], ["Sok Dara", "012 111 222"], ["Sok Dara", "012 333 444"], ["Sok Dara", None],
                    ["Chan Thida", "012 555 666"], ["Chan Thida", None]])
    imp = planned(api, content)
    rows = by_row(report(api, imp))
    assert [rows[n]["action"] for n in (2, 3, 4, 5, 6)] == ["create", "create", "create", "create", "skip"]
    assert "warnings" not in rows[3]  # another phone: another Sok Dara, said nothing of
    assert rows[4]["warnings"][0]["code"] == "possible_duplicate_in_file" and rows[4]["warnings"][0]["params"]["row"] == 2
    assert rows[6]["match"] == {"row": 5, "by": "name", "score": 100.0, "threshold": 90}
    assert commit(api, imp).status_code == 200
    again = by_row(report(api, planned(api, xlsx([["Name"], ["Sok Dara"], ["Chan Thida"]]))))
    assert again[2]["action"] == "create" and again[2]["match"]["by"] == "same_name"  # two in the base: asked
    assert again[3]["action"] == "unchanged" and again[3]["match"]["by"] == "name"


def test_control_characters_are_quoted_as_codes_and_the_client_kept(api: Any) -> None:
    # openpyxl refuses to write control characters; files from other programs carry them.
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Name", "Legal name"])
    sheet.write_row(1, 0, ["Escape Co", "Evil\x1b[31mCorp\x00"])
    book.close()
    rows = by_row(report(api, planned(api, buf.getvalue())))
    assert rows[2]["action"] == "create" and "legal_name" not in rows[2]["values"]
    w = rows[2]["warnings"][0]
    assert (w["code"], w["params"]["value"], w["params"]["reason_code"]) == (
        "value_not_valid", "Evil\\x1b[31mCorp\\x00", "control_characters")
    assert "\x1b" not in w["message"] and "Contains control characters" in w["message"]
