"""The forms of the courtesy screens (control characters refused: dispatcher.forms)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from dispatcher.courtesy.templates import STAGES
from dispatcher.forms import TextForm
from routing.courtesy import KINDS


class TemplateForm(TextForm):
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(key, f"{rule.label} ({rule.rule})") for key, rule in KINDS.items()],
    )
    name = StringField("Name", validators=[Length(max=120)])
    body = TextAreaField("Text", validators=[Length(max=1000)])
    project = StringField("Project (empty: every project)", validators=[Length(max=120)])
    stages = SelectMultipleField(
        "Stages (none chosen: the kind's own)", choices=[SelectChoice(s, s) for s in STAGES]
    )
    occasion_date = DateField(
        "Day (events, holidays; construction: the first Thursday)", validators=[Optional()]
    )


class QuietHoursForm(TextForm):
    quiet_hours = StringField("Quiet hours", validators=[Length(max=11)])


class ClientCourtesyForm(TextForm):
    birthday = DateField("Birthday", validators=[Optional()])
    project = StringField("Project", validators=[Length(max=120)])
    subscribed_on = DateField("Subscription signed on", validators=[Optional()])
    contract_signed_on = DateField("Contract signed on", validators=[Optional()])


class ActionForm(FlaskForm):
    """A button's form: the CSRF token alone."""
