"""A salesperson who opts out of SMS (STOP and Twilio's other words, or Twilio reporting
them on its opt-out list) and back in (START): routing skips them meanwhile
(routing_inputs.team), the change is recorded, and the manager is told by SMS."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy.orm import Session

from dispatcher.language import N_, in_language
from dispatcher.models import Office, Salesperson
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
    with _in_office_language(session, person):
        body = gettext(
            "%(name)s %(how)s: they get no SMS pages until they text START to this number.",
            name=person.name,
            how=gettext(how),
        )
    return tell_manager(session=session, office_id=person.office_id, body=body, now=now)


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
    with _in_office_language(session, person):
        body = gettext("%(name)s texted START: they get SMS pages again.", name=person.name)
    return tell_manager(session=session, office_id=person.office_id, body=body, now=now)


# How we learn of an opt-out (``how``), said in the manager's SMS in the office's language.
TEXTED_STOP = N_("texted STOP")
ON_TWILIOS_LIST = N_("is on Twilio's opt-out list")


def _in_office_language(session: Session, person: Salesperson):
    office = session.get(Office, person.office_id)
    return in_language(office.language if office is not None else None)
