"""The keys a salesperson pressed at a <Gather> of a call to the office (their PIN, or
which lead the call is about), answered the same way whatever the step.

Who is calling is read from the call remembered under the signed CallSid, never from
anything else in the request; the step's service says what the keys mean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress

from flask import Response, current_app, request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError
from twilio.twiml.voice_response import VoiceResponse

from callbacks.called import office_called
from callbacks.voice import render, twiml
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.language import in_language, spoken
from dispatcher.leads import calls, voice_pins
from dispatcher.unit_of_work import end_read

log = logging.getLogger(__name__)


def answer_keys(answer_step: Callable, *, step_name: str) -> Response:
    """Hand the keys to ``answer_step`` (a service taking session, call_sid, digits, now
    and lines), remember what the call was told, and answer in TwiML."""
    call_sid = request.form["CallSid"]
    config = current_app.config
    # Should the database not answer, the hours are read in the zone new offices get.
    lines = calls.lines_from_config(config)
    now = utcnow()
    try:
        office = office_called()
        lines = calls.lines_for_office(config, session=db.session, office=office)
        with in_language(office.language):  # the words and the voice: the office's
            step = answer_step(
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
        # Nothing can be checked: nothing is read, but the call still reaches a person.
        log.error("%s not read, database unavailable: %s", step_name, type(error.orig).__name__)
        with suppress(DBAPIError):
            db.session.rollback()
        return twiml(render(calls.plan_without_records(lines=lines, now=now)))
    log.info("%s: %s (lead %s)", step_name, plan.outcome, plan.lead_id)
    return twiml(answer)


def goodbye() -> Response:
    """Keys for a call that asked for none (no PIN, no choice), or past that step:
    nothing to do but end it."""
    response = VoiceResponse()
    response.say(gettext("Goodbye."))
    response.hangup()
    return twiml(spoken(response))
