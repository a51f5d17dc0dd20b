"""The admin's screens for the offices of the installation: every office, a new one with
its first manager, and an office's name, number, time zone, manager's mobile and
deadline. The same checks as `flask create-office` (dispatcher/office/setup.py)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.language import DEFAULT_LANGUAGE
from dispatcher.models import Office
from dispatcher.office import setup
from dispatcher.office.controls import checked_deadline
from dispatcher.office.forms import NewOfficeForm, OfficeForm
from dispatcher.phones import to_e164
from dispatcher.text import ascii_whole_number
from dispatcher.unit_of_work import unit_of_work

bp = Blueprint("offices", __name__)


def _deadline(form: OfficeForm) -> int | None:
    text = (form.ack_deadline_seconds.data or "").strip()
    if not text:
        return None
    seconds = ascii_whole_number(text, max_digits=5)
    if seconds is None:
        raise InvalidInput({"ack_deadline_seconds": "A whole number of seconds, or empty."})
    return seconds


def _offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.name, Office.id)))


@bp.route("/", methods=["GET", "POST"])
def offices():
    """Every office; the form below sets up a new one with its first manager."""
    form = NewOfficeForm()
    if not form.is_submitted():
        form.timezone.data = current_app.config["OFFICE_TIMEZONE"]
        form.language.data = DEFAULT_LANGUAGE
    errors = field_errors(form) if form.is_submitted() and not form.validate() else {}
    if form.is_submitted() and not errors:
        try:
            with unit_of_work():
                office = setup.create_office(
                    session=db.session,
                    name=form.name.data,
                    timezone=form.timezone.data,
                    phone=form.phone.data or None,
                    manager_mobile=form.manager_mobile.data or None,
                    region=current_app.config["PHONE_REGION"],
                    ack_deadline_seconds=_deadline(form),
                    first_manager=(form.manager.data, form.manager_password.data),
                    language=form.language.data or DEFAULT_LANGUAGE,
                    phone_region=form.phone_region.data or None,
                )
                said = f"{office.name} set up; {form.manager.data.strip()} is its manager."
        except InvalidInput as error:
            errors = error.errors
        else:
            flash(said, "success")
            return redirect(url_for("offices.offices")), 303
    return render_template(
        "offices.html", offices=_offices(), form=form, errors=errors, creating=True
    ), (400 if errors else 200)


@bp.route("/<id:office_id>", methods=["GET", "POST"])
def edit(office_id: int):
    """An office's name, Twilio number, time zone, phone region, manager's mobile and
    deadline."""
    office = db.session.get(Office, office_id)
    if office is None:
        abort(404)
    form = OfficeForm(
        data={
            "name": office.name,
            "timezone": office.timezone,
            "phone": office.phone_number or "",
            "manager_mobile": office.manager_mobile or "",
            "ack_deadline_seconds": office.ack_deadline_seconds or "",
            "language": office.language,
            "phone_region": office.phone_region or "",
        }
    )
    errors = field_errors(form) if form.is_submitted() and not form.validate() else {}
    if form.is_submitted() and not errors:
        setting = current_app.config["PHONE_REGION"]
        try:
            with unit_of_work():
                setup.update_office(
                    session=db.session,
                    office=office,
                    region=setting,
                    name=form.name.data,
                    timezone=form.timezone.data,
                    phone=form.phone.data or "",
                    language=form.language.data or None,
                    # Left out of the form: unchanged; empty: the setting's.
                    phone_region=request.form.get("phone_region"),
                )
                # Read where the office now reads its numbers.
                office.manager_mobile = _mobile(form.manager_mobile.data, office.region(setting))
                office.ack_deadline_seconds = checked_deadline(_deadline(form))
                name = office.name
        except InvalidInput as error:
            db.session.rollback()
            errors = error.errors
        else:
            flash(f"{name} saved.", "success")
            return redirect(url_for("offices.offices")), 303
    return render_template("office_edit.html", office=office, form=form, errors=errors), (
        400 if errors else 200
    )


def _mobile(raw: str | None, region: str) -> str | None:
    if not (raw or "").strip():
        return None
    try:
        return to_e164(raw, region)
    except ValueError as error:
        raise InvalidInput({"manager_mobile": str(error)}) from error
