"""The JSON API: the same work as the console, for other programs.

Bearer token (``Authorization: Bearer <token>``) or a signed-in session (with the CSRF
token in an ``X-CSRFToken`` header); who may do what is in dispatcher/access.py. Errors
are JSON with a message per bad field.
"""

from __future__ import annotations

import os
import re
from functools import wraps

from flask import Blueprint, g, jsonify, request, send_from_directory
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from dispatcher.clients.log import log_page, missing_of
from dispatcher.extensions import csrf, db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads import service as leads
from dispatcher.leads.forms import LeadForm
from dispatcher.leads.transactions import acknowledge_lead_by_hand, lead_details, log_and_page
from dispatcher.models import Assignment, Lead, Page, PageState, Registration, Salesperson
from dispatcher.office import roster as salespeople
from dispatcher.office.current import office_of_request, phone_region
from dispatcher.office.forms import SalespersonForm
from dispatcher.unit_of_work import unit_of_work

bp = Blueprint("api", __name__)
csrf.exempt(bp)


def _error(status: int, message: str, errors: dict[str, str] | None = None):
    body = {"error": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def api_auth(view):
    """Hands the view who is asking: dispatcher/access.py has already let them in (a
    valid bearer token, or a signed-in user whose role the table allows)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        caller = g.api_caller
        return view(*args, actor=caller.actor, user_id=caller.user_id, **kwargs)

    return wrapped


def _json_body() -> dict | None:
    """The request's JSON object, or None if the body is not one."""
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else None


def _json_form(form_class, body: dict, *, lists: tuple[str, ...] = ()):
    """The form filled from a JSON object, and a message for each value of the wrong type.

    The form fields read text: null counts as absent, numbers and booleans as their text,
    and a list of strings in one of ``lists`` as comma-separated text (the shape the API
    answers with). Anything else is left out of the form and reported.
    """
    data, errors = MultiDict(), {}
    for name, value in body.items():
        if name in lists and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            errors[name] = "Send a string or a number here, not a list or an object."
            continue
        data[name] = value
    return form_class(formdata=data, meta={"csrf": False}), errors


@bp.route("/openapi.json")
def openapi():
    """The API's OpenAPI description (no token needed to read it)."""
    return send_from_directory(
        os.path.dirname(__file__), "openapi.json", mimetype="application/json"
    )


@bp.errorhandler(400)
def bad_request(error):
    if isinstance(error, CSRFError):
        # A session's request without the page's token (dispatcher/access.py).
        return _error(400, f"{error.description} Send it in an X-CSRFToken header.")
    return _error(400, "The request body is not valid JSON.")


@bp.route("/leads", methods=["POST"])
@api_auth
def create_lead(actor: str, user_id: int | None):
    body = _json_body()
    if body is None:
        return _error(400, "Send a JSON object with the lead's fields.")
    form, type_errors = _json_form(LeadForm, body)
    if not form.validate() or type_errors:
        return _error(422, "Some fields are not valid.", {**field_errors(form), **type_errors})
    try:
        lead = log_and_page(
            lead_details(form),
            user_id=user_id,
            actor=actor,
        )
    except InvalidInput as error:
        return _error(422, "Some fields are not valid.", error.errors)
    return jsonify(new_lead_json(lead)), 201


@bp.route("/leads/<id:lead_id>")
@api_auth
def show_lead(lead_id: int, actor: str, user_id: int | None):
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    if lead is None:
        return _error(404, f"No lead with id {lead_id}.")
    return jsonify(lead_json(lead, timeline=True))


@bp.route("/leads/<id:lead_id>/ack", methods=["POST"])
@api_auth
def acknowledge(lead_id: int, actor: str, user_id: int | None):
    lead = leads.get_lead(session=db.session, office_id=office_of_request().id, lead_id=lead_id)
    if lead is None:
        return _error(404, f"No lead with id {lead_id}.")
    if not acknowledge_lead_by_hand(lead, actor=actor):
        return _error(
            409, f"Lead {lead_id} has no open page to acknowledge.", {"state": lead.state}
        )
    db.session.refresh(lead)
    return jsonify(lead_json(lead, timeline=True))


@bp.route("/registrations")
@api_auth
def registrations(actor: str, user_id: int | None):
    """The office's registration log (O3), newest first, a page of 50 at a time; each
    entry with the corrections that point at it. ``invalid=true``: only the registrations
    still invalid after their corrections (O2)."""
    page, invalid = request.args.get("page", "1"), request.args.get("invalid", "false")
    errors = {}
    if not re.fullmatch(r"[0-9]{1,6}", page) or int(page) < 1:
        errors["page"] = "A page number from 1."
    if invalid not in ("true", "false"):
        errors["invalid"] = "true or false."
    if errors:
        return _error(422, "Some parameters are not valid.", errors)
    found = log_page(
        db.session,
        office_id=office_of_request().id,
        page=int(page),
        invalid_only=invalid == "true",
    )
    return jsonify(
        {
            "registrations": [
                {
                    **registration_json(item.entry),
                    "valid_now": item.latest.valid,
                    "corrections": [registration_json(c) for c in item.corrections],
                }
                for item in found.entries
            ],
            "page": found.page,
            "pages": found.pages,
            "total": found.total,
        }
    )


def registration_json(entry: Registration) -> dict:
    return {
        "id": entry.id,
        "number": entry.number,
        "at": _utc(entry.at),
        "channel": entry.channel,
        "lead_id": entry.lead_id,
        "client_id": entry.client_id,
        "caller_name": entry.caller_name,
        "caller_title": entry.caller_title,
        "phone": entry.phone,
        "need": entry.need,
        "named_salesperson_id": entry.named_salesperson_id,
        "valid": entry.valid,
        "missing": missing_of(entry),
        "corrects_id": entry.corrects_id,
        "recorded_by": entry.recorded_by,
    }


@bp.route("/salespeople")
@api_auth
def list_salespeople(actor: str, user_id: int | None):
    people = salespeople.list_salespeople(session=db.session, office_id=office_of_request().id)
    return jsonify({"salespeople": [salesperson_json(p) for p in people]})


@bp.route("/salespeople", methods=["POST"])
@api_auth
def add_salesperson(actor: str, user_id: int | None):
    body = _json_body()
    if body is None:
        return _error(400, "Send a JSON object with name, mobile and skills.")
    form, type_errors = _json_form(SalespersonForm, body, lists=("skills",))
    if not form.validate() or type_errors:
        return _error(422, "Some fields are not valid.", {**field_errors(form), **type_errors})
    try:
        with unit_of_work():
            person = salespeople.add_salesperson(
                session=db.session,
                office_id=office_of_request().id,
                details=salespeople.SalespersonDetails(
                    name=form.name.data,
                    mobile=form.mobile.data,
                    skills=form.skills.data or "",
                    # Active unless the body says otherwise.
                    active=form.active.data if body.get("active") is not None else True,
                ),
                region=phone_region(office_of_request()),
            )
    except InvalidInput as error:
        return _error(422, "Some fields are not valid.", error.errors)
    return jsonify(salesperson_json(person)), 201


def salesperson_json(person: Salesperson) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "mobile": person.mobile,
        "skills": [s for s in person.skills.split(",") if s],
        "active": person.active,
        "rotation_position": person.rotation_position,
    }


