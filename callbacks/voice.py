"""Inbound voice: a caller ringing the office, or a salesperson calling back."""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass

from flask import Response, current_app, request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, IntegrityError
from twilio.twiml.voice_response import VoiceResponse

from callbacks import bp
from callbacks.called import office_called
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.language import N_, in_language, spoken
from dispatcher.leads import calls
from dispatcher.leads.voice_pins import FULLY_ATTESTED
from dispatcher.phones import masked, to_e164
from dispatcher.text import without_control_characters
from dispatcher.unit_of_work import commit_then_enqueue, end_read
from dispatcher.voice import missed
from dispatcher.voice.webhooks import webhook_url

log = logging.getLogger(__name__)

# Long enough for a person to reach the phone, short enough that an unanswered caller
# hears that they will be called back before giving up.
DIAL_TIMEOUT_SECONDS = 25
# Seconds of silence after which the PIN keyed so far is sent (or, with none, the call
# goes on to the words after the <Gather>).
PIN_TIMEOUT_SECONDS = 8
# Seconds to press 1 for the client before the call goes on to the coordinator.
CONNECT_TIMEOUT_SECONDS = 4


def twiml(text: str) -> Response:
    return Response(text, mimetype="text/xml")


def render(plan: calls.CallPlan, *, through: CallThrough | None = None) -> str:
    """The plan as TwiML. Words may carry a name typed by a person: XML cannot hold a
    control character, so none goes in (ElementTree escapes <, & and the like).

    ``through``: a caller's call put through the office (dispatcher/voice): the <Dial>
    reports its end (a missed caller), and is recorded after the announcement when the
    office records calls."""
    response = VoiceResponse()
    if through is not None and through.record and plan.dial:
        response.say(gettext(RECORDING_ANNOUNCEMENT))
    for line in plan.say:
        response.say(without_control_characters(line))
    if plan.gather:
        gather = response.gather(
            action=pin_url(), method="POST", finish_on_key="#", timeout=PIN_TIMEOUT_SECONDS
        )
        gather.say(plan.gather)
    if plan.choose:
        # One key, posted at once: which lead the call is about (leads.voice_choices).
        gather = response.gather(
            action=webhook_url("callbacks.voice_choose", absolute=False),
            method="POST",
            num_digits=1,
            timeout=PIN_TIMEOUT_SECONDS,
        )
        gather.say(without_control_characters(plan.choose))
    if plan.connect_lead is not None:
        # One key, posted at once: 1 dials the client through the office's number; no
        # key, and the call goes on to the coordinator as before.
        gather = response.gather(
            action=webhook_url(
                "callbacks.office_connect", absolute=False, lead_id=plan.connect_lead
            ),
            method="POST",
            num_digits=1,
            timeout=CONNECT_TIMEOUT_SECONDS,
        )
        gather.say(gettext("Press 1 to call the client now, showing the office's number."))
    for line in plan.after_connect:
        response.say(line)
    if plan.dial and through is not None:
        # A caller's call: the <Dial>'s end goes to the dialled webhook, which says the
        # words after it (the caller is still there) or logs a missed caller.
        extra = {}
        if through.record:
            extra = {
                "record": "record-from-answer-dual",
                "recording_status_callback": webhook_url(
                    "callbacks.recording_status", absolute=False
                ),
                "recording_status_callback_event": "completed",
            }
        response.dial(
            plan.dial,
            timeout=DIAL_TIMEOUT_SECONDS,
            action=webhook_url("callbacks.voice_dialled", absolute=False),
            method="POST",
            **extra,
        )
    elif plan.dial:
        # No action URL: when the dialled phone does not answer, the call goes on to
        # the words after the <Dial>.
        response.dial(plan.dial, timeout=DIAL_TIMEOUT_SECONDS)
    # After a <Dial> with an action Twilio goes to the action instead: the dialled
    # webhook reads these words from here and says them.
    for line in plan.after_dial:
        response.say(without_control_characters(line))
    # Each <Say> in the voice of the language in force (the office's): words and voice agree.
    return spoken(response)


