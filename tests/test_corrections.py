"""Issue #15 items 7 and 8, through the views: an unknown listing ref does not block the
save (the lead is logged and routed by the next rule, with a warning), and the
coordinator corrects what was mistyped, each old and new value kept on the timeline."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads.service import current_page
from dispatcher.models import Assignment, Lead, LeadEvent, Page
from dispatcher.pages import service as pages
from tests.factories import person

CALL = {
    "caller_phone": "(202) 555-0188",
    "caller_name": "Zebulon Quill",
    "kind": "buyer",
    "channel": "call",
    "source": "Yard sign",
    "listing": "",
    "asked_for": "",
    "notes": "",
}
UNKNOWN = (
    "Listing ref 'L-9999' is none of the office's listings: the lead was routed without it. "
    "Correct it on the lead's page."
)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def the_lead() -> Lead:
    db.session.expire_all()
    return db.session.scalar(select(Lead).order_by(Lead.id.desc()).limit(1))


def events(lead_id: int, kind: str | None = None) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    query = select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
    if kind:
        query = query.where(LeadEvent.kind == kind)
    return [(e.kind, e.detail, e.actor) for e in db.session.scalars(query)]


def correct(client, lead: Lead, **changes):
    current = {
        "caller_phone": lead.caller_phone,
        "caller_name": lead.caller_name,
        "kind": lead.kind,
        "listing": lead.listing.reference if lead.listing else lead.unknown_listing_ref,
    }
    return client.post(f"/leads/{lead.id}/correct", data={**current, **changes})


# -- item 7: an unknown listing ref ------------------------------------------------------


def test_an_unknown_listing_is_logged_routed_by_the_next_rule_and_warned(coordinator):
    response = coordinator.post("/leads", data={**CALL, "listing": "L-9999"})

    assert response.status_code == 302
    lead = the_lead()
    assert (lead.listing_id, lead.unknown_listing_ref) == (None, "L-9999")
    assert lead.assignments[0].rule == "rotation"  # the next rule, not the listing agent
    assert current_page(session=db.session, lead_id=lead.id).salesperson.name == "Alice Chen"
    assert ("warning", UNKNOWN, "coordinator") in events(lead.id)
    console = text(coordinator.get("/"))
    assert f"Lead {lead.id} logged. Paging Alice Chen" in console
    assert f'<p class="flash warning" role="status">{UNKNOWN}</p>' in console
    lead_page = text(coordinator.get(f"/leads/{lead.id}"))
    assert "Listing ref “L-9999” is none of the office's listings" in lead_page


def test_a_known_listing_is_not_warned(coordinator):
    coordinator.post("/leads", data={**CALL, "listing": "L-1002"})
    lead = the_lead()
    assert lead.unknown_listing_ref == "" and lead.listing.reference == "L-1002"
    assert events(lead.id, "warning") == []
    assert "flash warning" not in text(coordinator.get("/"))


# -- item 8: corrections -----------------------------------------------------------------


def test_each_correction_keeps_the_old_and_new_value_on_the_timeline(coordinator):
    coordinator.post("/leads", data={**CALL, "listing": "L-9999"})
    lead = the_lead()
    page = current_page(session=db.session, lead_id=lead.id)

    response = correct(
        coordinator,
        lead,
        caller_phone="202-555-0186",
        caller_name="Zebulon Quail",
        kind="renter",
        listing="L-1002",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/leads/{lead.id}"
    lead = the_lead()
    assert (lead.caller_phone, lead.caller_name, lead.kind) == (
        "+12025550186",
        "Zebulon Quail",
        "renter",
    )
    assert (lead.listing.reference, lead.unknown_listing_ref) == ("L-1002", "")
    assert events(lead.id, "corrected") == [
        ("corrected", "Phone corrected from +12025550188 to +12025550186", "coordinator"),
        ("corrected", "Name corrected from Zebulon Quill to Zebulon Quail", "coordinator"),
        ("corrected", "Kind corrected from buyer to renter", "coordinator"),
        (
            "corrected",
            "Listing corrected from L-9999 (none of the office's listings) "
            "to L-1002 (48 Harbor View Rd)",
            "coordinator",
        ),
    ]
    # The warning stays on the timeline: nothing is rewritten, only added to.
    assert ("warning", UNKNOWN, "coordinator") in events(lead.id)
    # Not routed again: Alice's page is still out, nobody else was paged.
    assert current_page(session=db.session, lead_id=lead.id).id == page.id
    assert db.session.scalar(select(func.count(Assignment.id))) == 1
    html = text(coordinator.get(f"/leads/{lead.id}"))
    assert f"Ref {lead.id} corrected: phone, name, kind, listing." in html
    assert "It is not routed again: give it by hand if it should go to someone else." in html
    assert 'data-warning="listing"' not in html  # the lead's own warning is gone


def test_the_manager_clears_a_name_and_the_trace_says_none(manager):
    manager.post("/leads", data=CALL)
    lead = the_lead()

    correct(manager, lead, caller_name="")

    assert the_lead().caller_name == ""
    assert events(lead.id, "corrected") == [
        ("corrected", "Name corrected from Zebulon Quill to (none)", "manager")
    ]


def test_a_corrected_listing_does_not_reroute_an_acknowledged_lead(coordinator):
    coordinator.post("/leads", data=CALL)
    lead = the_lead()
    alices = current_page(session=db.session, lead_id=lead.id)
    pages.acknowledge_page(session=db.session, page_id=alices.id, now=utcnow(), by="sms")
    db.session.commit()

    correct(coordinator, lead, listing="L-1002")  # Bruno's listing

    lead = the_lead()
    assert lead.state == "acknowledged" and lead.listing.reference == "L-1002"
    assert db.session.scalar(select(func.count(Page.id))) == 1
    assert db.session.get(Page, alices.id).salesperson_id == person("Alice Chen").id


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"caller_phone": "12345"}, "caller_phone", "Not a valid phone number"),
        ({"caller_phone": ""}, "caller_phone", "This field is required."),
        ({"kind": "tourist"}, "kind", "Not a valid choice."),
        ({"listing": "L-9998"}, "listing", "No listing with reference 'L-9998'."),
        ({"caller_name": "Zeb\x07"}, "caller_name", ""),
    ],
)
def test_a_bad_correction_shows_the_lead_page_with_the_field_and_changes_nothing(
    coordinator, change, field, message
):
    coordinator.post("/leads", data=CALL)
    lead = the_lead()
    before = events(lead.id)

    response = correct(coordinator, lead, **{"caller_name": "Zebulon Quail", **change})

    assert response.status_code == 400
    html = text(response)
    assert "Nothing was corrected: fix the fields marked below." in html
    assert f'id="{field}-error"' in html and message in html
    assert f'aria-describedby="{field}-error"' in html
    if field != "caller_name":
        assert 'value="Zebulon Quail"' in html  # what was typed is kept
    assert events(lead.id) == before
    assert the_lead().caller_name == "Zebulon Quill"


def test_a_correction_that_changes_nothing_records_nothing(coordinator):
    coordinator.post("/leads", data=CALL)
    lead = the_lead()
    before = events(lead.id)

    response = correct(coordinator, lead, caller_phone="202 555 0188")  # the same number

    assert f"Ref {lead.id}: nothing differed, nothing was corrected." in text(
        coordinator.get(response.headers["Location"])
    )
    assert events(lead.id) == before


def test_a_call_stub_is_completed_not_corrected(coordinator, office):
    from dispatcher.leads import stubs

    stub = stubs.log_call_stub(
        session=db.session, office_id=office.id, phone="+12025550177", now=utcnow(), detail="call"
    )
    db.session.commit()

    response = coordinator.post(
        f"/leads/{stub.id}/correct",
        data={"caller_phone": "202-555-0176", "kind": "buyer"},
        follow_redirects=True,
    )

    assert f"Ref {stub.id} is a call not completed yet: complete it instead." in text(response)
    assert the_lead().caller_phone == "+12025550177"
