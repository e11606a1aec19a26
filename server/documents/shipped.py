"""Builds the shipped Word templates (3 contracts, 6 invoice kinds, the payslip; each in en/km/ru) with python-docx.

Run `python -m server.documents.shipped` to rebuild templates/. Each template is laid out from
one `Layout` per kind (which blocks, which columns, which signatures) and one dict of words per
language (`WORDS`), so a wording fix is one edit and every document keeps the same structure.
The variables are exactly the paths of `kinds.sample_context`; tests/documents/test_shipped_build.py
checks that, renders every template, and checks templates/ is the current output of this module.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor, Twips

from .kinds import KINDS, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
LATIN_FONT = "Arial"                 # Word has it everywhere; LibreOffice maps it to Liberation Sans
KHMER_FONT = "Khmer OS System"       # Debian's fonts-khmeros; Word takes Khmer from the cs slot
FIXED = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # core properties must not change per build
GREY = RGBColor(0x59, 0x59, 0x59)
KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


# --- what each kind shows, in every language ------------------------------------------------------

# A signature column is a tuple of items: ("head", role) a bold role name; ("sign", who, name) a
# signature line over a name tag (None: left blank for handwriting); ("text", who) a line of words;
# ("date",) a blank date; ("stamp",) the place for the seal; ("image", "qr") the QR code.
SELLER_SIGNS = (("head", "seller"), ("sign", "director", "{{ company.director }}"),
                ("sign", "accountant", "{{ company.accountant }}"), ("stamp",))


@dataclass(frozen=True)
class Layout:
    blocks: tuple[str, ...]
    columns: tuple[str, ...] = ()              # the lines table, left to right
    totals: tuple[str, ...] = ()               # rows of the totals box under the lines table
    sums: tuple[str, ...] = ()                 # columns summed in the lines table's last row
    bold: tuple[str, ...] = ()                 # columns printed bold (the waybill's quantities)
    info: tuple[str, ...] = ()                 # document facts beside the client box
    parties: tuple[tuple[str, str], ...] = ()  # (role, party line) rows of a parties block
    signs: tuple[tuple[tuple, ...], ...] = ()
    landscape: bool = False


CONTRACT = Layout(
    blocks=("header", "contract_title", "preamble", "sections", "requisites", "appendix"),
    columns=("no", "description", "qty", "unit", "price", "net", "tax_rate", "tax", "total"),
    totals=("net", "tax", "total"))

LAYOUTS: dict[str, Layout] = {
    "sales_contract": CONTRACT, "service_contract": CONTRACT, "supply_agreement": CONTRACT,
    "invoice": Layout(
        blocks=("header", "title", "client_box", "bank", "lines", "totals", "in_words", "terms", "notes", "signs"),
        # As a Cambodian tax invoice and a Russian счёт print it: net amounts per line, the tax in the totals.
        columns=("no", "description", "qty", "unit", "price", "discount", "net"),
        totals=("net", "tax", "total"), info=("number", "date", "due", "order", "currency"),
        signs=(SELLER_SIGNS, (("head", "buyer"), ("sign", "received", "{{ client.contact }}"), ("date",)),
               (("image", "qr"),))),
    "proforma": Layout(
        blocks=("header", "title", "client_box", "bank", "lines", "totals", "in_words", "terms", "notice", "notes",
                "signs"),
        columns=("no", "description", "qty", "unit", "price", "discount", "net", "tax", "total"),
        totals=("net", "tax", "total"), info=("number", "date", "valid", "order", "currency"),
        signs=(SELLER_SIGNS, (("image", "qr"),))),
    "act": Layout(
        blocks=("header", "title", "parties", "lines", "totals", "in_words", "statement", "notes", "signs"),
        columns=("no", "description", "qty", "unit", "price", "net", "tax", "total"), totals=("net", "tax", "total"),
        parties=(("contractor", "company"), ("customer", "client"), ("basis", "invoice")),
        signs=((("head", "contractor"), ("sign", "director", "{{ company.director }}"), ("stamp",)),
               (("head", "customer"), ("sign", "representative", "{{ client.contact }}"), ("stamp",)))),
    "waybill": Layout(
        blocks=("header", "parties", "title", "lines", "second", "in_words", "statement", "notes", "signs"),
        columns=("no", "sku", "description", "unit", "qty", "price", "net", "tax_rate", "tax", "total"),
        sums=("qty", "net", "tax", "total"), bold=("qty",),
        parties=(("shipper", "company"), ("consignee", "client"), ("supplier", "company_bank"), ("payer", "client"),
                 ("basis", "invoice_order")),
        signs=((("head", "shipper"), ("sign", "released", "{{ company.director }}"),
                ("sign", "accountant", "{{ company.accountant }}"), ("sign", "shipped", "{{ manager.name }}"),
                ("stamp",)),
               (("head", "consignee"), ("sign", "accepted", None),
                ("sign", "consignee_received", "{{ client.contact }}"), ("date",), ("stamp",)))),
    "upd": Layout(
        blocks=("header", "upd_head", "lines", "second", "in_words", "signs", "upd_basis", "upd_signs"),
        columns=("no", "sku", "description", "unit", "qty", "price", "net", "excise", "tax_rate", "tax", "total"),
        sums=("net", "tax", "total"), landscape=True,
        signs=((("sign", "upd_head", "{{ company.director }}"),), (("sign", "upd_acc", "{{ company.accountant }}"),))),
    "receipt": Layout(
        blocks=("header", "title", "payment", "allocations", "statement", "signs"),
        signs=((("sign", "accountant", "{{ company.accountant }}"), ("sign", "cashier", None), ("stamp",)),
               (("image", "qr"),))),
    "payslip": Layout(blocks=("header", "payslip_head", "payslip_employee", "payslip_lines", "payslip_totals",
                              "payslip_signs")),
}

UPD_SIGNS = ((("sign", "upd10", "{{ company.director }}"), ("text", "upd11"), ("text", "upd12"),
              ("sign", "upd13", "{{ manager.name }}"), ("text", "upd14"), ("stamp",)),
             (("sign", "upd15", "{{ client.contact }}"), ("text", "upd16"), ("text", "upd17"),
              ("sign", "upd18", None), ("text", "upd19"), ("stamp",)))

# Relative column widths of the lines table, scaled to the page; numbers align right.
WEIGHTS = {"no": 1.0, "sku": 1.9, "description": 4.4, "qty": 1.5, "unit": 1.1, "price": 1.8, "discount": 1.6,
           "net": 2.0, "tax_rate": 1.5, "tax": 1.7, "total": 2.0, "excise": 1.6}
# The УПД's headers are long ("Сумма налога, предъявляемая покупателю (8)"): wider money columns.
UPD_WEIGHTS = {**WEIGHTS, "sku": 1.4, "description": 4.6, "qty": 1.6, "net": 2.2, "excise": 1.8,
               "tax_rate": 1.3, "tax": 2.2, "total": 2.2}
RIGHT = {"qty", "price", "discount", "net", "tax", "total"}
CENTER = {"no", "unit", "tax_rate", "excise"}

PARTY = {  # party lines: label keys in {braces} come from the language's "req" words
    "company": "{{ company.legal_name }}, {tax} {{ company.tax_id }}, {{ company.address }}, {tel} {{ company.phone }}",
    "client": "{{ client.legal_name }}, {tax} {{ client.tax_id }}, {{ client.address }}, {tel} {{ client.phone }}",
    "company_bank": "{{ company.legal_name }}, {account} {{ company.bank_account }}, {bank} {{ company.bank_name }}, "
                    "{bic} {{ company.bank_bic }}",
}
INFO = {"number": "{{ doc.number }}", "date": "{{ doc.date }}", "due": "{{ source.due_date }}",
        "valid": "{{ source.due_date }}", "order": "{{ source.order_number }}", "currency": "{{ totals.currency }}"}


# --- the words, per language ----------------------------------------------------------------------

EN: dict[str, Any] = {
    "lang": "en-US",
    "title_fmt": "{title} No. {{ doc.number }} dated {{ doc.date }}",
    "title": {"invoice": "TAX INVOICE", "proforma": "PROFORMA INVOICE", "act": "ACT OF COMPLETED WORK (SERVICES)",
              "waybill": "GOODS WAYBILL", "upd": "UNIVERSAL TRANSFER DOCUMENT", "receipt": "PAYMENT RECEIPT",
              "sales_contract": "SALES CONTRACT", "service_contract": "SERVICE CONTRACT",
              "supply_agreement": "SUPPLY AGREEMENT", "payslip": "PAYSLIP"},
    "req": {"address": "Address", "tax": "VATTIN", "tax_full": "VATTIN", "tel": "tel.", "phone": "Tel.",
            "email": "E-mail", "bank": "Bank", "account": "Account No.", "bic": "SWIFT/BIC",
            "contact": "Contact person"},
    "col": {"no": "No.", "sku": "Code", "description": "Description", "qty": "Qty", "unit": "Unit",
            "price": "Unit price", "discount": "Disc.", "net": "Amount excl. VAT", "tax_rate": "VAT rate",
            "tax": "VAT", "total": "Amount incl. VAT", "excise": "Excise"},
    "upd_col": {"no": "No.", "sku": "Item code (A)",
                "description": "Description of goods (work, services), property rights (1a)",
                "unit": "Unit (2a)", "qty": "Quantity (3)", "price": "Unit price (4)",
                "net": "Value without tax, total (5)", "excise": "Incl. excise (6)", "tax_rate": "Tax rate (7)",
                "tax": "Tax charged to the buyer (8)", "total": "Value with tax, total (9)"},
    "no_excise": "no excise",
    "tot": {"net": "Sub-total (excl. VAT)", "tax": "VAT", "total": "Grand total (incl. VAT)",
            "sum": "Total", "upd_sum": "Total payable (9)"},
    "second": "Equivalent: {{ totals.second_total }} {{ totals.second_currency }} at the exchange rate of "
              "{{ totals.rate }} {{ totals.second_currency }} per 1 {{ totals.currency }}",
    "words": "Amount in words:",
    "role": {"seller": "Seller", "buyer": "Buyer", "contractor": "Contractor", "customer": "Customer",
             "shipper": "Shipper", "consignee": "Consignee", "supplier": "Supplier", "payer": "Payer",
             "basis": "Basis", "bill_to": "Bill to"},
    "basis": {"invoice": "Invoice No. {{ source.number }} dated {{ source.date }}",
              "invoice_order": "Invoice No. {{ source.number }} dated {{ source.date }}, order No. "
                               "{{ source.order_number }} dated {{ source.order_date }}"},
    "info": {"number": "Document No.", "date": "Date", "due": "Due date", "valid": "Valid until",
             "order": "Order No.", "currency": "Currency"},
    "bank": {"bank": "Beneficiary's bank", "bic": "SWIFT/BIC", "account": "Account No.", "payee": "Beneficiary"},
    "who": {"director": "Director", "accountant": "Chief accountant", "received": "Received by",
            "representative": "Authorised representative", "released": "Release authorised by",
            "shipped": "Goods handed over by", "accepted": "Goods accepted by",
            "consignee_received": "Goods received by the consignee", "cashier": "Cashier",
            "upd_head": "Head of the organisation or other authorised person",
            "upd_acc": "Chief accountant or other authorised person",
            "upd10": "Goods (cargo) handed over / services, results of work, rights delivered by [10]",
            "upd11": "Date of shipment, transfer (delivery) [11]: {{ doc.date }}",
            "upd12": "Other information on shipment, transfer [12]: —",
            "upd13": "Responsible for the correct recording of the transaction [13]",
            "upd14": "Entity that drew up the document [14]: {{ company.legal_name }}, VATTIN {{ company.tax_id }}",
            "upd15": "Goods (cargo) received / services, results of work, rights accepted by [15]",
            "upd16": "Date of receipt (acceptance) [16]: ____ / ____ / ________",
            "upd17": "Other information on receipt, acceptance [17]: —",
            "upd18": "Responsible for the correct recording of the transaction [18]",
            "upd19": "Entity that drew up the document [19]: {{ client.legal_name }}, VATTIN {{ client.tax_id }}"},
    "sig_caption": "",  # the role is printed under the line instead
    "stamp": "L.S.",
    "date_blank": "Date: ____ / ____ / ________",
    "terms": ["Payment terms: {{ source.payment_terms }} days. Please pay by {{ source.due_date }} to the bank "
              "account above, quoting the invoice number."],
    "notice": {"proforma": ["This proforma invoice is a request for advance payment and is not a tax invoice. "
                            "A tax invoice will be issued on delivery of the goods (services)."]},
    "statement": {
        "act": ["Total services rendered: {{ totals.count }}, for the amount of {{ totals.total }} "
                "{{ totals.currency }}.",
                "The above work (services) has been performed in full and on time. The Customer has no claims "
                "regarding the scope, quality or timing of the work (services)."],
        "waybill": ["Total items: {{ totals.count }}; total quantity: {{ totals.qty }}; amount: {{ totals.total }} "
                    "{{ totals.currency }}.",
                    "The goods have been received in full and in proper packaging. The consignee has no claims "
                    "regarding the quantity, quality or appearance of the goods."],
        "receipt": ["The amount above has been received in full."]},
    "upd": {"status": ["Universal transfer document", "Status: 1",
                       "1 — tax invoice and transfer document (act)", "2 — transfer document (act)"],
            "rows": [("Tax invoice No.", "{{ doc.number }} dated {{ doc.date }}", "(1)"),
                     ("Correction No.", "—— dated ——", "(1a)"),
                     ("Seller:", "{{ company.legal_name }}", "(2)"),
                     ("Address:", "{{ company.address }}", "(2a)"),
                     ("Seller's VATTIN:", "{{ company.tax_id }}", "(2b)"),
                     ("Consignor and its address:", "the same", "(3)"),
                     ("Consignee and its address:", "{{ client.legal_name }}, {{ client.address }}", "(4)"),
                     ("To payment document No.", "—— dated ——", "(5)"),
                     ("Shipping document:", "items 1–{{ totals.count }}, No. {{ doc.number }} dated {{ doc.date }}",
                      "(5a)"),
                     ("Buyer:", "{{ client.legal_name }}", "(6)"),
                     ("Address:", "{{ client.address }}", "(6a)"),
                     ("Buyer's VATTIN:", "{{ client.tax_id }}", "(6b)"),
                     ("Currency: name, code", "{{ totals.currency }}", "(7)"),
                     ("Government contract (agreement) identifier, if any:", "", "(8)")],
            "basis": ["Basis for transfer (delivery) / receipt (acceptance) [8]: invoice No. {{ source.number }} "
                      "dated {{ source.date }}, order No. {{ source.order_number }} dated {{ source.order_date }}",
                      "Transport and cargo details [9]: —"]},
    "receipt": {"subtitle": "Payment No. {{ payment.number }} of {{ payment.date }}",
                "rows": [("Received from", "{{ payment.received_from }}"), ("Payer's VATTIN", "{{ client.tax_id }}"),
                         ("Purpose", "{{ payment.purpose }}"), ("Payment method", "{{ payment.method }}"),
                         ("Amount", "{{ payment.amount }} {{ payment.currency }}"),
                         ("Amount in words", "{{ payment.amount_words }}")],
                "alloc_heading": "Applied to the following documents",
                "alloc_cols": ("Document No.", "Date", "Amount"), "alloc_total": "Total"},
    "page": ("Page", "of"),
    "contract": {
        "roles": {"sales_contract": {"S": "Seller", "B": "Buyer", "C": "Contract"},
                  "service_contract": {"S": "Contractor", "B": "Customer", "C": "Contract"},
                  "supply_agreement": {"S": "Supplier", "B": "Buyer", "C": "Agreement"}},
        "title_fmt": "{title} No. {{ doc.number }}", "city": "{{ doc.city }}",
        "preamble": "{{ company.legal_name }}, represented by its Director {{ company.director }}, acting on the "
                    "basis of the Articles of Association, hereinafter the “{S}”, of the one part, and "
                    "{{ client.legal_name }}, represented by {{ client.contact }}, hereinafter the “{B}”, of the "
                    "other part, together the “Parties”, have concluded this {C} as follows:",
        "heading_fmt": "{n}. {title}", "clause_fmt": "{n}.{m}. ", "center": False, "justify": True,
        "requisites": "ADDRESSES, BANK DETAILS AND SIGNATURES OF THE PARTIES",
        "appendix": "Appendix No. 1 to {C} No. {{ doc.number }} dated {{ doc.date }}",
        "spec_title": "SPECIFICATION",
        "spec_terms": "Term of performance: {{ contract.delivery_days }} days. Payment: {{ contract.prepayment }} "
                      "in advance, the balance within {{ contract.payment_days }} days.",
        "sections": {
            "sales_contract": [
                ("SUBJECT OF THE CONTRACT", [
                    "The subject of this Contract is {{ contract.subject }}.",
                    "The Seller undertakes to transfer the goods into the ownership of the Buyer, and the Buyer "
                    "undertakes to accept the goods and pay for them under the terms of this Contract.",
                    "The name, quantity, unit price and total value of the goods are set out in the Specification "
                    "(Appendix No. 1), which is an integral part of this Contract.",
                    "The Seller warrants that the goods belong to it, are not pledged or under arrest and are free "
                    "from any rights of third parties."]),
                ("PRICE AND PAYMENT", [
                    "The total price of this Contract is {{ contract.total }} {{ contract.currency }} "
                    "({{ contract.total_words }}), including VAT.",
                    "The Buyer shall make a prepayment of {{ contract.prepayment }} of the Contract price within "
                    "5 (five) banking days of signing this Contract, on the basis of the Seller's invoice.",
                    "The balance shall be paid within {{ contract.payment_days }} days after the goods are "
                    "delivered and the waybill is signed.",
                    "Payment is made by bank transfer to the Seller's account stated in this Contract. The Buyer's "
                    "obligation to pay is fulfilled when the funds are credited to the Seller's account.",
                    "The price of the goods is fixed and may not be changed unilaterally."]),
                ("DELIVERY AND ACCEPTANCE", [
                    "The Seller shall deliver the goods within {{ contract.delivery_days }} days after receiving "
                    "the prepayment, to the Buyer's address stated in this Contract, unless the Parties agree "
                    "otherwise.",
                    "Ownership and the risk of accidental loss of or damage to the goods pass to the Buyer when the "
                    "goods are handed over and the waybill is signed.",
                    "The Buyer shall check the quantity of the goods and any visible defects on acceptance. Claims "
                    "shall be made in writing within 3 (three) working days after acceptance.",
                    "The goods are handed over with an invoice, a waybill and, where required, quality "
                    "certificates."]),
                ("QUALITY AND WARRANTY", [
                    "The quality of the goods shall comply with the applicable standards and technical regulations "
                    "and be confirmed by the manufacturer's documents.",
                    "The Seller shall replace goods of improper quality at its own expense within 10 (ten) days "
                    "after receiving the Buyer's written claim.",
                    "The packaging and marking of the goods shall keep them safe during transport and storage."]),
            ],
            "service_contract": [
                ("SUBJECT OF THE CONTRACT", [
                    "The subject of this Contract is {{ contract.subject }}.",
                    "The Contractor undertakes to render the services on the Customer's instructions, and the "
                    "Customer undertakes to accept and pay for the services.",
                    "The list, scope and cost of the services are set out in the Specification (Appendix No. 1), "
                    "which is an integral part of this Contract.",
                    "The Contractor renders the services itself and may engage third parties only with the "
                    "Customer's written consent."]),
                ("COST OF SERVICES AND PAYMENT", [
                    "The cost of the services under this Contract is {{ contract.total }} {{ contract.currency }} "
                    "({{ contract.total_words }}), including VAT.",
                    "The Customer shall pay an advance of {{ contract.prepayment }} within 5 (five) banking days "
                    "of signing this Contract.",
                    "The balance shall be paid within {{ contract.payment_days }} days after both Parties sign the "
                    "act of completed services.",
                    "Payment is made by bank transfer to the Contractor's account stated in this Contract."]),
                ("RENDERING AND ACCEPTANCE OF SERVICES", [
                    "The Contractor shall render the services within {{ contract.delivery_days }} days after "
                    "receiving the advance payment.",
                    "On completion, the Contractor shall hand the Customer an act of completed services in two "
                    "copies.",
                    "Within 5 (five) working days of receiving the act, the Customer shall sign it or send the "
                    "Contractor a reasoned refusal in writing. If no refusal is received within this period, the "
                    "services are deemed accepted.",
                    "Deficiencies found on acceptance are remedied by the Contractor at its own expense within a "
                    "period agreed by the Parties."]),
                ("RIGHTS AND OBLIGATIONS OF THE PARTIES", [
                    "The Contractor shall render the services properly, in full and on time, and inform the "
                    "Customer of their progress on request.",
                    "The Customer shall provide the information, documents and access needed to render the "
                    "services.",
                    "The Customer may check the progress and quality of the services at any time without "
                    "interfering with the Contractor's work.",
                    "Each Party shall keep confidential the information received from the other Party in "
                    "connection with this Contract."]),
            ],
            "supply_agreement": [
                ("SUBJECT OF THE AGREEMENT", [
                    "The subject of this Agreement is {{ contract.subject }}.",
                    "The Supplier undertakes to deliver the goods in batches during the term of this Agreement, "
                    "and the Buyer undertakes to accept and pay for them.",
                    "The range, quantity, price and delivery dates of each batch are agreed in Specifications or in "
                    "the Buyer's orders accepted by the Supplier, which are integral parts of this Agreement. The "
                    "first Specification is Appendix No. 1."]),
                ("PRICE AND PAYMENT", [
                    "The total value of the goods under Specification No. 1 is {{ contract.total }} "
                    "{{ contract.currency }} ({{ contract.total_words }}), including VAT.",
                    "The Buyer shall pay {{ contract.prepayment }} of the value of each batch in advance, on the "
                    "basis of the Supplier's invoice.",
                    "The balance for each batch shall be paid within {{ contract.payment_days }} days from the date "
                    "of delivery.",
                    "Prices of batches already agreed are fixed. The Supplier shall notify the Buyer of any change "
                    "in prices for later batches at least 30 (thirty) days in advance."]),
                ("DELIVERY TERMS", [
                    "Each batch is delivered within {{ contract.delivery_days }} days after the order is agreed, by "
                    "the Supplier's transport to the Buyer's warehouse, unless the Specification states otherwise.",
                    "The date of delivery is the date on which the Buyer's authorised representative signs the "
                    "waybill.",
                    "The goods are accepted for quantity and quality against the waybill; claims shall be made "
                    "within 3 (three) working days of delivery.",
                    "Each batch is accompanied by an invoice, a waybill and quality certificates."]),
                ("QUALITY, PACKAGING AND MARKING", [
                    "The quality of the goods shall comply with the applicable standards and be confirmed by "
                    "certificates of conformity.",
                    "The goods are delivered in packaging that keeps them safe during transport and storage, "
                    "marked as the law requires.",
                    "The Supplier shall replace goods of improper quality at its own expense within 10 (ten) days "
                    "after receiving a claim."]),
            ],
        },
        "common": [
            ("LIABILITY OF THE PARTIES", [
                "For failure to perform or improper performance of their obligations, the Parties are liable under "
                "this {C} and the applicable law.",
                "For late payment, the {B} shall pay the {S} a penalty of 0.1% of the overdue amount for each day "
                "of delay, but not more than 10% of that amount.",
                "For late performance of its obligations, the {S} shall pay the {B} a penalty of 0.1% of the value "
                "of the obligation not performed on time for each day of delay, but not more than 10% of that "
                "value.",
                "Payment of a penalty does not release the Parties from performing their obligations."]),
            ("FORCE MAJEURE", [
                "The Parties are released from liability for failure to perform their obligations caused by force "
                "majeure arising after this {C} was concluded: natural disasters, fire, flood, war, epidemics or "
                "acts of public authorities.",
                "The affected Party shall notify the other Party in writing within 5 (five) days of the beginning "
                "and the end of such circumstances, with documents of a competent authority confirming them.",
                "If such circumstances last more than 60 (sixty) days, either Party may terminate this {C} by "
                "written notice, after the Parties have settled accounts."]),
            ("DISPUTE RESOLUTION", [
                "The Parties shall settle disputes by negotiation. A written claim is mandatory; it shall be "
                "answered within 10 (ten) working days of receipt.",
                "Disputes not settled by negotiation are referred to the competent court of the Kingdom of "
                "Cambodia.",
                "This {C} is governed by the laws of the Kingdom of Cambodia."]),
            ("TERM OF THE {CU}", [
                "This {C} enters into force when signed by both Parties and is valid until "
                "{{ contract.valid_until }}, and as regards payments until the Parties have fully performed "
                "their obligations.",
                "This {C} may be terminated early by agreement of the Parties, or by either Party on 30 (thirty) "
                "days' written notice, after the Parties have settled accounts."]),
            ("FINAL PROVISIONS", [
                "Amendments and additions to this {C} are valid only if made in writing and signed by authorised "
                "representatives of both Parties.",
                "Documents signed and sent by e-mail are valid until the originals are exchanged; the originals "
                "shall be sent within 30 (thirty) days.",
                "This {C} is made in two copies of equal legal force, one for each Party.",
                "Appendix No. 1 “Specification” is an integral part of this {C}."]),
        ],
    },
}

RU: dict[str, Any] = {
    "lang": "ru-RU",
    "title_fmt": "{title} № {{ doc.number }} от {{ doc.date }}",
    "title": {"invoice": "СЧЁТ НА ОПЛАТУ", "proforma": "СЧЁТ-ПРОФОРМА",
              "act": "АКТ ВЫПОЛНЕННЫХ РАБОТ (ОКАЗАННЫХ УСЛУГ)", "waybill": "ТОВАРНАЯ НАКЛАДНАЯ",
              "upd": "УНИВЕРСАЛЬНЫЙ ПЕРЕДАТОЧНЫЙ ДОКУМЕНТ", "receipt": "КВИТАНЦИЯ",
              "sales_contract": "ДОГОВОР КУПЛИ-ПРОДАЖИ", "service_contract": "ДОГОВОР ВОЗМЕЗДНОГО ОКАЗАНИЯ УСЛУГ",
              "supply_agreement": "ДОГОВОР ПОСТАВКИ", "payslip": "РАСЧЁТНЫЙ ЛИСТОК"},
    "req": {"address": "Адрес", "tax": "ИНН", "tax_full": "ИНН", "tel": "тел.", "phone": "Телефон",
            "email": "E-mail", "bank": "Банк", "account": "р/с", "bic": "БИК", "contact": "Контактное лицо"},
    "col": {"no": "№", "sku": "Артикул", "description": "Наименование товара (работ, услуг)", "qty": "Кол-во",
            "unit": "Ед.", "price": "Цена", "discount": "Скидка", "net": "Сумма без НДС", "tax_rate": "Ставка НДС",
            "tax": "Сумма НДС", "total": "Сумма с НДС", "excise": "Акциз"},
    "upd_col": {"no": "№ п/п", "sku": "Код товара/ работ, услуг (А)",
                "description": "Наименование товара (описание выполненных работ, оказанных услуг), "
                               "имущественного права (1а)",
                "unit": "Ед. изм. (2а)", "qty": "Количество (объём) (3)", "price": "Цена (тариф) за единицу (4)",
                "net": "Стоимость без налога — всего (5)", "excise": "В том числе сумма акциза (6)",
                "tax_rate": "Налоговая ставка (7)", "tax": "Сумма налога, предъявляемая покупателю (8)",
                "total": "Стоимость с налогом — всего (9)"},
    "no_excise": "без акциза",
    "tot": {"net": "Итого без НДС:", "tax": "Сумма НДС:", "total": "Всего к оплате:",
            "sum": "Итого", "upd_sum": "Всего к оплате (9)"},
    "second": "Эквивалент: {{ totals.second_total }} {{ totals.second_currency }} по курсу {{ totals.rate }} "
              "{{ totals.second_currency }} за 1 {{ totals.currency }}",
    "words": "Сумма прописью:",
    "role": {"seller": "Поставщик (Продавец)", "buyer": "Покупатель", "contractor": "Исполнитель",
             "customer": "Заказчик", "shipper": "Грузоотправитель", "consignee": "Грузополучатель",
             "supplier": "Поставщик", "payer": "Плательщик", "basis": "Основание", "bill_to": "Покупатель"},
    "basis": {"invoice": "счёт № {{ source.number }} от {{ source.date }}",
              "invoice_order": "счёт № {{ source.number }} от {{ source.date }}, заказ № {{ source.order_number }} "
                               "от {{ source.order_date }}"},
    "info": {"number": "Номер документа", "date": "Дата", "due": "Оплатить до", "valid": "Действителен до",
             "order": "Заказ №", "currency": "Валюта"},
    "bank": {"bank": "Банк получателя", "bic": "БИК", "account": "Сч. №", "payee": "Получатель"},
    "who": {"director": "Директор", "accountant": "Главный бухгалтер", "received": "Получил",
            "representative": "Представитель", "released": "Отпуск груза разрешил",
            "shipped": "Отпуск груза произвёл", "accepted": "Груз принял",
            "consignee_received": "Груз получил грузополучатель", "cashier": "Кассир",
            "upd_head": "Руководитель организации или иное уполномоченное лицо",
            "upd_acc": "Главный бухгалтер или иное уполномоченное лицо",
            "upd10": "Товар (груз) передал / услуги, результаты работ, права сдал [10]",
            "upd11": "Дата отгрузки, передачи (сдачи) [11]: {{ doc.date }}",
            "upd12": "Иные сведения об отгрузке, передаче [12]: —",
            "upd13": "Ответственный за правильность оформления факта хозяйственной жизни [13]",
            "upd14": "Наименование экономического субъекта — составителя документа [14]: "
                     "{{ company.legal_name }}, ИНН {{ company.tax_id }}",
            "upd15": "Товар (груз) получил / услуги, результаты работ, права принял [15]",
            "upd16": "Дата получения (приёмки) [16]: «____» ______________ 20___ г.",
            "upd17": "Иные сведения о получении, приёмке [17]: —",
            "upd18": "Ответственный за правильность оформления факта хозяйственной жизни [18]",
            "upd19": "Наименование экономического субъекта — составителя документа [19]: "
                     "{{ client.legal_name }}, ИНН {{ client.tax_id }}"},
    "sig_caption": "подпись / расшифровка подписи",
    "stamp": "М.П.",
    "date_blank": "«____» ______________ 20___ г.",
    "terms": ["Оплатить не позднее {{ source.due_date }} (отсрочка платежа {{ source.payment_terms }} дн.). "
              "В назначении платежа, пожалуйста, укажите номер счёта."],
    "notice": {"proforma": ["Счёт-проформа выставлен для предварительной оплаты и не является счётом-фактурой. "
                            "Счёт-фактура (УПД) выставляется при отгрузке товаров (оказании услуг)."]},
    "statement": {
        "act": ["Всего оказано услуг {{ totals.count }}, на сумму {{ totals.total }} {{ totals.currency }}.",
                "Вышеперечисленные работы (услуги) выполнены полностью и в срок. Заказчик претензий по объёму, "
                "качеству и срокам оказания услуг не имеет."],
        "waybill": ["Всего наименований {{ totals.count }}, количество {{ totals.qty }}, на сумму "
                    "{{ totals.total }} {{ totals.currency }}.",
                    "Товар получен в полном объёме и в надлежащей упаковке. Претензий по количеству, качеству и "
                    "внешнему виду товара грузополучатель не имеет."],
        "receipt": ["Указанная сумма получена полностью."]},
    "upd": {"status": ["Универсальный передаточный документ", "Статус: 1",
                       "1 — счёт-фактура и передаточный документ (акт)", "2 — передаточный документ (акт)"],
            "rows": [("Счёт-фактура №", "{{ doc.number }} от {{ doc.date }}", "(1)"),
                     ("Исправление №", "—— от ——", "(1а)"),
                     ("Продавец:", "{{ company.legal_name }}", "(2)"),
                     ("Адрес:", "{{ company.address }}", "(2а)"),
                     ("ИНН/КПП продавца:", "{{ company.tax_id }}", "(2б)"),
                     ("Грузоотправитель и его адрес:", "он же", "(3)"),
                     ("Грузополучатель и его адрес:", "{{ client.legal_name }}, {{ client.address }}", "(4)"),
                     ("К платёжно-расчётному документу №", "—— от ——", "(5)"),
                     ("Документ об отгрузке:", "№ п/п 1–{{ totals.count }} № {{ doc.number }} от {{ doc.date }}",
                      "(5а)"),
                     ("Покупатель:", "{{ client.legal_name }}", "(6)"),
                     ("Адрес:", "{{ client.address }}", "(6а)"),
                     ("ИНН/КПП покупателя:", "{{ client.tax_id }}", "(6б)"),
                     ("Валюта: наименование, код", "{{ totals.currency }}", "(7)"),
                     ("Идентификатор государственного контракта, договора (соглашения) (при наличии):", "",
                      "(8)")],
            "basis": ["Основание передачи (сдачи) / получения (приёмки) [8]: счёт № {{ source.number }} от "
                      "{{ source.date }}, заказ № {{ source.order_number }} от {{ source.order_date }}",
                      "Данные о транспортировке и грузе [9]: —"]},
    "receipt": {"subtitle": "к приходному кассовому ордеру № {{ payment.number }} от {{ payment.date }}",
                "rows": [("Принято от", "{{ payment.received_from }}"), ("ИНН плательщика", "{{ client.tax_id }}"),
                         ("Основание", "{{ payment.purpose }}"), ("Способ оплаты", "{{ payment.method }}"),
                         ("Сумма", "{{ payment.amount }} {{ payment.currency }}"),
                         ("Сумма прописью", "{{ payment.amount_words }}")],
                "alloc_heading": "Зачтено в оплату документов",
                "alloc_cols": ("Номер документа", "Дата", "Сумма"), "alloc_total": "Итого"},
    "page": ("Стр.", "из"),
    "contract": {
        "roles": {"sales_contract": {"S": "Продавец", "S_d": "Продавцу", "B": "Покупатель", "B_d": "Покупателю",
                                     "C": "Договор"},
                  "service_contract": {"S": "Исполнитель", "S_d": "Исполнителю", "B": "Заказчик",
                                       "B_d": "Заказчику", "C": "Договор"},
                  "supply_agreement": {"S": "Поставщик", "S_d": "Поставщику", "B": "Покупатель",
                                       "B_d": "Покупателю", "C": "Договор"}},
        "title_fmt": "{title} № {{ doc.number }}", "city": "г. {{ doc.city }}",
        "preamble": "{{ company.legal_name }}, именуемое в дальнейшем «{S}», от имени которого действует Директор "
                    "{{ company.director }} на основании Устава, с одной стороны, и {{ client.legal_name }}, "
                    "именуемое в дальнейшем «{B}», от имени которого действует {{ client.contact }} на основании "
                    "Устава (доверенности), с другой стороны, совместно именуемые «Стороны», заключили настоящий "
                    "Договор о нижеследующем:",
        "heading_fmt": "{n}. {title}", "clause_fmt": "{n}.{m}. ", "center": True, "justify": True,
        "requisites": "АДРЕСА, РЕКВИЗИТЫ И ПОДПИСИ СТОРОН",
        "appendix": "Приложение № 1 к Договору № {{ doc.number }} от {{ doc.date }}",
        "spec_title": "СПЕЦИФИКАЦИЯ",
        "spec_terms": "Срок исполнения: {{ contract.delivery_days }} календарных дней. Порядок оплаты: аванс "
                      "{{ contract.prepayment }}, остаток в течение {{ contract.payment_days }} календарных дней.",
        "sections": {
            "sales_contract": [
                ("ПРЕДМЕТ ДОГОВОРА", [
                    "Предметом настоящего Договора является {{ contract.subject }}.",
                    "Продавец обязуется передать в собственность Покупателя товар, а Покупатель обязуется принять "
                    "товар и оплатить его на условиях настоящего Договора.",
                    "Наименование, количество, цена и общая стоимость товара указываются в Спецификации "
                    "(Приложение № 1), являющейся неотъемлемой частью настоящего Договора.",
                    "Продавец гарантирует, что товар принадлежит ему на праве собственности, не заложен, под арестом "
                    "не состоит и свободен от любых прав третьих лиц."]),
                ("ЦЕНА И ПОРЯДОК РАСЧЁТОВ", [
                    "Общая стоимость товара по настоящему Договору составляет {{ contract.total }} "
                    "{{ contract.currency }} ({{ contract.total_words }}), в том числе НДС.",
                    "Покупатель производит предварительную оплату в размере {{ contract.prepayment }} от стоимости "
                    "товара в течение 5 (пяти) банковских дней с даты подписания настоящего Договора на основании "
                    "счёта Продавца.",
                    "Оставшаяся часть стоимости товара оплачивается в течение {{ contract.payment_days }} "
                    "календарных дней с даты передачи товара и подписания товарной накладной (УПД).",
                    "Оплата производится путём перечисления денежных средств на расчётный счёт Продавца. "
                    "Обязательство Покупателя по оплате считается исполненным с момента зачисления денежных средств "
                    "на расчётный счёт Продавца.",
                    "Цена товара является твёрдой и не подлежит изменению в одностороннем порядке."]),
                ("ПОРЯДОК ПЕРЕДАЧИ И ПРИЁМКИ ТОВАРА", [
                    "Продавец передаёт товар в течение {{ contract.delivery_days }} календарных дней с даты "
                    "поступления предварительной оплаты по адресу Покупателя, указанному в настоящем Договоре, если "
                    "Стороны не согласуют иное.",
                    "Право собственности на товар и риск его случайной гибели или повреждения переходят к "
                    "Покупателю с момента передачи товара и подписания товарной накладной (УПД).",
                    "Покупатель проверяет товар по количеству и видимым недостаткам при приёмке. Претензии "
                    "предъявляются в письменной форме в течение 3 (трёх) рабочих дней с даты приёмки.",
                    "Товар передаётся вместе со счётом, товарной накладной (УПД) и, если это требуется, "
                    "сертификатами качества."]),
                ("КАЧЕСТВО ТОВАРА И ГАРАНТИИ", [
                    "Качество товара должно соответствовать действующим стандартам и техническим регламентам и "
                    "подтверждаться документами изготовителя.",
                    "Продавец за свой счёт заменяет товар ненадлежащего качества в течение 10 (десяти) дней с даты "
                    "получения письменной претензии Покупателя.",
                    "Упаковка и маркировка товара должны обеспечивать его сохранность при транспортировке и "
                    "хранении."]),
            ],
            "service_contract": [
                ("ПРЕДМЕТ ДОГОВОРА", [
                    "Предметом настоящего Договора является {{ contract.subject }}.",
                    "Исполнитель обязуется по заданию Заказчика оказать услуги, а Заказчик обязуется принять и "
                    "оплатить эти услуги.",
                    "Перечень, объём и стоимость услуг указываются в Спецификации (Приложение № 1), являющейся "
                    "неотъемлемой частью настоящего Договора.",
                    "Исполнитель оказывает услуги лично и вправе привлекать третьих лиц только с письменного "
                    "согласия Заказчика."]),
                ("СТОИМОСТЬ УСЛУГ И ПОРЯДОК РАСЧЁТОВ", [
                    "Стоимость услуг по настоящему Договору составляет {{ contract.total }} {{ contract.currency }} "
                    "({{ contract.total_words }}), в том числе НДС.",
                    "Заказчик перечисляет аванс в размере {{ contract.prepayment }} в течение 5 (пяти) банковских "
                    "дней с даты подписания настоящего Договора.",
                    "Оставшаяся часть стоимости услуг оплачивается в течение {{ contract.payment_days }} "
                    "календарных дней с даты подписания Сторонами акта об оказании услуг.",
                    "Оплата производится путём перечисления денежных средств на расчётный счёт Исполнителя."]),
                ("ПОРЯДОК ОКАЗАНИЯ И ПРИЁМКИ УСЛУГ", [
                    "Исполнитель оказывает услуги в течение {{ contract.delivery_days }} календарных дней с даты "
                    "поступления аванса.",
                    "По завершении оказания услуг Исполнитель передаёт Заказчику акт об оказании услуг в двух "
                    "экземплярах.",
                    "Заказчик в течение 5 (пяти) рабочих дней с даты получения акта подписывает его либо направляет "
                    "Исполнителю мотивированный отказ. При отсутствии мотивированного отказа в указанный срок "
                    "услуги считаются принятыми.",
                    "Недостатки, выявленные при приёмке, устраняются Исполнителем за свой счёт в согласованный "
                    "Сторонами срок."]),
                ("ПРАВА И ОБЯЗАННОСТИ СТОРОН", [
                    "Исполнитель обязан оказать услуги качественно, в полном объёме и в срок, а также по запросу "
                    "Заказчика информировать его о ходе оказания услуг.",
                    "Заказчик обязан предоставить Исполнителю информацию, документы и доступ, необходимые для "
                    "оказания услуг.",
                    "Заказчик вправе в любое время проверять ход и качество оказания услуг, не вмешиваясь в "
                    "деятельность Исполнителя.",
                    "Стороны обязуются сохранять конфиденциальность информации, полученной друг от друга в связи с "
                    "исполнением настоящего Договора."]),
            ],
            "supply_agreement": [
                ("ПРЕДМЕТ ДОГОВОРА", [
                    "Предметом настоящего Договора является {{ contract.subject }}.",
                    "Поставщик обязуется поставлять Покупателю товар отдельными партиями в течение срока действия "
                    "настоящего Договора, а Покупатель обязуется принимать и оплачивать товар.",
                    "Ассортимент, количество, цена и сроки поставки каждой партии согласовываются Сторонами в "
                    "Спецификациях или в заявках Покупателя, принятых Поставщиком, которые являются неотъемлемой "
                    "частью настоящего Договора. Первая Спецификация приведена в Приложении № 1."]),
                ("ЦЕНА И ПОРЯДОК РАСЧЁТОВ", [
                    "Общая стоимость товара по Спецификации № 1 составляет {{ contract.total }} "
                    "{{ contract.currency }} ({{ contract.total_words }}), в том числе НДС.",
                    "Покупатель оплачивает {{ contract.prepayment }} стоимости каждой партии товара авансом на "
                    "основании счёта Поставщика.",
                    "Оставшаяся часть стоимости партии оплачивается в течение {{ contract.payment_days }} "
                    "календарных дней с даты поставки.",
                    "Цены на согласованные партии товара изменению не подлежат. Об изменении цен на последующие "
                    "партии Поставщик уведомляет Покупателя не менее чем за 30 (тридцать) календарных дней."]),
                ("УСЛОВИЯ ПОСТАВКИ", [
                    "Поставка каждой партии осуществляется в течение {{ contract.delivery_days }} календарных дней "
                    "с даты согласования заявки транспортом Поставщика до склада Покупателя, если иное не указано в "
                    "Спецификации.",
                    "Датой поставки считается дата подписания товарной накладной (УПД) уполномоченным "
                    "представителем Покупателя.",
                    "Приёмка товара по количеству и качеству производится по товарной накладной (УПД); претензии "
                    "предъявляются в течение 3 (трёх) рабочих дней с даты поставки.",
                    "Каждая партия товара сопровождается счётом, товарной накладной (УПД) и сертификатами "
                    "качества."]),
                ("КАЧЕСТВО, УПАКОВКА И МАРКИРОВКА", [
                    "Качество товара должно соответствовать действующим стандартам и техническим условиям "
                    "изготовителя и подтверждаться сертификатами (декларациями) соответствия.",
                    "Товар поставляется в упаковке, обеспечивающей его сохранность при транспортировке и хранении, "
                    "с маркировкой в соответствии с требованиями законодательства.",
                    "Поставщик за свой счёт заменяет товар ненадлежащего качества в течение 10 (десяти) дней с даты "
                    "получения претензии."]),
            ],
        },
        "common": [
            ("ОТВЕТСТВЕННОСТЬ СТОРОН", [
                "За неисполнение или ненадлежащее исполнение обязательств по настоящему Договору Стороны несут "
                "ответственность в соответствии с настоящим Договором и действующим законодательством Российской "
                "Федерации.",
                "За нарушение сроков оплаты {B} уплачивает {S_d} неустойку (пени) в размере 0,1 % от неоплаченной в "
                "срок суммы за каждый день просрочки, но не более 10 % от этой суммы.",
                "За нарушение сроков исполнения своих обязательств {S} уплачивает {B_d} неустойку (пени) в размере "
                "0,1 % от стоимости неисполненного в срок обязательства за каждый день просрочки, но не более 10 % "
                "от этой стоимости.",
                "Уплата неустойки не освобождает Стороны от исполнения обязательств по настоящему Договору."]),
            ("ОБСТОЯТЕЛЬСТВА НЕПРЕОДОЛИМОЙ СИЛЫ", [
                "Стороны освобождаются от ответственности за частичное или полное неисполнение обязательств, если "
                "оно явилось следствием обстоятельств непреодолимой силы, возникших после заключения настоящего "
                "Договора: стихийных бедствий, пожаров, наводнений, военных действий, эпидемий, актов органов "
                "государственной власти.",
                "Сторона, для которой создалась невозможность исполнения обязательств, в течение 5 (пяти) дней "
                "письменно извещает другую Сторону о наступлении и прекращении таких обстоятельств с приложением "
                "документов компетентного органа, подтверждающих их.",
                "Если такие обстоятельства длятся более 60 (шестидесяти) дней, каждая из Сторон вправе отказаться "
                "от исполнения настоящего Договора, письменно уведомив другую Сторону, при условии проведения "
                "взаиморасчётов."]),
            ("ПОРЯДОК РАЗРЕШЕНИЯ СПОРОВ", [
                "Споры и разногласия разрешаются Сторонами путём переговоров. Соблюдение претензионного порядка "
                "обязательно; срок ответа на претензию — 10 (десять) рабочих дней с даты её получения.",
                "Споры, не урегулированные в претензионном порядке, передаются на рассмотрение в арбитражный суд "
                "по месту нахождения ответчика.",
                "К отношениям Сторон по настоящему Договору применяется законодательство Российской Федерации."]),
            ("СРОК ДЕЙСТВИЯ ДОГОВОРА", [
                "Настоящий Договор вступает в силу с момента подписания обеими Сторонами и действует до "
                "{{ contract.valid_until }}, а в части расчётов — до полного исполнения Сторонами своих "
                "обязательств.",
                "Договор может быть расторгнут досрочно по соглашению Сторон либо по инициативе одной из Сторон с "
                "письменным уведомлением другой Стороны не менее чем за 30 (тридцать) календарных дней при условии "
                "проведения взаиморасчётов."]),
            ("ЗАКЛЮЧИТЕЛЬНЫЕ ПОЛОЖЕНИЯ", [
                "Все изменения и дополнения к настоящему Договору действительны, если они совершены в письменной "
                "форме и подписаны уполномоченными представителями обеих Сторон.",
                "Документы, подписанные и переданные по электронной почте, имеют юридическую силу до обмена "
                "оригиналами; оригиналы направляются в течение 30 (тридцати) дней.",
                "Настоящий Договор составлен в двух экземплярах, имеющих одинаковую юридическую силу, по одному "
                "для каждой из Сторон.",
                "Приложение № 1 «Спецификация» является неотъемлемой частью настоящего Договора."]),
        ],
    },
}

KM: dict[str, Any] = {
    "lang": "km-KH",
    "title_fmt": "{title} លេខ {{ doc.number }} ចុះ{{ doc.date }}",
    "title": {"invoice": "វិក្កយបត្រអាករ", "proforma": "វិក្កយបត្របង់ប្រាក់ជាមុន",
              "act": "កំណត់ហេតុប្រគល់-ទទួលការងារ (សេវាកម្ម) ដែលបានបំពេញរួច", "waybill": "ប័ណ្ណដឹកជញ្ជូនទំនិញ",
              "upd": "ឯកសារប្រគល់-ទទួលជាសកល", "receipt": "បង្កាន់ដៃទទួលប្រាក់",
              "sales_contract": "កិច្ចសន្យាលក់ទិញ", "service_contract": "កិច្ចសន្យាផ្ដល់សេវាកម្ម",
              "supply_agreement": "កិច្ចព្រមព្រៀងផ្គត់ផ្គង់ទំនិញ", "payslip": "បង្កាន់ដៃប្រាក់បៀវត្សរ៍"},
    "req": {"address": "អាសយដ្ឋាន", "tax": "VATTIN", "tax_full": "លេខអត្តសញ្ញាណកម្មសារពើពន្ធ (VATTIN)",
            "tel": "ទូរស័ព្ទ", "phone": "ទូរស័ព្ទ", "email": "អ៊ីមែល", "bank": "ធនាគារ",
            "account": "លេខគណនី", "bic": "លេខកូដ SWIFT", "contact": "អ្នកទំនាក់ទំនង"},
    "col": {"no": "ល.រ", "sku": "លេខកូដ", "description": "បរិយាយមុខទំនិញ", "qty": "បរិមាណ", "unit": "ឯកតា",
            "price": "ថ្លៃឯកតា", "discount": "បញ្ចុះតម្លៃ", "net": "ថ្លៃមិនរួម អ.ត.ប", "tax_rate": "អត្រា អ.ត.ប",
            "tax": "អ.ត.ប", "total": "ថ្លៃរួម អ.ត.ប", "excise": "អាករពិសេស"},
    "upd_col": {"no": "ល.រ", "sku": "លេខកូដទំនិញ (A)",
                "description": "ឈ្មោះទំនិញ (ការងារ សេវាកម្ម) សិទ្ធិលើទ្រព្យសម្បត្តិ (1a)",
                "unit": "ឯកតា (2a)", "qty": "បរិមាណ (3)", "price": "ថ្លៃឯកតា (4)",
                "net": "តម្លៃមិនរួមពន្ធ សរុប (5)", "excise": "ក្នុងនោះ អាករពិសេស (6)", "tax_rate": "អត្រាពន្ធ (7)",
                "tax": "ពន្ធគិតលើអ្នកទិញ (8)", "total": "តម្លៃរួមពន្ធ សរុប (9)"},
    "no_excise": "គ្មាន",
    "tot": {"net": "សរុប (មិនរួម អ.ត.ប)", "tax": "អាករលើតម្លៃបន្ថែម (អ.ត.ប)", "total": "សរុបរួម (រួម អ.ត.ប)",
            "sum": "សរុប", "upd_sum": "សរុបត្រូវបង់ (9)"},
    "second": "សមមូលជាប្រាក់រៀល៖ {{ totals.second_total }} {{ totals.second_currency }} តាមអត្រាប្ដូរប្រាក់ "
              "{{ totals.rate }} {{ totals.second_currency }} ក្នុង 1 {{ totals.currency }}",
    "words": "ចំនួនទឹកប្រាក់ជាអក្សរ៖",
    "role": {"seller": "អ្នកលក់", "buyer": "អ្នកទិញ", "contractor": "អ្នកផ្ដល់សេវា", "customer": "អតិថិជន",
             "shipper": "អ្នកផ្ញើទំនិញ", "consignee": "អ្នកទទួលទំនិញ", "supplier": "អ្នកផ្គត់ផ្គង់",
             "payer": "អ្នកបង់ប្រាក់", "basis": "មូលដ្ឋាន", "bill_to": "ឈ្មោះក្រុមហ៊ុន ឬអតិថិជន"},
    "basis": {"invoice": "វិក្កយបត្រលេខ {{ source.number }} ចុះ{{ source.date }}",
              "invoice_order": "វិក្កយបត្រលេខ {{ source.number }} ចុះ{{ source.date }}, ការបញ្ជាទិញលេខ "
                               "{{ source.order_number }} ចុះ{{ source.order_date }}"},
    "info": {"number": "លេខឯកសារ", "date": "កាលបរិច្ឆេទ", "due": "ថ្ងៃផុតកំណត់ទូទាត់", "valid": "មានសុពលភាពដល់",
             "order": "លេខបញ្ជាទិញ", "currency": "រូបិយប័ណ្ណ"},
    "bank": {"bank": "ធនាគាររបស់អ្នកទទួលប្រាក់", "bic": "លេខកូដ SWIFT", "account": "លេខគណនី",
             "payee": "អ្នកទទួលប្រាក់"},
    "who": {"director": "នាយក", "accountant": "ប្រធានគណនេយ្យ", "received": "អ្នកទទួល",
            "representative": "តំណាងដែលមានសិទ្ធិ", "released": "អ្នកអនុញ្ញាតឱ្យដឹកចេញ",
            "shipped": "អ្នកប្រគល់ទំនិញ", "accepted": "អ្នកទទួលយកទំនិញ",
            "consignee_received": "អ្នកទទួលទំនិញ", "cashier": "បេឡាករ",
            "upd_head": "ប្រធានអង្គភាព ឬអ្នកមានសិទ្ធិផ្សេងទៀត",
            "upd_acc": "ប្រធានគណនេយ្យ ឬអ្នកមានសិទ្ធិផ្សេងទៀត",
            "upd10": "អ្នកប្រគល់ទំនិញ / សេវាកម្ម លទ្ធផលការងារ សិទ្ធិ [10]",
            "upd11": "កាលបរិច្ឆេទដឹកចេញ ប្រគល់ [11]៖ {{ doc.date }}",
            "upd12": "ព័ត៌មានផ្សេងទៀតអំពីការដឹកចេញ ការប្រគល់ [12]៖ —",
            "upd13": "អ្នកទទួលខុសត្រូវលើភាពត្រឹមត្រូវនៃការកត់ត្រាប្រតិបត្តិការ [13]",
            "upd14": "អង្គភាពដែលរៀបចំឯកសារ [14]៖ {{ company.legal_name }}, VATTIN {{ company.tax_id }}",
            "upd15": "អ្នកទទួលទំនិញ / សេវាកម្ម លទ្ធផលការងារ សិទ្ធិ [15]",
            "upd16": "កាលបរិច្ឆេទទទួល [16]៖ ____/____/______",
            "upd17": "ព័ត៌មានផ្សេងទៀតអំពីការទទួល [17]៖ —",
            "upd18": "អ្នកទទួលខុសត្រូវលើភាពត្រឹមត្រូវនៃការកត់ត្រាប្រតិបត្តិការ [18]",
            "upd19": "អង្គភាពដែលរៀបចំឯកសារ [19]៖ {{ client.legal_name }}, VATTIN {{ client.tax_id }}"},
    "sig_caption": "",
    "stamp": "ត្រា",
    "date_blank": "កាលបរិច្ឆេទ៖ ____/____/______",
    "terms": ["លក្ខខណ្ឌទូទាត់៖ ក្នុងរយៈពេល {{ source.payment_terms }} ថ្ងៃ។ សូមទូទាត់ឱ្យបានមុន{{ source.due_date }} "
              "ទៅកាន់គណនីធនាគារខាងលើ ដោយបញ្ជាក់លេខវិក្កយបត្រ។"],
    "notice": {"proforma": ["វិក្កយបត្រនេះចេញសម្រាប់ការបង់ប្រាក់ជាមុន ហើយមិនមែនជាវិក្កយបត្រអាករទេ។ "
                            "វិក្កយបត្រអាករនឹងត្រូវចេញជូន នៅពេលប្រគល់ទំនិញ ឬផ្ដល់សេវាកម្ម។"]},
    "statement": {
        "act": ["សេវាកម្មសរុប {{ totals.count }} មុខ ក្នុងតម្លៃ {{ totals.total }} {{ totals.currency }}។",
                "ការងារ (សេវាកម្ម) ខាងលើត្រូវបានបំពេញគ្រប់ចំនួន និងទាន់ពេលវេលា។ អតិថិជនគ្មានការតវ៉ាលើបរិមាណ "
                "គុណភាព ឬរយៈពេលនៃការងារ (សេវាកម្ម) ឡើយ។"],
        "waybill": ["ចំនួនមុខទំនិញសរុប {{ totals.count }} បរិមាណសរុប {{ totals.qty }} ទឹកប្រាក់សរុប "
                    "{{ totals.total }} {{ totals.currency }}។",
                    "ទំនិញត្រូវបានទទួលគ្រប់ចំនួន និងមានការវេចខ្ចប់ត្រឹមត្រូវ។ អ្នកទទួលទំនិញគ្មានការតវ៉ាលើបរិមាណ "
                    "គុណភាព ឬសភាពខាងក្រៅនៃទំនិញឡើយ។"],
        "receipt": ["ទឹកប្រាក់ខាងលើត្រូវបានទទួលគ្រប់ចំនួន។"]},
    "upd": {"status": ["ឯកសារប្រគល់-ទទួលជាសកល", "ស្ថានភាព៖ 1",
                       "1 — វិក្កយបត្រអាករ និងឯកសារប្រគល់ (កំណត់ហេតុ)", "2 — ឯកសារប្រគល់ (កំណត់ហេតុ)"],
            "rows": [("វិក្កយបត្រអាករលេខ", "{{ doc.number }} ចុះ{{ doc.date }}", "(1)"),
                     ("ការកែតម្រូវលេខ", "—— ចុះ ——", "(1a)"),
                     ("អ្នកលក់៖", "{{ company.legal_name }}", "(2)"),
                     ("អាសយដ្ឋាន៖", "{{ company.address }}", "(2a)"),
                     ("VATTIN របស់អ្នកលក់៖", "{{ company.tax_id }}", "(2b)"),
                     ("អ្នកផ្ញើទំនិញ និងអាសយដ្ឋាន៖", "ដូចខាងលើ", "(3)"),
                     ("អ្នកទទួលទំនិញ និងអាសយដ្ឋាន៖", "{{ client.legal_name }}, {{ client.address }}", "(4)"),
                     ("ឯកសារទូទាត់លេខ", "—— ចុះ ——", "(5)"),
                     ("ឯកសារដឹកចេញ៖", "ល.រ 1–{{ totals.count }} លេខ {{ doc.number }} ចុះ{{ doc.date }}", "(5a)"),
                     ("អ្នកទិញ៖", "{{ client.legal_name }}", "(6)"),
                     ("អាសយដ្ឋាន៖", "{{ client.address }}", "(6a)"),
                     ("VATTIN របស់អ្នកទិញ៖", "{{ client.tax_id }}", "(6b)"),
                     ("រូបិយប័ណ្ណ៖ ឈ្មោះ លេខកូដ", "{{ totals.currency }}", "(7)"),
                     ("លេខសម្គាល់កិច្ចសន្យារដ្ឋ ឬកិច្ចព្រមព្រៀង (ប្រសិនបើមាន)៖", "", "(8)")],
            "basis": ["មូលដ្ឋាននៃការប្រគល់ / ការទទួល [8]៖ វិក្កយបត្រលេខ {{ source.number }} ចុះ{{ source.date }}, "
                      "ការបញ្ជាទិញលេខ {{ source.order_number }} ចុះ{{ source.order_date }}",
                      "ព័ត៌មានអំពីការដឹកជញ្ជូន និងទំនិញ [9]៖ —"]},
    "receipt": {"subtitle": "ការទូទាត់លេខ {{ payment.number }} ចុះ{{ payment.date }}",
                "rows": [("ទទួលពី", "{{ payment.received_from }}"), ("VATTIN អ្នកបង់ប្រាក់", "{{ client.tax_id }}"),
                         ("គោលបំណងនៃការទូទាត់", "{{ payment.purpose }}"), ("វិធីសាស្ត្រទូទាត់", "{{ payment.method }}"),
                         ("ចំនួនទឹកប្រាក់", "{{ payment.amount }} {{ payment.currency }}"),
                         ("ចំនួនទឹកប្រាក់ជាអក្សរ", "{{ payment.amount_words }}")],
                "alloc_heading": "ទូទាត់សម្រាប់ឯកសារខាងក្រោម",
                "alloc_cols": ("លេខឯកសារ", "កាលបរិច្ឆេទ", "ចំនួនទឹកប្រាក់"), "alloc_total": "សរុប"},
    "page": ("ទំព័រ", "នៃ"),
    "contract": {
        "roles": {"sales_contract": {"S": "អ្នកលក់", "B": "អ្នកទិញ", "C": "កិច្ចសន្យា"},
                  "service_contract": {"S": "អ្នកផ្ដល់សេវា", "B": "អតិថិជន", "C": "កិច្ចសន្យា"},
                  "supply_agreement": {"S": "អ្នកផ្គត់ផ្គង់", "B": "អ្នកទិញ", "C": "កិច្ចព្រមព្រៀង"}},
        "title_fmt": "{title} លេខ {{ doc.number }}", "city": "ធ្វើនៅ{{ doc.city }}",
        "preamble": "{C}នេះធ្វើឡើងរវាង {{ company.legal_name }} តំណាងដោយលោក/លោកស្រី {{ company.director }} "
                    "មុខតំណែងជានាយក ដែលតទៅនេះហៅថា «{S}» ជាភាគីម្ខាង និង {{ client.legal_name }} "
                    "តំណាងដោយលោក/លោកស្រី {{ client.contact }} ដែលតទៅនេះហៅថា «{B}» ជាភាគីម្ខាងទៀត។ "
                    "ភាគីទាំងពីរបានព្រមព្រៀងគ្នាលើប្រការដូចខាងក្រោម៖",
        "heading_fmt": "ប្រការ {n}៖ {title}", "clause_fmt": "{n}.{m}. ", "center": False, "justify": False,
        "requisites": "អាសយដ្ឋាន ព័ត៌មានធនាគារ និងហត្ថលេខារបស់ភាគីទាំងពីរ",
        "appendix": "ឧបសម្ព័ន្ធលេខ ១ នៃ{C}លេខ {{ doc.number }} ចុះ{{ doc.date }}",
        "spec_title": "បញ្ជីលម្អិត",
        "spec_terms": "រយៈពេលអនុវត្ត៖ {{ contract.delivery_days }} ថ្ងៃ។ "
                      "ការទូទាត់៖ ប្រាក់កក់ {{ contract.prepayment }} "
                      "ហើយទឹកប្រាក់ដែលនៅសល់ក្នុងរយៈពេល {{ contract.payment_days }} ថ្ងៃ។",
        "sections": {
            "sales_contract": [
                ("កម្មវត្ថុនៃកិច្ចសន្យា", [
                    "កម្មវត្ថុនៃកិច្ចសន្យានេះគឺ {{ contract.subject }}។",
                    "អ្នកលក់យល់ព្រមផ្ទេរកម្មសិទ្ធិលើទំនិញជូនអ្នកទិញ ហើយអ្នកទិញយល់ព្រមទទួល និងទូទាត់ថ្លៃទំនិញ "
                    "តាមលក្ខខណ្ឌនៃកិច្ចសន្យានេះ។",
                    "ឈ្មោះ បរិមាណ ថ្លៃឯកតា និងតម្លៃសរុបនៃទំនិញ ត្រូវបានកំណត់នៅក្នុងបញ្ជីលម្អិត (ឧបសម្ព័ន្ធលេខ ១) "
                    "ដែលជាផ្នែកមួយមិនអាចបំបែកបានពីកិច្ចសន្យានេះ។",
                    "អ្នកលក់ធានាថា ទំនិញជាកម្មសិទ្ធិស្របច្បាប់របស់ខ្លួន មិនបានដាក់បញ្ចាំ មិនស្ថិតក្រោមការរឹបអូស "
                    "និងគ្មានសិទ្ធិរបស់ភាគីទីបីលើទំនិញនោះឡើយ។"]),
                ("តម្លៃ និងលក្ខខណ្ឌទូទាត់", [
                    "តម្លៃសរុបនៃកិច្ចសន្យានេះគឺ {{ contract.total }} {{ contract.currency }} "
                    "({{ contract.total_words }}) រួមបញ្ចូលទាំងអាករលើតម្លៃបន្ថែម។",
                    "អ្នកទិញត្រូវបង់ប្រាក់កក់ចំនួន {{ contract.prepayment }} នៃតម្លៃកិច្ចសន្យា ក្នុងរយៈពេល ៥ (ប្រាំ) "
                    "ថ្ងៃធ្វើការ គិតចាប់ពីថ្ងៃចុះហត្ថលេខាលើកិច្ចសន្យានេះ ដោយផ្អែកលើវិក្កយបត្ររបស់អ្នកលក់។",
                    "ទឹកប្រាក់ដែលនៅសល់ត្រូវទូទាត់ក្នុងរយៈពេល {{ contract.payment_days }} ថ្ងៃ "
                    "បន្ទាប់ពីការប្រគល់ទំនិញ និងការចុះហត្ថលេខាលើប័ណ្ណដឹកជញ្ជូនទំនិញ។",
                    "ការទូទាត់ត្រូវធ្វើឡើងតាមរយៈការផ្ទេរប្រាក់តាមធនាគារ "
                    "ទៅកាន់គណនីរបស់អ្នកលក់ដែលមានចែងក្នុងកិច្ចសន្យានេះ។ "
                    "កាតព្វកិច្ចទូទាត់ត្រូវចាត់ទុកថាបានបំពេញ នៅពេលទឹកប្រាក់ចូលដល់គណនីរបស់អ្នកលក់។",
                    "តម្លៃទំនិញជាតម្លៃថេរ ហើយមិនអាចផ្លាស់ប្ដូរដោយឯកតោភាគីបានឡើយ។"]),
                ("ការប្រគល់ និងការទទួលទំនិញ", [
                    "អ្នកលក់ត្រូវប្រគល់ទំនិញក្នុងរយៈពេល {{ contract.delivery_days }} ថ្ងៃ បន្ទាប់ពីបានទទួលប្រាក់កក់ "
                    "ទៅកាន់អាសយដ្ឋានរបស់អ្នកទិញដែលមានចែងក្នុងកិច្ចសន្យានេះ លើកលែងតែភាគីទាំងពីរព្រមព្រៀងផ្សេងពីនេះ។",
                    "កម្មសិទ្ធិ និងហានិភ័យនៃការបាត់បង់ ឬការខូចខាតដោយចៃដន្យលើទំនិញ ត្រូវផ្ទេរទៅអ្នកទិញ "
                    "នៅពេលប្រគល់ទំនិញ និងចុះហត្ថលេខាលើប័ណ្ណដឹកជញ្ជូនទំនិញ។",
                    "អ្នកទិញត្រូវពិនិត្យបរិមាណ និងការខូចខាតដែលអាចមើលឃើញ នៅពេលទទួលទំនិញ។ "
                    "ការតវ៉ាត្រូវធ្វើជាលាយលក្ខណ៍អក្សរ ក្នុងរយៈពេល ៣ (បី) ថ្ងៃធ្វើការ គិតចាប់ពីថ្ងៃទទួលទំនិញ។",
                    "ទំនិញត្រូវប្រគល់ជូនរួមជាមួយវិក្កយបត្រ ប័ណ្ណដឹកជញ្ជូនទំនិញ "
                    "និងវិញ្ញាបនបត្រគុណភាព (ប្រសិនបើតម្រូវ)។"]),
                ("គុណភាព និងការធានា", [
                    "គុណភាពទំនិញត្រូវស្របតាមស្តង់ដារ និងបទប្បញ្ញត្តិបច្ចេកទេសជាធរមាន "
                    "ហើយត្រូវបានបញ្ជាក់ដោយឯកសាររបស់អ្នកផលិត។",
                    "អ្នកលក់ត្រូវប្ដូរទំនិញដែលខុសគុណភាព ដោយចំណាយផ្ទាល់ខ្លួន ក្នុងរយៈពេល ១០ (ដប់) ថ្ងៃ "
                    "បន្ទាប់ពីទទួលបានការតវ៉ាជាលាយលក្ខណ៍អក្សរពីអ្នកទិញ។",
                    "ការវេចខ្ចប់ និងស្លាកសញ្ញា ត្រូវធានាសុវត្ថិភាពទំនិញក្នុងពេលដឹកជញ្ជូន និងរក្សាទុក។"]),
            ],
            "service_contract": [
                ("កម្មវត្ថុនៃកិច្ចសន្យា", [
                    "កម្មវត្ថុនៃកិច្ចសន្យានេះគឺ {{ contract.subject }}។",
                    "អ្នកផ្ដល់សេវាយល់ព្រមផ្ដល់សេវាកម្មតាមការស្នើសុំរបស់អតិថិជន "
                    "ហើយអតិថិជនយល់ព្រមទទួល និងទូទាត់ថ្លៃសេវាកម្មនោះ។",
                    "បញ្ជី បរិមាណ និងតម្លៃនៃសេវាកម្ម ត្រូវបានកំណត់នៅក្នុងបញ្ជីលម្អិត (ឧបសម្ព័ន្ធលេខ ១) "
                    "ដែលជាផ្នែកមួយមិនអាចបំបែកបានពីកិច្ចសន្យានេះ។",
                    "អ្នកផ្ដល់សេវាត្រូវផ្ដល់សេវាកម្មដោយខ្លួនឯង ហើយអាចជួលភាគីទីបីបាន "
                    "លុះត្រាតែមានការយល់ព្រមជាលាយលក្ខណ៍អក្សរពីអតិថិជន។"]),
                ("តម្លៃសេវាកម្ម និងលក្ខខណ្ឌទូទាត់", [
                    "តម្លៃសេវាកម្មតាមកិច្ចសន្យានេះគឺ {{ contract.total }} {{ contract.currency }} "
                    "({{ contract.total_words }}) រួមបញ្ចូលទាំងអាករលើតម្លៃបន្ថែម។",
                    "អតិថិជនត្រូវបង់ប្រាក់កក់ចំនួន {{ contract.prepayment }} ក្នុងរយៈពេល ៥ (ប្រាំ) ថ្ងៃធ្វើការ "
                    "គិតចាប់ពីថ្ងៃចុះហត្ថលេខាលើកិច្ចសន្យានេះ។",
                    "ទឹកប្រាក់ដែលនៅសល់ត្រូវទូទាត់ក្នុងរយៈពេល {{ contract.payment_days }} ថ្ងៃ "
                    "បន្ទាប់ពីភាគីទាំងពីរចុះហត្ថលេខាលើកំណត់ហេតុប្រគល់-ទទួលសេវាកម្ម។",
                    "ការទូទាត់ត្រូវធ្វើឡើងតាមរយៈការផ្ទេរប្រាក់តាមធនាគារ ទៅកាន់គណនីរបស់អ្នកផ្ដល់សេវា។"]),
                ("ការផ្ដល់ និងការទទួលសេវាកម្ម", [
                    "អ្នកផ្ដល់សេវាត្រូវផ្ដល់សេវាកម្មក្នុងរយៈពេល {{ contract.delivery_days }} ថ្ងៃ "
                    "បន្ទាប់ពីបានទទួលប្រាក់កក់។",
                    "នៅពេលបញ្ចប់សេវាកម្ម អ្នកផ្ដល់សេវាត្រូវប្រគល់កំណត់ហេតុប្រគល់-ទទួលសេវាកម្មចំនួន ២ (ពីរ) ច្បាប់ "
                    "ជូនអតិថិជន។",
                    "ក្នុងរយៈពេល ៥ (ប្រាំ) ថ្ងៃធ្វើការ បន្ទាប់ពីទទួលបានកំណត់ហេតុ អតិថិជនត្រូវចុះហត្ថលេខា "
                    "ឬផ្ញើការបដិសេធជាលាយលក្ខណ៍អក្សរ ដោយបញ្ជាក់មូលហេតុ។ ប្រសិនបើគ្មានការបដិសេធក្នុងរយៈពេលនេះទេ "
                    "សេវាកម្មត្រូវចាត់ទុកថាបានទទួលយក។",
                    "កំហុសដែលរកឃើញនៅពេលទទួល ត្រូវកែតម្រូវដោយអ្នកផ្ដល់សេវា ដោយចំណាយផ្ទាល់ខ្លួន "
                    "ក្នុងរយៈពេលដែលភាគីទាំងពីរព្រមព្រៀងគ្នា។"]),
                ("សិទ្ធិ និងកាតព្វកិច្ចរបស់ភាគី", [
                    "អ្នកផ្ដល់សេវាត្រូវផ្ដល់សេវាកម្មប្រកបដោយគុណភាព គ្រប់ចំនួន និងទាន់ពេលវេលា "
                    "ព្រមទាំងរាយការណ៍ពីវឌ្ឍនភាពតាមការស្នើសុំរបស់អតិថិជន។",
                    "អតិថិជនត្រូវផ្ដល់ព័ត៌មាន ឯកសារ និងការអនុញ្ញាតចាំបាច់ សម្រាប់ការផ្ដល់សេវាកម្ម។",
                    "អតិថិជនមានសិទ្ធិត្រួតពិនិត្យវឌ្ឍនភាព និងគុណភាពនៃសេវាកម្មគ្រប់ពេល "
                    "ដោយមិនរំខានដល់ការងាររបស់អ្នកផ្ដល់សេវា។",
                    "ភាគីទាំងពីរត្រូវរក្សាការសម្ងាត់នៃព័ត៌មានដែលទទួលបានពីភាគីម្ខាងទៀត "
                    "ទាក់ទងនឹងការអនុវត្តកិច្ចសន្យានេះ។"]),
            ],
            "supply_agreement": [
                ("កម្មវត្ថុនៃកិច្ចព្រមព្រៀង", [
                    "កម្មវត្ថុនៃកិច្ចព្រមព្រៀងនេះគឺ {{ contract.subject }}។",
                    "អ្នកផ្គត់ផ្គង់យល់ព្រមផ្គត់ផ្គង់ទំនិញជាដំណាក់ៗ ក្នុងអំឡុងពេលនៃកិច្ចព្រមព្រៀងនេះ "
                    "ហើយអ្នកទិញយល់ព្រមទទួល និងទូទាត់ថ្លៃទំនិញនោះ។",
                    "ប្រភេទ បរិមាណ តម្លៃ និងកាលបរិច្ឆេទផ្គត់ផ្គង់នៃទំនិញនីមួយដំណាក់ "
                    "ត្រូវព្រមព្រៀងគ្នានៅក្នុងបញ្ជីលម្អិត ឬក្នុងការបញ្ជាទិញរបស់អ្នកទិញដែលអ្នកផ្គត់ផ្គង់បានទទួលយក "
                    "ហើយជាផ្នែកមួយមិនអាចបំបែកបានពីកិច្ចព្រមព្រៀងនេះ។ បញ្ជីលម្អិតទីមួយមាននៅក្នុងឧបសម្ព័ន្ធលេខ ១។"]),
                ("តម្លៃ និងលក្ខខណ្ឌទូទាត់", [
                    "តម្លៃសរុបនៃទំនិញតាមបញ្ជីលម្អិតលេខ ១ គឺ {{ contract.total }} {{ contract.currency }} "
                    "({{ contract.total_words }}) រួមបញ្ចូលទាំងអាករលើតម្លៃបន្ថែម។",
                    "អ្នកទិញត្រូវបង់ប្រាក់ជាមុនចំនួន {{ contract.prepayment }} នៃតម្លៃទំនិញនីមួយដំណាក់ "
                    "ដោយផ្អែកលើវិក្កយបត្ររបស់អ្នកផ្គត់ផ្គង់។",
                    "ទឹកប្រាក់ដែលនៅសល់នៃដំណាក់នីមួយៗ ត្រូវទូទាត់ក្នុងរយៈពេល {{ contract.payment_days }} ថ្ងៃ "
                    "គិតចាប់ពីថ្ងៃប្រគល់ទំនិញ។",
                    "តម្លៃនៃទំនិញដែលបានព្រមព្រៀងរួច មិនអាចផ្លាស់ប្ដូរបានឡើយ។ "
                    "អ្នកផ្គត់ផ្គង់ត្រូវជូនដំណឹងអំពីការផ្លាស់ប្ដូរតម្លៃសម្រាប់ដំណាក់បន្ទាប់ "
                    "យ៉ាងហោចណាស់ ៣០ (សាមសិប) ថ្ងៃមុន។"]),
                ("លក្ខខណ្ឌផ្គត់ផ្គង់", [
                    "ទំនិញនីមួយដំណាក់ត្រូវផ្គត់ផ្គង់ក្នុងរយៈពេល {{ contract.delivery_days }} ថ្ងៃ "
                    "គិតចាប់ពីថ្ងៃព្រមព្រៀងលើការបញ្ជាទិញ ដោយមធ្យោបាយដឹកជញ្ជូនរបស់អ្នកផ្គត់ផ្គង់ ដល់ឃ្លាំងរបស់អ្នកទិញ "
                    "លើកលែងតែមានចែងផ្សេងក្នុងបញ្ជីលម្អិត។",
                    "កាលបរិច្ឆេទផ្គត់ផ្គង់ គឺជាថ្ងៃដែលតំណាងដែលមានសិទ្ធិរបស់អ្នកទិញចុះហត្ថលេខាលើប័ណ្ណដឹកជញ្ជូនទំនិញ។",
                    "ការទទួលទំនិញតាមបរិមាណ និងគុណភាព ត្រូវធ្វើឡើងដោយផ្អែកលើប័ណ្ណដឹកជញ្ជូនទំនិញ។ "
                    "ការតវ៉ាត្រូវធ្វើឡើងក្នុងរយៈពេល ៣ (បី) ថ្ងៃធ្វើការ គិតចាប់ពីថ្ងៃផ្គត់ផ្គង់។",
                    "ទំនិញនីមួយដំណាក់ត្រូវភ្ជាប់មកជាមួយវិក្កយបត្រ ប័ណ្ណដឹកជញ្ជូនទំនិញ និងវិញ្ញាបនបត្រគុណភាព។"]),
                ("គុណភាព ការវេចខ្ចប់ និងស្លាកសញ្ញា", [
                    "គុណភាពទំនិញត្រូវស្របតាមស្តង់ដារជាធរមាន និងត្រូវបានបញ្ជាក់ដោយវិញ្ញាបនបត្រអនុលោមភាព។",
                    "ទំនិញត្រូវវេចខ្ចប់ឱ្យបានត្រឹមត្រូវ ដើម្បីធានាសុវត្ថិភាពក្នុងពេលដឹកជញ្ជូន និងរក្សាទុក "
                    "ហើយមានស្លាកសញ្ញាស្របតាមតម្រូវការនៃច្បាប់។",
                    "អ្នកផ្គត់ផ្គង់ត្រូវប្ដូរទំនិញដែលខុសគុណភាព ដោយចំណាយផ្ទាល់ខ្លួន ក្នុងរយៈពេល ១០ (ដប់) ថ្ងៃ "
                    "បន្ទាប់ពីទទួលបានការតវ៉ា។"]),
            ],
        },
        "common": [
            ("ទំនួលខុសត្រូវរបស់ភាគី", [
                "ក្នុងករណីមិនបំពេញ ឬបំពេញកាតព្វកិច្ចមិនបានត្រឹមត្រូវ ភាគីនីមួយៗត្រូវទទួលខុសត្រូវស្របតាម{C}នេះ "
                "និងច្បាប់ជាធរមាននៃព្រះរាជាណាចក្រកម្ពុជា។",
                "ក្នុងករណីយឺតយ៉ាវក្នុងការទូទាត់ {B}ត្រូវបង់ប្រាក់ពិន័យជូន{S} ០.១% នៃចំនួនទឹកប្រាក់ដែលហួសកំណត់ "
                "សម្រាប់ថ្ងៃយឺតនីមួយៗ ប៉ុន្តែមិនលើសពី ១០% នៃចំនួនទឹកប្រាក់នោះ។",
                "ក្នុងករណីយឺតយ៉ាវក្នុងការបំពេញកាតព្វកិច្ចរបស់ខ្លួន {S}ត្រូវបង់ប្រាក់ពិន័យជូន{B} ០.១% "
                "នៃតម្លៃកាតព្វកិច្ចដែលមិនបានបំពេញទាន់ពេល សម្រាប់ថ្ងៃយឺតនីមួយៗ ប៉ុន្តែមិនលើសពី ១០% នៃតម្លៃនោះ។",
                "ការបង់ប្រាក់ពិន័យ មិនរំដោះភាគីពីការបំពេញកាតព្វកិច្ចរបស់ខ្លួនឡើយ។"]),
            ("ករណីប្រធានសក្តិ", [
                "ភាគីទាំងពីរត្រូវបានរួចផុតពីទំនួលខុសត្រូវចំពោះការមិនបំពេញកាតព្វកិច្ច ប្រសិនបើបណ្ដាលមកពីករណីប្រធានសក្តិ "
                "ដែលកើតឡើងបន្ទាប់ពីការចុះ{C}នេះ ដូចជា គ្រោះធម្មជាតិ អគ្គិភ័យ ទឹកជំនន់ សង្គ្រាម ជំងឺរាតត្បាត "
                "ឬវិធានការរបស់អាជ្ញាធរសាធារណៈ។",
                "ភាគីដែលរងផលប៉ះពាល់ត្រូវជូនដំណឹងជាលាយលក្ខណ៍អក្សរទៅភាគីម្ខាងទៀត ក្នុងរយៈពេល ៥ (ប្រាំ) ថ្ងៃ "
                "អំពីការចាប់ផ្ដើម និងការបញ្ចប់នៃករណីនេះ ដោយភ្ជាប់ឯកសារបញ្ជាក់ពីអាជ្ញាធរមានសមត្ថកិច្ច។",
                "ប្រសិនបើករណីប្រធានសក្តិមានរយៈពេលលើសពី ៦០ (ហុកសិប) ថ្ងៃ ភាគីណាមួយអាចបញ្ចប់{C}នេះ "
                "ដោយជូនដំណឹងជាលាយលក្ខណ៍អក្សរ បន្ទាប់ពីបានទូទាត់គណនីគ្នាទៅវិញទៅមករួច។"]),
            ("ដំណោះស្រាយវិវាទ", [
                "រាល់វិវាទដែលកើតឡើងពី{C}នេះ ត្រូវដោះស្រាយតាមរយៈការចរចា។ "
                "ការតវ៉ាជាលាយលក្ខណ៍អក្សរគឺជាកាតព្វកិច្ច ហើយត្រូវឆ្លើយតបក្នុងរយៈពេល ១០ (ដប់) ថ្ងៃធ្វើការ។",
                "ប្រសិនបើមិនអាចដោះស្រាយបានតាមរយៈការចរចាទេ វិវាទត្រូវដាក់ជូនតុលាការមានសមត្ថកិច្ច"
                "នៃព្រះរាជាណាចក្រកម្ពុជាដោះស្រាយ។",
                "{C}នេះស្ថិតនៅក្រោមច្បាប់នៃព្រះរាជាណាចក្រកម្ពុជា។"]),
            ("រយៈពេលនៃ{C}", [
                "{C}នេះចូលជាធរមានចាប់ពីថ្ងៃចុះហត្ថលេខាដោយភាគីទាំងពីរ និងមានសុពលភាពរហូតដល់"
                "{{ contract.valid_until }} ហើយចំពោះការទូទាត់ រហូតដល់ភាគីទាំងពីរបានបំពេញកាតព្វកិច្ចទាំងស្រុង។",
                "{C}នេះអាចត្រូវបានបញ្ចប់មុនកាលកំណត់ ដោយការព្រមព្រៀងរបស់ភាគីទាំងពីរ ឬដោយភាគីណាមួយ "
                "ដោយជូនដំណឹងជាលាយលក្ខណ៍អក្សរយ៉ាងហោចណាស់ ៣០ (សាមសិប) ថ្ងៃមុន បន្ទាប់ពីបានទូទាត់គណនីគ្នារួច។"]),
            ("អវសានប្បញ្ញត្តិ", [
                "រាល់វិសោធនកម្ម និងការបំពេញបន្ថែមលើ{C}នេះ មានសុពលភាពលុះត្រាតែធ្វើជាលាយលក្ខណ៍អក្សរ "
                "និងចុះហត្ថលេខាដោយតំណាងដែលមានសិទ្ធិរបស់ភាគីទាំងពីរ។",
                "ឯកសារដែលបានចុះហត្ថលេខា និងផ្ញើតាមអ៊ីមែល មានសុពលភាពរហូតដល់ការប្ដូរច្បាប់ដើម "
                "ដែលត្រូវផ្ញើក្នុងរយៈពេល ៣០ (សាមសិប) ថ្ងៃ។",
                "{C}នេះត្រូវបានធ្វើឡើងជា ២ (ពីរ) ច្បាប់ ដែលមានតម្លៃគតិយុត្តស្មើគ្នា ដោយភាគីនីមួយៗរក្សាទុកមួយច្បាប់។",
                "ឧបសម្ព័ន្ធលេខ ១ «បញ្ជីលម្អិត» គឺជាផ្នែកមួយមិនអាចបំបែកបានពី{C}នេះ។"]),
        ],
    },
}

WORDS = {"en": EN, "km": KM, "ru": RU}


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace {S}, {title}, {tax}… but never touch the Jinja tags ({{ doc.number }} has spaces and dots)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


# --- python-docx helpers --------------------------------------------------------------------------

ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def _place(parent, child, after: tuple[str, ...]) -> None:
    """Insert child after the last of its schema predecessors: Word refuses elements out of order."""
    anchor = None
    for element in parent:
        if element.tag in {qn(t) for t in after}:
            anchor = element
    if anchor is None:
        parent.insert(0, child)
    else:
        anchor.addnext(child)


def _run(paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
         grey: bool = False):
    # bCs/iCs/szCs too: Word styles Khmer (a complex script) from the cs properties only.
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    if bold:
        rpr.get_or_add_b()
        rpr.get_or_add_bCs()
    if italic:
        rpr.get_or_add_i()
        rpr.get_or_add_iCs()
    if grey:
        run.font.color.rgb = GREY
    if size:
        run.font.size = Pt(size)
        size_cs = OxmlElement("w:szCs")
        size_cs.set(qn("w:val"), str(int(size * 2)))
        rpr.find(qn("w:sz")).addnext(size_cs)
    return run


def _para(where, text: str | list[tuple[str, bool]] = "", *, align: str | None = None, before: float = 0,
          after: float | None = None, keep: bool = False, **fmt):
    """A paragraph in the document or a cell (a cell's own empty first paragraph is used first)."""
    first = getattr(where, "paragraphs", [])
    if hasattr(where, "_tc") and len(first) == 1 and not first[0].runs and not first[0].text:
        paragraph = first[0]
    else:
        paragraph = where.add_paragraph()
    for chunk, bold in ([(text, fmt.pop("bold", False))] if isinstance(text, str) else text):
        if chunk:
            _run(paragraph, chunk, bold=bold, **fmt)
    if align:
        paragraph.alignment = ALIGN[align]
    if before:
        paragraph.paragraph_format.space_before = Pt(before)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _table(doc, rows: int, widths: list[float], *, grid: bool = False, align: str | None = None):
    table = doc.add_table(rows=rows, cols=len(widths), style="Table Grid" if grid else None)
    table.autofit = False
    if align == "right":
        table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths):
        col.w = Cm(width)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
    margins = parse_xml(f'<w:tblCellMar {nsdecls("w")}><w:left w:w="57" w:type="dxa"/>'
                        f'<w:right w:w="57" w:type="dxa"/></w:tblCellMar>')
    _place(table._tbl.tblPr, margins, ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual",
                                       "w:tblStyleRowBandSize", "w:tblStyleColBandSize", "w:tblW", "w:jc",
                                       "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout"))
    return table


