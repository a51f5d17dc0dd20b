"""The coordinator's console: log a call or walk-in, watch the open leads."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from dispatcher.calls import put_through
from dispatcher.clients.log import invalid_words, missing_of
from dispatcher.clock import local_time, utcnow
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads import callers, stubs
from dispatcher.leads import service as leads
from dispatcher.leads.forms import LeadForm
from dispatcher.leads.replays import replay_in_words
from dispatcher.leads.today import todays_leads
from dispatcher.leads.transactions import (
    acknowledge_lead_by_hand,
    close_call_stub,
    complete_call_stub,
    lead_details,
    log_and_page,
)
from dispatcher.models import CallRecording, LeadState, Role
from dispatcher.office import roster as salespeople
from dispatcher.office.current import office_of_request, phone_region
from dispatcher.phones import to_e164
from dispatcher.unit_of_work import reading_from_here
from dispatcher.voice import AudioUnavailable, recording, voice_transport

bp = Blueprint("console", __name__)


def _salesperson_choices():
    office = office_of_request()
    return [
        p for p in salespeople.list_salespeople(session=db.session, office_id=office.id) if p.active
    ]


def _live_calls(office) -> dict:
    """The calls still on the line (C3: *Put through*), and whom they can go to."""
    return {
        "live_calls": put_through.live_calls(session=db.session, office_id=office.id, now=utcnow()),
        "put_through_to": put_through.in_the_office(session=db.session, office_id=office.id),
    }


@bp.route("/")
def home():
    return _render_console(LeadForm(), {})


def _render_console(form: LeadForm, errors: dict[str, str], status: int = 200, completing=None):
    """The console; ``completing`` is the call stub whose form is being filled."""
    office = office_of_request()
    board = leads.open_leads(session=db.session, office_id=office.id)
    return render_template(
        "console.html",
        form=form,
        errors=errors,
        board=board,
        sms_outage_since=office.sms_outage_since,
        stubs=stubs.call_stubs(session=db.session, office_id=office.id),
        **_live_calls(office),
        today=todays_leads(session=db.session, office=office, now=utcnow()),
        completing=completing,
        salespeople=_salesperson_choices(),
        current_page=lambda lead: leads.current_page(session=db.session, lead_id=lead.id),
    ), status


@bp.route("/leads", methods=["POST"])
def log_lead():
    form = LeadForm()
    if not form.validate_on_submit():
        return _render_console(form, field_errors(form), 400)
    try:
        lead = log_and_page(
            lead_details(form),
            user_id=current_user.id,
            actor=current_user.username,
        )
    except InvalidInput as error:
        return _render_console(form, error.errors, 400)
    reading_from_here()
    assignment = lead.assignments[-1]
    who = assignment.salesperson.name if assignment.salesperson else gettext("the manager")
    said = gettext(
        "Lead %(ref)s logged. Paging %(who)s: %(reason)s.",
        ref=lead.id,
        who=who,
        reason=assignment.reason,
    )
    flash(said, "success")
    if lead.unknown_listing_ref:
        flash(leads.unknown_listing_words(lead.unknown_listing_ref), "warning")
    if assignment.script:
        # C3: the words for the caller; never that the salesperson is off or sick.
        flash(gettext("Say to the caller: “%(words)s”", words=assignment.script), "script")
    _registration_warning(lead)
    return redirect(url_for("console.home"))


def _registration_warning(lead) -> None:
    """O2: the coordinator learns at once which fact an invalid registration lacks."""
    for entry in lead.registrations[:1]:
        if words := invalid_words(entry):
            flash(words, "register")


@bp.route("/board")
def board():
    """The open-leads board alone, for the console to refresh without a reload."""
    office = office_of_request()
    return render_template(
        "_board.html",
        board=leads.open_leads(session=db.session, office_id=office.id),
        sms_outage_since=office.sms_outage_since,
        stubs=stubs.call_stubs(session=db.session, office_id=office.id),
        **_live_calls(office),
        current_page=lambda lead: leads.current_page(session=db.session, lead_id=lead.id),
    )


@bp.route("/today")
def today():
    """Today's leads alone, for the console to refresh without a reload."""
    office = office_of_request()
    return render_template(
        "_today.html", today=todays_leads(session=db.session, office=office, now=utcnow())
    )


@bp.route("/leads/<id:lead_id>")
def lead_detail(lead_id: int):
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    if lead is None:
        abort(404)
    # The lead's entry in the log, and its latest correction (corrections keep the lead).
    entries = lead.registrations
    return render_template(
        "lead.html",
        lead=lead,
        registration=entries[0] if entries else None,
        registration_now=entries[-1] if entries else None,
        page=leads.current_page(session=db.session, lead_id=lead.id),
        replays={a.id: replay_in_words(a) for a in lead.assignments},
        missing_of=missing_of,
        # A call's recording is the manager's to hear (access: console.lead_recording).
        recordings=recording.recordings_of(session=db.session, lead_id=lead.id)
        if current_user.role in (Role.MANAGER, Role.ADMIN)
        else [],
    )


