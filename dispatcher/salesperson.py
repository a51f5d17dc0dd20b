"""The salesperson's own page: open pages and the mailbox of notices (C6)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from dispatcher.auth import roles_required
from dispatcher.extensions import db
from dispatcher.models import Notice, Salesperson
from dispatcher.services.pages import open_pages_for

bp = Blueprint("salesperson", __name__)


@bp.route("/me")
@roles_required("salesperson")
def my_page():
    person = db.session.get(Salesperson, current_user.salesperson_id or 0)
    if person is None:
        abort(403)
    notices = db.session.scalars(
        select(Notice).where(Notice.salesperson_id == person.id).order_by(Notice.id.desc())
    ).all()
    return render_template(
        "my_page.html",
        person=person,
        notices=notices,
        pages=open_pages_for(session=db.session, salesperson_id=person.id),
    )
