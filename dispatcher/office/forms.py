"""This subject's forms (Flask-WTF reads JSON bodies too)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    PasswordField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
)

from dispatcher.forms import TextForm


class SalespersonForm(TextForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    mobile = StringField("Mobile", validators=[DataRequired(), Length(max=40)])
    skills = StringField(
        "Skills",
        validators=[Optional(), Length(max=120)],
        description="Comma-separated: listing, seller, rental, new",
    )
    team = StringField(
        "Team",
        validators=[Optional(), Length(max=60)],
        description="Recorded with each client they come to own",
    )
    active = BooleanField("Active", default=True)


class OfficeForm(TextForm):
    """An office, as the admin sets it up or changes it (dispatcher/office/setup.py checks
    the values)."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    timezone = StringField("Time zone", validators=[DataRequired(), Length(max=64)])
    phone = StringField("Twilio number", validators=[Optional(), Length(max=40)])
    manager_mobile = StringField("Manager's mobile", validators=[Optional(), Length(max=40)])
    ack_deadline_seconds = StringField("Deadline", validators=[Optional(), Length(max=5)])
    # One of dispatcher/language.py LANGUAGES (setup checks it); left out: unchanged (a
    # new office: English).
    language = StringField("Language", validators=[Optional(), Length(max=10)])
    # ISO 3166 alpha-2 (setup checks it); empty: the PHONE_REGION setting.
    phone_region = StringField("Phone region", validators=[Optional(), Length(max=10)])


class NewOfficeForm(OfficeForm):
    """A new office and its first manager's sign-in."""

    manager = StringField("Manager's user name", validators=[DataRequired(), Length(max=80)])
    manager_password = PasswordField("Manager's password", validators=[DataRequired()])
