"""A page's life: sent, acknowledged or missed, and the reassignment after a miss.

Every move out of 'open' is one conditional UPDATE; only the caller whose update
changed the row acts, so an acknowledgement and a deadline that race settle in the
database, not in the order processes happen to run (design.md, Invariants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from dispatcher.clock import deadline_after
from dispatcher.leads.service import assign_lead
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, LeadEvent, ManagerMessage, Office, Page
from dispatcher.pages.taken import TAKEN_STATES, tell_taken
from dispatcher.sms import SentMessage

# How an open page closes without an acknowledgement, in the manager's words.
WHY_CLOSED = {
    "missed": "did not answer",
    "declined": "passed",
    "failed": "could not be reached by SMS",
}


def claim_send(
    *, session: Session, page_id: int, now: datetime, claim_timeout: timedelta
) -> Page | None:
    """Take the right to send this page, or None if it is sent, closed or being sent (by
    a claim younger than ``claim_timeout``; an older one died with its worker)."""
    result = session.execute(
        update(Page)
        .where(
            Page.id == page_id,
            Page.sent_at.is_(None),
            Page.state.in_(("open", "notify")),
            or_(Page.send_claimed_at.is_(None), Page.send_claimed_at < now - claim_timeout),
        )
        .values(send_claimed_at=now, send_attempts=Page.send_attempts + 1)
    )
    return session.get(Page, page_id) if result.rowcount == 1 else None


def record_sent(
    *,
    session: Session,
    page: Page,
    sent: SentMessage,
    now: datetime,
    deadline_seconds: int,
    found: bool = False,
    copies: int = 1,
) -> Page:
    """The page went out: its deadline starts now.

    ``found``: an earlier try whose answer was lost had reached Twilio, and the lookup
    found it (nothing sent again). ``copies``: how many SMS of this page Twilio holds;
    more than one is a duplicate, kept on the timeline where it can be counted.
    """
    page.sent_at = now
    page.message_sid = sent.sid
    page.delivery_status = sent.status
    page.send_error = None
    if page.state == "open":
        page.deadline_at = deadline_after(now, deadline_seconds)
    who = page.salesperson.name if page.salesperson else "the manager"
    detail = f"SMS page to {who}"
    if found:
        detail += " (an earlier try reached Twilio; found there, not sent again)"
    record_event(
        session=session, lead_id=page.lead_id, kind="paged", at=now, page_id=page.id, detail=detail
    )
    if copies > 1:
        record_event(
            session=session,
            lead_id=page.lead_id,
            kind="duplicate_sms",
            at=now,
            page_id=page.id,
            detail=f"{who} was sent this page {copies} times",
        )
    return page


def record_send_failure(*, session: Session, page: Page, error: str, now: datetime) -> None:
    """Keep the failure where the coordinator sees it, and free the page for a retry."""
    page.send_error = error[:300]
    page.send_claimed_at = None
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind="page_failed",
        at=now,
        page_id=page.id,
        detail=f"Attempt {page.send_attempts}: {error}"[:300],
    )


def record_unchecked_resend(*, session: Session, page: Page, error: str, now: datetime) -> None:
    """About to send again without knowing whether an earlier try reached Twilio (the
    lookup failed): a possible duplicate, counted on the timeline before it is sent."""
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind="unchecked_resend",
        at=now,
        page_id=page.id,
        detail=(
            f"Attempt {page.send_attempts}: sent again without being able to check Twilio "
            f"for an earlier try ({error}); it may arrive twice"
        )[:300],
    )


def unchecked_resends(*, session: Session, page_id: int) -> int:
    """How many times the page was sent again without the lookup (0 or 1)."""
    return session.scalar(
        select(func.count())
        .select_from(LeadEvent)
        .where(LeadEvent.page_id == page_id, LeadEvent.kind == "unchecked_resend")
    )


def recorded_sids(*, session: Session, sids: list[str]) -> set[str]:
    """Those of ``sids`` already recorded on a page or a manager's message."""
    if not sids:
        return set()
    on_pages = session.scalars(select(Page.message_sid).where(Page.message_sid.in_(sids)))
    on_messages = session.scalars(
        select(ManagerMessage.message_sid).where(ManagerMessage.message_sid.in_(sids))
    )
    return set(on_pages) | set(on_messages)


