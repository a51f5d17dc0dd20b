"""Extension objects, bound to the app in create_app."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def client_address() -> str:
    """The address a request came from, for rate limits. Behind PROXY_HOPS reverse
    proxies werkzeug's ProxyFix (dispatcher/security.py) has made it the address the
    nearest trusted proxy saw; the rest of X-Forwarded-For is the client's to write."""
    return request.remote_addr or "unknown"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
login.login_view = "auth.sign_in"
# Flask-Login's default says "log in"; every screen here says "sign in".
login.login_message = "Please sign in to see this page."
csrf = CSRFProtect()
# No default limits: only the routes that ask are limited (sign-in).
limiter = Limiter(key_func=client_address, key_prefix="dispatch-limits")


def init_limiter(app: Flask) -> None:
    """Counters in the app's Redis (shared by every web worker), unless
    RATELIMIT_STORAGE_URI names another store (memory:// in tests)."""
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = limits_storage_uri(app.config["REDIS_URL"])
    limiter.init_app(app)


def limits_storage_uri(redis_url: str) -> str:
    """The `limits` library's name for a Redis URL: a unix socket (the embedded Redis)
    is redis+unix://."""
    if redis_url.startswith("unix://"):
        return "redis+" + redis_url
    return redis_url
