"""Shift swaps: a salesperson asks a colleague to take one of their duty shifts; the
colleague accepts or refuses, by SMS (SWAP YES / SWAP NO) or on their page. Every swap
stays on record for the manager (the Roster screen), whatever its answer. An accepted
swap is in the roster from then on (routing.duty.Swap)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.language import day_words
from dispatcher.models import DutyShift, Office, Salesperson, ShiftSwap
from dispatcher.office.availability import tell_salesperson
from dispatcher.office.controls import record_change
from dispatcher.office.roster_edits import minutes_text, schedule_changed
from dispatcher.office.schedule import office_schedule, office_today

ASKED, ACCEPTED, REFUSED = "asked", "accepted", "refused"


def shift_day_words(shift: DutyShift, day: date) -> str:
    """'Sat 12 Dec 09:00-12:00'."""
    return f"{day:%a %d %b} {minutes_text(shift.starts)}-{minutes_text(shift.ends)}"


def _said_shift(shift: DutyShift, day: date) -> str:
    """The shift in the language in force, for an SMS or a reply."""
    return f"{day_words(day)} {minutes_text(shift.starts)}-{minutes_text(shift.ends)}"


def ask_swap(
    *,
    session: Session,
    asker: Salesperson,
    shift_id: int | None,
    day: date | None,
    colleague_id: int | None,
    now: datetime,
) -> ShiftSwap:
    """Ask ``colleague_id`` to take the asker's shift of ``day``; they get an SMS."""
    office = session.get(Office, asker.office_id)
    shift = session.get(DutyShift, shift_id) if shift_id else None
    if shift is None or shift.office_id != office.id or day is None:
        raise InvalidInput({"shift": "Choose one of your shifts."})
    roster = office_schedule(session=session, office=office).roster
    known = next((s for s in roster.shifts if s.id == shift.id), None)
    if known is None or not known.falls_on(day) or roster.who_takes(known, day) != asker.id:
        raise InvalidInput({"shift": "That is not one of your shifts."})
    if day < office_today(office, now):
        raise InvalidInput({"shift": "That shift is over."})
    colleague = session.get(Salesperson, colleague_id) if colleague_id else None
    if (
        colleague is None
        or colleague.office_id != office.id
        or not colleague.active
        or colleague.id == asker.id
    ):
        raise InvalidInput({"colleague": "Choose a colleague to ask."})
    pending = session.scalar(
        select(ShiftSwap.id).where(
            ShiftSwap.shift_id == shift.id, ShiftSwap.day == day, ShiftSwap.state == ASKED
        )
    )
    if pending is not None:
        raise InvalidInput({"shift": "A swap of that shift is already waiting for an answer."})
    swap = ShiftSwap(
        office_id=office.id,
        shift_id=shift.id,
        day=day,
        asked_by_id=asker.id,
        colleague_id=colleague.id,
        state=ASKED,
        asked_at=now,
    )
    session.add(swap)
    session.flush()
    when = shift_day_words(shift, day)
    record_change(
        session=session,
        office_id=office.id,
        actor=asker.name,
        now=now,
        kind="swap",
        detail=f"{asker.name} asked {colleague.name} to take their duty {when}",
    )
    tell_salesperson(
        session=session,
        person=colleague,
        body=gettext(
            "%(name)s asks you to take their duty %(when)s. "
            "Reply SWAP YES %(id)s or SWAP NO %(id)s (or answer on your page).",
            name=asker.name,
            when=_said_shift(shift, day),
            id=swap.id,
        ),
        now=now,
    )
    return swap


def answer_swap(
    *,
    session: Session,
    colleague: Salesperson,
    swap_id: int | None,
    accept: bool,
    how: str,
    now: datetime,
) -> str:
    """The colleague's answer (``how``: sms or page); the reply in words. Without an id,
    their one swap waiting for an answer; with several, none, and the reply names them."""
    waiting = list(
        session.scalars(
            select(ShiftSwap)
            .where(ShiftSwap.colleague_id == colleague.id, ShiftSwap.state == ASKED)
            .order_by(ShiftSwap.id)
        )
    )
    if swap_id is not None:
        waiting = [swap for swap in waiting if swap.id == swap_id]
    if not waiting:
        if swap_id:
            return gettext("No swap is waiting for your answer with number %(id)s.", id=swap_id)
        return gettext("No swap is waiting for your answer.")
    if len(waiting) > 1:
        word = "YES" if accept else "NO"
        named = ", ".join(f"SWAP {word} {swap.id}" for swap in waiting)
        return gettext("Several swaps wait for your answer: reply %(named)s.", named=named)
    swap = waiting[0]
    state = ACCEPTED if accept else REFUSED
    # One conditional update: an answer by SMS and one on the page settle here.
    done = session.execute(
        update(ShiftSwap)
        .where(ShiftSwap.id == swap.id, ShiftSwap.state == ASKED)
        .values(state=state, answered_at=now, answered_how=how)
    )
    if done.rowcount != 1:
        return gettext("That swap was already answered.")
    session.refresh(swap)
    when = shift_day_words(swap.shift, swap.day)
    verb = "accepted" if accept else "refused"
    if accept:
        schedule_changed(session.get(Office, swap.office_id))
    record_change(
        session=session,
        office_id=swap.office_id,
        actor=colleague.name,
        now=now,
        kind="swap",
        detail=f"{colleague.name} {verb} to take {swap.asked_by.name}'s duty {when} ({how})",
    )
    said = {"name": colleague.name, "when": _said_shift(swap.shift, swap.day)}
    if accept:
        told = gettext("%(name)s accepted to take your duty %(when)s.", **said)
    else:
        told = gettext(
            "%(name)s refused to take your duty %(when)s. The shift is still yours.", **said
        )
    tell_salesperson(session=session, person=swap.asked_by, body=told, now=now)
    said["name"] = swap.asked_by.name
    if accept:
        return gettext("Thanks: you accepted to take %(name)s's duty %(when)s.", **said)
    return gettext("Thanks: you refused to take %(name)s's duty %(when)s.", **said)


def office_swaps(*, session: Session, office_id: int, limit: int = 100) -> list[ShiftSwap]:
    """Every swap of the office, newest first: the manager sees them all."""
    return list(
        session.scalars(
            select(ShiftSwap)
            .where(ShiftSwap.office_id == office_id)
            .order_by(ShiftSwap.id.desc())
            .limit(limit)
        )
    )


def swaps_of(*, session: Session, person_id: int) -> list[ShiftSwap]:
    """Swaps they asked or were asked, newest first."""
    return list(
        session.scalars(
            select(ShiftSwap)
            .where((ShiftSwap.asked_by_id == person_id) | (ShiftSwap.colleague_id == person_id))
            .order_by(ShiftSwap.id.desc())
            .limit(20)
        )
    )
