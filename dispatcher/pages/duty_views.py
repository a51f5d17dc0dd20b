"""The duty part of a salesperson's own page: where they are (In, Out, Busy, Back, as by
SMS), their coming shifts with a swap to ask of a colleague, the swaps waiting for their
answer, their calendar feed, and, while they are on duty, the console's form to log a
call they took."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from dispatcher.auth import signed_in_salesperson
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads import service as leads
from dispatcher.leads.forms import LeadForm
from dispatcher.leads.transactions import lead_details
from dispatcher.models import Office, Salesperson, ShiftSwap
from dispatcher.office.availability import OWN_WORDS, say_own_status
from dispatcher.office.current import phone_region
from dispatcher.office.feeds import feed_token
from dispatcher.office.roster import list_salespeople
from dispatcher.office.schedule import office_schedule, office_today, on_duty_people
from dispatcher.office.swaps import ASKED, answer_swap, ask_swap, swaps_of
from dispatcher.pages.service import acknowledge_page
from dispatcher.text import ascii_whole_number
from dispatcher.unit_of_work import unit_of_work
from routing.duty import occurrences

bp = Blueprint("my_duty", __name__)

DAYS_SHOWN = 14


def _back():
    return redirect(url_for("salesperson.my_page")), 303


def feed_url(person: Salesperson) -> str:
    secret = current_app.config["SECRET_KEY"]
    token = feed_token(secret, "salesperson", person.id, person.feed_nonce)
    return url_for(
        "feeds.feed", kind="salesperson", record_id=person.id, token=token, _external=True
    )


def duty_context(person: Salesperson) -> dict:
    """What the page shows of their duty (my_page.html includes _my_duty.html)."""
    office = db.session.get(Office, person.office_id)
    now = utcnow()
    today = office_today(office, now)
    roster = office_schedule(session=db.session, office=office).roster
    mine = [
        shift
        for shift in occurrences(roster, today, today + timedelta(days=DAYS_SHOWN - 1))
        if shift.salesperson_id == person.id
    ]
    swaps = swaps_of(session=db.session, person_id=person.id)
    colleagues = [
        p
        for p in list_salespeople(session=db.session, office_id=office.id)
        if p.active and p.id != person.id
    ]
    return {
        "my_shifts": mine,
        "swaps": swaps,
        "to_answer": [s for s in swaps if s.colleague_id == person.id and s.state == ASKED],
        "colleagues": colleagues,
        "on_duty_now": any(
            p.id == person.id for p in on_duty_people(session=db.session, office=office, now=now)
        ),
        "feed_url": feed_url(person),
        "own_words": OWN_WORDS,
    }


@bp.route("/me/status", methods=["POST"])
def set_status():
    """In, Out, Busy or Back: the same as the word by SMS."""
    person = signed_in_salesperson()
    word = request.form.get("word", "")
    if word not in OWN_WORDS:
        flash(gettext("Choose In, Out, Busy or Back."), "error")
        return _back()
    said = say_own_status(session=db.session, person=person, word=word, now=utcnow())
    db.session.commit()
    flash(said, "success")
    return _back()


@bp.route("/me/swaps", methods=["POST"])
def ask():
    """Ask a colleague to take one of their shifts (its id and day from the form)."""
    person = signed_in_salesperson()
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        flash(gettext("Choose one of your shifts."), "error")
        return _back()
    try:
        swap = ask_swap(
            session=db.session,
            asker=person,
            shift_id=ascii_whole_number(request.form.get("shift", ""), max_digits=9),
            day=day,
            colleague_id=ascii_whole_number(request.form.get("colleague", ""), max_digits=9),
            now=utcnow(),
        )
    except InvalidInput as error:
        db.session.rollback()
        flash(gettext("Nothing was asked:") + " " + " ".join(error.errors.values()), "error")
        return _back()
    name = swap.colleague.name
    db.session.commit()
    flash(
        gettext("%(name)s is asked by SMS; you keep the shift until they accept.", name=name),
        "success",
    )
    return _back()


@bp.route("/me/swaps/<id:swap_id>/answer", methods=["POST"])
def answer(swap_id: int):
    """Accept or refuse a colleague's swap: the same as SWAP YES / SWAP NO by SMS."""
    person = signed_in_salesperson()
    swap = db.session.get(ShiftSwap, swap_id)
    if swap is None or swap.colleague_id != person.id:
        abort(404)  # not asked of them: as if it did not exist
    said = answer_swap(
        session=db.session,
        colleague=person,
        swap_id=swap_id,
        accept=request.form.get("accept") == "yes",
        how="page",
        now=utcnow(),
    )
    db.session.commit()
    flash(said, "success")
    return _back()


@bp.route("/me/feed", methods=["POST"])
def new_feed_address():
    """Revoke their feed address: the old one stops working."""
    person = signed_in_salesperson()
    person.feed_nonce += 1
    db.session.commit()
    flash(gettext("Your calendar feed has a new address; the old one no longer works."), "success")
    return _back()


def _salespeople(office_id: int) -> list[Salesperson]:
    return [p for p in list_salespeople(session=db.session, office_id=office_id) if p.active]


@bp.route("/me/log-call", methods=["GET", "POST"])
def log_call():
    """On duty, a salesperson takes the office's calls on their own phone: they log each
    with the console's form. Routed as any lead at that moment; when it comes to them
    (it does unless the caller asked for a colleague), it is theirs at once, unpaged."""
    person = signed_in_salesperson()
    office = db.session.get(Office, person.office_id)
    form = LeadForm()
    errors: dict[str, str] = {}
    on_duty = any(
        p.id == person.id for p in on_duty_people(session=db.session, office=office, now=utcnow())
    )
    if not on_duty:
        flash(gettext("Calls are logged here while you are on duty."), "error")
        return _back()
    if form.validate_on_submit():
        try:
            ref = _log_and_take(person, office, form)
        except InvalidInput as error:
            errors = error.errors
        else:
            flash(gettext("Ref %(ref)s is logged.", ref=ref), "success")
            return _back()
    elif form.is_submitted():
        errors = field_errors(form)
    return render_template(
        "log_call.html",
        form=form,
        errors=errors,
        salespeople=_salespeople(office.id),
        action=url_for("my_duty.log_call"),
        submit="Save",
        lookup=None,
        completing=None,
    ), (400 if errors else 200)


def _log_and_take(person: Salesperson, office: Office, form: LeadForm) -> int:
    config = current_app.config
    now = utcnow()
    with unit_of_work() as work:
        lead = leads.log_lead(
            session=db.session,
            office=office,
            details=lead_details(form),
            logged_by_id=current_user.id,
            actor=person.name,
            now=now,
            deadline_seconds=config["ACK_DEADLINE_SECONDS"],
            region=phone_region(office),
        )
        page = leads.current_page(session=db.session, lead_id=lead.id)
        if page is not None and page.salesperson_id == person.id:
            # They have the caller on the line: no page to send them.
            acknowledge_page(
                session=db.session, page_id=page.id, now=now, by="page", actor=person.name
            )
        else:
            work.send(page.id if page is not None else None)
        ref = lead.id
    return ref
