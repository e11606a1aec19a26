"""What each kind of import takes: its fields, their types, and the headers people give them in en/km/ru."""
from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("clients", "contacts", "products", "balances")


@dataclass(frozen=True)
class Field:
    key: str
    type: str  # text, id (phones, tax ids: digits kept as typed), email, decimal, date, bool, choice, list
    headers: tuple[str, ...]  # exact header texts, already folded (see fold_header)
    many: bool = False  # several columns may map here (two phone columns)
    identifies: bool = False  # a row without any identifying field is not a record


def fold_header(text: str) -> str:
    """A header as compared: case folded, punctuation and repeated spaces gone, ё as е."""
    folded = text.casefold().replace("ё", "е").replace("\u200b", "")
    folded = re.sub(r"[\s.:;,*()\[\]/\\#№_\-–—'\"«»?!]+", " ", folded)
    return folded.strip()


def _h(*names: str) -> tuple[str, ...]:
    return tuple(fold_header(n) for n in names)


_PHONE = _h("phone", "phones", "tel", "telephone", "mobile", "mobile phone", "cell", "cell phone", "phone number",
            "phone no", "contact number", "тел", "телефон", "телефоны", "моб", "мобильный", "мобильный телефон",
            "сотовый", "номер телефона", "контактный телефон", "ទូរស័ព្ទ", "លេខទូរស័ព្ទ", "ទូរសព្ទ", "លេខទូរសព្ទ",
            "ទូរស័ព្ទដៃ")
_EMAIL = _h("email", "e-mail", "mail", "email address", "e-mail address", "эл почта", "электронная почта", "почта",
            "емейл", "имейл", "e mail", "អ៊ីមែល", "អ៉ីមែល", "សារអេឡិចត្រូនិច")
_CLIENT_NAME = _h("name", "client", "customer", "company", "client name", "customer name", "company name",
                  "full name", "organization", "organisation", "counterparty", "account", "account name", "partner",
                  "наименование", "название", "клиент", "контрагент", "покупатель", "организация", "фио",
                  "имя", "наименование контрагента", "название компании", "наименование организации", "партнер",
                  "ឈ្មោះ", "ឈ្មោះអតិថិជន", "អតិថិជន", "ក្រុមហ៊ុន", "ឈ្មោះក្រុមហ៊ុន", "ដៃគូ")
_TAX_ID = _h("tax id", "tin", "vat", "vat number", "vat no", "vat id", "tax number", "tax no", "vattin", "inn",
             "инн", "унп", "бин", "иин", "инн контрагента", "налоговый номер",
             "លេខអត្តសញ្ញាណកម្មសារពើពន្ធ", "លេខ vat", "លេខ vattin", "លេខសម្គាល់ពន្ធ", "លេខពន្ធ")

