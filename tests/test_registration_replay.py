"""Replaying every client's log from empty rebuilds exactly the owners the service keeps
(issue 16; docs/rules.md O1, O4-O6): random sequences of calls logged from a handful of
numbers (some naming a salesperson, some without a title: invalid, O2), call-backs,
DONE reports, follow-ups, salespeople away and back, and clock jumps of up to 30 days,
all through the real services. Afterwards each client's record equals the replay of its
log, a new call from each number goes to the replayed owner while the ownership is valid
(and to the rotation's rules when it is not), and a colleague who served an absent
owner's client never became its owner (O5)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dispatcher.clients.ownership import replayed, rules_of, state_of
from dispatcher.clients.register import on_follow_up
from dispatcher.extensions import db
from dispatcher.leads.outcomes import record_outcome
from dispatcher.models import Client, ClientEvent, ClientNumber, Lead, Page, PageState, Salesperson
from dispatcher.pages.service import acknowledge_page
from routing.decision import BUSY, IN_OFFICE, RULE_OWNER
from routing.ownership import FIRST_CONTACT, NAMED, OWNER_SET, SERVED, current
from tests.factories import T0, new_lead

NUMBERS = ("(202) 555-0181", "(202) 555-0182", "(202) 555-0183", "(202) 555-0184")
PEOPLE = ("Alice Chen", "Bruno Diaz", "Carmen Ortiz")

# Calls and call-backs come often, so that clients, owners and stand-ins build up.
_call = st.tuples(
    st.just("call"),
    st.integers(0, len(NUMBERS) - 1),
    st.one_of(st.none(), st.integers(0, len(PEOPLE) - 1)),  # named, or nobody
    st.booleans(),  # with a title (valid) or not (invalid, O2)
)
_ack = st.tuples(st.just("ack"), st.integers(0, 20))
# A call while one salesperson is out (the owner, sometimes): a colleague serves (O5).
_call_while_away = st.tuples(
    st.just("call_while_away"), st.integers(0, len(NUMBERS) - 1), st.integers(0, len(PEOPLE) - 1)
)
steps = st.one_of(
    _call,
    _ack,
    _call_while_away,
    _ack,
    st.tuples(st.just("done"), st.integers(0, 20)),
    st.tuples(st.just("follow_up"), st.integers(0, 20), st.integers(0, len(PEOPLE) - 1)),
    st.tuples(st.just("away"), st.integers(0, len(PEOPLE) - 1), st.booleans()),
    st.tuples(st.just("jump"), st.integers(0, 30), st.integers(0, 23)),
)


def pick(rows: list, index: int):
    return rows[index % len(rows)] if rows else None


def run(office, people: dict[str, Salesperson], sequence) -> object:
    now = T0
    for step in sequence:
        kind = step[0]
        if kind == "call":
            _, number, named, titled = step
            new_lead(
                office,
                now=now,
                caller_phone=NUMBERS[number],
                caller_name="Mrs Example" if titled else "Example",
                asked_for_id=people[PEOPLE[named]].id if named is not None else None,
            )
        elif kind == "call_while_away":
            _, number, away = step
            people[PEOPLE[away]].status = BUSY
            new_lead(office, now=now, caller_phone=NUMBERS[number], caller_name="Mrs Example")
            people[PEOPLE[away]].status = IN_OFFICE
        elif kind == "ack":
            page = pick(
                db.session.scalars(
                    # Newest first: the call just logged is the one most often called back.
                    select(Page).where(Page.state == PageState.OPEN).order_by(Page.id.desc())
                ).all(),
                step[1],
            )
            if page is not None:
                acknowledge_page(session=db.session, page_id=page.id, now=now, by="sms")
        elif kind == "done":
            page = pick(
                db.session.scalars(
                    select(Page)
                    .where(Page.state == PageState.ACKNOWLEDGED, Page.salesperson_id.is_not(None))
                    .order_by(Page.id)
                ).all(),
                step[1],
            )
            if page is not None:
                lead = db.session.get(Lead, page.lead_id)
                record_outcome(
                    session=db.session,
                    lead=lead,
                    person=page.salesperson,
                    outcome="appointment_set",
                    now=now,
                )
        elif kind == "follow_up":
            lead = pick(db.session.scalars(select(Lead).order_by(Lead.id)).all(), step[1])
            if lead is not None:
                on_follow_up(
                    db.session,
                    office=office,
                    lead_id=lead.id,
                    salesperson_id=people[PEOPLE[step[2]]].id,
                    now=now,
                    detail="Called the client",
                )
        elif kind == "away":
            people[PEOPLE[step[1]]].status = BUSY if step[2] else IN_OFFICE
        else:
            now += timedelta(days=step[1], hours=step[2])
        db.session.flush()
    return now


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=8, max_size=30))
# Always tried: Alice named and called back; her client calls while she is busy and a
# colleague calls back and reports (O5); three weeks pass (O6).
@example(
    sequence=[
        ("call", 0, 0, True),
        ("ack", 0),
        ("call_while_away", 0, 0),
        ("ack", 0),
        ("done", 1),
        ("jump", 20, 0),
        ("follow_up", 1, 1),
        ("jump", 1, 0),
    ]
)
def test_every_client_is_the_replay_of_its_log(office, sequence):
    savepoint = db.session.begin_nested()
    try:
        check(office, sequence)
    finally:
        savepoint.rollback()


def check(office, sequence) -> None:
    people = {
        p.name: p
        for p in db.session.scalars(select(Salesperson).where(Salesperson.office_id == office.id))
    }
    now = run(office, people, sequence)
    rules = rules_of(office)

    owners = {}
    for client in db.session.scalars(select(Client).where(Client.office_id == office.id)):
        replay = replayed(db.session, client, office=office)
        assert state_of(client) == replay, sequence
        events = db.session.scalars(
            select(ClientEvent).where(ClientEvent.client_id == client.id)
        ).all()
        given_by_rule = {
            e.salesperson_id for e in events if e.kind in (FIRST_CONTACT, NAMED, OWNER_SET)
        }
        served_only = {e.salesperson_id for e in events if e.kind == SERVED} - given_by_rule
        # O5: whoever only stood in for the owner never owns the client.
        assert client.owner_id is None or client.owner_id in given_by_rule, sequence
        assert not served_only & {client.owner_id}, sequence
        numbers = db.session.scalars(
            select(ClientNumber.phone).where(ClientNumber.client_id == client.id)
        ).all()
        for phone in numbers:
            owners[phone] = current(replay, now, rules).owner_id

    # A new call from each number, everyone in the office: the replayed owner while valid.
    for person in people.values():
        person.status = IN_OFFICE
    for phone, owner in owners.items():
        lead = new_lead(office, now=now, caller_phone=phone, caller_name="Mrs Example")
        decision = lead.assignments[-1]
        if owner is not None:
            assert (decision.rule, decision.salesperson_id) == (RULE_OWNER, owner), sequence
        else:
            assert decision.rule != RULE_OWNER, sequence
