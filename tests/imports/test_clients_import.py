"""Importing a messy client list: detection, normalisation, duplicates, dry run, commit, re-import, undo."""
from __future__ import annotations

import io
import random
import threading
from typing import Any

import openpyxl
from sqlalchemy import func, select

from server.parties.models import Counterparty
from tests.factories import by_row, commit, committed, planned, problem, report, upload, xlsx

# What an accountant's list looks like: a title, a date line, an empty row, then the table in
# Russian, with a totals row, a note under it, blank rows between clients.
TITLE = [["Список клиентов ООО «Ромашка»", None, None, None, None], ["на 28.11.2026", None, None, None, None], []]
HEADER = ["№", "Наименование", "Телефон", "E-mail", "ИНН", "Город", "Примечание"]
ROWS = [
    [1, "  ООО   «Вектор» ", "8 (912) 345-67-89", "Info@Vector.RU", "7707083893", "Москва", "ключевой"],
    [2, "ហាងកាហ្វេ សុខដារ៉ា", "០១២ ៣៤៥ ៦៧៨", "sokdara@example.com", None, "ភ្នំពេញ", None],
    [3, "Angkor Hotel", 12345679.0, None, "K001-901234567", "Siem Reap", None],
    [None, None, None, None, None, None, None],
    [4, "Bad Phone Ltd", "12", "not-an-email", None, None, None],
    [5, "Вектор ООО", "+7 912 345 67 89", None, None, None, "тот же, что строка 1"],
    [6, "=HYPERLINK(\"http://evil\")", "097 111 2222", None, None, None, None],
]
FOOTER = [["Итого", None, None, None, None, None, None], [], [], ["Подготовил: бухгалтер", None, None, None, None, None, None]]


def messy() -> bytes:
    return xlsx([HEADER, *ROWS, *FOOTER], title=TITLE, merge=["A1:E1"])


def clients(db: Any) -> list[Counterparty]:
    with db.read_session() as s:
        return list(s.scalars(select(Counterparty).order_by(Counterparty.id)))


def test_a_messy_list_is_read_as_people_mean_it(api: Any, db: Any, unchanged: Any) -> None:
    imp = planned(api, messy())
    assert imp["status"] == "planned"
    assert imp["mapping"]["header_row"] == 4
    detected = {c["column"]: c["field"] for c in imp["mapping"]["detected"]}
    assert detected == {"A": None, "B": "name", "C": "phone", "D": "email", "E": "tax_id", "F": "city", "G": "notes"}
    rows = by_row(report(api, imp))
    # Row numbers are the sheet's: the header is on row 4, the first client on row 5.
    assert rows[5]["action"] == "create"
    assert rows[5]["values"]["name"] == "ООО «Вектор»"
    assert rows[5]["values"]["phones"] == ["+79123456789"]
    assert rows[5]["values"]["emails"] == ["info@vector.ru"]
    assert rows[5]["values"]["tax_id"] == "7707083893"
    assert rows[6]["values"]["name"] == "ហាងកាហ្វេ សុខដារ៉ា"  # Khmer kept exactly
    assert rows[6]["values"]["phones"] == ["+85512345678"]  # Khmer digits, the company's country
    assert rows[7]["values"]["phones"] == ["+85512345679"]  # a number cell, not "12345679.0"
    assert rows[7]["values"]["tax_id"] == "K001-901234567"
    # A bad phone and a bad e-mail do not lose the client: it is created without them, and the
    # warnings quote what was typed, by column.
    assert rows[9]["action"] == "create" and rows[9]["values"]["name"] == "Bad Phone Ltd"
    assert rows[9]["values"]["phones"] == [] and rows[9]["values"]["emails"] == []
    assert {(w["column"], w["header"], w["code"], w["params"]["value"], w["left_out"]) for w in rows[9]["warnings"]} == {
        ("C", "Телефон", "phone_not_valid", "12", True), ("D", "E-mail", "email_not_valid", "not-an-email", True)}
    # The same company under its name the other way round, and the same phone: a duplicate in the file.
    assert rows[10]["action"] == "skip" and rows[10]["reason"] == "duplicate_in_file"
    assert rows[10]["match"] == {"row": 5, "by": "phone", "score": 100.0, "threshold": 90}
    assert rows[11]["action"] == "create", rows[11]
    assert rows[11]["values"]["name"] == '=HYPERLINK("http://evil")'
    assert rows[12]["reason"] == "totals_row"
    assert rows[15]["reason"] == "note_row"
    assert 8 not in rows  # blank rows are not lines of the report
    assert imp["counts"] == {"create": 5, "update": 0, "unchanged": 0, "skip": 3, "error": 0, "rows": 8}
    assert clients(db) == []  # a dry run writes no client
    # Strict keeps the old rule: the row is an error, still showing what it holds, and nothing is imported.
    strict = planned(api, messy(), options={"strict": True})
    rows = by_row(report(api, strict))
    assert rows[9]["action"] == "error" and rows[9]["values"]["name"] == "Bad Phone Ltd"
    assert rows[9]["values"]["phone"] == "12" and rows[9]["values"]["email"] == "not-an-email"
    assert {(e["column"], e["field"], e["code"]) for e in rows[9]["errors"]} == {
        ("C", "phone", "phone_not_valid"), ("D", "email", "email_not_valid")}
    with unchanged():
        r = commit(api, strict)
        body = problem(r, 422, "import_has_errors")
        assert {e["field"] for e in body["errors"]} == {"rows.9.C", "rows.9.D"}


