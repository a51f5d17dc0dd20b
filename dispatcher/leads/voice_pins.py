"""The PIN a salesperson keys in before a call reads a client's details.

The call is the one the voice webhook remembered under its CallSid (leads.calls asked
for the PIN and kept who the caller ID named). Its ``outcome`` moves with one conditional
UPDATE each step, so a repeat or a race acts once:

    pin_asked --wrong--> pin_retry --wrong--> pin_refused (goodbye, nothing read)
        \\--right----------\\--right--> the salesperson's plan (details read, page acked)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import update
from sqlalchemy.orm import Session

from dispatcher.language import N_
from dispatcher.leads.calls import (
    NO_PIN_ENTERED,
    CallPlan,
    PhoneLines,
    earlier_call,
    offered_leads,
    salesperson_calls,
)
from dispatcher.models import InboundCall, Salesperson
from dispatcher.text import valid_pin_format

log = logging.getLogger(__name__)

# STIR/SHAKEN: the carrier vouches that the caller owns the number (full attestation).
FULLY_ATTESTED = "TN-Validation-Passed-A"
WAITING_FOR_PIN = ("pin_asked", "pin_retry")
RETRY_PROMPT = N_("That PIN is not right. Please enter your PIN again, then press the pound key.")
REFUSED = N_("That PIN is not right. Goodbye.")


@dataclass(frozen=True)
class PinStep:
    """What the keys lead to. Neither set: nothing to do but say goodbye."""

    plan: CallPlan | None = None  # the next step: render it and remember it on the call
    answered: str | None = None  # the TwiML a repeat of these keys got: answer it again


def answer_pin(
    *, session: Session, call_sid: str, digits: str, now: datetime, lines: PhoneLines
) -> PinStep:
    """The step the keys pressed on the call ``call_sid`` lead to."""
    call = earlier_call(session=session, call_sid=call_sid)
    if call is None or call.salesperson_id is None:
        return PinStep()  # this call never asked for a PIN
    person = session.get(Salesperson, call.salesperson_id)
    right = valid_pin_format(digits) and person is not None and person.check_voice_pin(digits)
    if call.outcome not in WAITING_FOR_PIN:
        # A repeat of the keys that opened the call gets the same answer; other keys
        # (a replay re-cut to new ones) hear nothing of what the PIN opened.
        return PinStep(answered=call.twiml if right else None)
    if right:
        next_step = "pin_passed"
    else:
        next_step = "pin_retry" if call.outcome == "pin_asked" else "pin_refused"
    if not _move(session=session, call=call, to=next_step):
        session.refresh(call)  # another delivery of the same keys moved it first
        return PinStep(answered=call.twiml if right else None)
    if right:
        return PinStep(salesperson_calls(session=session, person=person, now=now, lines=lines))
    if next_step == "pin_retry":
        return PinStep(
            CallPlan(
                "pin_retry",
                gather=gettext(RETRY_PROMPT),
                after_dial=(gettext(NO_PIN_ENTERED),),
                salesperson_id=call.salesperson_id,
            )
        )
    log.warning("voice PIN refused twice for salesperson %s: nothing read", call.salesperson_id)
    return PinStep(
        CallPlan("pin_refused", say=(gettext(REFUSED),), salesperson_id=call.salesperson_id)
    )


def _move(*, session: Session, call: InboundCall, to: str) -> bool:
    result = session.execute(
        update(InboundCall)
        .where(InboundCall.id == call.id, InboundCall.outcome == call.outcome)
        .values(outcome=to)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remember_step(*, session: Session, call_sid: str, plan: CallPlan, twiml: str) -> None:
    """Keep the step's answer on the call: the next keys, or a repeat, read it (and the
    leads it offers to choose from, when it asks which: leads.voice_choices)."""
    values = {"outcome": plan.outcome, "lead_id": plan.lead_id, "twiml": twiml}
    if plan.choices:
        values["offered_leads"] = offered_leads(plan)
    session.execute(
        update(InboundCall)
        .where(InboundCall.call_sid == call_sid)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