@dataclass(frozen=True)
class CallThrough:
    """How a caller's call is put through: always with the <Dial>'s end reported;
    ``record``: the office records calls (Office.record_calls)."""

    record: bool = False


# Said before anything else when the office records calls: the law of many places
# requires that both parties are told.
RECORDING_ANNOUNCEMENT = N_("This call may be recorded.")


def pin_url() -> str:
    """Where the keys pressed go: under PUBLIC_BASE_URL, which Twilio signs with."""
    return webhook_url("callbacks.voice_pin", absolute=False)


def pin_needed() -> bool:
    """Caller ID alone does not prove who calls, unless the carrier fully attested it."""
    if not current_app.config.get("VOICE_PIN_REQUIRED", True):
        return False
    return request.form.get("StirVerstat", "") != FULLY_ATTESTED


def caller_number(raw: str, region: str) -> str:
    """The caller ID in E.164, or '' when withheld (Twilio sends 'anonymous' or a
    placeholder such as +266696687 that is no valid number)."""
    try:
        return to_e164(raw, region)
    except ValueError:
        return ""


@bp.route("/voice", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def inbound_call():
    call_sid = request.form["CallSid"]
    config = current_app.config
    # Should the database not answer, the office's row cannot be read: the hours are then
    # read in OFFICE_TIMEZONE, the zone new offices get.
    lines = calls.lines_from_config(config)
    now = utcnow()
    caller = caller_number(request.form.get("From", ""), config["PHONE_REGION"])
    try:
        office = office_called()
        lines = calls.lines_for_office(config, session=db.session, office=office)
        seen = calls.earlier_call(session=db.session, call_sid=call_sid)
        # What the caller hears is in the office's language (the words and the voice).
        with in_language(office.language):
            if seen is not None:
                # Blank past CALL_RECORD_RETENTION_DAYS: the plan that needs no records.
                answer = seen.twiml or render(calls.plan_without_records(lines=lines, now=now))
                if seen.twiml and calls.first_answer_was_pin_prompt(seen, pin_needed=pin_needed()):
                    answer = render(calls.pin_prompt(seen.salesperson_id))
                end_read()  # nothing was changed
                return twiml(answer)
            plan = calls.answer_call(
                session=db.session,
                office_id=office.id,
                from_number=caller,
                now=now,
                lines=lines,
                pin_needed=pin_needed(),
            )
            through = None
            if plan.outcome in missed.CALLER_OUTCOMES:
                through = CallThrough(record=office.record_calls)
            answer = render(plan, through=through)
        calls.remember_call(
            session=db.session,
            call_sid=call_sid,
            from_number=caller,
            now=now,
            plan=plan,
            twiml=answer,
        )
        sorry = None
        if plan.outcome in missed.CALLER_OUTCOMES and not plan.dial:
            # Nobody to put the caller through to: missed as soon as they hear so.
            db.session.flush()
            sorry = missed.dial_ended(
                session=db.session,
                call=calls.earlier_call(session=db.session, call_sid=call_sid),
                dial_status="hung_up",
                now=now,
                minutes=config["MISSED_CALLER_CALL_BACK_MINUTES"],
            )
        commit_then_enqueue(manager_messages=[sorry])
    except IntegrityError:
        # The same CallSid arrived twice at once: answer what the other delivery answered.
        db.session.rollback()
        seen = calls.earlier_call(session=db.session, call_sid=call_sid)
        return twiml(
            (seen and seen.twiml) or render(calls.plan_without_records(lines=lines, now=now))
        )
    except DBAPIError as error:
        # The call must still reach a person; it is simply not logged.
        log.error("call not logged, database unavailable: %s", type(error.orig).__name__)
        with suppress(DBAPIError):
            db.session.rollback()
        return twiml(render(calls.plan_without_records(lines=lines, now=now)))
    log.info("call from %s: %s (lead %s)", masked(caller), plan.outcome, plan.lead_id)
    return twiml(answer)