def acknowledge_page(
    *, session: Session, page_id: int, now: datetime, by: str, actor: str | None = None
) -> bool:
    """Mark the page acknowledged; False if it was no longer open (missed, or already acked).

    ``by`` is how it came (sms, coordinator); ``actor`` who recorded it, for the timeline.
    """
    result = session.execute(
        update(Page)
        .where(Page.id == page_id, Page.state == "open")
        .values(
            state="acknowledged",
            acknowledged_at=now,
            acknowledged_by=by,
            closed_at=now,
            version=Page.version + 1,
        )
    )
    if result.rowcount != 1:
        return False
    page = session.get(Page, page_id)
    session.refresh(page)
    lead = session.get(Lead, page.lead_id)
    lead.state = "acknowledged"
    who = page.salesperson.name if page.salesperson else "the manager"
    record_event(
        session=session,
        lead_id=lead.id,
        kind="acknowledged",
        at=now,
        page_id=page.id,
        detail=f"{who} acknowledged ({by})",
        actor=actor or by,
    )
    return True


@dataclass(frozen=True)
class DeadlineOutcome:
    """What the deadline check did: ``early`` carries the stored deadline to wait for."""

    action: str  # nothing | early | reassigned
    deadline_at: datetime | None = None
    next_page_id: int | None = None


def handle_deadline(
    *, session: Session, page_id: int, now: datetime, deadline_seconds: int
) -> DeadlineOutcome:
    """After the deadline, close the page as missed, leave the notice, page the next.

    Safe to call early (it says so and changes nothing) and twice (the second call finds
    the page closed).
    """
    page = session.get(Page, page_id)
    if page is None or page.state != "open" or page.sent_at is None:
        return DeadlineOutcome("nothing")
    if now < page.deadline_at:
        return DeadlineOutcome("early", deadline_at=page.deadline_at)
    next_page_id = close_and_reassign(
        session=session,
        page=page,
        state="missed",
        now=now,
        deadline_seconds=deadline_seconds,
        why=f"{page.salesperson.name} did not acknowledge within the deadline",
    )
    if next_page_id is False:
        return DeadlineOutcome("nothing")
    return DeadlineOutcome("reassigned", next_page_id=next_page_id)


def fail_page(
    *, session: Session, page_id: int, error: str, now: datetime, deadline_seconds: int
) -> DeadlineOutcome:
    """A page that can never be delivered (Twilio refused it for good): the lead moves
    on now rather than waiting out a deadline that never started."""
    page = session.get(Page, page_id)
    if page is None or page.state != "open":
        return DeadlineOutcome("nothing")
    next_page_id = close_and_reassign(
        session=session,
        page=page,
        state="failed",
        now=now,
        deadline_seconds=deadline_seconds,
        why=f"The page to {page.salesperson.name} could not be sent: {error}"[:300],
    )
    if next_page_id is False:
        return DeadlineOutcome("nothing")
    return DeadlineOutcome("reassigned", next_page_id=next_page_id)


