"""Every route of the app (screens, API, development phone, webhooks), asked by every
role and by nobody: each gets in where the README's role table says, and only there.

The routes come from app.url_map, so a new route without a line here fails; the table
below is written from the README, not read from dispatcher/access.py, so widening a
rule there by mistake fails too. Each view is replaced by a stub that answers 200
"reached": what is tested is the gate, not the view (Twilio's webhooks keep their real
view, whose signature check refuses an unsigned request to everyone).
"""

from __future__ import annotations

import re

import pytest

from dispatcher.extensions import db
from dispatcher.models import User
from tests.app_setup import sign_in

ROLES = ("anonymous", "coordinator", "manager", "admin", "salesperson", "franchise", "token")
TOKEN = "access-table-token"

ANYONE = set(ROLES)
OFFICE = {"coordinator", "manager", "admin"}
OFFICE_AND_TOKENS = OFFICE | {"token"}
MANAGERS = {"manager", "admin"}
ADMINS = {"admin"}
FRANCHISE = {"franchise", "admin"}  # every office, read-only
SALESPEOPLE = {"salesperson", "admin"}
PHONES = {"coordinator", "manager", "salesperson", "admin"}
TWILIO = "signed by Twilio"

EXPECTED: dict[str, set[str] | str] = {
    "static": ANYONE,
    "auth.sign_in": ANYONE,
    "auth.sign_out": ANYONE,
    "api.openapi": ANYONE,
    "console.home": OFFICE,
    "console.board": OFFICE,
    "console.today": OFFICE,
    "console.log_lead": OFFICE,
    "console.lead_detail": OFFICE,
    "console.acknowledge": OFFICE,
    "console.complete_stub": OFFICE,
    "console.close_stub": OFFICE,
    "console.look_up_caller": OFFICE,
    "console.lead_recording": MANAGERS,
    "lead_actions.assign": OFFICE,
    "lead_actions.close": OFFICE,
    "lead_actions.reopen": OFFICE,
    "lead_actions.correct": OFFICE,
    "register.log": OFFICE,
    "register.correct": OFFICE,
    "manager.salespeople_page": MANAGERS,
    "manager.edit_salesperson": MANAGERS,
    "manager.set_status": MANAGERS,
    "manager.set_page_by": MANAGERS,
    "manager.move": MANAGERS,
    "manager.office_rules": MANAGERS,
    "manager.changes": MANAGERS,
    "clients.client_list": MANAGERS,
    "clients.client_history": MANAGERS,
    "clients.change_stage": MANAGERS,
    "clients.record_deposit": MANAGERS,
    "clients.move_client": MANAGERS,
    "clients.open_disputes": MANAGERS,
    "clients.decide_dispute": MANAGERS,
    "clients.hand_over": MANAGERS,
    "clients.give_designated": MANAGERS,
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
    "dashboard.page": MANAGERS | FRANCHISE,
    "dashboard.data": MANAGERS | FRANCHISE,
    "dashboard.export": MANAGERS | FRANCHISE,
    "franchise.offices": FRANCHISE,
    "offices.offices": ADMINS,
    "offices.edit": ADMINS,
    "courtesy.overview": MANAGERS,
    "courtesy.set_quiet_hours": MANAGERS,
    "courtesy.new_template": MANAGERS,
    "courtesy.edit_template": MANAGERS,
    "courtesy.approve_template": MANAGERS,
    "courtesy.hold_template": MANAGERS,
    "courtesy.hold_message": MANAGERS,
    "courtesy.client_details": OFFICE,
    "courtesy.survey_done": SALESPEOPLE,
    "salesperson.my_page": SALESPEOPLE,
    "salesperson.live": SALESPEOPLE,
    "salesperson.take": SALESPEOPLE,
    "salesperson.pass_on": SALESPEOPLE,
    "salesperson.report_outcome": SALESPEOPLE,
    "salesperson.set_voice_pin": SALESPEOPLE,
    "salesperson.set_page_by": SALESPEOPLE,
    "clients.my_clients": SALESPEOPLE,
    "clients.my_client": SALESPEOPLE,
    "clients.follow_up": SALESPEOPLE,
    "clients.raise_dispute": SALESPEOPLE,
    "my_duty.set_status": SALESPEOPLE,
    "my_duty.ask": SALESPEOPLE,
    "my_duty.answer": SALESPEOPLE,
    "my_duty.new_feed_address": SALESPEOPLE,
    "my_duty.log_call": SALESPEOPLE,
    "feeds.feed": ANYONE,
    "api.create_lead": OFFICE_AND_TOKENS,
    "api.show_lead": OFFICE_AND_TOKENS,
    "api.acknowledge": OFFICE_AND_TOKENS,
    "api.list_salespeople": OFFICE_AND_TOKENS,
    "api.registrations": OFFICE_AND_TOKENS,
    "api.add_salesperson": MANAGERS,
    "devphone.index": PHONES,
    "devphone.phone": PHONES,
    "devphone.call": PHONES,
    "devphone.answer_call": PHONES,
    "devphone.call_as_client": OFFICE,
    "callbacks.inbound_sms": TWILIO,
    "callbacks.inbound_call": TWILIO,
    "callbacks.message_status": TWILIO,
    "callbacks.voice_pin": TWILIO,
    "callbacks.voice_choose": TWILIO,
    "callbacks.call_connect": TWILIO,
    "callbacks.office_connect": TWILIO,
    "callbacks.call_dialled": TWILIO,
    "callbacks.call_status": TWILIO,
    "calls.call_client": SALESPEOPLE,
    "calls.put_through": OFFICE,
    "callbacks.voice_dialled": TWILIO,
    "callbacks.recording_status": TWILIO,
    "callbacks.voice_page": TWILIO,
    "callbacks.voice_page_keys": TWILIO,
    "callbacks.voice_page_pin": TWILIO,
    "callbacks.voice_page_status": TWILIO,
}

