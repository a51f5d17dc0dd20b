"""Calls to the office number (the voice webhook), decided as a plan the webhook turns
into TwiML.

- A salesperson calling from their registered mobile acknowledges their open page and
  hears the client's name and number (C4: the details come by call, never by page), then
  is put through to the coordinator. Caller ID can be spoofed: unless the carrier fully
  attested the number (STIR/SHAKEN "A"), they key in their PIN first (voice_pins).
- Anyone else is a caller: logged at once as a lead stub from the caller ID, then put
  through to the coordinator in the coordinator's hours, to the salesperson on duty
  outside them (C8).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask_babel import gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.language import N_
from dispatcher.leads.call_candidates import (
    DETAILS_WINDOW,
    Candidate,
    candidates,
    choice_words,
    record_details_heard,
)
from dispatcher.leads.stubs import log_call_stub
from dispatcher.models import InboundCall, Lead, Office, Page, PageState, Salesperson
from dispatcher.office.schedule import office_schedule, on_duty_people
from dispatcher.pages.reply_choices import newest_open_refs
from dispatcher.pages.service import acknowledge_page
from dispatcher.pages.taken import where_it_went
from dispatcher.phones import spoken_number
from routing.duty import OfficeCalendar, coordinator_open

# Wrong PINs: two tries a call; after this many refused calls in a day, no more tries
# (a guesser with a spoofed number gets a handful of tries a day, not ten thousand).
REFUSED_PIN_CALLS_A_DAY = 3
# The words are the office's language's (gettext where they are said; the voice webhooks
# run in the language of the office called).
PIN_PROMPT = N_("Hello. Please enter your PIN, then press the pound key.")
NO_PIN_ENTERED = N_("We did not get your PIN. Goodbye.")
NO_CHOICE = N_("We did not get your choice. Goodbye.")


@dataclass(frozen=True)
class PhoneLines:
    """Who answers calls to the office: the coordinator in the calendar's hours, the
    salesperson on duty (the roster) outside them."""

    office_name: str
    calendar: OfficeCalendar
    coordinator_phone: str | None = None
    # Rung outside the hours only when the roster cannot be read (the database is away).
    on_duty_phone: str | None = None


def lines_from_config(config: Mapping, *, calendar: OfficeCalendar | None = None) -> PhoneLines:
    """Who answers: the settings' phones, and the office's calendar; without it (the
    database is away) C8's default hours in OFFICE_TIMEZONE."""
    return PhoneLines(
        office_name=config["OFFICE_NAME"],
        calendar=calendar or OfficeCalendar(config["OFFICE_TIMEZONE"]),
        coordinator_phone=(config.get("COORDINATOR_PHONE") or "").strip() or None,
        on_duty_phone=(config.get("ON_DUTY_PHONE") or "").strip() or None,
    )


def lines_for_office(config: Mapping, *, session: Session, office: Office) -> PhoneLines:
    """Who answers the office's calls; a caller hears the office's own name."""
    lines = lines_from_config(
        config, calendar=office_schedule(session=session, office=office).calendar
    )
    return replace(lines, office_name=office.name)


@dataclass(frozen=True)
class CallPlan:
    """What the caller hears and where the call goes; the webhook renders it as TwiML."""

    outcome: str  # coordinator | on_duty | nobody_to_ring | salesperson_details | ...
    say: tuple[str, ...] = ()
    dial: str | None = None
    # Heard when the dialled phone is not answered, or when no PIN is keyed in.
    after_dial: tuple[str, ...] = ()
    # Said inside a <Gather> that posts the keys pressed to the PIN webhook.
    gather: str | None = None
    # Said inside a <Gather> of one key that posts it to the choice webhook; the leads
    # offered, by key (kept on the call: InboundCall.offered_leads).
    choose: str | None = None
    choices: tuple[int, ...] = ()
    lead_id: int | None = None
    salesperson_id: int | None = None
    # A salesperson who heard a client's details may press 1 to be connected to the
    # client at once, through the office's number (dispatcher/calls/callback.py).
    connect_lead: int | None = None
    # Said after that offer (or right after ``say`` when there is none), before the dial.
    after_connect: tuple[str, ...] = ()


