"""The office's routing rules through the database: what the coordinator and the
manager see (docs/rules.md C2, C3, O1, O4-O6, O9, Q1-Q4)."""

from datetime import timedelta

from sqlalchemy import select

from dispatcher.extensions import db
from dispatcher.models import ManagerChange, Page, RotationPointer
from dispatcher.office import controls as office_controls
from tests.factories import T0, acknowledged, missed, new_lead, person


def set_status(name, status):
    office_controls.set_status(
        session=db.session, person=person(name), status=status, actor="manager", now=T0
    )


def test_asked_for_while_out_gives_the_coordinator_words_and_the_manager_decides_a_miss(office):
    set_status("Erin Walsh", "off_shift")
    lead = new_lead(office, asked_for_id=person("Erin Walsh").id)
    assignment = lead.assignments[-1]
    assert (assignment.salesperson.name, assignment.rule) == ("Erin Walsh", "asked_for")
    assert assignment.script == "Erin Walsh is not in the office right now, may I take a message?"
    outcome = missed(lead)
    # C3/O4: the caller is Erin's; nobody else is paged, the manager is told.
    next_page = db.session.get(Page, outcome.next_page_id)
    assert next_page.salesperson_id is None and next_page.to_number == office.manager_mobile
    assert "asked for by name" in next_page.assignment.reason


def test_a_returning_client_goes_to_the_owner_and_is_not_a_rotation_turn(office):
    first = new_lead(office, caller_phone="202-555-0171", listing="L-1002")  # Bruno's listing
    acknowledged(first)
    pointers_before = db.session.scalars(select(RotationPointer.salesperson_id)).all()
    again = new_lead(office, caller_phone="(202) 555-0171", now=T0 + timedelta(days=3))
    assignment = again.assignments[-1]
    assert (assignment.salesperson.name, assignment.rule) == ("Bruno Diaz", "owner")
    assert "3 days" in assignment.reason
    assert db.session.scalars(select(RotationPointer.salesperson_id)).all() == pointers_before


def test_ownership_lapses_after_the_office_setting(office):
    first = new_lead(office, caller_phone="202-555-0171", listing="L-1002")
    acknowledged(first)
    later = new_lead(office, caller_phone="202-555-0171", now=T0 + timedelta(days=21))
    assert later.assignments[-1].rule == "rotation"


def test_a_family_member_of_a_client_goes_to_the_same_owner(office):
    acknowledged(new_lead(office, caller_phone="202-555-0171", listing="L-1003"))  # Carmen
    relative = new_lead(
        office,
        caller_phone="202-555-0172",
        related_phone="202-555-0171",
        now=T0 + timedelta(hours=1),
    )
    assert relative.assignments[-1].salesperson.name == "Carmen Ortiz"


def test_owner_away_someone_else_serves_and_the_owner_keeps_the_client(office):
    acknowledged(new_lead(office, caller_phone="202-555-0171", listing="L-1002"))  # Bruno
    set_status("Bruno Diaz", "errand")
    again = new_lead(office, caller_phone="202-555-0171", now=T0 + timedelta(hours=2))
    assignment = again.assignments[-1]
    assert assignment.salesperson.name != "Bruno Diaz"
    assert assignment.owner_id == person("Bruno Diaz").id


def test_sellers_and_rentals_go_to_their_specialists_in_rotation(office):
    sellers = [new_lead(office, kind="seller").assignments[-1].salesperson.name for _ in range(3)]
    assert sellers == ["Alice Chen", "David Park", "Alice Chen"]
    rentals = [new_lead(office, kind="renter").assignments[-1].salesperson.name for _ in range(2)]
    assert rentals == ["Carmen Ortiz", "Grace Liu"]


def test_a_lead_outside_the_target_area_goes_to_the_new_salespeople(office):
    office_controls.set_office_rules(
        session=db.session,
        office=office,
        target_area="20001, Midtown",
        ownership_lapse_days=20,
        manager_mobile=office.manager_mobile,
        actor="manager",
        now=T0,
    )
    inside = new_lead(office, area="midtown")
    outside = [new_lead(office, area="90210").assignments[-1] for _ in range(2)]
    assert inside.assignments[-1].rule == "rotation"
    assert [a.salesperson.name for a in outside] == ["Farid Haddad", "Grace Liu"]
    assert outside[0].rule == "new_salespeople" and "90210" in outside[0].reason


def test_busy_salesperson_is_skipped_and_gets_one_make_up_turn(office):
    set_status("Alice Chen", "busy")
    names = [new_lead(office).assignments[-1].salesperson.name for _ in range(2)]
    assert names == ["Bruno Diaz", "Carmen Ortiz"]
    assert person("Alice Chen").makeup_owed
    set_status("Alice Chen", "in_office")
    makeup = new_lead(office).assignments[-1]
    assert makeup.salesperson.name == "Alice Chen" and "make-up" in makeup.reason
    assert not person("Alice Chen").makeup_owed
    # Then the normal order resumes after Carmen.
    assert new_lead(office).assignments[-1].salesperson.name == "David Park"


def test_every_change_the_manager_makes_is_recorded(manager, office):
    alice = person("Alice Chen")
    manager.post(f"/manager/salespeople/{alice.id}/status", data={"status": "errand"})
    manager.post(f"/manager/salespeople/{person('Erin Walsh').id}/move", data={"direction": "up"})
    response = manager.post(
        "/manager/office",
        data={"target_area": "20001", "manager_mobile": "", "ownership_lapse_days": "30"},
    )
    assert response.status_code == 303
    changes = [
        (c.actor, c.kind, c.detail)
        for c in db.session.scalars(select(ManagerChange).order_by(ManagerChange.id))
    ]
    assert changes[0] == ("manager", "status", "Alice Chen: in the office -> on an errand")
    assert changes[1][1:] == ("rotation", "Erin Walsh moved up to place 4")
    assert ("manager", "office", "ownership lapse: 20 -> 30 days") in changes
    page = manager.get("/manager/changes").get_data(as_text=True)
    assert "Alice Chen: in the office -&gt; on an errand" in page


def test_bad_office_rules_change_nothing(manager, office):
    response = manager.post(
        "/manager/office",
        data={"target_area": "x", "manager_mobile": "12", "ownership_lapse_days": "soon"},
    )
    assert response.status_code == 400
    db.session.refresh(office)
    assert office.target_area == "" and office.ownership_lapse_days == 20


def test_the_lead_page_replays_each_decision(coordinator, office):
    response = coordinator.post(
        "/api/leads", json={"caller_phone": "202-555-0188", "kind": "seller"}
    )
    assert response.json["rule"] == "specialist"
    page = coordinator.get(f"/leads/{response.json['id']}").get_data(as_text=True)
    assert "Seller specialist in rotation: Alice Chen" in page
    assert "Replayed from what was known then: the same choice." in page
