"""Gathering routing's inputs from the records, and storing its decision with them.

Routing itself (routing/) is pure; this module is where the database meets it: it builds
RoutingInputs, asks for a decision, keeps the inputs with the assignment for replay,
and writes back the rotation state the decision leaves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from dispatcher.clients.registry import known_clients
from dispatcher.models import Lead, Office, Page, RotationPointer
from dispatcher.models import Salesperson as SalespersonRow
from dispatcher.office.schedule import office_schedule, office_today, team_at
from routing import (
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    RoutingDecision,
    RoutingInputs,
    Salesperson,
    choose_salesperson,
)
from routing.replay import inputs_to_json

# Built once: on SQLite, building a statement and its cache key cost more than running
# it (measured in bench/api_floor.py: about a millisecond of each logged call).
_ALREADY_PAGED = select(Page.salesperson_id).where(
    Page.lead_id == bindparam("lead_id"), Page.salesperson_id.is_not(None)
)
_TEAM = (
    select(
        SalespersonRow.id,
        SalespersonRow.name,
        SalespersonRow.rotation_position,
        SalespersonRow.active,
        SalespersonRow.sms_opted_out,
        SalespersonRow.status,
        SalespersonRow.skills,
        SalespersonRow.makeup_owed,
        SalespersonRow.mobile,
        SalespersonRow.leave_from,
        SalespersonRow.leave_until,
    )
    .where(SalespersonRow.office_id == bindparam("office_id"))
    .order_by(SalespersonRow.rotation_position, SalespersonRow.id)
)
_LAST_SERVED = select(RotationPointer.pool, RotationPointer.salesperson_id).where(
    RotationPointer.office_id == bindparam("office_id")
)
_pointers, _salespeople = RotationPointer.__table__, SalespersonRow.__table__
_MOVE_POINTER = (
    update(_pointers)
    .where(
        _pointers.c.office_id == bindparam("in_office"),
        _pointers.c.pool == bindparam("pool_name"),
    )
    .values(salesperson_id=bindparam("to_salesperson"))
)
_SET_MAKEUP_OWED = (
    update(_salespeople)
    .where(
        _salespeople.c.office_id == bindparam("in_office"),
        _salespeople.c.id.in_(bindparam("ids", expanding=True)),
    )
    .values(makeup_owed=bindparam("owed_now"))
)
_LOCK_OFFICE = (
    select(Office.id).where(Office.id == bindparam("office_id")).with_for_update(key_share=True)
)


def lead_facts(*, session: Session, lead: Lead, new_lead: bool = False) -> LeadFacts:
    """The facts routing needs; everyone already paged for this lead is excluded.
    ``new_lead``: it was inserted in this transaction, so nobody has been paged for it
    and that is not asked (a statement saved on every logged call)."""
    already_paged = () if new_lead else session.scalars(_ALREADY_PAGED, {"lead_id": lead.id})
    listing = lead.listing
    return LeadFacts(
        kind=lead.kind,
        caller_phone=lead.caller_phone,
        related_phones=(lead.related_phone,) if lead.related_phone else (),
        asked_for_id=lead.asked_for_id,
        also_asked_for_id=lead.also_asked_for_id,
        declines_owner=bool(lead.declines_owner_reason),
        listing_agent_id=listing.agent_id if listing else None,
        listing_label=listing.address if listing else None,
        area=lead.area or None,
        excluded_ids=frozenset(already_paged),
    )


def team_and_owed(
    *, session: Session, office_id: int
) -> tuple[tuple[Salesperson, ...], frozenset[int]]:
    """The team as routing sees it, and who is owed a make-up turn: one read of the
    columns routing needs (no ORM rows to build and throw away)."""
    people, owed, _mobiles, _leaves = _team(session=session, office_id=office_id)
    return people, owed


def _team(
    *, session: Session, office_id: int
) -> tuple[tuple[Salesperson, ...], frozenset[int], dict[int, str], dict]:
    """team_and_owed, everyone's mobile (the page's number, read with the team) and
    their leave dates (office/schedule.team_at)."""
    rows = session.execute(_TEAM, {"office_id": office_id}).all()
    people = tuple(
        Salesperson(
            id=row.id,
            name=row.name,
            rotation_position=row.rotation_position,
            # Routing's "active" means reachable by SMS: a salesperson who texted STOP
            # is skipped until START, like a deactivated one.
            active=row.active and not row.sms_opted_out,
            status=row.status,
            skills=frozenset(s for s in row.skills.split(",") if s),
        )
        for row in rows
    )
    owed = frozenset(row.id for row in rows if row.makeup_owed)
    leaves = {row.id: (row.leave_from, row.leave_until) for row in rows if row.leave_from}
    return people, owed, {row.id: row.mobile for row in rows}, leaves


def last_served(*, session: Session, office_id: int) -> tuple[tuple[str, int], ...]:
    pointers = session.execute(_LAST_SERVED, {"office_id": office_id})
    return tuple(sorted((pool, sid) for pool, sid in pointers))


def office_rules(office: Office) -> OfficeRules:
    area = {part.strip().lower() for part in (office.target_area or "").split(",")}
    return OfficeRules(
        target_area=frozenset(a for a in area if a),
        ownership_lapse_days=office.ownership_lapse_days,
        timezone=office.timezone,
        stand_in_needs_approval=office.stand_in_needs_approval,
    )


def gather_inputs(
    *,
    session: Session,
    lead: Lead,
    office: Office,
    now: datetime,
    new_lead: bool = False,
    known: tuple[KnownClient, ...] | None = None,
) -> tuple[RoutingInputs, dict[int, str]]:
    """Routing's inputs, and the team's mobiles (the page's number, read with the team
    rather than alone while the office is locked). Who took which turn is read last,
    after the office is locked: the facts of the lead and the known clients are nobody
    else's to change meanwhile, and read before the lock they keep it short for the
    other leads waiting on it. ``known``: the lead's known clients, when already read."""
    facts = lead_facts(session=session, lead=lead, new_lead=new_lead)
    clients = known
    if clients is None:
        phones = [facts.caller_phone, *facts.related_phones]
        clients = known_clients(session, office=office, phones=phones, now=now)
    lock_office_rotation(session=session, office_id=office.id)
    team, owed, mobiles, leaves = _team(session=session, office_id=office.id)
    # Statuses as they stand at ``now``: leave, and the coordinator's hours and roster.
    duty = office_schedule(session=session, office=office).duty(now)
    team = team_at(team, duty=duty, leaves=leaves, today=office_today(office, now))
    inputs = RoutingInputs(
        lead=facts,
        team=team,
        rotation=RotationState(
            last_served=last_served(session=session, office_id=office.id), makeup_owed=owed
        ),
        rules=office_rules(office),
        known_clients=clients,
        now=now,
    )
    return inputs, mobiles


