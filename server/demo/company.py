"""The demo company: branches, staff, reference lists and a reproducible client base (`clientbase demo`).

Everything is generated from `random.Random(seed)`: the same seed gives the same company and the
same clients, row for row (only clock timestamps and token texts differ). Nothing is shipped as a
dump, and every record goes through the same services as the API, so the operations log has it all.

E-mail domains are reserved names (RFC 2606: `example.com`, `.example`) so that a mailing run on the
demo reaches nobody; foreign phones use fictional ranges where the numbering plan has one.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Config
from ..core.actor import Actor
from ..org import schemas as org_schemas
from ..org import service as org_service
from ..org.models import User
from ..setup.service import create_company
from ..parties import reference
from ..parties import schemas as party_schemas
from ..parties.service import apply_batch
from .books import DEMO_TODAY, load_books, load_documents
from .payroll import load_payroll

COMPANY_NAME = "Angkor Mekong Trading"
# `.local` would be the obvious choice, but the API's e-mail rule (email_validator, as in
# UserIn) refuses special-use names, so staff could not be created on it; `.example` passes.
DEMO_DOMAIN = "demo.clientbase.example"
OWNER_EMAIL = f"owner@{DEMO_DOMAIN}"
OWNER_NAME = "Chan Sokha"


class NotTheDemo(RuntimeError):
    """The database holds a company that is not the demo: no token is handed out for it."""


# --- the organisation --------------------------------------------------------------------

BRANCHES = (
    # code, name, country, city, address
    ("PP", "Phnom Penh", "KH", "Phnom Penh",
     "No. 88, Preah Norodom Blvd, Sangkat Boeng Keng Kang I, Khan Boeng Keng Kang"),
    ("SR", "Siem Reap", "KH", "Siem Reap", "No. 215, Sivatha Blvd, Sangkat Svay Dangkum"),
    ("MOW", "Moscow", "RU", "Москва", "ул. Большая Ордынка, д. 40, стр. 4, офис 312"),
)

WAREHOUSES = (
    # code, name, branch, address
    ("PP-MAIN", "Phnom Penh main warehouse", "PP", "National Road 5, Sangkat Russey Keo, Khan Russey Keo"),
    ("PP-SHOP", "Phnom Penh showroom stock", "PP", "No. 88, Preah Norodom Blvd, ground floor"),
    ("SR-MAIN", "Siem Reap warehouse", "SR", "National Road 6, Sangkat Chreav"),
    ("MOW-MAIN", "Склад Подольск", "MOW", "Московская обл., г. Подольск, ул. Лобачёва, д. 13"),
    ("MOW-TRANSIT", "Склад транзитный (Шереметьево)", "MOW", "Московская обл., г. Химки, Шереметьевское ш., влд. 4"),
)

# Departments nest: (name, branch code or None for company-wide, children).
DEPARTMENTS: tuple[tuple[str, str | None, tuple[Any, ...]], ...] = (
    ("Management", None, (
        ("Finance", None, (("Accounting", None, ()), ("Treasury", None, ()))),
        ("HR", None, ()),
    )),
    ("Sales — Phnom Penh", "PP", (("Retail", "PP", ()), ("Wholesale", "PP", ()))),
    ("Warehouse — Phnom Penh", "PP", ()),
    ("Sales — Siem Reap", "SR", (("Retail", "SR", ()), ("Hotels and restaurants", "SR", ()))),
    ("Warehouse — Siem Reap", "SR", ()),
    ("Отдел продаж (Москва)", "MOW", (("Розница", "MOW", ()), ("Опт", "MOW", ()))),
    ("Бухгалтерия (Москва)", "MOW", ()),
    ("Склад (Москва)", "MOW", ()),
)

STAFF = (
    # email local part, name, role, language, branch codes (empty: every branch)
    ("sreymom.lim", "លឹម ស្រីមុំ", "accountant", "km", ()),
    ("o.smirnova", "Смирнова Ольга Викторовна", "accountant", "ru", ("MOW",)),
    ("sreyleak.heng", "ហេង ស្រីល័ក្ខ", "hr", "km", ()),
    ("dara.sok", "សុខ ដារា", "sales", "km", ("PP",)),
    ("vanna.chea", "Chea Vanna", "sales", "en", ("PP",)),
    ("sophal.mao", "ម៉ៅ សុផល", "sales", "km", ("PP",)),
    ("piseth.keo", "កែវ ពិសិដ្ឋ", "sales", "km", ("SR",)),
    ("emily.carter", "Emily Carter", "sales", "en", ("SR",)),
    ("d.kuznetsov", "Кузнецов Дмитрий Сергеевич", "sales", "ru", ("MOW",)),
    ("a.lebedeva", "Лебедева Анна Игоревна", "sales", "ru", ("MOW",)),
    ("bora.mao", "ម៉ៅ បូរ៉ា", "warehouse", "km", ("PP",)),
    ("visal.tep", "Tep Visal", "warehouse", "en", ("SR",)),
    ("i.volkov", "Волков Игорь Николаевич", "warehouse", "ru", ("MOW",)),
)

SEGMENTS = (("retail", "Retail"), ("wholesale", "Wholesale"), ("vip", "VIP"), ("corporate", "Corporate"),
            ("government", "Government"))
LEAD_SOURCES = (("website", "Website"), ("referral", "Referral"), ("facebook", "Facebook"), ("telegram", "Telegram"),
                ("walk_in", "Walk-in"), ("exhibition", "Exhibition"), ("cold_call", "Cold call"))
EXTRA_FIELDS = (
    dict(key="preferred_language", label="Preferred language", type="choice", choices=["en", "km", "ru"]),
    dict(key="credit_limit", label="Credit limit, USD", type="number"),
    dict(key="birthday", label="Birthday", type="date"),
)


@dataclass
class Org:
    """What the client generator needs to know about the company it fills."""

    company_id: int
    branches: dict[str, int]
    sales: dict[str, list[int]] = field(default_factory=dict)


def load_demo(session: Session, clients: int = 2000, seed: int = 20261128, invoices: int = 1200) -> str:
    """Create the demo company with `clients` generated clients and a year of books; return the owner's token."""
    if clients < 0:
        raise ValueError("clients must be zero or more")
    company, owner, token = create_company(
        session, name=COMPANY_NAME, country="KH", currency="USD", second_currency="KHR", language="en",
        owner_email=OWNER_EMAIL, owner_name=OWNER_NAME,
    )
    actor = Actor.system(company.id)
    org_service.update_company(session, actor, org_schemas.CompanyPatch(
        version=company.version, legal_name="Angkor Mekong Trading Co., Ltd.", tax_id="K001-901234567",
        address="No. 12, Street 214, Sangkat Boeung Raing, Daun Penh, Phnom Penh", phone="+855 23 456 789",
        email="office@angkor-mekong.example", director_name="Chan Sokha", accountant_name="Keo Dara"))
    org = _create_org(session, actor)
    _create_reference_lists(session, actor)
    rows = ClientGenerator(random.Random(seed), org).rows(clients)
    _load_clients(session, actor, rows)
    if invoices:
        summary = load_books(session, actor, org.branches, random.Random(seed + 1), invoices=invoices)
        if summary.refused:
            raise RuntimeError(f"demo books refused by the rules: {summary.refused[:5]}")
        person = Actor(user_id=owner.id, company_id=company.id, role="owner")
        load_documents(session, person, random.Random(seed + 2))
    load_payroll(session, actor, random.Random(seed + 3), DEMO_TODAY)
    return token


