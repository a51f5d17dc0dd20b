"""What came of a salesperson's call to the client (C7), as they report it by SMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, Salesperson

# The outcome as stored, and in the office's words.
OUTCOMES = {
    "appointment_set": "appointment set",
    "listing_appointment": "listing appointment",
    "not_interested": "not interested",
    "wrong_number": "wrong number",
    "no_answer": "no answer",
    "other": "other",
}


def record_outcome(
    *, session: Session, lead: Lead, person: Salesperson, outcome: str, now: datetime
) -> None:
    """Keep the latest outcome on the lead and every report on its timeline.

    A second report replaces the first on the lead (the timeline keeps both, O3); it also
    counts as the client's last contact for ownership (routing_inputs.known_clients).
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
