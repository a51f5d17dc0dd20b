"""Moving clients between salespeople: the manager's moves (O8 bad service, other
reasons), a leaver's clients handed out (O10), and designated clients and developers'
referrals given out (O12, X7). Each move is an OWNER_SET entry of the client's log with
its reason; those by rotation take a turn of the office rotation (routing.rotation), the
same turns the calls take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatcher.clients import ownership
from dispatcher.clients.disputes import office_salesperson
from dispatcher.clients.registry import find_client
from dispatcher.invalid_input import InvalidInput
from dispatcher.leads.routing_inputs import (
    last_served,
    lock_office_rotation,
    save_rotation,
    team_and_owed,
)
from dispatcher.models import Client, ClientNumber, Office, Salesperson
from routing.decision import POOL_OFFICE, RotationState
from routing.ownership import (
    BY_BAD_SERVICE,
    BY_DESIGNATION,
    BY_DEVELOPER,
    BY_HANDOVER,
    BY_MANAGER,
    OWNER_SET,
)
from routing.rotation import next_turn, pool_members

MOVE_REASONS = (BY_BAD_SERVICE, BY_MANAGER)
DEVELOPER_SHARE = 50  # X7: the consultant's share; the rest is the developer's referral


def move_client(
    session: Session,
    *,
    client: Client,
    office: Office,
    to_id: int,
    reason: str,
    note: str,
    actor: str,
    now: datetime,
) -> Salesperson:
    """The manager moves the client: for bad service (O8) the first salesperson loses any
    share (the move sets no split), for another reason the manager's decision."""
    if reason not in MOVE_REASONS:
        raise InvalidInput({"reason": "Bad service, or another reason of the manager's."})
    to = office_salesperson(session, office, to_id)
    before = ownership.owner_now(session, client, office=office, now=now).owner_id
    if before == to.id:
        raise InvalidInput({"salesperson": f"The client is {to.name}'s already."})
    was = session.get(Salesperson, before).name if before else "nobody"
    detail = f"From {was} to {to.name}" + (f": {note.strip()}" if note.strip() else "")
    ownership.record(
        session,
        client=client,
        office=office,
        kind=OWNER_SET,
        at=now,
        actor=actor,
        salesperson_id=to.id,
        reason=reason,
        detail=detail,
    )
    return to


def clients_of(
    session: Session, *, office: Office, salesperson_id: int, now: datetime
) -> list[Client]:
    """The clients (family records) whose owner is the salesperson now, the oldest first."""
    candidates = session.scalars(
        select(Client)
        .where(
            Client.office_id == office.id,
            Client.family_id.is_(None),
            or_(Client.owner_id == salesperson_id, Client.closer_id == salesperson_id),
        )
        .order_by(Client.id)
    )
    return [
        client
        for client in candidates
        if ownership.owner_now(session, client, office=office, now=now).owner_id == salesperson_id
    ]


class _Rotation:
    """The office rotation's turns, taken one after another in one transaction and written
    back once (the office's rotation locked first, as while a call is routed)."""

    def __init__(self, session: Session, office: Office):
        lock_office_rotation(session=session, office_id=office.id)
        self.session, self.office = session, office
        self.team, owed = team_and_owed(session=session, office_id=office.id)
        self.before = RotationState(
            last_served=last_served(session=session, office_id=office.id), makeup_owed=owed
        )
        self.now = self.before
        self.by_id = {member.id: member for member in self.team}
        self.members = pool_members(self.team, POOL_OFFICE)

    def take(self, excluded: frozenset[int] = frozenset()) -> int | None:
        turn = next_turn(
            POOL_OFFICE, self.members, self.now, excluded_ids=excluded, by_id=self.by_id
        )
        if turn is None:
            return None
        self.now = turn.rotation_after
        return turn.salesperson.id

    def save(self) -> None:
        if self.now != self.before:
            save_rotation(
                session=self.session, office_id=self.office.id, before=self.before, after=self.now
            )


@dataclass(frozen=True)
class Move:
    client: Client
    to: Salesperson


def hand_over(
    session: Session,
    *,
    office: Office,
    leaver: Salesperson,
    to_id: int | None,
    actor: str,
    now: datetime,
) -> list[Move]:
    """O10: the leaver's clients, each to the next turn of the office rotation (``to_id``
    None) or all to the salesperson the manager chose. All or nothing: InvalidInput when
    the rotation has nobody available, before anything is recorded."""
    clients = clients_of(session, office=office, salesperson_id=leaver.id, now=now)
    if not clients:
        return []
    if to_id is not None:
        to = office_salesperson(session, office, to_id)
        if to.id == leaver.id:
            raise InvalidInput({"salesperson": "Choose someone else than the leaver."})
        chosen = [to.id] * len(clients)
        how = "chosen by the manager"
    else:
        rotation = _Rotation(session, office)
        chosen = [rotation.take(frozenset({leaver.id})) for _ in clients]
        if None in chosen:
            raise InvalidInput(
                {"salesperson": "Nobody is available in the office rotation: choose a salesperson."}
            )
        rotation.save()
        how = "by the office rotation"
    moves = []
    for client, person_id in zip(clients, chosen, strict=True):
        to = session.get(Salesperson, person_id)
        ownership.record(
            session,
            client=client,
            office=office,
            kind=OWNER_SET,
            at=now,
            actor=actor,
            salesperson_id=to.id,
            reason=BY_HANDOVER,
            detail=f"From {leaver.name}, who left, to {to.name}, {how}",
        )
        moves.append(Move(client, to))
    return moves


def give_designated(
    session: Session,
    *,
    office: Office,
    name: str,
    phone: str,
    need: str,
    developer: bool,
    actor: str,
    now: datetime,
) -> Move:
    """O12 / X7: a client designated by the manager or referred by a developer goes to the
    next turn of the office rotation (a turn like any other). A developer's referral
    gives the salesperson a 50% share, the rest kept as the developer's referral. The
    client is found by the number, or made; one who is owned already is refused."""
    client = find_client(session, office_id=office.id, phone=phone)
    if client is not None:
        owner = ownership.owner_now(session, client, office=office, now=now).owner_id
        if owner is not None:
            name_of = session.get(Salesperson, owner).name
            raise InvalidInput(
                {
                    "phone": f"This number is {name_of}'s client already: "
                    "move them from the client's page."
                }
            )
    rotation = _Rotation(session, office)
    person_id = rotation.take()
    if person_id is None:
        raise InvalidInput({"phone": "Nobody is available in the office rotation now."})
    rotation.save()
    if client is None:
        client = Client(
            office_id=office.id,
            name=name,
            need=need,
            created_at=now,
            owner_team="",
            disputed=False,
        )
        session.add(client)
        session.flush()
        session.add(ClientNumber(office_id=office.id, client_id=client.id, phone=phone))
    to = session.get(Salesperson, person_id)
    if developer:
        reason, shares = BY_DEVELOPER, ((to.id, DEVELOPER_SHARE),)
        detail = (
            f"Developer's referral to {to.name} by the office rotation: "
            f"{DEVELOPER_SHARE}% share, the rest the developer's"
        )
    else:
        reason, shares = BY_DESIGNATION, ()
        detail = f"Designated client to {to.name} by the office rotation"
    ownership.record(
        session,
        client=client,
        office=office,
        kind=OWNER_SET,
        at=now,
        actor=actor,
        salesperson_id=to.id,
        reason=reason,
        shares=shares,
        detail=detail,
    )
    return Move(client, to)
