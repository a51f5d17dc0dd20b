"""The demo: two offices of one franchise, each with its own number, sign-ins,
salespeople with mobiles and listings with their agents; a franchise sign-in over both.
Alice Chen works in both offices, with one mobile. The first office has a few clients in
its registration log (`seed-demo` only: the tests' office starts empty)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.calls.contact import record_dial
from dispatcher.clock import local_time
from dispatcher.leads.service import LeadDetails, current_page, log_lead
from dispatcher.models import Listing, Office, PlacedCall, Role, Salesperson, User
from dispatcher.office.roster import SalespersonDetails, add_salesperson
from dispatcher.office.roster_edits import set_week_hours
from dispatcher.office.setup import create_office
from dispatcher.pages.service import acknowledge_page
from dispatcher.sms.outbox import new_sid

DEMO_PASSWORD = "demo-password"

# 555-01xx numbers are reserved for fiction; these parse as valid US mobiles.
SALESPEOPLE = [
    ("Alice Chen", "+12025550101", "listing,seller"),
    ("Bruno Diaz", "+12025550102", "listing"),
    ("Carmen Ortiz", "+12025550103", "rental"),
    ("David Park", "+12025550104", "seller"),
    ("Erin Walsh", "+12025550105", ""),
    ("Farid Haddad", "+12025550106", "new"),
    ("Grace Liu", "+12025550107", "rental,new"),
]
LISTINGS = [
    ("L-1001", "12 Elm St", "Alice Chen"),
    ("L-1002", "48 Harbor View Rd", "Bruno Diaz"),
    ("L-1003", "7 Orchard Lane, Apt 3", "Carmen Ortiz"),
    ("L-1004", "221 Maple Ave", "David Park"),
]
USERS = [
    ("coordinator", Role.COORDINATOR, None),
    ("manager", Role.MANAGER, None),
    ("admin", Role.ADMIN, None),
]
SALESPERSON_USER = "alice"  # Alice Chen's sign-in


def sign_ins() -> str:
    """The demo's sign-ins in one line: what bin/serve's banner prints and the README
    quotes (tests/test_readme.py holds them to each other)."""
    names = [username for username, _role, _id in USERS]
    names.append(f"{SALESPERSON_USER} (a salesperson)")
    return f"Sign in as {', '.join(names[:-1])} or {names[-1]}; password {DEMO_PASSWORD}."


def load_demo_office(*, session: Session, office: Office, region: str) -> bool:
    """Fill an empty office with the demo; False (and nothing done) if it has salespeople."""
    count = session.scalar(
        select(func.count(Salesperson.id)).where(Salesperson.office_id == office.id)
    )
    if count:
        return False
    office.manager_mobile = office.manager_mobile or "+12025550199"
    people = _staff(session=session, office=office, region=region, people=SALESPEOPLE)
    _listings(session=session, office=office, people=people, listings=LISTINGS)
    alice = people[SALESPEOPLE[0][0]]
    _sign_ins(session, office, [*USERS, (SALESPERSON_USER, Role.SALESPERSON, alice.id)])
    return True


def _staff(*, session: Session, office: Office, region: str, people) -> dict[str, Salesperson]:
    return {
        name: add_salesperson(
            session=session,
            office_id=office.id,
            details=SalespersonDetails(name=name, mobile=mobile, skills=skills),
            region=region,
        )
        for name, mobile, skills in people
    }


def _listings(*, session: Session, office: Office, people, listings) -> None:
    for reference, address, agent in listings:
        session.add(
            Listing(
                office_id=office.id, reference=reference, address=address, agent_id=people[agent].id
            )
        )


def _sign_ins(session: Session, office: Office, users) -> None:
    for username, role, salesperson_id in users:
        if session.scalar(select(User).where(User.username == username)) is None:
            user = User(
                office_id=office.id, username=username, role=role, salesperson_id=salesperson_id
            )
            user.set_password(DEMO_PASSWORD)
            session.add(user)


# The second office: its own number, time zone, staff and listings. Alice Chen works here
# too, on the same mobile: a reply to this office's number answers this office's pages.
SECOND_OFFICE = "Harbour Office"
SECOND_TIMEZONE = "Asia/Hong_Kong"
SECOND_LANGUAGE = "zh_Hant"
SECOND_PHONE_REGION = "HK"  # its coordinators type Hong Kong numbers without +852
FIRST_NUMBER = "+12025550100"  # the first office's, when it has none (outbox)
SECOND_NUMBER = "+12025550300"
SECOND_SALESPEOPLE = [
    ("Hana Wong", "+12025550301", "listing,seller"),
    ("Ivan Lee", "+12025550302", "rental"),
    ("Jade Ho", "+12025550303", ""),
    ("Alice Chen", "+12025550101", "listing"),
]
SECOND_LISTINGS = [("H-2001", "8 Harbour Road", "Hana Wong"), ("H-2002", "3 Pier Lane", "Ivan Lee")]
SECOND_USERS = [
    ("harbour-coordinator", Role.COORDINATOR, None),
    ("harbour-manager", Role.MANAGER, None),
]
FRANCHISE_USER = "franchise"  # every office, read-only
# A few of the day's leads, each called back: (minutes ago, kind, source, listing).
SECOND_LEADS = [
    (95, "buyer", "Harbour Times", "H-2001"),
    (60, "renter", "walk-in", "H-2002"),
    (25, "seller", "website", ""),
]


def second_office_sign_ins() -> str:
    """The second office's and the franchise's sign-ins, the banner's second line."""
    names = ", ".join(username for username, _role, _id in SECOND_USERS)
    return (
        f"{SECOND_OFFICE}: {names}; every office, read-only: {FRANCHISE_USER}; "
        f"password {DEMO_PASSWORD}."
    )


