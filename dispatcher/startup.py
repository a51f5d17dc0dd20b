"""What every process checks as it builds the app: production is the default.

The web (gunicorn), the workers (rq), the clock (flask sweep), the release (flask db
upgrade) and any other flask command build the app with create_app, so each refuses to
start here, in one line, when SECRET_KEY cannot protect the sessions. Only development
mode (bin/serve and the tests turn it on) may run without one: it then uses a key
generated for its instance folder and kept there, never a value written in the code.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import secrets
import stat
import sys
import tempfile

from flask import Flask

log = logging.getLogger(__name__)

MIN_KEY_BYTES = 32
DEVELOPMENT_KEY_FILE = "development-secret-key"
HOW_TO_MAKE_A_KEY = (
    "set it to a random value of at least 32 bytes, "
    'e.g. python -c "import secrets; print(secrets.token_hex(32))"'
)


class StartRefused(SystemExit):
    """A setting the service cannot safely run with. create_app prints its one line to
    stderr; the process then exits with 4, which gunicorn's master reads as "App failed
    to load" and stops, instead of booting the worker again and again."""

    EXIT_CODE = 4

    def __init__(self, line: str):
        super().__init__(self.EXIT_CODE)
        self.line = line

    def __str__(self) -> str:
        return self.line


def refuse(line: str) -> StartRefused:
    print(line, file=sys.stderr, flush=True)
    return StartRefused(line)


def settle_secret_key(app: Flask) -> None:
    """Check SECRET_KEY, or in development mode fill it from the instance's own file."""
    config = app.config
    key = config.get("SECRET_KEY")
    development = bool(config.get("DEVELOPMENT_MODE"))
    if not key:
        if not development:
            raise refuse(f"SECRET_KEY is not set: {HOW_TO_MAKE_A_KEY}")
        config["SECRET_KEY"] = development_key(app.instance_path)
        return
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if len(raw) < MIN_KEY_BYTES:
        raise refuse(f"SECRET_KEY is shorter than {MIN_KEY_BYTES} bytes: {HOW_TO_MAKE_A_KEY}")
    if not development and _is_a_development_key(raw, app.instance_path):
        raise refuse(f"SECRET_KEY is a development key: {HOW_TO_MAKE_A_KEY}")


def _is_a_development_key(raw: bytes, instance_path: str) -> bool:
    """The key this instance generated for development mode. (The values once written
    in this code base are all shorter than 32 bytes, so the length check refuses them.)"""
    path = os.path.join(instance_path, DEVELOPMENT_KEY_FILE)
    try:
        with open(path, "rb") as file:
            generated = file.read().strip()
    except OSError:
        return False
    return bool(generated) and hmac.compare_digest(raw, generated)


def development_key(instance_path: str) -> str:
    """The instance's development key: made on the first start (owner-only file), the
    same on every later one, so sessions survive a restart of bin/serve.

    The web, the worker and the sweeper may start at once: the key is written to a
    temporary file and linked into place, so whoever links first wins, and nobody ever
    reads a half-written key.
    """
    path = os.path.join(instance_path, DEVELOPMENT_KEY_FILE)
    if not os.path.exists(path):
        handle, temporary = tempfile.mkstemp(dir=instance_path, prefix=".key-")  # 0600
        try:
            with os.fdopen(handle, "w") as file:
                file.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    keep_private(path, 0o600)
    with open(path) as file:
        return file.read().strip()


def keep_private(path: str, mode: int) -> None:
    """Owner only (0700 for a folder, 0600 for a file); a path this process may not
    change (not its own) is left as it is, with a warning."""
    try:
        if stat.S_IMODE(os.stat(path).st_mode) != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("could not make %s private: %s", path, error.strerror)


def make_instance_folder(app: Flask) -> None:
    """The instance folder holds the SQLite file, the embedded Redis and the development
    key: readable by its owner only."""
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    keep_private(app.instance_path, 0o700)


def say_whether_twilio_is_configured(app: Flask) -> None:
    """Outside development mode, a missing auth token means every webhook is refused:
    said once at start-up, not only as a 403 for each of Twilio's requests."""
    if app.config.get("DEVELOPMENT_MODE") or app.config.get("TWILIO_AUTH_TOKEN"):
        return
    log.warning(
        "Twilio is not configured (TWILIO_AUTH_TOKEN unset): webhooks are refused "
        "and SMS go to the outbox"
    )
