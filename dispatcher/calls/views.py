"""The two buttons: *Call the client* on a salesperson's lead (the office rings them,
then the client) and *Put through* on a live call's row of the console (C3).

Twilio is asked between two short transactions: the placed call's row is committed
first (its id is in the webhooks' addresses), then the Calls API is called with no
transaction open, then its answer is recorded."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for

from dispatcher.auth import signed_in_salesperson
from dispatcher.calls import twiml
from dispatcher.calls.callback import (
    CannotCall,
    NotYours,
    office_line,
    record_placed,
    start_callback,
)
from dispatcher.calls.put_through import CannotPutThrough, start_put_through
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import Lead
from dispatcher.office.current import office_of_request, office_record_or_404
from dispatcher.voice import CallFailed, voice_transport
from dispatcher.voice.webhooks import webhook_url

bp = Blueprint("calls", __name__)


@bp.route("/me/leads/<id:lead_id>/call", methods=["POST"])
def call_client(lead_id: int):
    """The office rings the salesperson; when they press 1 it dials the client."""
    person = signed_in_salesperson()
    office_record_or_404(Lead, lead_id)  # another office's lead: not there
    try:
        call = start_callback(session=db.session, person=person, lead_id=lead_id, now=utcnow())
    except NotYours:
        abort(403)
    except CannotCall as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("salesperson.my_page")), 303
    call_id, mobile = call.id, person.mobile
    offer = twiml.callback_offer(call_id, lead_id)
    from_number = office_line(db.session, person.office_id)
    status_callback = webhook_url("callbacks.call_status")
    db.session.commit()
    try:
        sid = voice_transport().place(
            to=mobile, from_number=from_number, twiml=offer, status_callback=status_callback
        )
    except CallFailed as error:
        record_placed(session=db.session, call_id=call_id, call_sid=None, error=str(error))
        db.session.commit()
        flash(f"Ref {lead_id}: the office could not call you. {error}", "error")
        return redirect(url_for("salesperson.my_page")), 303
    record_placed(session=db.session, call_id=call_id, call_sid=sid, error=None)
    db.session.commit()
    flash(
        f"Ref {lead_id}: the office is calling you now. Answer and press 1: the client "
        "sees the office's number, never yours.",
        "success",
    )
    return redirect(url_for("salesperson.my_page")), 303


@bp.route("/console/calls/<id:lead_id>/put-through", methods=["POST"])
def put_through(lead_id: int):
    """C3: the caller asked for a salesperson who is in the office."""
    office = office_of_request()
    office_record_or_404(Lead, lead_id)  # another office's call: not there
    try:
        chosen = int(request.form.get("salesperson_id", ""))
    except ValueError:
        chosen = 0
    try:
        placed, answer, mobile = start_put_through(
            session=db.session,
            office_id=office.id,
            lead_id=lead_id,
            salesperson_id=chosen,
            now=utcnow(),
            ring_seconds=current_app.config["PUT_THROUGH_RING_SECONDS"],
        )
    except CannotPutThrough as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("console.home")), 303
    call_id, call_sid, name = placed.id, placed.call_sid, placed.salesperson.name
    db.session.commit()
    try:
        voice_transport().redirect(call_sid=call_sid, twiml=answer, to=mobile)
    except CallFailed as error:
        record_placed(session=db.session, call_id=call_id, call_sid=call_sid, error=str(error))
        db.session.commit()
        flash(f"Ref {lead_id}: not put through. {error}", "error")
        return redirect(url_for("console.home")), 303
    db.session.commit()  # the development line's note to the salesperson's phone
    flash(f"Ref {lead_id}: putting the caller through to {name}.", "success")
    return redirect(url_for("console.home")), 303