FIELDS: dict[str, tuple[Field, ...]] = {
    "clients": (
        Field("name", "text", _CLIENT_NAME, identifies=True),
        Field("legal_name", "text", _h("legal name", "full legal name", "registered name", "official name",
                                       "полное наименование", "юридическое наименование", "юр наименование",
                                       "ឈ្មោះស្របច្បាប់", "ឈ្មោះផ្លូវការ")),
        Field("person_type", "choice", _h("type", "entity type", "person or company", "тип", "вид лица",
                                          "юр физ лицо", "ប្រភេទ")),
        Field("kind", "choice", _h("relation", "role", "client or supplier", "вид контрагента", "роль",
                                   "តួនាទីដៃគូ")),
        Field("country", "text", _h("country", "country code", "страна", "ប្រទេស")),
        Field("tax_id", "id", _TAX_ID, identifies=True),
        Field("phone", "id", _PHONE + _h("phone 2", "other phone", "second phone", "доп телефон",
                                         "телефон 2", "ទូរស័ព្ទ 2"), many=True, identifies=True),
        Field("email", "email", _EMAIL + _h("email 2", "other email", "доп почта"), many=True, identifies=True),
        Field("address", "text", _h("address", "street", "street address", "адрес", "улица", "юридический адрес",
                                    "фактический адрес", "អាសយដ្ឋាន")),
        Field("city", "text", _h("city", "town", "город", "населенный пункт", "ក្រុង", "ទីក្រុង")),
        Field("region", "text", _h("region", "state", "province", "область", "регион", "край", "ខេត្ត",
                                   "ខេត្ត ក្រុង")),
        Field("postal_code", "text", _h("zip", "zip code", "postcode", "postal code", "индекс",
                                        "почтовый индекс", "លេខកូដប្រៃសណីយ៍")),
        Field("contact_name", "text", _h("contact", "contact person", "contact name", "контактное лицо",
                                         "контакт", "អ្នកទំនាក់ទំនង")),
        Field("contact_role", "text", _h("position", "job title", "title", "contact position", "должность",
                                         "តួនាទី", "មុខតំណែង")),
        Field("segment", "text", _h("segment", "client group", "customer group", "сегмент", "группа клиентов",
                                    "группа", "ផ្នែក", "ក្រុមអតិថិជន")),
        Field("lead_source", "text", _h("source", "lead source", "channel", "источник", "канал", "ប្រភព")),
        Field("tags", "list", _h("tags", "tag", "labels", "метки", "теги", "ярлыки", "ស្លាក"), many=True),
        Field("consent", "bool", _h("consent", "mailing consent", "subscribed", "согласие на рассылку",
                                    "согласие", "подписан", "យល់ព្រម")),
        Field("notes", "text", _h("notes", "note", "comment", "comments", "remarks", "примечание", "примечания",
                                  "комментарий", "заметки", "កំណត់សម្គាល់", "ចំណាំ"), many=True),
    ),
    "contacts": (
        Field("client", "text", _h("client", "customer", "company", "client name", "customer name", "company name",
                                   "organization", "organisation", "counterparty", "клиент", "контрагент",
                                   "организация", "компания", "покупатель", "អតិថិជន", "ក្រុមហ៊ុន",
                                   "ឈ្មោះអតិថិជន", "ឈ្មោះក្រុមហ៊ុន"), identifies=True),
        Field("client_tax_id", "id", _TAX_ID + _h("client tax id", "client inn", "инн клиента"), identifies=True),
        Field("name", "text", _h("contact", "contact name", "contact person", "name", "full name", "person",
                                 "контактное лицо", "фио", "имя", "контакт", "ឈ្មោះ", "អ្នកទំនាក់ទំនង")),
        Field("role", "text", _h("position", "job title", "title", "role", "должность", "роль", "តួនាទី",
                                 "មុខតំណែង")),
        Field("phone", "id", _PHONE),
        Field("email", "email", _EMAIL),
        Field("notes", "text", _h("notes", "comment", "примечание", "комментарий", "កំណត់សម្គាល់")),
    ),
    "products": (
        Field("sku", "id", _h("sku", "code", "article", "item code", "product code", "part number", "art",
                              "артикул", "код", "код товара", "арт", "កូដ", "លេខកូដ", "កូដទំនិញ"), identifies=True),
        Field("name", "text", _h("name", "product", "item", "description", "product name", "item name",
                                 "goods", "service", "наименование", "товар", "номенклатура", "название",
                                 "наименование товара", "услуга", "ឈ្មោះ", "ទំនិញ", "ផលិតផល", "ឈ្មោះទំនិញ",
                                 "សេវាកម្ម"), identifies=True),
        Field("category", "text", _h("category", "group", "product group", "категория", "группа",
                                     "группа товаров", "вид номенклатуры", "ប្រភេទ", "ក្រុមទំនិញ")),
        Field("kind", "choice", _h("kind", "type", "item type", "goods or service", "тип", "вид",
                                   "товар услуга", "ប្រភេទទំនិញ")),
        Field("unit", "text", _h("unit", "uom", "unit of measure", "ед", "ед изм", "единица", "единица измерения",
                                 "ឯកតា")),
        Field("barcode", "id", _h("barcode", "ean", "ean13", "upc", "gtin", "штрихкод", "штрих код", "ш к",
                                  "បាកូដ", "លេខបាកូដ"), identifies=True),
        Field("tax_rate", "decimal", _h("vat", "vat %", "tax", "tax rate", "ндс", "ставка ндс", "ндс %",
                                        "អាករ", "អតប")),
        Field("price", "decimal", _h("price", "sale price", "selling price", "retail price", "unit price",
                                     "цена", "цена продажи", "розничная цена", "отпускная цена", "តម្លៃ",
                                     "តម្លៃលក់")),
        Field("purchase_price", "decimal", _h("cost", "purchase price", "buying price", "cost price",
                                              "закупочная цена", "цена закупки", "себестоимость", "តម្លៃទិញ",
                                              "ថ្លៃដើម")),
        Field("currency", "text", _h("currency", "curr", "валюта", "វ៉ាលុយ", "រូបិយប័ណ្ណ")),
    ),
    "balances": (
        Field("client", "text", _CLIENT_NAME + _h("debtor", "creditor", "должник", "дебитор", "кредитор"),
              identifies=True),
        Field("client_tax_id", "id", _TAX_ID, identifies=True),
        Field("amount", "decimal", _h("amount", "balance", "sum", "total", "opening balance", "outstanding",
                                      "amount due", "debt", "сумма", "остаток", "сальдо", "задолженность", "долг",
                                      "សមតុល្យ", "ចំនួនទឹកប្រាក់", "ទឹកប្រាក់", "បំណុល")),
        Field("receivable", "decimal", _h("they owe", "receivable", "debit", "дебет", "дт", "дебиторская",
                                          "дебиторская задолженность", "ឥណពន្ធ", "ប្រាក់ត្រូវទទួល")),
        Field("payable", "decimal", _h("we owe", "payable", "credit", "кредит", "кт", "кредиторская",
                                       "кредиторская задолженность", "ឥណទាន", "ប្រាក់ត្រូវសង")),
        Field("currency", "text", _h("currency", "curr", "валюта", "រូបិយប័ណ្ណ")),
        Field("date", "date", _h("date", "as of", "balance date", "дата", "на дату", "កាលបរិច្ឆេទ")),
        Field("due_date", "date", _h("due date", "due", "pay by", "срок оплаты", "срок", "ថ្ងៃផុតកំណត់")),
        Field("reference", "text", _h("reference", "ref", "document", "invoice", "invoice number", "document number",
                                      "документ", "номер документа", "счет", "основание", "ឯកសារ", "លេខវិក្កយបត្រ")),
    ),
}

# Words that mark a totals row at the bottom of a list.
TOTAL_WORDS = frozenset(fold_header(w) for w in (
    "total", "totals", "grand total", "subtotal", "sum", "итого", "всего", "итог", "итого по всем", "сумма",
    "សរុប", "សរុបទាំងអស់",
))


def field_map(kind: str) -> dict[str, Field]:
    return {f.key: f for f in FIELDS[kind]}
