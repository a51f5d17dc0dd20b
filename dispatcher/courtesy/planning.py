"""What courtesy messages are due: the facts read from the database, the days planned by
routing.courtesy, and the rows written for what is due soon.

The clock process calls ``write_due`` every minute or so: every send of the office's
today and tomorrow whose minute is within LOOKAHEAD becomes a CourtesyMessage row, once
(an INSERT that does nothing on the unique (client, template, occasion)); only the rows
it wrote are queued, each under its fixed job id, so planning again, a restart or two
clock processes never send twice. A row the manager held already exists and stays held.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dispatcher.clock import local_time
from dispatcher.models import (
    Client,
    ClientNumber,
    ClientStage,
    CourtesyMessage,
    CourtesyTemplate,
    Office,
    Salesperson,
)
from routing.courtesy import (
    ClientFacts,
    Send,
    TemplateFacts,
    parse_quiet_hours,
    plan_day,
    render,
)

# Rows are written this long before their minute: the RQ scheduler then holds the job.
LOOKAHEAD = timedelta(minutes=15)
# How many rows one INSERT writes.
BATCH = 1000


@dataclass(frozen=True)
class Recipient:
    """What a message about a client needs besides the plan: where it goes, the values."""

    client_id: int
    name: str
    project: str
    phone: str | None
    owner_id: int | None
    owner_name: str


@dataclass(frozen=True)
class OfficeFacts:
    templates: list[TemplateFacts]
    rows: dict[int, CourtesyTemplate]
    clients: list[ClientFacts]
    recipients: dict[int, Recipient]


def template_facts(template: CourtesyTemplate) -> TemplateFacts:
    stages = frozenset(s for s in template.stages.split(",") if s)
    return TemplateFacts(
        template.id, template.kind, template.project, stages, template.occasion_date
    )


def read_facts(session: Session, office: Office, *, approved_only: bool = True) -> OfficeFacts:
    """The office's templates that may go out (approved, not held) and its clients who
    may get them (not stopped, not invalid, with a mobile), in three reads."""
    query = select(CourtesyTemplate).where(CourtesyTemplate.office_id == office.id)
    if approved_only:
        query = query.where(
            CourtesyTemplate.approved_at.is_not(None), CourtesyTemplate.held.is_(False)
        )
    rows = {t.id: t for t in session.scalars(query.order_by(CourtesyTemplate.id))}
    if not rows:
        return OfficeFacts([], {}, [], {})
    # Each client's first mobile and their family's owner, read apart and joined here:
    # SQLite joins a grouped subquery, or a join on COALESCE(family_id, id), by reading
    # the other side again for each client (10,000 clients: a minute; now about a second).
    mobiles: dict[int, str] = {}
    for client_id, phone in session.execute(
        select(ClientNumber.client_id, ClientNumber.phone)
        .where(ClientNumber.office_id == office.id, ClientNumber.kind == "mobile")
        .order_by(ClientNumber.id.desc())
    ):
        mobiles[client_id] = phone  # the lowest id is read last, and kept
    names = dict(
        session.execute(
            select(Salesperson.id, Salesperson.name).where(Salesperson.office_id == office.id)
        ).all()
    )
    result = session.execute(
        select(
            Client.id,
            Client.name,
            Client.stage,
            Client.project,
            Client.birthday,
            Client.subscribed_at,
            Client.contract_signed_at,
            Client.family_id,
            Client.owner_id,
            Client.courtesy_opted_out,
        ).where(Client.office_id == office.id)
    ).all()
    owners = {row.id: row.owner_id for row in result}
    clients, recipients = [], {}
    for row in result:
        phone = mobiles.get(row.id)
        if phone is None or row.courtesy_opted_out or row.stage == ClientStage.INVALID:
            continue  # no mobile: nowhere to send; or no courtesy messages for them
        owner_id = owners.get(row.family_id or row.id)
        clients.append(
            ClientFacts(
                row.id,
                row.stage,
                row.project,
                row.birthday,
                row.subscribed_at,
                row.contract_signed_at is not None,
            )
        )
        recipients[row.id] = Recipient(
            row.id, row.name, row.project, phone, owner_id, names.get(owner_id, "")
        )
    return OfficeFacts([template_facts(t) for t in rows.values()], rows, clients, recipients)


def plan_days(office: Office, facts: OfficeFacts, first: date, days: int) -> list[Send]:
    quiet = parse_quiet_hours(office.quiet_hours)
    sends: list[Send] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        sends.extend(plan_day(facts.templates, facts.clients, day, office.timezone, quiet))
    return sends


def values_for(recipient: Recipient, occasion: date, office_name: str) -> dict[str, str]:
    """The placeholders' values: the client's name, their project, the occasion's day and
    their salesperson (the office's name when they have none)."""
    return {
        "client": recipient.name or "client",
        "project": recipient.project,
        "date": occasion.strftime("%d %b %Y"),
        "salesperson": recipient.owner_name or office_name,
    }


def message_values(
    office: Office, facts: OfficeFacts, send: Send, now: datetime
) -> dict[str, object]:
    recipient = facts.recipients[send.client_id]
    template = facts.rows[send.template_id]
    return {
        "office_id": office.id,
        "client_id": send.client_id,
        "template_id": send.template_id,
        "occasion": send.occasion,
        "rule": send.rule,
        "salesperson_id": recipient.owner_id,
        "to_number": recipient.phone,
        "body": render(template.body, values_for(recipient, send.occasion, office.name))[:1000],
        "created_at": now,
        "send_at": send.send_at,
        "held": False,
        "skipped": "",
        "send_attempts": 0,
    }


def insert_new(session: Session, values: list[dict]) -> list[tuple[int, datetime]]:
    """Write the rows not yet written (the unique key decides); (id, send_at) of the new.
    One statement run for many rows (executemany: compiled once, not per batch)."""
    if not values:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = CourtesyMessage.__table__
    statement = (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=["client_id", "template_id", "occasion"])
        .returning(table.c.id, table.c.send_at)
    )
    written: list[tuple[int, datetime]] = []
    connection = session.connection()
    for start in range(0, len(values), BATCH):
        result = connection.execute(statement, values[start : start + BATCH])
        written.extend((row.id, row.send_at) for row in result)
    return written


