"""Issue #13, item 8: every answer carries the browser's security headers (no inline
script, no framing, no MIME sniffing, no referrer to other sites), https is forced only
where the service is https, and a request body past MAX_CONTENT_LENGTH gets 413 in the
caller's own terms (JSON, plain text for Twilio, a page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatcher.extensions import db
from dispatcher.models import Lead

TEMPLATES = Path(__file__).resolve().parent.parent / "dispatcher" / "templates"


@pytest.mark.parametrize("path", ["/sign-in", "/api/openapi.json", "/static/app.css"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = dict(
        part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
    )

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_screens_have_the_headers_too(coordinator):
    response = coordinator.get("/")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_no_template_holds_what_the_policy_would_block(template):
    html = template.read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        # Only scripts from a file, or JSON data blocks, which are never run.
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "inline style"
    assert "<style" not in html and "javascript:" not in html


def test_plain_http_is_served_where_the_service_is_not_https(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def https_service(settings):
    settings.update(PUBLIC_BASE_URL="https://dispatch.example.com", FORCE_HTTPS=None)


def test_an_https_service_sends_plain_http_to_https(https_service, client):
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://")

    secure = client.get("/sign-in", base_url="https://localhost")
    assert secure.status_code == 200
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


@pytest.fixture
def small_limit(settings):
    settings["MAX_CONTENT_LENGTH"] = 2000


def count_leads() -> int:
    return db.session.scalar(select(func.count(Lead.id)))


def test_an_api_body_past_the_limit_is_413_json(small_limit, coordinator):
    response = coordinator.post(
        "/api/leads", json={"caller_phone": "202-555-0188", "kind": "buyer", "notes": "x" * 3000}
    )
    assert response.status_code == 413
    assert response.get_json() == {"error": "The request is too large."}
    assert count_leads() == 0


def test_a_webhook_body_past_the_limit_is_413_in_plain_words(small_limit, client):
    response = client.post("/twilio/sms", data={"Body": "x" * 3000})
    assert response.status_code == 413
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "The request is too large."


def test_a_form_past_the_limit_is_413_with_a_page(small_limit, coordinator):
    response = coordinator.post(
        "/leads", data={"caller_phone": "202-555-0188", "kind": "buyer", "notes": "x" * 3000}
    )
    assert response.status_code == 413
    assert "The request is too large" in response.get_data(as_text=True)
    assert count_leads() == 0


def test_a_body_within_the_limit_is_read(small_limit, coordinator):
    response = coordinator.post(
        "/api/leads", json={"caller_phone": "202-555-0188", "kind": "buyer"}
    )
    assert response.status_code == 201


def test_the_default_limit_is_one_mebibyte(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
