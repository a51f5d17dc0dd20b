"""The salesperson's own page: open pages, the leads they took with the caller's details,
reporting the outcome (C7), their response times, the mailbox of notices (C6), and the
PIN they key in when calling the office for a client's details."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import VoicePinForm
from dispatcher.leads.outcomes import OUTCOMES, record_outcome
from dispatcher.models import Notice, Salesperson
from dispatcher.pages import my_leads
from dispatcher.pages.service import open_pages_for

bp = Blueprint("salesperson", __name__)


def _me() -> Salesperson:
    person = db.session.get(Salesperson, current_user.salesperson_id or 0)
    if person is None:
        abort(403)
    return person


@bp.route("/me")
def my_page():
    person, now = _me(), utcnow()
    notices = db.session.scalars(
        select(Notice).where(Notice.salesperson_id == person.id).order_by(Notice.id.desc())
    ).all()
    return render_template(
        "my_page.html",
        person=person,
        notices=notices,
        pages=open_pages_for(session=db.session, salesperson_id=person.id),
        taken=my_leads.acknowledged_leads(session=db.session, salesperson_id=person.id, now=now),
        times=my_leads.response_times(session=db.session, salesperson_id=person.id, now=now),
        outcomes=OUTCOMES,
        pin_form=VoicePinForm(),
    )


@bp.route("/me/leads/<id:lead_id>/outcome", methods=["POST"])
def report_outcome(lead_id: int):
    """What came of the call-back (C7); only for a lead this salesperson took."""
    person = _me()
    lead = my_leads.own_lead(session=db.session, salesperson_id=person.id, lead_id=lead_id)
    if lead is None:
        abort(403)
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        flash("Choose what came of the call.", "error")
        return redirect(url_for("salesperson.my_page")), 303
    record_outcome(session=db.session, lead=lead, person=person, outcome=outcome, now=utcnow())
    db.session.commit()
    flash(f"Ref {lead.id}: {OUTCOMES[outcome]}. Thank you.", "success")
    return redirect(url_for("salesperson.my_page")), 303


@bp.route("/me/voice-pin", methods=["POST"])
def set_voice_pin():
    """Set or change the PIN; only its hash is kept, and it is never shown again."""
    person = _me()
    form = VoicePinForm()
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()), ["Check the PIN."])[0]
        flash(f"PIN not changed: {first}", "error")
        return redirect(url_for("salesperson.my_page")), 303
    person.set_voice_pin(form.pin.data)
    db.session.commit()
    flash("Your PIN is set. Key it in when you call the office for a client's details.", "success")
    return redirect(url_for("salesperson.my_page")), 303
