"""The key a salesperson pressed when their call asked which lead it is about (the
one-key <Gather> of callbacks.voice). Which call, and so who is calling and which lead
each key stands for, is read from the call remembered under the signed CallSid; nothing
else in the request is trusted."""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import current_app, request
from sqlalchemy.exc import DBAPIError

from callbacks import bp
from callbacks.called import office_called
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from callbacks.voice import render, twiml
from callbacks.voice_pin import goodbye
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import calls, voice_choices, voice_pins

log = logging.getLogger(__name__)


@bp.route("/voice/choose", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_choose():
    call_sid = request.form["CallSid"]
    config = current_app.config
    # Until the office is read (the database may be away), the default zone's hours.
    lines = calls.lines_from_config(config, timezone=config["OFFICE_TIMEZONE"])
    now = utcnow()
    try:
        lines = calls.lines_from_config(config, timezone=office_called().timezone)
        step = voice_choices.answer_choice(
            session=db.session,
            call_sid=call_sid,
            digits=request.form.get("Digits", ""),
            now=now,
            lines=lines,
        )
        if step.plan is None:
            db.session.rollback()  # nothing was changed
            return twiml(step.answered) if step.answered else goodbye()
        plan = step.plan
        answer = render(plan)
        voice_pins.remember_step(session=db.session, call_sid=call_sid, plan=plan, twiml=answer)
        db.session.commit()
    except DBAPIError as error:
        # Nothing can be looked up: nothing is read, but the call still reaches a person.
        log.error("voice choice not read, database unavailable: %s", type(error.orig).__name__)
        with suppress(DBAPIError):
            db.session.rollback()
        return twiml(render(calls.plan_without_records(lines=lines, now=now)))
    log.info("voice choice: %s (lead %s)", plan.outcome, plan.lead_id)
    return twiml(answer)
