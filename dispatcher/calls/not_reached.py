"""Item 4: a lead acknowledged but with no verified contact (the client not reached by a
call through the office's number) after NOT_REACHED_REMINDER_MINUTES of the office's
working hours reminds the salesperson by SMS; as long again after the reminder, the
manager is told, and an office that chose so (Office.reassign_when_not_reached, off by
default) gives the lead to the next salesperson.

A job at a fixed id runs the check when due (``reach-<page id>``), and the sweeper runs
it for any page a lost job left behind. The page's row decides, not the job's timing:
each step is one conditional update of its own column (reach_reminded_at,
reach_escalated_at), so a second run, or the job and the sweeper at once, act once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.language import in_language
from dispatcher.leads.service import assign_lead
from dispatcher.leads.timeline import record_event
from dispatcher.models import Lead, LeadState, Office, Page, PageState
from dispatcher.office.schedule import office_schedule
from dispatcher.sms.manager_messages import tell_manager, write_sms
from routing.contact import after_working_minutes

# The backstop looks this far back: an acknowledgement older than this is left alone.
LOOK_BACK = timedelta(days=7)


@dataclass(frozen=True)
class ReachCheck:
    """What the check did: ``action`` is reached (nothing to do), early, reminded,
    escalated, or done (both told already); ``due_at``: when to look again."""

    action: str
    due_at: datetime | None = None
    messages: tuple[int, ...] = ()  # SMS to send after the commit (ManagerMessage ids)
    next_page_id: int | None = None  # the lead given to the next salesperson


def check_not_reached(
    *, session: Session, page_id: int, now: datetime, minutes: int, deadline_seconds: int
) -> ReachCheck:
    page = session.get(Page, page_id)
    if page is None or page.state != PageState.ACKNOWLEDGED or page.salesperson_id is None:
        return ReachCheck("reached")
    lead = session.get(Lead, page.lead_id)
    if lead.client_reached_at is not None or lead.state != LeadState.ACKNOWLEDGED:
        return ReachCheck("reached")
    office = session.get(Office, lead.office_id)
    calendar = office_schedule(session=session, office=office).calendar
    if page.reach_reminded_at is None:
        due = after_working_minutes(calendar, page.acknowledged_at, minutes)
        if now < due:
            return ReachCheck("early", due)
        if not _mark(session, page, Page.reach_reminded_at, now):
            return ReachCheck("done")
        # The manager's step is due as long again, in working minutes (no sooner than
        # in plain minutes: the check then puts itself off as needed).
        return ReachCheck(
            "reminded",
            now + timedelta(minutes=minutes),
            messages=(_remind(session, page, lead, now),),
        )
    if page.reach_escalated_at is not None:
        return ReachCheck("done")
    due = after_working_minutes(calendar, page.reach_reminded_at, minutes)
    if now < due:
        return ReachCheck("early", due)
    if not _mark(session, page, Page.reach_escalated_at, now):
        return ReachCheck("done")
    name = page.salesperson.name
    with in_language(office.language):
        body = gettext(
            "Ref %(ref)s: acknowledged by %(name)s, but the client has not been reached "
            "by a call through the office yet.",
            ref=lead.id,
            name=name,
        )
    told = tell_manager(session=session, office_id=office.id, body=body, now=now)
    record_event(
        session=session,
        lead_id=lead.id,
        kind="not_reached",
        at=now,
        page_id=page.id,
        detail=f"Client not reached by {name}: the manager was told",
    )
    next_page_id = None
    if office.reassign_when_not_reached:
        next_page_id = _reassign(session, lead, office, now, deadline_seconds, name)
    return ReachCheck(
        "escalated",
        messages=(told,) if told is not None else (),
        next_page_id=next_page_id,
    )


def _mark(session: Session, page: Page, column, now: datetime) -> bool:
    """Set the step's column if unset: True for the one run that set it."""
    changed = session.execute(
        update(Page)
        .where(Page.id == page.id, column.is_(None), Page.state == PageState.ACKNOWLEDGED)
        .values({column: now})
    )
    if changed.rowcount != 1:
        return False
    session.refresh(page)
    return True


def _remind(session: Session, page: Page, lead: Lead, now: datetime) -> int:
    """The reminder, an SMS to the salesperson (never the client's name, C4)."""
    with in_language(session.get(Office, lead.office_id).language):
        body = gettext(
            "Ref %(ref)s: the client has not been reached yet. Call them through the "
            "office: Call the client on your page, or call the office and press 1.",
            ref=lead.id,
        )
    message_id = write_sms(
        session=session, office_id=lead.office_id, to=page.salesperson.mobile, body=body, now=now
    )
    record_event(
        session=session,
        lead_id=lead.id,
        kind="not_reached",
        at=now,
        page_id=page.id,
        detail=f"Client not reached yet: {page.salesperson.name} reminded by SMS",
    )
    return message_id


def _reassign(
    session: Session, lead: Lead, office: Office, now: datetime, deadline_seconds: int, name: str
) -> int | None:
    """The office's choice: the lead goes on to the next salesperson (routing leaves out
    everyone already paged for it). The acknowledged page stays as it was."""
    lead.state = LeadState.OPEN
    next_page = assign_lead(
        session=session,
        lead=lead,
        office=office,
        now=now,
        deadline_seconds=office.deadline_seconds(deadline_seconds),
    )
    who = (
        "nobody"
        if next_page is None
        else (next_page.salesperson.name if next_page.salesperson else "the manager")
    )
    record_event(
        session=session,
        lead_id=lead.id,
        kind="reassigned",
        at=now,
        page_id=next_page.id if next_page else None,
        detail=f"Client not reached by {name}: given to {who}",
    )
    return next_page.id if next_page is not None else None


def due_pages(*, session: Session, now: datetime, minutes: int) -> list[int]:
    """The backstop's candidates: acknowledged at least ``minutes`` ago (working time is
    never shorter than wall time), within LOOK_BACK, the client not reached and a step
    still to take. The check itself decides whether each is due."""
    return list(
        session.scalars(
            select(Page.id)
            .join(Lead, Lead.id == Page.lead_id)
            .where(
                Page.state == PageState.ACKNOWLEDGED,
                Page.salesperson_id.is_not(None),
                Page.acknowledged_at <= now - timedelta(minutes=minutes),
                Page.acknowledged_at >= now - LOOK_BACK,
                Page.reach_escalated_at.is_(None),
                Lead.state == LeadState.ACKNOWLEDGED,
                Lead.client_reached_at.is_(None),
            )
            .order_by(Page.id)
        )
    )
