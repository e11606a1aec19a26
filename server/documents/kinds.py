"""The document kinds, and what a template of each kind may use: declared by one sample context per kind.

The sample context is the contract between the context builders (`context.py`) and the templates:
a template may use exactly the paths the sample has (`company.tax_id`, `lines[].qty`, …). The lint
checks uploaded and shipped templates against it, the previews render with it, and a test checks
that the builders hand every template the same shape.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .formats import format_amount, format_date, format_percent, format_quantity
from .words import amount_words

LANGUAGES = ("en", "km", "ru")
IMAGE_VARIABLES = ("barcode", "qr", "logo")


@dataclass(frozen=True)
class Kind:
    code: str
    family: str                 # the folder under templates/: contracts, invoices or payroll
    groups: tuple[str, ...]     # the context groups the kind has beyond the common ones
    series: str                 # the number prefix of its own gap-free series, "" when it reuses its source's number
    source: str                 # what it is made from: invoice, order, payment, payslip


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("sales_contract", "contracts", ("lines", "contract"), "CTR", "order"),
    Kind("service_contract", "contracts", ("lines", "contract"), "SCT", "order"),
    Kind("supply_agreement", "contracts", ("lines", "contract"), "SUP", "order"),
    Kind("invoice", "invoices", ("lines",), "", "invoice"),
    Kind("proforma", "invoices", ("lines",), "PRF", "order"),
    Kind("act", "invoices", ("lines",), "ACT", "invoice"),
    Kind("waybill", "invoices", ("lines",), "WB", "invoice"),
    Kind("upd", "invoices", ("lines",), "UPD", "invoice"),
    Kind("receipt", "invoices", ("payment",), "RCP", "payment"),
    # Made by the payroll API from a run's payslip (server/payroll/papers/payslips.py), never registered
    # here: its number is the run's and the employee's, and it has no client or manager.
    Kind("payslip", "payroll", ("payslip",), "", "payslip"),
)}

# Kinds the document registry generates, numbers and stores (POST /documents, batches, packages).
REGISTERED_SOURCES = ("invoice", "order", "payment")

# A contract has legal force only once both sides have signed it.
CONTRACT_KINDS = frozenset(k for k, v in KINDS.items() if v.family == "contracts")


def kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"unknown document kind {code!r}") from None


# --- the sample context ---------------------------------------------------------------------------
# Every value a template sees is a pre-formatted string (or a list of dicts of strings, or an image).
# The samples differ per language only in their words, never in their shape.

_PEOPLE = {
    "en": {"company": "Angkor Trading Co., Ltd.", "director": "Sokha Chan", "accountant": "Dara Keo",
           "client": "Mekong Foods Ltd.", "contact": "Vanna Lim", "manager": "Sophea Meas",
           "city": "Phnom Penh", "address": "No. 12, Street 214, Sangkat Boeung Raing, Phnom Penh",
           "client_address": "No. 45, Russian Federation Blvd, Phnom Penh", "bank": "ACLEDA Bank Plc.",
           "item": "Jasmine rice, 25 kg bag", "service": "Delivery within Phnom Penh", "unit": "bag",
           "subject": "the supply of food products according to the Specification",
           "purpose": "Payment for invoice INV-PP-2026-000123", "method": "Cash desk, Phnom Penh"},
    "km": {"company": "ក្រុមហ៊ុន អង្គរ ត្រេឌីង ឯ.ក", "director": "ចាន់ សុខា", "accountant": "កែវ ដារា",
           "client": "ក្រុមហ៊ុន មេគង្គ ហ្វូដ", "contact": "លឹម វណ្ណា", "manager": "មាស សុភា",
           "city": "ភ្នំពេញ", "address": "ផ្ទះលេខ ១២ ផ្លូវ ២១៤ សង្កាត់បឹងរាំង ភ្នំពេញ",
           "client_address": "ផ្ទះលេខ ៤៥ មហាវិថីសហព័ន្ធរុស្ស៊ី ភ្នំពេញ", "bank": "ធនាគារ អេស៊ីលីដា",
           "item": "អង្ករម្លិះ ២៥ គីឡូ", "service": "ដឹកជញ្ជូនក្នុងរាជធានីភ្នំពេញ", "unit": "បាវ",
           "subject": "ការផ្គត់ផ្គង់ផលិតផលម្ហូបអាហារ តាមបញ្ជីលម្អិត",
           "purpose": "ទូទាត់វិក្កយបត្រ INV-PP-2026-000123", "method": "បេឡា ភ្នំពេញ"},
    "ru": {"company": "ООО «Ангкор Трейдинг»", "director": "Иванов Иван Иванович",
           "accountant": "Петрова Мария Сергеевна", "client": "АО «Меконг Фудс»",
           "contact": "Смирнов Павел", "manager": "Кузнецова Анна", "city": "Москва",
           "address": "125009, г. Москва, ул. Тверская, д. 7, оф. 12",
           "client_address": "190000, г. Санкт-Петербург, Невский пр., д. 28", "bank": "ПАО Сбербанк",
           "item": "Рис жасминовый, мешок 25 кг", "service": "Доставка по городу", "unit": "шт",
           "subject": "поставка продуктов питания согласно Спецификации",
           "purpose": "Оплата по счёту INV-PP-2026-000123", "method": "Касса, Москва"},
}


def sample_context(kind_code: str, language: str, lines: int = 3) -> dict[str, Any]:
    """A realistic context for a kind, in a language: the shape every builder must hand out."""
    k = kind(kind_code)
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    p = _PEOPLE[language]
    cur = "RUB" if language == "ru" else "USD"
    day = dt.date(2026, 11, 28)
    money = lambda v: format_amount(v, cur, language)  # noqa: E731

    rows, net_sum, tax_sum = [], Decimal(0), Decimal(0)
    for n in range(1, lines + 1):
        qty, price = Decimal(n % 4 + 1), Decimal("12.50") + Decimal("3.75") * n
        net = (qty * price).quantize(Decimal("0.01"))
        tax = (net * Decimal("0.10")).quantize(Decimal("0.01"))
        net_sum, tax_sum = net_sum + net, tax_sum + tax
        rows.append({
            "no": str(n), "sku": f"RICE-{n:03d}", "description": p["service"] if n == lines else p["item"],
            "qty": format_quantity(qty, language), "unit": p["unit"], "price": money(price),
            "discount": format_percent(Decimal(0), language), "net": money(net),
            "tax_rate": format_percent(Decimal(10), language), "tax": money(tax), "total": money(net + tax),
        })
    total = net_sum + tax_sum

    ctx: dict[str, Any] = {
        "doc": {
            "kind": k.code, "number": f"{k.series or 'INV'}-PP-2026-000123", "date": format_date(day, language),
            "date_short": format_date(day, language, "short"), "city": p["city"], "language": language,
        },
        "company": {
            "name": p["company"], "legal_name": p["company"], "tax_id": "K001-901234567",
            "address": p["address"], "phone": "+855 23 456 789", "email": "office@angkor-trading.example",
            "director": p["director"], "accountant": p["accountant"], "bank_name": p["bank"],
            "bank_account": "0001-00-123456-1-2", "bank_bic": "ACLBKHPP",
        },
        "client": {
            "name": p["client"], "legal_name": p["client"], "tax_id": "K002-109876543",
            "address": p["client_address"], "phone": "+855 12 345 678", "email": "buyer@mekong-foods.example",
            "contact": p["contact"],
        },
        "manager": {"name": p["manager"], "email": "sophea@angkor-trading.example", "phone": "+855 17 222 333"},
        "barcode": "", "qr": "", "logo": "",
    }
    if "lines" in k.groups:
        ctx["lines"] = rows
        ctx["totals"] = {
            "net": money(net_sum), "tax": money(tax_sum), "total": money(total), "currency": cur,
            "count": str(lines), "qty": format_quantity(sum((Decimal(n % 4 + 1) for n in range(1, lines + 1)),
                                                            Decimal(0)), language),
            "second_total": format_amount(total * 4100, "KHR", language) if cur == "USD" else "",
            "second_currency": "KHR" if cur == "USD" else "", "rate": "4,100" if cur == "USD" else "",
            "paid": money(Decimal(0)), "due": money(total),
        }
        ctx["total_words"] = amount_words(total, cur, language)
        ctx["source"] = {
            "number": "INV-PP-2026-000123", "date": format_date(day, language),
            "due_date": format_date(day + dt.timedelta(days=30), language),
            "order_number": "SO-PP-2026-000045", "order_date": format_date(day - dt.timedelta(days=3), language),
            "payment_terms": "30", "notes": "",
        }
    if "contract" in k.groups:
        ctx["contract"] = {
            "subject": p["subject"], "valid_until": format_date(dt.date(2027, 12, 31), language),
            "payment_days": "30", "delivery_days": "10", "prepayment": format_percent(Decimal(30), language),
            "total": money(total), "total_words": amount_words(total, cur, language), "currency": cur,
        }
    if "payment" in k.groups:
        amount = Decimal("1234.56") if cur == "USD" else Decimal("98765.40")
        ctx["payment"] = {
            "number": "RCT-PP-2026-000077", "date": format_date(day, language), "amount": money(amount),
            "currency": cur, "amount_words": amount_words(amount, cur, language), "method": p["method"],
            "purpose": p["purpose"], "received_from": p["client"],
            "allocations": [{"number": "INV-PP-2026-000123", "date": format_date(day, language),
                             "amount": money(amount)}],
        }
    if "payslip" in k.groups:
        # The company's paper to its own employee: no client, no manager.
        del ctx["client"], ctx["manager"]
        ctx["doc"]["number"] = "PR-PP-2026-000011/E00007"
        ctx.update(_payslip_sample(language, cur, day))
    return ctx


# The sample payslip: one month of a salaried employee with overtime, tax and an advance withheld, and
# the employer's contribution. Amounts are the same figures in every language, as in the other samples.
_PAYSLIP_SAMPLE = {
    "en": {"employee": "Chan Dara", "position": "Sales manager", "department": "Sales", "period": "November 2026",
           "earnings": (("salary", "Salary", "1200.00 × 21 worked days / 21 working days of the month "
                                            "(2026-11-01 – 2026-11-30)", "1200.00"),
                        ("overtime", "Overtime", "7.1429 an hour × 1.5 × 4 overtime hours", "42.86")),
           "deductions": (("kh_salary_tax", "Tax on salary",
                           "5% of 1242.86, less 0 withheld before, rounded to 100 KHR", "12.14"),
                          ("advance", "Advance", "Advance paid on 2026-11-15 (request 41)", "300.00")),
           "contributions": (("kh_nssf_pension_er", "NSSF pension (employer)",
                              "2% of 1242.86, less 0 withheld before, rounded to 100 KHR", "24.86"),),
           "note": ""},
    "km": {"employee": "ចាន់ ដារា", "position": "អ្នកគ្រប់គ្រងផ្នែកលក់", "department": "ផ្នែកលក់",
           "period": "ខែវិច្ឆិកា ឆ្នាំ២០២៦",
           "earnings": (("salary", "ប្រាក់បៀវត្សរ៍", "1200.00 × 21 ថ្ងៃធ្វើការ / 21 ថ្ងៃធ្វើការនៃខែ "
                                                  "(2026-11-01 – 2026-11-30)", "1200.00"),
                        ("overtime", "ម៉ោងបន្ថែម", "7.1429 ក្នុងមួយម៉ោង × 1.5 × 4 ម៉ោងបន្ថែម", "42.86")),
           "deductions": (("kh_salary_tax", "ពន្ធលើប្រាក់បៀវត្សរ៍", "5% នៃ 1242.86 ដក 0 ដែលបានកាត់ពីមុន "
                                                                    "បង្គត់ត្រឹម 100 KHR", "12.14"),
                          ("advance", "ប្រាក់បុរេប្រទាន", "ប្រាក់បុរេប្រទានបានបើកនៅ 2026-11-15 (សំណើ 41)", "300.00")),
           "contributions": (("kh_nssf_pension_er", "សោធននិវត្តន៍ ប.ស.ស. (ចំណែកនិយោជក)",
                              "2% នៃ 1242.86 ដក 0 ដែលបានកាត់ពីមុន បង្គត់ត្រឹម 100 KHR", "24.86"),),
           "note": ""},
    "ru": {"employee": "Иванова Анна Сергеевна", "position": "Менеджер по продажам", "department": "Отдел продаж",
           "period": "ноябрь 2026\u00a0г.",
           "earnings": (("salary", "Оклад", "1200.00 × 21 отработанных дней / 21 рабочий день месяца "
                                          "(2026-11-01 – 2026-11-30)", "1200.00"),
                        ("overtime", "Сверхурочные", "7.1429 в час × 1.5 × 4 сверхурочных часа", "42.86")),
           "deductions": (("ru_ndfl", "НДФЛ", "13% от 1242.86, минус 0 удержанных ранее, округлено до 1 RUB", "12.14"),
                          ("advance", "Аванс", "Аванс выплачен 2026-11-15 (заявка 41)", "300.00")),
           "contributions": (("ru_insurance", "Страховые взносы по единому тарифу",
                              "30% от 1242.86, минус 0 уплаченных ранее, округлено до 0.01 RUB", "24.86"),),
           "note": ""},
}


def _payslip_sample(language: str, cur: str, day: dt.date) -> dict[str, Any]:
    p = _PAYSLIP_SAMPLE[language]
    sums: dict[str, Decimal] = {}
    out: dict[str, Any] = {}
    for section in ("earnings", "deductions", "contributions"):
        rows = []
        for n, (code, name, explanation, amount) in enumerate(p[section], start=1):
            rows.append({"no": str(n), "code": code, "name": name, "explanation": explanation,
                         # Taxes and contributions show the base they were computed on; other lines have none.
                         "base": format_amount(Decimal("1242.86"), cur, language) if code.startswith(("kh_", "ru_"))
                         else "",
                         "amount": format_amount(Decimal(amount), cur, language)})
        out[section] = rows
        sums[section] = sum((Decimal(r[3]) for r in p[section]), Decimal(0))
    net = sums["earnings"] - sums["deductions"]
    out["run"] = {"number": "PR-PP-2026-000011", "period": p["period"],
                  "period_start": format_date(day.replace(day=1), language),
                  "period_end": format_date(dt.date(day.year, day.month, 30), language),
                  "note": p["note"]}
    out["employee"] = {"number": "E00007", "name": p["employee"], "position": p["position"],
                       "department": p["department"], "tax_id": "100-234-567", "social_id": "NSSF-0012345",
                       "bank_account": "0001-00-765432-1-9"}
    out["time"] = {"norm_days": "21", "worked_days": "21", "norm_hours": format_quantity(Decimal(168), language),
                   "worked_hours": format_quantity(Decimal(168), language)}
    out["totals"] = {"gross": format_amount(sums["earnings"], cur, language),
                     "deductions": format_amount(sums["deductions"], cur, language),
                     "net": format_amount(net, cur, language),
                     "contributions": format_amount(sums["contributions"], cur, language),
                     "cost": format_amount(sums["earnings"] + sums["contributions"], cur, language), "currency": cur}
    out["net_words"] = amount_words(net, cur, language)
    return out


def paths_of(context: dict[str, Any]) -> frozenset[str]:
    """The variable paths a context offers: `company.name`, `lines[].qty` (a list's first item stands for all)."""
    paths: set[str] = set()

    def walk(prefix: str, value: Any) -> None:
        paths.add(prefix)
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        elif isinstance(value, list) and value:
            walk(f"{prefix}[]", value[0])

    for key, value in context.items():
        walk(key, value)
    return frozenset(paths)


def known_paths(kind_code: str) -> frozenset[str]:
    """The variable paths a template of this kind may use: `company.name`, `lines[].qty`, `barcode`."""
    return paths_of(sample_context(kind_code, "en", lines=1))
