"""A salesperson who opts out of SMS (STOP and Twilio's other words, or Twilio reporting
them on its opt-out list) and back in (START): routing skips them meanwhile
(routing_inputs.team), the change is recorded, and the manager is told by SMS."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.models import Salesperson
from dispatcher.office.controls import record_change
from dispatcher.sms.manager_messages import tell_manager


def opt_out(*, session: Session, person: Salesperson, how: str, now: datetime) -> int | None:
    """Mark them unreachable by SMS. ``how`` says how we learnt it ("texted STOP").
    Returns the manager's message to send after the commit (None: nothing new to tell)."""
    if person.sms_opted_out:
        return None
    person.sms_opted_out, person.sms_opted_out_at = True, now
    record_change(
        session=session,
        office_id=person.office_id,
        actor=person.name,
        now=now,
        kind="sms_opt_out",
        detail=f"{person.name} {how}: no SMS pages until they text START",
    )
    return tell_manager(
        session=session,
        office_id=person.office_id,
        body=f"{person.name} {how}: they get no SMS pages until they text START to this number.",
        now=now,
    )


def opt_in(*, session: Session, person: Salesperson, now: datetime) -> int | None:
    """They texted START: pages reach them again, and routing counts them back in."""
    if not person.sms_opted_out:
        return None
    person.sms_opted_out, person.sms_opted_out_at = False, None
    record_change(
        session=session,
        office_id=person.office_id,
        actor=person.name,
        now=now,
        kind="sms_opt_in",
        detail=f"{person.name} texted START: SMS pages again",
    )
    return tell_manager(
        session=session,
        office_id=person.office_id,
        body=f"{person.name} texted START: they get SMS pages again.",
        now=now,
    )
