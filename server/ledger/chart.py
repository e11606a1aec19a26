"""The default chart of accounts every company starts with; companies add their own accounts beside it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Account

# code, role, type, English, Khmer, Russian. The role is what postings look accounts up by.
DEFAULT_CHART: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("1010", "cash", "asset", "Cash on hand", "សាច់ប្រាក់ក្នុងដៃ", "Касса"),
    ("1020", "bank", "asset", "Bank accounts", "គណនីធនាគារ", "Расчётные счета"),
    ("1100", "receivable", "asset", "Accounts receivable", "គណនីត្រូវទទួល", "Расчёты с покупателями"),
    ("1150", "supplier_advances", "asset", "Advances paid to suppliers", "ប្រាក់កក់ជូនអ្នកផ្គត់ផ្គង់",
     "Авансы выданные"),
    ("1200", "inventory", "asset", "Inventory", "ស្តុកទំនិញ", "Товары"),
    ("1300", "vat_in", "asset", "VAT on purchases", "អាករលើតម្លៃបន្ថែមលើការទិញ", "НДС по приобретённым ценностям"),
    ("1900", "transfers", "asset", "Money in transit", "ប្រាក់កំពុងផ្ទេរ", "Переводы в пути"),
    ("2100", "payable", "liability", "Accounts payable", "គណនីត្រូវសង", "Расчёты с поставщиками"),
    ("2150", "customer_advances", "liability", "Advances from customers", "ប្រាក់កក់ពីអតិថិជន",
     "Авансы полученные"),
    ("2200", "vat_out", "liability", "VAT on sales", "អាករលើតម្លៃបន្ថែមលើការលក់", "НДС с продаж"),
    ("2300", "salaries_payable", "liability", "Salaries payable", "ប្រាក់បៀវត្សត្រូវបើក", "Расчёты по оплате труда"),
    ("2350", "payroll_deductions", "liability", "Other payroll deductions", "ការកាត់ផ្សេងៗពីប្រាក់បៀវត្ស",
     "Прочие удержания из оплаты труда"),
    ("2400", "taxes_payable", "liability", "Taxes payable", "ពន្ធត្រូវបង់", "Расчёты по налогам"),
    ("2410", "contributions_payable", "liability", "Contributions payable", "ភាគទានត្រូវបង់",
     "Расчёты по страховым взносам"),
    ("3000", "capital", "equity", "Owner's capital", "ដើមទុនម្ចាស់", "Уставный капитал"),
    ("3100", "retained_earnings", "equity", "Retained earnings", "ប្រាក់ចំណេញរក្សាទុក", "Нераспределённая прибыль"),
    ("3900", "opening_balance", "equity", "Opening balances", "សមតុល្យដើមគ្រា", "Вспомогательный счёт (остатки)"),
    ("4000", "sales", "income", "Sales revenue", "ចំណូលពីការលក់", "Выручка"),
    ("4900", "other_income", "income", "Other income", "ចំណូលផ្សេងៗ", "Прочие доходы"),
    ("4950", "fx_gain", "income", "Exchange gains", "ចំណេញពីអត្រាប្តូរប្រាក់", "Положительные курсовые разницы"),
    ("5000", "purchases", "expense", "Cost of goods and purchases", "ថ្លៃដើមទំនិញ និងការទិញ", "Себестоимость и закупки"),
    ("6000", "expenses", "expense", "Operating expenses", "ចំណាយប្រតិបត្តិការ", "Расходы"),
    ("6100", "salaries", "expense", "Salaries", "ប្រាក់បៀវត្ស", "Оплата труда"),
    ("6110", "payroll_contributions", "expense", "Payroll contributions", "ភាគទានសន្តិសុខសង្គម",
     "Страховые взносы"),
    ("6950", "fx_loss", "expense", "Exchange losses", "ខាតពីអត្រាប្តូរប្រាក់", "Отрицательные курсовые разницы"),
)

ROLES = frozenset(row[1] for row in DEFAULT_CHART)


def ensure_chart(session: Session, company_id: int) -> dict[str, int]:
    """The company's role → account id map, creating the default chart the first time it is needed."""
    rows = session.execute(
        select(Account.role, Account.id).where(Account.company_id == company_id, Account.role.is_not(None))
    ).all()
    have = {role: id for role, id in rows}
    missing = [row for row in DEFAULT_CHART if row[1] not in have]
    for code, role, type_, en, km, ru in missing:
        acc = Account(company_id=company_id, code=code, role=role, type=type_, name=en, names={"km": km, "ru": ru})
        session.add(acc)
        session.flush()
        have[role] = acc.id
    return have
