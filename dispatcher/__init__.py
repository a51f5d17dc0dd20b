"""The dispatch service's web application."""

from __future__ import annotations

import logging
import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from dispatcher.config import Config


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app: settings, database, queue, SMS transport, blueprints."""
    app = Flask(
        __name__,
        instance_relative_config=False,
        instance_path=os.environ.get("INSTANCE_PATH") or None,
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    from dispatcher import startup

    startup.make_instance_folder(app)
    # Before anything else: a process that may not run says so in one line and exits.
    startup.settle_secret_key(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "dispatch.sqlite"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = _driver_url(app.config["SQLALCHEMY_DATABASE_URI"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    startup.say_whether_twilio_is_configured(app)

    _init_extensions(app)
    _register_blueprints(app)
    return app


def _driver_url(url: str) -> str:
    # Platforms hand out postgres:// URLs; SQLAlchemy wants a driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _init_extensions(app: Flask) -> None:
    from dispatcher import models  # noqa: F401  (the models must be known to migrations)
    from dispatcher.access import init_access
    from dispatcher.extensions import csrf, db, init_limiter, login, migrate
    from dispatcher.language import init_babel
    from dispatcher.office.current import init_office
    from dispatcher.queue import init_queue
    from dispatcher.security import init_security
    from dispatcher.sms import init_sms
    from dispatcher.voice import init_voice

    db.init_app(app)
    # Batch mode: SQLite can only change a table by copying it.
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,
    )
    login.init_app(app)
    csrf.init_app(app)
    init_security(app)
    init_office(app)  # forgets the last request's office before the access gate may serve one
    init_babel(app)  # the office's language and time zone, chosen anew each request
    init_access(app)
    init_queue(app)
    init_limiter(app)
    init_sms(app)
    init_voice(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from dispatcher import sqlite

        sqlite.keep_private(app.config["SQLALCHEMY_DATABASE_URI"])
        sqlite.tune(app)


class RecordId(IntegerConverter):
    """A record's id in a URL: a positive integer the databases can hold (PostgreSQL's
    integer), so /leads/99999999999999999999 is a 404, not an overflow."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def _register_blueprints(app: Flask) -> None:
    app.url_map.converters["id"] = RecordId
    from callbacks import bp as callbacks_bp
    from dispatcher.api.views import bp as api_bp
    from dispatcher.auth import bp as auth_bp
    from dispatcher.calls.views import bp as calls_bp
    from dispatcher.cli import register_commands
    from dispatcher.clients.register_views import bp as register_bp
    from dispatcher.clients.views import bp as clients_bp
    from dispatcher.courtesy.views import bp as courtesy_bp
    from dispatcher.dashboard.views import bp as dashboard_bp
    from dispatcher.error_handlers import register_error_handlers
    from dispatcher.franchise.views import bp as franchise_bp
    from dispatcher.leads.action_views import bp as lead_actions_bp
    from dispatcher.leads.views import bp as console_bp
    from dispatcher.office.admin_views import bp as offices_bp
    from dispatcher.office.feed_views import bp as feeds_bp
    from dispatcher.office.roster_views import bp as roster_bp
    from dispatcher.office.views import bp as manager_bp
    from dispatcher.pages.duty_views import bp as my_duty_bp
    from dispatcher.pages.views import bp as salesperson_bp
    from dispatcher.sms.devphone import bp as devphone_bp
    from dispatcher.template_helpers import register_template_helpers

    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(lead_actions_bp)
    app.register_blueprint(register_bp)
    app.register_blueprint(manager_bp, url_prefix="/manager")
    app.register_blueprint(dashboard_bp, url_prefix="/manager")
    app.register_blueprint(roster_bp, url_prefix="/manager")
    app.register_blueprint(offices_bp, url_prefix="/admin/offices")
    app.register_blueprint(franchise_bp, url_prefix="/franchise")
    app.register_blueprint(salesperson_bp)
    app.register_blueprint(calls_bp)  # /me/leads/<id>/call, /console/calls/<id>/put-through
    app.register_blueprint(clients_bp)  # /manager/clients..., /me/clients...
    app.register_blueprint(my_duty_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(courtesy_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(callbacks_bp, url_prefix="/twilio")
    app.register_blueprint(devphone_bp, url_prefix="/dev/phone")
    register_template_helpers(app)
    register_error_handlers(app)
    register_commands(app)
