"""A client's stage (O11): potential, intending, closed (contract signed) or invalid with a
reason. Every change is an entry of the client's log ("stage"), never an ownership entry:
the stage says where the client stands, not whose they are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dispatcher.clients import ownership
from dispatcher.clients.words import STAGE, STAGES
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Client, ClientEvent, ClientStage, Office


def change_stage(
    session: Session,
    *,
    client: Client,
    office: Office,
    stage: str,
    reason: str,
    actor: str,
    now: datetime,
) -> ClientEvent | None:
    """Set the client's stage and log the change; None when it is already at that stage
    with that reason. InvalidInput (nothing changed) for an unknown stage or an invalid
    one without a reason."""
    if stage not in STAGES:
        raise InvalidInput({"stage": f"Choose one of: {', '.join(STAGES.values())}."})
    reason = reason.strip()
    if stage == ClientStage.INVALID and not reason:
        raise InvalidInput({"reason": "Say why the client is invalid."})
    if stage == client.stage and reason == client.stage_reason:
        return None
    before = STAGES.get(client.stage, client.stage)
    client.stage, client.stage_reason = stage, reason
    detail = f"{before} -> {STAGES[stage]}" + (f": {reason}" if reason else "")
    return ownership.record(
        session,
        client=client,
        office=office,
        kind=STAGE,
        at=now,
        actor=actor,
        reason=stage,
        detail=detail,
    )
