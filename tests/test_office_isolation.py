"""Issue 18: a user of office A sees and changes only office A. Every route of the app
(from app.url_map, as tests/test_access.py walks them) and every API call is asked by
each role of office A (coordinator, manager, salesperson, API token) with office B's
ids in every id slot of the URL, in the query string and in the form and JSON fields
that take ids (asked for, salesperson, listing ref, page, office). No response holds
a name, number or ref of office B; no row of office B changes; an id of office B is
404 wherever the role may use the route.

An admin is left out: the admin sets up every office (/admin/offices) and sees every
office's dashboard, by design; so is the franchise role (tests/test_franchise.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatcher.api.tokens import create_token
from dispatcher.extensions import db
from dispatcher.leads.stubs import log_call_stub
from dispatcher.models import (
    Assignment,
    Lead,
    LeadEvent,
    Listing,
    ManagerChange,
    Notice,
    Office,
    Page,
    RotationPointer,
    Salesperson,
    User,
)
from dispatcher.office import controls
from dispatcher.office.setup import create_office
from tests.app_setup import sign_in
from tests.factories import T0, missed, new_lead, open_round_the_clock, page_out

pytestmark = pytest.mark.settings(outbox=True)  # the development phone is a route too

B_NUMBER = "+12025550300"
HANA, IVAN = "+12025550301", "+12025550302"
B_CALLER = "+12025550388"
# What of office B must never be in a response to office A: names, numbers (as typed
# and as stored), listing refs and addresses, the office itself.
B_WORDS = (
    "Harbour Office",
    "Hana Wong",
    "Ivan Lee",
    "Bertha Quayside",
    "H-2001",
    "8 Harbour Road",
    "harbour-manager",
    HANA,
    "555-0301",
    "5550301",
    IVAN,
    "5550302",
    B_CALLER,
    "555-0388",
    "5550388",
    B_NUMBER,
    "Harbour note",
)
# Each role of office A and how it signs in (the token is made by the fixture).
ROLES = {"coordinator": "coordinator", "manager": "manager", "salesperson": "alice", "token": None}
# Routes nobody in an office reads office data through: signing in and out, the API's
# description, static files; Twilio's webhooks answer only signed requests (office B's
# number and its salespeople's texts are tested in tests/test_office_replies.py).
NOT_OFFICE_DATA = ("static", "auth.", "api.openapi", "callbacks.")


@pytest.fixture
def harbour(office):
    """Office B with everything an office has: staff, a sign-in each, a listing, a lead
    paged and open, a lead missed (a notice in the mailbox), a call stub, a manager's
    change; office A gets a number of its own (two offices: each is found by its own)."""
    office.phone_number = "+12025550100"
    b = create_office(
        session=db.session, name="Harbour Office", timezone="Asia/Hong_Kong",
        phone=B_NUMBER, manager_mobile="+12025550399", region="US",
    )  # fmt: skip
    open_round_the_clock(b)  # its calls page at once, whatever the hour in Hong Kong
    hana = Salesperson(office_id=b.id, name="Hana Wong", mobile=HANA, rotation_position=1)
    ivan = Salesperson(office_id=b.id, name="Ivan Lee", mobile=IVAN, rotation_position=2)
    db.session.add_all([hana, ivan])
    db.session.flush()
    db.session.add(
        Listing(office_id=b.id, reference="H-2001", address="8 Harbour Road", agent_id=hana.id)
    )
    for username, role, person in (
        ("harbour-manager", "manager", None),
        ("harbour-coordinator", "coordinator", None),
        ("hana", "salesperson", hana.id),
    ):
        user = User(office_id=b.id, username=username, role=role, salesperson_id=person)
        user.set_password("harbour-password")
        db.session.add(user)
    db.session.flush()
    details = {"caller_phone": B_CALLER, "caller_name": "Bertha Quayside", "notes": "Harbour note"}
    open_lead = new_lead(b, listing="H-2001", **details)
    page_out(open_lead, T0)
    gone = new_lead(b, now=T0 - timedelta(hours=1), **details)
    missed(gone, T0 - timedelta(hours=1))
    stub = log_call_stub(session=db.session, office_id=b.id, phone=B_CALLER, now=T0, detail="x")
    controls.set_status(session=db.session, person=ivan, status="busy", actor="harbour-manager",
                        now=T0)  # fmt: skip
    db.session.commit()
    pages = db.session.scalars(select(Page.id).join(Lead).where(Lead.office_id == b.id)).all()
    return {
        "office": b.id,
        "leads": [open_lead.id, gone.id, stub.id],
        "salespeople": [hana.id, ivan.id],
        "pages": list(pages),
    }


def snapshot(office_id: int) -> dict:
    """Every row of the office, every column: what must not change."""
    leads = select(Lead.id).where(Lead.office_id == office_id)
    people = select(Salesperson.id).where(Salesperson.office_id == office_id)
    queries = {
        Office: select(Office).where(Office.id == office_id),
        Salesperson: select(Salesperson).where(Salesperson.office_id == office_id),
        Listing: select(Listing).where(Listing.office_id == office_id),
        User: select(User).where(User.office_id == office_id),
        Lead: select(Lead).where(Lead.office_id == office_id),
        Assignment: select(Assignment).where(Assignment.lead_id.in_(leads)),
        Page: select(Page).where(Page.lead_id.in_(leads)),
        LeadEvent: select(LeadEvent).where(LeadEvent.lead_id.in_(leads)),
        Notice: select(Notice).where(Notice.salesperson_id.in_(people)),
        ManagerChange: select(ManagerChange).where(ManagerChange.office_id == office_id),
        RotationPointer: select(RotationPointer).where(RotationPointer.office_id == office_id),
    }
    db.session.expire_all()
    return {
        model.__name__: sorted(
            tuple(getattr(row, column.key) for column in model.__table__.columns)
            for row in db.session.scalars(query)
        )
        for model, query in queries.items()
    }


def _bodies(b: dict) -> list[tuple[dict | None, dict | None]]:
    """(form, JSON) bodies for a POST, each id field holding one of office B's."""
    person, lead, page = b["salespeople"][0], b["leads"][0], b["pages"][0]
    fields = {
        "caller_phone": "202-555-0123", "kind": "buyer", "channel": "call", "caller_name": "A",
        "asked_for": person, "asked_for_id": person, "salesperson": person, "listing": "H-2001",
        "page": page, "page_id": page, "lead": lead, "lead_id": lead, "office": b["office"],
        "phone": B_CALLER, "body": "OK", "from_number": HANA, "reason": "duplicate",
        "status": "busy", "direction": "up", "outcome": "appointment_set", "back": "board",
        "name": "Zed Newcomer", "mobile": "202-555-0166", "ownership_lapse_days": "20",
        "target_area": "",
        "manager_mobile": "", "ack_deadline_seconds": "", "pin": "1234", "pin_again": "1234",
    }  # fmt: skip
    return [(fields, None), (None, fields), ({}, None)]