def is_demo(session: Session) -> bool:
    """Whether the demo company's owner is in this database."""
    return session.scalar(select(User.id).where(User.email == OWNER_EMAIL)) is not None


def owner_token(session: Session) -> str:
    """A fresh token for the demo owner (tokens are stored hashed: an old one cannot be shown again)."""
    owner = session.scalar(select(User).where(User.email == OWNER_EMAIL, User.role == "owner"))
    if owner is None:
        # Never mint an owner token for somebody's real company just because it is not empty.
        raise NotTheDemo("the database holds a company that is not the demo; no token issued "
                         "(use `clientbase tokens create --email ...`)")
    _token, text = org_service.issue_token_for(session, Actor.system(owner.company_id), owner,
                                               org_schemas.TokenIn(name="demo"))
    return text


def _create_org(session: Session, actor: Actor) -> Org:
    org = Org(company_id=actor.company_id, branches={})
    for code, name, country, city, address in BRANCHES:
        branch = org_service.create_branch(session, actor, org_schemas.BranchIn(
            code=code, name=name, country=country, city=city, address=address))
        org.branches[code] = branch.id
        org.sales[code] = []

    def departments(items: tuple[Any, ...], parent_id: int | None) -> None:
        for name, branch, children in items:
            dept = org_service.create_department(session, actor, org_schemas.DepartmentIn(
                name=name, branch_id=org.branches[branch] if branch else None, parent_id=parent_id))
            departments(children, dept.id)

    departments(DEPARTMENTS, None)
    for code, name, branch, address in WAREHOUSES:
        org_service.create_warehouse(session, actor, org_schemas.WarehouseIn(
            code=code, name=name, branch_id=org.branches[branch], address=address))
    for local, name, role, language, scope in STAFF:
        user = org_service.create_user(session, actor, org_schemas.UserIn(
            email=f"{local}@{DEMO_DOMAIN}", name=name, role=role, language=language,
            branch_ids=[org.branches[c] for c in scope]))
        if role == "sales":
            for code in scope:
                org.sales[code].append(user.id)
    return org


def _create_reference_lists(session: Session, actor: Actor) -> None:
    for code, name in SEGMENTS:
        reference.create_segment(session, actor, party_schemas.RefIn(code=code, name=name))
    for code, name in LEAD_SOURCES:
        reference.create_lead_source(session, actor, party_schemas.RefIn(code=code, name=name))
    for spec in EXTRA_FIELDS:
        reference.create_extra_field(session, actor, party_schemas.ExtraFieldIn(**spec))


def _load_clients(session: Session, actor: Actor, rows: list[dict[str, Any]]) -> None:
    """Push the rows through the batch service (the API's rules); any refusal is a bug in the generator."""
    size = Config.BATCH_MAX_ROWS
    for start in range(0, len(rows), size):
        results = apply_batch(session, actor, rows[start:start + size], size)
        refused = [r for r in results if r["status"] != "ok"]
        if refused:
            detail = "; ".join(
                f"row {start + r['index']} ({r['ref']}): "
                + ", ".join(f"{e.field} {e.code} {e.params}" for e in r["errors"])
                for r in refused[:5])
            raise RuntimeError(f"demo data refused by the client rules ({len(refused)} rows): {detail}")


