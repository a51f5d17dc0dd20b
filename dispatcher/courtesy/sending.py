"""A courtesy message is sent like a page (dispatcher.sms.outbound): claimed by one
conditional UPDATE committed before Twilio is called, looked up at Twilio before a second
try, recorded once. What is particular to it: it never goes before its minute, nor while
held or skipped, and at the last moment it is checked again (the client may have texted
STOP, the template lost its approval, the contract been signed, the quiet hours begun)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dispatcher.models import Client, CourtesyMessage, CourtesyTemplate, Office
from dispatcher.sms.outbound import Sending
from routing.courtesy import out_of_quiet, parse_quiet_hours

# A message held back (a hold released late, the workers down for a day) is not sent
# this long after its minute: a birthday greeting a week late is worse than none.
TOO_LATE = timedelta(hours=12)


class CourtesySending(Sending):
    def __init__(self, clock: Callable[[], datetime]):
        super().__init__(CourtesyMessage, "courtesy message")
        self.clock = clock
        self.moved_to: datetime | None = None  # set when the quiet hours put it off

    def sendable(self) -> tuple[Any, ...]:
        model = CourtesyMessage
        return (model.send_at <= self.clock(), model.held.is_(False), model.skipped == "")

    def still_wanted(self, session: Session, row: CourtesyMessage) -> bool:
        reason = why_not_now(session, row, self.clock())
        if reason is None:
            return True
        if reason == "quiet":
            office = session.get(Office, row.office_id)
            quiet = parse_quiet_hours(office.quiet_hours)
            # Put off to the end of the quiet hours, freed for the job queued then.
            row.send_at = out_of_quiet(self.clock(), office.timezone, quiet)
            row.send_claimed_at = None
            self.moved_to = row.send_at
        else:
            row.skipped = reason
        return False


def why_not_now(session: Session, row: CourtesyMessage, now: datetime) -> str | None:
    """None when the message may go out now; else why not ("quiet": later)."""
    client = session.get(Client, row.client_id)
    template = session.get(CourtesyTemplate, row.template_id)
    office = session.get(Office, row.office_id)
    if client.courtesy_opted_out:
        return "the client texted STOP"
    if template.approved_at is None:
        return "the template is not approved"
    if template.held:
        return "the template is held"
    if template.kind == "signing_reminder" and client.contract_signed_at is not None:
        return "the contract is signed"
    if now - row.send_at > TOO_LATE:
        return "too late"
    quiet = parse_quiet_hours(office.quiet_hours)
    if out_of_quiet(now, office.timezone, quiet) != now:
        return "quiet"
    return None


def overdue(
    session: Session, *, now: datetime, grace: timedelta, claim_timeout: timedelta, limit: int = 500
) -> list[int]:
    """Messages past their minute by more than ``grace`` that no job sent (Redis was
    away, a worker died after its claim): the sweeper's."""
    model = CourtesyMessage
    return list(
        session.scalars(
            select(model.id)
            .where(
                model.sent_at.is_(None),
                model.held.is_(False),
                model.skipped == "",
                model.send_at < now - grace,
                or_(model.send_claimed_at.is_(None), model.send_claimed_at < now - claim_timeout),
            )
            .order_by(model.send_at)
            .limit(limit)
        )
    )
