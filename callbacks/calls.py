"""The webhooks of the calls placed or put through (dispatcher/calls): the key pressed
on the office's call to a salesperson, the <Dial>'s result, and the placed calls'
status. Each is signed; a repeated delivery acts once (the services' conditional
updates) and answers the same."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime

from flask import Response, current_app, request
from sqlalchemy.exc import DBAPIError

from callbacks import bp
from callbacks.called import office_called
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from callbacks.voice import twiml
from dispatcher.calls import callback
from dispatcher.calls import twiml as voice
from dispatcher.calls.contact import record_call_status, record_dial
from dispatcher.calls.put_through import not_answered
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.language import in_language
from dispatcher.models import Office, PlacedCall
from dispatcher.unit_of_work import commit_then_enqueue, end_read
from routing.contact import NOT_ANSWERED, dial_seconds

log = logging.getLogger(__name__)


@bp.route("/calls/<id:call_id>/connect", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def call_connect(call_id: int):
    """The salesperson answered the office's call and pressed a key (1: the client)."""
    try:
        with _in_language_of_call(call_id):
            answer = callback.connect(
                session=db.session,
                call_id=call_id,
                call_sid=request.form["CallSid"],
                digits=request.form.get("Digits", ""),
            )
        end_read()
    except DBAPIError as error:
        return _database_away("connect", error)
    return twiml(answer)


def _in_language_of_call(call_id: int):
    """What a placed call hears is in its office's language (an unknown call: English)."""
    call = db.session.get(PlacedCall, call_id)
    office = db.session.get(Office, call.office_id) if call is not None else None
    return in_language(office.language if office is not None else None)


def _database_away(step: str, error: DBAPIError):
    """Nothing can be read or recorded: the call ends politely (Twilio's retry of a
    result, if any, is recorded once the database answers)."""
    log.error("%s not read, database unavailable: %s", step, type(error.orig).__name__)
    with suppress(DBAPIError):
        db.session.rollback()
    return twiml(voice.goodbye(voice.DATABASE_AWAY))


@bp.route("/voice/connect/<id:lead_id>", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def office_connect(lead_id: int):
    """The salesperson called the office, heard the details and pressed 1."""
    # The salesperson's call to the office: in the language of the office called.
    with in_language(office_called().language):
        answer = callback.connect_from_office(
            session=db.session,
            call_sid=request.form["CallSid"],
            lead_id=lead_id,
            digits=request.form.get("Digits", ""),
            now=utcnow(),
        )
    db.session.commit()
    return twiml(answer)


@bp.route("/calls/<id:call_id>/dialled", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def call_dialled(call_id: int):
    """The <Dial> to the client (call-back) or to the salesperson (put-through) ended."""
    status = request.form.get("DialCallStatus", "")
    if not status:
        return Response("DialCallStatus is required", status=400)
    try:
        with _in_language_of_call(call_id):
            return _dial_ended(call_id, status, utcnow())
    except DBAPIError as error:
        return _database_away("dial result", error)


def _dial_ended(call_id: int, status: str, now: datetime) -> Response:
    config = current_app.config
    outcome = record_dial(
        session=db.session,
        call_id=call_id,
        call_sid=request.form["CallSid"],
        dial_status=status,
        seconds=dial_seconds(request.form.get("DialCallDuration")),
        now=now,
        min_seconds=config["CLIENT_REACHED_MIN_SECONDS"],
    )
    call = outcome.call
    if call is None:
        end_read()
        log.warning("dial result for no placed call of this CallSid (call %s)", call_id)
        return twiml(voice.goodbye())
    page_id = None
    if call.kind == "put_through" and status in NOT_ANSWERED:
        if outcome.first:
            page = not_answered(
                session=db.session,
                call=call,
                now=now,
                deadline_seconds=config["ACK_DEADLINE_SECONDS"],
            )
            page_id = page.id if page is not None else None
        answer = voice.back_to_the_coordinator(config.get("COORDINATOR_PHONE"))
    elif status in NOT_ANSWERED:
        answer = voice.goodbye(voice.CLIENT_NOT_ANSWERED)
    else:
        answer = voice.goodbye()
    commit_then_enqueue(pages=[page_id])
    log.info("dial of call %s: %s (reached: %s)", call_id, status, outcome.reached)
    return twiml(answer)


@bp.route("/calls/status", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def call_status():
    """What became of a call the office placed (rang, answered, completed, no-answer)."""
    status = request.form.get("CallStatus", "")
    if not status:
        return Response("CallStatus is required", status=400)
    record_call_status(session=db.session, call_sid=request.form["CallSid"], status=status)
    db.session.commit()
    return Response("", status=204)
