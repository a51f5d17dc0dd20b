"""The coordinator's console and the register (issue 16; docs/rules.md O2, X1, X2): the
register's facts on the form, the word after logging when a registration is invalid,
two names, and the returning client who would rather have someone else. And the demo
that bin/serve loads."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

from sqlalchemy import select

from dispatcher.clients.ownership import owner_now
from dispatcher.clients.registry import find_client
from dispatcher.extensions import db
from dispatcher.models import Lead, LeadEvent, Registration
from routing.decision import OUT, RULE_ASKED_FOR, RULE_MANAGER
from tests.factories import T0, acknowledged, count, new_lead, person

CALL = {
    "caller_phone": "(202) 555-0188",
    "caller_title": "Mr",
    "caller_name": "Quill",
    "kind": "buyer",
    "channel": "call",
    "need": "",
    "asked_for": "",
    "also_asked_for": "",
}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def latest_lead() -> Lead:
    return db.session.scalar(select(Lead).order_by(Lead.id.desc()).limit(1))


def test_the_form_asks_for_the_registers_facts_and_a_second_name(coordinator, clock):
    page = text(coordinator.get("/"))
    for field in ('name="caller_title"', 'name="need"', 'name="also_asked_for"'):
        assert field in page
    # The question about a returning client's salesperson waits for the look-up.
    assert '<fieldset id="owner-check" class="owner-check" hidden>' in page
    assert 'name="declines_owner_reason"' in page and "disabled" in page


def test_a_valid_registration_is_logged_without_a_word(coordinator, clock):
    response = coordinator.post("/leads", data=CALL, follow_redirects=True)
    assert f"Lead {latest_lead().id} logged." in text(response)
    assert "invalid" not in text(response)
    entry = db.session.scalar(select(Registration))
    assert (entry.number, entry.valid, entry.caller_title) == (1, True, "Mr")


def test_the_coordinator_is_told_which_fact_an_invalid_registration_lacks(coordinator, clock):
    response = coordinator.post("/leads", data={**CALL, "kind": "other"}, follow_redirects=True)
    assert (
        "Registration 1 is invalid: missing the basic need. Complete it in the register."
        in text(response)
    )
    untitled = {**CALL, "caller_title": "", "kind": "other", "caller_phone": "2025550177"}
    response = coordinator.post("/leads", data=untitled, follow_redirects=True)
    assert (
        "Registration 2 is invalid: missing a name with a title (a surname is enough for a "
        "caller) and the basic need. Complete it in the register." in text(response)
    )
    # Said with a need in words: valid, and shown on the lead's page.
    response = coordinator.post(
        "/leads",
        data={**CALL, "kind": "other", "need": "A shop to rent", "caller_phone": "2025550176"},
        follow_redirects=True,
    )
    assert "invalid" not in text(response)
    lead_page = text(coordinator.get(f"/leads/{latest_lead().id}"))
    assert "A shop to rent" in lead_page and "No. 3</a>: valid" in lead_page


def test_a_walk_in_is_told_to_give_more_than_a_surname(coordinator, clock):
    response = coordinator.post(
        "/leads", data={**CALL, "channel": "walk_in"}, follow_redirects=True
    )
    assert "missing a full name with a title (a walk-in gives more than a surname)" in text(
        response
    )


def test_two_names_the_first_not_in_the_office_pages_the_second(coordinator, clock):
    """X1."""
    bruno, alice = person("Bruno Diaz"), person("Alice Chen")
    bruno.status = OUT
    db.session.commit()
    data = {**CALL, "asked_for": str(bruno.id), "also_asked_for": str(alice.id)}
    response = coordinator.post("/leads", data=data, follow_redirects=True)
    assert "Paging Alice Chen" in text(response)
    lead = latest_lead()
    assert (lead.asked_for_id, lead.also_asked_for_id) == (bruno.id, alice.id)
    assert lead.assignments[-1].rule == RULE_ASKED_FOR
    assert "Bruno Diaz, or Alice Chen" in text(coordinator.get(f"/leads/{lead.id}"))
    # The register keeps whom the caller got of the two (O4): Alice owns them.
    assert db.session.scalar(select(Registration.named_salesperson_id)) == alice.id


def test_an_unknown_second_name_records_nothing(coordinator, clock):
    response = coordinator.post("/leads", data={**CALL, "also_asked_for": "9999"})
    assert response.status_code == 400
    assert "No salesperson with id 9999." in text(response)
    assert count(Lead) == 0


# -- X2: a returning client who would rather have someone else ----------------------------


def alices_client(office):
    lead = new_lead(office, caller_name="Mrs Example", asked_for_id=person("Alice Chen").id)
    acknowledged(lead, T0 - timedelta(days=2))
    db.session.commit()


def test_the_look_up_says_whose_client_it_is_for_the_question(coordinator, office, clock):
    alices_client(office)
    found = coordinator.post("/callers/lookup", json={"phone": "2025550188"}).json
    assert (found["known"], found["owner"], found["ownership_valid"]) == (
        True,
        "Alice Chen",
        True,
    )


def test_someone_else_needs_the_reason(coordinator, office, clock):
    alices_client(office)
    before = count(Lead)
    response = coordinator.post(
        "/leads", data={**CALL, "someone_else": "y", "declines_owner_reason": "  "}
    )
    assert response.status_code == 400
    page = text(response)
    assert "Say why the client would rather have someone else." in page
    # Sent back with the question open and the reason field to fill.
    assert '<fieldset id="owner-check" class="owner-check">' in page
    assert count(Lead) == before


def test_someone_else_goes_to_the_manager_with_the_reason(coordinator, office, clock):
    alices_client(office)
    reason = "Would rather deal with a Spanish speaker"
    response = coordinator.post(
        "/leads",
        data={**CALL, "someone_else": "y", "declines_owner_reason": reason},
        follow_redirects=True,
    )
    assert "Paging the manager: Returning client of Alice Chen asked for someone else" in text(
        response
    )
    lead = latest_lead()
    assert lead.declines_owner_reason == reason
    assert lead.assignments[-1].rule == RULE_MANAGER
    [said] = db.session.scalars(
        select(LeadEvent.detail).where(
            LeadEvent.lead_id == lead.id, LeadEvent.kind == "declines_owner"
        )
    )
    assert said == f"The client would rather not have their salesperson: {reason}"
    # The manager's view of the lead shows it, on the timeline and with the facts.
    coordinator.post("/sign-out")
    from tests.app_setup import sign_in

    sign_in(coordinator, "manager")
    page = text(coordinator.get(f"/leads/{lead.id}"))
    assert f'Wants someone else</dt><dd class="declines">{reason}' in page
    assert f"Wants someone else The client would rather not have their salesperson: {reason}" in (
        " ".join(page.replace("<strong>", "").replace("</strong>", "").split())
    )
    # Still Alice's client: the manager decides (X2), nobody took her client.
    client = find_client(db.session, office_id=office.id, phone="+12025550188")
    assert owner_now(db.session, client, office=office, now=T0).owner_id == person("Alice Chen").id


def test_keeping_the_salesperson_sends_no_reason(coordinator, office, clock):
    alices_client(office)
    response = coordinator.post("/leads", data={**CALL, "someone_else": ""}, follow_redirects=True)
    assert "Paging Alice Chen: Returning client of Alice Chen" in text(response)
    assert latest_lead().declines_owner_reason == ""


# -- the demo ------------------------------------------------------------------------------


def test_the_demo_has_clients_an_invalid_registration_and_a_client_of_alices(app):
    from dispatcher.clock import utcnow
    from dispatcher.models import Office

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    # The first demo office's log (the second office's has its own numbers).
    office = db.session.scalar(select(Office).order_by(Office.id).limit(1))
    entries = db.session.scalars(
        select(Registration)
        .where(Registration.office_id == office.id)
        .order_by(Registration.number)
    ).all()
    assert [entry.number for entry in entries] == [1, 2, 3, 4]
    assert [entry.valid for entry in entries] == [True, True, True, False]
    assert [entry.at for entry in entries] == sorted(entry.at for entry in entries)
    lopez = find_client(db.session, office_id=office.id, phone="+12025550161")
    owner = owner_now(db.session, lopez, office=office, now=utcnow())
    assert owner.owner_id == person("Alice Chen").id
    # Nothing of it waits on the board or for the sweeper: every page was answered.
    leads = db.session.scalars(select(Lead).where(Lead.office_id == office.id))
    assert {lead.state for lead in leads} == {"acknowledged"}
