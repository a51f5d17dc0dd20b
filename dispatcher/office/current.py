"""Which office a request or a job serves."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import Office


def current_office() -> Office:
    """The office this installation serves (one per installation for now)."""
    office = db.session.scalar(select(Office).order_by(Office.id).limit(1))
    if office is None:
        office = Office(
            name=current_app.config["OFFICE_NAME"],
            timezone=current_app.config["OFFICE_TIMEZONE"],
            manager_mobile=current_app.config.get("MANAGER_MOBILE"),
        )
        db.session.add(office)
        db.session.flush()
    return office
