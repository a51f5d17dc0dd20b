"""Reading a salesperson's reply to a page. Pure: text in, a command out."""

from __future__ import annotations

from dataclasses import dataclass

ACK_WORDS = {"OK", "OKAY", "YES", "Y", "1"}
HELP_WORDS = {"HELP", "INFO", "?"}


@dataclass(frozen=True)
class Reply:
    command: str  # ack | help | unknown
    ref: int | None = None


def parse_reply(body: str) -> Reply:
    """OK / YES / 1 acknowledge the newest page; a ref number (or 'OK 12') picks one."""
    words = (body or "").strip().upper().replace(",", " ").split()
    if not words:
        return Reply("unknown")
    first, rest = words[0].rstrip(".!"), words[1:]
    if first in HELP_WORDS:
        return Reply("help")
    if first in ACK_WORDS:
        ref = _ref(rest[0]) if rest else None
        return Reply("ack", ref)
    if _ref(first) is not None and not rest:
        return Reply("ack", _ref(first))
    return Reply("unknown")


def _ref(word: str) -> int | None:
    word = word.removeprefix("REF").removeprefix("#")
    return int(word) if word.isdigit() else None
