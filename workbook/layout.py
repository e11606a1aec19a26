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
# xlwings' own settings, as the builder writes them on the settings sheet; the user sets the interpreter there
# (README), so a rebuild must not wipe them.
XLWINGS_SETTINGS: tuple[tuple[str, object], ...] = (
    ("Interpreter_Win", ""), ("Interpreter_Mac", ""), ("PYTHONPATH", ""), ("Conda Path", ""), ("Conda Env", ""),
    ("UDF Modules", "workbook.udfs"), ("Debug UDFs", False), ("Use UDF Server", False), ("Show Console", False))
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
    # A report (receivables, payslips, employees): every pull rewrites it, nothing typed there is sent; a cell
    # typed over is kept with the reason in Sync status (sync.typed_on_read_only).
    read_only: bool = False

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
    tables: tuple["Table | Grid", ...]    # Grid: the payroll book's sheets laid out under a block of fields
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
    key="client", read_only=True,
    columns=(
        Column("client", ("Client", "អតិថិជន", "Клиент"), 30, "readonly"),
        Column("current", ("Not due", "មិនទាន់ដល់កំណត់", "Не просрочено"), 13, "readonly"),
        Column("d1_30", ("1–30 days", "១–៣០ ថ្ងៃ", "1–30 дн."), 12, "readonly"),
        Column("d31_60", ("31–60 days", "៣១–៦០ ថ្ងៃ", "31–60 дн."), 12, "readonly"),
        Column("d61_90", ("61–90 days", "៦១–៩០ ថ្ងៃ", "61–90 дн."), 12, "readonly"),
        Column("d90", ("Over 90 days", "លើស ៩០ ថ្ងៃ", "Свыше 90 дн."), 12, "readonly"),
        Column("total", ("Total", "សរុប", "Итого"), 13, "readonly"),
        STATUS,
    ),
)
SALES_BOOK = Workbook("sales_book", (SALES, BILLS, PAYMENTS, RECEIVABLES),
                      ("yes_no", "print", "payment_kinds", "branches", "cash_accounts"))
BOOKS = {b.stem: b for b in (CLIENTS_BOOK, SALES_BOOK)}


# --- the payroll book ------------------------------------------------------------------------------
# The run, timesheet and units sheets are grids under a block of labelled cells (the period and branch
# the user chooses, the run's figures, how to write a day): their header sits lower than a Table's, and
# their columns partly depend on the month (a column per day) or on the run (a column per pay line).
# workbook/payroll.py reads and writes them; the builder lays out the parts that never move.

PAYROLL_HEADER_ROW = 9   # rows 3–7: the block of labelled cells and notes; row 8: weekday marks (or a note)
PAYROLL_FIRST_ROW = PAYROLL_HEADER_ROW + 1
MAX_DAYS = 31            # day columns are laid out for the longest month; shorter months leave the last blank


@dataclass(frozen=True)
class Field:
    """A labelled cell of a sheet's top block: the label at (row, column), the value at (row, value_column),
    the next column unless the label needs the room of narrow day columns to show."""
    key: str
    labels: tuple[str, str, str]
    row: int
    column: int
    kind: str = "readonly"                # text or choice (the user types it), readonly, number, money
    choices: str | None = None
    value_column: int = 0

    def label(self, language: str) -> str:
        return self.labels[LANGUAGES.index(language)]

    @property
    def value_cell(self) -> tuple[int, int]:
        return (self.row, self.value_column or self.column + 1)


