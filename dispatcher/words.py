"""The office's words for the values kept in code form (a lead's state and channel, a
page's state, the rule that chose, a timeline entry, a salesperson's status), so that no
screen shows `walk_in` or `listing_agent`. A value missing here is shown with its
underscores as spaces, never as code."""

from __future__ import annotations

from flask_babel import gettext

from dispatcher.language import N_
from dispatcher.models import LeadState, PageState
from routing import decision

CHANNELS = {"call": N_("call"), "walk_in": N_("walk-in")}

# A lead's kind (models.LEAD_KINDS).
KINDS = {
    "buyer": N_("buyer"),
    "seller": N_("seller"),
    "renter": N_("renter"),
    "landlord": N_("landlord"),
    "other": N_("other"),
}

LEAD_STATES = {
    LeadState.STUB: N_("to complete"),
    LeadState.OPEN: N_("paged, waiting"),
    LeadState.ACKNOWLEDGED: N_("taken"),
    LeadState.MANAGER: N_("with the manager"),
    LeadState.NOT_A_CLIENT: N_("not a client"),
    LeadState.CLOSED: N_("closed"),
    LeadState.HELD: N_("held: nobody on duty"),
}

PAGE_STATES = {
    PageState.OPEN: N_("waiting for an answer"),
    PageState.ACKNOWLEDGED: N_("acknowledged"),
    PageState.MISSED: N_("missed"),
    PageState.DECLINED: N_("passed"),
    PageState.FAILED: N_("not delivered"),
    PageState.NOTIFY: N_("manager told"),
    PageState.MOVED: N_("moved by the manager"),
}

RULES = {
    decision.RULE_ASKED_FOR: N_("Asked for by name"),
    decision.RULE_OWNER: N_("Returning client"),
    decision.RULE_LISTING_AGENT: N_("Listing agent"),
    decision.RULE_SPECIALIST: N_("Specialist"),
    decision.RULE_NEW_SALESPEOPLE: N_("New salespeople (outside the target area)"),
    decision.RULE_ROTATION: N_("Office rotation"),
    decision.RULE_MANAGER: N_("The manager decides"),
    decision.RULE_ASSIGNED: N_("Assigned by the manager"),
    decision.RULE_HELD: N_("Held until someone is on duty"),
}

# A lead's timeline entries (LeadEvent.kind).
EVENTS = {
    "logged": N_("logged"),
    "routed": N_("routed"),
    "paged": N_("paged"),
    "duplicate_sms": N_("page sent twice"),
    "unchecked_resend": N_("page sent again"),
    "page_failed": N_("page failed"),
    "page_undelivered": N_("page not delivered"),
    "acknowledged": N_("acknowledged"),
    "missed": N_("missed"),
    "declined": N_("passed"),
    "failed": N_("not delivered"),
    "reassigned": N_("given to the next"),
    "unassigned": N_("nobody to page"),
    "details_by_call": N_("details given by call"),
    "outcome": N_("outcome reported"),
    "closed": N_("closed"),
    "number_problem": N_("number problem"),
    "assigned": N_("assigned by hand"),
    "moved": N_("moved by the manager"),
    "reopened": N_("reopened"),
    "corrected": N_("corrected"),
    "warning": N_("warning"),
    "declines_owner": N_("wants someone else"),
    "released": N_("paged once someone was on duty"),
    "missed_call": N_("missed call"),
    "missed_call_sms": N_("SMS to the missed caller"),
    "recorded": N_("call recorded"),
    "page_call": N_("page by voice call"),
    "page_call_ended": N_("voice page ended"),
    "client_reached": N_("client reached"),
    "not_reached": N_("client not reached"),
    "put_through": N_("put through"),
    "put_through_missed": N_("put through, not answered"),
}

# Short, for the coordinator's list of whom a caller may ask for. The coordinator sees
# why someone is away; the caller never hears it (C3: the console's script says only
# "not in the office right now").
STATUSES = {
    decision.IN_OFFICE: N_("in office"),
    decision.OUT: N_("out"),
    decision.BUSY: N_("busy"),
    decision.ERRAND: N_("on an errand"),
    decision.OFF_SHIFT: N_("off shift"),
    # Why someone is away stays with the office: leave may be sick leave (C3).
    decision.ON_LEAVE: N_("away"),
    decision.PAUSED: N_("out of the rotation"),
}

# How pages reach a salesperson (Salesperson.page_by; dispatcher/voice/pages.py).
PAGE_BY = {
    "sms": N_("By SMS"),
    "sms_then_call": N_("By SMS, then a call after 2 minutes without an answer"),
    "call": N_("By call only"),
}

# What a manager changed (ManagerChange.kind), on *Changes*.
CHANGES = {
    "status": N_("status"),
    "office": N_("office rules"),
    "page_by": N_("how pages reach them"),
    "hours": N_("office hours"),
    "rotation": N_("rotation order"),
    "leave": N_("leave"),
    "roster": N_("duty roster"),
    "swap": N_("duty swap"),
    "salesperson": N_("salesperson"),
    "number_problem": N_("number problem"),
    "sms_opt_out": N_("SMS stopped (STOP)"),
    "sms_opt_in": N_("SMS started again (START)"),
    "sms_outage": N_("SMS outage"),
    "sms_outage_over": N_("SMS outage over"),
    "courtesy_template_added": N_("courtesy text added"),
    "courtesy_template_changed": N_("courtesy text changed"),
    "courtesy_template_approved": N_("courtesy text approved"),
    "courtesy_template_held": N_("courtesy text held"),
    "courtesy_template_released": N_("courtesy text released"),
    "courtesy_quiet_hours": N_("courtesy quiet hours"),
}

# Who did it, when the timeline kept a code rather than a person: shown as no one.
NOBODY_IN_PARTICULAR = frozenset({"system", "sms", "call", "page"})

TABLES = {
    "channel": CHANNELS,
    "kind": KINDS,
    "lead_state": LEAD_STATES,
    "page_state": PAGE_STATES,
    "rule": RULES,
    "event": EVENTS,
    "status": STATUSES,
    "change": CHANGES,
}


def in_words(value: str | None, table: str) -> str:
    """The value in the office's words (``table`` is one of TABLES), in the language in
    force."""
    if not value:
        return ""
    words = TABLES[table].get(value)
    return gettext(words) if words is not None else str(value).replace("_", " ")


# How an acknowledgement came (Page.acknowledged_by), kept in the timeline's entry as
# "<name> acknowledged (<how>)".
ACKNOWLEDGED_BY = {
    "sms": N_("by SMS"),
    "call": N_("by calling the office"),
    "coordinator": N_("the coordinator recorded the call-back"),
    "page": N_("on their page"),
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
            return f"{said} ({gettext(ACKNOWLEDGED_BY[how])})"
    return detail
