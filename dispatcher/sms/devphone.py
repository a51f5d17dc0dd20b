"""The development phone (development mode, outbox transport only): read a salesperson's
pages and reply as them. Replies go through the Twilio webhook code, signed as Twilio
signs. Coordinators and managers may use every salesperson's phone; a salesperson only
their own, since a phone acknowledges pages and hears clients' details as its owner."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from xml.etree import ElementTree

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import and_, or_, select
from twilio.request_validator import RequestValidator

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.voice_pins import FULLY_ATTESTED
from dispatcher.models import Office, OutboxMessage, PlacedCall, Role, Salesperson
from dispatcher.office import roster as salespeople
from dispatcher.office.current import office_of_request, office_record_or_404, phone_region
from dispatcher.phones import to_e164
from dispatcher.sms import office_number
from dispatcher.sms.forms import ReplyForm
from dispatcher.sms.outbox import development_auth_token, new_sid
from dispatcher.unit_of_work import end_read

bp = Blueprint("devphone", __name__)

DEV_ACCOUNT_SID = "AC" + "0" * 32


def devphone_available(app: Flask) -> bool:
    """Only in development mode, and never once any Twilio credential is set: there the
    real phones answer, and a page that signs webhooks must not exist."""
    config = app.config
    return bool(config.get("DEVELOPMENT_MODE")) and not (
        config.get("TWILIO_ACCOUNT_SID") or config.get("TWILIO_AUTH_TOKEN")
    )


def _may_use_every_phone() -> bool:
    return current_user.role != Role.SALESPERSON


def _phone_of(salesperson_id: int) -> Salesperson:
    """The salesperson whose phone is used: one of this office's, and a salesperson may
    use only their own."""
    person = office_record_or_404(Salesperson, salesperson_id)
    if not _may_use_every_phone() and person.id != current_user.salesperson_id:
        abort(403)
    return person


@bp.route("/")
def index():
    if _may_use_every_phone():
        people = salespeople.list_salespeople(session=db.session, office_id=office_of_request().id)
    else:
        own = db.session.get(Salesperson, current_user.salesperson_id or 0)
        people = [own] if own is not None else []
    return render_template(
        "devphone_index.html", people=people, rings_as_client=_may_use_every_phone()
    )


@bp.route("/<id:salesperson_id>", methods=["GET", "POST"])
def phone(salesperson_id: int):
    person = _phone_of(salesperson_id)
    form = ReplyForm()
    if form.validate_on_submit():
        answer = send_as_salesperson(person, form.body.data)
        flash(f"Sent. The office answered: {answer or '(no reply)'}", "info")
        return redirect(url_for("devphone.phone", salesperson_id=person.id))
    # Only what passed between this mobile and this office's number: someone working in
    # two offices has one mobile, and the other office's SMS are not this office's.
    office = _number_of(db.session.get(Office, person.office_id))
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(
            or_(
                and_(OutboxMessage.to_number == person.mobile, OutboxMessage.from_number == office),
                and_(OutboxMessage.from_number == person.mobile, OutboxMessage.to_number == office),
            )
        )
        .order_by(OutboxMessage.id)
    )
    return render_template(
        "devphone.html",
        person=person,
        form=form,
        messages=list(messages),
        ringing=ringing_calls(person),
        talk_seconds=TALK_SECONDS,
    )


# How long an answered development call lasts: past CLIENT_REACHED_MIN_SECONDS (20 by
# default), so answering one counts as the client reached.
TALK_SECONDS = 30
# A development call nobody answered or let ring stops ringing after this.
RINGING_MINUTES = 15


def ringing_calls(person: Salesperson) -> list[PlacedCall]:
    """The calls the development line "rings" on this phone (a call-back, a caller put
    through) whose <Dial> has no result yet: the phone answers them or lets them ring."""
    return list(
        db.session.scalars(
            select(PlacedCall)
            .where(
                PlacedCall.salesperson_id == person.id,
                PlacedCall.call_sid.is_not(None),
                PlacedCall.error.is_(None),
                PlacedCall.dial_status.is_(None),
                PlacedCall.created_at >= utcnow() - timedelta(minutes=RINGING_MINUTES),
            )
            .order_by(PlacedCall.id)
        )
    )


@bp.route("/<id:salesperson_id>/calls/<id:call_id>", methods=["POST"])
def answer_call(salesperson_id: int, call_id: int):
    """*Answer* or *Let it ring* on a call the development line showed: the <Dial>'s
    result posted to the placed call's webhook exactly as Twilio would (a call-back
    first presses 1, as the salesperson would on the office's call)."""
    person = _phone_of(salesperson_id)
    call = next((c for c in ringing_calls(person) if c.id == call_id), None)
    if call is None:
        flash("That call is no longer ringing.", "error")
        return redirect(url_for("devphone.phone", salesperson_id=person.id))
    answered = request.form.get("answer") == "yes"
    base = {"CallSid": call.call_sid, "AccountSid": DEV_ACCOUNT_SID}
    call_id, kind = call.id, call.kind
    end_read()  # the webhook's own request writes
    said = []
    if kind == "callback" and answered:
        said.append(
            _post_as_twilio("callbacks.call_connect", {**base, "Digits": "1"}, call_id=call_id)
        )
    result = {"DialCallStatus": "completed", "DialCallDuration": str(TALK_SECONDS)}
    if not answered:
        result = {"DialCallStatus": "no-answer"}
    said.append(_post_as_twilio("callbacks.call_dialled", {**base, **result}, call_id=call_id))
    flash(" ".join(describe_call(twiml) for twiml in said), "info")
    return redirect(url_for("devphone.phone", salesperson_id=person.id))


