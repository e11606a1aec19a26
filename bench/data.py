"""Realistic client rows from a fixed seed, in the batch endpoint's row format."""
from __future__ import annotations

import random
from typing import Any, Iterator

# Bump when the generated rows change, so cached databases are rebuilt.
VERSION = 1

# Khmer names with the romanisation used for e-mail addresses.
KH_FAMILY = [
    ("សុខ", "sok"), ("ចាន់", "chan"), ("លី", "ly"), ("ហេង", "heng"), ("គឹម", "kim"), ("ស៊ុន", "sun"),
    ("ម៉ៅ", "mao"), ("ពៅ", "pov"), ("កែវ", "keo"), ("សេង", "seng"), ("ឈឹម", "chhim"), ("ទេព", "tep"),
    ("ប៊ុន", "bun"), ("ណុប", "nob"), ("អ៊ុំ", "um"), ("ហ៊ុន", "hun"),
]
KH_GIVEN = [
    ("ដារ៉ា", "dara"), ("សុភា", "sophea"), ("ចន្ថា", "chantha"), ("វិបុល", "vibol"), ("សុវណ្ណ", "sovann"),
    ("រតនា", "ratana"), ("ពិសី", "pisey"), ("សុខា", "sokha"), ("ស្រីមុំ", "sreymom"), ("បញ្ញា", "panha"),
    ("វណ្ណា", "vanna"), ("ធីតា", "thida"), ("សំណាង", "samnang"), ("រស្មី", "raksmey"), ("វិចិត្រ", "vichet"),
]
KH_SHOP_WORDS = [("ហាងលក់ទំនិញ", "shop"), ("ភោជនីយដ្ឋាន", "restaurant"), ("ហាងកាហ្វេ", "cafe"),
                 ("ឱសថស្ថាន", "pharmacy"), ("ហាងគ្រឿងសំណង់", "hardware")]
RU_SURNAMES = [
    ("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
    ("Васильев", "vasiliev"), ("Петров", "petrov"), ("Соколов", "sokolov"), ("Михайлов", "mikhailov"),
    ("Новиков", "novikov"), ("Фёдоров", "fedorov"), ("Морозов", "morozov"), ("Волков", "volkov"),
    ("Алексеев", "alekseev"), ("Лебедев", "lebedev"), ("Семёнов", "semenov"), ("Егоров", "egorov"),
]
RU_MALE = [("Александр", "alexander"), ("Дмитрий", "dmitry"), ("Максим", "maxim"), ("Сергей", "sergey"),
           ("Андрей", "andrey"), ("Алексей", "alexey"), ("Иван", "ivan"), ("Михаил", "mikhail")]
RU_FEMALE = [("Анна", "anna"), ("Мария", "maria"), ("Елена", "elena"), ("Ольга", "olga"),
             ("Наталья", "natalia"), ("Татьяна", "tatiana"), ("Екатерина", "ekaterina"), ("Ирина", "irina")]
RU_PATRONYMIC = ["Александрович", "Сергеевич", "Викторович", "Андреевич", "Иванович", "Петрович"]
RU_COMPANY = [("Ромашка", "romashka"), ("Восток", "vostok"), ("Север", "sever"), ("Альфа", "alfa"),
              ("Вектор", "vektor"), ("Гранит", "granit"), ("Сибирь", "sibir"), ("Меридиан", "meridian"),
              ("Прогресс", "progress"), ("Стройинвест", "stroyinvest"), ("Техносервис", "tekhnoservis")]
EN_FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
            "Elizabeth", "William", "Sarah", "Thomas", "Emma", "Oliver", "Charlotte"]
EN_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Walker", "Wright",
           "Thompson", "White", "Hughes", "Clarke", "Hall", "Green", "Baker"]
EN_COMPANY = ["Mekong", "Angkor", "Lotus", "Tonle", "Golden Gate", "Riverside", "Bayon", "Kampot"]
EN_TRADE = ["Trading", "Logistics", "Consulting", "Foods", "Garments", "Construction", "Travel", "Imports"]