TC_BEFORE_BORDERS = ("w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge")


def _cell_border(cell, style: str = "single", color: str = "000000", sides=("top", "left", "bottom", "right")):
    edges = "".join(f'<w:{s} w:val="{style}" w:sz="4" w:space="0" w:color="{color}"/>' for s in sides)
    _place(cell._tc.get_or_add_tcPr(), parse_xml(f'<w:tcBorders {nsdecls("w")}>{edges}</w:tcBorders>'),
           TC_BEFORE_BORDERS)


def _shade(cell, fill: str = "EDEDED") -> None:
    shading = parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    _place(cell._tc.get_or_add_tcPr(), shading, TC_BEFORE_BORDERS + ("w:tcBorders",))


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _gap(doc, points: float = 4) -> None:
    """Vertical space between blocks: an empty paragraph of exact height (an empty line is tall in Khmer)."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.line_spacing = Pt(points)
    paragraph.paragraph_format.space_after = Pt(0)


def _rule(doc) -> None:
    """A thin line under the letterhead: a paragraph with a bottom border."""
    paragraph = _para(doc, after=6)
    border = parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="8" w:space="1" '
                       f'w:color="404040"/></w:pBdr>')
    _place(paragraph._p.get_or_add_pPr(), border, ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore",
                                                   "w:framePr", "w:widowControl", "w:numPr", "w:suppressLineNumbers"))
    paragraph.paragraph_format.line_spacing = Pt(2)


def _field(paragraph, code: str, size: float) -> None:
    field = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {code} "><w:r><w:rPr><w:sz w:val="{int(size * 2)}"/>'
                      f'<w:szCs w:val="{int(size * 2)}"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>')
    paragraph._p.append(field)


def _rpr(lang: str, size: float) -> Any:
    """Default run properties: Latin/Cyrillic in the ascii/hAnsi fonts, Khmer in the cs font and size.

    Khmer's language goes in the complex-script slot (w:bidi); a km document's Latin runs are numbers,
    codes and e-mails, so their w:val stays en-US.
    """
    bidi = ' w:bidi="km-KH"' if lang == "km" else ""
    half = int(size * 2)
    return parse_xml(
        f'<w:rPr {nsdecls("w")}><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{KHMER_FONT}" '
        f'w:cs="{KHMER_FONT}"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
        f'<w:lang w:val="{WORDS[lang]["lang"] if lang != "km" else "en-US"}" w:eastAsia="en-US"{bidi}/></w:rPr>')


# --- the document -------------------------------------------------------------------------------

@dataclass
class Build:
    doc: DocxDocument
    kind: str
    lang: str
    t: dict[str, Any]
    layout: Layout
    width: float  # of the text area, in cm

    def req(self, text: str) -> str:
        """Fill the requisite labels ({tax}, {bank}…) of a line; Khmer writes its colon as ៖."""
        return _fill(self.colon(text), self.t["req"])

    def colon(self, text: str) -> str:
        return text.replace(": ", "៖ ") if self.lang == "km" else text


def _setup(doc: DocxDocument, kind: str, lang: str, layout: Layout) -> float:
    """Page, fonts, spacing and core properties; the text width in cm."""
    section = doc.sections[0]
    long, short = Cm(29.7), Cm(21.0)
    section.orientation = WD_ORIENT.LANDSCAPE if layout.landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if layout.landscape else (short, long)
    margin = 1.5 if layout.landscape else 2.0
    section.left_margin = section.right_margin = Cm(margin)
    section.top_margin = section.bottom_margin = Cm(1.0 if layout.landscape else 1.5)
    section.footer_distance = Cm(0.8)

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr_default.remove(rpr_default.find(qn("w:rPr")))
    rpr_default.append(_rpr(lang, 10))
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")  # python-docx's default 10 pt after and 1.15 lines are too airy for forms
    spacing.set(qn("w:line"), "240")
    for name, size in (("Normal", 10), ("Table Grid", 9)):
        style = doc.styles[name].element
        old = style.find(qn("w:rPr"))
        if old is not None:
            style.remove(old)
        rpr = _rpr(lang, size)
        table_props = style.find(qn("w:tblPr"))  # rPr must precede a table style's tblPr
        if table_props is not None:
            table_props.addprevious(rpr)
        else:
            style.append(rpr)
    doc.styles["Normal"].paragraph_format.space_after = Pt(2)

    props = doc.core_properties
    props.author = props.last_modified_by = "ClientBase"
    props.title = "{{ doc.number }}"  # rendered with the document
    props.subject = WORDS[lang]["title"][kind]
    props.comments = props.keywords = props.category = ""
    props.language = WORDS[lang]["lang"]
    props.created = props.modified = FIXED
    props.revision = 1
    width = (long if layout.landscape else short) - 2 * Cm(margin)
    return width / Cm(1)


def _footer(b: Build) -> None:
    paragraph = b.doc.sections[0].footer.paragraphs[0]
    tabs = paragraph.paragraph_format.tab_stops
    for inherited in (Twips(4680), Twips(9360)):  # the Footer style's centre and right stops (Letter width)
        tabs.add_tab_stop(inherited, WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(Cm(b.width), WD_TAB_ALIGNMENT.RIGHT)
    _run(paragraph, "{{ doc.number }} · {{ company.name }}", size=7.5, grey=True)
    page, of = b.t["page"]
    _run(paragraph, f"\t{page} ", size=7.5, grey=True)
    _field(paragraph, "PAGE", 7.5)
    _run(paragraph, f" {of} ", size=7.5, grey=True)
    _field(paragraph, "NUMPAGES", 7.5)


# --- blocks: each writes one part of the document -------------------------------------------------

def header(b: Build) -> None:
    """Letterhead: the logo placeholder, the company's requisites, the barcode in the top-right corner."""
    logo_w, code_w = 3.0, 5.9  # the barcode prints 55 mm wide
    table = _table(b.doc, 1, [logo_w, b.width - logo_w - code_w, code_w])
    logo, middle, corner = table.rows[0].cells
    table.rows[0].height = Cm(2.2)
    _cell_border(logo, "dashed", "BFBFBF")
    logo.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    _para(logo, "{{ logo }}", align="center")
    _para(middle, "{{ company.legal_name }}", bold=True, size=11, after=1)
    lines = ["{address}: {{ company.address }}", "{tax_full}: {{ company.tax_id }}", "{phone}: {{ company.phone }}",
             "{email}: {{ company.email }}"]
    if "bank" not in b.layout.blocks:  # else the bank form below carries them
        lines.append("{bank}: {{ company.bank_name }}, {account}: {{ company.bank_account }}, "
                     "{bic}: {{ company.bank_bic }}")
    if b.layout.landscape:  # room enough to pair the lines: the УПД needs the height
        lines = ["   ".join(lines[i:i + 2]) for i in range(0, len(lines), 2)]
    for line in lines:
        _para(middle, b.req(line), size=8)
    corner.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    _para(corner, "{{ barcode }}", align="right")
    _rule(b.doc)