def load_second_office(*, session: Session, first: Office, region: str, now: datetime) -> bool:
    """Set up the demo's second office beside ``first``, the demo's own (which gets a
    number of its own if it has none: with two offices each is found by its number);
    False if it exists, or ``first`` is not the demo's."""
    if session.scalar(select(Office.id).where(Office.name == SECOND_OFFICE)) is not None:
        return False
    demo_user = USERS[0][0]
    if session.scalar(select(User.office_id).where(User.username == demo_user)) != first.id:
        return False  # an office of the operator's own: no demo beside it
    if first.phone_number is None:
        first.phone_number = FIRST_NUMBER
    office = create_office(
        session=session,
        name=SECOND_OFFICE,
        timezone=SECOND_TIMEZONE,
        phone=SECOND_NUMBER,
        manager_mobile="+12025550399",
        region=region,
        # Hong Kong: its screens and SMS in Traditional Chinese (the first office: English).
        language=SECOND_LANGUAGE,
        phone_region=SECOND_PHONE_REGION,
    )
    region = office.region(region)
    # Its coordinator answers round the clock: it is in Hong Kong, and whoever tries the
    # demo does so in their own day (the first office keeps C8's hours and roster).
    set_week_hours(
        session=session, office=office, week=[("00:00", "24:00")] * 7, actor="demo", now=now
    )
    people = _staff(session=session, office=office, region=region, people=SECOND_SALESPEOPLE)
    _listings(session=session, office=office, people=people, listings=SECOND_LISTINGS)
    _sign_ins(session, office, SECOND_USERS)
    _sign_ins(session, first, [(FRANCHISE_USER, Role.FRANCHISE, None)])
    # Today's, in the office's own day (the franchise's list shows today's figures).
    midnight = local_time(now, office.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    since = midnight.astimezone(UTC).replace(tzinfo=None)
    for number, (minutes, kind, source, listing) in enumerate(SECOND_LEADS, start=1):
        at = max(now - timedelta(minutes=minutes), since)
        newest = number == len(SECOND_LEADS)
        lead = log_lead(
            session=session,
            office=office,
            details=LeadDetails(
                caller_phone=f"+1202555038{number}", kind=kind, source=source, listing=listing
            ),
            logged_by_id=None,
            actor="demo",
            now=at,
            deadline_seconds=300,
            region=region,
        )
        page = current_page(session=session, lead_id=lead.id)
        if page is None or page.salesperson_id is None:
            continue
        # The newest is acknowledged now and its client not reached yet: the reminder
        # (*Verified calls*) comes NOT_REACHED_REMINDER_MINUTES into the demo, not at once.
        acked = now if newest else at + timedelta(minutes=2)
        acknowledge_page(session=session, page_id=page.id, now=acked, by="sms")
        if not newest:
            _called_back(session, office.id, page, acked + timedelta(minutes=3))
    return True


# How long the demo's call-backs lasted: a contact (past CLIENT_REACHED_MIN_SECONDS).
CALL_BACK_SECONDS = 180


def _called_back(session: Session, office_id: int, page, at: datetime) -> None:
    """The salesperson called the client back through the office (*Call the client*),
    recorded as the <Dial>'s result is: the client reached, so no reminder is due."""
    call = PlacedCall(
        office_id=office_id,
        lead_id=page.lead_id,
        salesperson_id=page.salesperson_id,
        kind="callback",
        call_sid=new_sid("CA"),
        created_at=at,
    )
    session.add(call)
    session.flush()
    record_dial(
        session=session,
        call_id=call.id,
        call_sid=call.call_sid,
        dial_status="completed",
        seconds=CALL_BACK_SECONDS,
        now=at + timedelta(seconds=CALL_BACK_SECONDS),
        min_seconds=1,
    )


# Calls of the past days, oldest first (days ago, the caller, who called them back): a
# returning client of Alice's (named her, so hers: O4), a seller and a walk-in received
# by the salesperson who called back (O1), and a registration without a title or a need,
# invalid (O2), to complete in the register.
DEMO_CALLS = [
    (12, dict(caller_name="Mr Okafor", caller_phone="+12025550162", kind="seller"), None),
    (
        6,
        dict(
            caller_name="Mrs Lopez",
            caller_phone="+12025550161",
            kind="buyer",
            need="A 3-bedroom house near the school",
        ),
        "Alice Chen",
    ),
    (
        3,
        dict(
            caller_name="Ana Rivera",
            caller_title="Ms",
            caller_phone="+12025550163",
            kind="renter",
            channel="walk_in",
        ),
        None,
    ),
    (2, dict(caller_name="Nguyen", caller_phone="+12025550164", kind="other"), None),
]


def load_demo_clients(*, session: Session, office: Office, region: str, now: datetime) -> None:
    """The demo's calls, logged and called back through the services as on the console,
    so the register, the clients and their owners are what a real office would have."""
    people = {
        p.name: p.id
        for p in session.scalars(select(Salesperson).where(Salesperson.office_id == office.id))
    }
    for days_ago, details, named in DEMO_CALLS:
        at = now - timedelta(days=days_ago)
        lead = log_lead(
            session=session,
            office=office,
            details=LeadDetails(**details, asked_for_id=people.get(named)),
            logged_by_id=None,
            actor="demo",
            now=at,
            deadline_seconds=300,
            region=region,
        )
        page = current_page(session=session, lead_id=lead.id)
        acknowledge_page(
            session=session, page_id=page.id, now=at + timedelta(minutes=3), by="coordinator"
        )
        if page.salesperson_id is not None:
            _called_back(session, office.id, page, at + timedelta(minutes=10))
