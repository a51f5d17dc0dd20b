"""Which office a webhook is for: the number Twilio says was called or texted."""

from __future__ import annotations

from flask import current_app, request

from dispatcher.models import Office
from dispatcher.office.current import office_for_number, serve_office


def office_called() -> Office:
    """The office whose number is the webhook's ``To``, kept as the request's office.
    Raises UnknownOfficeNumber (404) before anything is recorded for a number that is
    no office's. Called inside the webhook's database work, so that a database that
    does not answer is handled as the webhook handles it."""
    number = request.form.get("To", "")
    return serve_office(office_for_number(number, current_app.config["PHONE_REGION"]))
