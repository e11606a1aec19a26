"""clients.xlsm's Import sheet used as a person would: a row typed, Sync pressed, the answer read back."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import openpyxl
import pytest
import xlwings as xw
from sqlalchemy import select, update

from server.imports.models import Import
from server.org.models import User
from server.parties.models import Counterparty
from workbook import engine, imports
from workbook.build import build, list_name
from workbook.layout import CLIENTS, CLIENTS_BOOK, FIRST_ROW, HEADER_ROW, IMPORTS, LABELLED_LISTS, LANGUAGES, \
    LISTS_SHEET, choice_code, choice_labels

from tests.factories import sync_clients_book

# A client list as an accountant sends it: a title and a date line above Russian headers; row 7 has a
# phone of two digits and no name (a bad phone alone is left out with a warning; a row without a name
# is an error).
TITLE = [["Список клиентов ООО «Ромашка»"], ["на 01.12.2026"], []]
HEADER = ["№", "Наименование", "Телефон", "E-mail", "Город"]
ROWS = [[1, "ООО «Вектор»", "8 (912) 345-67-89", "info@vector.ru", "Москва"],
        [2, "ហាងកាហ្វេ សុខដារ៉ា", "012 345 678", None, "ភ្នំពេញ"],
        [3, None, "12", None, None],
        [4, "Angkor Hotel", "097 111 2222", "desk@angkor-hotel.example", "Siem Reap"]]
BAD_ROW = 7  # title (1), date (2), blank (3), header (4), then rows 5, 6, 7, 8
IMPORTED = {"ООО «Вектор»", "ហាងកាហ្វេ សុខដារ៉ា", "Angkor Hotel"}


def client_list(path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Клиенты"
    for row in TITLE + [HEADER] + ROWS:
        ws.append(row)
    book.save(path)
    return path


def workbook(world: Any, db: Any, served: str, monkeypatch: pytest.MonkeyPatch, folder: Path, language: str) -> Path:
    """A fresh clients.xlsm in `language`, used by the owner, whose own language is the same."""
    with db.write_session() as s, s.begin():  # before any request: the server caches who a token is
        s.execute(update(User).where(User.id == world.users["owner"]).values(language=language))
    monkeypatch.setenv("CLIENTBASE_TOKEN", world.tokens["owner"])
    path = build(CLIENTS_BOOK, folder, language, served, {"branches": ["PP", "SR", "MOW"]})
    engine.activate()
    return path


@pytest.fixture
def ru_book(world: Any, db: Any, served: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    path = workbook(world, db, served, monkeypatch, tmp_path / "wb", "ru")
    client_list(path.parent / "клиенты.xlsx")
    yield path


@pytest.fixture
def en_book(world: Any, db: Any, served: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    yield workbook(world, db, served, monkeypatch, tmp_path / "wb", "en")


def type_in(path: Path, language: str, row: int, **values: Any) -> None:
    """Type into the Import sheet's cells, as a person would (None empties a cell)."""
    book = xw.Book(str(path))
    sheet = book.sheets[IMPORTS.sheet_name(language)]
    for key, value in values.items():
        sheet.range((row, IMPORTS.index(key) + 1)).value = value
    book.save()
    book.close()


def import_row(path: Path, language: str, row: int = FIRST_ROW) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path, keep_vba=True)[IMPORTS.sheet_name(language)]
    return {c.key: ws.cell(row, i + 1).value for i, c in enumerate(IMPORTS.columns)}


def client_names(path: Path, language: str) -> set[str]:
    ws = openpyxl.load_workbook(path, keep_vba=True)[CLIENTS.sheet_name(language)]
    col = CLIENTS.index("name") + 1
    return {ws.cell(r, col).value for r in range(FIRST_ROW, ws.max_row + 1)} - {None}


def server_names(db: Any) -> set[str]:
    with db.read_session() as s:
        return set(s.scalars(select(Counterparty.name)))


TYPED = ("file", "kind", "profile", "skip_errors", "action")


def typed(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in TYPED}


