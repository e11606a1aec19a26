"""Messages of the finance package (English; translations in server/i18n/finance.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "not_an_asset_account": "Account {account} is an account of type {type}; money is kept on asset accounts.",
    "wrong_direction": "Cash-flow category {category} is for movements of direction {direction}.",
    "not_for_transfers": "A transfer between cash accounts does not take this field.",
    "only_for_transfers": "Only a transfer between cash accounts takes this field.",
    "same_cash_account": "A transfer needs two different cash accounts.",
    "transfer_amount_mismatch": "Between accounts in the same currency the amount that arrives is the amount sent ({amount}).",
    "posted_immutable": "Payment {number} is posted: only its memo and reference can change. Cancel it and enter a new one.",
    "immutable_field": "This field of a posted payment cannot be changed.",
    "has_allocations": "Record {id} still has active allocations; reverse them first.",
    "wrong_document_kind": "A {payment_kind} cannot be allocated to a {invoice_kind}.",
    "wrong_counterparty": "Document {number} belongs to another counterparty than the payment.",
    "date_too_early": "Must be on or after {min_date}.",
    "above_open_amount": "More than the open amount of {number}: {open_amount} {currency}.",
    "below_payment_unit": "Converted to {currency} this amount is less than the currency's smallest unit.",
    "above_unallocated": "The allocations need {needed} {currency}, but only {available} {currency} of the payment is unallocated.",
    "allocation_reversed": "Allocation {id} has already been reversed.",
}
