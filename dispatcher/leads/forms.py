"""This subject's forms (Flask-WTF reads JSON bodies too)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
)

from dispatcher.forms import TextForm
from dispatcher.models import LEAD_CHANNELS, LEAD_KINDS
from routing.registration import TITLES


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
    # O2: the register needs a title (or one in the name) and the basic need.
    caller_title = SelectField(
        "Title",
        default="",
        choices=[SelectChoice("", "—")] + [SelectChoice(t, t) for t in TITLES],
        validators=[Optional()],
    )
    need = StringField("Basic need", validators=[Optional(), Length(max=200)])
    also_asked_for = IntegerField("Or asked for", validators=[Optional()])  # X1
    # X2: a returning client who would rather not have their salesperson, and why.
    declines_owner_reason = StringField(
        "Wants someone else, because", validators=[Optional(), Length(max=200)]
    )
    # The console's answer to "your salesperson is Alice, is that all right?": "No,
    # someone else" needs the reason (the API sends the reason alone).
    someone_else = BooleanField("No, someone else")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        if self.someone_else.data and not (self.declines_owner_reason.data or "").strip():
            reason = self.declines_owner_reason
            reason.errors = [*reason.errors, "Say why the client would rather have someone else."]
            valid = False
        return valid
