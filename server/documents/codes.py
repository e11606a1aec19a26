"""The machine-readable marks of a document: a Code 128 barcode and a QR code, both carrying its number."""
from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

import barcode
import segno
from barcode.codex import Code128
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from .engine import Image

# Printed sizes: a barcode a scanner reads at arm's length, a QR a phone reads from the page.
BARCODE_MM = (55.0, 14.0)
QR_MM = (22.0, 22.0)


def barcode_image(number: str) -> Image:
    """Code 128 of the document number (the scanners feed it back to find the document).

    python-barcode encodes the modules; the picture is drawn here in one pass (its ImageWriter paints
    module by module and took a third of a document's rendering), with the number printed below.
    """
    modules = Code128(number).build()[0]
    quiet, module_px, bar_px, text_px = 10, 2, 70, 22
    width = (len(modules) + 2 * quiet) * module_px
    row = bytes(0 if m == "1" else 255 for m in "0" * quiet + modules + "0" * quiet)
    bars = PILImage.frombytes("L", (len(row), 1), row).resize((width, bar_px), PILImage.NEAREST)
    picture = PILImage.new("L", (width, bar_px + text_px), 255)
    picture.paste(bars, (0, 0))
    draw = ImageDraw.Draw(picture)
    font = _font()
    left, _top, right, _bottom = draw.textbbox((0, 0), number, font=font)
    draw.text(((width - (right - left)) // 2, bar_px + 2), number, fill=0, font=font)
    out = io.BytesIO()
    picture.convert("1").save(out, format="PNG")
    return Image(out.getvalue(), *BARCODE_MM)


@functools.lru_cache(maxsize=1)
def _font() -> Any:
    # The monospace font python-barcode ships, so the printed number looks the same everywhere.
    return ImageFont.truetype(str(Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"), 16)


def qr_image(payload: str) -> Image:
    """A QR code of the payload, medium error correction so a stamp over a corner still reads.

    The mask is fixed: choosing the best of eight costs 15 ms a code (most of a document's
    rendering) and any mask reads; the choice only evens out light and dark modules.
    """
    qr = segno.make(payload, error="m", micro=False, mask=2, boost_error=False)
    # Pillow writes the PNG (segno's own writer is pure Python and slower than the code itself).
    border, scale = 2, 4
    size = len(qr.matrix) + 2 * border
    picture = PILImage.new("1", (size, size), 1)
    picture.putdata([0 if dark else 1 for row in _with_border(qr.matrix, border) for dark in row])
    out = io.BytesIO()
    picture.resize((size * scale, size * scale), PILImage.NEAREST).save(out, format="PNG", optimize=False)
    return Image(out.getvalue(), *QR_MM)


def _with_border(matrix: tuple, border: int) -> list[tuple[int, ...]]:
    blank = (0,) * (len(matrix[0]) + 2 * border)
    pad = (0,) * border
    return [blank] * border + [pad + tuple(row) + pad for row in matrix] + [blank] * border


def qr_payload(kind: str, number: str, date: str, total: str = "", currency: str = "", company_tax_id: str = "") -> str:
    """What the QR says: the document's identity, readable by a person as well as by our scanners."""
    parts = ["CB1", kind, number, date]
    if total:
        parts.append(f"{total} {currency}".strip())
    if company_tax_id:
        parts.append(company_tax_id)
    return "|".join(parts)
