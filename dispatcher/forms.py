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
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from dispatcher.models import LEAD_CHANNELS, LEAD_KINDS
from dispatcher.text import forbidden_character, forbidden_message, valid_pin_format


def plain_text(form: FlaskForm, field) -> None:
    """Refuse control characters (a note may hold line breaks, nothing else may)."""
    multiline = isinstance(field, TextAreaField)
    if isinstance(field.data, str):
        character = forbidden_character(field.data, multiline=multiline)
        if character is not None:
            raise ValidationError(forbidden_message(character))


class TextForm(FlaskForm):
    """A form whose every text field refuses control characters, on the pages and in the
    API alike (passwords excepted: they are only ever hashed)."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                extra.setdefault(name, []).append(plain_text)
        return super().validate(extra_validators=extra)


class SignInForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class LeadForm(TextForm):
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


class SalespersonForm(TextForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    mobile = StringField("Mobile", validators=[DataRequired(), Length(max=40)])
    skills = StringField(
        "Skills",
        validators=[Optional(), Length(max=120)],
        description="Comma-separated: listing, seller, rental, new",
    )
    active = BooleanField("Active", default=True)


class ReplyForm(TextForm):
    body = StringField("Reply", validators=[DataRequired(), Length(max=320)])


def field_errors(form: FlaskForm) -> dict[str, str]:
    """The first message for each bad field."""
    return {name: messages[0] for name, messages in form.errors.items() if messages}


class VoicePinForm(FlaskForm):
    """The PIN a salesperson keys in when calling the office for a client's details."""

    pin = PasswordField(
        "New PIN",
        validators=[
            DataRequired(),
            Regexp(r"[0-9]{4,8}\Z", message="4 to 8 digits, 0 to 9."),
        ],
    )
    confirm = PasswordField(
        "The PIN again", validators=[DataRequired(), EqualTo("pin", "The two PINs differ.")]
    )

    def validate_pin(self, field) -> None:
        """A PIN anyone would try first (1111, 1234, 9876) protects nothing."""
        if not valid_pin_format(field.data):
            return  # the pattern above has said what is wrong
        steps = {int(b) - int(a) for a, b in zip(field.data, field.data[1:], strict=False)}
        if steps in ({0}, {1}, {-1}):
            raise ValidationError("Too easy to guess: not one digit repeated nor a run.")
