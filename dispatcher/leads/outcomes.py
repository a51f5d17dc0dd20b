"""What came of a salesperson's call to the client (C7), as they report it by SMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.clients.register import on_follow_up
from dispatcher.language import N_
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, Office, Salesperson

# The outcome as stored, and in the office's words.
OUTCOMES = {
    "appointment_set": N_("appointment set"),
    "listing_appointment": N_("listing appointment"),
    "not_interested": N_("not interested"),
    "wrong_number": N_("wrong number"),
    "no_answer": N_("no answer"),
    "other": N_("other"),
}


def record_outcome(
    *, session: Session, lead: Lead, person: Salesperson, outcome: str, now: datetime
) -> None:
    """Keep the latest outcome on the lead and every report on its timeline.

    A second report replaces the first on the lead (the timeline keeps both, O3); it is a
    follow-up of the client too (O6: the owner's keeps the client theirs).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    lead.outcome, lead.outcome_at, lead.outcome_by_id = outcome, now, person.id
    record_event(
        session=session,
        lead_id=lead.id,
        kind="outcome",
        at=now,
        detail=f"{person.name} reported: {OUTCOMES[outcome]}",
        actor=person.name,
    )
    if outcome != "wrong_number":  # the client was not the one called
        on_follow_up(
            session,
            office=session.get(Office, lead.office_id),
            lead_id=lead.id,
            salesperson_id=person.id,
            now=now,
            detail=f"Reported on Ref {lead.id}: {OUTCOMES[outcome]}",
        )
