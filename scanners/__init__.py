"""Barcode inputs (keyboard wedge, serial port, image decode) that return plain records. Not built yet."""
