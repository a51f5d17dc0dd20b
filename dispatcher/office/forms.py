"""This subject's forms (Flask-WTF reads JSON bodies too)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
)

from dispatcher.forms import TextForm


class SalespersonForm(TextForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    mobile = StringField("Mobile", validators=[DataRequired(), Length(max=40)])
    skills = StringField(
        "Skills",
        validators=[Optional(), Length(max=120)],
        description="Comma-separated: listing, seller, rental, new",
    )
    team = StringField(
        "Team",
        validators=[Optional(), Length(max=60)],
        description="Recorded with each client they come to own",
    )
    active = BooleanField("Active", default=True)
