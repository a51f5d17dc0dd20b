"""Signing in and out. Who may see what once signed in is dispatcher/access.py."""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from dispatcher.extensions import db, limiter, login
from dispatcher.forms import SignInForm
from dispatcher.models import Role, Salesperson, User

bp = Blueprint("auth", __name__)


@login.user_loader
def load_user(user_id: str) -> User | None:
    """The user a session cookie names, if its session token is still theirs."""
    number, _, token = user_id.partition(":")
    if not number.isdecimal() or not token.isascii():
        return None
    user = db.session.get(User, int(number))
    if user is None or user.session_token is None:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def signed_in_salesperson() -> Salesperson:
    """The salesperson the signed-in user is; 403 for a user who is none."""
    person = db.session.get(Salesperson, current_user.salesperson_id or 0)
    if person is None:
        abort(403)
    return person


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _sign_in_user_limit() -> str:
    return current_app.config["SIGN_IN_USER_RATE_LIMIT"]


def _submitted_user_name() -> str:
    """The per-user counter's key: the name typed, as the office would read it."""
    return "user:" + (request.form.get("username") or "").strip().lower()


def _failed_sign_in(response) -> bool:
    # Only failures count: a whole office signing in at nine behind one address is
    # not an attack, and guessing passwords is nothing but failures.
    return response.status_code not in (302, 429)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=_failed_sign_in)
@limiter.limit(
    _sign_in_user_limit,
    key_func=_submitted_user_name,
    methods=["POST"],
    deduct_when=_failed_sign_in,
)
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if not password_matches(user, form.password.data):
            flash(gettext("Wrong user name or password."), "error")
        else:
            if user.session_token is None:
                user.new_session_token()
                db.session.commit()
            login_user(user)
            return redirect(_safe_next() or home_for(user))
    return render_template("sign_in.html", form=form)


def password_matches(user: User | None, password: str) -> bool:
    """Checks a hash whether or not the user exists, so an unknown name takes as long
    to refuse as a wrong password and the answer's timing names no account."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def _dummy_hash() -> str:
    return _dummy_hash_for(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


@lru_cache
def _dummy_hash_for(method: str) -> str:
    """A hash of nobody's password made as the users' are (same method and cost)."""
    return generate_password_hash(secrets.token_hex(16), method=method)


@bp.app_errorhandler(RateLimitExceeded)
def too_many_requests(error: RateLimitExceeded):
    """429 with a page that says what happened and when to try again; webhooks get it
    in plain words (Twilio logs the body in its debugger)."""
    if request.blueprint == "callbacks":
        return f"Too many requests from this address (limit {error.limit.limit}).", 429
    return render_template("too_many_sign_ins.html", limit=error.limit.limit), 429


def home_for(user: User) -> str:
    """Where each role starts: salespeople on their own page, the others on the console."""
    return url_for("salesperson.my_page" if user.role == Role.SALESPERSON else "console.home")


def _safe_next() -> str | None:
    """The page asked for before signing in, if it is a path on this site."""
    return local_path(request.args.get("next", ""))


def local_path(target: str) -> str | None:
    """``target`` if it is a path on this site, else None.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\\evil.com`` and ``/%09/evil.com`` would lead to another site: anything holding
    a control character, a space-like character or a backslash is refused, and what is
    left must parse as a path with no scheme and no host.
    """
    if not target or "\\" in target:
        return None
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    # "///evil.com" parses as a path, yet a browser reads any "//" start as a host.
    if target.startswith("//"):
        return None
    return target


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        # Every copy of this session cookie, wherever it went, stops working now.
        current_user.new_session_token()
        db.session.commit()
    logout_user()
    flash(gettext("Signed out."), "info")
    return redirect(url_for("auth.sign_in"))