def test_dry_run_then_commit_then_undo_in_russian(ru_book: Path, db: Any) -> None:
    type_in(ru_book, "ru", FIRST_ROW, file="клиенты.xlsx", kind="клиенты", action="проверить")

    sync_clients_book(ru_book)

    row = import_row(ru_book, "ru")
    assert isinstance(row["import_id"], int) and row["action"] is None
    assert row["status"].startswith("проверено: создать 3, обновить 0, без изменений 0, пропустить 0, с ошибками 1.")
    assert row["counts"] == "создать 3 · обновить 0 · без изменений 0 · пропустить 0 · ошибки 1 · строк 4"
    assert row["report"] == f"клиенты.import-{row['import_id']}.report.xlsx"
    report = openpyxl.load_workbook(ru_book.parent / row["report"]).active
    lines = {line[0]: line for line in report.iter_rows(min_row=3, values_only=True)}
    assert set(lines) == {5, 6, 7, 8}
    assert lines[BAD_ROW][1] == "ошибка"
    assert lines[BAD_ROW][3].startswith(f"Строка {BAD_ROW}, колонка B «Наименование»: Наименование пусто")
    assert server_names(db) == set() and client_names(ru_book, "ru") == set()  # a dry run writes no client

    # Commit without "skip errors": the server refuses, in Russian, naming the row and column.
    type_in(ru_book, "ru", FIRST_ROW, action="загрузить")
    before = typed(import_row(ru_book, "ru"))
    sync_clients_book(ru_book)
    row = import_row(ru_book, "ru")
    from server.core.i18n import translate

    assert row["status"].startswith("Не выполнено: " + translate("import_has_errors", "ru", count=1))
    assert "В 1 строках есть ошибки" in row["status"]
    assert f"строка {BAD_ROW}, столбец B: " in row["status"]
    assert typed(row) == before == {"file": "клиенты.xlsx", "kind": "клиенты", "profile": None, "skip_errors": None,
                                    "action": "загрузить"}
    assert server_names(db) == set()

    type_in(ru_book, "ru", FIRST_ROW, skip_errors="да")
    sync_clients_book(ru_book)
    row = import_row(ru_book, "ru")
    assert row["status"].startswith("загружено: создано 3, обновлено 0"), row["status"]
    assert row["action"] is None and row["skip_errors"] == "да"
    assert server_names(db) == IMPORTED
    assert client_names(ru_book, "ru") == IMPORTED  # the same Sync's pull already shows them

    type_in(ru_book, "ru", FIRST_ROW, action="отменить")
    sync_clients_book(ru_book)
    row = import_row(ru_book, "ru")
    assert row["status"].startswith(f"отменено: созданное загрузкой {row['import_id']} удалено")
    assert row["action"] is None
    assert server_names(db) == set() and client_names(ru_book, "ru") == set()
    with db.read_session() as s:
        assert s.scalar(select(Import.status).where(Import.id == row["import_id"])) == "undone"


def test_refused_rows_keep_what_was_typed_and_say_why(en_book: Path, db: Any, tmp_path: Path) -> None:
    folder = en_book.parent
    good = client_list(tmp_path / "elsewhere.xlsx")               # outside the workbook's folder: an absolute path
    big = folder / "big.xlsx"
    with big.open("wb") as f:                                     # sparse: larger than the limit, nothing written
        f.truncate(imports.MAX_FILE + 1)
    rows = {
        FIRST_ROW: {"file": "missing.xlsx", "kind": "clients", "action": "dry run"},
        FIRST_ROW + 1: {"file": "big.xlsx", "kind": "clients", "action": "dry run"},
        FIRST_ROW + 2: {"file": str(good), "kind": "clients", "skip_errors": "yes", "action": "commit"},
        FIRST_ROW + 3: {"file": str(good), "kind": "customers", "action": "dry run"},   # typed over the dropdown
        FIRST_ROW + 4: {"file": str(good), "kind": "clients", "action": "explode"},
        FIRST_ROW + 6: {"file": str(good), "kind": "Clients", "profile": None, "action": "Dry Run"},  # a gap above
    }
    for number, values in rows.items():
        type_in(en_book, "en", number, **values)

    sync_clients_book(en_book)

    status = {n: import_row(en_book, "en", n)["status"] for n in rows}
    assert status[FIRST_ROW] == f"Not done: there is no file {folder / 'missing.xlsx'}."
    assert status[FIRST_ROW + 1] == f"Not done: {big} is larger than 40 MB, the most an import takes: split it."
    assert status[FIRST_ROW + 2] == "Not done: «commit» needs the Import ID of a dry run: choose «dry run» first."
    assert status[FIRST_ROW + 3] == ("Not done: Some fields are not valid. kind: Must be one of: clients, contacts, "
                                     "products or balances.")
    assert status[FIRST_ROW + 4] == "Not done: there is no action «explode»: choose «dry run», «commit», «undo»."
    assert status[FIRST_ROW + 6].startswith("planned: 3 to create")
    for number, values in rows.items():
        row = import_row(en_book, "en", number)
        expected = {k: values.get(k) for k in TYPED}
        if number == FIRST_ROW + 6:
            expected["action"] = None                              # done: only its Action is cleared
        assert typed(row) == expected, number
        assert row["import_id"] is None or number == FIRST_ROW + 6
    assert import_row(en_book, "en", FIRST_ROW + 5) == dict.fromkeys(IMPORTS.keys)
    with db.read_session() as s:
        assert len(s.scalars(select(Import)).all()) == 1
    ws = openpyxl.load_workbook(en_book, keep_vba=True)
    assert ws[IMPORTS.sheet_name("en")]["A2"].value.endswith(": 1 done, 5 refused.")
    assert ws[CLIENTS.sheet_name("en")]["A2"].value.startswith("Synced ")  # the client table's Sync ran too

    # An Import ID the server does not know: its message, the row kept.
    type_in(en_book, "en", FIRST_ROW + 2, import_id=999)
    sync_clients_book(en_book)
    row = import_row(en_book, "en", FIRST_ROW + 2)
    assert row["status"].startswith("Not done: ") and "999" in row["status"] and row["action"] == "commit"


