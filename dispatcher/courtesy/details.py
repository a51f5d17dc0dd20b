"""What courtesy messages are sent on, kept on the client: birthday, project, the day
the subscription and the contract were signed. Each change is an entry of the client's
log (who, when, what) until the client screens record them themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from dispatcher.clients.ownership import record
from dispatcher.models import Client, Office
from routing.courtesy import local_day, to_utc


@dataclass(frozen=True)
class CourtesyDetails:
    birthday: date | None
    project: str
    subscribed_on: date | None  # office days
    contract_signed_on: date | None


def details_of(client: Client, office: Office) -> CourtesyDetails:
    def day(moment: datetime | None) -> date | None:
        return local_day(moment, office.timezone) if moment else None

    return CourtesyDetails(
        client.birthday, client.project, day(client.subscribed_at), day(client.contract_signed_at)
    )


def set_details(
    session: Session,
    *,
    client: Client,
    office: Office,
    details: CourtesyDetails,
    actor: str,
    now: datetime,
) -> list[str]:
    """Keep what changed (a day is kept as its office midnight); the names changed."""
    before = details_of(client, office)

    def moment(day: date | None) -> datetime | None:
        return to_utc(day, time(0), office.timezone) if day else None

    changed = []
    if details.birthday != before.birthday:
        client.birthday = details.birthday
        changed.append("birthday")
    if details.project.strip() != before.project:
        client.project = details.project.strip()
        changed.append("project")
    if details.subscribed_on != before.subscribed_on:
        client.subscribed_at = moment(details.subscribed_on)
        changed.append("subscription day")
    if details.contract_signed_on != before.contract_signed_on:
        client.contract_signed_at = moment(details.contract_signed_on)
        changed.append("contract day")
    if changed:
        record(
            session,
            client=client,
            office=office,
            kind="courtesy_details",
            at=now,
            actor=actor,
            detail="changed: " + ", ".join(changed),
        )
    return changed
