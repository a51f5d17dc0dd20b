"""The key a salesperson pressed when their call asked which lead it is about (the
one-key <Gather> of callbacks.voice; the leads offered are leads.call_candidates').

As for the PIN (leads.voice_pins), the call is the one remembered under its CallSid: who
is calling and which lead each key stands for are read from it, never from the request
but that signed id. The call moves choice_asked -> its reading with one conditional
UPDATE, so a repeat of the same key, or a race of two, acts once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import update
from sqlalchemy.orm import Session

from dispatcher.language import N_
from dispatcher.leads.call_candidates import candidate_for, choice_words
from dispatcher.leads.calls import NO_CHOICE, CallPlan, PhoneLines, earlier_call, read_candidate
from dispatcher.models import InboundCall, Office, Salesperson

ASKED = "choice_asked"
NOT_OFFERED = N_("That is not one of the choices.")


@dataclass(frozen=True)
class ChoiceStep:
    """What the key leads to. Neither set: nothing to do but say goodbye."""

    plan: CallPlan | None = None  # render it and remember it on the call
    answered: str | None = None  # the TwiML a repeat of this key got: answer it again


def answer_choice(
    *, session: Session, call_sid: str, digits: str, now: datetime, lines: PhoneLines
) -> ChoiceStep:
    """The step the key pressed on the call ``call_sid`` leads to."""
    call = earlier_call(session=session, call_sid=call_sid)
    if call is None or call.salesperson_id is None or not call.offered_leads:
        return ChoiceStep()  # this call asked nothing (or not yet: the PIN comes first)
    offered = [int(lead_id) for lead_id in call.offered_leads.split(",")]
    chosen = _chosen(offered, digits)
    if call.outcome != ASKED:
        # The same key again gets the same answer; another hears nothing of the first.
        same = chosen is not None and chosen == call.lead_id
        return ChoiceStep(answered=call.twiml if same else None)
    person = session.get(Salesperson, call.salesperson_id)
    if chosen is None:
        return ChoiceStep(_ask_again(session=session, person=person, offered=offered))
    if not _taken_up(session=session, call=call):
        session.refresh(call)  # another delivery of the same key moved it first
        return ChoiceStep(answered=call.twiml if chosen == call.lead_id else None)
    candidate = candidate_for(session=session, salesperson_id=person.id, lead_id=chosen)
    plan = read_candidate(
        session=session, person=person, candidate=candidate, now=now, lines=lines, hello=False
    )
    # Remembered with the chosen lead even when it had gone: a repeat of the key
    # must find the same answer.
    return ChoiceStep(replace(plan, lead_id=chosen))


def _chosen(offered: list[int], digits: str) -> int | None:
    if len(digits) != 1 or not "1" <= digits <= "9":
        return None
    key = int(digits)
    return offered[key - 1] if key <= len(offered) else None


def _ask_again(*, session: Session, person: Salesperson, offered: list[int]) -> CallPlan:
    """The same question, with the leads as they were offered."""
    found = [
        candidate
        for lead_id in offered
        if (candidate := candidate_for(session=session, salesperson_id=person.id, lead_id=lead_id))
    ]
    timezone = session.get(Office, person.office_id).timezone
    return CallPlan(
        ASKED,
        say=(gettext(NOT_OFFERED),),
        choose=choice_words(found, timezone),
        after_dial=(gettext(NO_CHOICE),),
        choices=tuple(offered),
        salesperson_id=person.id,
    )


def _taken_up(*, session: Session, call: InboundCall) -> bool:
    result = session.execute(
        update(InboundCall)
        .where(InboundCall.id == call.id, InboundCall.outcome == ASKED)
        .values(outcome="choice_made")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