def test_commit_reimport_and_undo(api: Any, db: Any, unchanged: Any) -> None:
    content = messy()  # once: openpyxl stamps the time into the file, and the hash must match
    imp = committed(api, content, options={"skip_errors": True})
    assert imp["status"] == "committed" and imp["created"] == {"client": 5}
    names = {c.name: c for c in clients(db)}
    assert set(names) == {"ООО «Вектор»", "ហាងកាហ្វេ សុខដារ៉ា", "Angkor Hotel", "Bad Phone Ltd", '=HYPERLINK("http://evil")'}
    vector = names["ООО «Вектор»"]
    assert vector.phone == "+79123456789" and vector.email == "info@vector.ru" and vector.tax_id == "7707083893"
    assert vector.notes == "ключевой" and vector.addresses[0].city == "Москва"
    # The same file again, rows shuffled: nothing new, nothing changed.
    shuffled = ROWS[:]
    random.Random(4).shuffle(shuffled)
    again = committed(api, xlsx([HEADER, *shuffled, *FOOTER], title=TITLE), options={"skip_errors": True})
    assert again["counts"]["create"] == 0 and again["counts"]["update"] == 0
    assert again["counts"]["unchanged"] == 5
    assert len(clients(db)) == 5
    # The same file byte for byte is recognised as imported before.
    third = planned(api, content)
    assert third["earlier_imports"] == [imp["id"]]
    # Undo takes the five clients away and logs each removal.
    r = api.post(f"/api/v1/imports/{imp['id']}/undo", json={"version": imp["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["status"] == "undone"
    assert clients(db) == []
    ops = api.get("/api/v1/operations", query_string={"entity": "client"}).json["items"]
    assert sum(1 for o in ops if o["action"] == "delete") == 5
    with unchanged():
        body = problem(api.post(f"/api/v1/imports/{imp['id']}/undo", json={"version": r.json["version"]}), 409,
                       "invalid_state")
        assert body["params"] == {"entity": "import", "id": imp["id"], "status": "undone", "action": "undo",
                                  "allowed": "—"}
        assert body["allowed"] == []


def test_rows_matching_the_base_update_it_without_erasing(api: Any, db: Any) -> None:
    r = api.post("/api/v1/clients", json={"name": "Angkor Hotel", "phones": [{"number": "012 345 679", "kind": "mobile"}],
                                           "notes": "since 2019", "tags": ["vip"]})
    assert r.status_code == 201
    existing = r.json
    content = xlsx([["Client", "Mobile", "Email", "Tags"],
                    ["ANGKOR HOTEL", "097 777 7777", "desk@angkor.example", "hotel"],
                    ["Angkor Hotell", None, "other@angkor.example", None]])
    imp = planned(api, content)
    rows = by_row(report(api, imp))
    # The same name with another phone is another client (people share names, and the phones tell
    # them apart): created, without a warning that would fire on every namesake of a real list.
    assert rows[2]["action"] == "create" and "match" not in rows[2] and "warnings" not in rows[2]
    # A typo of an existing name is not merged silently either.
    assert rows[3]["action"] == "create"
    assert rows[3]["warnings"][0]["code"] == "possible_duplicate" and rows[3]["warnings"][0]["params"]["id"] == existing["id"]
    # The same name and nothing to tell them apart: the same client.
    bare = by_row(report(api, planned(api, xlsx([["Client", "Tags"], ["Angkor Hotel", "hotel"]]))))
    assert bare[2]["action"] == "update" and bare[2]["match"]["by"] == "name"
    r = commit(api, imp, decisions=[{"row": 2, "action": "update", "id": existing["id"]}, {"row": 3, "action": "skip"}])
    assert r.status_code == 200, r.get_data(as_text=True)
    c = api.get(f"/api/v1/clients/{existing['id']}").json
    assert [p["number"] for p in c["phones"]] == ["+85512345679", "+855977777777"]
    assert c["phones"][0]["kind"] == "mobile"  # the kind it had is kept
    assert c["emails"][0]["email"] == "desk@angkor.example"
    assert c["notes"] == "since 2019" and sorted(c["tags"]) == ["hotel", "vip"]
    assert len(clients(db)) == 1
    # Undo restores the record as it was.
    r = api.post(f"/api/v1/imports/{imp['id']}/undo", json={"version": r.json["version"]})
    assert r.status_code == 200, r.get_data(as_text=True)
    c = api.get(f"/api/v1/clients/{existing['id']}").json
    assert [p["number"] for p in c["phones"]] == ["+85512345679"] and c["emails"] == [] and c["tags"] == ["vip"]


def test_undo_is_refused_when_a_record_changed_since(api: Any, db: Any, unchanged: Any) -> None:
    imp = committed(api, xlsx([["Name", "Phone"], ["Sokha Trading", "012 888 999"], ["Dara Shop", "012 777 666"]]))
    sokha = next(c for c in clients(db) if c.name == "Sokha Trading")
    assert api.patch(f"/api/v1/clients/{sokha.id}", json={"version": sokha.version, "notes": "called"}).status_code == 200
    with unchanged():
        body = problem(api.post(f"/api/v1/imports/{imp['id']}/undo", json={"version": imp["version"]}), 409,
                       "import_undo_refused")
        assert body["errors"][0]["field"] == f"clients.{sokha.id}"
        assert body["errors"][0]["code"] == "import_record_changed"


def test_decisions_choose_per_row(api: Any, db: Any, unchanged: Any) -> None:
    r = api.post("/api/v1/clients", json={"name": "Mekong Foods", "tax_id": "K001-901234567"})
    mekong = r.json
    r = api.post("/api/v1/clients", json={"name": "Other Foods"})
    other = r.json
    content = xlsx([["Name", "Tax ID", "Notes"],
                    ["Mekong Foods Co", "K001-901234567", "by tax id"],
                    ["Tonle Sap Fish", None, "new"],
                    ["Other Foods", None, "matched by name"]])
    imp = planned(api, content)
    rows = by_row(report(api, imp))
    assert rows[2]["action"] == "update" and rows[2]["match"]["by"] == "tax_id"
    assert rows[4]["action"] == "update" and rows[4]["match"]["id"] == other["id"]
    with unchanged():
        bad = commit(api, imp, decisions=[{"row": 99, "action": "skip"}, {"row": 3, "action": "update", "id": 10**9}])
        problem(bad, 422, "validation_failed", fields={"decisions.99": "no_such_row", "decisions.3.id": "unknown_reference"})
    r = commit(api, imp, decisions=[{"row": 2, "action": "create"}, {"row": 3, "action": "update", "id": mekong["id"]},
                                    {"row": 4, "action": "skip"}])
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["counts"] == {"create": 1, "update": 1, "unchanged": 0, "skip": 1, "error": 0, "rows": 3}
    names = sorted(c.name for c in clients(db))
    assert names == ["Mekong Foods", "Mekong Foods Co", "Other Foods"]
    assert api.get(f"/api/v1/clients/{mekong['id']}").json["notes"] == "new"
    done = by_row(report(api, imp))  # the report now tells what the commit did
    assert (done[2]["action"], done[3]["action"], done[4]["action"], done[4]["reason"]) == (
        "create", "update", "skip", "decided")
    assert api.get(f"/api/v1/clients/{other['id']}").json["notes"] is None


def test_two_imports_of_one_file_at_once_create_each_client_once(app: Any, api: Any, db: Any) -> None:
    content = xlsx([["Name", "Phone"]] + [[f"Client {i}", f"012 {100000 + i}"] for i in range(60)])
    first, second = planned(api, content), planned(api, content)
    answers: list[Any] = []

    def run(imp: dict[str, Any]) -> None:
        answers.append(commit(api.as_(api.token), imp))

    threads = [threading.Thread(target=run, args=(imp,)) for imp in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200, 200], [a.get_data(as_text=True) for a in answers]
    assert sorted(a.json["counts"]["create"] for a in answers) == [0, 60]
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Counterparty)) == 60


def test_an_explicit_decision_on_a_moved_match_is_refused(api: Any, db: Any, unchanged: Any) -> None:
    content = xlsx([["Name", "Phone"], ["Kampot Pepper", "012 555 444"]])
    late = planned(api, content)
    committed(api, content)  # someone else imports the same client first
    with unchanged():
        r = commit(api, late, decisions=[{"row": 2, "action": "create"}])
        problem(r, 409, "import_base_changed")
    r = commit(api, late)  # without a decision, the row is planned afresh: nothing to create
    assert r.status_code == 200 and r.json["counts"]["unchanged"] == 1
    assert len(clients(db)) == 1


def test_a_saved_profile_maps_headers_detection_cannot_guess(api: Any, db: Any) -> None:
    content = xlsx([["Cust.", "Mob", "Rem"], ["Bayon Tours", "012 333 222", "via profile"]])
    r = upload(api, content)
    problem(r, 422, "no_header")
    r = api.post("/api/v1/import-profiles", json={"kind": "clients", "name": "Old CRM",
                                                  "columns": {"Cust.": "name", "Mob": "phone", "Rem": "notes"}})
    assert r.status_code == 201, r.get_data(as_text=True)
    r = api.post("/api/v1/import-profiles", json={"kind": "clients", "name": "Broken", "columns": {"Cust.": "nmae"}})
    problem(r, 422, "validation_failed", fields={"columns.Cust.": "unknown_import_field"})
    imp = committed(api, content, profile="Old CRM")
    assert imp["mapping"]["columns"] == {"A": "name", "B": "phone", "C": "notes"}
    (c,) = clients(db)
    assert (c.name, c.phone, c.notes) == ("Bayon Tours", "+85512333222", "via profile")
    r = upload(api, content, columns={"Nope": "name"})
    problem(r, 422, "validation_failed", fields={"mapping.Nope": "unknown_column"})


def test_csv_from_russian_excel(api: Any, db: Any) -> None:
    text = "Контрагент;Телефон;Почта;Согласие на рассылку\r\nООО «Альфа»;+7 (495) 123-45-67;alpha@example.ru;да\r\n"
    imp = committed(api, text.encode("cp1251"), name="клиенты.csv")
    (c,) = clients(db)
    assert (c.name, c.phone, c.email, c.consent_to_mailings) == ("ООО «Альфа»", "+74951234567", "alpha@example.ru", True)
    assert imp["file_name"] == "клиенты.csv"


def test_the_report_opens_in_excel_with_every_error_by_column(api: Any) -> None:
    imp = planned(api, messy())
    r = api.get(f"/api/v1/imports/{imp['id']}/report", query_string={"format": "xlsx", "language": "ru"})
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    lines = {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    assert set(lines) == {5, 6, 7, 9, 10, 11, 12, 15}
    assert lines[9][1] == "создать"
    # Sentences in the user's language, naming the row, the column by letter and header, quoting the value.
    assert not lines[9][3]
    assert "Строка 9, колонка C «Телефон»: Телефон «12» не является верным номером в KH, RU" in lines[9][4]
    assert "Строка 9, колонка D «E-mail»: Адрес эл. почты «not-an-email» неверен: в нём нет знака @." in lines[9][4]
    assert "Это значение пропущено" in lines[9][4] and "@-sign" not in lines[9][4]
    assert "строку 5" in lines[10][4] and "тот же телефон" in lines[10][4]
    # A hostile name is a string in the report, never a formula.
    assert ws.cell(row=[i for i, l in enumerate(ws.iter_rows(values_only=True), 1) if l[0] == 11][0], column=6).data_type == "s"
    strict = planned(api, messy(), options={"strict": True})
    only_errors = report(api, strict, action="error", language="km")
    assert [x["row"] for x in only_errors["rows"]] == [9]
    assert only_errors["rows"][0]["errors"][0]["message"].startswith("ជួរ 9 ជួរឈរ C «Телефон»")


def test_bad_files_are_refused_whole(api: Any, db: Any, unchanged: Any) -> None:
    with unchanged():
        problem(upload(api, b"", name="empty.xlsx"), 422, "validation_failed")  # min_length of the base64
        problem(upload(api, b"PK\x03\x04garbage", name="x.xlsx"), 422, "file_corrupt")
        problem(upload(api, b"\x89PNG\r\n\x1a\n" + b"0" * 100, name="x.xlsx"), 422, "file_type_unknown")
        problem(upload(api, xlsx([["just", "words"], ["no", "header"]])), 422, "no_header")
        problem(upload(api, messy(), sheet="Nope"), 422, "sheet_not_found")
        problem(upload(api, messy(), kind="payroll"), 422, "validation_failed")
        problem(upload(api, messy(), options={"date_order": "YMD", "colour": "red"}), 422, "validation_failed",
                fields={"options.date_order": "invalid_choice", "options.colour": "unknown_field"})
        r = api.post("/api/v1/imports", json={"kind": "clients", "file_name": "x.xlsx", "content_base64": "!!!"})
        problem(r, 422, "validation_failed")


def test_roles_decide_what_may_be_imported(app: Any, api: Any, world: Any, unchanged: Any) -> None:
    from tests.factories import Api

    warehouse = Api(app, world.tokens["warehouse"])
    with unchanged():
        problem(upload(warehouse, messy()), 403, "role_forbidden")
        problem(upload(Api(app, world.tokens["hr"]), messy()), 403, "role_forbidden")


def test_profiles_and_imports_refuse_stale_unknown_and_foreign_requests(api: Any, db: Any, unchanged: Any) -> None:
    r = api.post("/api/v1/import-profiles", json={"kind": "clients", "name": "CRM", "columns": {"Cust.": "name"}})
    prof = r.json
    assert api.post("/api/v1/import-profiles", json={"kind": "clients", "name": "Old CRM"}).status_code == 201
    imp = committed(api, xlsx([["Name"], ["Prey Veng Rice"]]))
    with unchanged():
        # a rename is held to the creation's rules: a name is required and another profile's (case aside) is taken
        problem(api.patch(f"/api/v1/import-profiles/{prof['id']}", json={"version": 1, "name": None}), 422,
                "validation_failed", fields={"name": "required"})
        problem(api.patch(f"/api/v1/import-profiles/{prof['id']}", json={"version": 1, "name": "old crm"}), 409,
                "duplicate", fields={"name": "already_exists"})
        problem(api.patch(f"/api/v1/import-profiles/{prof['id']}", json={"version": 99, "name": "X"}), 409,
                "stale_version")
        problem(api.patch(f"/api/v1/import-profiles/{prof['id']}", json={"version": 1, "columns": {"A": "colour"}}),
                422, "validation_failed", fields={"columns.A": "unknown_import_field"})
        problem(api.patch(f"/api/v1/import-profiles/{prof['id']}", json={"version": 1, "kind": "products"}), 422,
                "validation_failed", fields={"kind": "unknown_field"})
        problem(api.patch("/api/v1/import-profiles/999999", json={"version": 1, "name": "X"}), 404, "not_found")
        problem(api.post("/api/v1/import-profiles", json={"kind": "clients", "name": "crm"}), 409, "duplicate")
        problem(api.get("/api/v1/imports/999999"), 404, "not_found")
        problem(api.get("/api/v1/imports/999999/report"), 404, "not_found")
        problem(api.get(f"/api/v1/imports/{imp['id']}/report", query_string={"format": "pdf"}), 422,
                "validation_failed")
        body = problem(commit(api, imp), 409, "invalid_state")
        assert body["params"]["action"] == "commit" and body["allowed"] == ["undo"], body
        problem(api.post(f"/api/v1/imports/{imp['id']}/undo", json={"version": 1}), 409, "stale_version")
        problem(upload(api, xlsx([["Name"], ["X"]]), profile="No such profile"), 422, "validation_failed",
                fields={"profile": "unknown_reference"})
    r = api.patch(f"/api/v1/import-profiles/{prof['id']}", json={"version": 1, "columns": None, "name": "CRM 2"})
    assert r.status_code == 200 and r.json["columns"] == {} and r.json["version"] == 2
