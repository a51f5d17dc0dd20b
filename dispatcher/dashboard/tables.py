"""The dashboard's tables as rows of plain values. The page, its JSON and the CSV export
all read these, so the three always agree.

Rates are fractions (0.953), durations seconds; None where there is nothing to measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.orm import Session

from dispatcher.clock import local_time
from dispatcher.dashboard import figures, reached
from dispatcher.dashboard.period import Period, period_for
from dispatcher.language import N_
from dispatcher.models import LEAD_KINDS

# The database numbers weekdays from Sunday (0); the office reads them from Monday.
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (key, label)
    rows: Iterable[dict]

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "columns": [{"key": key, "label": label} for key, label in self.columns],
            "rows": list(self.rows),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


SALESPEOPLE_COLUMNS = (
    ("salesperson_id", N_("Id")),
    ("name", N_("Salesperson")),
    ("paged", N_("Paged")),
    ("acknowledged", N_("Acknowledged")),
    ("missed", N_("Missed")),
    ("declined", N_("Declined")),
    ("failed", N_("Failed")),
    ("reassigned_away", N_("Reassigned away")),
    ("still_open", N_("Still open")),
    ("acknowledgement_rate", N_("Acknowledgement rate")),
    ("response_median", N_("Page to ack, median (s)")),
    ("response_p90", N_("Page to ack, 90th percentile (s)")),
    ("outcome_median", N_("Ack to outcome, median (s)")),
    ("outcome_p90", N_("Ack to outcome, 90th percentile (s)")),
)


def salespeople_table(people: list[figures.SalespersonFigures]) -> Table:
    rows = []
    for person in people:
        rate = person.acknowledgement_rate
        rows.append(
            {
                "salesperson_id": person.salesperson_id,
                "name": person.name,
                "paged": person.paged,
                "acknowledged": person.acknowledged,
                "missed": person.missed,
                "declined": person.declined,
                "failed": person.failed,
                "reassigned_away": person.reassigned_away,
                "still_open": person.still_open,
                "acknowledgement_rate": None if rate is None else round(rate, 4),
                "response_median": person.response.median,
                "response_p90": person.response.p90,
                "outcome_median": person.outcome.median,
                "outcome_p90": person.outcome.p90,
            }
        )
    return Table("salespeople", "Salespeople", SALESPEOPLE_COLUMNS, rows)


REACHED_COLUMNS = (
    ("salesperson_id", N_("Id")),
    ("name", N_("Salesperson")),
    ("acknowledged", N_("Acknowledged")),
    ("reached", N_("Client reached")),
    ("never_reached_rate", N_("Acknowledged, never reached")),
    ("reached_median", N_("Page to client reached, median (s)")),
    ("reached_p90", N_("Page to client reached, 90th percentile (s)")),
)


def reached_table(*, session: Session, scopes: list[tuple[int, Period]]) -> Table:
    """Page to a verified contact (dispatcher/dashboard/reached.py), beside page to ack."""
    people = reached.reached_by_salesperson(session=session, scopes=scopes)
    return Table("reached", "Client reached", REACHED_COLUMNS, reached.by_salesperson_rows(people))


def _channel_counts(cells: Iterable[figures.CallCell], key) -> dict:
    counts: dict = {}
    for cell in cells:
        entry = counts.setdefault(key(cell), {"calls": 0, "walk_ins": 0})
        entry["walk_ins" if cell.channel == "walk_in" else "calls"] += cell.leads
    return counts


_BY_CHANNEL = (("calls", N_("Calls")), ("walk_ins", N_("Walk-ins")), ("leads", N_("All")))


def hours_table(cells: list[figures.CallCell]) -> Table:
    counts = _channel_counts(cells, lambda cell: cell.hour)
    rows = []
    for hour in range(24):
        entry = counts.get(hour, {"calls": 0, "walk_ins": 0})
        rows.append({"hour": f"{hour:02d}:00", **entry, "leads": sum(entry.values())})
    return Table("hours", "By hour of day", (("hour", N_("Hour")), *_BY_CHANNEL), rows)


def weekdays_table(cells: list[figures.CallCell]) -> Table:
    # Sunday (0) becomes 6: the week starts on Monday.
    counts = _channel_counts(cells, lambda cell: (cell.weekday + 6) % 7)
    rows = []
    for index, name in enumerate(WEEKDAYS):
        entry = counts.get(index, {"calls": 0, "walk_ins": 0})
        rows.append({"weekday": name, **entry, "leads": sum(entry.values())})
    return Table("weekdays", "By weekday", (("weekday", N_("Weekday")), *_BY_CHANNEL), rows)


def kinds_table(cells: list[figures.CallCell]) -> Table:
    totals = {kind: [0, 0, 0] for kind in LEAD_KINDS}
    for cell in cells:
        entry = totals.setdefault(cell.kind, [0, 0, 0])
        entry[0] += cell.leads
        entry[1] += cell.named
        entry[2] += cell.to_manager
    rows = [
        {
            "kind": kind,
            "leads": leads,
            "named": named,
            "capture_rate": _rate(named, leads),
            "to_manager": to_manager,
        }
        for kind, (leads, named, to_manager) in totals.items()
    ]
    columns = (
        ("kind", N_("Kind")),
        ("leads", N_("Leads")),
        ("named", N_("Name recorded")),
        ("capture_rate", N_("Capture rate")),
        ("to_manager", N_("Left to the manager")),
    )
    return Table("kinds", "By kind", columns, rows)


def summary_table(cells: list[figures.CallCell]) -> Table:
    """The range in one row; capture rate: name and number recorded (the number always
    is, so it is the share with a name). Offices that work this way aim for 95-99%."""
    leads = sum(cell.leads for cell in cells)
    named = sum(cell.named for cell in cells)
    walk_ins = sum(cell.leads for cell in cells if cell.channel == "walk_in")
    row = {
        "leads": leads,
        "calls": leads - walk_ins,
        "walk_ins": walk_ins,
        "named": named,
        "capture_rate": _rate(named, leads),
        "to_manager": sum(cell.to_manager for cell in cells),
    }
    columns = (
        ("leads", N_("Leads")),
        ("calls", N_("Calls")),
        ("walk_ins", N_("Walk-ins")),
        ("named", N_("Name and number recorded")),
        ("capture_rate", N_("Capture rate")),
        ("to_manager", N_("Left to the manager")),
    )
    return Table("summary", "Summary", columns, [row])


def sources_table(rows: list[figures.SourceRow]) -> Table:
    columns = (
        ("source", N_("What brought them")),
        ("leads", N_("Leads")),
        ("named", N_("Name recorded")),
        ("capture_rate", N_("Capture rate")),
    )
    return Table(
        "sources",
        "By source",
        columns,
        [
            {
                "source": row.source or N_("(not recorded)"),
                "leads": row.leads,
                "named": row.named,
                "capture_rate": _rate(row.named, row.leads),
            }
            for row in rows
        ],
    )


def listings_table(rows: list[figures.ListingRow]) -> Table:
    columns = (("listing", N_("Listing")), ("address", N_("Address")), ("leads", N_("Leads")))
    return Table(
        "listings",
        "By listing",
        columns,
        [
            {
                "listing": row.reference or N_("(no listing named)"),
                "address": row.address,
                "leads": row.leads,
            }
            for row in rows
        ],
    )


def outcomes_table(counts: list[tuple[str, int]]) -> Table:
    total = sum(count for _, count in counts)
    rows = [
        {"outcome": value.replace("_", " "), "leads": count, "share": _rate(count, total)}
        for value, count in counts
    ]
    columns = (("outcome", N_("Outcome")), ("leads", N_("Leads")), ("share", N_("Share")))
    return Table("outcomes", "Outcomes", columns, rows)


LEAD_COLUMNS = (
    ("lead_id", N_("Lead")),
    ("logged_at", N_("Logged (office time)")),
    ("channel", N_("Channel")),
    ("kind", N_("Kind")),
    ("source", N_("Source")),
    ("listing", N_("Listing")),
    ("state", N_("State")),
    ("named", N_("Name recorded")),
    ("pages", N_("Pages")),
    ("last_salesperson", N_("Last paged")),
    ("last_page_state", N_("Last page")),
)


def leads_table(lines: Iterable[figures.LeadLine], timezone: str, title: str) -> Table:
    """Leads without the caller's name or number: the export may travel."""

    def rows():
        for line in lines:
            yield {
                "lead_id": line.lead_id,
                "logged_at": local_time(line.created_at, timezone).strftime("%Y-%m-%d %H:%M:%S"),
                "channel": line.channel,
                "kind": line.kind,
                "source": line.source,
                "listing": line.listing,
                "state": line.state,
                "named": line.named,
                "pages": line.pages,
                "last_salesperson": line.last_salesperson or ("the manager" if line.pages else ""),
                "last_page_state": line.last_page_state,
            }

    return Table("leads", title, LEAD_COLUMNS, rows())