def title(b: Build) -> None:
    text = _fill(b.t["title_fmt"], {"title": b.t["title"][b.kind]})
    _para(b.doc, text, bold=True, size=13, align="center", before=4, after=2 if b.kind == "receipt" else 8)
    if b.kind == "receipt":
        _para(b.doc, b.t["receipt"]["subtitle"], size=9, align="center", after=8)


def client_box(b: Build) -> None:
    """The buyer's requisites on the left, the document's facts on the right."""
    left_w = b.width * 0.55
    table = _table(b.doc, 1, [left_w, b.width - left_w], grid=True)
    left, right = table.rows[0].cells
    _para(left, b.t["role"]["bill_to"], bold=True, size=8, grey=True)
    _para(left, "{{ client.legal_name }}", bold=True)
    for line in ("{address}: {{ client.address }}", "{tax_full}: {{ client.tax_id }}",
                 "{phone}: {{ client.phone }}   {email}: {{ client.email }}", "{contact}: {{ client.contact }}"):
        _para(left, b.req(line), size=9)
    for key in b.layout.info:
        _para(right, [(b.colon(b.t["info"][key] + ": "), True), (INFO[key], False)], size=9, after=2)
    _gap(b.doc, 4)


def bank(b: Build) -> None:
    """Payment details in the Russian bank-form layout: bank and BIC, account, beneficiary."""
    words = b.t["bank"]
    table = _table(b.doc, 3, [b.width - 7.2, 1.8, 5.4], grid=True)
    rows = table.rows
    rows[1].cells[1].merge(rows[2].cells[1])
    rows[1].cells[2].merge(rows[2].cells[2])
    _para(rows[0].cells[0], "{{ company.bank_name }}", size=9)
    _para(rows[0].cells[0], words["bank"], size=7, grey=True)
    _para(rows[0].cells[1], words["bic"], size=8)
    _para(rows[0].cells[2], "{{ company.bank_bic }}", size=9)
    _para(rows[1].cells[0], b.req("{tax} {{ company.tax_id }}"), size=9)
    _para(rows[1].cells[1], words["account"], size=8)
    _para(rows[1].cells[2], "{{ company.bank_account }}", size=9)
    _para(rows[2].cells[0], "{{ company.legal_name }}", size=9)
    _para(rows[2].cells[0], words["payee"], size=7, grey=True)
    _gap(b.doc, 4)


