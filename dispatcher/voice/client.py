"""The twilio client voice uses: the one the SMS transport built (dispatcher/sms/
twilio_transport.py: one place, with its timeout and TWILIO_API_BASE_URL), or None when
Twilio is not set up (the outbox): no call can be placed then."""

from __future__ import annotations

from flask import current_app


def twilio_client():
    return getattr(current_app.extensions.get("sms"), "client", None)
