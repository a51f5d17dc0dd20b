"""Issue #15 item 4: the manager's hand on a lead, through the views. A lead left to the
manager is pinned on the board with its actions; the manager (or the coordinator for
them) gives it to a salesperson, closes it with a reason, reopens it; every action is
on the timeline with who and when, and the salesperson whose open page is moved is told.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select, update

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import manager_hand
from dispatcher.leads.service import current_page
from dispatcher.models import (
    Assignment,
    Lead,
    LeadEvent,
    ManagerMessage,
    Notice,
    Page,
    RotationPointer,
    Salesperson,
)
from dispatcher.pages import service as pages
from dispatcher.queue import queue
from tests.conftest import sign_in
from tests.factories import new_lead, page_out, person

MANAGER_MOBILE = "+12025550199"  # the demo office's


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def missed(lead: Lead, now) -> Page:
    """The lead's page goes out at ``now`` and its deadline passes unanswered."""
    page = page_out(current_page(session=db.session, lead_id=lead.id), now)
    outcome = pages.handle_deadline(
        session=db.session,
        page_id=page.id,
        now=page.deadline_at + timedelta(seconds=1),
        deadline_seconds=300,
    )
    assert outcome.action == "reassigned"
    return page


def waiting_for_the_manager(office) -> Lead:
    """A caller asked for Bruno, who did not answer: the manager decides (C3)."""
    now = utcnow() - timedelta(minutes=10)
    lead = new_lead(office, now=now, asked_for_id=person("Bruno Diaz").id)
    missed(lead, now)
    db.session.commit()
    assert lead.state == "manager"
    return lead


def paged_to_alice(office, *, sent: bool = True) -> tuple[Lead, Page]:
    # Another caller than the one who named Bruno (O4 made that caller Bruno's client).
    lead = new_lead(office, now=utcnow(), listing="L-1001", caller_phone="+12025550142")
    page = current_page(session=db.session, lead_id=lead.id)
    if sent:
        page_out(page, utcnow())
    db.session.commit()
    assert page.salesperson.name == "Alice Chen"
    return lead, page


def timeline(lead_id: int) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [
        (e.kind, e.detail, e.actor)
        for e in db.session.scalars(
            select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
        )
    ]


def reload(lead: Lead) -> Lead:
    db.session.expire_all()
    return db.session.get(Lead, lead.id)


def board_row(html: str, lead_id: int) -> str:
    match = re.search(rf'<tr data-lead="{lead_id}">(.*?)</tr>', html, re.S)
    assert match, f"lead {lead_id} is not on the board"
    return match.group(1)


def hand_row(html: str, lead_id: int) -> str:
    match = re.search(rf'<tr class="hand" data-hand="{lead_id}">(.*?)</tr>', html, re.S)
    assert match, f"lead {lead_id} has no actions on the board"
    return match.group(1)


# -- the board and the manager's SMS ----------------------------------------------------


def test_a_lead_left_to_the_manager_is_pinned_above_newer_leads_with_its_actions(client, office):
    waiting = waiting_for_the_manager(office)
    newer, _page = paged_to_alice(office)

    html = text(sign_in(client, "manager").get("/board"))

    assert html.index(f'data-lead="{waiting.id}"') < html.index(f'data-lead="{newer.id}"')
    row = board_row(html, waiting.id)
    assert "Bruno Diaz was asked for by name and did not answer: the manager decides" in row
    actions = hand_row(html, waiting.id)
    assert f"Give Ref {waiting.id} to" in actions and "Assign and page" in actions
    assert f"Close Ref {waiting.id} because" in actions
    # Only active salespeople reachable by SMS are offered.
    assert "Alice Chen" in actions and "Grace Liu" in actions
    # A lead with a page out has no such row: its salesperson has it.
    assert f'data-hand="{newer.id}"' not in html