def parties(b: Build) -> None:
    """Role: party lines (shipper, consignee, basis…), the first-page block of Russian primary documents."""
    table = _table(b.doc, len(b.layout.parties), [3.8, b.width - 3.8])
    for row, (role, line) in zip(table.rows, b.layout.parties):
        _para(row.cells[0], b.t["role"][role] + ":", bold=True, size=9)
        text = b.req(PARTY[line]) if line in PARTY else b.t["basis"][line]
        _para(row.cells[1], text, size=9, after=3)
    _gap(b.doc, 4)


def lines(b: Build, columns: tuple[str, ...] | None = None) -> None:
    """The lines table: a bold repeating header, the `{%tr for %}` loop row, and an optional sum row."""
    columns = columns or b.layout.columns
    labels = b.t["upd_col"] if b.kind == "upd" else b.t["col"]
    weights = [(UPD_WEIGHTS if b.kind == "upd" else WEIGHTS)[c] for c in columns]
    widths = [b.width * w / sum(weights) for w in weights]
    sums = b.layout.sums if columns == b.layout.columns else ()
    table = _table(b.doc, 4 + bool(sums), widths, grid=True)
    head, opening, row, closing = table.rows[:4]
    for i, col in enumerate(columns):
        _shade(head.cells[i])
        head.cells[i].vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        _para(head.cells[i], labels[col], bold=True, size=7.5 if b.kind == "upd" else 8, align="center")
        value = b.t["no_excise"] if col == "excise" else "{{ l.%s }}" % col
        align = "right" if col in RIGHT else "center" if col in CENTER else "left"
        _para(row.cells[i], value, size=8, align=align, bold=col in b.layout.bold)
        if b.lang == "km":  # an exact line height: Khmer OS System's own (1.8 em) doubles every row
            row.cells[i].paragraphs[-1].paragraph_format.line_spacing = Pt(12)
    _repeat_header(head)
    _para(opening.cells[0], "{%tr for l in lines %}")
    _para(closing.cells[0], "{%tr endfor %}")
    if sums:
        last = table.rows[4]
        first = columns.index(sums[0])
        label = last.cells[0].merge(last.cells[first - 1]) if first > 1 else last.cells[0]
        _para(label, b.t["tot"]["upd_sum" if b.kind == "upd" else "sum"], bold=True, size=8, align="right")
        for col in sums:
            _para(last.cells[columns.index(col)], "{{ totals.%s }}" % col, bold=True, size=8, align="right")
    _gap(b.doc, 2)


