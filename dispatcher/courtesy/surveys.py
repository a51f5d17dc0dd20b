"""S5: a phone survey by the owner within 7 days of the signing, and the monthly figures
per salesperson (courtesy messages sent, clients' replies, surveys done)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from dispatcher.clients.ownership import record
from dispatcher.clock import local_time
from dispatcher.dashboard.period import period_for
from dispatcher.models import (
    Client,
    ClientEvent,
    CourtesyMessage,
    Office,
    Salesperson,
    SurveyTask,
)
from routing.courtesy import local_day

SURVEY_DAYS = 7


def write_surveys(session: Session, office: Office, now: datetime) -> int:
    """A survey task for each client whose contract was signed in the last 7 days and who
    has none yet, for the family's owner; how many were written."""
    family = aliased(Client)
    since = now - timedelta(days=SURVEY_DAYS)
    rows = session.execute(
        select(Client.id, Client.contract_signed_at, family.owner_id)
        .join(family, family.id == func.coalesce(Client.family_id, Client.id))
        .outerjoin(SurveyTask, SurveyTask.client_id == Client.id)
        .where(
            Client.office_id == office.id,
            Client.contract_signed_at >= since,
            Client.contract_signed_at <= now,
            SurveyTask.id.is_(None),
        )
    ).all()
    for row in rows:
        signed_on = local_day(row.contract_signed_at, office.timezone)
        session.add(
            SurveyTask(
                office_id=office.id,
                client_id=row.id,
                salesperson_id=row.owner_id,
                due_on=signed_on + timedelta(days=SURVEY_DAYS),
                created_at=now,
            )
        )
    return len(rows)


def open_surveys(session: Session, salesperson_id: int) -> list[SurveyTask]:
    return list(
        session.scalars(
            select(SurveyTask)
            .where(SurveyTask.salesperson_id == salesperson_id, SurveyTask.done_at.is_(None))
            .order_by(SurveyTask.due_on, SurveyTask.id)
        )
    )


def survey_done(
    session: Session, task: SurveyTask, *, person: Salesperson, office: Office, now: datetime
) -> bool:
    """Mark the survey done, once, on the client's log; False when it already was."""
    if task.done_at is not None:
        return False
    task.done_at = now
    record(
        session,
        client=task.client,
        office=office,
        kind="survey_done",
        at=now,
        actor=person.name,
        salesperson_id=person.id,
        detail="phone survey after the signing done (S5)",
    )
    return True


@dataclass(frozen=True)
class MonthFigures:
    name: str
    sent: int
    replies: int
    surveys_done: int
    surveys_open: int


def month_figures(
    session: Session, office: Office, now: datetime
) -> tuple[date, list[MonthFigures]]:
    """This month (office time) per salesperson: courtesy messages sent to their clients,
    their clients' replies, surveys done, and surveys still open."""
    today = local_time(now, office.timezone).date()
    first = today.replace(day=1)
    period = period_for(first, today, office.timezone)
    start, end = period.start, period.end

    def counted(query) -> dict[int, int]:
        return dict(session.execute(query).all())

    sent = counted(
        select(CourtesyMessage.salesperson_id, func.count())
        .where(
            CourtesyMessage.office_id == office.id,
            CourtesyMessage.sent_at >= start,
            CourtesyMessage.sent_at < end,
        )
        .group_by(CourtesyMessage.salesperson_id)
    )
    replies = counted(
        select(ClientEvent.salesperson_id, func.count())
        .where(
            ClientEvent.office_id == office.id,
            ClientEvent.kind == "client_reply",
            ClientEvent.at >= start,
            ClientEvent.at < end,
        )
        .group_by(ClientEvent.salesperson_id)
    )
    done = counted(
        select(SurveyTask.salesperson_id, func.count())
        .where(
            SurveyTask.office_id == office.id,
            SurveyTask.done_at >= start,
            SurveyTask.done_at < end,
        )
        .group_by(SurveyTask.salesperson_id)
    )
    still_open = counted(
        select(SurveyTask.salesperson_id, func.count())
        .where(SurveyTask.office_id == office.id, SurveyTask.done_at.is_(None))
        .group_by(SurveyTask.salesperson_id)
    )
    people = session.scalars(
        select(Salesperson).where(Salesperson.office_id == office.id).order_by(Salesperson.name)
    )
    figures = [
        MonthFigures(
            p.name,
            sent.get(p.id, 0),
            replies.get(p.id, 0),
            done.get(p.id, 0),
            still_open.get(p.id, 0),
        )
        for p in people
    ]
    return first, figures
