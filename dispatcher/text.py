"""Text typed by people (forms, the API, SMS) and read back in TwiML, which is XML.

Control characters (the bidirectional overrides among them) have no business in a name, a
note or a reply, and some of them (NUL,
lone surrogates, U+FFFE) cannot be written in XML at all: a caller's name holding one
would make the TwiML read to a salesperson unreadable. Typed text that holds one is
refused with a message; text that has to be used anyway (an SMS, a record written before
this check) has them removed.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls, lone surrogates and the two BMP noncharacters XML
# excludes. Tab, line feed and carriage return are separate: a note may hold lines.
# And the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
# "Mr \u202eevil" shows reversed on the board, text that reads other than it is. The
# marks U+200E and U+200F (and U+061C) reorder nothing beyond their neighbours, and
# right-to-left names may need them: kept.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_LINE_BREAKS = re.compile("[\t\n\r]")
# Whole numbers typed by people: ASCII digits only (str.isdigit() and int() also take
# '²' or '١٢', which int() then refuses or reads as another number).
_ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# A salesperson's voice PIN: what a phone's keypad sends.
_PIN = re.compile(r"[0-9]{4,8}", re.ASCII)


def forbidden_character(text: str | None, *, multiline: bool = False) -> str | None:
    """The first character that typed text may not hold, or None."""
    if not text:
        return None
    found = _FORBIDDEN.search(text) or (None if multiline else _LINE_BREAKS.search(text))
    return found.group() if found else None


def forbidden_message(character: str) -> str:
    return f"Remove the control character U+{ord(character):04X}; it cannot be kept."


def without_control_characters(text: str | None) -> str:
    """The text with every forbidden character removed (tab and line breaks kept)."""
    return _FORBIDDEN.sub("", text or "")


def ascii_whole_number(text: str | None, *, max_digits: int = 9) -> int | None:
    """The whole number written in ASCII digits (at most ``max_digits``), else None."""
    text = (text or "").strip()
    if len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def valid_pin_format(pin: str | None) -> bool:
    """4 to 8 ASCII digits, nothing else (not even a line break)."""
    return bool(pin) and _PIN.fullmatch(pin) is not None