def earlier_call(*, session: Session, call_sid: str) -> InboundCall | None:
    return session.scalar(select(InboundCall).where(InboundCall.call_sid == call_sid))


def answer_call(
    *,
    session: Session,
    office_id: int,
    from_number: str,
    now: datetime,
    lines: PhoneLines,
    pin_needed: bool = False,
) -> CallPlan:
    """Decide the call and record its effects (a stub, an acknowledgement).

    ``pin_needed``: the caller ID alone does not prove a salesperson's identity (not
    attested by the carrier, and the office asks for PINs)."""
    person = None
    if from_number:
        # This office's salesperson: someone working in two offices is each office's
        # salesperson on its own number, and hears only its leads.
        person = session.scalar(
            select(Salesperson).where(
                Salesperson.office_id == office_id, Salesperson.mobile == from_number
            )
        )
    if person is not None and pin_needed:
        return _ask_for_pin(session=session, person=person, now=now, lines=lines)
    if person is not None:
        return salesperson_calls(session=session, person=person, now=now, lines=lines)
    in_hours = coordinator_open(lines.calendar, now)
    plan = route_caller(
        in_hours=in_hours,
        lines=lines,
        on_duty=None if in_hours else _on_duty_phone(session=session, office_id=office_id, now=now),
        number_known=bool(from_number),
    )
    lead = log_call_stub(
        session=session,
        office_id=office_id,
        phone=from_number,
        now=now,
        detail=STUB_WORDS[plan.outcome],
    )
    return CallPlan(plan.outcome, plan.say, plan.dial, plan.after_dial, lead_id=lead.id)


STUB_WORDS = {
    "coordinator": "Call to the office: put through to the coordinator",
    "on_duty": "Call outside the coordinator's hours: put through to the salesperson on duty",
    "nobody_to_ring": "Call to the office: nobody to put it through to",
}


def route_caller(
    *, in_hours: bool, lines: PhoneLines, on_duty: str | None, number_known: bool
) -> CallPlan:
    """Where a caller's call goes. Pure, and used as it is when the database is away."""
    call_back = (
        gettext("If we missed you, we have your number and will call you back. Goodbye.")
        if number_known
        else gettext("If we missed you, please call again. Goodbye.")
    )
    if in_hours and lines.coordinator_phone:
        # C10: the coordinator greets the caller; nothing is said before.
        return CallPlan("coordinator", dial=lines.coordinator_phone, after_dial=(call_back,))
    if not in_hours and on_duty:
        greeting = gettext(
            "Thank you for calling %(office)s. Putting you through.", office=lines.office_name
        )
        return CallPlan("on_duty", say=(greeting,), dial=on_duty, after_dial=(call_back,))
    sorry = gettext(
        "Thank you for calling %(office)s. Nobody can take your call right now.",
        office=lines.office_name,
    )
    return CallPlan("nobody_to_ring", say=(sorry, call_back))


def _on_duty_phone(*, session: Session, office_id: int, now: datetime) -> str | None:
    """The mobile of the salesperson the roster puts on duty now (the first of those on
    a shift who is active, not on leave and not taken out after missed pages)."""
    office = session.get(Office, office_id)
    people = on_duty_people(session=session, office=office, now=now)
    return people[0].mobile if people else None


def plan_without_records(*, lines: PhoneLines, now: datetime) -> CallPlan:
    """The database is away: nothing can be logged or looked up, but the call must still
    reach a person. Outside hours only a plain on-duty number can be used."""
    return route_caller(
        in_hours=coordinator_open(lines.calendar, now),
        lines=lines,
        on_duty=lines.on_duty_phone,
        number_known=False,
    )


