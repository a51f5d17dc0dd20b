"""Twilio's recording status callback: a recorded <Dial> of a caller's call is ready
(dispatcher/voice/recording.py). Signed; a repeat (the same RecordingSid) acts once."""

from __future__ import annotations

import re

from flask import Response, request
from sqlalchemy.exc import IntegrityError

from callbacks import bp
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.text import ascii_whole_number
from dispatcher.unit_of_work import end_read
from dispatcher.voice.recording import store_recording

RECORDING_SID = re.compile(r"RE[0-9a-f]{32}", re.ASCII)


@bp.route("/voice/recording", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def recording_status():
    form = request.form
    recording_sid = form.get("RecordingSid", "")
    if not RECORDING_SID.fullmatch(recording_sid):
        return Response("RecordingSid is missing or not one of Twilio's", status=400)
    if form.get("RecordingStatus", "completed") != "completed" or not form.get("RecordingUrl"):
        end_read()
        return Response("", status=204)
    stored = store_recording(
        session=db.session,
        call_sid=form["CallSid"],
        recording_sid=recording_sid,
        url=form["RecordingUrl"],
        duration=ascii_whole_number(form.get("RecordingDuration")),
        now=utcnow(),
    )
    if stored is None:
        end_read()
        return Response("", status=204)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same callback twice at once: the other stored it
    return Response("", status=204)
