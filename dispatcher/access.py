"""Who may ask for what: one table for every screen, the JSON API, the development phone
and Twilio's webhooks, checked before any view runs.

An endpoint missing from ACCESS is refused to everyone (default deny), so a new route
stays shut until its rule is written here; tests/test_access.py asks every route of the
app as every role. An admin passes every role check.

A bearer token is another program (an integration), not a person: it may log leads,
read them, acknowledge them and list the salespeople, as a coordinator may; adding a
salesperson is the manager's decision, made signed in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user

from dispatcher.api import tokens
from dispatcher.extensions import csrf, db, login
from dispatcher.models import Role
from dispatcher.office.current import serve_office
from dispatcher.sms.devphone import devphone_available
from dispatcher.unit_of_work import end_read_keeping, read_first

log = logging.getLogger(__name__)

INTEGRATION = "integration"  # a bearer token: another program, never a user's role

PUBLIC = "public"  # anyone, signed in or not
TWILIO = "twilio"  # Twilio's webhooks: the view checks Twilio's signature itself

OFFICE = frozenset({Role.COORDINATOR, Role.MANAGER})
OFFICE_AND_INTEGRATIONS = OFFICE | {INTEGRATION}
MANAGERS = frozenset({Role.MANAGER})
ADMINS = frozenset()  # an admin passes every rule: this one lets in nobody else
# The franchise sees every office and changes nothing: only routes that read.
FRANCHISE = frozenset({Role.FRANCHISE})
MANAGERS_AND_FRANCHISE = MANAGERS | FRANCHISE
SALESPEOPLE = frozenset({Role.SALESPERSON})
PHONE_USERS = frozenset({Role.COORDINATOR, Role.MANAGER, Role.SALESPERSON})

ACCESS: dict[str, str | frozenset[str]] = {
    "static": PUBLIC,
    "auth.sign_in": PUBLIC,
    "auth.sign_out": PUBLIC,
    "api.openapi": PUBLIC,
    # The coordinator's console.
    "console.home": OFFICE,
    "console.board": OFFICE,
    "console.today": OFFICE,
    "console.log_lead": OFFICE,
    "console.lead_detail": OFFICE,
    "console.acknowledge": OFFICE,
    "console.complete_stub": OFFICE,
    "console.close_stub": OFFICE,
    "console.look_up_caller": OFFICE,
    # A call's recording: the office's manager alone (dispatcher/voice/recording.py).
    "console.lead_recording": MANAGERS,
    # The actions on a lead: the coordinator's are recorded as for the manager (C5), and
    # corrections of what was typed (dispatcher/leads/action_views.py).
    "lead_actions.assign": OFFICE,
    "lead_actions.close": OFFICE,
    "lead_actions.reopen": OFFICE,
    "lead_actions.correct": OFFICE,
    # The registration log (O2, O3): read and corrected by a new entry, never edited.
    "register.log": OFFICE,
    "register.correct": OFFICE,
    # The manager's pages.
    "manager.salespeople_page": MANAGERS,
    "manager.edit_salesperson": MANAGERS,
    "manager.set_status": MANAGERS,
    "manager.set_page_by": MANAGERS,
    "manager.move": MANAGERS,
    "manager.office_rules": MANAGERS,
    "manager.changes": MANAGERS,
    # Clients and who owns them: the manager's list, history and decisions (O7-O12).
    "clients.client_list": MANAGERS,
    "clients.client_history": MANAGERS,
    "clients.change_stage": MANAGERS,
    "clients.record_deposit": MANAGERS,
    "clients.move_client": MANAGERS,
    "clients.open_disputes": MANAGERS,
    "clients.decide_dispute": MANAGERS,
    "clients.hand_over": MANAGERS,
    "clients.give_designated": MANAGERS,
    # The office's calendar and duty roster (dispatcher/office/roster_views.py).
    "roster.page": MANAGERS,
    "roster.hours": MANAGERS,
    "roster.add_holiday": MANAGERS,
    "roster.remove_holiday": MANAGERS,
    "roster.add_shift": MANAGERS,
    "roster.add_weekend": MANAGERS,
    "roster.remove_shift": MANAGERS,
    "roster.add_cover": MANAGERS,
    "roster.remove_cover": MANAGERS,
    "roster.set_leave": MANAGERS,
    "roster.new_feed_address": MANAGERS,
    # The dashboard: a manager's own office; the franchise's every office and all summed.
    "dashboard.page": MANAGERS_AND_FRANCHISE,
    "dashboard.data": MANAGERS_AND_FRANCHISE,
    "dashboard.export": MANAGERS_AND_FRANCHISE,
    # The offices of the installation: set up and changed by an admin, read by the
    # franchise.
    "offices.offices": ADMINS,
    "offices.edit": ADMINS,
    "franchise.offices": FRANCHISE,
    # Courtesy messages (S1-S5): the manager's texts, holds and quiet hours; a client's
    # courtesy details for the office; a salesperson's survey (the view: their own).
    "courtesy.overview": MANAGERS,
    "courtesy.set_quiet_hours": MANAGERS,
    "courtesy.new_template": MANAGERS,
    "courtesy.edit_template": MANAGERS,
    "courtesy.approve_template": MANAGERS,
    "courtesy.hold_template": MANAGERS,
    "courtesy.hold_message": MANAGERS,
    "courtesy.client_details": OFFICE,
    "courtesy.survey_done": SALESPEOPLE,
    # A salesperson's own page (the view keeps them to their own leads).
    "salesperson.my_page": SALESPEOPLE,
    "salesperson.live": SALESPEOPLE,
    "salesperson.take": SALESPEOPLE,
    "salesperson.pass_on": SALESPEOPLE,
    "salesperson.report_outcome": SALESPEOPLE,
    "salesperson.set_voice_pin": SALESPEOPLE,
    "salesperson.set_page_by": SALESPEOPLE,
    # A salesperson's own clients (the views find only their own: anyone else's is a 404).
    "clients.my_clients": SALESPEOPLE,
    "clients.my_client": SALESPEOPLE,
    "clients.follow_up": SALESPEOPLE,
    "clients.raise_dispute": SALESPEOPLE,
    # Their duty: where they are, swaps, their feed, logging a call while on duty.
    "my_duty.set_status": SALESPEOPLE,
    "my_duty.ask": SALESPEOPLE,
    "my_duty.answer": SALESPEOPLE,
    "my_duty.new_feed_address": SALESPEOPLE,
    "my_duty.log_call": SALESPEOPLE,
    # A calendar feed: a calendar app cannot sign in; the address holds its own secret.
    "feeds.feed": PUBLIC,
    # The JSON API.
    "api.create_lead": OFFICE_AND_INTEGRATIONS,
    "api.show_lead": OFFICE_AND_INTEGRATIONS,
    "api.acknowledge": OFFICE_AND_INTEGRATIONS,
    "api.list_salespeople": OFFICE_AND_INTEGRATIONS,
    "api.registrations": OFFICE_AND_INTEGRATIONS,
    "api.add_salesperson": MANAGERS,
    # The development phone (the outbox set-up only; the blueprint says when it exists).
    "devphone.index": PHONE_USERS,
    "devphone.phone": PHONE_USERS,
    "devphone.call": PHONE_USERS,
    "devphone.answer_call": PHONE_USERS,
    "devphone.call_as_client": OFFICE,  # from a colleague's mobile it would act as them
    # Twilio's webhooks.
    "callbacks.inbound_sms": TWILIO,
    "callbacks.inbound_call": TWILIO,
    "callbacks.message_status": TWILIO,
    "callbacks.voice_pin": TWILIO,
    "callbacks.voice_choose": TWILIO,
    # Verified calls (dispatcher/calls): the office's calls and their <Dial>'s results.
    "callbacks.call_connect": TWILIO,
    "callbacks.office_connect": TWILIO,
    "callbacks.call_dialled": TWILIO,
    "callbacks.call_status": TWILIO,
    # A salesperson's bridged call-back of their own lead; the coordinator's put-through.
    "calls.call_client": SALESPEOPLE,
    "calls.put_through": OFFICE,
    "callbacks.voice_dialled": TWILIO,
    "callbacks.recording_status": TWILIO,
    "callbacks.voice_page": TWILIO,
    "callbacks.voice_page_keys": TWILIO,
    "callbacks.voice_page_pin": TWILIO,
    "callbacks.voice_page_status": TWILIO,
}


@dataclass(frozen=True)
class ApiCaller:
    """Who is asking the API: a signed-in user or an integration's token."""

    role: str
    actor: str  # the name kept on the lead's timeline
    user_id: int | None
    # A token's office (None: API_TOKEN, or a user, whose office is their own).
    office_id: int | None = None


