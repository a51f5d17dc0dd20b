"""The one way a webhook's address is built, for the TwiML the office answers with and
the calls it places (verified calls, voice pages, the office's own line)."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def webhook_url(endpoint: str, *, absolute: bool = True, **values) -> str:
    """A webhook's address under PUBLIC_BASE_URL, which Twilio signs with. Without it,
    the request's own host; ``absolute=False`` then gives the path alone, which Twilio
    resolves against the request's URL (TwiML's actions). A Calls API request needs an
    absolute address: a job, with no request, needs PUBLIC_BASE_URL (voice pages check
    it before placing their call)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not has_request_context():
        # A job (a voice page's call): the app's routes give the path.
        path = current_app.url_map.bind("").build(endpoint, values)
        return base.rstrip("/") + path if base else path
    path = url_for(endpoint, **values)
    if base:
        return base.rstrip("/") + path
    return url_for(endpoint, _external=True, **values) if absolute else path
