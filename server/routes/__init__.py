"""The route framework: how a route is declared (auth, roles, parsing, transaction, idempotency) and documented.

It knows no users and no operations log: the app factory hands it an authenticator and an idempotency store.
"""
from .declare import (ALL_ROLES, PUBLIC, Authenticator, Endpoint, IdempotencyStore, Namer, VersionIn, hand_over,
                      new_request_id, parse_body, parse_query, register, route)

DEPENDS: tuple[str, ...] = ()

__all__ = ["ALL_ROLES", "PUBLIC", "Authenticator", "Endpoint", "IdempotencyStore", "Namer", "VersionIn", "hand_over",
           "new_request_id", "parse_body", "parse_query", "register", "route"]
