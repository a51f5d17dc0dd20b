"""Inbound SMS: a salesperson's reply to a page, or a client's to a courtesy message."""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import Response, current_app, request
from sqlalchemy.exc import DBAPIError, IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from callbacks import bp
from callbacks.called import office_called
from callbacks.replies import parse_reply
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.courtesy.consent import client_texting, handle_client_message
from dispatcher.extensions import db
from dispatcher.language import in_language
from dispatcher.pages.replies import ReplySettings, earlier_delivery, handle_reply
from dispatcher.phones import to_e164
from dispatcher.text import without_control_characters
from dispatcher.unit_of_work import commit_then_enqueue

log = logging.getLogger(__name__)

# When the reply cannot be recorded the salesperson must not believe it was.
NOT_RECORDED = "Your reply was not recorded. Please call the office."


def twiml_message(text: str) -> Response:
    response = MessagingResponse()
    # The reply may carry a client's name (ACK_REPLY_INCLUDES_DETAILS): XML cannot hold
    # a control character, and one typed before names were checked may be on record.
    text = without_control_characters(text)
    if text:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


@bp.route("/sms", methods=["POST"])
@twilio_signed
@twilio_sids("MessageSid")
def inbound_sms():
    message_sid = request.form["MessageSid"]
    config = current_app.config
    try:
        sender = to_e164(request.form.get("From", ""), config["PHONE_REGION"])
    except ValueError:
        return twiml_message("")
    body = without_control_characters(request.form.get("Body", ""))
    reply = parse_reply(body, request.form.get("OptOutType"))
    try:
        office = office_called()
        client = client_texting(db.session, office=office, from_number=sender)
        if client is not None:
            return _from_client(office, client, message_sid, sender, body)
        # The answer, and every SMS the reply leads to, in the office's language.
        with in_language(office.language):
            outcome = handle_reply(
                session=db.session,
                office_id=office.id,
                message_sid=message_sid,
                from_number=sender,
                reply=reply,
                now=utcnow(),
                settings=ReplySettings(
                    deadline_seconds=config["ACK_DEADLINE_SECONDS"],
                    details_in_ack=config["ACK_REPLY_INCLUDES_DETAILS"],
                    late_reply_minutes=config["LATE_REPLY_MINUTES"],
                ),
            )
        commit_then_enqueue(pages=outcome.pages_to_send, manager_messages=outcome.manager_messages)
    except IntegrityError:
        # The same MessageSid arrived twice at once: the other delivery recorded it.
        return _answer_of_the_other_delivery(message_sid)
    except DBAPIError as error:
        return _not_recorded(error)
    return twiml_message(outcome.reply)


def _from_client(office, client, message_sid: str, sender: str, body: str) -> Response:
    """A client's STOP, START or reply (dispatcher.courtesy.consent), once per MessageSid;
    the reply is forwarded to their owner after the commit."""
    seen = earlier_delivery(session=db.session, message_sid=message_sid)
    if seen is not None:
        return twiml_message(seen.reply)
    said = handle_client_message(
        db.session,
        office=office,
        client=client,
        message_sid=message_sid,
        from_number=sender,
        body=body,
        opt_out_type=request.form.get("OptOutType"),
        now=utcnow(),
    )
    commit_then_enqueue(manager_messages=[said.message_to_owner])
    return twiml_message(said.reply)


def _answer_of_the_other_delivery(message_sid: str) -> Response:
    db.session.rollback()
    try:
        seen = earlier_delivery(session=db.session, message_sid=message_sid)
    except DBAPIError as error:
        return _not_recorded(error)
    return twiml_message(seen.reply if seen else "")


def _not_recorded(error: DBAPIError) -> Response:
    """The database is away (OperationalError and kin): answer at once, in words, 200 so
    that Twilio delivers the answer."""
    log.error("sms reply not recorded, database unavailable: %s", type(error.orig).__name__)
    with suppress(DBAPIError):  # still away: the next request starts a clean session
        db.session.rollback()
    return twiml_message(NOT_RECORDED)