@dataclass(frozen=True)
class Grid:
    """A payroll sheet: a top block of fields, then a table of fixed columns on the left, a run of
    `days` columns (a day each; none when 0) and fixed columns on the right. The run sheet has no day
    columns: its pay-line columns follow the left ones, as many as the run has."""
    sheet: tuple[str, str, str]
    name: str
    title: tuple[str, str, str]
    fields: tuple[Field, ...]
    left: tuple[Column, ...]
    right: tuple[Column, ...] = ()
    days: int = 0
    day_column: Column | None = None   # how a day column looks (its label is the day's number)
    notes: tuple[tuple[str, str, str], ...] = ()   # help lines, written in column A just above the header
    snapshot: bool = True
    snapshot_keys: tuple[str, ...] = ()   # what a snapshot row holds (its facts — period, run… — are in A2)

    def sheet_name(self, language: str) -> str:
        return self.sheet[LANGUAGES.index(language)]

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    def column(self, key: str) -> int:
        """The 1-based sheet column of a fixed column (left or right of the days)."""
        for i, c in enumerate(self.left):
            if c.key == key:
                return i + 1
        for i, c in enumerate(self.right):
            if c.key == key:
                return len(self.left) + self.days + i + 1
        raise KeyError(key)

    @property
    def first_day_column(self) -> int:
        return len(self.left) + 1

    @property
    def width(self) -> int:
        return len(self.left) + self.days + len(self.right)

    @property
    def keys(self) -> list[str]:
        """What its snapshot sheet says it holds."""
        return list(self.snapshot_keys)


EMPLOYEE_ID = Column("employee_id", ("ID", "លេខសម្គាល់", "ID"), 6, "readonly")
STAFF_NUMBER = Column("number", ("Staff No.", "លេខបុគ្គលិក", "Таб. №"), 9, "readonly")
FULL_NAME = Column("full_name", ("Employee", "បុគ្គលិក", "Сотрудник"), 24, "readonly")
ROW_STATUS = Column("status", ("Sync status", "ស្ថានភាពសមកាលកម្ម", "Статус синхронизации"), 30, "readonly")

# Labels go in column C (the wide name column), values in D.
SHOWN_PERIOD = Field("period", ("Period shown", "រយៈពេលដែលបង្ហាញ", "Показан период"), 3, 3)
SHOWN_BRANCH = Field("branch", ("Branch shown", "សាខាដែលបង្ហាញ", "Показан филиал"), 4, 3)

PAYROLL_RUN = Grid(
    sheet=("Payroll", "ប្រាក់បៀវត្សរ៍", "Зарплата"), name="PayrollRun",
    title=("ClientBase — payroll of the month", "ClientBase — ប្រាក់បៀវត្សរ៍ប្រចាំខែ",
           "ClientBase — зарплата за месяц"),
    fields=(
        Field("period", ("Period (YYYY-MM)", "រយៈពេល (YYYY-MM)", "Период (ГГГГ-ММ)"), 3, 3, "text"),
        Field("branch", ("Branch", "សាខា", "Филиал"), 4, 3, "choice", "branches"),
        Field("action", ("Action", "សកម្មភាព", "Действие"), 5, 3, "choice", "run_actions"),
        # Row 7 alone: a refusal's reason runs on to the right over empty cells.
        Field("action_status", ("Action status", "ស្ថានភាពសកម្មភាព", "Статус действия"), 7, 3),
        Field("run", ("Run", "លេខបញ្ជីប្រាក់ខែ", "Ведомость"), 3, 6),
        Field("run_status", ("State", "ស្ថានភាព", "Состояние"), 4, 6),
        Field("employees", ("Employees", "បុគ្គលិក", "Сотрудников"), 5, 6, "number"),
        Field("currency", ("Currency", "រូបិយប័ណ្ណ", "Валюта"), 6, 6),
        # Column H stays empty: the run's number runs on into it.
        Field("gross", ("Gross", "ប្រាក់សរុប", "Начислено"), 3, 9, "money"),
        Field("deductions", ("Deductions", "ការកាត់", "Удержано"), 4, 9, "money"),
        Field("net", ("Net", "ប្រាក់ទទួលបាន", "К выплате"), 5, 9, "money"),
        Field("contributions", ("Contributions", "វិភាគទាន", "Взносы"), 6, 9, "money"),
    ),
    notes=(("Type the period and branch, then Sync. To move the run on, write calculate, approve, reopen or post "
            "in Action and Sync. The table below is the run as ClientBase computed it: read-only.",
            "វាយរយៈពេល និងសាខា រួចចុច ធ្វើសមកាលកម្ម។ ដើម្បីបន្តបញ្ជីប្រាក់ខែ សរសេរ គណនា អនុម័ត បើកឡើងវិញ ឬ កត់ត្រា "
            "ក្នុងសកម្មភាព ហើយចុច ធ្វើសមកាលកម្ម។ តារាងខាងក្រោមគឺបញ្ជីដែល ClientBase បានគណនា៖ សម្រាប់អានតែប៉ុណ្ណោះ។",
            "Укажите период и филиал и нажмите «Синхронизировать». Чтобы продвинуть ведомость, впишите в «Действие» "
            "рассчитать, утвердить, вернуть на расчёт или провести и синхронизируйте. Таблица ниже — ведомость, "
            "рассчитанная ClientBase: только для чтения."),),
    snapshot_keys=("none: the run shown is in A2",),
    left=(
        EMPLOYEE_ID,
        STAFF_NUMBER,
        FULL_NAME,
        Column("worked_days", ("Days worked", "ថ្ងៃធ្វើការ", "Дней"), 8, "readonly"),
        Column("worked_hours", ("Hours worked", "ម៉ោងធ្វើការ", "Часов"), 8, "readonly"),
    ),
)

