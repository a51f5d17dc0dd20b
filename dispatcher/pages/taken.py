"""A page taken from a salesperson (missed, undeliverable, or moved by the manager): the
note in their mailbox (C6), a short SMS, and the words a late reply gets. All say where
the lead went in true words: to a colleague (never named: who serves a client is the
office's business, and a name invites a quarrel over the lead) or to the manager.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clock import local_time
from dispatcher.models import Lead, ManagerMessage, Notice, Office, Page, PageState, Salesperson
from dispatcher.unit_of_work import queue_after_commit

# How a page is taken from its salesperson; "declined" is theirs (NO / PASS), not taken.
# MOVED: the manager (or the coordinator for them) gave the lead to another or closed it.
TAKEN_STATES = (PageState.MISSED, PageState.FAILED, PageState.MOVED)
COLLEAGUE = "a colleague"
MANAGER = "the manager"
MAILBOX = "A notice is in your mailbox."
# A page is taken minutes after it is written (its deadline, a failed send); bounding
# the look-up by the time written lets the index on (salesperson, created_at) find them
# among the thousands a salesperson gathers over the years.
TAKEN_WITHIN = timedelta(days=1)


def tell_taken(
    *,
    session: Session,
    page: Page,
    lead: Lead,
    office: Office,
    next_page: Page | None,
    now: datetime,
) -> None:
    """The page was just taken (closed as missed, failed or moved) and the lead given on:
    leave the notice, and write the SMS, queued after the commit (TAKEN_PAGE_SMS turns it
    off)."""
    if page.state == PageState.MOVED and page.sent_at is None:
        return  # moved before it went out: they never had it, there is nothing to tell
    went_to = COLLEAGUE if next_page is not None and next_page.salesperson_id else MANAGER
    session.add(
        Notice(
            salesperson_id=page.salesperson_id,
            page_id=page.id,
            lead_id=lead.id,
            body=_notice(page=page, lead=lead, timezone=office.timezone, went_to=went_to),
            created_at=now,
        )
    )
    person = page.salesperson
    if not _sms_on() or not _reachable(person):
        return
    if page.state == PageState.FAILED and page.sent_at is None:
        return  # Twilio refused to send to their number: an SMS to it would fail the same
    body = f"{taken_words(page=page, went_to=went_to, timezone=office.timezone)} {MAILBOX}"
    # A ManagerMessage row: an SMS about a person, not a page, claimed and sent once by
    # the same job (workers.jobs.send_manager_message), whoever it goes to.
    message = ManagerMessage(
        office_id=office.id, to_number=person.mobile, body=body[:320], created_at=now
    )
    session.add(message)
    session.flush()
    queue_after_commit(session, manager_messages=[message.id])


def _sms_on() -> bool:
    return not has_app_context() or bool(current_app.config.get("TAKEN_PAGE_SMS", True))


def _reachable(person: Salesperson | None) -> bool:
    """Not opted out (Twilio would refuse it) and no known-bad number (it would fail)."""
    return (
        person is not None
        and bool(person.mobile)
        and not person.sms_opted_out
        and not person.number_problem
    )


def _notice(*, page: Page, lead: Lead, timezone: str, went_to: str) -> str:
    fmt = "%a %d %b %H:%M"
    called = local_time(lead.created_at, timezone).strftime(fmt)
    paged = local_time(page.sent_at or page.created_at, timezone).strftime(fmt)
    what = "visited" if lead.channel == "walk_in" else "called"
    if page.state == PageState.FAILED and page.sent_at is None:
        how = f"The page written for you at {paged} could not be sent to your phone"
    elif page.state == PageState.FAILED:
        how = f"The page sent to you at {paged} could not reach your phone"
    elif page.state == PageState.MOVED:
        done = "gave the client to a colleague" if went_to == COLLEAGUE else "took the client back"
        return (
            f"A client {what} at {called} (Ref {lead.id}). "
            f"You were paged at {paged}; the manager {done}."
        )
    else:
        how = f"You were paged at {paged} and did not answer in time"
    return (
        f"A client {what} at {called} (Ref {lead.id}). {how}, so the client was given to {went_to}."
    )


def where_it_went(*, session: Session, page: Page) -> str:
    """Where the lead went after this page: the next page's salesperson or the manager
    (the manager's page, or none when no manager's mobile is set)."""
    after = session.scalar(
        select(Page.salesperson_id)
        .where(Page.lead_id == page.lead_id, Page.id > page.id)
        .order_by(Page.id)
        .limit(1)
    )
    return COLLEAGUE if after is not None else MANAGER


def taken_words(*, page: Page, went_to: str, timezone: str, now: datetime | None = None) -> str:
    """'Ref 9 went to a colleague at 10:52, no reply in 5 min.' in the office's time (with
    the day when ``now`` is another day)."""
    at = _clock(page.closed_at or page.created_at, timezone, now)
    if page.state == PageState.MOVED and went_to == COLLEAGUE:
        return f"Ref {page.lead_id} went to {went_to} at {at}: the manager moved it."
    if page.state == PageState.MOVED:
        return f"Ref {page.lead_id} was taken back by the manager at {at}."
    if page.state == PageState.FAILED:
        why = ": the page could not reach your phone"
    else:
        why = f", no reply in {_deadline_words(page)}" if page.sent_at else ""
    return f"Ref {page.lead_id} went to {went_to} at {at}{why}."


def _clock(moment: datetime, timezone: str, now: datetime | None) -> str:
    local = local_time(moment, timezone)
    if now is not None and local.date() != local_time(now, timezone).date():
        return local.strftime("%a %d %b %H:%M")
    return local.strftime("%H:%M")


def _deadline_words(page: Page) -> str:
    seconds = round((page.deadline_at - page.sent_at).total_seconds())
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} min"


def recently_taken(
    *, session: Session, salesperson_id: int, since: datetime, limit: int = 3
) -> list[Page]:
    """Their pages taken since ``since``, newest first."""
    return list(
        session.scalars(
            select(Page)
            .where(
                Page.salesperson_id == salesperson_id,
                Page.created_at >= since - TAKEN_WITHIN,
                Page.state.in_(TAKEN_STATES),
                Page.closed_at >= since,
            )
            .order_by(Page.closed_at.desc(), Page.id.desc())
            .limit(limit)
        )
    )
