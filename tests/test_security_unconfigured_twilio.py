"""Issue #13, item 2: no forged webhook in the outbox setup. Outside development mode a
webhook with no TWILIO_AUTH_TOKEN configured is refused (403) whoever signed it, and the
start-up says so; the development phone's token exists in development mode only."""

from __future__ import annotations

import hashlib
import logging
import secrets

import pytest
from sqlalchemy import func, select

from dispatcher import create_app
from dispatcher.extensions import db
from dispatcher.models import InboundCall, InboundMessage, Lead
from dispatcher.sms.outbox import development_auth_token
from tests.factories import paged_lead
from tests.webhook_helpers import ALICE, call_params, post_signed, sms_params, state

OLD_DEFAULT_KEY = "dev-only-secret-change-me"
NOT_CONFIGURED = (
    "Twilio is not configured (TWILIO_AUTH_TOKEN unset): webhooks are refused "
    "and SMS go to the outbox"
)

# Production-like: a proper SECRET_KEY, no Twilio settings, not development mode.
pytestmark = pytest.mark.settings(DEVELOPMENT_MODE=False, SECRET_KEY=secrets.token_hex(32))


def old_development_token(secret_key: str) -> str:
    """How the webhooks' token was derived from SECRET_KEY when no auth token was set."""
    return hashlib.sha256(("dev-phone:" + secret_key).encode()).hexdigest()


@pytest.fixture(autouse=True)
def instance(instance_dir, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", instance_dir)


def tokens_an_attacker_tries(app) -> list[str]:
    return [
        old_development_token(OLD_DEFAULT_KEY),  # the key that was written in the code
        old_development_token(app.config["SECRET_KEY"]),  # even knowing the real key
    ]


def test_a_reply_signed_with_a_derived_token_is_refused_and_changes_nothing(app, client, office):
    paged = paged_lead(office)
    before = state(paged)

    for token in tokens_an_attacker_tries(app):
        response = post_signed(client, "/twilio/sms", sms_params("OK", ALICE), token=token)
        assert response.status_code == 403

    assert before[0] == "open" and state(paged) == before
    assert db.session.scalar(select(func.count(InboundMessage.id))) == 0


def test_a_call_signed_with_a_derived_token_is_refused_and_reads_out_nothing(app, client, office):
    paged = paged_lead(office)
    before = state(paged)

    for token in tokens_an_attacker_tries(app):
        response = post_signed(client, "/twilio/voice", call_params(ALICE), token=token)
        assert response.status_code == 403
        assert "Mrs Example" not in response.get_data(as_text=True)

    assert before[0] == "open" and state(paged) == before
    assert db.session.scalar(select(func.count(InboundCall.id))) == 0
    assert db.session.scalar(select(func.count(Lead.id))) == 1  # no stub logged


def test_there_is_no_development_token_outside_development_mode(app):
    assert development_auth_token() is None


def test_the_start_up_says_twilio_is_not_configured(settings, caplog):
    with caplog.at_level(logging.INFO, logger="dispatcher.startup"):
        create_app(settings)
        create_app(
            {**settings, "TWILIO_AUTH_TOKEN": "b" * 32, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}
        )
        create_app({**settings, "DEVELOPMENT_MODE": True})

    assert [r.getMessage() for r in caplog.records] == [NOT_CONFIGURED]


def test_in_development_mode_the_token_is_the_instances_own(settings):
    development = {**settings, "DEVELOPMENT_MODE": True}
    first = create_app(development)
    other = create_app({**development, "SECRET_KEY": secrets.token_hex(32)})

    with first.app_context():
        token = development_auth_token()
    with other.app_context():
        assert development_auth_token() != token
    assert token != old_development_token(first.config["SECRET_KEY"])
