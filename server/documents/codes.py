"""The machine-readable marks of a document: a Code 128 barcode and a QR code, both carrying its number."""
from __future__ import annotations

import io

import barcode
import segno
from barcode.writer import ImageWriter

from .engine import Image

# Printed sizes: a barcode a scanner reads at arm's length, a QR a phone reads from the page.
BARCODE_MM = (55.0, 14.0)
QR_MM = (22.0, 22.0)


def barcode_image(number: str) -> Image:
    """Code 128 of the document number (the scanners feed it back to find the document)."""
    out = io.BytesIO()
    barcode.get("code128", number, writer=ImageWriter()).write(
        out, {"module_width": 0.25, "module_height": 9.0, "font_size": 7, "text_distance": 3.5,
              "quiet_zone": 2.0, "dpi": 200})
    return Image(out.getvalue(), *BARCODE_MM)


def qr_image(payload: str) -> Image:
    """A QR code of the payload, medium error correction so a stamp over a corner still reads."""
    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(out, kind="png", scale=4, border=2)
    return Image(out.getvalue(), *QR_MM)


def qr_payload(kind: str, number: str, date: str, total: str = "", currency: str = "", company_tax_id: str = "") -> str:
    """What the QR says: the document's identity, readable by a person as well as by our scanners."""
    parts = ["CB1", kind, number, date]
    if total:
        parts.append(f"{total} {currency}".strip())
    if company_tax_id:
        parts.append(company_tax_id)
    return "|".join(parts)
