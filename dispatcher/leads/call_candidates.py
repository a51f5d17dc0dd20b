"""Which leads a salesperson's call to the office could be about (issue 15).

Their open pages, and the leads they acknowledged by SMS lately whose client's details
they have not heard yet (an OK by SMS, then a call for the details, is the usual way).
One candidate: the call acts on it. More: the call asks which, one key per lead, and acts
only on the one chosen (leads.voice_choices). The details heard are on the lead's
timeline ("details_by_call", with the page), which is how a lead stops being a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clock import local_time
from dispatcher.language import N_, sentences
from dispatcher.leads.timeline import record_event
from dispatcher.models import LeadEvent, Page, PageState

# A lead acknowledged by SMS longer ago than this is no longer one a call is about.
DETAILS_WINDOW = timedelta(hours=12)
# One key each: 1 to 9.
MAX_CHOICES = 9
DETAILS_HEARD = "details_by_call"


@dataclass(frozen=True)
class Candidate:
    """A lead the call could be about, through the salesperson's page for it."""

    lead_id: int
    page_id: int
    state: str  # the page's: open (to acknowledge), acknowledged (to read), or gone
    at: datetime  # paged (sent) or acknowledged


def candidates(*, session: Session, salesperson_id: int, now: datetime) -> list[Candidate]:
    """Their open pages and their leads acknowledged by SMS within DETAILS_WINDOW whose
    details were not heard, oldest first (at most MAX_CHOICES, the newest)."""
    open_pages = session.scalars(
        select(Page)
        .where(
            Page.salesperson_id == salesperson_id,
            Page.state == PageState.OPEN,
            Page.sent_at.is_not(None),
        )
        .order_by(Page.id.desc())
        .limit(MAX_CHOICES)
    )
    found = [_candidate(page) for page in open_pages]
    acknowledged = list(
        session.scalars(
            select(Page)
            .where(
                Page.salesperson_id == salesperson_id,
                Page.state == PageState.ACKNOWLEDGED,
                Page.acknowledged_by == "sms",
                Page.acknowledged_at >= now - DETAILS_WINDOW,
            )
            .order_by(Page.acknowledged_at.desc())
            .limit(MAX_CHOICES)
        )
    )
    heard = _heard(session=session, page_ids=[page.id for page in acknowledged])
    found += [_candidate(page) for page in acknowledged if page.id not in heard]
    found.sort(key=lambda candidate: (candidate.at, candidate.page_id))
    return found[-MAX_CHOICES:]


def candidate_for(*, session: Session, salesperson_id: int, lead_id: int) -> Candidate | None:
    """The lead as a candidate now, through their latest page for it (its state may have
    moved since it was offered)."""
    page = session.scalar(
        select(Page)
        .where(Page.lead_id == lead_id, Page.salesperson_id == salesperson_id)
        .order_by(Page.id.desc())
        .limit(1)
    )
    return _candidate(page) if page is not None else None


def _candidate(page: Page) -> Candidate:
    if page.state == PageState.ACKNOWLEDGED:
        return Candidate(page.lead_id, page.id, page.state, page.acknowledged_at)
    return Candidate(page.lead_id, page.id, page.state, page.sent_at or page.created_at)


def _heard(*, session: Session, page_ids: list[int]) -> set[int]:
    if not page_ids:
        return set()
    return set(
        session.scalars(
            select(LeadEvent.page_id).where(
                LeadEvent.kind == DETAILS_HEARD, LeadEvent.page_id.in_(page_ids)
            )
        )
    )


# A lead to choose by key, acknowledged (True) or still paged (False).
_CHOICE_WORDS = {
    True: N_("For Ref %(ref)s, acknowledged at %(time)s, press %(key)s."),
    False: N_("For Ref %(ref)s, paged at %(time)s, press %(key)s."),
}


def choice_words(found: list[Candidate], timezone: str) -> str:
    """'For Ref 2, acknowledged at 10:04, press 1. For Ref 3, paged at 10:06, press 2.'"""
    return sentences(
        *(
            gettext(
                _CHOICE_WORDS[candidate.state == "acknowledged"],
                ref=candidate.lead_id,
                time=local_time(candidate.at, timezone).strftime("%H:%M"),
                key=key,
            )
            for key, candidate in enumerate(found, start=1)
        )
    )


def record_details_heard(
    *, session: Session, candidate: Candidate, name: str, now: datetime
) -> None:
    record_event(
        session=session,
        lead_id=candidate.lead_id,
        kind=DETAILS_HEARD,
        at=now,
        page_id=candidate.page_id,
        detail=f"{name} called the office and heard the client's details",
        actor=name,
    )