# --- names, places and numbers -----------------------------------------------------------

# Khmer names: (script, romanisation). Family name first, as Cambodians write it.
KH_FAMILY = (
    ("សុខ", "Sok"), ("ចាន់", "Chan"), ("គឹម", "Kim"), ("ហេង", "Heng"), ("លី", "Ly"), ("ម៉ៅ", "Mao"),
    ("សេង", "Seng"), ("ជា", "Chea"), ("ទេព", "Tep"), ("នួន", "Nuon"), ("ព្រំ", "Prum"), ("ខៀវ", "Khiev"),
    ("ឡុង", "Long"), ("ស៊ុន", "Sun"), ("ពៅ", "Pov"), ("ឈឹម", "Chhim"), ("អ៊ុក", "Ouk"), ("មាស", "Meas"),
    ("កែវ", "Keo"), ("យឹម", "Yim"), ("លឹម", "Lim"), ("ស៊ឹម", "Sim"), ("ប៊ុន", "Bun"), ("ស្រេង", "Sreng"),
    ("ផាន", "Phan"), ("រស់", "Ros"), ("វង្ស", "Vong"), ("ទូច", "Touch"), ("សួន", "Suon"), ("ពេជ្រ", "Pich"),
)
KH_GIVEN = (
    ("ដារា", "Dara"), ("សុភា", "Sophea"), ("វណ្ណា", "Vanna"), ("សុខា", "Sokha"), ("ចន្ថា", "Chantha"),
    ("ស្រីពៅ", "Sreypov"), ("សុផល", "Sophal"), ("ពិសិដ្ឋ", "Piseth"), ("រតនា", "Rathana"), ("ធីតា", "Thida"),
    ("បូរ៉ា", "Bora"), ("វិចិត្រ", "Vichet"), ("សុវណ្ណ", "Sovann"), ("ស្រីល័ក្ខ", "Sreyleak"), ("មករា", "Makara"),
    ("សុភ័ក្ត្រ", "Sopheak"), ("ផល្លា", "Phalla"), ("គន្ធា", "Kunthea"), ("ស្រីមុំ", "Sreymom"), ("ពិសី", "Pisey"),
    ("រស្មី", "Raksmey"), ("វិសាល", "Visal"), ("សំណាង", "Samnang"), ("ណារិន", "Narin"), ("ចាន់ថូ", "Chanthou"),
    ("សុធារី", "Sotheary"), ("ដាវី", "Davy"), ("សុជាតិ", "Socheat"), ("វាសនា", "Veasna"), ("ភក្តី", "Pheakdey"),
    ("បញ្ញា", "Panha"), ("លីដា", "Lida"), ("ចរិយា", "Chariya"), ("មុន្នី", "Monny"), ("វុទ្ធី", "Vuthy"),
    ("រិទ្ធី", "Rithy"), ("សុភី", "Sophy"), ("ចិន្តា", "Chenda"), ("នារី", "Neary"), ("សុខលី", "Sokly"),
)
KH_SHOPS = (  # a shop named after its owner: "<kind> <given name>"
    "ហាងលក់ទំនិញ", "ហាងកាហ្វេ", "ភោជនីយដ្ឋាន", "ឱសថស្ថាន", "ហាងគ្រឿងសំណង់", "ហាងលក់គ្រឿងអេឡិចត្រូនិច",
)
KH_ROLES = ("នាយក", "គណនេយ្យករ", "ម្ចាស់ហាង", "Purchasing manager", "Director", "Chief accountant")
KH_BUSINESS_WORDS = ("Bayon", "Tonle", "Lotus", "Golden", "Royal", "Kampot", "Sunrise", "Apsara", "Naga",
                     "Mekong", "Asia", "Star", "Preah", "Koh Kong", "Kirirom")
KH_BUSINESS_LINES = ("Trading", "Import Export", "Construction", "Logistics", "Agro", "Rice Mill", "Pharma",
                     "Electronics", "Garment", "Food", "Hotel", "Travel", "Furniture")

PP_KHANS = ("Chamkarmon", "Daun Penh", "7 Makara", "Toul Kork", "Sen Sok", "Mean Chey", "Russey Keo",
            "Chbar Ampov", "Por Senchey", "Boeng Keng Kang")
PP_STREETS = ("St. 271", "St. 63", "St. 310", "St. 178", "St. 51", "St. 2004", "Preah Norodom Blvd",
              "Preah Monivong Blvd", "Preah Sihanouk Blvd", "Russian Federation Blvd", "Kampuchea Krom Blvd",
              "Mao Tse Toung Blvd", "Charles de Gaulle Blvd")
SR_SANGKATS = ("Svay Dangkum", "Sala Kamreuk", "Sla Kram", "Kok Chak", "Chreav", "Siem Reap")
SR_STREETS = ("Sivatha Blvd", "Pub Street", "National Road 6", "Wat Bo Road", "Charles de Gaulle Blvd",
              "Taphul Road", "Airport Road")

RU_SURNAMES = (  # masculine forms; see _ru_surname for the feminine ones
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
    "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
    "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
    "Борисов", "Яковлев", "Григорьев", "Романов", "Сергеев", "Кузьмин", "Фролов", "Белов", "Медведев",
    "Тарасов", "Жуков", "Комаров", "Сидоров", "Крылов", "Калинин", "Быков", "Гончаров", "Вишневский",
    "Ким", "Шевченко", "Ткаченко",
)
RU_MALE = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Иван", "Михаил", "Николай",
           "Владимир", "Павел", "Евгений", "Олег", "Игорь", "Артём", "Константин", "Виктор", "Юрий")
