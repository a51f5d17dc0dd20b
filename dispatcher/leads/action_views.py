"""The actions on a lead, from the board and the lead's page: the manager's hand (give it
to a salesperson, close it, reopen it; the coordinator may act for the manager) and
corrections of what was typed. Each is one unit of work; a page is queued after the
commit. The forms are drawn by templates/_lead_actions.html and _waiting_leads.html,
which ask ``lead_actions`` (below) for what they show."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, g, redirect, url_for
from flask_login import current_user

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads import corrections, manager_hand
from dispatcher.leads import service as leads
from dispatcher.leads.action_forms import AssignForm, CloseForm, CorrectionForm, ReopenForm
from dispatcher.leads.views import lead_detail
from dispatcher.models import Lead, LeadState
from dispatcher.office import roster
from dispatcher.office.current import office_of_request, phone_region
from dispatcher.unit_of_work import unit_of_work

bp = Blueprint("lead_actions", __name__)


def _lead_or_404(lead_id: int) -> Lead:
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    if lead is None:
        abort(404)
    return lead


def _back(form, lead_id: int):
    """Back where the action was asked from. Built from the id in the URL, not the lead:
    after the commit a read would begin a transaction (dispatcher/unit_of_work.py)."""
    if form.back.data == "board":
        return redirect(url_for("console.home"))
    return redirect(url_for("console.lead_detail", lead_id=lead_id))


def _for_the_manager() -> str:
    return manager_hand.acting_for_the_manager(
        username=current_user.username, role=current_user.role
    )


def _refused(form, lead_id: int):
    """A form that does not validate: its first message on the flash, nothing changed."""
    flash(f"Ref {lead_id}: {next(iter(field_errors(form).values()))}", "error")
    return _back(form, lead_id)


@bp.route("/leads/<id:lead_id>/assign", methods=["POST"])
def assign(lead_id: int):
    """Give the lead to the salesperson chosen: paged at once, with the usual deadline."""
    lead = _lead_or_404(lead_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _refused(form, lead_id)
    try:
        with unit_of_work() as work:
            page = manager_hand.assign_by_hand(
                session=db.session,
                lead=lead,
                salesperson_id=form.salesperson.data,
                actor=_for_the_manager(),
                now=utcnow(),
                deadline_seconds=current_app.config["ACK_DEADLINE_SECONDS"],
            )
            name = page.salesperson.name
            work.send(page.id)
    except manager_hand.NotNow as refusal:
        flash(str(refusal), "error")
        return _back(form, lead_id)
    flash(f"Ref {lead_id} given to {name}: paged.", "success")
    return _back(form, lead_id)


@bp.route("/leads/<id:lead_id>/close", methods=["POST"])
def close(lead_id: int):
    lead = _lead_or_404(lead_id)
    form = CloseForm()
    if not form.validate_on_submit():
        return _refused(form, lead_id)
    try:
        with unit_of_work():
            manager_hand.close_lead(
                session=db.session,
                lead=lead,
                reason=form.reason.data,
                actor=_for_the_manager(),
                now=utcnow(),
            )
    except manager_hand.NotNow as refusal:
        flash(str(refusal), "error")
        return _back(form, lead_id)
    flash(f"Ref {lead_id} closed: {form.reason.data.strip()}", "success")
    return _back(form, lead_id)


@bp.route("/leads/<id:lead_id>/reopen", methods=["POST"])
def reopen(lead_id: int):
    lead = _lead_or_404(lead_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _refused(form, lead_id)
    try:
        with unit_of_work():
            state = manager_hand.reopen_lead(
                session=db.session, lead=lead, actor=_for_the_manager(), now=utcnow()
            )
    except manager_hand.NotNow as refusal:
        flash(str(refusal), "error")
        return _back(form, lead_id)
    where = "waits for the manager" if state == LeadState.MANAGER else "waits to be completed"
    flash(f"Ref {lead_id} reopened: it {where}.", "success")
    return _back(form, lead_id)


@bp.route("/leads/<id:lead_id>/correct", methods=["POST"])
def correct(lead_id: int):
    """Correct what was typed; a bad field shows the lead's page again with the message
    at the field and what was typed kept."""
    lead = _lead_or_404(lead_id)
    form = CorrectionForm()
    if lead.state == LeadState.STUB:
        flash(f"Ref {lead_id} is a call not completed yet: complete it instead.", "error")
        return _back(form, lead_id)
    errors = field_errors(form) if not form.validate_on_submit() else {}
    if not errors:
        try:
            with unit_of_work():
                changed = corrections.correct_lead(
                    session=db.session,
                    lead=lead,
                    typed=corrections.Correction(
                        caller_phone=form.caller_phone.data or "",
                        caller_name=form.caller_name.data or "",
                        kind=form.kind.data or "",
                        listing=form.listing.data or "",
                    ),
                    actor=current_user.username,
                    now=utcnow(),
                    region=phone_region(office_of_request()),
                )
                said = _corrected_words(lead, changed)
        except InvalidInput as error:
            errors = error.errors
    if errors:
        g.correction = SimpleNamespace(form=form, errors=errors)
        return lead_detail(lead_id=lead_id), 400
    flash(said, "success" if changed else "info")
    return _back(form, lead_id)


def _corrected_words(lead: Lead, changed: list[str]) -> str:
    if not changed:
        return f"Ref {lead.id}: nothing differed, nothing was corrected."
    fields = ", ".join(corrections.FIELD_WORDS[field].lower() for field in changed)
    words = f"Ref {lead.id} corrected: {fields}."
    if set(changed) & set(corrections.ROUTING_FIELDS) and lead.state != LeadState.CLOSED:
        words += " It is not routed again: give it by hand if it should go to someone else."
    return words


def lead_actions(lead: Lead) -> dict:
    """What the action forms show (templates read it as ``actions.salespeople``...): the
    salespeople a lead may be given to, which actions fit the lead as it stands, and the
    corrections form (as typed, after a refusal)."""
    if "lead_action_people" not in g:
        people = roster.list_salespeople(session=db.session, office_id=office_of_request().id)
        g.lead_action_people = [p for p in people if p.active and not p.sms_opted_out]
    refused = g.correction if "correction" in g else None
    return {
        "salespeople": g.lead_action_people,
        "can_assign": lead.state in manager_hand.ASSIGNABLE,
        "can_close": lead.state in manager_hand.CLOSABLE,
        "can_reopen": lead.state in manager_hand.REOPENED_TO,
        "can_correct": lead.state != LeadState.STUB,
        "correction": refused.form if refused else _correction_form(lead),
        "correction_errors": refused.errors if refused else {},
    }


bp.add_app_template_global(lead_actions, "lead_actions")


def _correction_form(lead: Lead) -> CorrectionForm:
    return CorrectionForm(
        formdata=None,
        data={
            "caller_phone": lead.caller_phone,
            "caller_name": lead.caller_name,
            "kind": lead.kind,
            "listing": corrections.listing_words(lead),
            "back": "lead",
        },
    )