def test_the_manager_s_sms_says_why_and_links_to_the_lead(app, office):
    app.config["PUBLIC_BASE_URL"] = "https://dispatch.example/"
    asked = waiting_for_the_manager(office)
    for person_row in db.session.scalars(select(Salesperson)):
        person_row.status = "off_shift"
    db.session.flush()
    nobody = new_lead(office, now=utcnow())
    db.session.commit()

    to_manager = {
        page.lead_id: page.body
        for page in db.session.scalars(select(Page).where(Page.to_number == MANAGER_MOBILE))
    }
    assert to_manager[asked.id] == (
        f"Client call Ref {asked.id}: caller asked for Bruno Diaz, who did not answer. "
        f"Decide at https://dispatch.example/leads/{asked.id}"
    )
    assert to_manager[nobody.id] == (
        f"Client call Ref {nobody.id}: nobody left to page. "
        f"Decide at https://dispatch.example/leads/{nobody.id}"
    )


def test_without_a_public_address_the_manager_s_sms_has_no_link(office):
    lead = waiting_for_the_manager(office)
    body = db.session.scalar(select(Page.body).where(Page.to_number == MANAGER_MOBILE))
    assert body == (
        f"Client call Ref {lead.id}: caller asked for Bruno Diaz, who did not answer. "
        "Please call the office."
    )


# -- assign -------------------------------------------------------------------------------


def test_the_manager_assigns_a_waiting_lead_from_the_board(manager, office, settings):
    lead = waiting_for_the_manager(office)
    erin = person("Erin Walsh")
    pointers = sorted(
        db.session.execute(select(RotationPointer.pool, RotationPointer.salesperson_id))
    )
    before = utcnow()

    response = manager.post(
        f"/leads/{lead.id}/assign", data={"salesperson": erin.id, "back": "board"}
    )

    assert response.status_code == 302 and response.headers["Location"] == "/"
    lead = reload(lead)
    assert lead.state == "open"
    page = current_page(session=db.session, lead_id=lead.id)
    assert (page.salesperson_id, page.state, page.to_number) == (erin.id, "open", erin.mobile)
    deadline = (page.deadline_at - page.created_at).total_seconds()
    assert deadline == settings["ACK_DEADLINE_SECONDS"] and page.created_at >= before
    assert f"send-{page.id}-0" in queue().get_job_ids()  # the usual page path, after commit
    assignment = lead.assignments[-1]
    assert (assignment.rule, assignment.reason) == ("assigned", "Assigned by manager")
    assert assignment.inputs is None and assignment.manager_decides_on_miss
    assert timeline(lead.id)[-1] == ("assigned", "Given to Erin Walsh by hand", "manager")
    # The manager's choice is no rotation turn.
    now_pointers = sorted(
        db.session.execute(select(RotationPointer.pool, RotationPointer.salesperson_id))
    )
    assert now_pointers == pointers

    html = text(manager.get("/"))
    assert f"Ref {lead.id} given to Erin Walsh: paged." in html
    assert "Assigned by manager" in board_row(html, lead.id)
    assert f'data-hand="{lead.id}"' not in html
    page_html = text(manager.get(f"/leads/{lead.id}"))
    assert "Assigned by manager" in page_html


def test_the_coordinator_assigns_for_the_manager_and_the_timeline_says_so(coordinator, office):
    lead = waiting_for_the_manager(office)

    response = coordinator.post(
        f"/leads/{lead.id}/assign", data={"salesperson": person("Erin Walsh").id}
    )

    assert response.headers["Location"] == f"/leads/{lead.id}"
    lead = reload(lead)
    assert lead.assignments[-1].reason == "Assigned by coordinator for the manager"
    assert timeline(lead.id)[-1] == (
        "assigned",
        "Given to Erin Walsh by hand",
        "coordinator for the manager",
    )
    assert "Recorded on the timeline as done by you for the manager." in text(
        coordinator.get(f"/leads/{lead.id}")
    )