def totals(b: Build) -> None:
    """Net, tax and total in a box on the right; the riel equivalent when there is one."""
    table = _table(b.doc, len(b.layout.totals), [6.2, 3.8], grid=True, align="right")
    for row, key in zip(table.rows, b.layout.totals):
        strong = key == "total"
        _para(row.cells[0], b.t["tot"][key], bold=strong, size=9, align="right")
        _para(row.cells[1], "{{ totals.%s }} {{ totals.currency }}" % key, bold=strong, size=9, align="right")
    second(b)


def second(b: Build) -> None:
    _para(b.doc, "{%p if totals.second_total %}")
    _para(b.doc, b.t["second"], size=9, align="right", before=3)
    _para(b.doc, "{%p endif %}")


def in_words(b: Build) -> None:
    _para(b.doc, [(b.t["words"] + " ", True), ("{{ total_words }}", False)], before=6, after=6)


def terms(b: Build) -> None:
    for text in b.t["terms"]:
        _para(b.doc, text, size=9, after=3)


def notice(b: Build) -> None:
    for text in b.t["notice"][b.kind]:
        _para(b.doc, text, size=9, italic=True, after=3)


def notes(b: Build) -> None:
    _para(b.doc, "{%p if source.notes %}")
    _para(b.doc, "{{ source.notes }}", size=9, italic=True, after=3)
    _para(b.doc, "{%p endif %}")


