"""The manager's Roster screen: the coordinator's hours per weekday, holidays, the duty
shifts (repeating, and the weekend's alternating 3-hour shifts), covers for a range of
days, every swap, leave, who is on duty now and the next two weeks, and the office's
calendar feed."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import DutyCover, DutyShift, Holiday, Office, Salesperson
from dispatcher.office import availability, roster_edits
from dispatcher.office.current import office_of_request, office_record_or_404
from dispatcher.office.feeds import feed_token
from dispatcher.office.roster import list_salespeople
from dispatcher.office.schedule import office_schedule, office_today, on_duty_people
from dispatcher.office.swaps import office_swaps
from dispatcher.text import ascii_whole_number, forbidden_character, forbidden_message
from routing.duty import occurrences

bp = Blueprint("roster", __name__)

DAYS_SHOWN = 14


def form_date(field: str, *, required: bool = True) -> date | None:
    """A YYYY-MM-DD date from the form; InvalidInput naming the field."""
    text = request.form.get(field, "").strip()
    if not text and not required:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput({field: gettext("A date such as 2026-12-14.")}) from error
    if not 2000 <= day.year <= 2999:
        raise InvalidInput({field: gettext("A date between the years 2000 and 2999.")})
    return day


def form_id(field: str) -> int | None:
    return ascii_whole_number(request.form.get(field, ""), max_digits=9)


def _act(edit, **arguments) -> None:
    """Run one edit, commit it, or flash why nothing was changed."""
    try:
        edit(session=db.session, actor=current_user.username, now=utcnow(), **arguments)
    except InvalidInput as error:
        db.session.rollback()
        flash(_nothing_changed(error), "error")
    else:
        db.session.commit()
        flash(gettext("Saved."), "success")


def _nothing_changed(error: InvalidInput) -> str:
    return gettext("Nothing was changed: %(why)s", why=" ".join(error.errors.values()))


def _back():
    return redirect(url_for("roster.page")), 303


def office_feed_url(office: Office) -> str:
    token = feed_token(current_app.config["SECRET_KEY"], "office", office.id, office.feed_nonce)
    return url_for("feeds.feed", kind="office", record_id=office.id, token=token, _external=True)


@bp.route("/roster")
def page():
    office = office_of_request()
    now = utcnow()
    schedule = office_schedule(session=db.session, office=office)
    today = office_today(office, now)
    people = list_salespeople(session=db.session, office_id=office.id)
    return render_template(
        "roster.html",
        office=office,
        people=people,
        names={person.id: person.name for person in people},
        calendar=schedule.calendar,
        duty=schedule.duty(now),
        on_duty=on_duty_people(session=db.session, office=office, now=now),
        coming=occurrences(schedule.roster, today, today + timedelta(days=DAYS_SHOWN - 1)),
        holidays=db.session.query(Holiday)
        .filter(Holiday.office_id == office.id, Holiday.day >= today)
        .order_by(Holiday.day)
        .all(),
        shifts=db.session.query(DutyShift)
        .filter(
            DutyShift.office_id == office.id,
            (DutyShift.last_day.is_(None)) | (DutyShift.last_day >= today),
        )
        .order_by(DutyShift.weekday, DutyShift.starts, DutyShift.id)
        .all(),
        covers=db.session.query(DutyCover)
        .filter(DutyCover.office_id == office.id, DutyCover.last_day >= today)
        .order_by(DutyCover.first_day)
        .all(),
        swaps=office_swaps(session=db.session, office_id=office.id),
        weekdays=roster_edits.WEEKDAY_NAMES,
        minutes_text=roster_edits.minutes_text,
        shift_words=roster_edits.shift_words,
        today=today,
        feed_url=office_feed_url(office),
    )


@bp.route("/roster/hours", methods=["POST"])
def hours():
    week = [
        (request.form.get(f"opens{d}", ""), request.form.get(f"closes{d}", "")) for d in range(7)
    ]
    _act(roster_edits.set_week_hours, office=office_of_request(), week=week)
    return _back()


@bp.route("/roster/holidays", methods=["POST"])
def add_holiday():
    try:
        name = request.form.get("name", "")
        if (character := forbidden_character(name)) is not None:
            raise InvalidInput({"name": forbidden_message(character)})
        day = form_date("day")
    except InvalidInput as error:
        flash(_nothing_changed(error), "error")
        return _back()
    _act(
        roster_edits.add_holiday,
        office=office_of_request(),
        day=day,
        name=name,
        opens=request.form.get("opens", ""),
        closes=request.form.get("closes", ""),
    )
    return _back()


@bp.route("/roster/holidays/<id:holiday_id>/remove", methods=["POST"])
def remove_holiday(holiday_id: int):
    office_record_or_404(Holiday, holiday_id)
    _act(roster_edits.remove_holiday, office=office_of_request(), holiday_id=holiday_id)
    return _back()


@bp.route("/roster/shifts", methods=["POST"])
def add_shift():
    try:
        first_day, last_day = form_date("first_day"), form_date("last_day", required=False)
    except InvalidInput as error:
        flash(_nothing_changed(error), "error")
        return _back()
    _act(
        roster_edits.add_shift,
        office=office_of_request(),
        salesperson_id=form_id("salesperson"),
        weekday=form_id("weekday") if form_id("weekday") is not None else -1,
        starts=request.form.get("starts", ""),
        ends=request.form.get("ends", ""),
        first_day=first_day,
        last_day=last_day,
        every_weeks=form_id("every_weeks") or 0,
    )
    return _back()


@bp.route("/roster/weekend", methods=["POST"])
def add_weekend():
    try:
        first_day = form_date("first_day")
    except InvalidInput as error:
        flash(_nothing_changed(error), "error")
        return _back()
    _act(
        roster_edits.add_weekend_pair,
        office=office_of_request(),
        first_id=form_id("first"),
        second_id=form_id("second"),
        starts=request.form.get("starts", ""),
        ends=request.form.get("ends", ""),
        first_day=first_day,
    )
    return _back()


@bp.route("/roster/shifts/<id:shift_id>/remove", methods=["POST"])
def remove_shift(shift_id: int):
    office = office_of_request()
    office_record_or_404(DutyShift, shift_id)
    _act(
        roster_edits.end_shift,
        office=office,
        shift_id=shift_id,
        today=office_today(office, utcnow()),
    )
    return _back()


@bp.route("/roster/covers", methods=["POST"])
def add_cover():
    try:
        first_day, last_day = form_date("first_day"), form_date("last_day")
    except InvalidInput as error:
        flash(_nothing_changed(error), "error")
        return _back()
    _act(
        roster_edits.add_cover,
        office=office_of_request(),
        salesperson_id=form_id("salesperson"),
        covers_id=form_id("covers"),
        first_day=first_day,
        last_day=last_day,
    )
    return _back()


@bp.route("/roster/covers/<id:cover_id>/remove", methods=["POST"])
def remove_cover(cover_id: int):
    office_record_or_404(DutyCover, cover_id)
    _act(roster_edits.remove_cover, office=office_of_request(), cover_id=cover_id)
    return _back()


@bp.route("/roster/leave/<id:salesperson_id>", methods=["POST"])
def set_leave(salesperson_id: int):
    person = office_record_or_404(Salesperson, salesperson_id)
    try:
        first_day = form_date("leave_from", required=False)
        last_day = form_date("leave_until", required=False)
    except InvalidInput as error:
        flash(_nothing_changed(error), "error")
        return _back()
    _act(availability.set_leave, person=person, first_day=first_day, last_day=last_day)
    return _back()


@bp.route("/roster/feed", methods=["POST"])
def new_feed_address():
    """Revoke the office's feed address: the old one stops working."""
    office = office_of_request()
    office.feed_nonce += 1
    db.session.commit()
    flash(
        gettext("The office's calendar feed has a new address; the old one no longer works."),
        "success",
    )
    return _back()
