"""The registration log's forms: correcting an entry (a new entry, never an edit)."""

from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from dispatcher.forms import TextForm
from routing.registration import TITLES


class CorrectRegistrationForm(TextForm):
    caller_name = StringField("Name", validators=[Optional(), Length(max=120)])
    caller_title = SelectField(
        "Title",
        default="",
        choices=[SelectChoice("", "—")] + [SelectChoice(t, t) for t in TITLES],
        validators=[Optional()],
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    need = StringField("Basic need", validators=[Optional(), Length(max=200)])
    named_salesperson = IntegerField("Named salesperson", validators=[Optional()])
