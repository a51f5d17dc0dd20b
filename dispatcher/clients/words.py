"""A client's log in the office's words: what each entry of the ownership log means, why
the manager set an owner, and the stages (O11). No screen shows `owner_set`."""

from __future__ import annotations

from dispatcher.language import N_
from dispatcher.models import ClientStage
from routing import ownership as o

STAGE = "stage"  # ClientEvent.kind of a change of stage (O11): not an ownership entry

ENTRIES = {
    o.FIRST_CONTACT: "received the client (first contact)",
    o.NAMED: "named by the client",
    o.FOLLOW_UP: "followed the client up",
    o.SERVED: "served the owner's client (the owner keeps them)",
    o.DEPOSIT: "deposit paid (the closer)",
    o.DISPUTE_RAISED: "dispute raised",
    o.OWNER_SET: "the manager set the owner",
    STAGE: "stage changed",
}

REASONS = {
    o.BY_DISPUTE: "dispute decided",
    o.BY_BAD_SERVICE: "bad service: the first salesperson loses their share",
    o.BY_HANDOVER: "hand-over: the owner left the office",
    o.BY_DESIGNATION: "designated client, by rotation",
    o.BY_DEVELOPER: "developer's referral, by rotation (50% share)",
    o.BY_MANAGER: "the manager's decision",
    o.BY_CARRIED_OVER: "carried over from the leads before the client records",
}

STAGES = {
    ClientStage.POTENTIAL: N_("potential"),
    ClientStage.INTENDING: N_("intending"),
    ClientStage.CLOSED: N_("closed (contract signed)"),
    ClientStage.INVALID: N_("invalid"),
}

FOLLOW_UP_WAYS = {"call": N_("call"), "visit": N_("visit"), "message": N_("message")}


def entry_words(kind: str, reason: str = "") -> str:
    """One log entry's kind (and the manager's reason) in words."""
    words = ENTRIES.get(kind, kind.replace("_", " "))
    if kind == o.OWNER_SET and reason:
        return f"{words}: {REASONS.get(reason, reason.replace('_', ' '))}"
    return words
