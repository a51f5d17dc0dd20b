"""A client texting the office number (their number is a client's, not a salesperson's):
STOP ends every courtesy message to them, START resumes, each recorded on the client's
log; anything else is a reply, kept on their log (kind "client_reply", the text in the
record and nowhere else: no log line holds it) and forwarded to their owner by SMS.

Recorded once per MessageSid (InboundMessage), like a salesperson's reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clients.ownership import family_of, record
from dispatcher.clients.registry import find_client
from dispatcher.models import Client, InboundMessage, ManagerMessage, Office, Salesperson

log = logging.getLogger(__name__)

# Twilio's own opt-out and opt-in words (callbacks/replies.py reads the same for staff).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "UNSTOP", "YES"}

STOPPED = "You will get no more messages from us. Reply START to have them again."
STARTED = "Thank you: you will get our messages again. Reply STOP to end them."
FORWARDED = "Thank you for your message: your salesperson will get back to you."
NOBODY = "Thank you for your message. Please call this number to talk to us."


@dataclass(frozen=True)
class ClientSaid:
    outcome: str  # courtesy_stop | courtesy_start | client_reply
    reply: str
    message_to_owner: int | None = None  # a ManagerMessage to queue after the commit


def word_of(body: str, opt_out_type: str | None) -> str | None:
    """'stop', 'start' or None (a reply)."""
    kind = (opt_out_type or "").strip().upper()
    if kind in ("STOP", "START"):
        return kind.lower()
    whole = " ".join(body.upper().replace(",", " ").split()).strip(".!")
    if whole in STOP_WORDS:
        return "stop"
    if whole in START_WORDS:
        return "start"
    return None


def handle_client_message(
    session: Session,
    *,
    office: Office,
    client: Client,
    message_sid: str,
    from_number: str,
    body: str,
    opt_out_type: str | None,
    now: datetime,
) -> ClientSaid:
    """Act on the client's SMS and remember it under its MessageSid (the caller has
    checked that this MessageSid is new). Nothing here commits."""
    word = word_of(body, opt_out_type)
    if word == "start" and not client.courtesy_opted_out and opt_out_type is None:
        word = None  # "Yes" to an invitation is an answer for the owner, not an opt-in
    if word == "stop":
        said = _consent(session, office, client, now, opted_out=True)
    elif word == "start":
        said = _consent(session, office, client, now, opted_out=False)
    else:
        said = _reply(session, office, client, body, now)
    session.add(
        InboundMessage(
            message_sid=message_sid,
            from_number=from_number,
            received_at=now,
            outcome=said.outcome,
            reply=said.reply,
        )
    )
    log.info("sms from client %s: %s", client.id, said.outcome)
    return said


def _consent(
    session: Session, office: Office, client: Client, now: datetime, *, opted_out: bool
) -> ClientSaid:
    kind = "courtesy_stop" if opted_out else "courtesy_start"
    if client.courtesy_opted_out != opted_out:
        client.courtesy_opted_out = opted_out
        record(
            session,
            client=client,
            office=office,
            kind=kind,
            at=now,
            actor="client by SMS",
            detail="texted STOP: no courtesy messages"
            if opted_out
            else "texted START: courtesy messages again",
        )
    return ClientSaid(kind, STOPPED if opted_out else STARTED)


def _reply(
    session: Session, office: Office, client: Client, body: str, now: datetime
) -> ClientSaid:
    owner_id = family_of(session, client).owner_id
    owner = session.get(Salesperson, owner_id) if owner_id else None
    record(
        session,
        client=client,
        office=office,
        kind="client_reply",
        at=now,
        actor="client by SMS",
        salesperson_id=owner_id,
        detail=body,
    )
    if owner is None or owner.sms_opted_out or not owner.active:
        return ClientSaid("client_reply", NOBODY)
    name = client.name or "A client"
    message = ManagerMessage(
        office_id=office.id,
        to_number=owner.mobile,
        body=f"{name} replied: {body}"[:320],
        created_at=now,
    )
    session.add(message)
    session.flush()
    return ClientSaid("client_reply", FORWARDED, message.id)


def client_texting(session: Session, *, office: Office, from_number: str) -> Client | None:
    """The office's client whose number this is, unless it is a salesperson's mobile (a
    salesperson's reply goes to their pages, whatever else the number is)."""
    if session.scalar(select(Salesperson.id).where(Salesperson.mobile == from_number)):
        return None
    return find_client(session, office_id=office.id, phone=from_number)
