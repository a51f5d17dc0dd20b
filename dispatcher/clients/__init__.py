"""Clients and who owns them (docs/rules.md O1-O12, Q4, X1, X2, X7): the client registry,
the office's registration log, each client's ownership log, and the screens on them.

The logs are append-only (database triggers refuse UPDATE and DELETE); ownership is the
fold of a client's log by routing.ownership, kept on the client's record for routing.
"""