@bp.route("/leads/<id:lead_id>/recordings/<id:recording_id>")
def lead_recording(lead_id: int, recording_id: int):
    """The recording's audio, fetched from Twilio with the account's credentials: only
    the manager of the lead's office reaches it (another office's lead is a 404)."""
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    found = db.session.get(CallRecording, recording_id)
    if lead is None or found is None or found.lead_id != lead.id or found.deleted_at:
        abort(404)
    try:
        audio = voice_transport().recording_audio(found.url)
    except AudioUnavailable:
        abort(404)
    return Response(
        audio,
        mimetype="audio/mpeg",
        headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
    )


@bp.route("/leads/<id:lead_id>/ack", methods=["POST"])
def acknowledge(lead_id: int):
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    if lead is None:
        abort(404)
    if acknowledge_lead_by_hand(lead, actor=current_user.username):
        flash(gettext("Lead %(ref)s: call-back recorded.", ref=lead.id), "success")
    else:
        flash(gettext("Lead %(ref)s has no open page to acknowledge.", ref=lead.id), "error")
    return redirect(url_for("console.home"))


def _stub_or_404(lead_id: int):
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    if lead is None:
        abort(404)
    return lead


@bp.route("/leads/<id:lead_id>/complete", methods=["GET", "POST"])
def complete_stub(lead_id: int):
    """A call logged from its caller ID: the coordinator fills the usual form, prefilled
    with the number, and the lead is routed and paged as any other."""
    lead = _stub_or_404(lead_id)
    if lead.state != LeadState.STUB:
        flash(gettext("Call Ref %(ref)s is already completed or closed.", ref=lead.id), "error")
        return redirect(url_for("console.home"))
    form = LeadForm(data={"caller_phone": lead.caller_phone, "channel": "call"})
    if not form.is_submitted():
        return _render_console(form, {}, completing=lead)
    if not form.validate_on_submit():
        return _render_console(form, field_errors(form), 400, completing=lead)
    try:
        complete_call_stub(
            lead, lead_details(form), user_id=current_user.id, actor=current_user.username
        )
    except InvalidInput as error:
        return _render_console(form, error.errors, 400, completing=lead)
    except stubs.StubGone as error:
        flash(str(error), "error")
        return redirect(url_for("console.home"))
    reading_from_here()
    assignment = lead.assignments[-1]
    who = assignment.salesperson.name if assignment.salesperson else gettext("the manager")
    said = gettext(
        "Call Ref %(ref)s completed. Paging %(who)s: %(reason)s.",
        ref=lead.id,
        who=who,
        reason=assignment.reason,
    )
    flash(said, "success")
    if lead.unknown_listing_ref:
        flash(leads.unknown_listing_words(lead.unknown_listing_ref), "warning")
    if assignment.script:
        flash(gettext("Say to the caller: “%(words)s”", words=assignment.script), "script")
    _registration_warning(lead)
    return redirect(url_for("console.home"))


@bp.route("/leads/<id:lead_id>/not-a-client", methods=["POST"])
def close_stub(lead_id: int):
    """A call that was no client (a supplier, a wrong number): off the board, kept on record."""
    lead = _stub_or_404(lead_id)
    try:
        close_call_stub(lead, actor=current_user.username)
    except stubs.StubGone as error:
        flash(str(error), "error")
    else:
        flash(gettext("Call Ref %(ref)s closed: not a client.", ref=lead.id), "success")
    return redirect(url_for("console.home"))


@bp.route("/callers/lookup", methods=["POST"])
def look_up_caller():
    """As the number is typed: a known client's owner and last contact, as JSON.

    A POST with the number in its body (JSON or a form), never in the URL: URLs end up
    in access logs, proxies' logs and the browser's history."""
    office = office_of_request()
    try:
        phone = to_e164(_typed_phone(), phone_region(office))
    except ValueError:
        return jsonify({"known": False, "complete": False})
    found = callers.look_up_caller(session=db.session, office=office, phone=phone, now=utcnow())
    # The name they gave last time, for the form's empty Name field.
    answer = {"complete": True, "previous_leads": found.previous_leads, "name": found.caller_name}
    if found.owner_name is None:
        return jsonify({**answer, "known": False})
    last = local_time(found.last_contact_at, office.timezone)
    return jsonify(
        {
            **answer,
            "known": True,
            "owner": found.owner_name,
            "last_contact": last.strftime("%a %d %b %Y"),
            "ownership_valid": found.ownership_valid,
        }
    )


def _typed_phone() -> str:
    """The number typed so far, from a JSON body ({"phone": ...}) or a form field."""
    body = request.get_json(silent=True) if request.is_json else request.form
    value = body.get("phone") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""