def init_access(app: Flask) -> None:
    app.before_request(check_access)
    app.add_template_global(can)


def can(endpoint: str) -> bool:
    """Whether the signed-in user may open this screen: what the menu shows (one rule,
    this table's). The development phone only where it exists; a salesperson's own
    screens only for a user who is a salesperson (an admin passes the gate, but has no
    page of their own)."""
    if not current_user.is_authenticated:
        return False
    if endpoint.startswith("devphone.") and not devphone_available(current_app):
        return False
    rule = ACCESS.get(endpoint)
    if rule == SALESPEOPLE and current_user.salesperson_id is None:
        return False
    return allows(rule, current_user.role)


def allows(rule: str | frozenset[str] | None, role: str | None) -> bool:
    """Whether the rule lets this role in (None: nobody signed in)."""
    if rule in (PUBLIC, TWILIO):
        return True
    if rule is None or role is None:
        return False
    return role in rule or role == Role.ADMIN


def check_access():
    """The one gate: the table's rule for the endpoint, or a refusal."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route: the 404 or 405 answers
    if request.blueprint == "devphone" and not devphone_available(current_app):
        abort(404)  # outside development mode the phone is not there, for anyone
    rule = ACCESS.get(endpoint)
    if rule is None:
        log.error("no access rule for %s: refused to everyone", endpoint)
        return _refuse(403, "Nobody may use this yet.")
    if rule in (PUBLIC, TWILIO):
        return None
    if request.blueprint == "api":
        return _check_api_caller(rule)
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not allows(rule, current_user.role):
        if endpoint == "console.home" and current_user.role == Role.SALESPERSON:
            # `/` is everyone's way in: a salesperson's is their own page, not a refusal.
            return redirect(url_for("salesperson.my_page"))
        if endpoint == "console.home" and current_user.role == Role.FRANCHISE:
            return redirect(url_for("franchise.offices"))
        abort(403)
    return None


def _check_api_caller(rule: frozenset[str]):
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        # A token is checked alone, whatever cookie came with it: a browser never adds
        # this header on another site's behalf, so no CSRF check is needed.
        # Read as a read (SQLite): the call's write transaction begins at its first write.
        reading = read_first()
        valid = tokens.check_token(
            session=db.session,
            token=header[7:].strip(),
            provisioned=current_app.config.get("API_TOKEN"),
        )
        if valid is None:
            return _refuse(401, "The bearer token is not valid.")
        g.api_caller = ApiCaller(INTEGRATION, "api", None, office_id=valid.office_id)
        if valid.office is not None:
            serve_office(valid.office)
        if reading:
            end_read_keeping(*[valid.office] if valid.office is not None else [])
    elif current_user.is_authenticated:
        g.api_caller = ApiCaller(current_user.role, current_user.username, current_user.id)
    else:
        return _refuse(401, "Send 'Authorization: Bearer <token>' or sign in.")
    if not allows(rule, g.api_caller.role):
        return _refuse(403, f"Only {who_may(rule)} may do this.")
    if g.api_caller.role != INTEGRATION and current_app.config.get("WTF_CSRF_ENABLED", True):
        # The browser sends the session cookie with any site's request: the same token
        # as the forms (in an X-CSRFToken header) proves the page was ours.
        csrf.protect()
    return None


def who_may(rule: frozenset[str]) -> str:
    """The rule in words: "coordinators, managers and admins"."""
    words = {
        Role.COORDINATOR: "coordinators",
        Role.MANAGER: "managers",
        Role.SALESPERSON: "salespeople",
        Role.ADMIN: "admins",
        Role.FRANCHISE: "the franchise",
        INTEGRATION: "bearer tokens",
    }
    names = [words[role] for role in words if role in rule or role == Role.ADMIN]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _refuse(status: int, message: str):
    if request.blueprint == "api":
        return jsonify({"error": message}), status
    abort(status)
