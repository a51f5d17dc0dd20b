"""The steps the console and the API share: each one unit of work (dispatcher/unit_of_work.py),
its page queued only after the commit."""

from __future__ import annotations

from flask import current_app

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import service as leads
from dispatcher.leads import stubs
from dispatcher.leads.forms import LeadForm
from dispatcher.models import Lead
from dispatcher.office.current import office_of_request, phone_region
from dispatcher.pages import service as pages
from dispatcher.unit_of_work import unit_of_work


def lead_details(form: LeadForm) -> leads.LeadDetails:
    """What the console's form or the API's JSON said, for the lead service to check."""
    return leads.LeadDetails(
        caller_phone=form.caller_phone.data or "",
        caller_name=form.caller_name.data or "",
        kind=form.kind.data or "",
        channel=form.channel.data or "call",
        source=form.source.data or "",
        listing=form.listing.data or "",
        asked_for_id=form.asked_for.data,
        notes=form.notes.data or "",
        area=form.area.data or "",
        related_phone=form.related_phone.data or "",
        caller_title=form.caller_title.data or "",
        need=form.need.data or "",
        also_asked_for_id=form.also_asked_for.data,
        declines_owner_reason=form.declines_owner_reason.data or "",
    )


def log_and_page(details: leads.LeadDetails, *, user_id: int | None, actor: str) -> Lead:
    """Log the lead, commit, queue its page. Raises InvalidInput with nothing recorded."""
    config = current_app.config
    office = office_of_request()
    with unit_of_work(keep_loaded=True) as work:
        lead = leads.log_lead(
            session=db.session,
            office=office,
            details=details,
            logged_by_id=user_id,
            actor=actor,
            now=utcnow(),
            deadline_seconds=config["ACK_DEADLINE_SECONDS"],
            region=phone_region(office),
        )
        # Its assignment and page came written and loaded with it: the page to queue and
        # the answer read nothing more (the API names the salesperson paged from the
        # assignment's routing inputs; the console reads them in a read transaction).
        page = lead.assignments[-1].page
        work.send(page.id if page is not None else None)
    return lead


def complete_call_stub(
    lead: Lead, details: leads.LeadDetails, *, user_id: int | None, actor: str
) -> Lead:
    """Complete a call stub, commit, queue its page. Raises InvalidInput or StubGone with
    nothing changed."""
    config = current_app.config
    office = office_of_request()
    with unit_of_work() as work:
        stubs.complete_stub(
            session=db.session,
            office=office,
            lead=lead,
            details=details,
            logged_by_id=user_id,
            actor=actor,
            now=utcnow(),
            deadline_seconds=config["ACK_DEADLINE_SECONDS"],
            region=phone_region(office),
        )
        work.send(_page_id(lead))
    return lead


def _page_id(lead: Lead) -> int | None:
    page = leads.current_page(session=db.session, lead_id=lead.id)
    return page.id if page is not None else None


def close_call_stub(lead: Lead, *, actor: str) -> None:
    with unit_of_work():
        stubs.close_stub(session=db.session, lead=lead, actor=actor, now=utcnow())


def acknowledge_lead_by_hand(lead: Lead, *, actor: str) -> bool:
    """The salesperson rang the coordinator: acknowledge the lead's open page."""
    with unit_of_work():
        page = leads.current_page(session=db.session, lead_id=lead.id)
        if page is None:
            return False
        return pages.acknowledge_page(
            session=db.session, page_id=page.id, now=utcnow(), by="coordinator", actor=actor
        )