def _number_of(office: Office) -> str:
    """The number the development phone texts and rings: the office's own, else (none
    set) the one the outbox sends from."""
    return office.phone_number or office_number()


def send_as_salesperson(person: Salesperson, body: str) -> str:
    """Post the reply to /twilio/sms exactly as Twilio would, and store both sides."""
    sid = new_sid()
    office = _number_of(db.session.get(Office, person.office_id))
    params = {
        "MessageSid": sid,
        "AccountSid": DEV_ACCOUNT_SID,
        "From": person.mobile,
        "To": office,
        "Body": body,
        "NumMedia": "0",
    }
    db.session.add(
        OutboxMessage(
            sid=sid,
            direction="inbound",
            to_number=office,
            from_number=person.mobile,
            body=body,
            created_at=utcnow(),
        )
    )
    db.session.commit()
    answer = _message_text(_post_as_twilio("callbacks.inbound_sms", params))
    if answer:
        db.session.add(
            OutboxMessage(
                sid=new_sid(),
                direction="outbound",
                to_number=person.mobile,
                from_number=office,
                body=answer,
                created_at=utcnow(),
            )
        )
        db.session.commit()
    return answer


@bp.route("/<id:salesperson_id>/call", methods=["POST"])
def call(salesperson_id: int):
    person = _phone_of(salesperson_id)
    # Their own handset on a real network: the carrier attests its number, so the office
    # reads the details without a PIN, as it would for their real phone.
    answer = call_the_office(person.mobile, db.session.get(Office, person.office_id), attested=True)
    flash(f"You called the office. {answer}", "info")
    return redirect(url_for("devphone.phone", salesperson_id=person.id))


@bp.route("/call", methods=["POST"])
def call_as_client():
    """A caller ringing the office from any number: the call is logged as a stub.

    Not for salespeople: from a colleague's mobile it would be that colleague's call,
    acknowledging their page and reading out their client."""
    office = office_of_request()
    number = (request.form.get("from_number") or "").strip() or "anonymous"
    # Twilio sends the caller ID in E.164: a number typed as the office's country types it
    # ("9123 4567" in Hong Kong) is read in the office's region first.
    # "anonymous", or no number: sent as typed, as a withheld caller ID is.
    with suppress(ValueError):
        number = to_e164(number, phone_region(office))
    flash(f"A client called the office. {call_the_office(number, office)}", "info")
    return redirect(url_for("devphone.index"))


def call_the_office(from_number: str, office: Office, *, attested: bool = False) -> str:
    """Post a ringing call to /twilio/voice exactly as Twilio would; what the TwiML says.

    ``attested``: the carrier vouches for the caller ID (STIR/SHAKEN "A"), as for a
    salesperson's own mobile; a number typed in is not, so a salesperson's number typed
    on the index page shows the PIN prompt a spoofed call would get."""
    params = {
        "CallSid": new_sid("CA"),
        "AccountSid": DEV_ACCOUNT_SID,
        "From": from_number,
        "To": _number_of(office),
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    if attested:
        params["StirVerstat"] = FULLY_ATTESTED
    return describe_call(_post_as_twilio("callbacks.inbound_call", params))


def _post_as_twilio(endpoint: str, params: dict, **values) -> str:
    """Sign the request as Twilio signs it and post it through the webhook's own code."""
    base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
    url = base.rstrip("/") + url_for(endpoint, **values)
    signature = RequestValidator(development_auth_token()).compute_signature(url, params)
    with current_app.test_client() as client:
        response = client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    return response.get_data(as_text=True)


def _message_text(twiml: str) -> str:
    root = ElementTree.fromstring(twiml)  # nosec B314 # TwiML our own webhook just wrote
    return " ".join(m.text or "" for m in root.iter("Message")).strip()


def describe_call(twiml: str) -> str:
    """What the caller would hear, and whose phone would ring, in the TwiML's order."""
    parts = []
    # After a <Dial> with an action, Twilio goes to the action once the <Dial> ends: the
    # words after it are said only if nobody answers (callbacks/voice_dialled.py).
    unanswered = False
    for verb in ElementTree.fromstring(twiml):  # nosec B314 # TwiML our own webhook wrote
        text = " ".join((verb.text or "").split())
        if verb.tag == "Say" and unanswered:
            parts.append(f"If nobody answers, the office says: “{text}”")
        elif verb.tag == "Say":
            parts.append(f"The office says: “{text}”")
        elif verb.tag == "Dial":
            parts.append(f"Then {text} rings.")
            unanswered = bool(verb.get("action"))
        elif verb.tag == "Gather":
            asked = " ".join(" ".join((say.text or "").split()) for say in verb.iter("Say"))
            parts.append(f"The office asks: “{asked}” and waits for keys.")
        elif verb.tag == "Hangup":
            parts.append("Then it hangs up.")
    return " ".join(parts) or "(nothing)"