def _already_written(session: Session, office: Office, sends: list[Send]) -> set[tuple]:
    """The keys of these sends that have their row (planning again writes nothing)."""
    if not sends:
        return set()
    occasions = {s.occasion for s in sends}
    templates = {s.template_id for s in sends}
    return set(
        session.execute(
            select(
                CourtesyMessage.client_id, CourtesyMessage.template_id, CourtesyMessage.occasion
            ).where(
                CourtesyMessage.office_id == office.id,
                CourtesyMessage.template_id.in_(templates),
                CourtesyMessage.occasion.in_(occasions),
            )
        ).all()
    )


def write_due(session: Session, office: Office, now: datetime) -> list[tuple[int, datetime]]:
    """Write the office's sends due by now + LOOKAHEAD (today's and tomorrow's, office
    time); the new rows' (id, send_at) to queue after the commit."""
    facts = read_facts(session, office)
    if not facts.templates:
        return []
    today = local_time(now, office.timezone).date() - timedelta(days=1)
    due = [s for s in plan_days(office, facts, today, 3) if s.send_at <= now + LOOKAHEAD]
    # Yesterday's only while they may still go (a late start after midnight).
    due = [s for s in due if now - s.send_at < timedelta(hours=12)]
    known = _already_written(session, office, due)
    due = [s for s in due if (s.client_id, s.template_id, s.occasion) not in known]
    return insert_new(session, [message_values(office, facts, send, now) for send in due])


@dataclass(frozen=True)
class Upcoming:
    send: Send
    client_name: str
    template_name: str
    kind: str
    status: str  # planned | held | sent | skipped | template not approved | template held


def upcoming(session: Session, office: Office, now: datetime, days: int = 7) -> list[Upcoming]:
    """What will go out in the next ``days`` days (office time), each with its client,
    rule and template, and where it stands: the manager's view. Templates not approved
    or held are shown too, as what would go out once approved or released."""
    facts = read_facts(session, office, approved_only=False)
    if not facts.templates:
        return []
    today = local_time(now, office.timezone).date()
    sends = [s for s in plan_days(office, facts, today, days) if s.send_at >= now - LOOKAHEAD]
    rows = _rows_for(session, sends)
    names = {c.client_id: c.name for c in facts.recipients.values()}
    listed = []
    for send in sends:
        template = facts.rows[send.template_id]
        row = rows.get((send.client_id, send.template_id, send.occasion))
        listed.append(
            Upcoming(
                send,
                names.get(send.client_id, ""),
                template.name,
                template.kind,
                _status(template, row),
            )
        )
    return listed


def _status(template: CourtesyTemplate, row: CourtesyMessage | None) -> str:
    if row is not None and row.sent_at is not None:
        return "sent"
    if row is not None and row.skipped:
        return "skipped: " + row.skipped
    if row is not None and row.held:
        return "held"
    if template.approved_at is None:
        return "template not approved"
    if template.held:
        return "template held"
    return "planned"


def _rows_for(session: Session, sends: Iterable[Send]) -> dict[tuple, CourtesyMessage]:
    keys = [(s.client_id, s.template_id, s.occasion) for s in sends]
    found: dict[tuple, CourtesyMessage] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(CourtesyMessage).where(
            tuple_(
                CourtesyMessage.client_id, CourtesyMessage.template_id, CourtesyMessage.occasion
            ).in_(chunk)
        )
        for row in session.scalars(query):
            found[(row.client_id, row.template_id, row.occasion)] = row
    return found


def hold_message(
    session: Session,
    office: Office,
    *,
    client_id: int,
    template_id: int,
    occasion: date,
    hold: bool,
    now: datetime,
) -> bool:
    """Hold (or release) one message of the next days; False when no such message is
    planned. A hold before its minute writes its row held, so the clock process's
    INSERT finds it there and leaves it; a row already sent is not changed."""
    facts = read_facts(session, office, approved_only=False)
    today = local_time(now, office.timezone).date()
    wanted = (client_id, template_id, occasion)
    send = next(
        (
            s
            for s in plan_days(office, facts, today - timedelta(days=1), 9)
            if (s.client_id, s.template_id, s.occasion) == wanted
        ),
        None,
    )
    row = _rows_for(session, [send] if send else []).get(wanted)
    if row is None and send is None:
        row = session.scalar(
            select(CourtesyMessage).where(
                CourtesyMessage.office_id == office.id,
                CourtesyMessage.client_id == client_id,
                CourtesyMessage.template_id == template_id,
                CourtesyMessage.occasion == occasion,
            )
        )
        if row is None:
            return False
    if row is None:
        insert_new(session, [message_values(office, facts, send, now) | {"held": hold}])
        row = _rows_for(session, [send])[wanted]
    if row.sent_at is None:
        row.held = hold
    return True
