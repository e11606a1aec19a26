"""What the workbooks hold, declared once: sheets, tables, columns, labels in three languages, dropdown lists.

The builder (`build.py`) lays the sheets out from these declarations and the Sync code (`clients.py`,
`sales_book.py`) reads and writes the same columns by key, so a column moved here moves everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("en", "km", "ru")

# Hidden sheets every ClientBase workbook has: the last pulled data (Sync diffs against it), the
# dropdown lists, and xlwings' own settings sheet (where our server URL is kept — never the token).
SNAPSHOT_PREFIX = "_snap_"
LISTS_SHEET = "_lists"
CONFIG_SHEET = "xlwings.conf"
HEADER_ROW = 3          # rows 1–2: title and the last Sync's summary
FIRST_ROW = HEADER_ROW + 1


@dataclass(frozen=True)
class Column:
    key: str
    labels: tuple[str, str, str]          # en, km, ru
    width: float = 14
    kind: str = "text"                    # text, number, date, choice, flag, readonly, hidden
    choices: str | None = None            # the name of a list on the lists sheet (a dropdown)

    def label(self, language: str) -> str:
        return self.labels[LANGUAGES.index(language)]

    @property
    def editable(self) -> bool:
        return self.kind not in ("readonly", "hidden")


@dataclass(frozen=True)
class Table:
    sheet: tuple[str, str, str]           # the sheet's name per language
    name: str                             # the Excel table's name (also the snapshot's key)
    columns: tuple[Column, ...]
    title: tuple[str, str, str] = ("", "", "")
    key: str = "id"                       # the column holding the server's id
    # False for a request list (the Import sheet): no hidden snapshot, rows are never diffed or pulled.
    snapshot: bool = True
    hint: tuple[str, str, str] = ("", "", "")  # row 2 before the first Sync; "never synced" when blank

    def sheet_name(self, language: str) -> str:
        return self.sheet[LANGUAGES.index(language)]

    def index(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


STATUS = Column("status", ("Sync status", "ស្ថានភាពសមកាលកម្ម", "Статус синхронизации"), 36, "readonly")
ID = Column("id", ("ID", "លេខសម្គាល់", "ID"), 8, "readonly")
VERSION = Column("version", ("Version", "កំណែ", "Версия"), 6, "hidden")

CLIENTS = Table(
    sheet=("Clients", "អតិថិជន", "Клиенты"), name="Clients",
    title=("ClientBase — clients", "ClientBase — អតិថិជន", "ClientBase — клиенты"),
    columns=(
        ID,
        STATUS,
        Column("name", ("Name", "ឈ្មោះ", "Наименование"), 28),
        Column("legal_name", ("Legal name", "ឈ្មោះស្របច្បាប់", "Полное наименование"), 28),
        Column("kind", ("Kind", "ប្រភេទ", "Вид"), 10, "choice", "kinds"),
        Column("person_type", ("Person or company", "បុគ្គល ឬក្រុមហ៊ុន", "Лицо"), 12, "choice", "person_types"),
        Column("country", ("Country", "ប្រទេស", "Страна"), 8),
        Column("tax_id", ("Tax ID", "លេខអត្តសញ្ញាណកម្មសារពើពន្ធ", "ИНН"), 18),
        Column("phone", ("Phone", "ទូរស័ព្ទ", "Телефон"), 17),
        Column("phone2", ("Phone 2", "ទូរស័ព្ទ ២", "Телефон 2"), 17),
        Column("email", ("Email", "អ៊ីមែល", "Эл. почта"), 26),
        Column("city", ("City", "ទីក្រុង", "Город"), 14),
        Column("address", ("Address", "អាសយដ្ឋាន", "Адрес"), 30),
        Column("segment", ("Segment", "ផ្នែកទីផ្សារ", "Сегмент"), 12, "choice", "segments"),
        Column("lead_source", ("Lead source", "ប្រភពអតិថិជន", "Источник"), 14, "choice", "lead_sources"),
        Column("manager", ("Manager", "អ្នកគ្រប់គ្រង", "Менеджер"), 24, "choice", "managers"),
        Column("branch", ("Branch", "សាខា", "Филиал"), 10, "choice", "branches"),
        Column("tags", ("Tags (comma-separated)", "ស្លាក (បំបែកដោយក្បៀស)", "Метки (через запятую)"), 22),
        Column("consent", ("Consent to mailings", "យល់ព្រមទទួលសារ", "Согласие на рассылку"), 10, "flag", "yes_no"),
        Column("notes", ("Notes", "កំណត់ចំណាំ", "Заметки"), 30),
        VERSION,
        # The phones, emails and addresses beyond the first shown, as JSON: an edit keeps them.
        Column("more", ("More", "បន្ថែម", "Ещё"), 6, "hidden"),
    ),
)

# The Import sheet: one row per spreadsheet to bring in, run by the same Sync (workbook/imports.py). The
# user fills File … Action; the Sync fills Import ID … Report and clears Action once it is done.
IMPORTS = Table(
    sheet=("Import", "នាំចូល", "Импорт"), name="Imports", key="import_id", snapshot=False,
    title=("ClientBase — import from spreadsheets", "ClientBase — នាំចូលពីតារាង", "ClientBase — загрузка из таблиц"),
    hint=("Type the file's path, choose Kind and Action (dry run, then commit), press Sync.",
          "វាយផ្លូវឯកសារ ជ្រើសប្រភេទ និងសកម្មភាព (សាកល្បង រួចបញ្ចូល) ហើយចុច ធ្វើសមកាលកម្ម។",
          "Укажите путь к файлу, выберите вид и действие (проверить, затем загрузить), нажмите "
          "«Синхронизировать»."),
    columns=(
        Column("file", ("File (path)", "ឯកសារ (ផ្លូវ)", "Файл (путь)"), 44),
        Column("kind", ("Kind", "ប្រភេទទិន្នន័យ", "Вид данных"), 14, "choice", "import_kinds"),
        Column("profile", ("Profile (optional)", "គំរូផ្គូផ្គង (ស្រេចចិត្ត)", "Профиль (необязательно)"), 16),
        Column("skip_errors", ("Skip errors", "រំលងកំហុស", "Пропустить ошибки"), 10, "flag", "yes_no"),
        Column("action", ("Action", "សកម្មភាព", "Действие"), 12, "choice", "import_actions"),
        Column("import_id", ("Import ID", "លេខនាំចូល", "ID загрузки"), 9, "readonly"),
        Column("status", ("Status", "ស្ថានភាព", "Статус"), 60, "readonly"),
        Column("counts", ("Counts", "ចំនួន", "Количество"), 36, "readonly"),
        Column("report", ("Report", "របាយការណ៍", "Отчёт"), 40, "readonly"),
    ),
)

# Dropdowns whose values are words of the workbook's language: the lists sheet holds the labels of the
# workbook's language, and the Sync reads a label of any language (or the code itself) back to the code.
LABELLED_LISTS: dict[str, tuple[tuple[str, tuple[str, str, str]], ...]] = {
    "import_kinds": (("clients", ("clients", "អតិថិជន", "клиенты")),
                     ("contacts", ("contacts", "ទំនាក់ទំនង", "контакты")),
                     ("products", ("products", "ទំនិញ", "товары")),
                     ("balances", ("balances", "សមតុល្យដើមគ្រា", "остатки"))),
    "import_actions": (("dry_run", ("dry run", "សាកល្បង", "проверить")),
                       ("commit", ("commit", "បញ្ចូល", "загрузить")),
                       ("undo", ("undo", "មិនធ្វើវិញ", "отменить"))),
}


def choice_labels(name: str, language: str) -> list[str]:
    """A labelled list's values as the workbook built in `language` shows them."""
    return [labels[LANGUAGES.index(language)] for _code, labels in LABELLED_LISTS.get(name, ())]


