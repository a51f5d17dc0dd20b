"""A demo office: sign-ins, salespeople with mobiles, listings with their agents; and a
few clients in its registration log (`seed-demo` only: the tests' office starts empty)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.leads.service import LeadDetails, current_page, log_lead
from dispatcher.models import Listing, Office, Role, Salesperson, User
from dispatcher.office.roster import SalespersonDetails, add_salesperson
from dispatcher.pages.service import acknowledge_page

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
    people = {}
    for name, mobile, skills in SALESPEOPLE:
        people[name] = add_salesperson(
            session=session,
            office_id=office.id,
            details=SalespersonDetails(name=name, mobile=mobile, skills=skills),
            region=region,
        )
    for reference, address, agent in LISTINGS:
        session.add(
            Listing(
                office_id=office.id, reference=reference, address=address, agent_id=people[agent].id
            )
        )
    alice = people[SALESPEOPLE[0][0]]
    for username, role, salesperson_id in [*USERS, (SALESPERSON_USER, Role.SALESPERSON, alice.id)]:
        if session.scalar(select(User).where(User.username == username)) is None:
            user = User(
                office_id=office.id, username=username, role=role, salesperson_id=salesperson_id
            )
            user.set_password(DEMO_PASSWORD)
            session.add(user)
    return True


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