RU_FEMALE = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Екатерина", "Светлана",
             "Юлия", "Анастасия", "Марина", "Дарья", "Ксения", "Виктория", "Людмила")
RU_PATRONYMICS = (  # (masculine, feminine)
    ("Александрович", "Александровна"), ("Дмитриевич", "Дмитриевна"), ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"), ("Алексеевич", "Алексеевна"), ("Иванович", "Ивановна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Владимирович", "Владимировна"),
    ("Павлович", "Павловна"), ("Петрович", "Петровна"), ("Викторович", "Викторовна"),
    ("Юрьевич", "Юрьевна"), ("Олегович", "Олеговна"), ("Игоревич", "Игоревна"), ("Евгеньевич", "Евгеньевна"),
)
RU_COMPANY_WORDS = ("Ромашка", "Вектор", "Альфа-Трейд", "СеверСтрой", "Техноком", "Гранит", "Меридиан",
                    "Восток-Импорт", "Лотос", "Сибирский лес", "Азия-Логистик", "Меконг-Трейд", "ТрансАзия",
                    "Кедр", "Радуга", "Полюс", "Феникс", "Стройинвест", "Орион", "Парус", "Берёзка",
                    "Тропик", "Чайный дом", "Агропром", "Балтика-Сервис", "Прогресс", "Импульс", "Эталон")
# Compound names in the usual style: "Техно" + "Торг" → «ТехноТорг».
RU_COMPOUND_HEADS = ("Альфа", "Север", "Юг", "Восток", "Гранд", "Техно", "Строй", "Агро", "Мега", "Транс",
                     "Евро", "Азия", "Сиб", "Интер", "Нова", "Вита", "Проф", "Эко", "Медиа", "Энерго")
RU_COMPOUND_TAILS = ("Трейд", "Строй", "Сервис", "Групп", "Логистик", "Импорт", "Торг", "Пром", "Снаб",
                     "Инвест", "Маркет", "Лайн", "Тех", "Опт")
RU_FORMS = (("ООО", "Общество с ограниченной ответственностью"), ("АО", "Акционерное общество"))
RU_ROLES = ("Генеральный директор", "Главный бухгалтер", "Менеджер по закупкам", "Коммерческий директор",
            "Логист")
RU_CITIES = (("Москва", "Москва", "1"), ("Москва", "Москва", "1"), ("Москва", "Москва", "1"),
             ("Химки", "Московская обл.", "141"), ("Подольск", "Московская обл.", "142"),
             ("Мытищи", "Московская обл.", "141"), ("Санкт-Петербург", "Санкт-Петербург", "19"),
             ("Казань", "Республика Татарстан", "420"), ("Новосибирск", "Новосибирская обл.", "630"),
             ("Владивосток", "Приморский край", "690"))
RU_STREETS = ("ул. Тверская", "Ленинский пр-т", "ул. Арбат", "Профсоюзная ул.", "ул. Большая Ордынка",
              "Кутузовский пр-т", "ул. Новый Арбат", "Варшавское ш.", "ул. Маросейка", "ул. Ленина",
              "ул. Садовая", "Мира пр-т", "ул. Гагарина", "ул. Советская")
# ИНН regions: Moscow, Moscow region, St Petersburg, Tatarstan, Novosibirsk, Primorye.
RU_INN_REGIONS = ("77", "77", "77", "50", "50", "78", "16", "54", "25")

EN_MALE = ("James", "John", "Robert", "Michael", "David", "William", "Richard", "Thomas", "Daniel", "Matthew",
           "Andrew", "Mark", "Paul", "Peter", "Oliver", "Harry", "Jack", "George", "Samuel", "Ben")
EN_FEMALE = ("Mary", "Jennifer", "Linda", "Sarah", "Emily", "Emma", "Olivia", "Sophie", "Charlotte", "Jessica",
             "Laura", "Rachel", "Hannah", "Amy", "Lucy", "Grace", "Chloe", "Kate", "Anna", "Helen")
EN_SURNAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
               "Anderson", "Thomas", "Moore", "Martin", "Jackson", "White", "Harris", "Clarke", "Lewis", "Walker",
               "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter",
               "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins",
               "Stewart", "Morris", "Murphy", "Cook", "Morgan", "Cooper", "Bell", "Kelly", "Ward", "O'Brien",
               "Watson", "Bennett", "Hughes", "Fisher", "Graham")
EN_COMPANY_FIRST = ("Riverside", "Blue Lotus", "Green Leaf", "Pacific Rim", "Northstar", "Silver Bay",
                    "Red Brick", "Summit", "Harbour", "Evergreen", "Crown", "Oakwood", "Bright Path", "Coral",
                    "Jade", "Lighthouse", "Monsoon", "Bamboo", "Tamarind", "Westbridge", "Open Sky", "Palm Grove")
EN_COMPANY_SECOND = ("Hospitality", "Travel", "Organics", "Supplies", "Logistics", "Consulting", "Imports",
                     "Digital", "Engineering", "Education", "Coffee Roasters", "Media", "Solar", "Architects",
                     "Dental Clinic", "Bakery")
