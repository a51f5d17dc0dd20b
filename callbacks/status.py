"""Message status callbacks: what became of each page (sent, delivered, failed)."""

from __future__ import annotations

from flask import Response, current_app, request

from callbacks import bp
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.pages.delivery import record_delivery_status
from dispatcher.unit_of_work import commit_then_enqueue
from dispatcher.voice.outage import OutageRule


@bp.route("/status", methods=["POST"])
@twilio_signed
@twilio_sids("MessageSid")
def message_status():
    # Its To is the salesperson's number: a receipt's office is its page's, read from the row.
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
        outage_rule=OutageRule.from_config(current_app.config),
        # Voice pages need PUBLIC_BASE_URL (Twilio fetches the call's TwiML there).
        voice_first=bool(current_app.config.get("PUBLIC_BASE_URL")),
    )
    # An undelivered page's lead goes to the next salesperson now.
    commit_then_enqueue(pages=[outcome.next_page_id], manager_messages=[outcome.manager_message_id])
    return Response("", status=204)
