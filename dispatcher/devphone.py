"""The development phone (outbox transport only): read any salesperson's pages and reply
as them. Replies go through the Twilio webhook code, signed as Twilio signs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import or_, select
from twilio.request_validator import RequestValidator

from callbacks.signature import development_auth_token
from dispatcher.auth import roles_required
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import ReplyForm
from dispatcher.intake import current_office
from dispatcher.models import OutboxMessage, Salesperson
from dispatcher.services import salespeople
from dispatcher.sms import office_number
from dispatcher.sms.outbox import new_sid

bp = Blueprint("devphone", __name__)


@bp.before_request
def only_with_the_outbox():
    if current_app.config.get("TWILIO_ACCOUNT_SID"):
        abort(404)


@bp.route("/")
@roles_required("coordinator", "manager", "salesperson")
def index():
    people = salespeople.list_salespeople(session=db.session, office_id=current_office().id)
    return render_template("devphone_index.html", people=people)


@bp.route("/<id:salesperson_id>", methods=["GET", "POST"])
@roles_required("coordinator", "manager", "salesperson")
def phone(salesperson_id: int):
    person = db.session.get(Salesperson, salesperson_id) or abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        answer = send_as_salesperson(person, form.body.data)
        flash(f"Sent. The office answered: {answer or '(no reply)'}", "info")
        return redirect(url_for("devphone.phone", salesperson_id=person.id))
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.to_number == person.mobile, OutboxMessage.from_number == person.mobile
            )
        )
        .order_by(OutboxMessage.id)
    )
    return render_template("devphone.html", person=person, form=form, messages=list(messages))


def send_as_salesperson(person: Salesperson, body: str) -> str:
    """Post the reply to /twilio/sms exactly as Twilio would, and store both sides."""
    sid = new_sid()
    params = {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": person.mobile,
        "To": office_number(),
        "Body": body,
        "NumMedia": "0",
    }
    db.session.add(
        OutboxMessage(
            sid=sid,
            direction="inbound",
            to_number=office_number(),
            from_number=person.mobile,
            body=body,
            created_at=utcnow(),
        )
    )
    db.session.commit()
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    url = base.rstrip("/") + url_for("callbacks.inbound_sms")
    signature = RequestValidator(development_auth_token()).compute_signature(url, params)
    with current_app.test_client() as client:
        response = client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    answer = _message_text(response.get_data(as_text=True))
    if answer:
        db.session.add(
            OutboxMessage(
                sid=new_sid(),
                direction="outbound",
                to_number=person.mobile,
                from_number=office_number(),
                body=answer,
                created_at=utcnow(),
            )
        )
        db.session.commit()
    return answer


def _message_text(twiml: str) -> str:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(twiml)
    return " ".join(m.text or "" for m in root.iter("Message")).strip()
