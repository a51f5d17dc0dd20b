"""Message status callbacks: what became of each page (sent, delivered, failed)."""

from __future__ import annotations

from flask import Response, request

from callbacks import bp
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.services.delivery import record_delivery_status


@bp.route("/status", methods=["POST"])
@twilio_signed
def message_status():
    message_sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus", "")
    if not message_sid or not status:
        return Response("MessageSid and MessageStatus are required", status=400)
    record_delivery_status(
        session=db.session,
        message_sid=message_sid,
        status=status,
        error_code=request.form.get("ErrorCode") or None,
        now=utcnow(),
    )
    db.session.commit()
    return Response("", status=204)
