"""Appending to a client's log, and keeping the client's record the fold of it.

Every ownership change goes through ``record``: the entry is appended, then folded onto
the family's record with routing.ownership, so the record always equals a replay of the
log (tests replay every log from empty to check it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import Client, ClientEvent, Office, Salesperson
from routing.ownership import OWNERSHIP_KINDS as KINDS
from routing.ownership import (
    Ownership,
    OwnershipEntry,
    OwnershipRules,
    apply,
    current,
    replay,
)


def rules_of(office: Office) -> OwnershipRules:
    return OwnershipRules(
        lapse_days=office.ownership_lapse_days,
        dispute_days=office.dispute_days,
        timezone=office.timezone,
    )


def family_of(session: Session, client: Client) -> Client:
    """The record that holds the ownership of the client's family (O9): its first client."""
    if client.family_id is None:
        return client
    return session.get(Client, client.family_id)


def state_of(client: Client) -> Ownership:
    """The ownership kept on a family's record."""
    return Ownership(
        owner_id=client.owner_id,
        since=client.owner_since,
        last_follow_up_at=client.last_follow_up_at,
        shares=tuple((person, percent) for person, percent in (client.shares or ())),
        deposit_at=client.deposit_at,
        closer_id=client.closer_id,
        disputed=client.disputed,
        lapsed_owner_id=client.lapsed_owner_id,
    )


def owner_now(session: Session, client: Client, *, office: Office, now: datetime) -> Ownership:
    """The client's ownership at ``now`` (the lapse and the dispute window applied)."""
    return current(state_of(family_of(session, client)), now, rules_of(office))


def record(
    session: Session,
    *,
    client: Client,
    office: Office,
    kind: str,
    at: datetime,
    actor: str,
    salesperson_id: int | None = None,
    reason: str = "",
    shares: tuple[tuple[int, int], ...] = (),
    detail: str = "",
    lead_id: int | None = None,
    registration_id: int | None = None,
) -> ClientEvent:
    """Append one entry to the family's log; ownership entries are folded onto its record."""
    family = family_of(session, client)
    event = ClientEvent(
        office_id=office.id,
        client_id=family.id if kind in KINDS else client.id,
        at=at,
        kind=kind,
        salesperson_id=salesperson_id,
        reason=reason,
        shares=[list(share) for share in shares] or None,
        detail=detail[:300],
        lead_id=lead_id,
        registration_id=registration_id,
        actor=actor[:80],
    )
    session.add(event)
    if kind in KINDS:
        entry = OwnershipEntry(kind, at, salesperson_id, reason, shares)
        _keep(session, family, apply(state_of(family), entry, rules_of(office)))
    return event


def replayed(session: Session, client: Client, *, office: Office) -> Ownership:
    """The family's ownership replayed from its log alone (the check on its record)."""
    family = family_of(session, client)
    rows = session.scalars(
        select(ClientEvent)
        .where(ClientEvent.client_id == family.id, ClientEvent.kind.in_(KINDS))
        .order_by(ClientEvent.at, ClientEvent.id)
    )
    return replay((entry_of(row) for row in rows), rules_of(office))


def entry_of(row: ClientEvent) -> OwnershipEntry:
    shares = tuple((person, percent) for person, percent in (row.shares or ()))
    return OwnershipEntry(row.kind, row.at, row.salesperson_id, row.reason, shares)


def _keep(session: Session, family: Client, state: Ownership) -> None:
    if state.owner_id != family.owner_id:
        team = session.scalar(select(Salesperson.team).where(Salesperson.id == state.owner_id))
        family.owner_team = team or ""
    family.owner_id = state.owner_id
    family.owner_since = state.since
    family.last_follow_up_at = state.last_follow_up_at
    family.shares = [list(share) for share in state.shares] or None
    family.deposit_at = state.deposit_at
    family.closer_id = state.closer_id
    family.disputed = state.disputed
    family.lapsed_owner_id = state.lapsed_owner_id
