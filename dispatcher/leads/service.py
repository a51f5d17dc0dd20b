"""Logging a call or walk-in, and giving the lead to a salesperson with a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from dispatcher.clients.register import register_lead
from dispatcher.clients.registry import by_number, known_from
from dispatcher.inserts import insert_now
from dispatcher.invalid_input import InvalidInput
from dispatcher.language import N_, in_language
from dispatcher.leads.routing_inputs import decide
from dispatcher.leads.timeline import record_event, record_events, timeline_event
from dispatcher.models import (
    LEAD_CHANNELS,
    LEAD_KINDS,
    Assignment,
    Lead,
    LeadState,
    Listing,
    Office,
    Page,
    PageState,
    Salesperson,
)
from dispatcher.office.roster import get_salesperson
from dispatcher.office.schedule import nobody_to_take
from dispatcher.phones import to_e164
from routing.decision import (
    RULE_ASKED_FOR,
    RULE_HELD,
    RULE_MANAGER,
    KnownClient,
    RoutingDecision,
)
from routing.registration import TITLES

# Why a lead went to the manager when routing found nobody, in the manager's SMS.
# Said in the manager's SMS (translated there, in the office's language).
NOBODY_LEFT = N_("nobody left to page")
NOBODY_ON_DUTY = N_("nobody on duty")
HELD_REASON = "Nobody on duty: held until someone is, then paged"
# Ids are PostgreSQL integers (as dispatcher.RecordId reads them from URLs).
MAX_RECORD_ID = 2**31 - 1


@dataclass(frozen=True)
class LeadDetails:
    """What the coordinator typed, before it is checked."""

    caller_phone: str
    kind: str
    caller_name: str = ""
    channel: str = "call"
    source: str = ""
    listing: str = ""
    asked_for_id: int | None = None
    notes: str = ""
    area: str = ""
    related_phone: str = ""
    caller_title: str = ""  # O2: Mr, Ms... (or in the name)
    need: str = ""  # O2: the basic need, beyond the kind
    also_asked_for_id: int | None = None  # X1
    declines_owner_reason: str = ""  # X2: why a returning client wants someone else


def page_text(lead: Lead, language: str | None = None) -> str:
    """The page, in the office's ``language``: never the client's name or number (C4).
    One SMS in every language (tests/test_languages.py)."""
    with in_language(language):
        if lead.channel == "walk_in":
            return gettext(
                "Client visit, please call the office. Ref %(ref)s. Reply OK when you call back.",
                ref=lead.id,
            )
        return gettext(
            "Client call, please call the office. Ref %(ref)s. Reply OK when you call back.",
            ref=lead.id,
        )


def find_listing(*, session: Session, office_id: int, reference: str) -> Listing | None:
    return session.scalar(
        select(Listing).where(Listing.office_id == office_id, Listing.reference == reference)
    )


def check_details(
    *, session: Session, office_id: int, details: LeadDetails, region: str
) -> tuple[str, Listing | None]:
    """The caller's number in E.164 and the listing (None when none was typed, or the
    ref typed is none of the office's); InvalidInput naming every bad field."""
    errors: dict[str, str] = {}
    phone, listing = "", None
    try:
        phone = to_e164(details.caller_phone, region)
    except ValueError as error:
        errors["caller_phone"] = str(error)
    if details.kind not in LEAD_KINDS:
        errors["kind"] = f"Choose one of: {', '.join(LEAD_KINDS)}."
    if details.channel not in LEAD_CHANNELS:
        errors["channel"] = f"Choose one of: {', '.join(LEAD_CHANNELS)}."
    if details.listing.strip():
        # None for a ref that is no listing of the office: not refused (the caller is on
        # the line), the lead keeps the ref typed and is routed without it (fill_details).
        listing = find_listing(
            session=session, office_id=office_id, reference=details.listing.strip()
        )
    if details.related_phone.strip():
        try:
            to_e164(details.related_phone, region)
        except ValueError as error:
            errors["related_phone"] = str(error)
    for field, named in (
        ("asked_for", details.asked_for_id),
        ("also_asked_for", details.also_asked_for_id),
    ):
        if error := _unknown_salesperson(session=session, office_id=office_id, named=named):
            errors[field] = error
    if details.caller_title and details.caller_title not in TITLES:
        errors["caller_title"] = f"Choose one of: {', '.join(TITLES)}."
    if errors:
        raise InvalidInput(errors)
    return phone, listing


