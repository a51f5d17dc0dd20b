"""The manager's screens: the salespeople (add, edit, deactivate)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for

from dispatcher.auth import roles_required
from dispatcher.extensions import db
from dispatcher.forms import SalespersonForm, field_errors
from dispatcher.intake import current_office
from dispatcher.models import Salesperson
from dispatcher.services import salespeople
from dispatcher.services.errors import InvalidInput

bp = Blueprint("manager", __name__)


def _details(form: SalespersonForm) -> salespeople.SalespersonDetails:
    return salespeople.SalespersonDetails(
        name=form.name.data or "",
        mobile=form.mobile.data or "",
        skills=form.skills.data or "",
        active=bool(form.active.data),
    )


@bp.route("/salespeople", methods=["GET", "POST"])
@roles_required("manager")
def salespeople_page():
    office = current_office()
    form = SalespersonForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            person = salespeople.add_salesperson(
                session=db.session,
                office_id=office.id,
                details=_details(form),
                region=current_app.config["PHONE_REGION"],
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
    return render_template("salespeople.html", form=form, errors=errors, people=people), (
        400 if errors else 200
    )


@bp.route("/salespeople/<int:salesperson_id>", methods=["GET", "POST"])
@roles_required("manager")
def edit_salesperson(salesperson_id: int):
    person = db.session.get(Salesperson, salesperson_id)
    if person is None or person.office_id != current_office().id:
        abort(404)
    form = SalespersonForm(obj=person)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            salespeople.update_salesperson(
                session=db.session,
                person=person,
                details=_details(form),
                region=current_app.config["PHONE_REGION"],
            )
            db.session.commit()
            flash(f"{person.name} saved.", "success")
            return redirect(url_for("manager.salespeople_page"))
        except InvalidInput as error:
            db.session.rollback()
            errors = error.errors
    elif form.is_submitted():
        errors = field_errors(form)
    return render_template("salesperson_edit.html", form=form, person=person, errors=errors), (
        400 if errors else 200
    )