CSV_TABLES = (
    "summary",
    "salespeople",
    "hours",
    "weekdays",
    "kinds",
    "sources",
    "listings",
    "outcomes",
    "reached",
    "leads",
)


def one_table(name: str, *, session: Session, office_id: int, period: Period) -> Table:
    """One table for the CSV export; the leads table is every lead of the range, read
    as it is written out."""
    scope = {"session": session, "office_id": office_id, "period": period}
    if name == "leads":
        return leads_table(figures.all_lead_lines(**scope), period.timezone, "Leads")
    if name == "reached":
        return reached_table(session=session, scopes=[(office_id, period)])
    if name not in CSV_TABLES:
        raise KeyError(name)
    return _figure_tables(figures.office_figures(**scope))[name]


def _figure_tables(office: figures.OfficeFigures) -> dict[str, Table]:
    tables = [
        summary_table(office.cells),
        salespeople_table(office.salespeople),
        hours_table(office.cells),
        weekdays_table(office.cells),
        kinds_table(office.cells),
        sources_table(office.sources),
        listings_table(office.listings),
        outcomes_table(office.outcomes),
    ]
    return {table.name: table for table in tables}


def all_tables(
    *, session: Session, office_id: int, period: Period, salesperson_id: int | None = None
) -> dict[str, Table]:
    """Everything the page shows; ``leads`` is the latest 50 (of one salesperson)."""
    scope = {"session": session, "office_id": office_id, "period": period}
    tables = _figure_tables(figures.office_figures(**scope))
    tables["reached"] = reached_table(session=session, scopes=[(office_id, period)])
    recent = figures.recent_leads(**scope, salesperson_id=salesperson_id)
    latest = leads_table(recent, period.timezone, "Latest leads")
    # Read twice (the page's table and its JSON): a list, not the export's generator.
    tables["leads"] = replace(latest, rows=list(latest.rows))
    return tables


def franchise_tables(
    *, session: Session, offices: list, first_day: date, last_day: date
) -> dict[str, Table]:
    """The figures of several offices added up, for the same calendar days, each office's
    days in its own time zone. No leads table: a lead is opened in its office."""
    each = [
        (
            office.name,
            figures.office_figures(
                session=session,
                office_id=office.id,
                period=period_for(first_day, last_day, office.timezone),
            ),
        )
        for office in offices
    ]
    tables = _figure_tables(figures.summed(each))
    tables["reached"] = reached_table(
        session=session,
        scopes=[
            (office.id, period_for(first_day, last_day, office.timezone)) for office in offices
        ],
    )
    tables["leads"] = Table("leads", "Latest leads", LEAD_COLUMNS, [])
    return tables


def today_row(*, session: Session, office, today: date) -> dict:
    """One office's figures for one of its days: the summary's row with the pages'."""
    office_figures = figures.office_figures(
        session=session, office_id=office.id, period=period_for(today, today, office.timezone)
    )
    row = dict(next(iter(summary_table(office_figures.cells).rows)))
    for key in ("paged", "acknowledged", "missed", "declined", "still_open"):
        row[key] = sum(getattr(person, key) for person in office_figures.salespeople)
    return row
