"""The test app's settings, the databases it runs on, and signing in: what conftest's
fixtures build on and what a test that makes its own app needs too."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import make_url

from dispatcher.config import TestConfig

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
# The run's own key, as a deployment would set one; the tests run in development mode.
SECRET_KEY = secrets.token_hex(32)


def base_settings(database_url: str, redis_url: str, **extra) -> dict:
    """The test configuration: development mode, no Twilio, no integrations, the demo
    office's time zone (its hours are the office's calendar: tests/factories.py)."""
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    settings.update(
        DEVELOPMENT_MODE=True,
        SECRET_KEY=SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=database_url,
        REDIS_URL=redis_url,
        TWILIO_ACCOUNT_SID=None,
        TWILIO_AUTH_TOKEN=None,
        PUBLIC_BASE_URL=None,
        API_TOKEN=None,
        MANAGER_MOBILE=None,
        ACK_REPLY_INCLUDES_DETAILS=False,
        COORDINATOR_PHONE=None,
        ON_DUTY_PHONE=None,
        OFFICE_TIMEZONE="America/New_York",
        PHONE_REGION="US",
    )
    settings.update(extra)
    return settings


def unreachable_database_url(url: str) -> str:
    """The same database, but somewhere nothing answers: for database-down tests."""
    if url.startswith("sqlite"):
        return "sqlite:////dev/null/no-such-dir/dispatch.sqlite"  # cannot be opened
    return make_url(url).set(port=1).render_as_string(hide_password=False)


def sign_in(client, username: str, password: str = "demo-password"):
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
