"""Forms for the pages and the JSON API (Flask-WTF reads JSON bodies too)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dispatcher.models import LEAD_CHANNELS, LEAD_KINDS


class SignInForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class LeadForm(FlaskForm):
    caller_phone = StringField("Phone", validators=[DataRequired(), Length(max=40)])
    caller_name = StringField("Name", validators=[Optional(), Length(max=120)])
    # No kind is chosen until the coordinator picks one: a default would log every
    # forgotten kind as a buyer.
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "Choose…")] + [SelectChoice(k, k.title()) for k in LEAD_KINDS],
        validators=[DataRequired()],
    )
    channel = SelectField(
        "Channel",
        default="call",
        choices=[SelectChoice(c, c.replace("_", "-").capitalize()) for c in LEAD_CHANNELS],
    )
    source = StringField("What brought them", validators=[Optional(), Length(max=120)])
    listing = StringField("Listing ref", validators=[Optional(), Length(max=40)])
    asked_for = IntegerField("Asked for", validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    area = StringField("Area", validators=[Optional(), Length(max=40)])
    related_phone = StringField("Family member's phone", validators=[Optional(), Length(max=40)])


class SalespersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    mobile = StringField("Mobile", validators=[DataRequired(), Length(max=40)])
    skills = StringField(
        "Skills",
        validators=[Optional(), Length(max=120)],
        description="Comma-separated: listing, seller, rental, new",
    )
    active = BooleanField("Active", default=True)


class ReplyForm(FlaskForm):
    body = StringField("Reply", validators=[DataRequired(), Length(max=320)])


def field_errors(form: FlaskForm) -> dict[str, str]:
    """The first message for each bad field."""
    return {name: messages[0] for name, messages in form.errors.items() if messages}
