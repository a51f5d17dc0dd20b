"""The manager's screens: the salespeople (add, edit, deactivate)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from dispatcher.clients import handovers
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Salesperson
from dispatcher.office import availability
from dispatcher.office import controls as office_controls
from dispatcher.office import roster as salespeople
from dispatcher.office.current import office_of_request, office_record_or_404, phone_region
from dispatcher.office.forms import SalespersonForm
from dispatcher.text import ascii_whole_number, forbidden_character, forbidden_message
from dispatcher.voice import pages as voice_pages

bp = Blueprint("manager", __name__)


def _details(form: SalespersonForm) -> salespeople.SalespersonDetails:
    return salespeople.SalespersonDetails(
        name=form.name.data or "",
        mobile=form.mobile.data or "",
        skills=form.skills.data or "",
        active=bool(form.active.data),
        team=form.team.data or "",
    )


@bp.route("/salespeople", methods=["GET", "POST"])
def salespeople_page():
    office = office_of_request()
    form = SalespersonForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            person = salespeople.add_salesperson(
                session=db.session,
                office_id=office.id,
                details=_details(form),
                region=phone_region(office),
            )
            db.session.commit()
            flash(f"{person.name} added at the end of the rotation.", "success")
            return redirect(url_for("manager.salespeople_page"))
        except InvalidInput as error:
            db.session.rollback()
            errors = error.errors
    elif form.is_submitted():
        errors = field_errors(form)
    people = salespeople.list_salespeople(session=db.session, office_id=office.id)
    return render_template(
        "salespeople.html",
        form=form,
        errors=errors,
        people=people,
        status_words=office_controls.STATUS_WORDS,
    ), (400 if errors else 200)


@bp.route("/salespeople/<id:salesperson_id>", methods=["GET", "POST"])
def edit_salesperson(salesperson_id: int):
    person = office_record_or_404(Salesperson, salesperson_id)
    form = SalespersonForm(obj=person)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        was_active = person.active
        try:
            changed = salespeople.update_salesperson(
                session=db.session,
                person=person,
                details=_details(form),
                region=phone_region(office_of_request()),
            )
            for detail in changed:
                office_controls.record_change(
                    session=db.session,
                    office_id=person.office_id,
                    actor=current_user.username,
                    now=utcnow(),
                    kind="salesperson",
                    detail=detail,
                )
            handed = _hand_over_on_leaving(person) if was_active and not person.active else ""
            db.session.commit()
            flash(f"{person.name} saved.{handed}", "success")
            return redirect(url_for("manager.salespeople_page"))
        except InvalidInput as error:
            db.session.rollback()
            errors = error.errors
    elif form.is_submitted():
        errors = field_errors(form)
    return render_template("salesperson_edit.html", form=form, person=person, errors=errors), (
        400 if errors else 200
    )


def _hand_over_on_leaving(person: Salesperson) -> str:
    """O10: a deactivated salesperson's clients go out by the office rotation, each a
    turn; what was done, in words (nobody available: they stay, and the manager is told)."""
    try:
        moves = handovers.hand_over(
            db.session,
            office=office_of_request(),
            leaver=person,
            to_id=None,
            actor=current_user.username,
            now=utcnow(),
        )
    except InvalidInput as error:
        return f" Their clients stay theirs for now: {error.errors['salesperson']}"
    if not moves:
        return ""
    return f" {len(moves)} of their clients handed out by the office rotation."


def _own_salesperson(salesperson_id: int) -> Salesperson:
    return office_record_or_404(Salesperson, salesperson_id)


def _apply_control(control, field: str, **arguments) -> bool:
    """Run one of the manager's controls, commit it, or flash why it was refused."""
    try:
        control(session=db.session, actor=current_user.username, now=utcnow(), **arguments)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.errors[field], "error")
        return False
    db.session.commit()
    return True


@bp.route("/salespeople/<id:salesperson_id>/status", methods=["POST"])
def set_status(salesperson_id: int):
    """Busy / errand / back / out / off shift, from the salespeople table."""
    person = _own_salesperson(salesperson_id)
    status = request.form.get("status", "")
    if _apply_control(availability.change_status, "status", person=person, status=status):
        flash(f"{person.name} is {office_controls.STATUS_WORDS[person.status]}.", "success")
    return redirect(url_for("manager.salespeople_page")), 303