def _utc(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def new_lead_json(lead: Lead) -> dict:
    """lead_json for a lead log_and_page has just routed, built without a read: its one
    assignment and that assignment's page came loaded with it, and the salesperson paged
    is named as routing saw the team (the assignment's inputs). Reading their name after
    the commit took a transaction of its own (bench/README.md, round 4)."""
    assignment = lead.assignments[-1]
    return _lead_body(lead, assignment, assignment.page, paged=_paged_as_routed(assignment))


def _paged_as_routed(assignment: Assignment) -> dict | None:
    """The salesperson paged ({id, name}) from the routing inputs written with the
    assignment; None when nobody was (the manager's page, a held lead)."""
    if assignment.salesperson_id is None:
        return None
    for person in (assignment.inputs or {}).get("team", ()):
        if person["id"] == assignment.salesperson_id:
            return {"id": person["id"], "name": person["name"]}
    person = assignment.salesperson  # not in the inputs: read it
    return {"id": person.id, "name": person.name}


def lead_json(lead: Lead, *, timeline: bool = False) -> dict:
    assignment = lead.assignments[-1] if lead.assignments else None
    page = leads.current_page(session=db.session, lead_id=lead.id)
    body = _lead_body(lead, assignment, page)
    if timeline:
        body["timeline"] = [
            {
                "at": _utc(e.at),
                "kind": e.kind,
                "detail": e.detail,
                "actor": e.actor,
                "page_id": e.page_id,
            }
            for e in lead.events
        ]
    return body


def _lead_body(
    lead: Lead, assignment: Assignment | None, page: Page | None, *, paged: dict | None = None
) -> dict:
    if paged is None and assignment and assignment.salesperson:
        paged = {"id": assignment.salesperson.id, "name": assignment.salesperson.name}
    return {
        "id": lead.id,
        "state": lead.state,
        "kind": lead.kind,
        "channel": lead.channel,
        "created_at": _utc(lead.created_at),
        "paged": paged,
        "rule": assignment.rule if assignment else None,
        "reason": assignment.reason if assignment else None,
        "script": assignment.script if assignment else None,
        "deadline_at": _utc(page.deadline_at) if page and page.state == PageState.OPEN else None,
        "page": (
            {
                "id": page.id,
                "state": page.state,
                "sent_at": _utc(page.sent_at),
                "delivery_status": page.delivery_status,
                "send_error": page.send_error,
                "send_attempts": page.send_attempts,
            }
            if page
            else None
        ),
        "outcome": lead.outcome,
        # O2: the lead's entry in the registration log, as it stands after corrections.
        "registration": (
            {
                "id": lead.registrations[0].id,
                "number": lead.registrations[0].number,
                "valid": lead.registrations[-1].valid,
                "missing": missing_of(lead.registrations[-1]),
            }
            if lead.registrations
            else None
        ),
        # Logged and routed all the same (the caller was on the line); fix it on the
        # lead's page.
        **(
            {"warnings": {"listing": leads.unknown_listing_words(lead.unknown_listing_ref)}}
            if lead.unknown_listing_ref
            else {}
        ),
    }
