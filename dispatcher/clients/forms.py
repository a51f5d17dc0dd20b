"""The forms of the client screens. Salespeople and percentages come as text and are read
by ``whole_number`` (ASCII digits only); the services say which are not acceptable."""

from __future__ import annotations

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dispatcher.clients.handovers import MOVE_REASONS
from dispatcher.clients.words import FOLLOW_UP_WAYS, REASONS, STAGES
from dispatcher.forms import TextForm
from dispatcher.invalid_input import InvalidInput
from dispatcher.text import ascii_whole_number


def whole_number(text: str | None, field: str, *, what: str) -> int | None:
    """None for an empty field, the number for ASCII digits, else InvalidInput."""
    if not (text or "").strip():
        return None
    number = ascii_whole_number(text, max_digits=9)
    if number is None:
        raise InvalidInput({field: f"{what}: a whole number."})
    return number


class StageForm(TextForm):
    stage = SelectField("Stage", choices=list(STAGES.items()))
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class DepositForm(TextForm):
    closer = StringField("Closed by", validators=[DataRequired("Choose who closed.")])


class MoveForm(TextForm):
    salesperson = StringField("To", validators=[DataRequired("Choose a salesperson.")])
    reason = SelectField("Why", choices=[(reason, REASONS[reason]) for reason in MOVE_REASONS])
    note = StringField("Note", validators=[Optional(), Length(max=200)])


class DecisionForm(TextForm):
    """O7: the owner and the split; up to two others share with the owner."""

    owner = StringField("Owner", validators=[DataRequired("Choose the owner.")])
    owner_percent = StringField("Owner's share %", validators=[Optional(), Length(max=9)])
    other_1 = StringField("Shares with", validators=[Optional()])
    other_1_percent = StringField("Their share %", validators=[Optional(), Length(max=9)])
    other_2 = StringField("And with", validators=[Optional()])
    other_2_percent = StringField("Their share %", validators=[Optional(), Length(max=9)])
    note = StringField("Why", validators=[Optional(), Length(max=200)])


class HandOverForm(TextForm):
    leaver = StringField("Whose clients", validators=[DataRequired("Choose whose clients.")])
    to = StringField("To", validators=[DataRequired("Choose the rotation or a salesperson.")])


class DesignatedForm(TextForm):
    name = StringField("Client's name", validators=[DataRequired(), Length(max=120)])
    phone = StringField("Number", validators=[DataRequired(), Length(max=40)])
    need = StringField("Need", validators=[DataRequired(), Length(max=200)])
    source = RadioField(
        "From",
        choices=[
            ("designated", "Designated by the manager"),
            ("developer", "A developer's referral (50% share)"),
        ],
        default="designated",
    )


class FollowUpForm(TextForm):
    way = RadioField("How", choices=list(FOLLOW_UP_WAYS.items()), default="call")
    note = TextAreaField("Note", validators=[Optional(), Length(max=200)])


class DisputeForm(TextForm):
    phone = StringField("Client's number", validators=[DataRequired(), Length(max=40)])
    reason = StringField("Why the client is yours", validators=[DataRequired(), Length(max=200)])
