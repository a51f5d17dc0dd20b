"""The franchise's list of offices, with today's figures (each office's own day)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from dispatcher.clock import local_time, utcnow
from dispatcher.dashboard.tables import today_row
from dispatcher.dashboard.views import EVERY_OFFICE
from dispatcher.models import Office
from dispatcher.unit_of_work import report_session

bp = Blueprint("franchise", __name__)

# The figures added up for the whole franchise's line.
TOTALS = ("leads", "calls", "walk_ins", "named", "to_manager", "paged", "acknowledged", "missed")


@bp.route("/")
def offices():
    """Every office: its number, time zone and today's leads, pages and answers."""
    now = utcnow()
    rows = []
    with report_session() as session:
        for office in session.scalars(select(Office).order_by(Office.name, Office.id)):
            today = local_time(now, office.timezone).date()
            rows.append(
                {
                    "office": office,
                    "today": today,
                    "figures": today_row(session=session, office=office, today=today),
                }
            )
        total = {key: sum(row["figures"][key] for row in rows) for key in TOTALS}
        return render_template("franchise.html", rows=rows, total=total, every_office=EVERY_OFFICE)
