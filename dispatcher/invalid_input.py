"""Errors a user can act on, with a message per bad field."""

from __future__ import annotations


class InvalidInput(Exception):
    """Bad input: nothing was recorded. ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {text}" for field, text in errors.items()))
        self.errors = errors