def statement(b: Build) -> None:
    for text in b.t["statement"][b.kind]:
        _para(b.doc, text, size=9.5, after=4, align="justify" if b.lang != "km" else None)


def signs(b: Build, columns: tuple[tuple, ...] | None = None) -> None:
    """Signature columns side by side: role, signature lines over names, date, the stamp, a QR code.

    One table row per item, so both sides line up and a page may break between two signatures;
    an image column is one cell merged down all the rows.
    """
    columns = columns or b.layout.signs
    image_w = 3.0
    images = sum(1 for c in columns if c[0][0] == "image")
    share = (b.width - image_w * images) / (len(columns) - images)
    depth = max(len(c) for c in columns)
    table = _table(b.doc, depth, [image_w if c[0][0] == "image" else share for c in columns])
    for i, items in enumerate(columns):
        if items[0][0] == "image":
            _sign_item(b, table.cell(0, i).merge(table.cell(depth - 1, i)), items[0])
            continue
        for row, item in zip(table.rows, items):
            _sign_item(b, row.cells[i], item)
    for row in table.rows[:-1]:  # the block moves to the next page whole, never leaving its heads behind
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    _gap(b.doc, 4)


def _sign_item(b: Build, cell, item: tuple) -> None:
    what, tight = item[0], b.kind == "upd"  # the УПД packs its many signatures onto one page
    if what in ("head", "head_text"):
        text = b.t["role"][item[1]] if what == "head" else item[1]
        _para(cell, text, bold=True, size=9.5, before=6, after=4)
    elif what == "sign":
        # Russian forms put the role above the line and "подпись / расшифровка" under it; Cambodian
        # and English ones print the role under the line.
        role, line = b.t["who"][item[1]], "___________ / " + (item[2] or "_______________")
        if b.t["sig_caption"]:
            _para(cell, role, size=7.5 if tight else 8.5, before=2 if tight else 6, keep=True)
        _para(cell, line, size=8 if tight else 8.5, before=6 if tight else 12, keep=True)
        if not b.t["sig_caption"]:
            _para(cell, role, size=7.5 if tight else 8)
        elif not tight:  # the УПД has no room for the caption line
            _para(cell, b.t["sig_caption"], size=6, grey=True)
    elif what == "text":
        _para(cell, b.t["who"][item[1]], size=7.5 if tight else 8.5, before=3 if tight else 6)
    elif what == "date":
        _para(cell, b.t["date_blank"], size=8.5, before=8)
    elif what == "stamp":
        _para(cell, b.t["stamp"], size=9, bold=True, before=4 if tight else 10, align="center")
    elif what == "image":
        cell.vertical_alignment = WD_ALIGN_VERTICAL.BOTTOM
        _para(cell, "{{ %s }}" % item[1], align="right")


