"""What every answer carries for the browser's safety: the proxy's word on the client's
address and scheme, security headers (flask-talisman), cookies that stay on this site
and, over https, off plain http; and a cap on request bodies."""

from __future__ import annotations

from flask import Flask, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

# Everything comes from this site; no inline script or style anywhere (the dashboard's
# figures ride in a <script type="application/json"> block, which is data, not code).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


class SessionOverHttps(SecureCookieSessionInterface):
    """The session cookie is Secure when the settings say the site is https, and also on
    any request that came over https (directly, or as the trusted proxy says)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config["SESSION_COOKIE_SECURE"]:
            return True
        return has_request_context() and request.is_secure


def served_over_https(app: Flask) -> bool:
    return (app.config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")


def init_security(app: Flask) -> None:
    hops = app.config.get("PROXY_HOPS", 0)
    if hops > 0:
        # Only the nearest `hops` entries are the proxies' own; the rest of
        # X-Forwarded-For (and -Proto) is the client's to write, so not believed.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    https = served_over_https(app)
    force_https = app.config.get("FORCE_HTTPS")
    talisman.init_app(
        app,
        force_https=https if force_https is None else force_https,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        session_cookie_secure=https,
        session_cookie_samesite="Lax",
    )
    # Flask-Login's remember-me cookie (not offered today) under the same terms.
    app.config.update(
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
    )
    app.session_interface = SessionOverHttps()
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.before_request(_refuse_a_body_too_large)


def _refuse_a_body_too_large() -> None:
    """413 before any view runs, even one that would not read the body."""
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def _too_large(error: RequestEntityTooLarge):
    message = "The request is too large."
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), 413
    if request.path.startswith("/twilio/"):
        return message, 413, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("too_large.html", limit=request.max_content_length), 413
