"""Fixtures: app -> database -> client, with real Redis (embedded unless TEST_REDIS_URL)
and SQLite (or PostgreSQL when TEST_DATABASE_URL is set).

Each test starts from an empty, migrated database and an empty queue.
"""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import create_engine, make_url, text

from dispatcher import create_app, embedded_redis
from dispatcher.config import TestConfig
from dispatcher.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
# The run's own key, as a deployment would set one; the tests run in development mode.
SECRET_KEY = secrets.token_hex(32)


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def database_url(instance_dir) -> Iterator[str]:
    """A new database for this test run, migrated to the latest schema."""
    if PG_URL:
        name = f"dispatch_test_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = "sqlite:///" + os.path.join(instance_dir, "test.sqlite")
    _migrate(url, instance_dir)
    yield url
    if PG_URL:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str, instance_dir: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_settings(url, "redis://unused", instance_dir))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_url(instance_dir) -> Iterator[str]:
    """The machine's Redis when TEST_REDIS_URL says so, else the embedded one."""
    if REDIS_URL:
        yield REDIS_URL
        return
    process = embedded_redis.start(instance_dir)
    yield embedded_redis.url(instance_dir)
    process.terminate()
    process.wait(10)


def unreachable_database_url(url: str) -> str:
    """The same database, but somewhere nothing answers: for database-down tests."""
    if url.startswith("sqlite"):
        return "sqlite:////dev/null/no-such-dir/dispatch.sqlite"  # cannot be opened
    return make_url(url).set(port=1).render_as_string(hide_password=False)


def _settings(database_url: str, redis_url: str, instance_dir: str, **extra) -> dict:
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
        ON_DUTY_SALESPERSON_ID=None,
        ON_DUTY_PHONE=None,
        COORDINATOR_HOURS_WEEKDAYS="08:00-20:00",
        COORDINATOR_HOURS_WEEKENDS="09:00-18:00",
        OFFICE_TIMEZONE="America/New_York",
        PHONE_REGION="US",
    )
    settings.update(extra)
    return settings


@pytest.fixture
def settings(database_url, redis_url, instance_dir) -> dict:
    """The test app's settings; a test may change them before asking for ``app``."""
    return _settings(database_url, redis_url, instance_dir)


@pytest.fixture
def app(settings, instance_dir, redis_url):
    os.environ["INSTANCE_PATH"] = instance_dir
    application = create_app(settings)
    with application.app_context():
        yield application
        db.session.remove()
        _empty_database()
        db.engine.dispose()
    redis.Redis.from_url(redis_url).flushdb()


def _empty_database() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def office(app):
    from dispatcher.dev.demo import load_demo_office
    from dispatcher.office.setup import office_from_settings

    office = office_from_settings(session=db.session, config=app.config)
    load_demo_office(session=db.session, office=office, region="US")
    db.session.commit()
    return office


def sign_in(client, username: str, password: str = "demo-password"):
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def coordinator(client, office):
    return sign_in(client, "coordinator")


@pytest.fixture
def manager(client, office):
    return sign_in(client, "manager")


# -- issue #7, 13: after the whole run, no caller's name or number in any log line ----

# The callers the tests log: their names, and their numbers in the forms a log could hold.
CALLER_DETAILS = ("Mrs Example", "Zebulon", "Quixote", "Mr Quill", "5550188", "555-0188")


class CallerDetailsInLogs(logging.Handler):
    """Sees every log record of the run (tracebacks included) and keeps any that
    carries a caller's name or number."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.offending: list[str] = []
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        self.seen += 1
        if any(detail in line for detail in CALLER_DETAILS):
            self.offending.append(line)


_log_check = CallerDetailsInLogs()


def pytest_sessionstart(session) -> None:
    root = logging.getLogger()
    root.addHandler(_log_check)
    root.setLevel(min(root.level, logging.INFO))


def pytest_sessionfinish(session, exitstatus) -> None:
    logging.getLogger().removeHandler(_log_check)
    if _log_check.offending:
        print(f"\n{len(_log_check.offending)} log line(s) carry a caller's name or number:")
        for line in _log_check.offending[:20]:
            print("  " + line[:300])
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


from tests.browser_session import browser, context, live_server, tab  # noqa: E402,F401
from tests.twilio_retry_helpers import fake_time  # noqa: E402,F401
from tests.twilio_stub import twilio_stub, twilio_stub_server  # noqa: E402,F401
