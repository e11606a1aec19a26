"""Messages of the sales package (English; translations in server/i18n/sales.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "invoice_posted": "Invoice {id} is {status} and can no longer be changed; correct it with a credit note.",
    "has_invoices": "Order {id} has invoices that are not cancelled.",
    "nothing_to_invoice": "Everything on order {id} is already invoiced.",
    "wrong_counterparty_kind": "This counterparty is a {kind}; this document needs a {expected}.",
    "due_before_date": "The due date cannot be before the document date {date}.",
    "line_too_precise": "At most {places} decimal places.",
    "credit_note_fixed": "A credit note keeps the counterparty, currency and lines taken from its original.",
    "not_on_original": "This product is not on invoice {id}.",
    "exceeds_uncredited": "More than is left to credit ({left}).",
    "nothing_to_credit": "Everything on invoice {id} has already been credited.",
    "credit_before_original": "A credit note cannot be dated before its original ({date}).",
    "invoice_before_order": "An invoice cannot be dated before its order ({date}).",
    "exceeds_uninvoiced": "More than is left to invoice ({left}).",
    "period_end_before_start": "The end of the period is before its start ({date}).",
}
