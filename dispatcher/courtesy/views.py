"""The courtesy screens: the manager's templates (approve, hold), the next 7 days (hold
one message), the quiet hours; a client's courtesy details; a salesperson's surveys."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from dispatcher.clock import local_time, utcnow
from dispatcher.courtesy import planning, surveys
from dispatcher.courtesy import templates as texts
from dispatcher.courtesy.details import CourtesyDetails, details_of, set_details
from dispatcher.courtesy.forms import ActionForm, ClientCourtesyForm, QuietHoursForm, TemplateForm
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import (
    Client,
    CourtesyMessage,
    CourtesyTemplate,
    Office,
    Salesperson,
    SurveyTask,
)
from dispatcher.office.controls import record_change
from dispatcher.office.current import office_of_request, office_record_or_404
from dispatcher.queue import schedule_courtesy
from dispatcher.text import ascii_whole_number
from routing.courtesy import KINDS, parse_quiet_hours, sms_segments

bp = Blueprint("courtesy", __name__, template_folder="templates")

# The manager's list shows this many of the next 7 days' messages (the counts are whole).
SHOWN = 300


def _template(template_id: int) -> CourtesyTemplate:
    return office_record_or_404(CourtesyTemplate, template_id)


def _client(client_id: int | None) -> Client | None:
    client = db.session.get(Client, client_id) if client_id else None
    if client is not None and client.office_id != office_of_request().id:
        return None
    return client


@bp.route("/manager/courtesy")
def overview():
    office = office_of_request()
    now = utcnow()
    coming = planning.upcoming(db.session, office, now)
    counts: dict[str, int] = {}
    for item in coming:
        counts[item.status] = counts.get(item.status, 0) + 1
    return render_template(
        "courtesy/overview.html",
        office=office,
        templates=texts.office_templates(db.session, office),
        kinds=KINDS,
        coming=coming[:SHOWN],
        total=len(coming),
        counts=counts,
        quiet_form=QuietHoursForm(quiet_hours=office.quiet_hours),
        action=ActionForm(),
    )


@bp.route("/manager/courtesy/quiet-hours", methods=["POST"])
def set_quiet_hours():
    office = office_of_request()
    form = QuietHoursForm()
    if not form.validate_on_submit():
        flash(_quiet_hours_not_changed(next(iter(field_errors(form).values()))), "error")
        return redirect(url_for("courtesy.overview")), 303
    try:
        quiet = parse_quiet_hours(form.quiet_hours.data)
    except ValueError as error:
        flash(_quiet_hours_not_changed(str(error)), "error")
        return redirect(url_for("courtesy.overview")), 303
    text = f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"
    if text != office.quiet_hours:
        office.quiet_hours = text
        record_change(
            session=db.session,
            office_id=office.id,
            actor=current_user.username,
            now=utcnow(),
            kind="courtesy_quiet_hours",
            detail=f"Courtesy messages' quiet hours set to {text}",
        )
        db.session.commit()
    flash(
        gettext(
            "No courtesy message goes out from %(start)s to %(end)s.",
            start=f"{quiet.start:%H:%M}",
            end=f"{quiet.end:%H:%M}",
        ),
        "success",
    )
    return redirect(url_for("courtesy.overview")), 303


def _quiet_hours_not_changed(why: str) -> str:
    return gettext("Quiet hours not changed: %(why)s", why=why)


def _fields(form: TemplateForm) -> texts.TemplateFields:
    return texts.TemplateFields(
        kind=form.kind.data or "",
        name=form.name.data or "",
        body=(form.body.data or "").replace("\r\n", "\n"),
        project=form.project.data or "",
        stages=tuple(form.stages.data or ()),
        occasion_date=form.occasion_date.data,
    )


def _template_page(form, template, errors, status=200):
    office = office_of_request()
    client = _client(ascii_whole_number(request.args.get("client", ""), max_digits=9))
    preview = None
    if template is not None and client is not None:
        today = local_time(utcnow(), office.timezone).date()
        preview = texts.preview(db.session, template, client, office, today)
    body = form.body.data or (template.body if template else "")
    return (
        render_template(
            "courtesy/template.html",
            form=form,
            template=template,
            errors=errors,
            segments=sms_segments(body),
            preview=preview,
            preview_segments=sms_segments(preview) if preview else None,
            client=client,
            action=ActionForm(),
        ),
        status,
    )


@bp.route("/manager/courtesy/templates/new", methods=["GET", "POST"])
def new_template():
    return _save_template(None)


@bp.route("/manager/courtesy/templates/<id:template_id>", methods=["GET", "POST"])
def edit_template(template_id: int):
    return _save_template(_template(template_id))


def _save_template(template: CourtesyTemplate | None):
    form = TemplateForm(obj=template) if request.method == "GET" else TemplateForm()
    if request.method == "GET" and template is not None:
        form.stages.data = [s for s in template.stages.split(",") if s]
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            saved = texts.save(
                db.session,
                office=office_of_request(),
                fields=_fields(form),
                actor=current_user.username,
                now=utcnow(),
                template=template,
            )
            db.session.commit()
            flash(
                gettext(
                    "%(name)s saved. It goes out once the manager approves it.",
                    name=repr(saved.name),
                ),
                "success",
            )
            return redirect(url_for("courtesy.edit_template", template_id=saved.id)), 303
        except InvalidInput as error:
            db.session.rollback()
            errors = error.errors
    elif form.is_submitted():
        errors = field_errors(form)
    return _template_page(form, template, errors, 422 if errors else 200)


@bp.route("/manager/courtesy/templates/<id:template_id>/approve", methods=["POST"])
def approve_template(template_id: int):
    template = _template(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    texts.approve(db.session, template, actor=current_user.username, now=utcnow())
    db.session.commit()
    flash(
        gettext("%(name)s approved: it goes out as planned.", name=repr(template.name)), "success"
    )
    return redirect(url_for("courtesy.edit_template", template_id=template_id)), 303


@bp.route("/manager/courtesy/templates/<id:template_id>/hold", methods=["POST"])
def hold_template(template_id: int):
    template = _template(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    held = request.form.get("held") == "1"
    texts.set_held(db.session, template, held=held, actor=current_user.username, now=utcnow())
    db.session.commit()
    words = (
        gettext("%(name)s held: none of its messages goes out.", name=repr(template.name))
        if held
        else gettext("%(name)s released.", name=repr(template.name))
    )
    flash(words, "success")
    return redirect(url_for("courtesy.overview")), 303


@bp.route("/manager/courtesy/messages/hold", methods=["POST"])
def hold_message():
    """Hold (or release) one message of the next 7 days."""
    if not ActionForm().validate_on_submit():
        abort(400)
    office = office_of_request()
    client_id = ascii_whole_number(request.form.get("client", ""), max_digits=9)
    template_id = ascii_whole_number(request.form.get("template", ""), max_digits=9)
    try:
        occasion = date.fromisoformat(request.form.get("occasion", ""))
    except ValueError:
        occasion = None
    held = request.form.get("held") == "1"
    found = (
        client_id is not None
        and template_id is not None
        and occasion is not None
        and planning.hold_message(
            db.session,
            office,
            client_id=client_id,
            template_id=template_id,
            occasion=occasion,
            hold=held,
            now=utcnow(),
        )
    )
    if not found:
        db.session.rollback()
        flash(gettext("No such message is planned: nothing changed."), "error")
        return redirect(url_for("courtesy.overview")), 303
    row = db.session.scalar(
        db.select(CourtesyMessage).where(
            CourtesyMessage.client_id == client_id,
            CourtesyMessage.template_id == template_id,
            CourtesyMessage.occasion == occasion,
        )
    )
    released = (row.id, row.send_at) if not held and row.sent_at is None else None
    db.session.commit()
    if released:
        schedule_courtesy(*released)  # the clock process queued nothing for a held row
    flash(
        gettext("Message held: it will not go out.") if held else gettext("Message released."),
        "success",
    )
    return redirect(url_for("courtesy.overview")), 303


@bp.route("/clients/<id:client_id>/courtesy", methods=["GET", "POST"])
def client_details(client_id: int):
    """What the client's courtesy messages go by, and the ones sent and replies."""
    office = office_of_request()
    client = _client(client_id)
    if client is None:
        abort(404)
    if request.method == "GET":
        now_details = details_of(client, office)
        form = ClientCourtesyForm(data=now_details.__dict__)
    else:
        form = ClientCourtesyForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        changed = set_details(
            db.session,
            client=client,
            office=office,
            details=CourtesyDetails(
                form.birthday.data,
                form.project.data or "",
                form.subscribed_on.data,
                form.contract_signed_on.data,
            ),
            actor=current_user.username,
            now=utcnow(),
        )
        db.session.commit()
        flash("Saved: " + ", ".join(changed) if changed else "Nothing changed.", "success")
        return redirect(url_for("courtesy.client_details", client_id=client_id)), 303
    if form.is_submitted():
        errors = field_errors(form)
    sent = db.session.scalars(
        db.select(CourtesyMessage)
        .where(CourtesyMessage.client_id == client.id)
        .order_by(CourtesyMessage.send_at.desc())
        .limit(50)
    ).all()
    return (
        render_template(
            "courtesy/client.html", client=client, form=form, errors=errors, messages=sent
        ),
        422 if errors else 200,
    )