def _unknown_salesperson(*, session: Session, office_id: int, named: int | None) -> str | None:
    """Why a named salesperson id is none of the office's, or None when it is (or is unset)."""
    if named is None:
        return None
    if not 1 <= named <= MAX_RECORD_ID:
        # Never sent to the database: PostgreSQL refuses an id its integer cannot hold.
        return f"No salesperson with id {named}."
    try:
        get_salesperson(session=session, office_id=office_id, salesperson_id=named)
    except InvalidInput as error:
        return error.errors["salesperson"]
    return None


def log_lead(
    *,
    session: Session,
    office: Office,
    details: LeadDetails,
    logged_by_id: int | None,
    actor: str,
    now: datetime,
    deadline_seconds: int,
    region: str,
) -> Lead:
    """Record the lead and give it to a salesperson; nothing is recorded if input is bad."""
    phone, listing = check_details(
        session=session, office_id=office.id, details=details, region=region
    )
    lead = Lead(
        office_id=office.id, state=LeadState.OPEN, created_at=now, logged_by_id=logged_by_id
    )
    fill_details(lead, details, phone=phone, listing=listing, region=region)
    insert_now(session, lead)
    return route_new_lead(
        session=session,
        lead=lead,
        office=office,
        event="logged",
        actor=actor,
        now=now,
        deadline_seconds=deadline_seconds,
        new_lead=True,
    )


def route_new_lead(
    *,
    session: Session,
    lead: Lead,
    office: Office,
    event: str,
    actor: str,
    now: datetime,
    deadline_seconds: int,
    new_lead: bool = False,
) -> Lead:
    """Put the lead's arrival on its timeline (logged, or a call stub completed) and give
    it to a salesperson. ``new_lead``: inserted in this transaction (never paged)."""
    arrival = [
        timeline_event(
            lead_id=lead.id,
            kind=event,
            at=now,
            detail=f"{lead.channel.replace('_', '-')} from a {lead.kind}",
            actor=actor,
        )
    ]
    if lead.declines_owner_reason:
        # X2: the returning client's words, for the manager who decides.
        arrival.append(
            timeline_event(
                lead_id=lead.id,
                kind="declines_owner",
                at=now,
                detail="The client would rather not have their salesperson: "
                + lead.declines_owner_reason,
                actor=actor,
            )
        )
    if lead.unknown_listing_ref:
        arrival.append(
            timeline_event(
                lead_id=lead.id,
                kind="warning",
                at=now,
                detail=unknown_listing_words(lead.unknown_listing_ref),
                actor=actor,
            )
        )
    # The caller's client is read once: for routing (the owner) and for the register.
    phones = [lead.caller_phone, lead.related_phone]
    found = by_number(session, office_id=office.id, phones=phones)
    page = assign_lead(
        session=session,
        lead=lead,
        office=office,
        now=now,
        deadline_seconds=deadline_seconds,
        new_lead=new_lead,
        known=known_from(found, office=office, phones=phones, now=now),
        arrival=arrival,
    )
    entry = register_lead(
        session,
        office=office,
        lead=lead,
        found=found,
        named_id=_named(lead, page),
        actor=actor,
        now=now,
    )
    # Known without reading it back: the console and the API say at once whether the
    # registration is valid (O2). A lead is registered when it is routed, once.
    set_committed_value(lead, "registrations", [entry])
    return lead


def _named(lead: Lead, page: Page | None) -> int | None:
    """Who the caller named, for the register: of two names, the one routing chose (X1)."""
    if page is not None and page.assignment.rule == RULE_ASKED_FOR:
        return page.assignment.salesperson_id
    return lead.asked_for_id


def unknown_listing_words(reference: str) -> str:
    """The warning for a listing ref that is none of the office's (flash and timeline)."""
    return (
        f"Listing ref {reference!r} is none of the office's listings: the lead was routed "
        "without it. Correct it on the lead's page."
    )