def choice_code(name: str, value: str | None) -> str | None:
    """The code behind a label of any language, or the code typed itself; None when it is neither."""
    wanted = " ".join((value or "").replace("_", " ").split()).casefold()
    for code, labels in LABELLED_LISTS[name]:
        if wanted in {code.replace("_", " ").casefold(), *(label.casefold() for label in labels)}:
            return code
    return None


# The dropdown lists: fixed ones here, the company's own (segments, managers…) pulled from the server.
FIXED_LISTS: dict[str, tuple[str, ...]] = {
    "kinds": ("client", "supplier", "both"),
    "person_types": ("company", "person"),
    "yes_no": ("yes", "no"),
    "print": ("print",),
    "payment_kinds": ("receipt", "payment"),
    "invoice_kinds": ("sale_invoice", "bill"),
}

WORDS: dict[str, tuple[str, str, str]] = {
    "sync": ("Sync", "ធ្វើសមកាលកម្ម", "Синхронизировать"),
    "never_synced": ("Not synced yet: press Sync.", "មិនទាន់ធ្វើសមកាលកម្ម៖ ចុច ធ្វើសមកាលកម្ម។",
                     "Ещё не синхронизировано: нажмите «Синхронизировать»."),
}


def snapshot_sheet(table: "Table") -> str:
    return f"{SNAPSHOT_PREFIX}{table.name}"


def word(key: str, language: str) -> str:
    return WORDS[key][LANGUAGES.index(language)]


@dataclass
class Workbook:
    """A workbook: its file stem (the Python module xlwings imports), its tables, its lists."""
    stem: str
    tables: tuple[Table, ...]
    lists: tuple[str, ...] = field(default_factory=tuple)


CLIENTS_BOOK = Workbook("clients", (CLIENTS, IMPORTS), ("kinds", "person_types", "yes_no", "segments",
                                                         "lead_sources", "managers", "branches", "tags",
                                                         "import_kinds", "import_actions"))


# --- the sales book --------------------------------------------------------------------------------
# Pulled documents show one row each; a new document is typed as one row per line, the rows of one
# document sharing its "ref" (a row without a ref is a one-line document).