def upd_head(b: Build) -> None:
    """The УПД's top: the status box on the left, the numbered fields (1)–(8) on the right."""
    rows = b.t["upd"]["rows"]
    status_w, code_w = 4.2, 1.2
    label_w = 7.5
    table = _table(b.doc, len(rows), [status_w, label_w, b.width - status_w - label_w - code_w, code_w])
    status = table.cell(0, 0).merge(table.cell(len(rows) - 1, 0))
    _cell_border(status)
    first, state, *legend = b.t["upd"]["status"]
    _para(status, first, bold=True, size=11, after=6)
    _para(status, state, bold=True, size=10, after=6)
    for line in legend:
        _para(status, line, size=7.5)
    for row, (label, value, code) in zip(table.rows, rows):
        big = code == "(1)"
        _para(row.cells[1], label, size=10 if big else 7.5, bold=big, after=0)
        _para(row.cells[2], value, size=10 if big else 8, bold=big, after=0)
        _cell_border(row.cells[2], sides=("bottom",))
        _para(row.cells[3], code, size=7.5, align="center", after=0)
    _gap(b.doc, 4)


def upd_basis(b: Build) -> None:
    for text in b.t["upd"]["basis"]:
        _para(b.doc, text, size=8.5, after=3)


def upd_signs(b: Build) -> None:
    signs(b, UPD_SIGNS)


def payment(b: Build) -> None:
    """The receipt's fields: who paid, what for, how, how much, in figures and in words."""
    rows = b.t["receipt"]["rows"]
    table = _table(b.doc, len(rows), [4.5, b.width - 4.5], grid=True)
    for row, (label, value) in zip(table.rows, rows):
        _shade(row.cells[0], "F2F2F2")
        strong = "payment.amount }}" in value
        _para(row.cells[0], label, bold=True, size=9)
        _para(row.cells[1], value, bold=strong, size=11 if strong else 9.5)
    _gap(b.doc, 6)


def allocations(b: Build) -> None:
    words = b.t["receipt"]
    _para(b.doc, words["alloc_heading"], bold=True, size=9.5, after=3)
    widths = [b.width * 0.4, b.width * 0.3, b.width * 0.3]
    table = _table(b.doc, 5, widths, grid=True)
    head, opening, row, closing, total = table.rows
    for cell, label in zip(head.cells, words["alloc_cols"]):
        _shade(cell)
        _para(cell, label, bold=True, size=8.5, align="center")
    for cell, value, align in zip(row.cells, ("{{ a.number }}", "{{ a.date }}",
                                              "{{ a.amount }} {{ payment.currency }}"), ("left", "center", "right")):
        _para(cell, value, size=9, align=align)
    _para(opening.cells[0], "{%tr for a in payment.allocations %}")
    _para(closing.cells[0], "{%tr endfor %}")
    _para(total.cells[0].merge(total.cells[1]), words["alloc_total"], bold=True, size=9, align="right")
    _para(total.cells[2], "{{ payment.amount }} {{ payment.currency }}", bold=True, size=9, align="right")
    _gap(b.doc, 6)


