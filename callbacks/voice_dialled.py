"""The end of the <Dial> that put a caller through (callbacks.voice): answered, or a
missed caller (dispatcher/voice/missed.py). The call is read from the one remembered
under the signed CallSid; a repeated callback acts once."""

from __future__ import annotations

from xml.etree import ElementTree

from flask import current_app, request
from twilio.twiml.voice_response import VoiceResponse

from callbacks import bp
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from callbacks.voice import twiml
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import calls
from dispatcher.unit_of_work import commit_then_enqueue, end_read
from dispatcher.voice import missed


@bp.route("/voice/dialled", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_dialled():
    call = calls.earlier_call(session=db.session, call_sid=request.form["CallSid"])
    status = request.form.get("DialCallStatus", "")
    if call is None or not status:
        end_read()
        return twiml(str(VoiceResponse()))
    words = _words_after_the_dial(call.twiml)
    sorry = missed.dial_ended(
        session=db.session,
        call=call,
        dial_status=status,
        now=utcnow(),
        minutes=current_app.config["MISSED_CALLER_CALL_BACK_MINUTES"],
    )
    commit_then_enqueue(manager_messages=[sorry])
    response = VoiceResponse()
    if status != missed.ANSWERED:
        # The caller may still be on the line: what they would have heard after it, in
        # the voice it was written for.
        for line, language in words:
            response.say(line, **({"language": language} if language else {}))
    response.hangup()
    return twiml(str(response))


def _words_after_the_dial(answer: str) -> list[tuple[str, str | None]]:
    """What the call's TwiML says after its <Dial> (callbacks.voice.render keeps the
    plan's words there, where Twilio does not reach them once the <Dial> has an action)."""
    if not answer:
        return []  # blanked past CALL_RECORD_RETENTION_DAYS
    verbs = list(ElementTree.fromstring(answer))  # nosec B314 # our own TwiML, as stored
    dials = [i for i, verb in enumerate(verbs) if verb.tag == "Dial"]
    if not dials:
        return []
    return [
        (verb.text or "", verb.get("language"))
        for verb in verbs[dials[0] + 1 :]
        if verb.tag == "Say"
    ]
