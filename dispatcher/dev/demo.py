"""A demo office: sign-ins, salespeople with mobiles, listings with their agents."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.models import Listing, Office, Role, Salesperson, User
from dispatcher.office.roster import SalespersonDetails, add_salesperson

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
