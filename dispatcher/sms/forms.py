"""This subject's forms (Flask-WTF reads JSON bodies too)."""

from __future__ import annotations

from wtforms import (
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Length,
)

from dispatcher.forms import TextForm


class ReplyForm(TextForm):
    body = StringField("Reply", validators=[DataRequired(), Length(max=320)])