# Pay-line columns of the run sheet: the run names them; the built-in ones are labelled here in three
# languages (tax and contribution rules keep the names the company gave them).
PAY_LINE_LABELS: dict[str, tuple[str, str, str]] = {
    "salary": ("Salary", "ប្រាក់ខែ", "Оклад"),
    "paid_leave": ("Paid leave", "ការឈប់សម្រាកមានប្រាក់ខែ", "Оплачиваемый отпуск"),
    "hourly": ("Hourly pay", "ប្រាក់តាមម៉ោង", "Почасовая оплата"),
    "overtime": ("Overtime", "ម៉ោងបន្ថែម", "Сверхурочные"),
    "piece": ("Piece work", "ប្រាក់តាមផលិតផល", "Сдельная оплата"),
    "commission": ("Commission", "កម្រៃជើងសា", "Комиссия"),
    "advance": ("Advance", "ប្រាក់កក់", "Аванс"),
    "gross": ("Gross", "ប្រាក់សរុប", "Начислено"),
    "deductions": ("Deductions", "ការកាត់សរុប", "Удержано"),
    "net": ("Net", "ប្រាក់ទទួលបាន", "К выплате"),
    "contributions": ("Contributions", "វិភាគទានសរុប", "Взносы"),
}

TIMESHEET = Grid(
    sheet=("Timesheet", "តារាងម៉ោងធ្វើការ", "Табель"), name="Timesheet",
    title=("ClientBase — timesheet", "ClientBase — តារាងម៉ោងធ្វើការ", "ClientBase — табель учёта времени"),
    fields=(
        SHOWN_PERIOD,
        SHOWN_BRANCH,
        # The label spans three narrow day columns, the value sits in the fourth.
        Field("norm_days", ("Working days", "ថ្ងៃធ្វើការ", "Рабочих дней"), 3, 5, "number", value_column=8),
        Field("norm_hours", ("Working hours", "ម៉ោងធ្វើការ", "Рабочих часов"), 4, 5, "number", value_column=8),
    ),
    notes=(
        ("A day: 8 = worked 8 h · 8+2 = 8 h and 2 h overtime · V vacation · S sick · B business trip (B8: with "
         "hours) · U unpaid leave · A absent · H day off (H+4: 4 h overtime on it) · W8 = 8.",
         "ថ្ងៃមួយ៖ 8 = ធ្វើការ 8 ម៉ោង · 8+2 = 8 ម៉ោង និងម៉ោងបន្ថែម 2 · V ច្បាប់សម្រាក · S ឈឺ · "
         "B បេសកកម្ម (B8៖ មានម៉ោង) · U ច្បាប់គ្មានប្រាក់ខែ · A អវត្តមាន · H ថ្ងៃឈប់ (H+4៖ ម៉ោងបន្ថែម 4) · W8 = 8។",
         "День: 8 = отработано 8 ч · 8+2 = 8 ч и 2 ч сверхурочно · V отпуск · S больничный · B командировка (B8: с "
         "часами) · U отпуск без оплаты · A прогул · H выходной (H+4: 4 ч сверхурочно в выходной) · W8 = 8."),
        ("Empty a day to return it to the calendar. Pieces made go on the Units sheet. Only changed days are sent. "
         "Day headers: grey a day off, orange a public holiday, yellow (*) a shortened day.",
         "លុបថ្ងៃចេញ ដើម្បីត្រឡប់ទៅប្រតិទិនវិញ។ ចំនួនផលិតផលនៅសន្លឹក ចំនួនផលិតផល។ មានតែថ្ងៃដែលបានកែប្រែទេដែលត្រូវផ្ញើ។ "
         "ក្បាលថ្ងៃ៖ ពណ៌ប្រផេះ ថ្ងៃឈប់ ពណ៌ទឹកក្រូច ថ្ងៃបុណ្យជាតិ ពណ៌លឿង (*) ថ្ងៃធ្វើការខ្លី។",
         "Очистите день, чтобы вернуть его к календарю. Выработка — на листе «Выработка». Отправляются только "
         "изменённые дни. Заголовки дней: серый — выходной, оранжевый — праздник, жёлтый (*) — сокращённый день."),
    ),
    left=(EMPLOYEE_ID, STAFF_NUMBER, FULL_NAME, ROW_STATUS),
    days=MAX_DAYS,
    day_column=Column("day", ("", "", ""), 5.5, "text"),
    snapshot_keys=("employee_id", "number", "full_name", "posted_run", "days as [text, units]"),
    right=(
        Column("worked_days", ("Days worked", "ថ្ងៃធ្វើការ", "Дней"), 8, "readonly"),
        Column("worked_hours", ("Hours worked", "ម៉ោងធ្វើការ", "Часов"), 8, "readonly"),
        Column("overtime_hours", ("Overtime hours", "ម៉ោងបន្ថែម", "Сверхурочных"), 9, "readonly"),
    ),
)