@bp.route("/salespeople/<id:salesperson_id>/page-by", methods=["POST"])
def set_page_by(salesperson_id: int):
    """How pages reach this salesperson (dispatcher/voice/pages.py), from their screen."""
    person = _own_salesperson(salesperson_id)
    page_by = request.form.get("page_by", "")
    if _apply_control(voice_pages.set_page_by, "page_by", person=person, page_by=page_by):
        flash(f"{person.name}'s pages: {voice_pages.PAGE_BY[person.page_by]}.", "success")
    return redirect(url_for("manager.edit_salesperson", salesperson_id=person.id)), 303


@bp.route("/salespeople/<id:salesperson_id>/move", methods=["POST"])
def move(salesperson_id: int):
    person = _own_salesperson(salesperson_id)
    direction = request.form.get("direction", "")
    _apply_control(
        office_controls.move_in_rotation, "direction", person=person, direction=direction
    )
    return redirect(url_for("manager.salespeople_page")), 303


@bp.route("/office", methods=["GET", "POST"])
def office_rules():
    """The target area, the ownership lapse, the manager's mobile, the dispute window, the
    approval of an absent owner's stand-in, the duty rules and the deadline."""
    office = office_of_request()
    errors: dict[str, str] = {}
    if request.method == "POST":
        from dispatcher.phones import to_e164

        mobile = request.form.get("manager_mobile", "").strip() or None
        try:
            if mobile:
                try:
                    mobile = to_e164(mobile, phone_region(office))
                except ValueError as error:
                    raise InvalidInput({"manager_mobile": str(error)}) from error
            days = ascii_whole_number(request.form.get("ownership_lapse_days"), max_digits=4)
            if days is None:
                raise InvalidInput({"ownership_lapse_days": "A whole number of days."})
            dispute_days = office.dispute_days
            if "dispute_days" in request.form:  # a form from before the setting keeps it
                dispute_days = ascii_whole_number(request.form["dispute_days"], max_digits=3)
                if dispute_days is None:
                    raise InvalidInput({"dispute_days": "A whole number of days."})
            misses = ascii_whole_number(request.form.get("miss_limit", "0"), max_digits=2)
            if misses is None:
                raise InvalidInput({"miss_limit": "A whole number of missed pages (0: never)."})
            deadline_text = request.form.get("ack_deadline_seconds", "").strip()
            deadline = None
            if deadline_text:
                deadline = ascii_whole_number(deadline_text, max_digits=5)
                if deadline is None:
                    raise InvalidInput(
                        {"ack_deadline_seconds": "A whole number of seconds, or empty."}
                    )
            target_area = request.form.get("target_area", "")
            if (character := forbidden_character(target_area)) is not None:
                raise InvalidInput({"target_area": forbidden_message(character)})
            office_controls.set_office_rules(
                session=db.session,
                office=office,
                target_area=target_area,
                ownership_lapse_days=days,
                manager_mobile=mobile,
                ack_deadline_seconds=deadline,
                actor=current_user.username,
                now=utcnow(),
                dispute_days=dispute_days,
                stand_in_needs_approval=request.form.get("stand_in_needs_approval") == "on",
                miss_limit=misses,
                nobody_on_duty=request.form.get("nobody_on_duty", office.nobody_on_duty),
                reassign_when_not_reached=request.form.get("reassign_when_not_reached") == "on",
                missed_caller_sms=request.form.get("missed_caller_sms") == "on",
                record_calls=request.form.get("record_calls") == "on",
                # A form from before the setting keeps the language.
                language=request.form.get("language"),
            )
        except InvalidInput as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash("Office rules saved.", "success")
            return redirect(url_for("manager.office_rules")), 303
    return render_template(
        "office.html",
        office=office,
        errors=errors,
        form=request.form if errors else None,
        nobody_on_duty=office_controls.NOBODY_ON_DUTY,
        deadline_setting=current_app.config["ACK_DEADLINE_SECONDS"],
        call_back_minutes=current_app.config["MISSED_CALLER_CALL_BACK_MINUTES"],
        retention_days=current_app.config["RECORDING_RETENTION_DAYS"],
    ), (400 if errors else 200)


@bp.route("/changes")
def changes():
    """Every change to the rotation, statuses, skills and rules: who and when."""
    return render_template(
        "changes.html",
        changes=office_controls.recent_changes(
            session=db.session, office_id=office_of_request().id
        ),
    )