def test_moving_an_open_page_tells_its_salesperson_it_was_taken(client, office, settings):
    lead, alices = paged_to_alice(office)
    bruno = person("Bruno Diaz")
    manager = sign_in(client, "manager")

    manager.post(f"/leads/{lead.id}/assign", data={"salesperson": bruno.id})

    db.session.expire_all()
    assert db.session.get(Page, alices.id).state == "moved"
    assert current_page(session=db.session, lead_id=lead.id).salesperson_id == bruno.id
    notice = db.session.scalar(select(Notice).where(Notice.page_id == alices.id))
    assert notice.body.endswith("the manager gave the client to a colleague.")
    sms = db.session.scalar(
        select(ManagerMessage).where(ManagerMessage.to_number == person("Alice Chen").mobile)
    )
    assert re.fullmatch(
        rf"Ref {lead.id} went to a colleague at \d\d:\d\d: the manager moved it\. "
        r"A notice is in your mailbox\.",
        sms.body,
    )
    assert f"manager-message-{sms.id}" in queue().get_job_ids()
    kinds = [kind for kind, _detail, _actor in timeline(lead.id)]
    assert kinds[-2:] == ["moved", "assigned"]


def test_a_page_moved_before_it_went_out_tells_nobody(manager, office):
    lead, alices = paged_to_alice(office, sent=False)

    manager.post(f"/leads/{lead.id}/assign", data={"salesperson": person("Bruno Diaz").id})

    db.session.expire_all()
    assert db.session.get(Page, alices.id).state == "moved"
    assert db.session.scalar(select(Notice)) is None
    assert db.session.scalar(select(ManagerMessage)) is None


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("Alice Chen", "is already paged to Alice Chen."),
        ("inactive", "is not active: choose someone else."),
        ("opted out", "texted STOP: pages cannot reach them."),
        (9999, "No salesperson with id 9999."),
    ],
)
def test_an_assignment_that_cannot_be_is_refused_and_changes_nothing(manager, office, who, message):
    lead, alices = paged_to_alice(office)
    erin = person("Erin Walsh")
    if who == "inactive":
        erin.active = False
    if who == "opted out":
        erin.sms_opted_out = True
    db.session.commit()
    chosen = person(who).id if isinstance(who, str) and who[0].isupper() else erin.id
    chosen = who if isinstance(who, int) else chosen
    before = timeline(lead.id)

    response = manager.post(
        f"/leads/{lead.id}/assign", data={"salesperson": chosen}, follow_redirects=True
    )

    assert message in text(response)
    assert timeline(lead.id) == before
    assert db.session.get(Page, alices.id).state == "open"


def test_an_acknowledged_lead_is_not_given_by_hand(manager, office):
    lead, alices = paged_to_alice(office)
    pages.acknowledge_page(session=db.session, page_id=alices.id, now=utcnow(), by="sms")
    db.session.commit()

    response = manager.post(
        f"/leads/{lead.id}/assign",
        data={"salesperson": person("Bruno Diaz").id},
        follow_redirects=True,
    )

    assert f"Ref {lead.id} is acknowledged: it is its salesperson's now." in text(response)
    assert reload(lead).state == "acknowledged"


def test_a_lead_given_by_hand_and_missed_comes_back_to_the_manager(manager, office):
    lead = waiting_for_the_manager(office)
    manager.post(f"/leads/{lead.id}/assign", data={"salesperson": person("Erin Walsh").id})
    page = current_page(session=db.session, lead_id=lead.id)
    db.session.rollback()

    missed(reload(lead), utcnow())
    db.session.commit()

    lead = reload(lead)
    assert lead.state == "manager"
    assert lead.assignments[-1].reason == (
        "Erin Walsh, given the lead by hand, did not answer: the manager decides"
    )
    to_manager = db.session.scalars(
        select(Page.body).where(Page.to_number == MANAGER_MOBILE, Page.id > page.id)
    ).all()
    assert to_manager == [
        f"Client call Ref {lead.id}: Erin Walsh, to whom it was assigned, did not answer. "
        "Please call the office."
    ]


