"""Deposits and disputes (O7): a salesperson may dispute a client until the office's
``dispute_days`` after the deposit (local calendar days, that day included; before any
deposit, at any time); the manager decides the owner and the split from the original
registration log entries; after the window, undisputed, the closer owns the client (the
fold does that, routing.ownership.current)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatcher.clients import ownership
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Client, ClientEvent, Office, Registration, Salesperson
from routing.ownership import (
    BY_DISPUTE,
    DEPOSIT,
    DISPUTE_RAISED,
    OWNER_SET,
    check_shares,
    dispute_window_open,
    local_day,
)


def office_salesperson(session: Session, office: Office, salesperson_id: int | None) -> Salesperson:
    """An active salesperson of this office, or InvalidInput."""
    person = session.get(Salesperson, salesperson_id) if salesperson_id else None
    if person is None or person.office_id != office.id:
        raise InvalidInput({"salesperson": "Choose a salesperson of the office."})
    if not person.active:
        raise InvalidInput({"salesperson": f"{person.name} is not active."})
    return person


def record_deposit(
    session: Session, *, client: Client, office: Office, closer_id: int, actor: str, now: datetime
) -> ClientEvent:
    """The client paid a deposit, closed by ``closer_id``: the dispute window opens."""
    closer = office_salesperson(session, office, closer_id)
    return ownership.record(
        session,
        client=client,
        office=office,
        kind=DEPOSIT,
        at=now,
        actor=actor,
        salesperson_id=closer.id,
        detail=f"Deposit, closed by {closer.name}",
    )


def last_dispute_day(deposit_at: datetime, office: Office) -> datetime:
    """The last local day a dispute may be raised (for the message that refuses one)."""
    day = local_day(deposit_at, office.timezone) + timedelta(days=office.dispute_days)
    return datetime(day.year, day.month, day.day)


def raise_dispute(
    session: Session,
    *,
    client: Client,
    office: Office,
    salesperson: Salesperson,
    reason: str,
    now: datetime,
) -> ClientEvent:
    """The salesperson claims the client. Refused (InvalidInput, nothing recorded) after
    the window, without a reason, or when they already have a dispute about it open."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": "Say why the client should be yours."})
    state = ownership.owner_now(session, client, office=office, now=now)
    rules = ownership.rules_of(office)
    if state.deposit_at is not None and not dispute_window_open(state.deposit_at, now, rules):
        deposit = local_day(state.deposit_at, office.timezone)
        last = last_dispute_day(state.deposit_at, office).date()
        raise InvalidInput(
            {
                "reason": (
                    f"Too late: disputes about this client could be raised until "
                    f"{last:%d %B %Y}, {office.dispute_days} days after the deposit of "
                    f"{deposit:%d %B %Y}. The client is the closer's."
                )
            }
        )
    if state.disputed and salesperson.id in raised_by(session, client):
        raise InvalidInput(
            {"reason": "Your dispute about this client is open: the manager decides."}
        )
    return ownership.record(
        session,
        client=client,
        office=office,
        kind=DISPUTE_RAISED,
        at=now,
        actor=salesperson.name,
        salesperson_id=salesperson.id,
        detail=reason,
    )


def raised_by(session: Session, client: Client) -> list[int]:
    """Who raised the disputes open about the family's client, in order (those raised
    since the manager last set its owner)."""
    family = ownership.family_of(session, client)
    rows = session.execute(
        select(ClientEvent.kind, ClientEvent.salesperson_id)
        .where(
            ClientEvent.client_id == family.id,
            ClientEvent.kind.in_((DISPUTE_RAISED, OWNER_SET)),
        )
        .order_by(ClientEvent.at, ClientEvent.id)
    ).all()
    people: list[int] = []
    for kind, person in rows:
        if kind == OWNER_SET:
            people = []
        elif person is not None and person not in people:
            people.append(person)
    return people