EN_ROLES = ("Director", "Finance manager", "Office manager", "Purchasing manager", "General manager")


class Abroad(NamedTuple):
    """A foreign client's home: phones come from a fictional (drama) range where the plan has one."""

    country: str
    phone_prefix: str
    digits: int  # how many random digits follow the prefix
    city: str
    suffix: str  # how companies there end their names


EN_ABROAD = (
    Abroad("US", "+1 202 555 01", 2, "Washington", "LLC"),
    Abroad("AU", "+61 491 570 ", 3, "Sydney", "Pty Ltd"),
    Abroad("GB", "+44 20 7946 0", 3, "London", "Ltd"),
    Abroad("SG", "+65 9", 7, "Singapore", "Pte. Ltd."),
)

TAGS_COMMON = ("new", "loyal", "online", "vip", "wholesale", "debtor")
TAGS_BY_CULTURE = {
    "kh": ("facebook-shop", "cash-khr", "delivery", "khqr"),
    "ru": ("телеграм", "экспорт", "предоплата", "b2b"),
    "en": ("expat", "hotel", "export", "b2b"),
}
NOTES = {
    "kh": ("ទូរស័ព្ទមុនពេលដឹកជញ្ជូន", "Pays in KHR cash on delivery.", "Prefers Telegram to phone calls.",
           "Invoices in Khmer, please.", "Orders every month before Khmer New Year."),
    "ru": ("Звонить после 15:00 по Москве.", "Оплата только по счёту, с НДС.", "Нужны закрывающие документы (УПД).",
           "Постоянный клиент с 2019 года.", "Предпочитает связь в Telegram."),
    "en": ("Prefers e-mail to calls.", "Net 30 agreed with the director.", "Delivery to the hotel back door only.",
           "Ask for the PO number before invoicing.", "Met at the Phnom Penh trade fair."),
}

_RU_LATIN = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
     "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
))
_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


def latin(text: str) -> str:
    """Russian → ASCII for e-mail addresses and domains (a plain passport-style transliteration)."""
    out = "".join(_RU_LATIN.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in out if ch.isascii() and (ch.isalnum() or ch in " -"))


def slug(text: str) -> str:
    return "-".join(latin(text).replace("-", " ").split())


def inn_company(rng: random.Random) -> str:
    """A 10-digit ИНН of an organisation with a correct check digit."""
    body = rng.choice(RU_INN_REGIONS) + f"{rng.randint(1, 51):02d}" + f"{rng.randrange(100000):05d}"
    return body + _inn_digit(body, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def inn_person(rng: random.Random) -> str:
    """A 12-digit ИНН of a person (or a sole trader) with both check digits."""
    body = rng.choice(RU_INN_REGIONS) + f"{rng.randint(1, 51):02d}" + f"{rng.randrange(1000000):06d}"
    body += _inn_digit(body, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
    return body + _inn_digit(body, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))


def _inn_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10)


def kh_tin(rng: random.Random) -> str:
    """A Cambodian company TIN such as K001-901234567 (GDT format; there is no public checksum)."""
    prefix = rng.choice("KKKKKKLLBE") + f"{rng.choice((1, 1, 1, 2, 3, 5, 7)):03d}"
    number = rng.choice(("90", "10", "11", "90")) + f"{rng.randrange(10_000_000):07d}"
    return prefix + rng.choice(("-", "-", "-", "")) + number


def _valid(region: str, national: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(national, region))


def _pick_number(rng: random.Random, region: str, prefixes: tuple[str, ...], lengths: tuple[int, ...]) -> str:
    """A national significant number valid in `region`: prefix + random digits, retried until valid."""
    for _ in range(200):
        nsn = rng.choice(prefixes) + "".join(str(rng.randrange(10)) for _ in range(rng.choice(lengths)))
        if _valid(region, "0" + nsn if region == "KH" else "8" + nsn):
            return nsn
    raise RuntimeError(f"no valid {region} number from prefixes {prefixes}")  # the metadata changed


KH_MOBILE = ("12", "15", "16", "17", "70", "77", "78", "85", "92", "93", "95", "96", "97", "98", "99")


def kh_mobile(rng: random.Random) -> str:
    return _pick_number(rng, "KH", KH_MOBILE, (6, 7))


def kh_landline(rng: random.Random, branch: str) -> str:
    # Phnom Penh 023, Siem Reap 063.
    return _pick_number(rng, "KH", ("23",) if branch == "PP" else ("63",), (6,))


def ru_mobile(rng: random.Random) -> str:
    prefixes = ("903", "905", "906", "909", "910", "915", "916", "917", "925", "926", "977", "985", "999")
    return _pick_number(rng, "RU", prefixes, (7,))


def ru_landline(rng: random.Random) -> str:
    return _pick_number(rng, "RU", ("495", "499"), (7,))


def kh_format(rng: random.Random, nsn: str) -> str:
    """How Cambodians write a number: 012 345 678, +855 12 345 678, 097 234 5678, sometimes in Khmer digits."""
    head, rest = nsn[:2], nsn[2:]
    groups = f"{rest[:3]} {rest[3:]}"
    style = rng.randrange(20)
    if style < 6:
        return f"0{head} {groups}"
    if style < 10:
        return f"+855 {head} {groups}"
    if style < 13:
        return f"0{head}-{rest[:3]}-{rest[3:]}"
    if style < 16:
        return f"0{nsn}"
    if style < 18:
        return f"(0{head}) {groups}"
    if style < 19:
        return f"+855{nsn}"
    return f"0{head} {groups}".translate(_KHMER_DIGITS)


