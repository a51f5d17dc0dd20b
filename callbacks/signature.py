"""Twilio's request signature, checked with the library's own RequestValidator."""

from __future__ import annotations

import logging
from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator, get_signature_algorithm

from dispatcher.sms.outbox import development_auth_token

log = logging.getLogger(__name__)


def webhook_auth_tokens() -> list[str]:
    """The current auth token first, then any still accepted while a token is rotated.

    Without TWILIO_AUTH_TOKEN: in development mode the development phone's token, so its
    requests pass the very same check; otherwise none, and every webhook is refused.
    """
    config = current_app.config
    current = config.get("TWILIO_AUTH_TOKEN") or development_auth_token()
    if not current:
        return []
    previous = [t.strip() for t in config.get("TWILIO_PREVIOUS_AUTH_TOKENS", "").split(",")]
    return [current, *[t for t in previous if t]]


def public_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL (behind a proxy) plus the path and query."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return request.url
    query = request.query_string.decode()
    return base.rstrip("/") + request.path + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    algorithm = get_signature_algorithm(
        request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
    )
    url = public_url()
    # request.form is a MultiDict: RequestValidator signs every value of a repeated field.
    return any(
        RequestValidator(token).validate(url, request.form, signature, algorithm=algorithm)
        for token in webhook_auth_tokens()
    )


def twilio_signed(view):
    """Refuse (403) any request not signed by Twilio, before reading it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not signature_is_valid():
            log.warning("refused an unsigned or forged webhook to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped
