"""Issue #13, item 1: no forged sign-in. Every process refuses to start, in one line,
without a SECRET_KEY fit for production; only development mode runs on a key generated
for its instance folder and kept there."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from dispatcher import create_app, startup
from dispatcher.extensions import db
from dispatcher.models import User

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
# The value dispatcher/config.py fell back to: public in the code's history.
OLD_DEFAULT_KEY = "dev-only-secret-change-me"
HOW = 'e.g. python -c "import secrets; print(secrets.token_hex(32))"'


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def production(settings: dict, **extra) -> dict:
    """The test settings as a deployment has them: not development mode."""
    return {**settings, "DEVELOPMENT_MODE": False, **extra}


@pytest.fixture
def instance(tmp_path, monkeypatch) -> str:
    """An instance folder of this test's own (create_app reads INSTANCE_PATH)."""
    folder = str(tmp_path / "instance")
    monkeypatch.setenv("INSTANCE_PATH", folder)
    return folder


# -- the attack: a session cookie signed with the key written in the code ---------------


def forged_session(key: str, user_id: int) -> str:
    """A session cookie claiming ``user_id`` as Flask-Login writes it, signed with ``key``."""
    forger = Flask("forger")
    forger.secret_key = key
    signer = SecureCookieSessionInterface().get_signing_serializer(forger)
    return signer.dumps({"_user_id": str(user_id), "_fresh": True})


def test_without_secret_key_a_production_app_refuses_to_start(settings, instance):
    """The production-like setup of the report (SECRET_KEY unset): the app is not built,
    so no key from the code can sign a session for it."""
    with pytest.raises(startup.StartRefused) as refused:
        create_app(production(settings, SECRET_KEY=None))
    assert str(refused.value) == (
        "SECRET_KEY is not set: set it to a random value of at least 32 bytes, " + HOW
    )
    assert refused.value.code == 4


def test_a_session_signed_with_the_old_default_key_gets_nothing(client, office):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    client.set_cookie("session", forged_session(OLD_DEFAULT_KEY, admin.id))

    response = client.get("/manager/salespeople")

    assert response.status_code == 302 and "/sign-in" in response.location


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "SECRET_KEY is not set"),
        ("", "SECRET_KEY is not set"),
        (OLD_DEFAULT_KEY, "SECRET_KEY is shorter than 32 bytes"),
        ("x" * 31, "SECRET_KEY is shorter than 32 bytes"),
    ],
)
def test_a_missing_or_short_key_is_refused(settings, instance, key, says):
    with pytest.raises(startup.StartRefused) as refused:
        create_app(production(settings, SECRET_KEY=key))
    assert str(refused.value).startswith(says + ": set it to a random value")


def test_the_instances_development_key_is_refused_in_production(settings, instance):
    development = create_app({**settings, "SECRET_KEY": None})
    key = development.config["SECRET_KEY"]

    with pytest.raises(startup.StartRefused, match="SECRET_KEY is a development key"):
        create_app(production(settings, SECRET_KEY=key))
    assert create_app(production(settings, SECRET_KEY=secrets.token_hex(32))).secret_key


# -- each process of the Procfile, for real ----------------------------------------------


def process_env(instance: str, redis_url: str = "redis://127.0.0.1:1/0", **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "DISPATCH_DEVELOPMENT_MODE") and not key.startswith("TWILIO")
    }
    return {
        **env,
        "INSTANCE_PATH": instance,
        "DATABASE_URL": "sqlite:///" + os.path.join(instance, "dispatch.sqlite"),
        "REDIS_URL": redis_url,
        **extra,
    }


COMMANDS = {
    "release": [sys.executable, "-m", "flask", "--app", "dispatcher", "db", "upgrade"],
    "clock": [sys.executable, "-m", "flask", "--app", "dispatcher", "sweep", "--once"],
    # rq connects to Redis first, then builds the worker (and the app).
    "worker": [
        os.path.join(BIN, "rq"),
        "worker",
        "--worker-class",
        "workers.worker.DispatchWorker",
    ],
}


@pytest.mark.parametrize("process", sorted(COMMANDS))
@pytest.mark.parametrize("key", ["unset", "short", "development"])
def test_release_worker_and_clock_refuse_in_one_line(tmp_path, redis_url, process, key):
    instance = str(tmp_path / "instance")
    os.makedirs(instance)
    extra = {
        "unset": {},
        "short": {"SECRET_KEY": "change-me"},
        "development": {"SECRET_KEY": startup.development_key(instance)},
    }[key]

    command = COMMANDS[process]
    if process == "worker":
        command = [*command, "--url", redis_url, "dispatch-refused"]
    done = subprocess.run(
        command,
        env=process_env(instance, redis_url, **extra),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 4, done.stderr
    [line] = done.stderr.strip().splitlines()  # no traceback
    assert line.startswith("SECRET_KEY ") and line.endswith(HOW)


def test_gunicorn_stops_with_the_one_line_instead_of_rebooting_workers(tmp_path):
    instance = str(tmp_path / "instance")
    done = subprocess.run(
        [os.path.join(BIN, "gunicorn"), "--bind", "127.0.0.1:0", "dispatcher:create_app()"],
        env=process_env(instance),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert done.stderr.count("SECRET_KEY is not set: set it to a random value") == 1
    assert "App failed to load" in done.stderr and "Traceback" not in done.stderr


# -- development mode --------------------------------------------------------------------


def test_development_mode_generates_a_key_per_instance_and_keeps_it(
    settings, instance, tmp_path, monkeypatch
):
    first = create_app({**settings, "SECRET_KEY": None}).secret_key
    path = os.path.join(instance, startup.DEVELOPMENT_KEY_FILE)

    assert len(first) == 64 and first != OLD_DEFAULT_KEY
    with open(path) as kept:
        assert kept.read().strip() == first and mode(path) == 0o600
    assert create_app({**settings, "SECRET_KEY": None}).secret_key == first  # a restart
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "another"))
    assert create_app({**settings, "SECRET_KEY": None}).secret_key != first


def test_development_mode_is_off_unless_the_environment_says_so(tmp_path):
    """The Procfile sets nothing: production. bin/serve sets DISPATCH_DEVELOPMENT_MODE."""
    probe = "from dispatcher.config import Config; print(Config.DEVELOPMENT_MODE)"

    def development_mode(**extra) -> str:
        env = process_env(str(tmp_path), **extra)
        done = subprocess.run(
            [sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True
        )
        return done.stdout.strip()

    assert development_mode() == "False"
    assert development_mode(DISPATCH_DEVELOPMENT_MODE="0") == "False"
    assert development_mode(DISPATCH_DEVELOPMENT_MODE="1") == "True"
    assert development_mode(DISPATCH_DEVELOPMENT_MODE="true") == "True"


def test_the_demo_office_and_its_published_password_stay_out_of_production(settings, instance):
    app = create_app(production(settings, SECRET_KEY=secrets.token_hex(32)))

    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])

        assert result.exit_code == 1 and "development mode only" in result.output
        assert db.session.scalar(select(User.id).where(User.username == "admin")) is None
        db.session.remove()
        db.engine.dispose()