def fill_details(
    lead: Lead, details: LeadDetails, *, phone: str, listing: Listing | None, region: str
) -> None:
    """Copy the checked details (check_details) onto the lead."""
    lead.channel = details.channel
    lead.kind = details.kind
    lead.caller_name = details.caller_name.strip()
    lead.caller_phone = phone
    lead.source = details.source.strip()
    lead.listing = listing
    typed = details.listing.strip()
    lead.unknown_listing_ref = typed if typed and listing is None else ""
    lead.asked_for_id = details.asked_for_id
    lead.notes = details.notes.strip()
    lead.area = details.area.strip()
    lead.related_phone = (
        to_e164(details.related_phone, region) if details.related_phone.strip() else ""
    )
    lead.caller_title = details.caller_title
    lead.need = details.need.strip()
    lead.also_asked_for_id = details.also_asked_for_id
    lead.declines_owner_reason = details.declines_owner_reason.strip()


def assign_lead(
    *,
    session: Session,
    lead: Lead,
    office: Office,
    now: datetime,
    deadline_seconds: int,
    manager_reason: str | None = None,
    manager_why: str | None = None,
    new_lead: bool = False,
    known: tuple[KnownClient, ...] | None = None,
    arrival: list[dict] | None = None,
) -> Page | None:
    """Route the lead and write the page to send; the manager's page when nobody is left.

    ``manager_reason`` skips routing: the lead goes to the manager for that reason;
    ``manager_why`` says it in the manager's SMS ("caller asked for Bruno Diaz, who did
    not answer"; by default "nobody left to page"). ``new_lead``: the lead was inserted
    in this transaction, so routing need not ask who was paged for it already.
    ``known``: the lead's known clients, when already read.
    ``arrival``: the lead's arrival on its timeline (``timeline_event``), written before
    the "routed" event in the same statement.
    """
    if manager_reason:
        decision, inputs = RoutingDecision(None, RULE_MANAGER, manager_reason), None
        mobile = None
    else:
        decision, inputs, mobile = decide(
            session=session, lead=lead, office=office, now=now, new_lead=new_lead, known=known
        )
        if decision.rule == RULE_MANAGER and nobody_to_take(
            session=session, office=office, now=now
        ):
            # Nobody left because nobody is on duty: the office's setting says whether the
            # lead waits for someone to be (office/held.py) or goes to the manager.
            manager_why = NOBODY_ON_DUTY
            if office.nobody_on_duty == "hold":
                decision, inputs = RoutingDecision(None, RULE_HELD, HELD_REASON), None
    assignment = Assignment(
        lead_id=lead.id,
        salesperson_id=decision.salesperson_id,
        rule=decision.rule,
        reason=decision.reason,
        created_at=now,
        inputs=inputs,
        manager_decides_on_miss=decision.manager_decides_on_miss,
        owner_id=decision.owner_id,
        script=decision.script,
    )
    insert_now(session, assignment)
    if new_lead:
        # Its only assignment: the answer reads it from the lead without asking.
        set_committed_value(lead, "assignments", [assignment])
    record_events(
        session,
        *(arrival or ()),
        timeline_event(
            lead_id=lead.id, kind="routed", at=now, detail=f"{decision.rule}: {decision.reason}"
        ),
    )
    if decision.rule == RULE_HELD:
        lead.state = LeadState.HELD
        return None
    if decision.rule == RULE_MANAGER:
        lead.state = LeadState.MANAGER
        return _page_manager(
            session=session,
            lead=lead,
            office=office,
            assignment=assignment,
            now=now,
            why=manager_why or NOBODY_LEFT,
        )
    return write_page(
        session=session,
        lead=lead,
        assignment=assignment,
        now=now,
        deadline_seconds=office.deadline_seconds(deadline_seconds),
        mobile=mobile,
    )


def write_page(
    *,
    session: Session,
    lead: Lead,
    assignment: Assignment,
    now: datetime,
    deadline_seconds: int,
    mobile: str | None = None,
) -> Page:
    """The page to the assignment's salesperson, open until its deadline; sent by a job
    after the commit. ``mobile``: the salesperson's, when already read (with the team)."""
    page = Page(
        assignment_id=assignment.id,
        lead_id=lead.id,
        salesperson_id=assignment.salesperson_id,
        to_number=mobile or _mobile(session=session, salesperson_id=assignment.salesperson_id),
        body=page_text(lead, _language(session, lead)),
        state=PageState.OPEN,
        created_at=now,
        # Provisional: restarted when the page actually goes out (sending.record_sent).
        deadline_at=now + timedelta(seconds=deadline_seconds),
    )
    return _written(session, page, assignment)


