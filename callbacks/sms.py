"""Inbound SMS: a salesperson's reply to a page."""

from __future__ import annotations

from flask import Response, current_app, request
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse

from callbacks import bp
from callbacks.replies import parse_reply
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.services.inbound import earlier_delivery, handle_reply
from dispatcher.services.phones import to_e164


def twiml_message(text: str) -> Response:
    response = MessagingResponse()
    if text:
        response.message(text)
    return Response(str(response), mimetype="text/xml")


@bp.route("/sms", methods=["POST"])
@twilio_signed
def inbound_sms():
    message_sid = request.form.get("MessageSid", "")
    if not message_sid:
        return twiml_message(""), 400
    try:
        sender = to_e164(request.form.get("From", ""), current_app.config["PHONE_REGION"])
    except ValueError:
        return twiml_message("")
    reply = parse_reply(request.form.get("Body", ""))
    try:
        outcome = handle_reply(
            session=db.session,
            message_sid=message_sid,
            from_number=sender,
            command=reply.command,
            ref=reply.ref,
            now=utcnow(),
        )
        db.session.commit()
    except IntegrityError:
        # The same MessageSid arrived twice at once: the other delivery recorded it.
        db.session.rollback()
        seen = earlier_delivery(session=db.session, message_sid=message_sid)
        return twiml_message(seen.reply if seen else "")
    return twiml_message(outcome.reply)
