"""Sign-in, and the role check that guards each screen."""

from __future__ import annotations

from functools import wraps

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
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from dispatcher.extensions import db, limiter, login
from dispatcher.forms import SignInForm
from dispatcher.models import User

bp = Blueprint("auth", __name__)


@login.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def roles_required(*roles: str):
    """Only signed-in users with one of these roles (admin passes every check)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _failed_sign_in(response) -> bool:
    # Only failures count: a whole office signing in at nine behind one address is
    # not an attack, and guessing passwords is nothing but failures.
    return response.status_code not in (302, 429)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=_failed_sign_in)
def sign_in():
    form = SignInForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is None or not user.check_password(form.password.data):
            flash("Wrong user name or password.", "error")
        else:
            login_user(user)
            return redirect(_safe_next() or home_for(user))
    return render_template("sign_in.html", form=form)


@bp.app_errorhandler(RateLimitExceeded)
def too_many_requests(error: RateLimitExceeded):
    """429 with a page that says what happened and when to try again; webhooks get it
    in plain words (Twilio logs the body in its debugger)."""
    if request.blueprint == "callbacks":
        return f"Too many requests from this address (limit {error.limit.limit}).", 429
    return render_template("too_many_sign_ins.html", limit=error.limit.limit), 429


def home_for(user: User) -> str:
    """Where each role starts: salespeople on their own page, the others on the console."""
    return url_for("salesperson.my_page" if user.role == "salesperson" else "console.home")


def _safe_next() -> str | None:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else None


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("auth.sign_in"))
