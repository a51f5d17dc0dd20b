"""Twilio's webhooks when the database does not answer: an SMS reply is answered at once
with "not recorded, call the office" (200, so Twilio delivers it), and a call to the
office still rings a person: the coordinator in C8's default hours, ON_DUTY_PHONE outside
them (the roster cannot be read). No stack trace in the answer or the log."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from callbacks.sms import NOT_RECORDED
from dispatcher import create_app
from tests.app_setup import unreachable_database_url
from tests.factories import T0
from tests.webhook_helpers import (
    COORDINATOR,
    dialled,
    post_signed,
    reply_text,
    ring,
    sms_params,
)

ON_DUTY = "+12025550160"
MONDAY_10AM = T0  # 10:00 in New York
MONDAY_9PM = datetime(2026, 11, 24, 2, 0)  # 21:00 in New York


pytestmark = [
    pytest.mark.twilio,
    pytest.mark.settings(COORDINATOR_PHONE=COORDINATOR, ON_DUTY_PHONE=ON_DUTY),
]


@pytest.fixture
def app_without_database(settings):
    broken = unreachable_database_url(settings["SQLALCHEMY_DATABASE_URI"])
    return create_app({**settings, "SQLALCHEMY_DATABASE_URI": broken})


@pytest.mark.parametrize("body", ["OK", "NO", "STOP", "DONE 12 other", "HELP"])
def test_an_sms_reply_is_told_it_was_not_recorded(app_without_database, body, caplog):
    started = time.monotonic()
    with app_without_database.test_client() as client:
        response = post_signed(client, "/twilio/sms", sms_params(body))

    assert time.monotonic() - started < 2
    assert response.status_code == 200
    assert reply_text(response) == NOT_RECORDED
    assert NOT_RECORDED == "Your reply was not recorded. Please call the office."
    assert "Traceback" not in response.get_data(as_text=True)
    assert not any(r.exc_info for r in caplog.records)  # one line in the log, no stack


@pytest.mark.parametrize(("moment", "rings"), [(MONDAY_10AM, COORDINATOR), (MONDAY_9PM, ON_DUTY)])
def test_a_call_still_reaches_a_person(app_without_database, monkeypatch, moment, rings):
    monkeypatch.setattr("callbacks.voice.utcnow", lambda: moment)
    started = time.monotonic()
    with app_without_database.test_client() as client:
        response = ring(client)

    assert time.monotonic() - started < 2
    assert dialled(response) == rings
