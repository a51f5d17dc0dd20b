"""Missed callers (issue item 7).

A caller who hangs up before anyone answers is already a logged lead (the stub written
when the call rang, dispatcher/leads/stubs.py); the <Dial>'s end tells us nobody
answered, and the lead's timeline says so. When the office turns it on
(Office.missed_caller_sms), the caller gets one SMS: "Sorry we missed your call, <office>
will call you back within N minutes" (MISSED_CALLER_CALL_BACK_MINUTES), never in the
office's quiet hours (the courtesy messages' Office.quiet_hours: at night the promise
could not be kept), never to a number that texted STOP (a client's courtesy STOP, or a
caller's STOP to the office number), and at most one in ONE_SMS_A_NUMBER.

The <Dial>'s end is stored once on the call (InboundCall.dial_status, one conditional
update), so Twilio repeating the callback acts once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.clients.registry import find_client
from dispatcher.language import N_, in_language
from dispatcher.leads.timeline import record_event
from dispatcher.models import InboundCall, InboundMessage, Lead, ManagerMessage, Office
from dispatcher.sms.manager_messages import write_sms
from routing.courtesy import parse_quiet_hours

log = logging.getLogger(__name__)

# The <Dial> connected the caller to a person (Twilio's DialCallStatus).
ANSWERED = "completed"
# Calls that were a caller's (leads.calls.STUB_WORDS): a salesperson's call is no lead.
CALLER_OUTCOMES = ("coordinator", "on_duty", "nobody_to_ring")
# However often they call and miss us, a number gets one such SMS in this time.
ONE_SMS_A_NUMBER = timedelta(hours=12)
# In the office's language (one UCS-2 SMS in Chinese with a real office name:
# tests/test_missed_callers.py).
WORDS = N_("Sorry we missed your call, %(office)s will call you back within %(minutes)s minutes.")
NOBODY_ANSWERED = {
    "no-answer": "nobody answered",
    "busy": "the line was busy",
    "failed": "the call could not be put through",
    "canceled": "the caller hung up while it rang",
    "hung_up": "nobody could take it",
}


def dial_ended(
    *, session: Session, call: InboundCall, dial_status: str, now: datetime, minutes: int
) -> int | None:
    """The <Dial> of this call ended with ``dial_status`` (``hung_up``: there was nobody
    to dial). Stored once; when nobody answered a caller, the lead's timeline says so and
    the SMS to send after the commit is returned (a ManagerMessage id), or None."""
    changed = session.execute(
        update(InboundCall)
        .where(InboundCall.id == call.id, InboundCall.dial_status.is_(None))
        .values(dial_status=dial_status[:20])
    )
    if changed.rowcount != 1 or dial_status == ANSWERED:
        return None  # a repeat of the callback, or someone took the call
    if call.lead_id is None or call.outcome not in CALLER_OUTCOMES:
        return None
    lead = session.get(Lead, call.lead_id)
    why = NOBODY_ANSWERED.get(dial_status, dial_status)
    record_event(
        session=session,
        lead_id=lead.id,
        kind="missed_call",
        at=now,
        detail=f"The caller hung up before anyone answered ({why})",
        actor="phone",
    )
    office = session.get(Office, lead.office_id)
    if not office.missed_caller_sms or not call.from_number:
        return None
    reason = _no_sms_because(session=session, office=office, phone=call.from_number, now=now)
    if reason:
        record_event(
            session=session, lead_id=lead.id, kind="missed_call_sms", at=now, detail=reason
        )
        return None
    with in_language(office.language):
        body = gettext(WORDS, office=office.name, minutes=minutes)
    message_id = write_sms(
        session=session, office_id=office.id, to=call.from_number, body=body, now=now
    )
    record_event(
        session=session,
        lead_id=lead.id,
        kind="missed_call_sms",
        at=now,
        detail=f"SMS to the caller: {body}",
    )
    log.info("missed caller on lead %s: sorry-we-missed-you SMS %s", lead.id, message_id)
    return message_id


def _no_sms_because(*, session: Session, office: Office, phone: str, now: datetime) -> str:
    """Why no SMS goes to this caller now, in words ("" when it may go)."""
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(office.timezone))
    try:
        quiet = parse_quiet_hours(office.quiet_hours)
    except ValueError:
        quiet = parse_quiet_hours("21:00-09:00")
    if quiet.covers(local.time()):
        return f"No SMS to the caller: the office's quiet hours ({office.quiet_hours})"
    if stopped(session=session, office_id=office.id, phone=phone):
        return "No SMS to the caller: they texted STOP"
    already = session.scalar(
        select(ManagerMessage.id)
        .where(
            ManagerMessage.office_id == office.id,
            ManagerMessage.to_number == phone,
            ManagerMessage.created_at >= now - ONE_SMS_A_NUMBER,
        )
        .limit(1)
    )
    if already is not None:
        return "No SMS to the caller: they had one in the last 12 hours"
    return ""


def stopped(*, session: Session, office_id: int, phone: str) -> bool:
    """Whether this number asked for no SMS: a client who texted STOP to the courtesy
    messages, or a caller whose last STOP or START to the office number was STOP."""
    client = find_client(session, office_id=office_id, phone=phone)
    if client is not None and client.courtesy_opted_out:
        return True
    last = session.scalar(
        select(InboundMessage.outcome)
        .where(
            InboundMessage.from_number == phone,
            InboundMessage.outcome.in_(("caller_stop", "caller_start")),
        )
        .order_by(InboundMessage.id.desc())
        .limit(1)
    )
    return last == "caller_stop"