def _documents(sheet: tuple[str, str, str], name: str, title: tuple[str, str, str]) -> Table:
    return Table(sheet=sheet, name=name, title=title, columns=(
        ID,
        STATUS,
        Column("ref", ("Ref (new)", "លេខយោង (ថ្មី)", "Ссылка (новый)"), 9),
        Column("number", ("Number", "លេខ", "Номер"), 20, "readonly"),
        Column("date", ("Date", "កាលបរិច្ឆេទ", "Дата"), 11, "date"),
        Column("client", ("Counterparty", "ដៃគូ", "Контрагент"), 28),
        Column("branch", ("Branch", "សាខា", "Филиал"), 8, "choice", "branches"),
        Column("currency", ("Currency", "រូបិយប័ណ្ណ", "Валюта"), 8),
        Column("sku", ("SKU", "លេខកូដទំនិញ", "Артикул"), 14),
        Column("qty", ("Qty", "បរិមាណ", "Кол-во"), 8, "number"),
        Column("unit_price", ("Unit price", "តម្លៃឯកតា", "Цена"), 11, "number"),
        Column("total", ("Total", "សរុប", "Сумма"), 12, "readonly"),
        Column("open_amount", ("Open", "នៅជំពាក់", "Остаток"), 12, "readonly"),
        Column("due_date", ("Due", "ថ្ងៃផុតកំណត់", "Срок"), 11, "readonly"),
        Column("overdue_days", ("Days overdue", "ថ្ងៃហួសកំណត់", "Дней просрочки"), 9, "readonly"),
        Column("doc_status", ("State", "ស្ថានភាពឯកសារ", "Состояние"), 10, "readonly"),
        Column("print", ("Print", "បោះពុម្ព", "Печать"), 8, "choice", "print"),
        Column("document", ("Document file", "ឯកសារ", "Файл документа"), 30, "readonly"),
        VERSION,
    ))


SALES = _documents(("Sales", "ការលក់", "Продажи"), "Sales",
                   ("ClientBase — sales invoices", "ClientBase — វិក្កយបត្រលក់", "ClientBase — счета покупателям"))
BILLS = _documents(("Bills", "វិក្កយបត្រទិញ", "Поставщики"), "Bills",
                   ("ClientBase — supplier bills", "ClientBase — វិក្កយបត្រអ្នកផ្គត់ផ្គង់",
                    "ClientBase — счета поставщиков"))
PAYMENTS = Table(
    sheet=("Payments", "ការទូទាត់", "Платежи"), name="Payments",
    title=("ClientBase — payments", "ClientBase — ការទូទាត់", "ClientBase — платежи"),
    columns=(
        ID,
        STATUS,
        Column("number", ("Number", "លេខ", "Номер"), 20, "readonly"),
        Column("kind", ("Receipt or payment", "ទទួល ឬបង់", "Поступление или выплата"), 12, "choice", "payment_kinds"),
        Column("date", ("Date", "កាលបរិច្ឆេទ", "Дата"), 11, "date"),
        Column("client", ("Counterparty", "ដៃគូ", "Контрагент"), 28),
        Column("cash_account", ("Cash desk or bank", "បេឡា ឬធនាគារ", "Касса или счёт"), 16, "choice",
               "cash_accounts"),
        Column("amount", ("Amount", "ចំនួនទឹកប្រាក់", "Сумма"), 12, "number"),
        Column("invoice", ("For document", "សម្រាប់ឯកសារ", "По документу"), 20),
        Column("memo", ("Memo", "កំណត់ចំណាំ", "Назначение"), 28),
        Column("currency", ("Currency", "រូបិយប័ណ្ណ", "Валюта"), 8, "readonly"),
        Column("unallocated", ("Unallocated", "មិនទាន់បែងចែក", "Не распределено"), 12, "readonly"),
        VERSION,
    ),
)
RECEIVABLES = Table(
    sheet=("Receivables", "បំណុលត្រូវទទួល", "Дебиторка"), name="Receivables",
    title=("ClientBase — receivables by age", "ClientBase — បំណុលតាមអាយុកាល", "ClientBase — дебиторка по срокам"),
    key="client",
    columns=(
        Column("client", ("Client", "អតិថិជន", "Клиент"), 30, "readonly"),
        Column("current", ("Not due", "មិនទាន់ដល់កំណត់", "Не просрочено"), 13, "readonly"),
        Column("d1_30", ("1–30 days", "១–៣០ ថ្ងៃ", "1–30 дн."), 12, "readonly"),
        Column("d31_60", ("31–60 days", "៣១–៦០ ថ្ងៃ", "31–60 дн."), 12, "readonly"),
        Column("d61_90", ("61–90 days", "៦១–៩០ ថ្ងៃ", "61–90 дн."), 12, "readonly"),
        Column("d90", ("Over 90 days", "លើស ៩០ ថ្ងៃ", "Свыше 90 дн."), 12, "readonly"),
        Column("total", ("Total", "សរុប", "Итого"), 13, "readonly"),
    ),
)
SALES_BOOK = Workbook("sales_book", (SALES, BILLS, PAYMENTS, RECEIVABLES),
                      ("yes_no", "print", "payment_kinds", "branches", "cash_accounts"))
BOOKS = {b.stem: b for b in (CLIENTS_BOOK, SALES_BOOK)}
