"""Which office a request, a command or a job serves: resolved once, never guessed.

- A request: from the signed-in user's office; for the API with a bearer token, the
  token's office; for Twilio's webhooks, the number called or texted (``To``; the
  webhook resolves it with ``office_for_number`` and keeps it with ``serve_office``).
  Kept on ``flask.g`` for the rest of the request (``office_of_request``).
- A command: the office named by ``--office``, or the only one (``office_for_command``).
- A job: from its row (page -> lead -> office), as pages.service.handle_deadline does;
  nothing in a job asks for "the" office.

Offices are made only by `flask create-office` and `seed-demo` (dispatcher/office/setup.py).
Without one, a request answers 503 saying so, and nothing is created.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound, ServiceUnavailable

from dispatcher.extensions import db
from dispatcher.models import Office
from dispatcher.phones import to_e164
from dispatcher.text import ascii_whole_number

NO_OFFICE = "No office is set up yet: run flask create-office."
SEVERAL_OFFICES = (
    "There are several offices and this request names none: sign in, or use a token made "
    "for one office (flask create-token NAME --office ID)."
)


class OfficeNotSetUp(ServiceUnavailable):
    """503: no office is set up (or several, and nothing says which)."""

    def __init__(self, description: str = NO_OFFICE):
        super().__init__(description)


class UnknownOfficeNumber(NotFound):
    """404 to a webhook for a number that is no office's."""

    description = (
        "No office has the number this was sent to: give it to one with "
        "flask update-office ID --phone NUMBER."
    )


def init_office(app: Flask) -> None:
    # Tests (and anything else) may run several requests in one app context, which
    # shares flask.g: each request resolves its own office.
    app.before_request(_forget_office)


def _forget_office() -> None:
    g.pop("office", None)


def office_of_request() -> Office:
    """The office this request serves, resolved on first use and kept on flask.g.
    Outside a request (a command, a test) it is the only office, or OfficeNotSetUp."""
    if not has_request_context():
        return only_office()
    office = g.get("office")
    if office is None:
        office = serve_office(_resolve())
    return office


def phone_region(office: Office) -> str:
    """Where a number typed for ``office`` without a country code is read: the office's
    own region, else the PHONE_REGION setting. Numbers from Twilio come in E.164."""
    return office.region(current_app.config["PHONE_REGION"])


def serve_office(office: Office) -> Office:
    """Keep ``office`` as the one this request serves (a webhook, from its To number)."""
    g.office = office
    return office


def _resolve() -> Office:
    caller = g.get("api_caller") if request.blueprint == "api" else None
    if caller is not None and caller.user_id is None:  # a bearer token
        return _office(caller.office_id) if caller.office_id is not None else only_office()
    if current_user.is_authenticated:
        return _office(current_user.office_id)
    return only_office()


def _office(office_id: int) -> Office:
    office = db.session.get(Office, office_id)
    if office is None:
        raise OfficeNotSetUp()
    return office


def only_office() -> Office:
    """The office when there is exactly one; OfficeNotSetUp when there is none or several."""
    offices = list(db.session.scalars(select(Office).order_by(Office.id).limit(2)))
    if not offices:
        raise OfficeNotSetUp(NO_OFFICE)
    if len(offices) > 1:
        raise OfficeNotSetUp(SEVERAL_OFFICES)
    return offices[0]


def office_for_number(raw: str, region: str) -> Office:
    """The office whose Twilio number Twilio says was called or texted. An office with
    no number set answers for any number while it is the only office (an installation
    set up before offices had numbers). UnknownOfficeNumber (404) otherwise;
    OfficeNotSetUp (503) when there is no office at all."""
    try:
        number = to_e164(raw, region)
    except ValueError:
        number = None
    if number is not None:
        office = db.session.scalar(select(Office).where(Office.phone_number == number))
        if office is not None:
            return office
    offices = list(db.session.scalars(select(Office).order_by(Office.id).limit(2)))
    if not offices:
        raise OfficeNotSetUp(NO_OFFICE)
    if len(offices) == 1 and offices[0].phone_number is None:
        return offices[0]
    raise UnknownOfficeNumber()


def office_for_command(chosen: str | None) -> Office:
    """The office a command acts for: ``--office`` (an id or an exact name), else the
    only one. ValueError in words the command prints."""
    if chosen is None or not chosen.strip():
        try:
            return only_office()
        except OfficeNotSetUp as error:
            if error.description == SEVERAL_OFFICES:
                raise ValueError("There are several offices: say which with --office.") from None
            raise ValueError(NO_OFFICE) from None
    chosen = chosen.strip()
    office = None
    if (office_id := ascii_whole_number(chosen, max_digits=9)) is not None:
        office = db.session.get(Office, office_id)
    if office is None:
        office = db.session.scalar(select(Office).where(Office.name == chosen))
    if office is None:
        count = db.session.scalar(select(func.count(Office.id)))
        raise ValueError(f"No office {chosen!r}." + ("" if count else " " + NO_OFFICE))
    return office


def office_record_or_404(model, record_id: int):
    """The request's office's record of that id; another office's, or none, is a 404: a
    user learns nothing of another office, not even that the id exists."""
    record = db.session.get(model, record_id)
    if record is None or record.office_id != office_of_request().id:
        abort(404)
    return record