def test_two_hands_at_once_the_second_finds_the_lead_changed(office):
    lead = waiting_for_the_manager(office)
    # Someone else closed it after this hand read it.
    db.session.execute(
        update(Lead).where(Lead.id == lead.id).values(state="closed"),
        execution_options={"synchronize_session": False},
    )
    assert lead.state == "manager"  # as this hand read it

    with pytest.raises(manager_hand.NotNow, match="changed meanwhile"):
        manager_hand.assign_by_hand(
            session=db.session,
            lead=lead,
            salesperson_id=person("Erin Walsh").id,
            actor="manager",
            now=utcnow(),
            deadline_seconds=300,
        )
    db.session.rollback()
    assert db.session.scalar(select(Assignment).where(Assignment.rule == "assigned")) is None


# -- close and reopen ------------------------------------------------------------------


def test_close_with_a_reason_then_reopen_each_on_the_timeline(manager, office):
    lead = waiting_for_the_manager(office)

    refused = manager.post(
        f"/leads/{lead.id}/close", data={"reason": "  ", "back": "board"}, follow_redirects=True
    )
    assert f"Ref {lead.id}: Say why it is closed." in text(refused)
    assert reload(lead).state == "manager"

    manager.post(f"/leads/{lead.id}/close", data={"reason": "Duplicate of Ref 3"})
    assert reload(lead).state == "closed"
    assert f'data-lead="{lead.id}"' not in text(manager.get("/board"))
    closed_page = text(manager.get(f"/leads/{lead.id}"))
    assert "Closed: Duplicate of Ref 3" in closed_page and f"Reopen Ref {lead.id}" in closed_page
    assert "Assign and page" not in closed_page

    manager.post(f"/leads/{lead.id}/reopen")

    assert reload(lead).state == "manager"
    assert timeline(lead.id)[-2:] == [
        ("closed", "Closed: Duplicate of Ref 3", "manager"),
        ("reopened", "Reopened: waits for the manager", "manager"),
    ]
    assert f'data-hand="{lead.id}"' in text(manager.get("/board"))


def test_closing_an_open_lead_takes_the_page_back_and_says_so(manager, office):
    lead, alices = paged_to_alice(office)

    manager.post(f"/leads/{lead.id}/close", data={"reason": "Wrong number"})

    db.session.expire_all()
    assert db.session.get(Page, alices.id).state == "moved"
    assert reload(lead).state == "closed"
    sms = db.session.scalar(select(ManagerMessage))
    assert re.match(rf"Ref {lead.id} was taken back by the manager at \d\d:\d\d\.", sms.body)
    notice = db.session.scalar(select(Notice))
    assert notice.body.endswith("the manager took the client back.")


def test_a_call_closed_as_not_a_client_reopens_as_a_call_to_complete(coordinator, office):
    from dispatcher.leads import stubs

    stub = stubs.log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550177", now=utcnow(), detail="call"
    )
    stubs.close_stub(session=db.session, lead=stub, actor="coordinator", now=utcnow())
    db.session.commit()

    coordinator.post(f"/leads/{stub.id}/reopen", data={"back": "board"})

    assert reload(stub).state == "stub"
    assert timeline(stub.id)[-1] == (
        "reopened",
        "Reopened: waits to be completed",
        "coordinator for the manager",
    )


def test_an_open_lead_cannot_be_reopened(manager, office):
    lead, _page = paged_to_alice(office)
    response = manager.post(f"/leads/{lead.id}/reopen", follow_redirects=True)
    assert f"Ref {lead.id} is not closed." in text(response)


def test_the_late_ok_of_a_salesperson_whose_page_was_moved_says_so(manager, office):
    lead, _alices = paged_to_alice(office)
    manager.post(f"/leads/{lead.id}/assign", data={"salesperson": person("Bruno Diaz").id})

    # Alice answers the page that has gone, from her phone (the development phone posts
    # to the SMS webhook's code, signed).
    reply = manager.post(
        f"/dev/phone/{person('Alice Chen').id}", data={"body": "OK"}, follow_redirects=True
    )

    answer = text(reply)
    assert f"Ref {lead.id} went to a colleague at" in answer
    assert "the manager moved it" in answer
    assert current_page(session=db.session, lead_id=lead.id).state == "open"  # Bruno's still
