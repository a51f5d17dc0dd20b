"""Whether a call through the office's number proves that the client was reached.

Twilio reports a <Dial>'s end with ``DialCallStatus`` and, when the dialled phone
answered, ``DialCallDuration`` (seconds). Only an answered dial that lasted the office's
minimum is a contact: a voicemail greeting cut short, a ring with no answer, a busy line
or a hang-up at "hello" are not.
"""

from __future__ import annotations

# The dialled phone was answered: "completed" once both sides hung up, "answered" when
# the caller's side hung up first (Twilio's <Dial> action).
ANSWERED = frozenset({"completed", "answered"})
# The dialled phone never answered: the put-through comes back to the coordinator.
NOT_ANSWERED = frozenset({"no-answer", "busy", "failed", "canceled"})


def is_contact(dial_status: str, seconds: int | None, min_seconds: int) -> bool:
    """An answered dial that lasted at least ``min_seconds``."""
    return dial_status in ANSWERED and seconds is not None and seconds >= min_seconds


def dial_seconds(raw: str | None) -> int | None:
    """``DialCallDuration`` as Twilio posts it (whole seconds), or None when absent or
    not a number."""
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())
