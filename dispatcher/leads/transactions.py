"""The steps the console, the API and the webhooks share: change the records, commit,
and only then queue the jobs that follow (a job must never see uncommitted rows)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.leads import service as leads
from dispatcher.leads import stubs
from dispatcher.leads.forms import LeadForm
from dispatcher.models import Assignment, Lead
from dispatcher.office.current import current_office
from dispatcher.pages import service as pages
from dispatcher.queue import enqueue_send

# The lead just routed with its assignment, the assignment's page and salesperson: what
# is queued, and what the API answers with. Built once (asked on every logged call, and
# building it costs more than running it).
_ROUTED_LEAD = (
    select(Lead)
    .outerjoin(Lead.assignments)
    .outerjoin(Assignment.page)
    .outerjoin(Assignment.salesperson)
    .options(
        contains_eager(Lead.assignments).contains_eager(Assignment.page),
        contains_eager(Lead.assignments).contains_eager(Assignment.salesperson),
    )
    .where(Lead.id == bindparam("lead_id"))
)


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
    )


def log_and_page(details: leads.LeadDetails, *, user_id: int | None, actor: str) -> Lead:
    """Log the lead, commit, queue its page. Raises InvalidInput with nothing recorded."""
    config = current_app.config
    try:
        lead = leads.log_lead(
            session=db.session,
            office=current_office(),
            details=details,
            logged_by_id=user_id,
            actor=actor,
            now=utcnow(),
            deadline_seconds=config["ACK_DEADLINE_SECONDS"],
            region=config["PHONE_REGION"],
        )
    except Exception:
        db.session.rollback()
        raise
    return _commit_and_queue_page(lead)


def complete_call_stub(
    lead: Lead, details: leads.LeadDetails, *, user_id: int | None, actor: str
) -> Lead:
    """Complete a call stub, commit, queue its page. Raises InvalidInput or StubGone with
    nothing changed."""
    config = current_app.config
    try:
        stubs.complete_stub(
            session=db.session,
            office=current_office(),
            lead=lead,
            details=details,
            logged_by_id=user_id,
            actor=actor,
            now=utcnow(),
            deadline_seconds=config["ACK_DEADLINE_SECONDS"],
            region=config["PHONE_REGION"],
        )
    except Exception:
        db.session.rollback()
        raise
    return _commit_and_queue_page(lead)


def _commit_and_queue_page(lead: Lead) -> Lead:
    """Commit, then queue the lead's page: a job must never see uncommitted rows.

    The lead comes back with its assignment, page and salesperson loaded as committed,
    so an answer built from them reads nothing more."""
    # Read inside the write transaction: read after the commit, it would begin another
    # one, and on SQLite hold the write lock to the end of the request.
    lead = db.session.execute(_ROUTED_LEAD, {"lead_id": lead.id}).unique().scalar_one()
    page = lead.assignments[-1].page if lead.assignments else None
    page_id = page.id if page is not None else None
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
    if page_id is not None:
        enqueue_send(page_id)
    return lead


def close_call_stub(lead: Lead, *, actor: str) -> None:
    try:
        stubs.close_stub(session=db.session, lead=lead, actor=actor, now=utcnow())
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


def acknowledge_lead_by_hand(lead: Lead, *, actor: str) -> bool:
    """The salesperson rang the coordinator: acknowledge the lead's open page."""
    page = leads.current_page(session=db.session, lead_id=lead.id)
    if page is None:
        return False
    done = pages.acknowledge_page(
        session=db.session, page_id=page.id, now=utcnow(), by="coordinator", actor=actor
    )
    db.session.commit()
    return done
