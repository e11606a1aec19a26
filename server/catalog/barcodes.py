"""Barcode checks: the EAN/UPC family by its check digit, Code 128 by its character set and length.

EAN-13, EAN-8 and UPC-A (12 digits) are all accepted under the type "ean13" (a scanner reads
them alike and they share the mod-10 check digit); Code 128 takes printable ASCII up to 48
characters and carries no check digit of its own in the printed text.
"""
from __future__ import annotations

from ..core.errors import FieldError

CODE128_MAX = 48
EAN_LENGTHS = (8, 12, 13)


def ean_check_digit(body: str) -> int:
    """The mod-10 check digit of the digits before it (GS1: weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def guess_type(code: str) -> str:
    """A code of 8, 12 or 13 digits is read as EAN/UPC; anything else as Code 128."""
    return "ean13" if code.isdigit() and len(code) in EAN_LENGTHS else "code128"


def check(code: str, kind: str, field: str = "barcode") -> list[FieldError]:
    """Every problem with `code` read as `kind` ("ean13" or "code128")."""
    if kind == "ean13":
        if not code.isascii() or not code.isdigit():
            return [FieldError(field, "barcode_digits")]
        if len(code) not in EAN_LENGTHS:
            return [FieldError(field, "barcode_length")]
        expected = ean_check_digit(code[:-1])
        if int(code[-1]) != expected:
            return [FieldError(field, "barcode_check_digit", {"expected": expected})]
        return []
    if not code or len(code) > CODE128_MAX or not all(" " <= ch <= "~" for ch in code):
        return [FieldError(field, "barcode_characters", {"max": CODE128_MAX})]
    return []
