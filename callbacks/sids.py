"""Twilio's ids on a webhook, checked for their shape before anything is read.

Twilio signs the URL followed by each parameter's name and value run together, so a
signed request can be re-cut: ``MessageSid=SM…`` + ``NumMedia=0`` signs exactly as
``MessageSid=SM…NumMedia0`` alone. The re-cut request carries a new id, which the
webhook would take for a new message or call and act on again. Twilio's ids have one
shape (two letters and 32 lowercase hex digits), so a re-cut one is refused, 400, with
nothing changed. The account must be the configured one when Twilio is set up.
"""

from __future__ import annotations

import hmac
import logging
import re
from functools import wraps

from flask import Response, current_app, request

log = logging.getLogger(__name__)

SID_SHAPES = {
    "MessageSid": re.compile(r"(SM|MM)[0-9a-f]{32}", re.ASCII),
    "CallSid": re.compile(r"CA[0-9a-f]{32}", re.ASCII),
}
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}", re.ASCII)


def sid_problem(name: str) -> str | None:
    """What is wrong with the request's ``name`` id or its AccountSid, or None."""
    sid = request.form.get(name, "")
    if not SID_SHAPES[name].fullmatch(sid):
        return f"{name} is missing or not one of Twilio's"
    account = request.form.get("AccountSid", "")
    if not ACCOUNT_SID.fullmatch(account):
        return "AccountSid is missing or not one of Twilio's"
    configured = current_app.config.get("TWILIO_ACCOUNT_SID")
    if configured and not hmac.compare_digest(account.encode(), configured.encode()):
        return "AccountSid is not this service's account"
    return None


def twilio_sids(name: str):
    """Answer 400 unless the webhook's ``name`` id (MessageSid, CallSid) and AccountSid
    are well-formed Twilio ids, and the account is ours. Goes after twilio_signed."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            problem = sid_problem(name)
            if problem is not None:
                log.warning("refused a webhook to %s: %s", request.path, problem)
                return Response(problem, status=400, mimetype="text/plain")
            return view(*args, **kwargs)

        return wrapped

    return decorate
