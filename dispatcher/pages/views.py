"""The salesperson's own page: open pages with OK and Pass, the leads they took with the
caller's details, reporting the outcome (C7), their response times, the mailbox of
notices (C6), and the PIN they key in when calling the office for a client's details."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from dispatcher.auth import signed_in_salesperson
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import VoicePinForm
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads.outcomes import OUTCOMES, record_outcome
from dispatcher.models import Lead, Notice, Page, Salesperson
from dispatcher.pages import my_leads
from dispatcher.pages.duty_views import duty_context
from dispatcher.pages.replies import ReplySettings, pass_page, take_page
from dispatcher.pages.service import open_pages_for
from dispatcher.unit_of_work import commit_then_enqueue
from dispatcher.voice import pages as voice_pages

bp = Blueprint("salesperson", __name__)


def _live(person: Salesperson) -> dict:
    """What the page shows that changes by itself: open pages, leads taken, notices."""
    now = utcnow()
    return {
        "pages": open_pages_for(session=db.session, salesperson_id=person.id),
        "taken": my_leads.acknowledged_leads(session=db.session, salesperson_id=person.id, now=now),
        "notices": db.session.scalars(
            select(Notice).where(Notice.salesperson_id == person.id).order_by(Notice.id.desc())
        ).all(),
        "outcomes": OUTCOMES,
    }


@bp.route("/me")
def my_page():
    person = signed_in_salesperson()
    return render_template(
        "my_page.html",
        person=person,
        times=my_leads.response_times(session=db.session, salesperson_id=person.id, now=utcnow()),
        pin_form=VoicePinForm(),
        **duty_context(person),
        **_live(person),
    )


@bp.route("/me/live")
def live():
    """The changing part of the page alone, for the page to refresh without a reload."""
    return render_template("_my_live.html", **_live(signed_in_salesperson()))


def _not_another_offices(person: Salesperson, lead_id: int) -> None:
    """A lead of another office (or none) is not there for them: 404, as for any user."""
    if db.session.scalar(select(Lead.office_id).where(Lead.id == lead_id)) != person.office_id:
        abort(404)


def _paged_to_me(person: Salesperson, lead_id: int) -> None:
    """A salesperson acts only on a lead paged to them: anyone else's is refused, and
    another office's lead is not there (404)."""
    _not_another_offices(person, lead_id)
    mine = db.session.scalar(
        select(Page.id).where(Page.lead_id == lead_id, Page.salesperson_id == person.id).limit(1)
    )
    if mine is None:
        abort(403)


@bp.route("/me/leads/<id:lead_id>/ok", methods=["POST"])
def take(lead_id: int):
    """The OK button: the same acknowledgement as an OK by SMS."""
    person = signed_in_salesperson()
    _paged_to_me(person, lead_id)
    said = take_page(
        session=db.session,
        person=person,
        ref=lead_id,
        now=utcnow(),
        settings=ReplySettings(deadline_seconds=current_app.config["ACK_DEADLINE_SECONDS"]),
        by="page",
    )
    db.session.commit()
    if said.outcome == "acknowledged":
        said = gettext(
            "Ref %(ref)s is yours. The client's details are under My leads.", ref=lead_id
        )
        flash(said, "success")
    else:
        flash(said.reply, "error")
    return redirect(url_for("salesperson.my_page")), 303


@bp.route("/me/leads/<id:lead_id>/pass", methods=["POST"])
def pass_on(lead_id: int):
    """The Pass button: the same as PASS by SMS; the lead goes on at once."""
    person = signed_in_salesperson()
    _paged_to_me(person, lead_id)
    said = pass_page(
        session=db.session,
        person=person,
        ref=lead_id,
        how="pressed Pass on their page",
        now=utcnow(),
        deadline_seconds=current_app.config["ACK_DEADLINE_SECONDS"],
    )
    commit_then_enqueue(pages=said.pages_to_send, manager_messages=said.manager_messages)
    flash(said.reply, "success" if said.outcome == "declined" else "error")
    return redirect(url_for("salesperson.my_page")), 303


@bp.route("/me/leads/<id:lead_id>/outcome", methods=["POST"])
def report_outcome(lead_id: int):
    """What came of the call-back (C7); only for a lead this salesperson took."""
    person = signed_in_salesperson()
    _not_another_offices(person, lead_id)
    lead = my_leads.own_lead(session=db.session, salesperson_id=person.id, lead_id=lead_id)
    if lead is None:
        abort(403)
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        flash(
            gettext("Ref %(ref)s: choose what came of the call, then Report.", ref=lead.id), "error"
        )
        return redirect(url_for("salesperson.my_page")), 303
    record_outcome(session=db.session, lead=lead, person=person, outcome=outcome, now=utcnow())
    db.session.commit()
    said = gettext(
        "Ref %(ref)s: %(outcome)s. Thank you.", ref=lead.id, outcome=gettext(OUTCOMES[outcome])
    )
    flash(said, "success")
    return redirect(url_for("salesperson.my_page")), 303


@bp.route("/me/voice-pin", methods=["POST"])
def set_voice_pin():
    """Set or change the PIN; only its hash is kept, and it is never shown again."""
    person = signed_in_salesperson()
    form = VoicePinForm()
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()), ["Check the PIN."])[0]
        flash(gettext("PIN not changed: %(why)s", why=first), "error")
        return redirect(url_for("salesperson.my_page")), 303
    person.set_voice_pin(form.pin.data)
    db.session.commit()
    flash(
        gettext("Your PIN is set. Key it in when you call the office for a client's details."),
        "success",
    )
    return redirect(url_for("salesperson.my_page")), 303


@bp.route("/me/page-by", methods=["POST"])
def set_page_by():
    """How pages reach me: SMS, SMS then a call, or call only (dispatcher/voice/pages.py)."""
    person = signed_in_salesperson()
    try:
        voice_pages.set_page_by(
            session=db.session,
            person=person,
            page_by=request.form.get("page_by", ""),
            actor=person.name,
            now=utcnow(),
        )
    except InvalidInput as error:
        db.session.rollback()
        flash(error.errors["page_by"], "error")
        return redirect(url_for("salesperson.my_page")), 303
    db.session.commit()
    flash(
        gettext("Pages reach you: %(how)s.", how=gettext(voice_pages.PAGE_BY[person.page_by])),
        "success",
    )
    return redirect(url_for("salesperson.my_page")), 303