# The demo office's sign-ins for each role.
USERS = {
    "coordinator": "coordinator",
    "manager": "manager",
    "admin": "admin",
    "salesperson": "alice",
    "franchise": "franchise-reader",  # made by the fixture: the demo office has none
}


def _reached(**_arguments):
    return "reached", 200


def _routes(app):
    """(endpoint, method, url) for every rule of the app, with 1 for each record id."""
    for rule in app.url_map.iter_rules():
        values = {name: "app.css" if name == "filename" else 1 for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def _refusal(endpoint: str, role: str) -> str:
    """What a refused caller gets: the API answers JSON 401/403, a screen sends nobody
    to sign in and refuses a signed-in user 403."""
    signed_in = role not in ("anonymous", "token")
    if (endpoint, role) == ("console.home", "salesperson"):
        return "302 /me"  # `/` is a salesperson's way in too: to their own page
    if (endpoint, role) == ("console.home", "franchise"):
        return "302 /franchise/"  # and the franchise's: to the list of offices
    if endpoint.startswith("api."):
        return "403 json" if signed_in or role == "token" else "401 json"
    return "403" if signed_in else "302 sign-in"


def _outcome(response) -> str:
    if response.status_code == 200 and response.get_data(as_text=True) == "reached":
        return "reached"
    if response.status_code == 302 and "/sign-in" in response.headers["Location"]:
        return "302 sign-in"
    if response.status_code == 302:
        return f"302 {response.headers['Location']}"
    kind = " json" if response.is_json and "error" in response.get_json() else ""
    return f"{response.status_code}{kind}"


@pytest.fixture
def caller(settings, request):
    """A test client signed in as the role (or not signed in; or sending a token)."""
    role = request.param
    settings["API_TOKEN"] = TOKEN
    app = request.getfixturevalue("app")
    office = request.getfixturevalue("office")
    if role == "franchise":
        franchise_user(office)
    client = app.test_client()
    if role in USERS:
        sign_in(client, USERS[role])
    if role == "token":
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKEN}"
    return role, app, client


