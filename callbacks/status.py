"""Message status callbacks: what became of each page (sent, delivered, failed)."""

from __future__ import annotations

from flask import Response, current_app, request

from callbacks import bp
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.pages.delivery import record_delivery_status
from dispatcher.queue import enqueue_manager_message, enqueue_send


@bp.route("/status", methods=["POST"])
@twilio_signed
@twilio_sids("MessageSid")
def message_status():
    message_sid = request.form["MessageSid"]
    status = request.form.get("MessageStatus", "")
    if not status:
        return Response("MessageStatus is required", status=400)
    outcome = record_delivery_status(
        session=db.session,
        message_sid=message_sid,
        status=status,
        error_code=request.form.get("ErrorCode") or None,
        now=utcnow(),
        deadline_seconds=current_app.config["ACK_DEADLINE_SECONDS"],
    )
    db.session.commit()
    # After the commit: an undelivered page's lead goes to the next salesperson now.
    if outcome.next_page_id is not None:
        enqueue_send(outcome.next_page_id)
    if outcome.manager_message_id is not None:
        enqueue_manager_message(outcome.manager_message_id)
    return Response("", status=204)
