"""What Twilio calls. Every request is checked against Twilio's signature before it is
read; then it is parsed, handed to a service, and answered with TwiML."""

from flask import Blueprint

from dispatcher.extensions import csrf

bp = Blueprint("callbacks", __name__)
csrf.exempt(bp)

from callbacks import sms, status, voice  # noqa: E402,F401  (routes register on bp)