UNITS = Grid(
    sheet=("Units", "ចំនួនផលិតផល", "Выработка"), name="Units", snapshot=False,
    title=("ClientBase — pieces made per day", "ClientBase — ចំនួនផលិតផលប្រចាំថ្ងៃ", "ClientBase — выработка по дням"),
    fields=(SHOWN_PERIOD, SHOWN_BRANCH),
    notes=(("Units (pieces) made each day, for piece rates. Blank is none. Synced with the Timesheet sheet.",
            "ចំនួនផលិតផលដែលធ្វើរួចរាល់ប្រចាំថ្ងៃ សម្រាប់ប្រាក់តាមផលិតផល។ ទទេ = គ្មាន។ ធ្វើសមកាលកម្មជាមួយតារាងម៉ោង។",
            "Выработка (штук) за каждый день, для сдельной оплаты. Пусто — ноль. Синхронизируется вместе с табелем."),),
    left=(EMPLOYEE_ID, STAFF_NUMBER, FULL_NAME, ROW_STATUS),
    days=MAX_DAYS,
    day_column=Column("day", ("", "", ""), 5.5, "number"),
    right=(Column("units", ("Units", "ចំនួន", "Всего, шт."), 9, "readonly"),),
)

PAYSLIPS = Table(
    sheet=("Payslips", "បង្កាន់ដៃប្រាក់ខែ", "Расчётные листки"), name="Payslips", key="employee_id", read_only=True,
    title=("ClientBase — payslips of the period (read-only)", "ClientBase — បង្កាន់ដៃប្រាក់ខែនៃរយៈពេល (អានតែប៉ុណ្ណោះ)",
           "ClientBase — расчётные листки периода (только чтение)"),
    columns=(
        Column("employee_id", ("ID", "លេខសម្គាល់", "ID"), 6, "readonly"),
        Column("number", ("Staff No.", "លេខបុគ្គលិក", "Таб. №"), 9, "readonly"),
        Column("full_name", ("Employee", "បុគ្គលិក", "Сотрудник"), 24, "readonly"),
        Column("run", ("Run", "លេខបញ្ជីប្រាក់ខែ", "Ведомость"), 20, "readonly"),
        Column("run_kind", ("Kind", "ប្រភេទ", "Вид"), 11, "readonly"),
        Column("run_status", ("State", "ស្ថានភាព", "Состояние"), 11, "readonly"),
        Column("gross", ("Gross", "ប្រាក់សរុប", "Начислено"), 12, "number"),
        Column("deductions", ("Deductions", "ការកាត់", "Удержано"), 12, "number"),
        Column("net", ("Net", "ប្រាក់ទទួលបាន", "К выплате"), 12, "number"),
        Column("paid", ("Paid", "បានបើក", "Выплачено"), 8, "readonly"),
        Column("paid_on", ("Paid on", "ថ្ងៃបើក", "Дата выплаты"), 11, "date"),
        STATUS,
    ),
)