def test_a_clients_workbook_built_before_the_import_sheet_still_syncs(en_book: Path) -> None:
    wb = openpyxl.load_workbook(en_book, keep_vba=True)
    del wb[IMPORTS.sheet_name("en")]
    wb.save(en_book)
    sync_clients_book(en_book)
    assert openpyxl.load_workbook(en_book, keep_vba=True)[CLIENTS.sheet_name("en")]["A2"].value.startswith("Synced ")


def test_the_import_sheet_is_laid_out_in_each_language(tmp_path: Path) -> None:
    path = build(CLIENTS_BOOK, tmp_path, "km", "http://127.0.0.1:5000", {})
    wb = openpyxl.load_workbook(path, keep_vba=True)
    ws = wb["នាំចូល"]
    assert [ws.cell(HEADER_ROW, i + 1).value for i in range(len(IMPORTS.columns))] == [
        c.label("km") for c in IMPORTS.columns]
    assert ws.freeze_panes == "C4"
    validated = {str(dv.sqref).split(":")[0]: (dv.formula1, dv.showErrorMessage)
                 for dv in ws.data_validations.dataValidation}
    letter = {k: openpyxl.utils.get_column_letter(IMPORTS.index(k) + 1) for k in ("kind", "skip_errors", "action")}
    assert validated == {f"{letter['kind']}{FIRST_ROW}": (list_name("import_kinds"), True),
                         f"{letter['skip_errors']}{FIRST_ROW}": (list_name("yes_no"), True),
                         f"{letter['action']}{FIRST_ROW}": (list_name("import_actions"), True)}
    lists = wb[LISTS_SHEET]
    header = [c.value for c in lists[1]]
    col = header.index("import_actions") + 1
    assert [lists.cell(r, col).value for r in (2, 3, 4)] == ["សាកល្បង", "បញ្ចូល", "មិនធ្វើវិញ"]
    assert "_snap_Imports" not in wb.sheetnames and "_snap_Clients" in wb.sheetnames
    # Any language's label (or the code) reads back to the same code: a workbook moves between people.
    for language in LANGUAGES:
        for name in ("import_kinds", "import_actions"):
            labels = choice_labels(name, language)
            assert [choice_code(name, f"  {label.upper()} ") for label in labels] == [
                code for code, _ in LABELLED_LISTS[name]]
    assert choice_code("import_actions", "dry_run") == "dry_run" and choice_code("import_kinds", "customers") is None


def test_the_workbooks_file_limit_is_the_servers() -> None:
    from server.config import Config
    from server.imports.schemas import MAX_UPLOAD

    assert imports.MAX_FILE == MAX_UPLOAD == Config.IMPORT_MAX_BYTES