def _ask_for_pin(
    *, session: Session, person: Salesperson, now: datetime, lines: PhoneLines
) -> CallPlan:
    """Nothing is read before the PIN; without one (or after too many wrong ones) the
    salesperson is put through to the coordinator, who knows their voice."""
    if person.voice_pin_hash is None:
        why = gettext("To hear a client's details by phone, first set your PIN on your page.")
        return _to_the_coordinator("salesperson_no_pin", why, person=person, now=now, lines=lines)
    refused = session.scalar(
        select(func.count(InboundCall.id)).where(
            InboundCall.salesperson_id == person.id,
            InboundCall.outcome == "pin_refused",
            InboundCall.received_at >= now - timedelta(days=1),
        )
    )
    if refused >= REFUSED_PIN_CALLS_A_DAY:
        why = gettext("Too many wrong PINs today: no details can be read by phone.")
        return _to_the_coordinator(
            "salesperson_pin_locked", why, person=person, now=now, lines=lines
        )
    return pin_prompt(person.id)


def pin_prompt(salesperson_id: int) -> CallPlan:
    return CallPlan(
        "pin_asked",
        gather=gettext(PIN_PROMPT),
        after_dial=(gettext(NO_PIN_ENTERED),),
        salesperson_id=salesperson_id,
    )


def first_answer_was_pin_prompt(call: InboundCall, *, pin_needed: bool) -> bool:
    """Whether a repeat of this call's first request must get the PIN prompt again: its
    stored TwiML has moved on with the keys pressed since, and may read the details."""
    return (
        pin_needed
        and call.salesperson_id is not None
        and call.outcome not in ("salesperson_no_pin", "salesperson_pin_locked")
    )


def _to_the_coordinator(
    outcome: str, why: str, *, person: Salesperson, now: datetime, lines: PhoneLines
) -> CallPlan:
    if coordinator_open(lines.calendar, now) and lines.coordinator_phone:
        say = (gettext("Hello."), why, gettext("Putting you through to the coordinator."))
        return CallPlan(outcome, say=say, dial=lines.coordinator_phone, salesperson_id=person.id)
    say = (gettext("Hello."), why, gettext("The coordinator is not at the desk now. Goodbye."))
    return CallPlan(outcome, say=say, salesperson_id=person.id)


def salesperson_calls(
    *, session: Session, person: Salesperson, now: datetime, lines: PhoneLines
) -> CallPlan:
    """A salesperson whose identity is settled: when the call could be about more than
    one lead, ask which (call_candidates); about one, acknowledge it if open and read the
    client's details; about none, read again the lead they acknowledged last."""
    found = candidates(session=session, salesperson_id=person.id, now=now)
    if len(found) > 1:
        timezone = session.get(Office, person.office_id).timezone
        return CallPlan(
            "choice_asked",
            say=(gettext("Hello %(name)s.", name=person.name),),
            choose=choice_words(found, timezone),
            after_dial=(gettext(NO_CHOICE),),
            choices=tuple(candidate.lead_id for candidate in found),
            salesperson_id=person.id,
        )
    chosen = found[0] if found else _recently_acknowledged(session=session, person=person, now=now)
    return read_candidate(
        session=session, person=person, candidate=chosen, now=now, lines=lines, hello=True
    )


