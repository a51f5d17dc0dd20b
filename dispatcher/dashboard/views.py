"""The manager's dashboard (C11): for a range of days, who got the calls and how fast
they answered, and where the calls came from. The same figures as a page with charts, as
JSON (the charts' data) and as CSV, one table at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    jsonify,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from dispatcher.clock import local_time, utcnow
from dispatcher.dashboard.period import DEFAULT_DAYS, Period, parse_period
from dispatcher.dashboard.tables import (
    CSV_TABLES,
    WEEKDAYS,
    Table,
    all_tables,
    franchise_tables,
    one_table,
)
from dispatcher.extensions import db
from dispatcher.invalid_input import InvalidInput
from dispatcher.language import N_
from dispatcher.models import Office, Role, Salesperson
from dispatcher.office.current import office_of_request
from dispatcher.text import ascii_whole_number
from dispatcher.unit_of_work import report_session
from dispatcher.words import KINDS

bp = Blueprint("dashboard", __name__)


# ?office=all: every office added up (the franchise's dashboard).
EVERY_OFFICE = "all"


@dataclass(frozen=True)
class WholeFranchise:
    """Every office as one, where the dashboard names an office."""

    timezone: str  # whose calendar the range is typed in: the user's own office's
    id: str = EVERY_OFFICE
    name: str = "All offices"


@dataclass(frozen=True)
class Scope:
    """What the manager asked to see: an office (or every office), a range of days,
    maybe one salesperson."""

    office: Office | WholeFranchise
    offices: list[Office]
    period: Period
    salesperson: Salesperson | None

    @property
    def whole_franchise(self) -> bool:
        return isinstance(self.office, WholeFranchise)


def sees_every_office() -> bool:
    """A manager sees their own office; an admin and the franchise look across offices."""
    return current_user.role in (Role.ADMIN, Role.FRANCHISE)


def _scope() -> Scope:
    """The office, range and salesperson from the query string; InvalidInput naming
    each bad field."""
    errors: dict[str, str] = {}
    home = office_of_request()
    offices = (
        list(db.session.scalars(select(Office).order_by(Office.id)))
        if sees_every_office()
        else [home]
    )
    office: Office | WholeFranchise = home
    office_text = request.args.get("office", "").strip()
    if office_text == EVERY_OFFICE and sees_every_office():
        office = WholeFranchise(timezone=home.timezone)
    elif office_text:
        office = next((o for o in offices if str(o.id) == office_text), None)
        if office is None:
            errors["office"] = gettext(
                "There is no office %(office)s: choose one from the list.",
                office=repr(office_text[:20]),
            )
            office = home
    timezone = office.timezone
    period = None
    try:
        period = parse_period(
            request.args.get("from"),
            request.args.get("to"),
            today=local_time(utcnow(), timezone).date(),
            timezone=timezone,
        )
    except InvalidInput as error:
        errors.update(error.errors)
    salesperson = None
    salesperson_text = request.args.get("salesperson", "").strip()
    if salesperson_text:
        salesperson_id = ascii_whole_number(salesperson_text, max_digits=9)
        if salesperson_id is not None:
            salesperson = db.session.get(Salesperson, salesperson_id)
        if salesperson is None or salesperson.office_id != office.id:
            errors["salesperson"] = gettext("No such salesperson in this office.")
            salesperson = None
    if errors:
        raise InvalidInput(errors)
    return Scope(office=office, offices=offices, period=period, salesperson=salesperson)


def _query_args(scope: Scope, **extra) -> dict:
    """The scope as query arguments, for the page's links."""
    args = {
        "from": scope.period.first_day.isoformat(),
        "to": scope.period.last_day.isoformat(),
        "office": scope.office.id,
    }
    return {**args, **extra}


def _payload(scope: Scope, tables: dict[str, Table]) -> dict:
    """The JSON the charts are drawn from (also /manager/dashboard.json)."""
    return {
        "office": {"id": scope.office.id, "name": scope.office.name},
        "from": scope.period.first_day.isoformat(),
        "to": scope.period.last_day.isoformat(),
        "timezone": scope.period.timezone,
        "days": scope.period.days,
        "salesperson_id": scope.salesperson.id if scope.salesperson else None,
        "tables": {name: table.as_json() for name, table in tables.items()},
    }


def _compute(scope: Scope) -> dict[str, Table]:
    with report_session() as session:
        if scope.whole_franchise:
            return franchise_tables(
                session=session,
                offices=scope.offices,
                first_day=scope.period.first_day,
                last_day=scope.period.last_day,
            )
        return all_tables(
            session=session,
            office_id=scope.office.id,
            period=scope.period,
            salesperson_id=scope.salesperson.id if scope.salesperson else None,
        )


