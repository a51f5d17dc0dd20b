"""Forms for the pages and the JSON API (Flask-WTF reads JSON bodies too)."""

from __future__ import annotations

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import (
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Regexp,
    ValidationError,
)

from dispatcher.text import forbidden_character, forbidden_message, valid_pin_format


def plain_text_error(field) -> str | None:
    """The message for a text field holding a control character (a note may hold line
    breaks, nothing else may), or None."""
    if isinstance(field, PasswordField) or not isinstance(field, StringField):
        return None
    if not isinstance(field.data, str):
        return None
    character = forbidden_character(field.data, multiline=isinstance(field, TextAreaField))
    return forbidden_message(character) if character is not None else None


class TextForm(FlaskForm):
    """A form whose every text field refuses control characters, on the pages and in the
    API alike (passwords excepted: they are only ever hashed).

    Checked after, and apart from, each field's own validators: `Optional()` ends a
    field's chain on text that str.strip() empties, and it empties U+001C-U+001F and U+0085
    too, so a check in the chain let a field of nothing but those through."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        for field in self._fields.values():
            message = plain_text_error(field)
            if message is not None:
                field.errors = [*field.errors, message]
                valid = False
        return valid


class SignInForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def field_errors(form: FlaskForm) -> dict[str, str]:
    """The first message for each bad field."""
    # A form's own messages are marked (N_) and said in the office's language here.
    return {name: gettext(messages[0]) for name, messages in form.errors.items() if messages}


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
