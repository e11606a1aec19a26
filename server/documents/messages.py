"""Messages of the documents package (English; translations in server/i18n/documents.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "template_not_docx": "The file is not a Word document (.docx).",
    "template_too_large": "The file is too large: at most {limit} bytes, unpacked.",
    "template_encrypted": "The document is encrypted; save it without a password and upload it again.",
    "template_bad_xml": "Part {part} of the document is not safe, well-formed XML.",
    "template_syntax": "The template's tags are malformed: {detail}",
    "template_unknown_variable": "The template uses {variable}, which a document of this kind does not have.",
    "template_not_allowed": "The template uses {tag}, which document templates may not use.",
    "template_unsafe": "The template tried something that is not allowed: {detail}",
    "template_render_failed": "The template could not be filled: {detail}",
    "template_broken_output": "Part {part} of the filled document is not valid XML.",
    "invoice_not_posted": "Invoice {id} is {status}: only a posted invoice gets its documents; print a proforma instead.",
    "order_cancelled": "Order {id} is cancelled.",
    "payment_not_posted": "Payment {id} is {status}: only a posted receipt gets a receipt document.",
    "not_a_receipt": "Payment {id} is not a receipt from a counterparty.",
    "document_sent": "Document {number} is already {status}: what was handed over cannot be generated again.",
    "pdf_unavailable": "PDF is not available: LibreOffice is not installed on the server.",
    "pdf_failed": "LibreOffice could not convert {files} to PDF: {reason}",
    "date_in_future": "Must not be after {max_date}.",
    "not_base64": "Must be the file's bytes encoded in base64.",
}
