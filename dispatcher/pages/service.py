"""A page's life: sent, acknowledged or missed, and the reassignment after a miss.

Every move out of 'open' is one conditional UPDATE; only the caller whose update
changed the row acts, so an acknowledgement and a deadline that race settle in the
database, not in the order processes happen to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.clients.register import on_acknowledged
from dispatcher.language import N_, in_language
from dispatcher.leads.service import assign_lead
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, LeadState, Office, Page, PageState
from dispatcher.office.availability import count_miss
from dispatcher.pages.taken import TAKEN_STATES, tell_taken
from dispatcher.unit_of_work import queue_after_commit
from routing.decision import RULE_ASSIGNED

# How an open page closes without an acknowledgement, in the manager's words.
WHY_CLOSED = {
    PageState.MISSED: N_("did not answer"),
    PageState.DECLINED: N_("passed"),
    PageState.FAILED: N_("could not be reached by SMS"),
}


def acknowledge_page(
    *, session: Session, page_id: int, now: datetime, by: str, actor: str | None = None
) -> bool:
    """Mark the page acknowledged; False if it was no longer open (missed, or already acked).

    ``by`` is how it came (sms, coordinator); ``actor`` who recorded it, for the timeline.
    """
    result = session.execute(
        update(Page)
        .where(Page.id == page_id, Page.state == PageState.OPEN)
        .values(
            state=PageState.ACKNOWLEDGED,
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
    lead.state = LeadState.ACKNOWLEDGED
    if page.salesperson is not None and page.salesperson.misses_in_a_row:
        page.salesperson.misses_in_a_row = 0  # they answer again: the count starts over
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
    if page.salesperson_id is not None:
        on_acknowledged(
            session,
            office=session.get(Office, lead.office_id),
            lead_id=lead.id,
            salesperson_id=page.salesperson_id,
            now=now,
        )
        # Whether the client is reached by a call through the office (dispatcher/calls).
        queue_after_commit(session, reach_checks=[page.id])
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
    if page is None or page.state != PageState.OPEN or page.sent_at is None:
        return DeadlineOutcome("nothing")
    if now < page.deadline_at:
        return DeadlineOutcome("early", deadline_at=page.deadline_at)
    closing = close_and_reassign(
        session=session,
        page=page,
        state=PageState.MISSED,
        now=now,
        deadline_seconds=deadline_seconds,
        why=f"{page.salesperson.name} did not acknowledge within the deadline",
    )
    if not closing.closed:
        return DeadlineOutcome("nothing")
    return DeadlineOutcome("reassigned", next_page_id=closing.next_page_id)


@dataclass(frozen=True)
class Closing:
    """What ``close_and_reassign`` did. ``closed`` is False when another process closed
    the page first (and nothing was done); ``next_page_id`` is the page to send after
    the commit, None when nobody could be paged."""

    closed: bool
    next_page_id: int | None = None


def close_and_reassign(
    *, session: Session, page: Page, state: str, now: datetime, deadline_seconds: int, why: str
) -> Closing:
    """Move the open page to ``state`` with one conditional update and give the lead to
    the next salesperson."""
    result = session.execute(
        update(Page)
        .where(Page.id == page.id, Page.state == PageState.OPEN, Page.version == page.version)
        .values(state=state, closed_at=now, version=Page.version + 1)
    )
    if result.rowcount != 1:
        return Closing(closed=False)
    session.refresh(page)
    lead = session.get(Lead, page.lead_id)
    office = session.get(Office, lead.office_id)
    record_event(session=session, lead_id=lead.id, kind=state, at=now, page_id=page.id, detail=why)
    # What this writes to send (SMS, the notice) is in the office's language.
    with in_language(office.language):
        if state == PageState.MISSED:
            count_miss(session=session, person=page.salesperson, now=now)
        manager_reason = manager_why = None
        if page.assignment.manager_decides_on_miss:
            manager_reason, manager_why = _back_to_the_manager(page, lead, state)
    next_page = assign_lead(
        session=session,
        lead=lead,
        office=office,
        now=now,
        deadline_seconds=deadline_seconds,
        manager_reason=manager_reason,
        manager_why=manager_why,
    )
    if state in TAKEN_STATES:
        tell_taken(
            session=session, page=page, lead=lead, office=office, next_page=next_page, now=now
        )
    if next_page is None:
        return Closing(closed=True)
    who = next_page.salesperson.name if next_page.salesperson else "the manager"
    record_event(
        session=session,
        lead_id=lead.id,
        kind="reassigned",
        at=now,
        page_id=next_page.id,
        detail=f"Given to {who}",
    )
    return Closing(closed=True, next_page_id=next_page.id)


def _back_to_the_manager(page: Page, lead: Lead, state: str) -> tuple[str, str]:
    """(the reason kept with the decision, the words of the manager's SMS) when a lead
    that only the manager may pass on comes back: C3/O4, a caller who asked for this
    salesperson is theirs; or the manager gave it to them by hand and chooses again."""
    name, how = page.salesperson.name, WHY_CLOSED[state]
    said = {"name": name, "how": gettext(how)}
    if page.assignment.rule == RULE_ASSIGNED:
        return (
            f"{name}, given the lead by hand, {how}: the manager decides",
            gettext("%(name)s, to whom it was assigned, %(how)s", **said),
        )
    if lead.channel == "walk_in":
        sms = gettext("visitor asked for %(name)s, who %(how)s", **said)
    else:
        sms = gettext("caller asked for %(name)s, who %(how)s", **said)
    return f"{name} was asked for by name and {how}: the manager decides", sms


def overdue_pages(
    *, session: Session, now: datetime, grace: timedelta, limit: int = 100
) -> list[int]:
    """Sent pages still open past their deadline and grace: a lost job's work."""
    return list(
        session.scalars(
            select(Page.id)
            .where(
                Page.state == PageState.OPEN,
                Page.sent_at.is_not(None),
                Page.deadline_at < now - grace,
            )
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
            Page.state == PageState.OPEN,
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
        if page.salesperson_id == salesperson_id and page.state == PageState.OPEN and page.sent_at:
            return page
    return None


def open_pages_for(*, session: Session, salesperson_id: int) -> list[Page]:
    """The salesperson's open pages that have gone out to them, newest first."""
    return list(
        session.scalars(
            select(Page)
            .where(
                Page.salesperson_id == salesperson_id,
                Page.state == PageState.OPEN,
                Page.sent_at.is_not(None),
            )
            .order_by(Page.id.desc())
        )
    )
