"""Item 3 on the dashboard: beside page -> acknowledged, page -> client reached (median,
90th percentile per salesperson) and the share of acknowledged leads never reached,
from contacts recorded as the Dial's webhook records them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from dispatcher.calls.contact import record_dial
from dispatcher.extensions import db
from dispatcher.models import PlacedCall
from dispatcher.sms.outbox import new_sid
from tests.factories import acknowledged, new_lead, person

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
MONDAY = datetime(2026, 11, 23, 15, 0)


def reached(lead, name: str, at: datetime, seconds: int) -> None:
    """A call-back through the office's number that ended at ``at``, ``seconds`` long."""
    call = PlacedCall(
        office_id=lead.office_id,
        lead_id=lead.id,
        salesperson_id=person(name).id,
        kind="callback",
        call_sid=new_sid("CA"),
        created_at=at - timedelta(seconds=seconds + 5),
    )
    db.session.add(call)
    db.session.flush()
    record_dial(
        session=db.session,
        call_id=call.id,
        call_sid=call.call_sid,
        dial_status="completed",
        seconds=seconds,
        now=at,
        min_seconds=20,
    )


def lead_for(office, name: str, at: datetime, number: int):
    lead = new_lead(
        office, now=at, caller_phone=f"202-555-{number:04d}", asked_for_id=person(name).id
    )
    acknowledged(lead, at, after=30)
    return lead


def test_page_to_client_reached_and_the_share_never_reached(manager, office):
    # Alice: reached 2, 4 and 10 minutes after the page (the call's start), one never.
    for index, minutes in enumerate((2, 4, 10, None)):
        at = MONDAY + timedelta(hours=index)
        lead = lead_for(office, "Alice Chen", at, 100 + index)
        if minutes is not None:
            reached(lead, "Alice Chen", at + timedelta(minutes=minutes, seconds=60), 60)
    # Bruno: one call that was too short, so never reached.
    short = lead_for(office, "Bruno Diaz", MONDAY + timedelta(days=1), 200)
    reached(short, "Bruno Diaz", MONDAY + timedelta(days=1, minutes=3), 12)
    db.session.commit()

    data = manager.get("/manager/dashboard.json", query_string=NOVEMBER).get_json()
    rows = {row["name"]: row for row in data["tables"]["reached"]["rows"]}

    alice = rows["Alice Chen"]
    assert (alice["acknowledged"], alice["reached"], alice["never_reached_rate"]) == (4, 3, 0.25)
    assert (alice["reached_median"], alice["reached_p90"]) == (240.0, 528.0)
    bruno = rows["Bruno Diaz"]
    assert (bruno["reached"], bruno["never_reached_rate"], bruno["reached_median"]) == (
        0,
        1.0,
        None,
    )
    everyone = rows["All salespeople"]
    assert (everyone["acknowledged"], everyone["reached"], everyone["never_reached_rate"]) == (
        5,
        3,
        0.4,
    )
    html = manager.get("/manager/dashboard", query_string=NOVEMBER).get_data(as_text=True)
    assert "Client reached" in html and "4 min" in html and "25.0%" in html

    exported = manager.get(
        "/manager/dashboard.csv", query_string={**NOVEMBER, "table": "reached"}
    ).get_data(as_text=True)
    assert [row["Salesperson"] for row in csv.DictReader(io.StringIO(exported))] == [
        "Alice Chen",
        "Bruno Diaz",
        "All salespeople",
    ]
