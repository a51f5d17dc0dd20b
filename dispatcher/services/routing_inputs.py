"""Turning stored records into routing's plain data, and its decision into an assignment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.models import Assignment, Lead, Page
from dispatcher.models import Salesperson as SalespersonRow
from routing import LeadFacts, RoutingDecision, Salesperson, choose_salesperson
from routing.decision import RULE_ROTATION


def lead_facts(*, session: Session, lead: Lead) -> LeadFacts:
    """The facts routing needs; everyone already paged for this lead is excluded."""
    already_paged = session.scalars(
        select(Page.salesperson_id).where(Page.lead_id == lead.id, Page.salesperson_id.is_not(None))
    )
    listing = lead.listing
    return LeadFacts(
        kind=lead.kind,
        asked_for_id=lead.asked_for_id,
        listing_agent_id=listing.agent_id if listing else None,
        listing_label=listing.address if listing else None,
        excluded_ids=frozenset(already_paged),
    )


def office_salespeople(*, session: Session, office_id: int) -> list[Salesperson]:
    rows = session.execute(
        select(
            SalespersonRow.id,
            SalespersonRow.name,
            SalespersonRow.rotation_position,
            SalespersonRow.active,
        ).where(SalespersonRow.office_id == office_id)
    )
    return [Salesperson(*row) for row in rows]


def last_rotation_turn(*, session: Session, office_id: int) -> int | None:
    """Who took the office's latest rotation turn."""
    return session.scalar(
        select(Assignment.salesperson_id)
        .join(Lead, Lead.id == Assignment.lead_id)
        .where(Lead.office_id == office_id, Assignment.rule == RULE_ROTATION)
        .order_by(Assignment.id.desc())
        .limit(1)
    )


def decide(*, session: Session, lead: Lead) -> RoutingDecision:
    return choose_salesperson(
        lead_facts(session=session, lead=lead),
        office_salespeople(session=session, office_id=lead.office_id),
        last_rotation_id=last_rotation_turn(session=session, office_id=lead.office_id),
    )
