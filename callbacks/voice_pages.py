"""A voice page's call (dispatcher/voice/pages.py): its TwiML when answered, the key
pressed (1 take it, 2 pass), the PIN before the details, and the call's status callback.
Each is signed; the page's id is in the signed URL and the call must be the one placed
for that page; a repeat of a callback acts once (the page's row decides). What the call
says is in the language of the page's office, in its voice (language.spoken)."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext
from twilio.twiml.voice_response import VoiceResponse

from callbacks import bp
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from callbacks.voice import PIN_TIMEOUT_SECONDS, twiml
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.language import N_, in_language, spoken
from dispatcher.models import PageState
from dispatcher.text import without_control_characters
from dispatcher.unit_of_work import commit_then_enqueue, end_read
from dispatcher.voice import pages as voice_pages
from dispatcher.voice.webhooks import webhook_url

GOODBYE = N_("This page is no longer open. Goodbye.")


def _page_or_none(page_id: int):
    return voice_pages.page_of_call(
        session=db.session, page_id=page_id, call_sid=request.form["CallSid"]
    )


def _spoken_for(page):
    """The words of this page's call in its office's language (none: English)."""
    language = None if page is None else voice_pages.page_language(session=db.session, page=page)
    return in_language(language)


def _say(lines, response: VoiceResponse | None = None) -> Response:
    response = response or VoiceResponse()
    for line in lines:
        response.say(without_control_characters(line))
    return twiml(spoken(response))


def _ask_key(page_id: int, words: str) -> Response:
    response = VoiceResponse()
    gather = response.gather(
        action=webhook_url("callbacks.voice_page_keys", absolute=False, page_id=page_id),
        method="POST",
        num_digits=1,
        timeout=PIN_TIMEOUT_SECONDS,
    )
    gather.say(without_control_characters(words))
    response.say(gettext("We did not get your answer. Goodbye."))
    return twiml(spoken(response))


@bp.route("/voice/page/<id:page_id>", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_page(page_id: int):
    page = _page_or_none(page_id)
    with _spoken_for(page):
        if page is None or page.state != PageState.OPEN:
            end_read()
            return _say((gettext(GOODBYE),))
        words = voice_pages.prompt_words(session=db.session, page=page)
        end_read()
        return _ask_key(page_id, words)


@bp.route("/voice/page/<id:page_id>/keys", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_page_keys(page_id: int):
    page = _page_or_none(page_id)
    with _spoken_for(page):
        return _answer_key(page_id, page)


def _answer_key(page_id: int, page) -> Response:
    if page is None:
        end_read()
        return _say((gettext(GOODBYE),))
    config = current_app.config
    answer = voice_pages.answer_key(
        session=db.session,
        page=page,
        digits=request.form.get("Digits", ""),
        now=utcnow(),
        deadline_seconds=config["ACK_DEADLINE_SECONDS"],
        pin_required=config.get("VOICE_PIN_REQUIRED", True),
    )
    commit_then_enqueue(pages=answer.pages_to_send)
    if answer.ask_again:
        return _ask_key(page_id, answer.say[0])
    if not answer.ask_pin:
        return _say(answer.say)
    response = VoiceResponse()
    for line in answer.say:
        response.say(line)
    gather = response.gather(
        action=webhook_url("callbacks.voice_page_pin", absolute=False, page_id=page_id),
        method="POST",
        finish_on_key="#",
        timeout=PIN_TIMEOUT_SECONDS,
    )
    gather.say(gettext("To hear the details, enter your PIN, then press the pound key."))
    response.say(gettext("We did not get your PIN. Call the office for the details. Goodbye."))
    return twiml(spoken(response))


@bp.route("/voice/page/<id:page_id>/pin", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_page_pin(page_id: int):
    page = _page_or_none(page_id)
    with _spoken_for(page):
        if page is None:
            end_read()
            return _say((gettext(GOODBYE),))
        words = voice_pages.answer_pin(
            session=db.session, page=page, pin=request.form.get("Digits", "")
        )
        end_read()
        return _say(words)


@bp.route("/voice/page/<id:page_id>/status", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_page_status(page_id: int):
    page = _page_or_none(page_id)
    if page is None:
        end_read()
        return Response("", status=204)
    next_page = voice_pages.call_ended(
        session=db.session,
        page=page,
        status=request.form.get("CallStatus", ""),
        now=utcnow(),
        deadline_seconds=current_app.config["ACK_DEADLINE_SECONDS"],
    )
    commit_then_enqueue(pages=[next_page])
    return Response("", status=204)
