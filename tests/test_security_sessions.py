"""Issue #13, item 5: the browser's session cookie cannot be used by another site.

A request to the API that rides on the session cookie must carry the page's CSRF token
(bearer tokens are unaffected); the session cookie is SameSite=Lax, and Secure whenever
the service is reached over https; signing out ends the session on the server, so a
copied cookie stops working.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import Lead
from tests.app_setup import sign_in

TOKEN = "sessions-test-token"
CALL = {"caller_phone": "202-555-0188", "kind": "buyer", "caller_name": "Mrs Example"}


def csrf_token(client, path: str = "/sign-in") -> str:
    """The CSRF token a page of ours hands the browser."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in_with_csrf(client, username: str) -> None:
    form = {"username": username, "password": "demo-password", "csrf_token": csrf_token(client)}
    response = client.post("/sign-in", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def csrf_on(settings):
    settings.update(WTF_CSRF_ENABLED=True, API_TOKEN=TOKEN)


@pytest.fixture
def open_lead(csrf_on, app, office) -> int:
    """A lead paged to someone, logged by an integration."""
    response = app.test_client().post(
        "/api/leads", json=CALL, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def lead_state(lead_id: int) -> str:
    db.session.rollback()
    return db.session.get(Lead, lead_id).state


def test_another_site_cannot_acknowledge_a_lead_with_the_coordinators_cookie(open_lead, client):
    sign_in_with_csrf(client, "coordinator")

    # What a form or fetch() on another site makes the browser send: the cookie alone.
    forged = client.post(f"/api/leads/{open_lead}/ack")

    assert forged.status_code == 400
    assert "CSRF" in forged.get_json()["error"]
    assert lead_state(open_lead) == "open"


def test_another_site_cannot_log_a_lead_with_the_coordinators_cookie(csrf_on, client, office):
    sign_in_with_csrf(client, "coordinator")

    forged = client.post("/api/leads", json=CALL)

    assert forged.status_code == 400 and forged.is_json
    assert db.session.scalar(select(func.count(Lead.id))) == 0


def test_our_own_page_acknowledges_with_the_token_in_a_header(open_lead, client):
    sign_in_with_csrf(client, "coordinator")
    token = csrf_token(client, "/")

    response = client.post(f"/api/leads/{open_lead}/ack", headers={"X-CSRFToken": token})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["timeline"][-1]["actor"] == "coordinator"


def test_reading_through_the_session_needs_no_token(csrf_on, client, office):
    sign_in_with_csrf(client, "coordinator")
    assert client.get("/api/salespeople").status_code == 200


def test_a_bearer_token_needs_no_csrf_token(open_lead, client):
    response = client.post(
        f"/api/leads/{open_lead}/ack", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200
    assert lead_state(open_lead) == "acknowledged"


def session_cookie_header(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def signed_in_response(client, **request):
    response = client.post(
        "/sign-in", data={"username": "coordinator", "password": "demo-password"}, **request
    )
    assert response.status_code == 302
    return response


def test_the_session_cookie_stays_on_this_site(client, office):
    cookie = session_cookie_header(signed_in_response(client))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    # Plain http on a developer's machine: a Secure cookie would never come back.
    assert "Secure" not in cookie


@pytest.fixture
def https_address(settings):
    settings["PUBLIC_BASE_URL"] = "https://dispatch.example.com"


@pytest.fixture
def behind_a_proxy(settings):
    settings["PROXY_HOPS"] = 1


def test_over_https_the_session_cookie_is_secure(https_address, client, office):
    assert "Secure" in session_cookie_header(signed_in_response(client))


def test_behind_a_proxy_that_says_https_the_session_cookie_is_secure(
    behind_a_proxy, client, office
):
    https = signed_in_response(client, headers={"X-Forwarded-Proto": "https"})
    http = signed_in_response(client, headers={"X-Forwarded-Proto": "http"})
    assert "Secure" in session_cookie_header(https)
    assert "Secure" not in session_cookie_header(http)


def test_without_a_proxy_a_client_cannot_claim_https(client, office):
    # Nothing believes X-Forwarded-Proto with PROXY_HOPS=0 (the default).
    cookie = session_cookie_header(
        signed_in_response(client, headers={"X-Forwarded-Proto": "https"})
    )
    assert "Secure" not in cookie


def test_a_copied_cookie_stops_working_at_sign_out(app, client, office):
    sign_in(client, "coordinator")
    stolen = client.get_cookie("session").value
    assert client.get("/").status_code == 200

    client.post("/sign-out")

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 302
    assert thief.get("/api/salespeople").status_code == 401


def test_signing_in_again_after_sign_out_works(client, office):
    sign_in(client, "coordinator")
    client.post("/sign-out")
    sign_in(client, "coordinator")
    assert client.get("/").status_code == 200


def test_a_cookie_naming_the_user_by_id_alone_signs_nobody_in(app, client, office):
    # The cookie's form before session tokens (and a forger's guess) is refused.
    from dispatcher.models import User

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    with client.session_transaction() as session:
        session["_user_id"] = str(admin.id)
        session["_fresh"] = True
    assert client.get("/manager/salespeople").status_code == 302
