"""Gathering routing's inputs from the records, and storing its decision with them.

Routing itself (routing/) is pure; this module is where the database meets it: it builds
RoutingInputs, asks for a decision, keeps the inputs with the assignment for replay,
and writes back the rotation state the decision leaves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import Lead, Office, Page, PageState, RotationPointer
from dispatcher.models import Salesperson as SalespersonRow
from routing import (
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    RoutingDecision,
    RoutingInputs,
    Salesperson,
    choose_salesperson,
)
from routing.replay import inputs_to_json


def lead_facts(*, session: Session, lead: Lead) -> LeadFacts:
    """The facts routing needs; everyone already paged for this lead is excluded."""
    already_paged = session.scalars(
        select(Page.salesperson_id).where(Page.lead_id == lead.id, Page.salesperson_id.is_not(None))
    )
    listing = lead.listing
    return LeadFacts(
        kind=lead.kind,
        caller_phone=lead.caller_phone,
        related_phones=(lead.related_phone,) if lead.related_phone else (),
        asked_for_id=lead.asked_for_id,
        listing_agent_id=listing.agent_id if listing else None,
        listing_label=listing.address if listing else None,
        area=lead.area or None,
        excluded_ids=frozenset(already_paged),
    )


def team(*, session: Session, office_id: int) -> tuple[Salesperson, ...]:
    rows = session.scalars(
        select(SalespersonRow)
        .where(SalespersonRow.office_id == office_id)
        .order_by(SalespersonRow.rotation_position, SalespersonRow.id)
    )
    return tuple(
        Salesperson(
            id=row.id,
            name=row.name,
            rotation_position=row.rotation_position,
            # Routing's "active" means reachable by SMS: a salesperson who texted STOP
            # is skipped until START, like a deactivated one.
            active=row.active and not row.sms_opted_out,
            status=row.status,
            skills=frozenset(s for s in row.skills.split(",") if s),
        )
        for row in rows
    )


def rotation_state(*, session: Session, office_id: int) -> RotationState:
    pointers = session.execute(
        select(RotationPointer.pool, RotationPointer.salesperson_id).where(
            RotationPointer.office_id == office_id
        )
    )
    owed = session.scalars(
        select(SalespersonRow.id).where(
            SalespersonRow.office_id == office_id, SalespersonRow.makeup_owed.is_(True)
        )
    )
    return RotationState(
        last_served=tuple(sorted((pool, sid) for pool, sid in pointers)),
        makeup_owed=frozenset(owed),
    )


def office_rules(office: Office) -> OfficeRules:
    area = {part.strip().lower() for part in (office.target_area or "").split(",")}
    return OfficeRules(
        target_area=frozenset(a for a in area if a),
        ownership_lapse_days=office.ownership_lapse_days,
    )


def known_clients(*, session: Session, phones: list[str]) -> tuple[KnownClient, ...]:
    """The owner of each number: who last followed the client up, and when.

    Until the registration log (O3) comes, ownership follows acknowledgements and the
    outcomes salespeople report (C7): the salesperson behind the later of a number's
    latest acknowledgement and latest outcome report owns it, and that is the last contact.
    """
    found = []
    for phone in dict.fromkeys(p for p in phones if p):
        acknowledged = session.execute(
            select(Page.salesperson_id, Page.acknowledged_at)
            .join(Lead, Lead.id == Page.lead_id)
            .where(
                Lead.caller_phone == phone,
                Page.state == PageState.ACKNOWLEDGED,
                Page.salesperson_id.is_not(None),
            )
            .order_by(Page.acknowledged_at.desc())
            .limit(1)
        ).first()
        reported = session.execute(
            select(Lead.outcome_by_id, Lead.outcome_at)
            .where(Lead.caller_phone == phone, Lead.outcome_by_id.is_not(None))
            .order_by(Lead.outcome_at.desc())
            .limit(1)
        ).first()
        contacts = [row for row in (acknowledged, reported) if row is not None]
        if contacts:
            owner_id, last_contact_at = max(contacts, key=lambda row: row[1])
            found.append(
                KnownClient(phone=phone, owner_id=owner_id, last_contact_at=last_contact_at)
            )
    return tuple(found)


def gather_inputs(*, session: Session, lead: Lead, office: Office, now: datetime) -> RoutingInputs:
    facts = lead_facts(session=session, lead=lead)
    return RoutingInputs(
        lead=facts,
        team=team(session=session, office_id=office.id),
        rotation=rotation_state(session=session, office_id=office.id),
        rules=office_rules(office),
        known_clients=known_clients(
            session=session, phones=[facts.caller_phone, *facts.related_phones]
        ),
        now=now,
    )


def decide(
    *, session: Session, lead: Lead, office: Office, now: datetime
) -> tuple[RoutingDecision, dict]:
    """The decision for this lead and its inputs as JSON; the rotation state it leaves is
    written back. The office row is locked first (PostgreSQL) so two leads logged at
    once cannot both take the same rotation turn; SQLite's write lock does the same."""
    # FOR NO KEY UPDATE, not FOR UPDATE: the lead just inserted holds a KEY SHARE lock on
    # this row through its foreign key, and FOR UPDATE would deadlock two leads logged at
    # once (measured: 503s under 10 concurrent clients on PostgreSQL).
    session.execute(select(Office.id).where(Office.id == office.id).with_for_update(key_share=True))
    inputs = gather_inputs(session=session, lead=lead, office=office, now=now)
    decision = choose_salesperson(inputs)
    if decision.rotation_after != inputs.rotation:
        save_rotation(session=session, office_id=office.id, state=decision.rotation_after)
    return decision, inputs_to_json(inputs)


def save_rotation(*, session: Session, office_id: int, state: RotationState) -> None:
    pointers = {
        p.pool: p
        for p in session.scalars(
            select(RotationPointer).where(RotationPointer.office_id == office_id)
        )
    }
    for pool, salesperson_id in state.last_served:
        if pool in pointers:
            pointers[pool].salesperson_id = salesperson_id
        else:
            session.add(
                RotationPointer(office_id=office_id, pool=pool, salesperson_id=salesperson_id)
            )
    for person in session.scalars(
        select(SalespersonRow).where(SalespersonRow.office_id == office_id)
    ):
        person.makeup_owed = person.id in state.makeup_owed