KH_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "camnet.com.kh", "online.com.kh"]
RU_DOMAINS = ["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "rambler.ru"]
# National prefixes whose subscriber numbers are six digits (all valid for phonenumbers' metadata).
KH_MOBILE = ["12", "77", "78", "85", "89", "92", "95", "99", "10", "15", "16", "17", "69", "70", "81",
             "86", "87", "93", "98", "11", "60", "66", "67", "68", "90", "61"]
RU_MOBILE = [str(p) for p in range(900, 1000) if p != 930]
RU_REGIONS = ["77", "78", "50", "54", "66", "16", "23", "52", "63", "74"]

SEGMENTS = [("retail", "Retail"), ("wholesale", "Wholesale"), ("corporate", "Corporate")]
LEAD_SOURCES = [("website", "Website"), ("referral", "Referral"), ("facebook", "Facebook"), ("walk_in", "Walk-in")]
BRANCHES = [("PP", "Phnom Penh", "KH"), ("SR", "Siem Reap", "KH"), ("MOW", "Moscow", "RU")]
# (name, share of clients carrying it)
TAGS = [("vip", 0.08), ("newsletter", 0.25), ("debtor", 0.05), ("онлайн", 0.10), ("постоянный", 0.12),
        ("អតិថិជនស្មោះត្រង់", 0.10), ("delivery", 0.15)]


def _scramble(i: int, mult: int, add: int, mod: int) -> int:
    """A bijection of range(mod) (mult coprime with mod): unique yet random-looking numbers."""
    return (i * mult + add) % mod


def kh_phone(i: int, rng: random.Random, salt: int = 0) -> tuple[str, str]:
    """(typed form, E.164) of a Cambodian mobile number unique per i."""
    prefix = rng.choice(KH_MOBILE)
    sub = f"{_scramble(i, 7919 + salt * 2, 104_729 + salt, 1_000_000):06d}"
    style = rng.random()
    if style < 0.5:
        typed = f"0{prefix} {sub[:3]} {sub[3:]}"
    elif style < 0.8:
        typed = f"+855 {prefix} {sub[:3]} {sub[3:]}"
    else:
        typed = f"0{prefix}-{sub}"
    return typed, f"+855{prefix}{sub}"


def ru_phone(i: int, rng: random.Random, salt: int = 0) -> tuple[str, str]:
    """(typed form, E.164) of a Russian mobile number unique per i."""
    code = rng.choice(RU_MOBILE)
    sub = f"{_scramble(i, 7_654_321 + salt * 2, 1_234_567 + salt, 10_000_000):07d}"
    style = rng.random()
    if style < 0.4:
        typed = f"+7 {code} {sub[:3]}-{sub[3:5]}-{sub[5:]}"
    elif style < 0.7:
        typed = f"8 ({code}) {sub[:3]}-{sub[3:5]}-{sub[5:]}"
    else:
        typed = f"8{code}{sub}"
    return typed, f"+7{code}{sub}"


def ru_inn(i: int, rng: random.Random, person: bool) -> str:
    """A valid ИНН unique per i: 10 digits for organisations, 12 for persons."""
    from stdnum.ru import inn

    if person:
        body = rng.choice(RU_REGIONS) + f"{_scramble(i, 13, 7, 10**8):08d}"
        return body + inn.calc_personal_check_digits(body)
    body = rng.choice(RU_REGIONS) + f"{_scramble(i, 13, 7, 10**7):07d}"
    return body + inn.calc_company_check_digit(body)


def kh_tin(i: int, rng: random.Random, person: bool) -> str:
    """Cambodian TIN: "K001-901234567" for companies, nine digits for individuals; unique per i."""
    nine = f"{_scramble(i, 31, 100_000_003, 10**9):09d}"
    if person:
        return nine
    return f"{rng.choice('KLBE')}{rng.randrange(1, 200):03d}-{nine}"


def _tags(rng: random.Random) -> list[str]:
    return [name for name, share in TAGS if rng.random() < share]


def client(i: int, rng: random.Random, branches: dict[str, int]) -> dict[str, Any]:
    """One client's `data` object (ClientIn), in what a person would type."""
    roll = rng.random()
    company = rng.random() < 0.35
    data: dict[str, Any] = {"kind": "client" if rng.random() < 0.9 else "both",
                            "person_type": "company" if company else "person"}
    if roll < 0.45:  # Cambodian, Khmer name
        fam, fam_l = rng.choice(KH_FAMILY)
        giv, giv_l = rng.choice(KH_GIVEN)
        if company:
            word, word_l = rng.choice(KH_SHOP_WORDS)
            data["name"] = f"{word} {fam}{giv}"
            data["legal_name"] = f"{fam_l.title()} {giv_l.title()} {word_l.title()} Co., Ltd."
            local = f"{word_l}.{fam_l}{giv_l}"
        else:
            data["name"] = f"{fam} {giv}"
            local = f"{giv_l}.{fam_l}"
        country, phone = "KH", kh_phone
        domains = KH_DOMAINS
        branch = "PP" if rng.random() < 0.65 else "SR"
    elif roll < 0.60:  # English-speaking client in Cambodia
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        if company:
            data["name"] = f"{rng.choice(EN_COMPANY)} {rng.choice(EN_TRADE)} ({last})"
            data["legal_name"] = f"{data['name'].split(' (')[0]} Co., Ltd."
            local = f"info.{last.lower()}"
        else:
            data["name"] = f"{first} {last}"
            local = f"{first.lower()}.{last.lower()}"
        country, phone = "KH", kh_phone
        domains = KH_DOMAINS
        branch = "PP" if rng.random() < 0.65 else "SR"
    else:  # Russian
        sur, sur_l = rng.choice(RU_SURNAMES)
        female = rng.random() < 0.5
        giv, giv_l = rng.choice(RU_FEMALE if female else RU_MALE)
        if company:
            word, word_l = rng.choice(RU_COMPANY)
            if rng.random() < 0.7:
                data["name"] = f"ООО «{word}»"
                data["legal_name"] = f"Общество с ограниченной ответственностью «{word}»"
                local = f"info.{word_l}"
            else:
                data["name"] = f"ИП {sur}{'а' if female else ''} {giv[0]}. {rng.choice(RU_PATRONYMIC)[0]}."
                local = f"ip.{sur_l}"
        else:
            data["name"] = f"{sur}{'а' if female else ''} {giv}"
            local = f"{giv_l}.{sur_l}"
        country, phone = "RU", ru_phone
        domains = RU_DOMAINS
        branch = "MOW"
    data["country"] = country
    if company or rng.random() < 0.3:
        data["tax_id"] = (ru_inn if country == "RU" else kh_tin)(i, rng, not company)
    typed, _ = phone(i, rng)
    phones = [{"number": typed, "kind": "mobile" if not company else "work"}]
    if rng.random() < 0.2:
        phones.append({"number": phone(i, rng, salt=1)[0], "kind": "work" if not company else "mobile"})
    data["phones"] = phones
    if rng.random() < 0.8:
        data["emails"] = [{"email": f"{local}{i % 997}@{rng.choice(domains)}", "kind": "work"}]
    if rng.random() < 0.3:
        city = {"KH": ["Phnom Penh", "Siem Reap", "Battambang", "Kampot"], "RU": ["Москва", "Химки", "Подольск"]}
        data["addresses"] = [{"kind": "actual", "country": country, "city": rng.choice(city[country]),
                              "line1": f"{rng.randrange(1, 300)}, {rng.randrange(1, 400)} St."}]
    tags = _tags(rng)
    if tags:
        data["tags"] = tags
    seg = rng.random()
    data["segment"] = "retail" if seg < 0.55 else "wholesale" if seg < 0.80 else "corporate" if seg < 0.95 else None
    data["lead_source"] = rng.choice([code for code, _ in LEAD_SOURCES])
    data["branch_id"] = branches[branch]
    data["consent_to_mailings"] = rng.random() < 0.4
    return data


def client_rows(n: int, branches: dict[str, int], seed: int = 20261128, start: int = 0) -> Iterator[dict[str, Any]]:
    """n batch rows `{"op": "create", "ref": ..., "data": {...}}`, the same for the same seed."""
    rng = random.Random(seed)
    for i in range(start, start + n):
        yield {"op": "create", "ref": f"c{i}", "data": client(i, rng, branches)}