def franchise_user(office) -> None:
    user = User(office_id=office.id, username=USERS["franchise"], role="franchise")
    user.set_password("demo-password")
    db.session.add(user)
    db.session.commit()


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_every_route_lets_in_exactly_the_roles_of_the_table(caller):
    role, app, client = caller
    wrong = []
    for endpoint, method, path in _routes(app):
        assert endpoint in EXPECTED, (
            f"{endpoint} has no access rule: add it to dispatcher/access.py, the README's "
            "role table and EXPECTED in tests/test_access.py"
        )
        rule = EXPECTED[endpoint]
        if rule == TWILIO:
            expected = "403"  # unsigned: refused by the real view's signature check
        else:
            app.view_functions[endpoint] = _reached
            expected = "reached" if role in rule else _refusal(endpoint, role)
        got = _outcome(client.open(path, method=method))
        if got != expected:
            wrong.append(f"{method} {path} ({endpoint}): expected {expected}, got {got}")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_a_route_nobody_wrote_a_rule_for_is_refused_even_to_an_admin(app, office):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    client = app.test_client()
    assert client.get("/forgotten").status_code == 403
    sign_in(client, "admin")
    assert client.get("/forgotten").status_code == 403


def test_the_access_table_names_only_routes_that_exist(app):
    from dispatcher.access import ACCESS

    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(ACCESS) <= endpoints, set(ACCESS) - endpoints


def test_the_franchise_changes_nothing_every_post_is_refused(app, office):
    """Read-only: every route that takes a POST (but signing in and out, and Twilio's
    signed webhooks) answers 403 to the franchise, whatever it would change."""
    franchise_user(office)
    client = sign_in(app.test_client(), USERS["franchise"])
    asked = []
    for endpoint, method, path in _routes(app):
        if method != "POST" or EXPECTED[endpoint] in (ANYONE, TWILIO):
            continue
        asked.append(endpoint)
        response = client.open(path, method=method)
        assert response.status_code == 403, f"POST {path} ({endpoint}): {response.status_code}"
    assert "offices.offices" in asked and "api.create_lead" in asked


def _menu(html: str) -> set[str]:
    """The words of the menu's links."""
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    return {word.strip() for word in re.findall(r"<a [^>]*>([^<]+)</a>", nav)}


@pytest.mark.parametrize(
    ("role", "page", "shown", "hidden"),
    [
        ("franchise", "/franchise/", {"Franchise", "Dashboard"}, {"Dev phone", "Console"}),
        (
            "manager",
            "/",
            {"Console", "Salespeople", "Office rules", "Roster", "Changes", "Dev phone"},
            {"My pages", "Offices", "Franchise"},
        ),
        ("admin", "/", {"Offices", "Office rules", "Changes"}, {"My pages", "My clients"}),
        ("salesperson", "/me", {"My pages", "My clients", "Dev phone"}, {"Console", "Changes"}),
    ],
)
def test_the_menu_shows_only_what_the_role_may_open(app, office, role, page, shown, hidden):
    """A link in the menu never answers 403 (the franchise's *Dev phone* did)."""
    if role == "franchise":
        franchise_user(office)
    client = sign_in(app.test_client(), USERS[role])
    html = client.get(page).get_data(as_text=True)
    menu = _menu(html)
    assert shown <= menu and not hidden & menu, menu
    nav = html.split("<nav>", 1)[1].split("</nav>", 1)[0]
    for link in re.findall(r'<a href="([^"]+)"', nav):
        assert client.get(link).status_code == 200, link


def test_refusals_and_missing_pages_wear_the_sites_layout(app, office):
    """At 390 px a bare error page was 980 px wide: the layout's viewport, a sentence and
    the way back; the API keeps its JSON."""
    client = sign_in(app.test_client(), "alice")
    for path, code, words in (
        ("/manager/changes", 403, "Not allowed"),
        ("/nope", 404, "Not found"),
    ):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == code
        assert 'name="viewport"' in html and words in html and "<nav>" in html
        assert '<a href="/">Back to your first page</a>' in html
    assert client.get("/api/leads/999999").get_json()["error"]
    assert client.get("/api/nope").is_json
