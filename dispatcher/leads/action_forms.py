"""The forms of the manager's hand on a lead and of corrections (leads/action_views.py)."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from dispatcher.forms import TextForm
from dispatcher.models import LEAD_KINDS

# Where the action was asked from, to go back there: the board (the console) or the lead's page.
BACK_TO = ("board", "lead")


class _ActionForm(TextForm):
    back = HiddenField(default="lead", validators=[Optional(), AnyOf(BACK_TO)])


class AssignForm(_ActionForm):
    salesperson = IntegerField(
        "Give to", validators=[DataRequired(message="Choose the salesperson to give it to.")]
    )


class CloseForm(_ActionForm):
    reason = StringField(
        "Reason",
        validators=[
            DataRequired(message="Say why it is closed."),
            Length(max=200, message="At most 200 characters."),
        ],
    )


class ReopenForm(_ActionForm):
    pass


class CorrectionForm(_ActionForm):
    caller_phone = StringField("Phone", validators=[DataRequired(), Length(max=40)])
    caller_name = StringField("Name", validators=[Optional(), Length(max=120)])
    kind = SelectField("Kind", choices=[SelectChoice(k, k.title()) for k in LEAD_KINDS])
    listing = StringField("Listing ref", validators=[Optional(), Length(max=40)])
