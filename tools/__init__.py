"""Build tools run from a checkout (`python -m tools.<name>`); not installed, and the server never imports them."""
