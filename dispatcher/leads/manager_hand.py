"""The manager's hand on a lead (C5: the manager decides): give it to a chosen
salesperson, close it with a reason, reopen a closed one. The coordinator may act for
the manager, and the timeline says so ("coordinator for the manager").

Each action adds to the timeline and edits no earlier entry: an action is undone only
by another (a closed lead is reopened, a lead given to the wrong person is given again).
These are services: they change rows and never commit (dispatcher/unit_of_work.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.leads.service import MAX_RECORD_ID, page_chosen
from dispatcher.leads.timeline import record_event
from dispatcher.models import (
    Lead,
    LeadState,
    Office,
    Page,
    PageState,
    Role,
    Salesperson,
)
from dispatcher.pages.taken import tell_taken
from routing.decision import RULE_ASSIGNED

# A lead with a page out, or waiting for the manager, may be given by hand. One that
# was acknowledged is its salesperson's (their client now, O1); it may only be closed.
# A held lead (nobody was on duty) may be given or closed by hand before it is paged.
ASSIGNABLE = (LeadState.OPEN, LeadState.MANAGER, LeadState.HELD)
CLOSABLE = (LeadState.OPEN, LeadState.MANAGER, LeadState.ACKNOWLEDGED, LeadState.HELD)
# Reopened, a closed lead waits for the manager (pinned on the board); a call closed as
# not a client is a call to complete again.
REOPENED_TO = {LeadState.CLOSED: LeadState.MANAGER, LeadState.NOT_A_CLIENT: LeadState.STUB}
STATE_WORDS = {
    LeadState.STUB: "a call not completed yet: complete it first",
    LeadState.ACKNOWLEDGED: "acknowledged: it is its salesperson's now",
    LeadState.CLOSED: "closed: reopen it first",
    LeadState.NOT_A_CLIENT: "closed as not a client: reopen it first",
    LeadState.OPEN: "open",
    LeadState.MANAGER: "waiting for the manager",
    LeadState.HELD: "held until someone is on duty",
}


class NotNow(Exception):
    """The action does not fit the lead as it stands (closed, already theirs, changed
    meanwhile); the message says why, for the flash. Nothing was changed."""


def acting_for_the_manager(*, username: str, role: str) -> str:
    """Who the timeline names: the manager themself, or "coordinator for the manager"."""
    if role == Role.COORDINATOR:
        return f"{username} for the manager"
    return username


def assign_by_hand(
    *,
    session: Session,
    lead: Lead,
    salesperson_id: int,
    actor: str,
    now: datetime,
    deadline_seconds: int,
) -> Page:
    """Give the lead to the chosen salesperson: the returned page is theirs, sent after the
    commit with the usual deadline. A page still open to someone else is taken from them
    (moved), with the notice and SMS of a taken page. No rotation turn is taken or owed:
    the manager chose, the rotation did not. If they miss or pass, the lead comes back to
    the manager (nobody else is paged behind the manager's choice)."""
    person = _chosen(session=session, lead=lead, salesperson_id=salesperson_id)
    if lead.state not in ASSIGNABLE:
        raise NotNow(f"Ref {lead.id} is {STATE_WORDS[lead.state]}.")
    taken = _open_page(session=session, lead=lead)
    if taken is not None and taken.salesperson_id == person.id:
        raise NotNow(f"Ref {lead.id} is already paged to {person.name}.")
    _move_on(session=session, lead=lead, to=LeadState.OPEN)
    if taken is not None:
        _take(session=session, page=taken, actor=actor, now=now)
    page = page_chosen(
        session=session,
        lead=lead,
        salesperson_id=person.id,
        rule=RULE_ASSIGNED,
        reason=f"Assigned by {actor}",
        now=now,
        deadline_seconds=deadline_seconds,
        manager_decides_on_miss=True,
    )
    record_event(
        session=session,
        lead_id=lead.id,
        kind="assigned",
        at=now,
        page_id=page.id,
        detail=f"Given to {person.name} by hand",
        actor=actor,
    )
    if taken is not None:
        office = session.get(Office, lead.office_id)
        tell_taken(session=session, page=taken, lead=lead, office=office, next_page=page, now=now)
    return page


def close_lead(*, session: Session, lead: Lead, reason: str, actor: str, now: datetime) -> None:
    """Close the lead for the reason given (a duplicate, a wrong number, the client went
    elsewhere): off the board, kept on record. A page still open is taken from its
    salesperson, who is told the manager took the client back."""
    if lead.state not in CLOSABLE:
        raise NotNow(f"Ref {lead.id} is {STATE_WORDS[lead.state]}.")
    taken = _open_page(session=session, lead=lead)
    _move_on(session=session, lead=lead, to=LeadState.CLOSED)
    if taken is not None:
        _take(session=session, page=taken, actor=actor, now=now)
    record_event(
        session=session,
        lead_id=lead.id,
        kind="closed",
        at=now,
        detail=f"Closed: {reason.strip()}",
        actor=actor,
    )
    if taken is not None:
        office = session.get(Office, lead.office_id)
        tell_taken(session=session, page=taken, lead=lead, office=office, next_page=None, now=now)


def reopen_lead(*, session: Session, lead: Lead, actor: str, now: datetime) -> str:
    """Reopen a closed lead: it waits for the manager again (a call closed as not a
    client waits to be completed). Nobody is paged. Returns the new state."""
    to = REOPENED_TO.get(lead.state)
    if to is None:
        raise NotNow(f"Ref {lead.id} is not closed.")
    _move_on(session=session, lead=lead, to=to)
    where = "waits for the manager" if to == LeadState.MANAGER else "waits to be completed"
    record_event(
        session=session,
        lead_id=lead.id,
        kind="reopened",
        at=now,
        detail=f"Reopened: {where}",
        actor=actor,
    )
    return to


def _chosen(*, session: Session, lead: Lead, salesperson_id: int) -> Salesperson:
    person = (
        session.get(Salesperson, salesperson_id) if 1 <= salesperson_id <= MAX_RECORD_ID else None
    )
    if person is None or person.office_id != lead.office_id:
        raise NotNow(f"No salesperson with id {salesperson_id}.")
    if not person.active:
        raise NotNow(f"{person.name} is not active: choose someone else.")
    if person.sms_opted_out:
        raise NotNow(f"{person.name} texted STOP: pages cannot reach them. Choose someone else.")
    return person


def _open_page(*, session: Session, lead: Lead) -> Page | None:
    return session.scalar(
        select(Page)
        .where(Page.lead_id == lead.id, Page.state == PageState.OPEN)
        .order_by(Page.id.desc())
        .limit(1)
    )


def _move_on(*, session: Session, lead: Lead, to: str) -> None:
    """One conditional update from the state read, so two hands (two managers, or the
    manager and a reply) cannot both act on the same lead."""
    changed = session.execute(
        update(Lead).where(Lead.id == lead.id, Lead.state == lead.state).values(state=to)
    )
    if changed.rowcount != 1:
        raise NotNow(f"Ref {lead.id} changed meanwhile: look at it again.")
    session.refresh(lead)


def _take(*, session: Session, page: Page, actor: str, now: datetime) -> None:
    """Close the open page as moved, if it is still open as read (else NotNow: it was
    acknowledged, missed or passed meanwhile, and the work is rolled back)."""
    changed = session.execute(
        update(Page)
        .where(Page.id == page.id, Page.state == PageState.OPEN, Page.version == page.version)
        .values(state=PageState.MOVED, closed_at=now, version=Page.version + 1)
    )
    if changed.rowcount != 1:
        raise NotNow(f"Ref {page.lead_id} changed meanwhile: look at it again.")
    session.refresh(page)
    who = page.salesperson.name if page.salesperson else "the salesperson"
    record_event(
        session=session,
        lead_id=page.lead_id,
        kind=PageState.MOVED,
        at=now,
        page_id=page.id,
        detail=f"Page to {who} taken back by hand",
        actor=actor,
    )
