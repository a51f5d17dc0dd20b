"""What every page's template needs: times in the zone of the request's office, the
signed-in role."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from dispatcher.clock import local_time, utcnow
from dispatcher.extensions import db
from dispatcher.language import day_words, formatted, html_lang
from dispatcher.models import Office, Role
from dispatcher.office.current import OfficeNotSetUp, office_of_request, phone_region
from dispatcher.phones import example_number
from dispatcher.words import NOBODY_IN_PARTICULAR, PAGE_BY, event_detail, in_words


def register_template_helpers(app: Flask) -> None:
    @app.template_filter("local")
    def local(moment: datetime | None, fmt: str = "%H:%M:%S") -> str:
        if moment is None:
            return ""
        # In the office's language (English: the format as it is).
        return formatted(local_time(moment, office_of_request().timezone), fmt)

    @app.template_filter("iso_utc")
    def iso_utc(moment: datetime | None) -> str:
        return moment.isoformat() + "Z" if moment else ""

    # A stored code in the office's words: {{ lead.channel|words('channel') }}.
    app.add_template_filter(in_words, "words")
    app.add_template_global(event_detail, "event_detail")
    app.add_template_global(NOBODY_IN_PARTICULAR, "nobody_in_particular")
    app.add_template_global(PAGE_BY, "page_by_choices")
    # Days and times in the office's language (English: as strftime writes them).
    app.add_template_global(day_words, "day_words")
    app.add_template_global(formatted, "formatted")

    @app.template_global("phone_example")
    def phone_example() -> str:
        """A mobile number as the request's office types it (its phone region), for the
        placeholder of a phone field."""
        return example_number(phone_region(office_of_request()))

    @app.template_global("field_state")
    def field_state(errors: dict[str, str], name: str) -> dict[str, str]:
        """A bad field's attributes: marked invalid, pointing at its message (the id that
        _field_error.html gives it), for screen readers as much as for the eye."""
        if not errors.get(name):
            return {}
        return {"aria-invalid": "true", "aria-describedby": f"{name}-error"}

    @app.context_processor
    def globals_for_templates():
        return {
            "office_name": _office_name(),
            "server_now": utcnow(),
            "html_lang": html_lang(),
        }


def _office_name() -> str:
    """The signed-in user's office's own name (each office of a franchise is told apart
    on every page); the franchise's users see every office. Before signing in, the
    office's name only where there is one office: with several, whose it is is not
    known yet, and no office is named ('' : the page says Dispatch)."""
    if current_user.is_authenticated:
        if current_user.role == Role.FRANCHISE:
            return "Franchise"
        try:
            return office_of_request().name
        except OfficeNotSetUp:
            pass
    try:
        names = db.session.scalars(select(Office.name).order_by(Office.id).limit(2)).all()
    except DBAPIError:
        db.session.rollback()
        return ""
    if len(names) > 1:
        return ""
    return names[0] if names else current_app.config["OFFICE_NAME"]
