"""What Twilio calls. Every request is checked against Twilio's signature before it is
read; then it is parsed, handed to a service, and answered with TwiML."""

from flask import Blueprint, current_app

from dispatcher.extensions import csrf, limiter

bp = Blueprint("callbacks", __name__)
csrf.exempt(bp)


def _webhook_limit() -> str:
    return current_app.config["WEBHOOK_RATE_LIMIT"]


def _refused_webhook_limit() -> str:
    return current_app.config["REFUSED_WEBHOOK_RATE_LIMIT"]


def _refused(response) -> bool:
    return response.status_code == 403


limiter.limit(_webhook_limit)(bp)
# Only refusals count here: someone guessing signatures is nothing but refusals.
limiter.limit(_refused_webhook_limit, deduct_when=_refused)(bp)

from callbacks import (  # noqa: E402,F401  (routes register on bp)
    calls,
    recordings,
    sms,
    status,
    voice,
    voice_choose,
    voice_dialled,
    voice_pages,
    voice_pin,
)