# --- contracts ----------------------------------------------------------------------------------

def _roles(b: Build) -> dict[str, str]:
    roles = dict(b.t["contract"]["roles"][b.kind])
    roles["CU"] = roles["C"].upper()
    return roles


def _num(b: Build, value: int) -> str:
    return str(value).translate(KHMER_DIGITS) if b.lang == "km" else str(value)


def contract_title(b: Build) -> None:
    words = b.t["contract"]
    _para(b.doc, _fill(words["title_fmt"], {"title": b.t["title"][b.kind]}), bold=True, size=13, align="center",
          before=4, after=8)
    table = _table(b.doc, 1, [b.width / 2, b.width / 2])
    _para(table.cell(0, 0), words["city"])
    _para(table.cell(0, 1), "{{ doc.date }}", align="right")
    _gap(b.doc, 6)


def preamble(b: Build) -> None:
    words = b.t["contract"]
    _para(b.doc, _fill(words["preamble"], _roles(b)), align="justify" if words["justify"] else None, after=6)


def _heading(b: Build, n: int, text: str) -> None:
    words = b.t["contract"]
    _para(b.doc, _fill(words["heading_fmt"], {"n": _num(b, n), "title": text}), bold=True, before=8, after=4,
          keep=True, align="center" if words["center"] else None)


def sections(b: Build) -> None:
    """The numbered sections: the kind's own (subject, price, delivery, quality) then the common ones."""
    words, roles = b.t["contract"], _roles(b)
    for n, (heading, clauses) in enumerate(words["sections"][b.kind] + words["common"], start=1):
        _heading(b, n, _fill(heading, roles))
        for m, clause in enumerate(clauses, start=1):
            number = _fill(words["clause_fmt"], {"n": _num(b, n), "m": _num(b, m)})
            _para(b.doc, number + _fill(clause, roles), align="justify" if words["justify"] else None, after=3)


def requisites(b: Build) -> None:
    """Both parties' requisites side by side, then the signature lines and the places for the stamps."""
    words, roles = b.t["contract"], _roles(b)
    n = len(words["sections"][b.kind]) + len(words["common"]) + 1
    _heading(b, n, words["requisites"])
    table = _table(b.doc, 2, [b.width / 2, b.width / 2], grid=True)
    seller, buyer = table.rows[0].cells
    _para(seller, roles["S"].upper(), bold=True, after=3)
    _para(seller, "{{ company.legal_name }}", bold=True, after=2)
    for line in ("{address}: {{ company.address }}", "{tax_full}: {{ company.tax_id }}",
                 "{bank}: {{ company.bank_name }}", "{account}: {{ company.bank_account }}",
                 "{bic}: {{ company.bank_bic }}", "{phone}: {{ company.phone }}", "{email}: {{ company.email }}"):
        _para(seller, b.req(line), size=9)
    _para(buyer, roles["B"].upper(), bold=True, after=3)
    _para(buyer, "{{ client.legal_name }}", bold=True, after=2)
    for line in ("{address}: {{ client.address }}", "{tax_full}: {{ client.tax_id }}", "{phone}: {{ client.phone }}",
                 "{email}: {{ client.email }}", "{contact}: {{ client.contact }}"):
        _para(buyer, b.req(line), size=9)
    for cell, (who, name) in zip(table.rows[1].cells, (("director", "{{ company.director }}"),
                                                      ("representative", "{{ client.contact }}"))):
        _sign_item(b, cell, ("sign", who, name))
        _sign_item(b, cell, ("stamp",))


def appendix(b: Build) -> None:
    """Appendix No. 1, the Specification: the lines, the totals and both signatures."""
    words, roles = b.t["contract"], _roles(b)
    heading = _para(b.doc, _fill(words["appendix"], roles), size=9, align="right", after=8)
    heading.paragraph_format.page_break_before = True
    _para(b.doc, words["spec_title"], bold=True, size=12, align="center", after=8)
    lines(b)
    totals(b)
    words_line = _fill(words["spec_terms"], roles)
    _para(b.doc, [(b.t["words"] + " ", True), ("{{ contract.total_words }}", False)], before=6, after=4)
    _para(b.doc, words_line, size=9, after=8)
    signs(b, ((("head_text", roles["S"]), ("sign", "director", "{{ company.director }}"), ("stamp",)),
              (("head_text", roles["B"]), ("sign", "representative", "{{ client.contact }}"), ("stamp",))))


# --- payslips ----------------------------------------------------------------------------------

# The payslip's own words; the title, the requisites' labels, the signatures and "Date" come from WORDS.
PAYSLIP_WORDS: dict[str, dict[str, Any]] = {
    "en": {"title": "PAYSLIP No. {{ doc.number }}", "subtitle": "for {{ run.period }} · payroll {{ run.number }}",
           "employee": "Employee",
           "employer": "Employer", "number": "Staff No.", "position": "Position", "department": "Department",
           "tax_id": "Tax ID", "period": "Period: {{ run.period_start }} – {{ run.period_end }}",
           "days": "Working days: norm {{ time.norm_days }}, worked {{ time.worked_days }}",
           "hours": "Working hours: norm {{ time.norm_hours }}, worked {{ time.worked_hours }}",
           "currency": "Currency: {{ totals.currency }}",
           "cols": ("No.", "Item", "How it was computed", "Amount"),
           "sections": {"earnings": "Earnings", "deductions": "Deductions",
                        "contributions": "Employer contributions (paid by the company on top of pay)"},
           "subtotals": {"earnings": "Total earnings", "deductions": "Total deductions",
                         "contributions": "Total contributions"},
           "gross": "Gross pay", "deductions": "Deductions", "net": "Net pay", "words": "Net pay in words:",
           "cost": "Cost to the company: {{ totals.cost }} {{ totals.currency }} (gross pay and employer "
                   "contributions)."},
    "km": {"title": "បង្កាន់ដៃប្រាក់បៀវត្សរ៍ លេខ {{ doc.number }}",
           "subtitle": "សម្រាប់{{ run.period }} · បញ្ជីបើកប្រាក់លេខ {{ run.number }}", "employee": "និយោជិត",
           "employer": "និយោជក", "number": "អត្តលេខបុគ្គលិក", "position": "មុខតំណែង", "department": "ផ្នែក",
           "tax_id": "លេខអត្តសញ្ញាណកម្មសារពើពន្ធ", "period": "រយៈពេល: {{ run.period_start }} – {{ run.period_end }}",
           "days": "ថ្ងៃធ្វើការ: តាមកំណត់ {{ time.norm_days }} ធ្វើការពិត {{ time.worked_days }}",
           "hours": "ម៉ោងធ្វើការ: តាមកំណត់ {{ time.norm_hours }} ធ្វើការពិត {{ time.worked_hours }}",
           "currency": "រូបិយប័ណ្ណ: {{ totals.currency }}",
           "cols": ("ល.រ", "មុខចំណូល / កាត់កង", "របៀបគណនា", "ចំនួនទឹកប្រាក់"),
           "sections": {"earnings": "ប្រាក់ចំណូល", "deductions": "ការកាត់កង",
                        "contributions": "ភាគទានរបស់និយោជក (ក្រុមហ៊ុនបង់បន្ថែមលើប្រាក់បៀវត្សរ៍)"},
           "subtotals": {"earnings": "សរុបប្រាក់ចំណូល", "deductions": "សរុបការកាត់កង",
                         "contributions": "សរុបភាគទាន"},
           "gross": "ប្រាក់បៀវត្សរ៍សរុប", "deductions": "ការកាត់កងសរុប", "net": "ប្រាក់ត្រូវបើក",
           "words": "ប្រាក់ត្រូវបើកជាអក្សរ៖",
           "cost": "ចំណាយសរុបរបស់ក្រុមហ៊ុន៖ {{ totals.cost }} {{ totals.currency }} "
                   "(ប្រាក់បៀវត្សរ៍សរុប និងភាគទានរបស់និយោជក)។"},
    "ru": {"title": "РАСЧЁТНЫЙ ЛИСТОК № {{ doc.number }}",
           "subtitle": "за {{ run.period }} · ведомость {{ run.number }}", "employee": "Работник",
           "employer": "Работодатель", "number": "Табельный номер", "position": "Должность",
           "department": "Подразделение", "tax_id": "ИНН",
           "period": "Период: {{ run.period_start }} – {{ run.period_end }}",
           "days": "Рабочие дни: по норме {{ time.norm_days }}, отработано {{ time.worked_days }}",
           "hours": "Рабочие часы: по норме {{ time.norm_hours }}, отработано {{ time.worked_hours }}",
           "currency": "Валюта: {{ totals.currency }}",
           "cols": ("№", "Вид начисления или удержания", "Как рассчитано", "Сумма"),
           "sections": {"earnings": "Начислено", "deductions": "Удержано",
                        "contributions": "Взносы работодателя (уплачиваются сверх заработной платы)"},
           "subtotals": {"earnings": "Итого начислено", "deductions": "Итого удержано",
                         "contributions": "Итого взносов"},
           "gross": "Начислено", "deductions": "Удержано", "net": "К выплате", "words": "Сумма к выплате прописью:",
           "cost": "Затраты работодателя: {{ totals.cost }} {{ totals.currency }} (начисления и взносы)."},
}
PAYSLIP_SECTIONS = (("earnings", "gross"), ("deductions", "deductions"), ("contributions", "contributions"))


def payslip_head(b: Build) -> None:
    """The title, the month and the run, and the note of a payslip that is not final or corrects another.

    No date in the title (the month is the payslip's date), so that it keeps to one line in every language.
    """
    words = PAYSLIP_WORDS[b.lang]
    _para(b.doc, words["title"], bold=True, size=13, align="center", before=4, after=2)
    _para(b.doc, words["subtitle"], size=9.5, align="center", after=6)
    _para(b.doc, "{%p if run.note %}")
    _para(b.doc, "{{ run.note }}", bold=True, italic=True, size=9, align="center", after=6)
    _para(b.doc, "{%p endif %}")


def payslip_employee(b: Build) -> None:
    """Who is paid (left) and the month's days and hours (right)."""
    words = PAYSLIP_WORDS[b.lang]
    left_w = b.width * 0.5
    table = _table(b.doc, 1, [left_w, b.width - left_w], grid=True)
    left, right = table.rows[0].cells
    _para(left, words["employee"], bold=True, size=8, grey=True)
    _para(left, "{{ employee.name }}", bold=True)
    for key in ("number", "position", "department", "tax_id"):
        _para(left, [(b.colon(words[key] + ": "), True), ("{{ employee.%s }}" % key, False)], size=9)
    for key in ("period", "days", "hours", "currency"):
        _para(right, b.colon(words[key]), size=9, after=2)
    _gap(b.doc, 4)


def payslip_lines(b: Build) -> None:
    """One table, three sections (earnings, deductions, contributions): a heading, the loop row, the subtotal."""
    words = PAYSLIP_WORDS[b.lang]
    weights = [0.8, 4.2, 7.6, 2.4]
    widths = [b.width * w / sum(weights) for w in weights]
    table = _table(b.doc, 1 + 5 * len(PAYSLIP_SECTIONS), widths, grid=True)
    head = table.rows[0]
    for cell, label in zip(head.cells, words["cols"]):
        _shade(cell)
        _para(cell, label, bold=True, size=8, align="center")
    _repeat_header(head)
    for n, (section, total) in enumerate(PAYSLIP_SECTIONS):
        heading, opening, row, closing, subtotal = table.rows[1 + 5 * n:6 + 5 * n]
        merged = heading.cells[0].merge(heading.cells[3])
        _shade(merged, "F2F2F2")
        _para(merged, words["sections"][section], bold=True, size=9)
        _para(opening.cells[0], "{%%tr for l in %s %%}" % section)
        for cell, value, align, grey in zip(row.cells, ("{{ l.no }}", "{{ l.name }}", "{{ l.explanation }}",
                                                        "{{ l.amount }}"),
                                            ("center", "left", "left", "right"), (False, False, True, False)):
            _para(cell, value, size=7.5 if grey else 8.5, align=align, grey=grey)
            if b.lang == "km":  # an exact line height: Khmer OS System's own (1.8 em) doubles every row
                cell.paragraphs[-1].paragraph_format.line_spacing = Pt(12)
        _para(closing.cells[0], "{%tr endfor %}")
        label = subtotal.cells[0].merge(subtotal.cells[2])
        _para(label, words["subtotals"][section], bold=True, size=8.5, align="right")
        _para(subtotal.cells[3], "{{ totals.%s }}" % total, bold=True, size=8.5, align="right")
    _gap(b.doc, 4)


def payslip_totals(b: Build) -> None:
    """Gross, deductions and net pay in a box on the right; net pay in words; the company's cost."""
    words = PAYSLIP_WORDS[b.lang]
    table = _table(b.doc, 3, [6.2, 3.8], grid=True, align="right")
    for row, key in zip(table.rows, ("gross", "deductions", "net")):
        strong = key == "net"
        _para(row.cells[0], words[key], bold=strong, size=9, align="right")
        _para(row.cells[1], "{{ totals.%s }} {{ totals.currency }}" % key, bold=strong, size=9, align="right")
    _para(b.doc, [(words["words"] + " ", True), ("{{ net_words }}", False)], before=6, after=4)
    _para(b.doc, words["cost"], size=8, grey=True, after=8)


def payslip_signs(b: Build) -> None:
    words = PAYSLIP_WORDS[b.lang]
    signs(b, ((("head_text", words["employer"]), ("sign", "accountant", "{{ company.accountant }}"), ("stamp",)),
              (("head_text", words["employee"]), ("sign", "received", "{{ employee.name }}"), ("date",))))


BLOCKS = {f.__name__: f for f in (header, title, client_box, bank, parties, lines, totals, second, in_words, terms,
                                  notice, notes, statement, signs, upd_head, upd_basis, upd_signs, payment,
                                  allocations, contract_title, preamble, sections, requisites, appendix,
                                  payslip_head, payslip_employee, payslip_lines, payslip_totals, payslip_signs)}


def build_template(kind_code: str, language: str) -> DocxDocument:
    """One template, as a python-docx Document."""
    layout = LAYOUTS[kind_code]
    doc = Document()
    width = _setup(doc, kind_code, language, layout)
    b = Build(doc, kind_code, language, WORDS[language], layout, width)
    for block in layout.blocks:
        BLOCKS[block](b)
    last = doc.paragraphs[-1].paragraph_format  # the gap after the last table must not push a page over
    last.line_spacing, last.space_after = Pt(1), Pt(0)
    _footer(b)
    return doc


def build_templates(out_dir: Path = ROOT / "templates") -> list[Path]:
    """Write every kind × language to out_dir/<family>/<kind>.<lang>.docx; the paths written."""
    written = []
    for code, kind in KINDS.items():
        for language in LANGUAGES:
            path = out_dir / kind.family / f"{code}.{language}.docx"
            path.parent.mkdir(parents=True, exist_ok=True)
            build_template(code, language).save(path)
            written.append(path)
    return written


if __name__ == "__main__":
    for written_path in build_templates():
        print(written_path)
