"""The manager's controls over routing: statuses, the rotation order, the office rules.
Every change is recorded with who made it and when (ManagerChange, append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.language import LANGUAGES, N_
from dispatcher.models import ManagerChange, Office, Salesperson
from routing.decision import PAUSED, STATUSES

STATUS_WORDS = {
    "in_office": N_("in the office"),
    "out": N_("out of the office (still paged)"),
    "busy": N_("busy with a returning client"),
    "errand": N_("on an errand"),
    "off_shift": N_("off shift"),
    PAUSED: N_("out of the rotation (missed pages)"),
}


# What becomes of a lead logged while nobody is on duty (Office.nobody_on_duty).
NOBODY_ON_DUTY = {
    "hold": N_("hold it and page it when someone is on duty"),
    "manager": N_("page the manager"),
}


# An office's acknowledgement deadline, in seconds: long enough to read an SMS, short
# enough that a caller is still waiting (C5).
DEADLINE_BOUNDS = (10, 3600)


def checked_deadline(seconds: int | None) -> int | None:
    """An office's acknowledgement deadline (None: the setting's); InvalidInput if out of
    bounds."""
    if seconds is not None and not DEADLINE_BOUNDS[0] <= seconds <= DEADLINE_BOUNDS[1]:
        low, high = DEADLINE_BOUNDS
        raise InvalidInput({"ack_deadline_seconds": f"Between {low} and {high} seconds, or empty."})
    return seconds


def record_change(
    *, session: Session, office_id: int, actor: str, now: datetime, kind: str, detail: str
) -> None:
    session.add(
        ManagerChange(office_id=office_id, at=now, actor=actor[:80], kind=kind, detail=detail[:300])
    )


def set_status(
    *, session: Session, person: Salesperson, status: str, actor: str, now: datetime
) -> None:
    """Mark a salesperson in, out, busy, on an errand or off shift (Q3), or out of the
    rotation (office/availability.py tells them when they are back)."""
    if status not in STATUS_WORDS:
        raise InvalidInput({"status": f"Choose one of: {', '.join((*STATUSES, PAUSED))}."})
    if status == person.status:
        return
    before = STATUS_WORDS[person.status]
    person.status = status
    record_change(
        session=session,
        office_id=person.office_id,
        actor=actor,
        now=now,
        kind="status",
        detail=f"{person.name}: {before} -> {STATUS_WORDS[status]}",
    )


def move_in_rotation(
    *, session: Session, person: Salesperson, direction: str, actor: str, now: datetime
) -> None:
    """Swap the salesperson with the one before (up) or after (down) them (Q1)."""
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": "Move up or down."})
    order = list(
        session.scalars(
            select(Salesperson)
            .where(Salesperson.office_id == person.office_id)
            .order_by(Salesperson.rotation_position, Salesperson.id)
        )
    )
    # Renumber first, so equal or missing positions cannot make a swap a no-op.
    for position, member in enumerate(order, start=1):
        member.rotation_position = position
    index = order.index(person)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(order):
        return
    order[index].rotation_position, order[other].rotation_position = (
        order[other].rotation_position,
        order[index].rotation_position,
    )
    record_change(
        session=session,
        office_id=person.office_id,
        actor=actor,
        now=now,
        kind="rotation",
        detail=f"{person.name} moved {direction} to place {person.rotation_position}",
    )


def set_office_rules(
    *,
    session: Session,
    office: Office,
    target_area: str,
    ownership_lapse_days: int,
    manager_mobile: str | None,
    actor: str,
    now: datetime,
    dispute_days: int | None = None,
    stand_in_needs_approval: bool | None = None,
    miss_limit: int | None = None,
    nobody_on_duty: str | None = None,
    ack_deadline_seconds: int | None = None,
    reassign_when_not_reached: bool | None = None,
    missed_caller_sms: bool | None = None,
    record_calls: bool | None = None,
    language: str | None = None,
) -> None:
    """The target area (C2), the ownership lapse (O6), the manager's mobile (C5), the days
    after a deposit a dispute may be raised (O7), whether an absent owner's stand-in needs
    the manager's approval (O5), how many missed pages in a row take a salesperson out of
    the rotation (0: never), and what becomes of a lead while nobody is on duty (held, or
    the manager's), the acknowledgement deadline (C5; None: the ACK_DEADLINE_SECONDS
    setting), and whether a lead whose client is not reached goes on to the next
    salesperson (dispatcher/calls/not_reached.py). None for the others: unchanged."""
    if not 1 <= ownership_lapse_days <= 3650:
        raise InvalidInput({"ownership_lapse_days": "Between 1 and 3650 days."})
    if dispute_days is not None and not 0 <= dispute_days <= 365:
        raise InvalidInput({"dispute_days": "Between 0 and 365 days."})
    if miss_limit is not None and not 0 <= miss_limit <= 99:
        raise InvalidInput({"miss_limit": "Between 0 (never) and 99 missed pages."})
    if nobody_on_duty is not None and nobody_on_duty not in NOBODY_ON_DUTY:
        raise InvalidInput({"nobody_on_duty": "Hold the lead, or page the manager."})
    checked_deadline(ack_deadline_seconds)
    if language is not None and language not in LANGUAGES:
        raise InvalidInput({"language": "Choose one of: " + ", ".join(LANGUAGES) + "."})
    areas = ", ".join(
        dict.fromkeys(a.strip() for a in target_area.replace(";", ",").split(",") if a.strip())
    )
    changes = []
    if areas != office.target_area:
        changes.append(f"target area: {office.target_area or '(all)'} -> {areas or '(all)'}")
        office.target_area = areas
    if ownership_lapse_days != office.ownership_lapse_days:
        changes.append(
            f"ownership lapse: {office.ownership_lapse_days} -> {ownership_lapse_days} days"
        )
        office.ownership_lapse_days = ownership_lapse_days
    if manager_mobile != office.manager_mobile:
        changes.append("manager's mobile changed")
        office.manager_mobile = manager_mobile
    if dispute_days is not None and dispute_days != office.dispute_days:
        changes.append(f"disputes after a deposit: {office.dispute_days} -> {dispute_days} days")
        office.dispute_days = dispute_days
    if stand_in_needs_approval is not None and (
        stand_in_needs_approval != office.stand_in_needs_approval
    ):
        changes.append(
            "an absent owner's stand-in "
            + ("needs the manager's approval" if stand_in_needs_approval else "needs no approval")
        )
        office.stand_in_needs_approval = stand_in_needs_approval
    if miss_limit is not None and miss_limit != office.miss_limit:
        changes.append(f"missed pages in a row before out: {office.miss_limit} -> {miss_limit}")
        office.miss_limit = miss_limit
    if nobody_on_duty is not None and nobody_on_duty != office.nobody_on_duty:
        changes.append(f"while nobody is on duty: {NOBODY_ON_DUTY[nobody_on_duty]}")
        office.nobody_on_duty = nobody_on_duty
    if reassign_when_not_reached is not None and (
        reassign_when_not_reached != office.reassign_when_not_reached
    ):
        changes.append(
            "a lead whose client is not reached "
            + ("goes to the next salesperson" if reassign_when_not_reached else "stays")
        )
        office.reassign_when_not_reached = reassign_when_not_reached
    if ack_deadline_seconds != office.ack_deadline_seconds:
        changes.append(
            f"acknowledgement deadline: {_deadline_words(office.ack_deadline_seconds)} -> "
            f"{_deadline_words(ack_deadline_seconds)}"
        )
        office.ack_deadline_seconds = ack_deadline_seconds
    # The voice switches (dispatcher/voice): off unless the manager turns them on.
    if missed_caller_sms is not None and missed_caller_sms != office.missed_caller_sms:
        changes.append("SMS to missed callers " + ("on" if missed_caller_sms else "off"))
        office.missed_caller_sms = missed_caller_sms
    if record_calls is not None and record_calls != office.record_calls:
        changes.append("recording of calls " + ("on" if record_calls else "off"))
        office.record_calls = record_calls
    if language is not None and language != office.language:
        changes.append(f"language: {office.language} -> {language}")
        office.language = language
    for change in changes:
        record_change(
            session=session,
            office_id=office.id,
            actor=actor,
            now=now,
            kind="office",
            detail=change,
        )


def _deadline_words(seconds: int | None) -> str:
    return "the setting's" if seconds is None else f"{seconds} s"


def recent_changes(*, session: Session, office_id: int, limit: int = 200) -> list[ManagerChange]:
    return list(
        session.scalars(
            select(ManagerChange)
            .where(ManagerChange.office_id == office_id)
            .order_by(ManagerChange.id.desc())
            .limit(limit)
        )
    )