def close_and_reassign(
    *, session: Session, page: Page, state: str, now: datetime, deadline_seconds: int, why: str
) -> int | None | bool:
    """Move the open page to ``state`` with one conditional update and give the lead to
    the next salesperson. False if another process closed the page first; else the next
    page's id (None when nobody could be paged)."""
    result = session.execute(
        update(Page)
        .where(Page.id == page.id, Page.state == "open", Page.version == page.version)
        .values(state=state, closed_at=now, version=Page.version + 1)
    )
    if result.rowcount != 1:
        return False
    session.refresh(page)
    lead = session.get(Lead, page.lead_id)
    office = session.get(Office, lead.office_id)
    record_event(session=session, lead_id=lead.id, kind=state, at=now, page_id=page.id, detail=why)
    manager_reason = None
    if page.assignment.manager_decides_on_miss:
        # C3/O4: a caller who asked for this salesperson is theirs; nobody else is paged.
        manager_reason = (
            f"{page.salesperson.name} was asked for by name and {WHY_CLOSED[state]}: "
            "the manager decides"
        )
    next_page = assign_lead(
        session=session,
        lead=lead,
        office=office,
        now=now,
        deadline_seconds=deadline_seconds,
        manager_reason=manager_reason,
    )
    if state in TAKEN_STATES:
        tell_taken(
            session=session, page=page, lead=lead, office=office, next_page=next_page, now=now
        )
    if next_page is None:
        return None
    who = next_page.salesperson.name if next_page.salesperson else "the manager"
    record_event(
        session=session,
        lead_id=lead.id,
        kind="reassigned",
        at=now,
        page_id=next_page.id,
        detail=f"Given to {who}",
    )
    return next_page.id


def pages_to_send(
    *,
    session: Session,
    now: datetime,
    older_than: timedelta,
    claim_timeout: timedelta,
    limit: int = 100,
) -> list[int]:
    """Pages written longer ago than ``older_than`` and still not out nor being sent."""
    return list(
        session.scalars(
            select(Page.id)
            .where(
                Page.sent_at.is_(None),
                Page.created_at < now - older_than,
                Page.state.in_(("open", "notify")),
                or_(Page.send_claimed_at.is_(None), Page.send_claimed_at < now - claim_timeout),
            )
            .order_by(Page.id)
            .limit(limit)
        )
    )


def overdue_pages(
    *, session: Session, now: datetime, grace: timedelta, limit: int = 100
) -> list[int]:
    """Sent pages still open past their deadline and grace: a lost job's work."""
    return list(
        session.scalars(
            select(Page.id)
            .where(Page.state == "open", Page.sent_at.is_not(None), Page.deadline_at < now - grace)
            .order_by(Page.deadline_at)
            .limit(limit)
        )
    )


def open_page_for(
    *, session: Session, salesperson_id: int, lead_id: int | None = None
) -> Page | None:
    """The newest open page that has gone out to the salesperson, or theirs for the lead
    ``lead_id``: the one page a reply acts on.

    One row is read, not all of their open pages: in a busy office a salesperson holds
    hundreds, and a reply looks inside its write transaction (on SQLite, the write lock
    that every deadline check and logged call waits for).
    """
    if lead_id is not None:
        return _open_page_of_lead(session=session, salesperson_id=salesperson_id, lead_id=lead_id)
    return session.scalar(
        select(Page)
        .where(
            Page.salesperson_id == salesperson_id,
            Page.state == "open",
            Page.sent_at.is_not(None),
        )
        .order_by(Page.id.desc())
        .limit(1)
    )


def _open_page_of_lead(*, session: Session, salesperson_id: int, lead_id: int) -> Page | None:
    """Their open page for the lead, found among the lead's few pages: asked in one
    query, SQLite (without statistics) would walk the salesperson's open pages by
    ix_page_salesperson_open instead of the lead's by ix_page_lead_id."""
    of_lead = session.scalars(select(Page).where(Page.lead_id == lead_id).order_by(Page.id.desc()))
    for page in of_lead:
        if page.salesperson_id == salesperson_id and page.state == "open" and page.sent_at:
            return page
    return None


def open_pages_for(*, session: Session, salesperson_id: int) -> list[Page]:
    """The salesperson's open pages that have gone out to them, newest first."""
    return list(
        session.scalars(
            select(Page)
            .where(
                Page.salesperson_id == salesperson_id,
                Page.state == "open",
                Page.sent_at.is_not(None),
            )
            .order_by(Page.id.desc())
        )
    )