@bp.route("/me/surveys/<id:task_id>/done", methods=["POST"])
def survey_done(task_id: int):
    """S5: the salesperson called the client after the signing."""
    person = db.session.get(Salesperson, current_user.salesperson_id or 0)
    task = db.session.get(SurveyTask, task_id)
    if person is None or task is None or task.salesperson_id != person.id:
        abort(404)  # another's task: as if it did not exist
    if not ActionForm().validate_on_submit():
        abort(400)
    office = office_of_request()
    if surveys.survey_done(db.session, task, person=person, office=office, now=utcnow()):
        db.session.commit()
        flash(gettext("Survey recorded as done. Thank you."), "success")
    return redirect(url_for("salesperson.my_page")), 303


@bp.app_template_global("courtesy_surveys")
def courtesy_surveys(person: Salesperson) -> list[SurveyTask]:
    """The surveys a salesperson still has to make (their own page)."""
    return surveys.open_surveys(db.session, person.id)


@bp.app_template_global("courtesy_month")
def courtesy_month(office: Office | None = None):
    """This month's courtesy figures per salesperson (the dashboard's office)."""
    return surveys.month_figures(db.session, office or office_of_request(), utcnow())


@bp.app_template_global("courtesy_action_form")
def courtesy_action_form() -> ActionForm:
    return ActionForm()