def ru_format(rng: random.Random, nsn: str) -> str:
    """How Russians write a number: +7 916 123-45-67, 8 (916) 123-45-67, 89161234567 …"""
    a, b, c, d = nsn[:3], nsn[3:6], nsn[6:8], nsn[8:]
    return rng.choice((
        f"+7 {a} {b}-{c}-{d}", f"+7 {a} {b}-{c}-{d}", f"8 ({a}) {b}-{c}-{d}", f"8{nsn}",
        f"+7 ({a}) {b} {c} {d}", f"8-{a}-{b}-{c}-{d}", f"+7{nsn}",
    ))


# --- the client generator ----------------------------------------------------------------

Row = dict[str, Any]


class KhmerName(NamedTuple):
    display: str
    family_km: str
    given_km: str
    family: str  # romanised, for e-mail addresses
    given: str


class ClientGenerator:
    """Client rows for the batch service, drawn from one `random.Random` in a fixed order."""

    def __init__(self, rng: random.Random, org: Org) -> None:
        self.rng = rng
        self.org = org
        self.emails: set[str] = set()

    def rows(self, count: int) -> list[Row]:
        # Exact shares, shuffled: ~45% Cambodian, ~35% Russian, ~20% English-speaking.
        kh = round(count * 0.45)
        ru = round(count * 0.35)
        cultures = ["kh"] * kh + ["ru"] * ru + ["en"] * (count - kh - ru)
        self.rng.shuffle(cultures)
        make: dict[str, Callable[[], Row]] = {"kh": self.khmer, "ru": self.russian, "en": self.english}
        return [{"op": "create", "ref": f"demo-{i + 1}", "data": make[c]()} for i, c in enumerate(cultures)]

    # - shared pieces -

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def email(self, local: str, domain: str) -> str:
        """A unique address: a number is appended when the plain one is taken."""
        local = local.strip(".-_") or "client"
        address = f"{local}@{domain}"
        while address in self.emails:
            address = f"{local}{self.rng.randint(2, 999)}@{domain}"
        self.emails.add(address)
        return address

    def personal_email(self, given: str, family: str) -> str:
        g, f = slug(given).replace("-", ""), slug(family).replace("-", "")
        local = self.rng.choice((f"{g}.{f}", f"{f}.{g}", f"{g}{f}", f"{g}_{f}", f"{g[0]}.{f}",
                                 f"{g}{f}{self.rng.randint(70, 99)}", f"{g}.{self.rng.randint(1980, 2004)}"))
        return self.email(local, self.rng.choice(("example.com", "example.com", "example.net", "example.org")))

    def common(self, culture: str, branch: str, person: bool) -> Row:
        """Fields every client has whatever its culture: kind, segment, source, manager, tags, extras."""
        rng = self.rng
        data: Row = {
            "kind": rng.choices(("client", "supplier", "both"), (85, 7, 8))[0],
            "person_type": "person" if person else "company",
            "branch_id": self.org.branches[branch],
            "consent_to_mailings": self.chance(0.6),
        }
        segments = ("retail", "vip") if person else ("wholesale", "corporate", "government", "retail")
        weights = (90, 10) if person else (50, 35, 5, 10)
        if self.chance(0.9):
            data["segment"] = rng.choices(segments, weights)[0]
        sources = {"kh": (30, 25, 30, 10, 20, 5, 3), "ru": (30, 25, 3, 30, 3, 10, 15), "en": (35, 30, 15, 5, 15, 5, 2)}
        if self.chance(0.85):
            data["lead_source"] = rng.choices([code for code, _ in LEAD_SOURCES], sources[culture])[0]
        managers = self.org.sales[branch]
        if managers and self.chance(0.9):
            data["manager_id"] = rng.choice(managers)
        pool = TAGS_COMMON + TAGS_BY_CULTURE[culture]
        tags = rng.sample(pool, rng.choices((0, 1, 2, 3), (30, 40, 20, 10))[0])
        if data.get("segment") in ("vip", "wholesale") and self.chance(0.3):
            tags.append(data["segment"])  # a duplicate tag is folded by the service
        if tags:
            data["tags"] = tags
        extra: Row = {}
        if self.chance(0.5):
            extra["preferred_language"] = {"kh": "km", "ru": "ru", "en": "en"}[culture]
        if not person and self.chance(0.6):
            extra["credit_limit"] = rng.choice((500, 1000, 2000, 2500, 5000, 10000, 25000))
        if person and self.chance(0.3):
            born = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(365 * 48))
            extra["birthday"] = born.isoformat()
        if extra:
            data["extra"] = extra
        if self.chance(0.15):
            data["notes"] = rng.choice(NOTES[culture])
        return data

    # - Cambodia -

    def khmer_person(self) -> KhmerName:
        """A Khmer name, shown in Khmer script three times in four and romanised otherwise."""
        (fk, fr), (gk, gr) = self.rng.choice(KH_FAMILY), self.rng.choice(KH_GIVEN)
        return KhmerName(f"{fk} {gk}" if self.chance(0.75) else f"{fr} {gr}", fk, gk, fr, gr)

    def kh_address(self, branch: str, company: bool) -> Row:
        rng = self.rng
        number = f"No. {rng.randint(1, 350)}{rng.choice(('', '', 'A', 'B', 'E0'))}"
        if branch == "PP":
            khan = rng.choice(PP_KHANS)
            return {"kind": "legal" if company else "actual", "country": "KH", "region": "Phnom Penh",
                    "city": "Phnom Penh", "line1": f"{number}, {rng.choice(PP_STREETS)}",
                    "line2": f"Sangkat {khan} {rng.choice(('I', 'II', 'III'))}, Khan {khan}",
                    "postal_code": f"12{rng.randint(1, 14):02d}{rng.randint(1, 12):02d}"}
        return {"kind": "legal" if company else "actual", "country": "KH", "region": "Siem Reap",
                "city": "Siem Reap", "line1": f"{number}, {rng.choice(SR_STREETS)}",
                "line2": f"Sangkat {rng.choice(SR_SANGKATS)}", "postal_code": f"17{rng.randint(1201, 1210)}"}

    def kh_phones(self, branch: str, company: bool) -> list[Row]:
        phones = [{"number": kh_format(self.rng, kh_mobile(self.rng)), "kind": "mobile"}]
        if company and self.chance(0.35):
            phones.insert(0, {"number": kh_format(self.rng, kh_landline(self.rng, branch)), "kind": "work"})
        elif self.chance(0.2):
            phones.append({"number": kh_format(self.rng, kh_mobile(self.rng)), "kind": "mobile"})
        return phones

    def khmer(self) -> Row:
        rng = self.rng
        branch = "PP" if self.chance(0.65) else "SR"
        person = self.chance(0.6)
        data = self.common("kh", branch, person)
        data["country"] = "KH"
        if person:
            name, _, _, family, given = self.khmer_person()
            data["name"] = name
            if self.chance(0.7):
                data["emails"] = [{"email": self.personal_email(given, family), "kind": "personal"}]
            if self.chance(0.08):
                data["tax_id"] = f"{rng.randrange(100_000_000, 999_999_999)}"  # an individual's 9-digit TIN
        else:
            _, fk, gk, family, given = self.khmer_person()
            if self.chance(0.55):
                # Named after the owner: by the given name, or by the whole name.
                whole = self.chance(0.4)
                data["name"] = f"{rng.choice(KH_SHOPS)} {fk + ' ' if whole else ''}{gk}"
                domain = f"{family.lower() + '-' if whole else ''}{given.lower()}-shop.example.com"
            else:
                first = rng.choice((f"{family} {given}", rng.choice(KH_BUSINESS_WORDS)))
                trade = f"{first} {rng.choice(KH_BUSINESS_LINES)}"
                data["name"] = f"{trade} Co., Ltd."
                data["legal_name"] = f"{trade.upper()} CO., LTD."
                domain = f"{slug(trade)}.example.com"
            if self.chance(0.85):
                data["tax_id"] = kh_tin(rng)
            if self.chance(0.8):
                data["emails"] = [{"email": self.email(rng.choice(("info", "sales", "contact", "admin")), domain)}]
            data["contacts"] = [self.kh_contact(domain) for _ in range(rng.randint(1, 3))]
        data["phones"] = self.kh_phones(branch, not person)
        if self.chance(0.8):
            data["addresses"] = [self.kh_address(branch, not person)]
        return data

    def kh_contact(self, domain: str) -> Row:
        name, _, _, family, given = self.khmer_person()
        contact: Row = {"name": name, "role": self.rng.choice(KH_ROLES),
                        "phone": kh_format(self.rng, kh_mobile(self.rng))}
        if self.chance(0.6):
            contact["email"] = self.email(f"{given}.{family}".lower(), domain)
        return contact

    # - Russia -

    def russian_person(self) -> tuple[str, str, str, bool]:
        """(full name "Фамилия Имя Отчество", given, surname, male)."""
        rng = self.rng
        male = self.chance(0.5)
        surname = _ru_surname(rng.choice(RU_SURNAMES), male)
        given = rng.choice(RU_MALE if male else RU_FEMALE)
        patronymic = rng.choice(RU_PATRONYMICS)[0 if male else 1]
        return f"{surname} {given} {patronymic}", given, surname, male

    def ru_address(self, company: bool) -> Row:
        rng = self.rng
        city, region, zip_prefix = rng.choice(RU_CITIES)
        line1 = f"{rng.choice(RU_STREETS)}, д. {rng.randint(1, 120)}"
        if company:
            line1 += f", стр. {rng.randint(1, 5)}, офис {rng.randint(1, 640)}"
        else:
            line1 += f", кв. {rng.randint(1, 300)}"
        postal = zip_prefix + "".join(str(rng.randrange(10)) for _ in range(6 - len(zip_prefix)))
        if zip_prefix == "1":
            postal = f"1{rng.randint(1, 29):02d}{rng.randrange(1000):03d}"  # Moscow: 101000–129999
        return {"kind": "legal" if company else "actual", "country": "RU", "region": region, "city": city,
                "line1": line1, "postal_code": postal}

    def russian(self) -> Row:
        rng = self.rng
        person = self.chance(0.45)
        data = self.common("ru", "MOW", person)
        data["country"] = "RU"
        if person:
            name, given, surname, _ = self.russian_person()
            data["name"] = name
            if self.chance(0.4):
                data["tax_id"] = inn_person(rng)
            if self.chance(0.7):
                data["emails"] = [{"email": self.personal_email(given, surname), "kind": "personal"}]
            data["phones"] = [{"number": ru_format(rng, ru_mobile(rng)), "kind": "mobile"}]
        else:
            if self.chance(0.15):
                # A sole trader (ИП) is a business with a person's 12-digit ИНН.
                full, given, surname, _ = self.russian_person()
                data["name"] = f"ИП {full}"
                data["legal_name"] = f"Индивидуальный предприниматель {full}"
                data["tax_id"] = inn_person(rng)
                domain = f"ip-{slug(surname)}.example.com"
            else:
                short, long = rng.choices(RU_FORMS, (85, 15))[0]
                if self.chance(0.5):
                    word = rng.choice(RU_COMPANY_WORDS)
                else:
                    word = rng.choice(RU_COMPOUND_HEADS) + rng.choice(RU_COMPOUND_TAILS)
                if self.chance(0.2):
                    word = f"{word}-{rng.choice(('М', 'Плюс', 'Групп', 'Сервис', '2000'))}"
                data["name"] = f"{short} «{word}»"
                data["legal_name"] = f"{long} «{word}»"
                if self.chance(0.95):
                    data["tax_id"] = inn_company(rng)
                domain = f"{slug(word)}.example.com"
            if self.chance(0.85):
                data["emails"] = [{"email": self.email(rng.choice(("info", "office", "zakaz", "sales")), domain)}]
                if self.chance(0.3):
                    data["emails"].append({"email": self.email("buh", domain), "kind": "billing"})
            phones = [{"number": ru_format(rng, ru_mobile(rng)), "kind": "mobile"}]
            if self.chance(0.5):
                phones.insert(0, {"number": ru_format(rng, ru_landline(rng)), "kind": "work"})
            data["phones"] = phones
            data["contacts"] = [self.ru_contact(domain) for _ in range(rng.randint(1, 3))]
        if self.chance(0.8):
            data["addresses"] = [self.ru_address(not person)]
        return data

    def ru_contact(self, domain: str) -> Row:
        rng = self.rng
        name, given, surname, _ = self.russian_person()
        contact: Row = {"name": name, "role": rng.choice(RU_ROLES), "phone": ru_format(rng, ru_mobile(rng))}
        if self.chance(0.6):
            contact["email"] = self.email(f"{slug(given)[0]}.{slug(surname)}", domain)
        return contact

    # - English-speaking -

    def english_person(self) -> tuple[str, str]:
        male = self.chance(0.5)
        return self.rng.choice(EN_MALE if male else EN_FEMALE), self.rng.choice(EN_SURNAMES)

    def english(self) -> Row:
        rng = self.rng
        branch = "PP" if self.chance(0.7) else "SR"
        person = self.chance(0.5)
        data = self.common("en", branch, person)
        abroad = rng.choice(EN_ABROAD) if self.chance(0.2) else None
        data["country"] = abroad.country if abroad else "KH"
        if person:
            given, family = self.english_person()
            data["name"] = f"{given} {family}"
            if self.chance(0.85):
                data["emails"] = [{"email": self.personal_email(given, family), "kind": "personal"}]
        else:
            trade = f"{rng.choice(EN_COMPANY_FIRST)} {rng.choice(EN_COMPANY_SECOND)}"
            suffix = abroad.suffix if abroad else "Co., Ltd."
            data["name"] = f"{trade} {suffix}"
            domain = f"{slug(trade)}.example.com"
            if not abroad and self.chance(0.8):
                data["tax_id"] = kh_tin(rng)
            if self.chance(0.9):
                data["emails"] = [{"email": self.email(rng.choice(("hello", "info", "accounts", "office")), domain)}]
            data["contacts"] = [self.en_contact(domain, abroad) for _ in range(rng.randint(1, 3))]
        data["phones"] = [{"number": self.en_phone(abroad), "kind": "mobile" if person else "work"}]
        if abroad:
            if self.chance(0.7):
                data["addresses"] = [{"kind": "postal", "country": abroad.country, "city": abroad.city,
                                      "line1": f"{rng.randint(1, 250)} {rng.choice(EN_SURNAMES)} Street"}]
        elif self.chance(0.7):
            data["addresses"] = [self.kh_address(branch, not person)]
        return data

    def en_phone(self, abroad: Abroad | None) -> str:
        if abroad is None:
            return kh_format(self.rng, kh_mobile(self.rng))
        for _ in range(200):
            number = abroad.phone_prefix + "".join(str(self.rng.randrange(10)) for _ in range(abroad.digits))
            if phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
                return number
        raise RuntimeError(f"no valid number from {abroad.phone_prefix}")  # the metadata changed

    def en_contact(self, domain: str, abroad: Abroad | None) -> Row:
        given, family = self.english_person()
        contact: Row = {"name": f"{given} {family}", "role": self.rng.choice(EN_ROLES), "phone": self.en_phone(abroad)}
        if self.chance(0.7):
            contact["email"] = self.email(f"{slug(given)}.{slug(family)}", domain)
        return contact


def _ru_surname(masculine: str, male: bool) -> str:
    """Russian surnames agree with gender: Иванов → Иванова, Вишневский → Вишневская; Ким, Шевченко do not change."""
    if male:
        return masculine
    if masculine.endswith(("ов", "ев", "ёв", "ин")):
        return masculine + "а"
    if masculine.endswith("ский"):
        return masculine[:-2] + "ая"
    return masculine
