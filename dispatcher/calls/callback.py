"""The bridged call-back (item 2): after OK, the office rings the salesperson and, when
they press 1, dials the client showing the office's number. The salesperson's own
number stays private, and the client sees the number they called.

Two ways in: *Call the client* on the salesperson's page (the Calls API places the
call), or the salesperson's own call to the office, where they press 1 after hearing
the details. Either way the client's number is read from the lead, never from a request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.calls import twiml
from dispatcher.calls.contact import placed_call
from dispatcher.models import InboundCall, Lead, Office, PlacedCall, Salesperson
from dispatcher.pages.my_leads import own_lead
from dispatcher.sms import office_number


class NotYours(Exception):
    """The lead is not one this salesperson acknowledged."""


class CannotCall(Exception):
    """Nothing to dial: the words say why."""


def office_line(session: Session, office_id: int) -> str:
    """The office's own number (what the client called), else the settings' number."""
    number = session.scalar(select(Office.phone_number).where(Office.id == office_id))
    return number or office_number()


def start_callback(
    *, session: Session, person: Salesperson, lead_id: int, now: datetime
) -> PlacedCall:
    """The call-back row, before Twilio is asked (its id goes in the webhook addresses)."""
    lead = own_lead(session=session, salesperson_id=person.id, lead_id=lead_id)
    if lead is None:
        raise NotYours(lead_id)
    if not lead.caller_phone:
        raise CannotCall(f"Ref {lead.id}: no number to dial (withheld, or no longer kept).")
    return _callback_row(session, lead, person.id, None, now)


def _callback_row(
    session: Session, lead: Lead, salesperson_id: int, call_sid: str | None, now: datetime
) -> PlacedCall:
    """A call-back's row, flushed: its id goes in the webhook addresses."""
    call = PlacedCall(
        office_id=lead.office_id,
        lead_id=lead.id,
        salesperson_id=salesperson_id,
        kind="callback",
        call_sid=call_sid,
        created_at=now,
    )
    session.add(call)
    session.flush()
    return call


def record_placed(
    *, session: Session, call_id: int, call_sid: str | None, error: str | None
) -> None:
    """What the Calls API said: the call's sid, or why it was not placed."""
    session.execute(
        update(PlacedCall)
        .where(PlacedCall.id == call_id)
        .values(call_sid=call_sid, error=error[:300] if error else None)
    )


def connect(*, session: Session, call_id: int, call_sid: str, digits: str) -> str:
    """The salesperson answered the office's call and pressed a key: 1 dials the client."""
    call = placed_call(session=session, call_id=call_id, call_sid=call_sid)
    if call is None or call.kind != "callback" or digits != "1":
        return twiml.goodbye()
    lead = session.get(Lead, call.lead_id)
    return twiml.dial_client(call.id, lead.caller_phone, office_line(session, call.office_id))


def connect_from_office(
    *, session: Session, call_sid: str, lead_id: int, digits: str, now: datetime
) -> str:
    """The salesperson called the office, heard the details and pressed 1: the office
    dials the client on the same call. Who calls is the call remembered under the
    signed CallSid; a repeat of the same keys dials through the same placed call."""
    inbound = session.scalar(select(InboundCall).where(InboundCall.call_sid == call_sid))
    # Only once the call read this lead's details: its caller is then settled (caller
    # ID attested, or the PIN keyed in), never at the PIN prompt.
    if (
        inbound is None
        or inbound.salesperson_id is None
        or inbound.outcome != "salesperson_details"
        or inbound.lead_id != lead_id
        or digits != "1"
    ):
        return twiml.goodbye()
    lead = own_lead(session=session, salesperson_id=inbound.salesperson_id, lead_id=lead_id)
    if lead is None or not lead.caller_phone:
        return twiml.goodbye()
    call = session.scalar(
        select(PlacedCall).where(PlacedCall.call_sid == call_sid, PlacedCall.lead_id == lead.id)
    )
    if call is None:
        call = _callback_row(session, lead, inbound.salesperson_id, call_sid, now)
    return twiml.dial_client(call.id, lead.caller_phone, office_line(session, lead.office_id))