def page_chosen(
    *,
    session: Session,
    lead: Lead,
    salesperson_id: int,
    rule: str,
    reason: str,
    now: datetime,
    deadline_seconds: int,
    mobile: str | None = None,
    manager_decides_on_miss: bool = False,
) -> Page:
    """A page to the salesperson a person chose, not the rules (the manager's hand, the
    caller who asked for them): its assignment, with nothing to replay, and the page.
    ``deadline_seconds``: the settings'; the office's own applies."""
    assignment = Assignment(
        lead_id=lead.id,
        salesperson_id=salesperson_id,
        rule=rule,
        reason=reason,
        created_at=now,
        inputs=None,
        manager_decides_on_miss=manager_decides_on_miss,
    )
    session.add(assignment)
    session.flush()
    return write_page(
        session=session,
        lead=lead,
        assignment=assignment,
        now=now,
        deadline_seconds=session.get(Office, lead.office_id).deadline_seconds(deadline_seconds),
        mobile=mobile,
    )


def _language(session: Session, lead: Lead) -> str:
    """The lead's office's language (the office is in the session already: no query)."""
    with session.no_autoflush:
        return session.get(Office, lead.office_id).language


def manager_sms(lead: Lead, why: str, language: str | None = None) -> str:
    """'Client call Ref 12: caller asked for Bruno Diaz, who did not answer.' and the
    lead's page (PUBLIC_BASE_URL + /leads/12), where the manager assigns or closes it;
    without PUBLIC_BASE_URL, no link. It begins as every page does ("Client call"), so
    it reads as one among the manager's messages."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "") if has_app_context() else ""
    with in_language(language):
        where = (
            gettext("Decide at %(link)s", link=f"{base.rstrip('/')}/leads/{lead.id}")
            if base
            else gettext("Please call the office.")
        )
        # ``why`` may be one of this module's constants, still in English.
        said = {"ref": lead.id, "why": gettext(why) if why else why, "where": where}
        if lead.channel == "walk_in":
            return gettext("Client visit Ref %(ref)s: %(why)s. %(where)s", **said)
        return gettext("Client call Ref %(ref)s: %(why)s. %(where)s", **said)


def _mobile(*, session: Session, salesperson_id: int) -> str:
    """The salesperson's mobile, read without flushing first: what is pending goes out
    in the page's flush."""
    with session.no_autoflush:
        return session.scalar(_MOBILE, {"salesperson_id": salesperson_id})


_MOBILE = select(Salesperson.mobile).where(Salesperson.id == bindparam("salesperson_id"))


def _page_manager(
    *,
    session: Session,
    lead: Lead,
    office: Office,
    assignment: Assignment,
    now: datetime,
    why: str,
) -> Page | None:
    if not office.manager_mobile:
        record_event(
            session=session,
            lead_id=lead.id,
            kind="unassigned",
            at=now,
            detail="Nobody left to page and no manager mobile set",
        )
        set_committed_value(assignment, "page", None)
        return None
    page = Page(
        assignment_id=assignment.id,
        lead_id=lead.id,
        salesperson_id=None,
        to_number=office.manager_mobile,
        body=manager_sms(lead, why, office.language)[:320],
        # Tells the manager; no acknowledgement is awaited, so no deadline applies.
        state=PageState.NOTIFY,
        created_at=now,
        deadline_at=now,
    )
    return _written(session, page, assignment)


def _written(session: Session, page: Page, assignment: Assignment) -> Page:
    """The page written now (dispatcher/inserts.py), and known to its assignment both
    ways without a flush or a read."""
    insert_now(session, page)
    set_committed_value(page, "assignment", assignment)
    set_committed_value(assignment, "page", page)
    return page


def open_leads(*, session: Session, office_id: int) -> list[Lead]:
    """The board: leads waiting for the manager first (nobody else will act on them),
    then those with a page out; newest first in each."""
    waiting_first = case((Lead.state == LeadState.MANAGER, 0), else_=1)
    waiting = (LeadState.OPEN, LeadState.MANAGER, LeadState.HELD)
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.office_id == office_id, Lead.state.in_(waiting))
            .order_by(waiting_first, Lead.id.desc())
        )
    )


def get_lead(*, session: Session, office_id: int, lead_id: int) -> Lead | None:
    lead = session.get(Lead, lead_id)
    return lead if lead is not None and lead.office_id == office_id else None


def current_page(*, session: Session, lead_id: int) -> Page | None:
    """The lead's latest page."""
    return session.scalar(
        select(Page).where(Page.lead_id == lead_id).order_by(Page.id.desc()).limit(1)
    )