# The words dashboard.js writes on its charts. The charts' data is the JSON export's, in
# English codes and words; the page gives the script these, in the office's language.
CHART_WORDS = (
    N_("Nothing in this range."),
    N_("median"),
    N_("90th percentile"),
    N_("Calls"),
    N_("Walk-ins"),
    N_("Page to acknowledgement by salesperson"),
    N_("Leads by hour of day"),
    N_("Leads by weekday"),
    N_("Leads by kind"),
    N_("Leads by source"),
    N_("Leads by listing"),
    N_("All salespeople"),
    N_("(not recorded)"),
    N_("(no listing named)"),
    # A duration's units (seconds, minutes, hours).
    N_("s"),
    N_("min"),
    N_("h"),
    *WEEKDAYS,
    *KINDS.values(),
)


def _chart_words() -> dict[str, str]:
    """English word -> the office's, for the charts (a kind by its code)."""
    words = {english: gettext(english) for english in CHART_WORDS}
    words.update({code: gettext(english) for code, english in KINDS.items()})
    return words


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _duration(seconds: float | None) -> str:
    """Seconds in the words a manager reads: 45 s, 3 min 05 s, 2 h 10 min."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return gettext("%(s)s s", s=whole)
    if whole < 3600:
        return gettext("%(min)s min %(s)s s", min=whole // 60, s=f"{whole % 60:02d}")
    if whole < 86400:
        return gettext("%(h)s h %(min)s min", h=whole // 3600, min=f"{whole % 3600 // 60:02d}")
    return gettext("%(d)s d %(h)s h", d=whole // 86400, h=whole % 86400 // 3600)


@bp.route("/dashboard")
def page():
    try:
        scope = _scope()
    except InvalidInput as error:
        return render_template(
            "dashboard.html",
            errors=error.errors,
            form=request.args,
            offices=_offices_to_choose(),
            default_days=DEFAULT_DAYS,
            **_viewer(),
        ), 400
    tables = _compute(scope)
    return render_template(
        "dashboard.html",
        errors={},
        form=_query_args(scope),
        offices=scope.offices,
        scope=scope,
        tables=tables,
        data=_payload(scope, tables),
        chart_words=_chart_words(),
        csv_tables=CSV_TABLES,
        query_args=_query_args,
        percent=_percent,
        duration=_duration,
        default_days=DEFAULT_DAYS,
        **_viewer(),
    )


def _viewer() -> dict:
    """What the page offers this user: every office summed (admin, franchise), links to
    the leads (not for the franchise, who opens no lead)."""
    return {
        "every_office": EVERY_OFFICE if sees_every_office() else None,
        "opens_leads": current_user.role != Role.FRANCHISE,
    }


def _offices_to_choose() -> list[Office]:
    """The offices the form's list offers: every one, or the user's own."""
    if sees_every_office():
        return list(db.session.scalars(select(Office).order_by(Office.id)))
    return [office_of_request()]


@bp.route("/dashboard.json")
def data():
    try:
        scope = _scope()
    except InvalidInput as error:
        return jsonify({"error": "Bad dashboard request.", "errors": error.errors}), 400
    return jsonify(_payload(scope, _compute(scope)))


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # A spreadsheet runs a cell that starts like a formula: sources are typed by people.
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@bp.route("/dashboard.csv")
def export():
    """One table as CSV: ?table=salespeople (or summary, hours, ...) and the range."""
    errors: dict[str, str] = {}
    name = request.args.get("table", "").strip()
    if name not in CSV_TABLES:
        errors["table"] = f"Choose a table: {', '.join(CSV_TABLES)}."
    try:
        scope = _scope()
    except InvalidInput as error:
        errors.update(error.errors)
    else:
        if scope.whole_franchise and name == "leads":
            errors["table"] = "The leads are listed office by office: choose an office."
    if errors:
        text = "".join(f"{field}: {message}\n" for field, message in errors.items())
        return Response(text, status=400, mimetype="text/plain")
    filename = (
        f"dashboard-{name}-{scope.period.first_day.isoformat()}-"
        f"{scope.period.last_day.isoformat()}.csv"
    )
    office_id, period = scope.office.id, scope.period
    whole = scope.whole_franchise and scope.offices

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        with report_session() as session:
            if whole:
                table = franchise_tables(
                    session=session,
                    offices=whole,
                    first_day=period.first_day,
                    last_day=period.last_day,
                )[name]
            else:
                table = one_table(name, session=session, office_id=office_id, period=period)
            writer.writerow([label for _, label in table.columns])
            for count, row in enumerate(table.rows, 1):
                writer.writerow([_csv_value(row[key]) for key, _ in table.columns])
                if count % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
