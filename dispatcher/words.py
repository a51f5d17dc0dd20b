"""The office's words for the values kept in code form (a lead's state and channel, a
page's state, the rule that chose, a timeline entry, a salesperson's status), so that no
screen shows `walk_in` or `listing_agent`. A value missing here is shown with its
underscores as spaces, never as code."""

from __future__ import annotations

from dispatcher.models import LeadState, PageState
from routing import decision

CHANNELS = {"call": "call", "walk_in": "walk-in"}

LEAD_STATES = {
    LeadState.STUB: "to complete",
    LeadState.OPEN: "paged, waiting",
    LeadState.ACKNOWLEDGED: "taken",
    LeadState.MANAGER: "with the manager",
    LeadState.NOT_A_CLIENT: "not a client",
    LeadState.CLOSED: "closed",
    LeadState.HELD: "held: nobody on duty",
}

PAGE_STATES = {
    PageState.OPEN: "waiting for an answer",
    PageState.ACKNOWLEDGED: "acknowledged",
    PageState.MISSED: "missed",
    PageState.DECLINED: "passed",
    PageState.FAILED: "not delivered",
    PageState.NOTIFY: "manager told",
    PageState.MOVED: "moved by the manager",
}

RULES = {
    decision.RULE_ASKED_FOR: "Asked for by name",
    decision.RULE_OWNER: "Returning client",
    decision.RULE_LISTING_AGENT: "Listing agent",
    decision.RULE_SPECIALIST: "Specialist",
    decision.RULE_NEW_SALESPEOPLE: "New salespeople (outside the target area)",
    decision.RULE_ROTATION: "Office rotation",
    decision.RULE_MANAGER: "The manager decides",
    decision.RULE_ASSIGNED: "Assigned by the manager",
    decision.RULE_HELD: "Held until someone is on duty",
}

# A lead's timeline entries (LeadEvent.kind).
EVENTS = {
    "logged": "logged",
    "routed": "routed",
    "paged": "paged",
    "duplicate_sms": "page sent twice",
    "unchecked_resend": "page sent again",
    "page_failed": "page failed",
    "page_undelivered": "page not delivered",
    "acknowledged": "acknowledged",
    "missed": "missed",
    "declined": "passed",
    "failed": "not delivered",
    "reassigned": "given to the next",
    "unassigned": "nobody to page",
    "details_by_call": "details given by call",
    "outcome": "outcome reported",
    "closed": "closed",
    "number_problem": "number problem",
    "assigned": "assigned by hand",
    "moved": "moved by the manager",
    "reopened": "reopened",
    "corrected": "corrected",
    "warning": "warning",
    "declines_owner": "wants someone else",
    "released": "paged once someone was on duty",
    "missed_call": "missed call",
    "missed_call_sms": "SMS to the missed caller",
    "recorded": "call recorded",
    "page_call": "page by voice call",
    "page_call_ended": "voice page ended",
}

# Short, for the coordinator's list of whom a caller may ask for. The coordinator sees
# why someone is away; the caller never hears it (C3: the console's script says only
# "not in the office right now").
STATUSES = {
    decision.IN_OFFICE: "in office",
    decision.OUT: "out",
    decision.BUSY: "busy",
    decision.ERRAND: "on an errand",
    decision.OFF_SHIFT: "off shift",
    # Why someone is away stays with the office: leave may be sick leave (C3).
    decision.ON_LEAVE: "away",
    decision.PAUSED: "out of the rotation",
}

# How pages reach a salesperson (Salesperson.page_by; dispatcher/voice/pages.py).
PAGE_BY = {
    "sms": "By SMS",
    "sms_then_call": "By SMS, then a call after 2 minutes without an answer",
    "call": "By call only",
}

# Who did it, when the timeline kept a code rather than a person: shown as no one.
NOBODY_IN_PARTICULAR = frozenset({"system", "sms", "call", "page"})

TABLES = {
    "channel": CHANNELS,
    "lead_state": LEAD_STATES,
    "page_state": PAGE_STATES,
    "rule": RULES,
    "event": EVENTS,
    "status": STATUSES,
}


def in_words(value: str | None, table: str) -> str:
    """The value in the office's words (``table`` is one of TABLES)."""
    if not value:
        return ""
    words = TABLES[table].get(value)
    return words if words is not None else str(value).replace("_", " ")


# How an acknowledgement came (Page.acknowledged_by), kept in the timeline's entry as
# "<name> acknowledged (<how>)".
ACKNOWLEDGED_BY = {
    "sms": "by SMS",
    "call": "by calling the office",
    "coordinator": "the coordinator recorded the call-back",
    "page": "on their page",
}


def event_detail(kind: str, detail: str) -> str:
    """A timeline entry's detail in words. A routing entry was kept as "<rule>: <reason>"
    and shows its reason (the rule is in words beside the decision); an
    acknowledgement's "(sms)" shows as "(by SMS)"."""
    if kind == "routed":
        rule, sep, reason = detail.partition(": ")
        if sep and rule in RULES:
            return reason
    if kind == "acknowledged" and detail.endswith(")"):
        said, sep, how = detail[:-1].rpartition(" (")
        if sep and how in ACKNOWLEDGED_BY:
            return f"{said} ({ACKNOWLEDGED_BY[how]})"
    return detail
