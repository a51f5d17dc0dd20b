"""Issue 15, item 6: the coordinator's console lists today's leads in every state with
the caller, how they came, who has the lead and where it stands; the *Asked for* list
says where each salesperson is; a known caller's name comes back with the look-up."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.stubs import close_stub, log_call_stub
from dispatcher.leads.today import start_of_office_day, todays_leads
from dispatcher.pages import service as pages
from tests.factories import new_lead, person


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_the_office_day_starts_at_midnight_in_the_offices_own_zone():
    # 03:30 UTC on 24 Nov is 22:30 on the 23rd in New York: the day began at 05:00 UTC.
    now = datetime(2026, 11, 24, 3, 30)
    assert start_of_office_day(now, "America/New_York") == datetime(2026, 11, 23, 5, 0)
    # ... and 16:30 on the 24th in Auckland, whose day began at 11:00 UTC on the 23rd.
    assert start_of_office_day(now, "Pacific/Auckland") == datetime(2026, 11, 23, 11, 0)


def test_todays_leads_are_those_of_the_office_day_in_every_state(office):
    office.timezone = "America/New_York"
    now = datetime(2026, 11, 24, 3, 30)  # 22:30 office time
    yesterday = new_lead(office, now=datetime(2026, 11, 23, 4, 59), caller_phone="202-555-0111")
    taken = new_lead(office, now=datetime(2026, 11, 23, 5, 0), caller_phone="202-555-0112")
    pages.acknowledge_page(
        session=db.session, page_id=taken.assignments[-1].page.id, now=now, by="sms"
    )
    stub = log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550113", now=now, detail="call"
    )
    closed = log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550114", now=now, detail="call"
    )
    close_stub(session=db.session, lead=closed, actor="coordinator", now=now)
    db.session.commit()

    listed = todays_leads(session=db.session, office=office, now=now)

    assert [lead.id for lead in listed] == [closed.id, stub.id, taken.id]
    assert yesterday not in listed


def test_the_console_lists_todays_leads_with_caller_channel_who_and_state(coordinator, office):
    now = utcnow()
    walk_in = new_lead(
        office, now=now, caller_name="Zebulon Quill", listing="L-1001", channel="walk_in"
    )
    stub = log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550113", now=now, detail="call"
    )
    db.session.commit()

    html = text(coordinator.get("/"))
    part = text(coordinator.get("/today"))

    assert 'id="today" data-refresh="/today"' in html
    assert 'id="today-search"' in html
    row = re.search(rf'<tr data-today="{walk_in.id}"[^>]*>(.*?)</tr>', part, re.S)
    assert row, part
    assert 'data-name="zebulon quill" data-phone="12025550188"' in part
    cells = [
        re.sub(r"<[^>]+>", " ", cell).split()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells[2] == ["Zebulon", "Quill", "+12025550188"]
    assert cells[3:] == [["walk-in"], ["Alice", "Chen"], ["paged,", "waiting"]]
    stub_row = re.search(rf'<tr data-today="{stub.id}"[^>]*>(.*?)</tr>', part, re.S).group(1)
    assert "no name given" in stub_row and "to complete" in stub_row
    assert "walk_in" not in part and ">stub<" not in part


def test_the_search_box_sends_nothing_anywhere(coordinator, office):
    """The filter runs in the page: the box is in no form, so no number typed in it
    can end up in a URL or an access log (issue 13)."""
    html = text(coordinator.get("/"))
    before_box = html[: html.index('id="today-search"')]
    assert before_box.count("<form") == before_box.count("</form>")


def test_the_asked_for_list_says_where_each_salesperson_is(coordinator, office):
    bruno = person("Bruno Diaz")
    bruno.status = "off_shift"
    person("Carmen Ortiz").status = "errand"
    db.session.commit()

    html = text(coordinator.get("/"))

    assert f'<option value="{bruno.id}" >Bruno Diaz (off shift)</option>' in html
    assert "Carmen Ortiz (on an errand)" in html
    assert "Alice Chen (in office)" in html


def test_the_look_up_gives_the_name_the_caller_gave_last_time(coordinator, office):
    new_lead(office, now=utcnow() - timedelta(days=3), caller_name="Zebulon Quill")
    new_lead(office, now=utcnow() - timedelta(days=1), caller_name="")  # gave no name
    db.session.commit()

    found = coordinator.post("/callers/lookup", json={"phone": "(202) 555-0188"}).get_json()
    unknown = coordinator.post("/callers/lookup", json={"phone": "(202) 555-0199"}).get_json()

    assert found["name"] == "Zebulon Quill" and found["previous_leads"] == 2
    assert unknown["name"] == "" and unknown["known"] is False
