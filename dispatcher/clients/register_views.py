"""The registration log's screens (coordinator, manager): the office's log, newest first,
and the form that corrects an entry by appending a new one (O2, O3). Nothing here, nor
anywhere, updates or deletes an entry."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dispatcher.clients.corrections import CorrectedFacts, correct_registration, original_of
from dispatcher.clients.log import latest_version, log_page, missing_of
from dispatcher.clients.register_forms import CorrectRegistrationForm
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Registration
from dispatcher.office import roster
from dispatcher.office.current import office_of_request, office_record_or_404, phone_region
from dispatcher.unit_of_work import unit_of_work

bp = Blueprint("register", __name__)


def _people() -> dict[int, str]:
    office = office_of_request()
    return {p.id: p.name for p in roster.list_salespeople(session=db.session, office_id=office.id)}


@bp.route("/register")
def log():
    """The office's registration log, paged, newest first; ``invalid=1``: only the
    registrations still invalid after their corrections."""
    invalid_only = request.args.get("invalid") == "1"
    page = request.args.get("page", 1, type=int)
    found = log_page(
        db.session, office_id=office_of_request().id, page=page, invalid_only=invalid_only
    )
    return render_template(
        "register.html",
        log=found,
        invalid_only=invalid_only,
        people=_people(),
        missing_of=missing_of,
    )


def _entry_or_404(entry_id: int) -> Registration:
    entry = office_record_or_404(Registration, entry_id)
    return original_of(db.session, entry)


@bp.route("/register/<id:entry_id>/correct", methods=["GET", "POST"])
def correct(entry_id: int):
    """The form prefilled from the entry as it stands (its latest correction); saving
    appends a new entry pointing at the original."""
    original = _entry_or_404(entry_id)
    corrected = original.number  # read now: after the commit a read begins a transaction
    latest = latest_version(db.session, original)
    form = CorrectRegistrationForm(
        data={
            "caller_name": latest.caller_name,
            "caller_title": latest.caller_title,
            "phone": latest.phone,
            "need": latest.need,
            "named_salesperson": latest.named_salesperson_id,
        }
    )
    errors: dict[str, str] = {}
    if form.is_submitted():
        if not form.validate_on_submit():
            errors = field_errors(form)
        else:
            try:
                with unit_of_work():
                    correction = correct_registration(
                        db.session,
                        office=office_of_request(),
                        original=original,
                        facts=CorrectedFacts(
                            caller_name=form.caller_name.data or "",
                            caller_title=form.caller_title.data or "",
                            phone=form.phone.data or "",
                            need=form.need.data or "",
                            named_salesperson_id=form.named_salesperson.data,
                        ),
                        actor=current_user.username,
                        now=utcnow(),
                        region=phone_region(office_of_request()),
                    )
                    number, valid = correction.number, correction.valid
                    missing = ", ".join(missing_of(correction))
            except InvalidInput as error:
                errors = error.errors
            else:
                if valid:
                    flash(f"Registration {number} corrects {corrected}: valid.", "success")
                else:
                    flash(
                        f"Registration {number} corrects {corrected}, still invalid: "
                        f"missing {missing}.",
                        "warning",
                    )
                return redirect(url_for("register.log"))
    return render_template(
        "register_correct.html",
        form=form,
        errors=errors,
        original=original,
        latest=latest,
        people=_people(),
        missing_of=missing_of,
    ), (400 if errors else 200)