EMPLOYEES = Table(
    sheet=("Employees", "បុគ្គលិក", "Сотрудники"), name="Employees", read_only=True,
    title=("ClientBase — employees (read-only: hire and change terms in ClientBase)",
           "ClientBase — បុគ្គលិក (អានតែប៉ុណ្ណោះ៖ ជ្រើសរើស និងកែលក្ខខណ្ឌនៅក្នុង ClientBase)",
           "ClientBase — сотрудники (только чтение: приём и условия меняются в ClientBase)"),
    columns=(
        Column("id", ("ID", "លេខសម្គាល់", "ID"), 6, "readonly"),
        Column("number", ("Staff No.", "លេខបុគ្គលិក", "Таб. №"), 9, "readonly"),
        Column("full_name", ("Employee", "បុគ្គលិក", "Сотрудник"), 24, "readonly"),
        Column("branch", ("Branch", "សាខា", "Филиал"), 8, "readonly"),
        Column("department", ("Department", "នាយកដ្ឋាន", "Отдел"), 18, "readonly"),
        Column("position", ("Position", "មុខតំណែង", "Должность"), 18, "readonly"),
        Column("salary", ("Salary", "ប្រាក់ខែ", "Оклад"), 11, "number"),
        Column("hourly_rate", ("Hourly rate", "អត្រាម៉ោង", "Часовая ставка"), 9, "number"),
        Column("piece_rate", ("Piece rate", "អត្រាផលិតផល", "Сдельная расценка"), 9, "number"),
        Column("commission_percent", ("Commission %", "កម្រៃជើងសា %", "Комиссия, %"), 9, "number"),
        Column("hours_per_day", ("Hours a day", "ម៉ោងក្នុងមួយថ្ងៃ", "Часов в день"), 7, "number"),
        Column("hired_on", ("Hired", "ថ្ងៃចូលធ្វើការ", "Принят"), 11, "date"),
        Column("dismissed_on", ("Dismissed", "ថ្ងៃឈប់", "Уволен"), 11, "date"),
        Column("employee_status", ("Status", "ស្ថានភាព", "Статус"), 10, "readonly"),
        STATUS,
    ),
)

LABELLED_LISTS["run_actions"] = (
    ("calculate", ("calculate", "គណនា", "рассчитать")),
    ("approve", ("approve", "អនុម័ត", "утвердить")),
    ("reopen", ("reopen", "បើកឡើងវិញ", "вернуть на расчёт")),
    ("post", ("post", "កត់ត្រា", "провести")),
)

PAYROLL_BOOK = Workbook("payroll", (PAYROLL_RUN, TIMESHEET, UNITS, PAYSLIPS, EMPLOYEES), ("branches", "run_actions"))
BOOKS[PAYROLL_BOOK.stem] = PAYROLL_BOOK
