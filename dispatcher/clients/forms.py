"""The forms of the client screens. Choices, salespeople and percentages come as text:
percentages and ids are read by ``whole_number`` (ASCII digits only), and the services
say which values are not acceptable (an unknown stage, a salesperson of another office)."""

from __future__ import annotations

from flask_babel import gettext
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from dispatcher.forms import TextForm
from dispatcher.invalid_input import InvalidInput
from dispatcher.language import N_
from dispatcher.text import ascii_whole_number


def whole_number(text: str | None, field: str, *, what: str) -> int | None:
    """None for an empty field, the number for ASCII digits, else InvalidInput."""
    if not (text or "").strip():
        return None
    number = ascii_whole_number(text, max_digits=9)
    if number is None:
        raise InvalidInput({field: gettext("%(what)s: a whole number.", what=gettext(what))})
    return number


class StageForm(TextForm):
    stage = StringField("Stage", validators=[DataRequired(N_("Choose a stage."))])
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class DepositForm(TextForm):
    closer = StringField("Closed by", validators=[DataRequired(N_("Choose who closed."))])


class MoveForm(TextForm):
    salesperson = StringField("To", validators=[DataRequired(N_("Choose a salesperson."))])
    reason = StringField("Why", validators=[DataRequired(N_("Say why."))])
    note = StringField("Note", validators=[Optional(), Length(max=200)])


class DecisionForm(TextForm):
    """O7: the owner and the split; up to two others share with the owner."""

    owner = StringField("Owner", validators=[DataRequired(N_("Choose the owner."))])
    owner_percent = StringField("Owner's share %", validators=[Optional(), Length(max=9)])
    other_1 = StringField("Shares with", validators=[Optional()])
    other_1_percent = StringField("Their share %", validators=[Optional(), Length(max=9)])
    other_2 = StringField("And with", validators=[Optional()])
    other_2_percent = StringField("Their share %", validators=[Optional(), Length(max=9)])
    note = StringField("Why", validators=[Optional(), Length(max=200)])


class HandOverForm(TextForm):
    leaver = StringField("Whose clients", validators=[DataRequired(N_("Choose whose clients."))])
    to = StringField("To", validators=[DataRequired(N_("Choose the rotation or a salesperson."))])


class DesignatedForm(TextForm):
    name = StringField("Client's name", validators=[DataRequired(), Length(max=120)])
    phone = StringField("Number", validators=[DataRequired(), Length(max=40)])
    need = StringField("Need", validators=[DataRequired(), Length(max=200)])
    source = StringField("From", validators=[Optional()])  # "developer": a referral (X7)


class FollowUpForm(TextForm):
    way = StringField("How", validators=[DataRequired(N_("A call, a visit or a message?"))])
    note = TextAreaField("Note", validators=[Optional(), Length(max=200)])


class DisputeForm(TextForm):
    phone = StringField("Client's number", validators=[DataRequired(), Length(max=40)])
    reason = StringField("Why the client is yours", validators=[DataRequired(), Length(max=200)])
