"""Fixtures: app -> database -> client, with real Redis (embedded unless TEST_REDIS_URL)
and SQLite (or PostgreSQL when TEST_DATABASE_URL is set).

Each test runs inside one database transaction that is rolled back at its end: the app's
session joins it and turns every commit into a savepoint, so a test sees its own commits
and the next test starts from the empty, migrated database. A test whose commits must be
real, because another thread or process reads them (a live server, a worker process, a
second engine), is marked ``commits`` (browser and e2e tests are, by their marks); its
tables are emptied afterwards instead.

Settings: the test defaults (tests/app_setup.py), then Twilio through the stub when the
test is marked ``twilio``, then the ``settings(...)`` marks of its module and its own,
then a dict from ``parametrize("settings", [...], indirect=True)``; ``outbox=True`` in
either sends through the outbox although the module is marked ``twilio``.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest
import redis
from sqlalchemy import create_engine, text

from dispatcher import create_app, embedded_redis
from dispatcher.extensions import db
from testkit.twilio_stub import TwilioStub, app_settings
from tests.app_setup import PG_URL, REDIS_URL, base_settings, sign_in
from tests.factories import T0, open_round_the_clock, paged_lead

# -- the slow tests: left out unless asked for -------------------------------------------


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", help="also run the tests marked slow (.ci/run does)"
    )


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests marked slow unless --run-slow is given or -m names them."""
    if config.getoption("--run-slow") or "slow" in (config.getoption("markexpr") or ""):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


# -- the database and Redis of the run -----------------------------------------------------


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

    app = create_app(base_settings(url, "redis://unused"))
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


# -- the app -------------------------------------------------------------------------------


@pytest.fixture
def settings(request, database_url, redis_url) -> dict:
    """The test app's settings (see the module's docstring); a test may change them before
    asking for ``app``."""
    extra: dict = {}
    for mark in reversed(list(request.node.iter_markers("settings"))):  # module's first
        extra.update(mark.kwargs)
    extra.update(getattr(request, "param", {}))
    outbox = extra.pop("outbox", False)
    values = base_settings(database_url, redis_url)
    if request.node.get_closest_marker("twilio") and not outbox:
        values.update(app_settings(request.getfixturevalue("twilio_stub")))
    values.update(extra)
    return values


# Tests that share the database with other threads or processes commit for real.
_REAL_COMMIT_MARKS = ("commits", "e2e", "browser")
_REAL_COMMIT_FIXTURES = ("live_server",)


def _commits_for_real(request) -> bool:
    return any(request.node.get_closest_marker(mark) for mark in _REAL_COMMIT_MARKS) or any(
        name in request.fixturenames for name in _REAL_COMMIT_FIXTURES
    )


@pytest.fixture
def app(request, settings, instance_dir, redis_url):
    os.environ["INSTANCE_PATH"] = instance_dir
    application = create_app(settings)
    with application.app_context():
        if _commits_for_real(request):
            yield application
            db.session.remove()
            _empty_database()
        else:
            with _rolled_back():
                yield application
        db.engine.dispose()
    redis.Redis.from_url(redis_url).flushdb()


@contextmanager
def _rolled_back() -> Iterator[None]:
    """The app's database work, commits included, inside one transaction rolled back at
    the end: SQLAlchemy's "join an external transaction" recipe. Every session the app
    opens (the request's, a job's, the dashboard's report session) is bound to the one
    connection, and each commit releases a savepoint instead of committing."""
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection  # Flask-SQLAlchemy's sessions and db.engine bind here
    sessions = db.session.session_factory
    db.session.remove()
    sessions.configure(join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        sessions.kw.pop("join_transaction_mode")  # back to SQLAlchemy's default
        engines[None] = engine
        outer.rollback()
        connection.close()


# The logs whose triggers refuse DELETE (the migration f498fa21cfe9): emptied around them.
_APPEND_ONLY = ("registration", "client_event")


def _empty_database() -> None:
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # TRUNCATE fires no row trigger: the logs' triggers stay as they are.
            connection.execute(text(f"TRUNCATE {', '.join(_APPEND_ONLY)}"))
            kept = []
        else:
            # SQLite has no TRUNCATE: its triggers are dropped and made again as they were.
            kept = connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('registration', 'client_event')"
                )
            ).all()
            for name, _ in kept:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        for _, sql in kept:
            connection.execute(text(sql))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def office(app):
    from dispatcher.dev.demo import load_demo_office
    from dispatcher.office.setup import office_from_settings

    office = office_from_settings(session=db.session, config=app.config)
    load_demo_office(session=db.session, office=office, region="US")
    open_round_the_clock(office)
    db.session.commit()
    return office


@pytest.fixture
def coordinator(client, office):
    return sign_in(client, "coordinator")


@pytest.fixture
def manager(client, office):
    return sign_in(client, "manager")


@pytest.fixture
def paged(office):
    """A lead logged and its page sent by the send job: the ids ``lead`` and ``page``."""
    return paged_lead(office)


# The modules that read the wall clock to answer a request.
_CLOCK_READERS = (
    "callbacks.voice",
    "callbacks.voice_dialled",
    "callbacks.recordings",
    "callbacks.keys",
    "dispatcher.leads.views",
    "dispatcher.clients.register_views",
    "dispatcher.calls.views",
    "callbacks.calls",
)


@pytest.fixture
def clock(monkeypatch):
    """Now, as the voice webhooks and the console read it: Monday 10:00 in New York (T0)
    until the test calls ``clock(moment)`` (naive UTC). Jobs keep the real clock."""

    def set_to(moment: datetime) -> None:
        for module in _CLOCK_READERS:
            monkeypatch.setattr(f"{module}.utcnow", lambda: moment)

    set_to(T0)
    return set_to


# -- the Twilio stub -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def twilio_stub_server():
    with TwilioStub() as stub:
        yield stub


@pytest.fixture
def twilio_stub(twilio_stub_server):
    """The stub, emptied and unscripted for this test."""
    twilio_stub_server.clear()
    twilio_stub_server.latency = 0.0
    yield twilio_stub_server
    twilio_stub_server.clear()


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
