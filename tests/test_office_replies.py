"""Issue 18: calls and SMS find their office by the number they were sent to, and a
salesperson who works in two offices (one mobile, a salesperson in each) answers each
office's pages on that office's number: OK, OK <ref> and the bare-OK rule act on the
pages of the office texted, never on the other's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import InboundMessage, Lead, OutboxMessage, Page, PageState, Salesperson
from dispatcher.office.setup import create_office
from tests.factories import T0, new_lead, open_round_the_clock, page_out
from tests.webhook_helpers import ALICE, STRANGER, call_params, post_signed, reply_text, sms_params

pytestmark = pytest.mark.twilio

CENTURY, HARBOUR, THIRD = "+12025550100", "+12025550300", "+12025550400"


@pytest.fixture
def offices(office):
    """Century (the demo) and Harbour, each with its number; Alice Chen works in both."""
    office.phone_number = CENTURY
    harbour = create_office(
        session=db.session, name="Harbour Office", timezone="Asia/Hong_Kong",
        phone=HARBOUR, region="US",
    )  # fmt: skip
    open_round_the_clock(harbour)
    db.session.add(Salesperson(office_id=harbour.id, name="Alice Chen", mobile=ALICE))
    db.session.commit()
    return office, harbour


def open_page(office, **fields) -> Page:
    """A lead of the office paged (and sent) to its first in rotation: Alice in both."""
    lead = new_lead(office, **fields)
    page = page_out(lead, T0)
    db.session.commit()
    assert page.salesperson.mobile == ALICE
    return page


def text(client, body: str, to: str, sender: str = ALICE):
    response = post_signed(client, "/twilio/sms", sms_params(body, sender, To=to))
    assert response.status_code == 200, response.get_data(as_text=True)
    return reply_text(response)


def state(page: Page) -> str:
    db.session.expire_all()
    return db.session.get(Page, page.id).state


def test_a_bare_ok_takes_the_one_open_page_of_the_office_texted(client, offices):
    century, harbour = offices
    here, there = open_page(century), open_page(harbour)

    said = text(client, "OK", to=HARBOUR)

    assert f"Ref {there.lead_id} is yours" in said
    assert (state(here), state(there)) == (PageState.OPEN, PageState.ACKNOWLEDGED)


def test_with_two_open_in_the_office_texted_a_bare_ok_still_asks_which(client, offices):
    century, harbour = offices
    first, second = open_page(harbour), open_page(harbour)
    other = open_page(century)

    said = text(client, "OK", to=HARBOUR)

    assert f"Ref {first.lead_id} and Ref {second.lead_id}" in said
    assert f"Ref {other.lead_id}" not in said  # the other office's page is not theirs here
    assert {state(first), state(second), state(other)} == {PageState.OPEN}


def test_ok_with_the_other_offices_ref_acts_on_nothing(client, offices):
    century, harbour = offices
    here, there = open_page(century), open_page(harbour)

    said = text(client, f"OK {here.lead_id}", to=HARBOUR)
    passed = text(client, f"NO {here.lead_id}", to=HARBOUR)

    assert f"no open page with Ref {here.lead_id}" in said
    assert f"no open page with Ref {here.lead_id}" in passed
    assert (state(here), state(there)) == (PageState.OPEN, PageState.OPEN)
    assert f"Ref {here.lead_id} is yours" in text(client, f"OK {here.lead_id}", to=CENTURY)


def test_a_salesperson_of_one_office_is_a_stranger_on_the_others_number(client, offices):
    century, _harbour = offices
    page = open_page(century)
    bruno = "+12025550102"  # Century's only

    said = text(client, "OK", to=HARBOUR, sender=bruno)

    assert "does not read texts" in said
    assert state(page) == PageState.OPEN


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/twilio/sms", sms_params("OK", ALICE, To=THIRD)),
        ("/twilio/voice", call_params(STRANGER, To=THIRD)),
    ],
)
def test_a_number_no_office_has_is_refused_not_given_to_the_first_office(
    client, offices, path, params
):
    response = post_signed(client, path, params)

    assert response.status_code == 404
    assert "No office has the number" in response.get_data(as_text=True)
    assert db.session.scalar(select(InboundMessage.id)) is None
    assert db.session.scalar(select(Lead.id)) is None


def test_a_call_from_another_offices_salesperson_is_a_callers(client, offices):
    """Bruno works only at Century: ringing Harbour, he is a caller there (a stub in
    Harbour), and hears nothing of Century's leads."""
    century, harbour = offices
    open_page(century, caller_name="Mrs Century")

    response = post_signed(client, "/twilio/voice", call_params("+12025550102", To=HARBOUR))

    assert "Mrs Century" not in response.get_data(as_text=True)
    stub = db.session.scalars(select(Lead).order_by(Lead.id.desc())).first()
    assert (stub.office_id, stub.state) == (harbour.id, "stub")


@pytest.mark.settings(outbox=True)
def test_each_office_pages_from_its_own_number(app, offices):
    """So that the reply comes back to the office whose page it answers."""
    from workers import jobs

    century, harbour = offices
    for office in (century, harbour):
        lead = new_lead(office)
        db.session.commit()
        page = db.session.scalar(select(Page).where(Page.lead_id == lead.id))
        assert jobs.send_page(page.id) == "sent"
    sent = db.session.scalars(
        select(OutboxMessage.from_number).where(OutboxMessage.direction == "outbound")
    ).all()
    assert sorted(sent) == [CENTURY, HARBOUR]
