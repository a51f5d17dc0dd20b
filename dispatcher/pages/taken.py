"""A page taken from a salesperson (missed, undeliverable, or moved by the manager): the
note in their mailbox (C6), a short SMS, and the words a late reply gets. All say where
the lead went in true words: to a colleague (never named: who serves a client is the
office's business, and a name invites a quarrel over the lead) or to the manager.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clock import local_time
from dispatcher.language import N_, in_language, local_words, sentences
from dispatcher.models import Lead, ManagerMessage, Notice, Office, Page, PageState, Salesperson
from dispatcher.unit_of_work import queue_after_commit

# How a page is taken from its salesperson; "declined" is theirs (NO / PASS), not taken.
# MOVED: the manager (or the coordinator for them) gave the lead to another or closed it.
TAKEN_STATES = (PageState.MISSED, PageState.FAILED, PageState.MOVED)
# Where a lead went (compared as they are; said in the office's language by _to).
COLLEAGUE = "a colleague"
MANAGER = "the manager"
MAILBOX = N_("A notice is in your mailbox.")
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
    off). Both in the office's language."""
    with in_language(office.language):
        _tell_taken(
            session=session, page=page, lead=lead, office=office, next_page=next_page, now=now
        )


def _tell_taken(
    *,
    session: Session,
    page: Page,
    lead: Lead,
    office: Office,
    next_page: Page | None,
    now: datetime,
) -> None:
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
    said = taken_words(page=page, went_to=went_to, timezone=office.timezone)
    body = sentences(said, gettext(MAILBOX))
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
    said = {
        "called": local_words(lead.created_at, timezone),
        "paged": local_words(page.sent_at or page.created_at, timezone),
        "ref": lead.id,
        "to": _to(went_to),
    }
    if lead.channel == "walk_in":
        came = gettext("A client visited at %(called)s (Ref %(ref)s).", **said)
    else:
        came = gettext("A client called at %(called)s (Ref %(ref)s).", **said)
    if page.state == PageState.FAILED and page.sent_at is None:
        how = gettext(
            "The page written for you at %(paged)s could not be sent to your phone, "
            "so the client was given to %(to)s.",
            **said,
        )
    elif page.state == PageState.FAILED:
        how = gettext(
            "The page sent to you at %(paged)s could not reach your phone, "
            "so the client was given to %(to)s.",
            **said,
        )
    elif page.state == PageState.MOVED and went_to == COLLEAGUE:
        how = gettext(
            "You were paged at %(paged)s; the manager gave the client to a colleague.", **said
        )
    elif page.state == PageState.MOVED:
        how = gettext("You were paged at %(paged)s; the manager took the client back.", **said)
    else:
        how = gettext(
            "You were paged at %(paged)s and did not answer in time, "
            "so the client was given to %(to)s.",
            **said,
        )
    return sentences(came, how)


def _to(went_to: str) -> str:
    return gettext("a colleague") if went_to == COLLEAGUE else gettext("the manager")


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
    the day when ``now`` is another day), in the language in force."""
    said = {
        "ref": page.lead_id,
        "to": _to(went_to),
        "at": _clock(page.closed_at or page.created_at, timezone, now),
    }
    if page.state == PageState.MOVED and went_to == COLLEAGUE:
        return gettext("Ref %(ref)s went to %(to)s at %(at)s: the manager moved it.", **said)
    if page.state == PageState.MOVED:
        return gettext("Ref %(ref)s was taken back by the manager at %(at)s.", **said)
    if page.state == PageState.FAILED:
        return gettext(
            "Ref %(ref)s went to %(to)s at %(at)s: the page could not reach your phone.", **said
        )
    if page.sent_at:
        return gettext(
            "Ref %(ref)s went to %(to)s at %(at)s, no reply in %(deadline)s.",
            deadline=_deadline_words(page),
            **said,
        )
    return gettext("Ref %(ref)s went to %(to)s at %(at)s.", **said)


def _clock(moment: datetime, timezone: str, now: datetime | None) -> str:
    other_day = now is not None and local_time(moment, timezone).date() != (
        local_time(now, timezone).date()
    )
    return local_words(moment, timezone, with_day=other_day)


def _deadline_words(page: Page) -> str:
    seconds = round((page.deadline_at - page.sent_at).total_seconds())
    if seconds < 120:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return gettext("%(num)d min", num=round(seconds / 60))


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