def read_candidate(
    *,
    session: Session,
    person: Salesperson,
    candidate: Candidate | None,
    now: datetime,
    lines: PhoneLines,
    hello: bool,
) -> CallPlan:
    """Act on the one lead the call is about: acknowledge its page if open, read the
    client's details, and put the salesperson through to the coordinator."""
    say = [gettext("Hello %(name)s.", name=person.name)] if hello else []
    lead = None
    if candidate is not None and candidate.state == PageState.OPEN:
        if acknowledge_page(
            session=session, page_id=candidate.page_id, now=now, by="call", actor=person.name
        ):
            lead = session.get(Lead, candidate.lead_id)
            say.append(gettext("Reference %(ref)s is yours.", ref=lead.id))
    elif candidate is not None and candidate.state == PageState.ACKNOWLEDGED:
        lead = session.get(Lead, candidate.lead_id)
        say.append(gettext("Reference %(ref)s.", ref=lead.id))
    if lead is not None:
        say += spoken_details(lead)
        record_details_heard(session=session, candidate=candidate, name=person.name, now=now)
    elif candidate is not None:  # the deadline (or a pass) closed it since
        went_to = where_it_went(session=session, page=session.get(Page, candidate.page_id))
        say.append(
            gettext("Reference %(ref)s has gone to %(to)s.", ref=candidate.lead_id, to=went_to)
        )
    else:
        say.append(gettext("You have no open page."))
    still_open = [
        ref
        for ref in newest_open_refs(session=session, salesperson_id=person.id, limit=4)
        if candidate is None or ref != candidate.lead_id
    ]
    if still_open:
        refs = gettext(", ").join(str(ref) for ref in still_open)
        say.append(
            ngettext(
                "Reference %(refs)s is still open: call again, or reply OK and the reference.",
                "Reference %(refs)s are still open: call again, or reply OK and the reference.",
                len(still_open),
                refs=refs,
            )
        )
    in_hours = coordinator_open(lines.calendar, now)
    outcome = "salesperson_details" if lead is not None else "salesperson_nothing"
    lead_id = lead.id if lead else None
    connect = lead_id if lead is not None and lead.caller_phone else None
    if in_hours and lines.coordinator_phone:
        return CallPlan(
            outcome,
            say=tuple(say),
            dial=lines.coordinator_phone,
            after_connect=(gettext("Putting you through to the coordinator."),),
            lead_id=lead_id,
            salesperson_id=person.id,
            connect_lead=connect,
        )
    return CallPlan(
        outcome,
        say=tuple(say),
        after_connect=(gettext("The coordinator is not at the desk now. Goodbye."),),
        lead_id=lead_id,
        salesperson_id=person.id,
        connect_lead=connect,
    )


def _recently_acknowledged(
    *, session: Session, person: Salesperson, now: datetime
) -> Candidate | None:
    """The lead they acknowledged last, its details already heard: read them again."""
    page = session.scalar(
        select(Page)
        .where(
            Page.salesperson_id == person.id,
            Page.state == PageState.ACKNOWLEDGED,
            Page.acknowledged_at >= now - DETAILS_WINDOW,
        )
        .order_by(Page.acknowledged_at.desc())
        .limit(1)
    )
    if page is None:
        return None
    return Candidate(page.lead_id, page.id, page.state, page.acknowledged_at)


def spoken_details(lead: Lead) -> list[str]:
    """The client's name, need and number, as the voice reads them; the number twice, for
    writing it down."""
    said = [
        gettext("The client is %(name)s.", name=lead.caller_name)
        if lead.caller_name
        else gettext("The client gave no name.")
    ]
    who = gettext(SPOKEN_KINDS[lead.kind]) if lead.kind in SPOKEN_KINDS else gettext("A caller")
    if lead.listing is not None:
        said.append(gettext("%(who)s, about %(address)s.", who=who, address=lead.listing.address))
    else:
        said.append(gettext("%(who)s.", who=who))
    if lead.caller_phone:
        number = spoken_number(lead.caller_phone)
        said.append(gettext("Their number is %(number)s. Again: %(number)s.", number=number))
    return said


# "A buyer, about 12 Harbour Road." (models.LEAD_KINDS)
SPOKEN_KINDS = {
    "buyer": N_("A buyer"),
    "seller": N_("A seller"),
    "renter": N_("A renter"),
    "landlord": N_("A landlord"),
    "other": N_("A caller"),
}


def remember_call(
    *, session: Session, call_sid: str, from_number: str, now: datetime, plan: CallPlan, twiml: str
) -> None:
    """Keep the answer under the CallSid: a repeat delivery gets the same and does nothing."""
    session.add(
        InboundCall(
            call_sid=call_sid,
            from_number=from_number,
            received_at=now,
            outcome=plan.outcome,
            lead_id=plan.lead_id,
            salesperson_id=plan.salesperson_id,
            twiml=twiml,
            offered_leads=offered_leads(plan),
        )
    )


def offered_leads(plan: CallPlan) -> str | None:
    """The leads offered by key, as the call keeps them ("2,3")."""
    return ",".join(str(lead_id) for lead_id in plan.choices) or None