def lock_office_rotation(*, session: Session, office_id: int) -> None:
    """On PostgreSQL, lock the office row so two leads logged at once cannot both take
    the same rotation turn. SQLite needs no lock here: every write transaction holds
    its one write lock from its first statement (dispatcher/sqlite.py)."""
    if session.get_bind().dialect.name == "sqlite":
        return
    # FOR NO KEY UPDATE, not FOR UPDATE: the lead just inserted holds a KEY SHARE lock on
    # this row through its foreign key, and FOR UPDATE would deadlock two leads logged at
    # once (measured: 503s under 10 concurrent clients on PostgreSQL).
    session.execute(_LOCK_OFFICE, {"office_id": office_id})


def decide(
    *,
    session: Session,
    lead: Lead,
    office: Office,
    now: datetime,
    new_lead: bool = False,
    known: tuple[KnownClient, ...] | None = None,
) -> tuple[RoutingDecision, dict, str | None]:
    """The decision for this lead, its inputs as JSON and the chosen salesperson's mobile
    (None: nobody chosen); the rotation state it leaves is written back. ``known``: the
    lead's known clients, when already read."""
    # Nothing here needs what is pending (the lead is flushed): its "logged" event goes
    # out with the assignment, the page and the "routed" event, in one flush.
    with session.no_autoflush:
        inputs, mobiles = gather_inputs(
            session=session, lead=lead, office=office, now=now, new_lead=new_lead, known=known
        )
        decision = choose_salesperson(inputs)
        if decision.rotation_after != inputs.rotation:
            save_rotation(
                session=session,
                office_id=office.id,
                before=inputs.rotation,
                after=decision.rotation_after,
            )
    return decision, inputs_to_json(inputs), mobiles.get(decision.salesperson_id)


def save_rotation(
    *, session: Session, office_id: int, before: RotationState, after: RotationState
) -> None:
    """Write what changed from ``before`` (read in this transaction) to ``after``: one
    statement per moved pointer, one per change of who is owed a make-up turn. Straight
    to the tables: no rotation pointer is loaded as a record while a lead is routed, and
    the commit that follows expires any salesperson record read meanwhile."""
    served = dict(before.last_served)
    for pool, salesperson_id in after.last_served:
        if pool not in served:
            session.add(
                RotationPointer(office_id=office_id, pool=pool, salesperson_id=salesperson_id)
            )
        elif served[pool] != salesperson_id:
            session.execute(
                _MOVE_POINTER,
                {"in_office": office_id, "pool_name": pool, "to_salesperson": salesperson_id},
            )
    for owed, ids in (
        (True, after.makeup_owed - before.makeup_owed),
        (False, before.makeup_owed - after.makeup_owed),
    ):
        if ids:
            session.execute(
                _SET_MAKEUP_OWED, {"in_office": office_id, "ids": list(ids), "owed_now": owed}
            )
