"""The keys a salesperson pressed when asked for their PIN (the <Gather> of callbacks.voice).

Who is calling is read from the call remembered under the CallSid, never from anything
in the request but that signed id; the PIN is checked against that salesperson's hash.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import Response, current_app, request
from sqlalchemy.exc import DBAPIError
from twilio.twiml.voice_response import VoiceResponse

from callbacks import bp
from callbacks.called import office_called
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from callbacks.voice import render, twiml
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import calls, voice_pins
from dispatcher.unit_of_work import end_read

log = logging.getLogger(__name__)


@bp.route("/voice/pin", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_pin():
    call_sid = request.form["CallSid"]
    config = current_app.config
    # Should the database not answer, the hours are read in the zone new offices get.
    lines = calls.lines_from_config(config, timezone=config["OFFICE_TIMEZONE"])
    now = utcnow()
    try:
        lines = calls.lines_from_config(config, timezone=office_called().timezone)
        step = voice_pins.answer_pin(
            session=db.session,
            call_sid=call_sid,
            digits=request.form.get("Digits", ""),
            now=now,
            lines=lines,
        )
        if step.plan is None:
            end_read()  # nothing was changed
            return twiml(step.answered) if step.answered else goodbye()
        plan = step.plan
        answer = render(plan)
        voice_pins.remember_step(session=db.session, call_sid=call_sid, plan=plan, twiml=answer)
        db.session.commit()
    except DBAPIError as error:
        # No PIN can be checked: nothing is read, but the call still reaches a person.
        log.error("voice PIN not checked, database unavailable: %s", type(error.orig).__name__)
        with suppress(DBAPIError):
            db.session.rollback()
        return twiml(render(calls.plan_without_records(lines=lines, now=now)))
    log.info("voice PIN step: %s (lead %s)", plan.outcome, plan.lead_id)
    return twiml(answer)


def goodbye() -> Response:
    """Keys for a call that asked for none (no PIN, no choice), or past that step:
    nothing to do but end it."""
    response = VoiceResponse()
    response.say("Goodbye.")
    response.hangup()
    return twiml(str(response))