def _urls(app, b: dict):
    """(endpoint, method, url, has_id) for every route, each id slot filled with each id
    of office B that could go there, and B's ids in the query string too."""
    query = f"?office={b['office']}&salesperson={b['salespeople'][0]}&lead={b['leads'][0]}"
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_OFFICE_DATA):
            continue
        slots = [name for name in rule.arguments]
        choices = [{}]
        for slot in slots:
            ids = b["salespeople"] if "salesperson" in slot else b["leads"] + b["pages"]
            choices = [{**c, slot: i} for c in choices for i in ids]
        for values in choices:
            path = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, path + query, bool(slots)


def _client(app, role: str, office):
    client = app.test_client()
    if role == "token":
        token = create_token(session=db.session, name="isolation", office_id=office.id, now=T0)
        db.session.commit()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    else:
        sign_in(client, ROLES[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_office_a_never_sees_nor_changes_office_b(app, office, harbour, role):
    client = _client(app, role, office)
    before = snapshot(harbour["office"])
    leaks, not_404, asked = [], [], 0
    for endpoint, method, url, has_id in _urls(app, harbour):
        bodies = _bodies(harbour) if method == "POST" else [(None, None)]
        for form, body in bodies:
            response = client.open(url, method=method, data=form, json=body)
            asked += 1
            text = response.get_data(as_text=True)
            typed = " ".join(str(value) for value in (form or body or {}).values())
            # What the request typed may be said back ("Listing ref 'H-2001' is none of
            # the office's"): only what it did not type would come from office B.
            if found := [word for word in B_WORDS if word in text and word not in typed]:
                leaks.append(f"{method} {url} ({endpoint}) shows {found}")
            if has_id and response.status_code != 404 and _may_use(endpoint, role):
                not_404.append(f"{method} {url} ({endpoint}): {response.status_code}")
        db.session.rollback()
    assert asked > 100
    assert not leaks, "\n".join(leaks)
    assert not not_404, "\n".join(not_404)
    assert snapshot(harbour["office"]) == before
    _nothing_of_a_points_at_b(office.id, harbour)


def _may_use(endpoint: str, role: str) -> bool:
    from dispatcher.access import ACCESS, INTEGRATION, allows

    return allows(ACCESS.get(endpoint), INTEGRATION if role == "token" else role)


def _nothing_of_a_points_at_b(office_id: int, b: dict) -> None:
    """What office A wrote meanwhile (leads logged, pages) names none of B's people or
    listings."""
    listings = select(Listing.id).where(Listing.office_id == b["office"])
    a_leads = db.session.scalars(select(Lead).where(Lead.office_id == office_id)).all()
    for lead in a_leads:
        assert lead.asked_for_id not in b["salespeople"]
        assert lead.listing_id not in db.session.scalars(listings).all()
    a_pages = select(Page.salesperson_id).join(Lead).where(Lead.office_id == office_id)
    assert not set(db.session.scalars(a_pages)) & set(b["salespeople"])


def test_the_lists_of_office_a_hold_none_of_b(app, office, harbour):
    """The plain screens and lists (no id asked for): the board, today's leads, the
    salespeople, the changes, the dashboard, the API's salespeople, the phone."""
    manager = sign_in(app.test_client(), "manager")
    lists = ("/", "/board", "/today", "/manager/salespeople", "/manager/changes",
             "/manager/office", "/manager/dashboard", "/manager/dashboard.json",
             "/manager/dashboard.csv?table=leads", "/api/salespeople", "/dev/phone/")  # fmt: skip
    for url in lists:
        response = manager.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert not [word for word in B_WORDS if word in text], url


def test_a_mobile_of_office_b_is_no_secret_and_no_conflict_in_office_a(app, office, harbour):
    """Someone who works in both offices has one mobile: office A adds them with it, and
    nothing says who holds it in office B."""
    manager = sign_in(app.test_client(), "manager")
    response = manager.post("/manager/salespeople", data={"name": "Hana W.", "mobile": HANA})
    api = manager.post("/api/salespeople", json={"name": "Ivan L.", "mobile": IVAN})

    assert response.status_code == 302 and api.status_code == 201, api.get_json()
    for text in (response.get_data(as_text=True), api.get_data(as_text=True)):
        assert "Hana Wong" not in text and "Ivan Lee" not in text
    again = manager.post("/manager/salespeople", data={"name": "Twice", "mobile": HANA})
    assert again.status_code == 400 and "already belongs to Hana W." in again.get_data(as_text=True)