def open_disputes(session: Session, office: Office) -> list[Client]:
    """The clients with a dispute waiting for the manager, the longest waiting first."""
    return list(
        session.scalars(
            select(Client)
            .where(Client.office_id == office.id, Client.disputed.is_(True))
            .order_by(Client.id)
        )
    )


@dataclass(frozen=True)
class Side:
    """One salesperson's side of a dispute: the original registration log entries of
    the family in which they received, were named by or served the client, and their
    log entries (the dispute's reason among them)."""

    salesperson: Salesperson
    registrations: list[Registration]
    entries: list[ClientEvent]


def sides(session: Session, client: Client, *, office: Office, now: datetime) -> list[Side]:
    """Everyone in the dispute: the owner, the closer and those who raised it."""
    family = ownership.family_of(session, client)
    state = ownership.owner_now(session, client, office=office, now=now)
    wanted = [state.owner_id, state.closer_id, *raised_by(session, client)]
    people = list(dict.fromkeys(p for p in wanted if p is not None))
    members = _family_ids(session, family)
    result = []
    for person_id in people:
        entries = list(
            session.scalars(
                select(ClientEvent)
                .where(ClientEvent.client_id.in_(members), ClientEvent.salesperson_id == person_id)
                .order_by(ClientEvent.at, ClientEvent.id)
            )
        )
        linked = {e.registration_id for e in entries if e.registration_id is not None}
        registrations = list(
            session.scalars(
                select(Registration)
                .where(
                    Registration.client_id.in_(members),
                    or_(
                        Registration.id.in_(linked),
                        Registration.named_salesperson_id == person_id,
                        Registration.corrects_id.in_(linked),
                    ),
                )
                .order_by(Registration.number)
            )
        )
        result.append(Side(session.get(Salesperson, person_id), registrations, entries))
    return result


def _family_ids(session: Session, family: Client) -> list[int]:
    return [
        family.id,
        *session.scalars(select(Client.id).where(Client.family_id == family.id)),
    ]


def split_of(
    owner_id: int, others: Iterable[tuple[int | None, int | None]], owner_percent: int | None
):
    """The manager's split: the owner's percentage and the others'. Nobody else: all to
    the owner (no split). InvalidInput in the manager's words if it does not add up."""
    rest = [(person, percent) for person, percent in others if person or percent]
    if not rest:
        if owner_percent not in (None, 100):
            raise InvalidInput({"shares": "The shares must add up to 100: name who shares."})
        return ()
    if any(person is None for person, _ in rest) or any(p is None for _, p in rest):
        raise InvalidInput({"shares": "Each share needs a salesperson and a percentage."})
    if owner_percent is None:
        raise InvalidInput({"shares": "Give the owner's percentage too."})
    try:
        return check_shares([(owner_id, owner_percent), *rest])
    except ValueError as error:
        raise InvalidInput({"shares": str(error)}) from error


def decide_dispute(
    session: Session,
    *,
    client: Client,
    office: Office,
    owner_id: int,
    shares: tuple[tuple[int, int], ...],
    note: str,
    actor: str,
    now: datetime,
) -> ClientEvent:
    """The manager's decision: the owner and the split (check_shares'd by split_of).
    Refused when no dispute is open (decided already, say, in another tab)."""
    if not ownership.family_of(session, client).disputed:
        raise InvalidInput({"owner": "No dispute about this client is open: decided already?"})
    owner = office_salesperson(session, office, owner_id)
    for person_id, _ in shares:
        if person_id != owner.id:
            office_salesperson(session, office, person_id)
    names = ", ".join(
        f"{session.get(Salesperson, person_id).name} {percent}%" for person_id, percent in shares
    )
    detail = f"Owner {owner.name}" + (f", split {names}" if names else ", no split")
    if note.strip():
        detail += f": {note.strip()}"
    return ownership.record(
        session,
        client=client,
        office=office,
        kind=OWNER_SET,
        at=now,
        actor=actor,
        salesperson_id=owner.id,
        reason=BY_DISPUTE,
        shares=shares,
        detail=detail,
    )
