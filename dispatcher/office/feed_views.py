"""The calendar feeds' addresses: public, each holding its own secret token (a calendar
app cannot sign in), answered 404 for a wrong token as for a missing record."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.models import Office, Salesperson
from dispatcher.office.feeds import KINDS, duty_feed, token_matches
from dispatcher.office.roster import list_salespeople
from dispatcher.office.schedule import office_schedule, office_today

bp = Blueprint("feeds", __name__)


@bp.route("/feeds/<kind>/<id:record_id>/<token>.ics")
def feed(kind: str, record_id: int, token: str):
    if kind not in KINDS:
        abort(404)
    record = db.session.get(Office if kind == "office" else Salesperson, record_id)
    secret = current_app.config["SECRET_KEY"]
    if record is None or not token_matches(secret, kind, record_id, record.feed_nonce, token):
        abort(404)
    office = record if kind == "office" else db.session.get(Office, record.office_id)
    now = utcnow()
    names = {p.id: p.name for p in list_salespeople(session=db.session, office_id=office.id)}
    body = duty_feed(
        schedule=office_schedule(session=db.session, office=office),
        names=names,
        office_name=office.name,
        now=now,
        today=office_today(office, now),
        only=None if kind == "office" else record.id,
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
