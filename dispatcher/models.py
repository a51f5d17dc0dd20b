"""The office's records. Models hold data; the services in each subject's package change it.

Times are stored in UTC (naive columns hold UTC; see dispatcher.clock).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from dispatcher.extensions import db

LEAD_KINDS = ("buyer", "seller", "renter", "landlord", "other")
LEAD_CHANNELS = ("call", "walk_in")


class Office(db.Model):
    """One office: its people, leads and rules. Made by `flask create-office` (or
    `seed-demo`), never on the fly (dispatcher/office/setup.py)."""

    __table_args__ = (UniqueConstraint("phone_number", name="uq_office_phone_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The one source of the office's time zone: hours, the dashboard's days, times shown.
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    # Its Twilio number (E.164): a webhook finds its office by the number called (To).
    # Unset: the office answers every webhook while it is the only office.
    phone_number: Mapped[str | None] = mapped_column(String(20))
    # Paged when no salesperson is left for a lead (C5: the manager decides).
    manager_mobile: Mapped[str | None] = mapped_column(String(20))
    # Postcodes or districts the office serves, comma-separated; empty: all (C2).
    target_area: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # O6: days without follow-up after which a client counts as new again.
    ownership_lapse_days: Mapped[int] = mapped_column(default=20, server_default="20")
    # O7: days after a client's deposit during which a salesperson may dispute them.
    dispute_days: Mapped[int] = mapped_column(default=3, server_default="3")
    # O5: a colleague serves an absent owner's client only once the manager approves
    # (the lead waits for the manager); off: routing picks the colleague at once.
    stand_in_needs_approval: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Changed with every change of its calendar or roster: the compiled schedule is kept
    # per process under it (office/schedule.py). Random, so no two offices, nor an office
    # made again after a rollback, ever share one.
    schedule_stamp: Mapped[str] = mapped_column(
        String(32), default=lambda: secrets.token_hex(16), server_default="initial"
    )
    # A lead logged while nobody is on duty: "hold" until someone is, or "manager".
    nobody_on_duty: Mapped[str] = mapped_column(String(10), default="hold", server_default="hold")
    # Missed pages in a row after which a salesperson is taken out of the rotation; 0: off.
    miss_limit: Mapped[int] = mapped_column(default=0, server_default="0")
    # Drawn anew to revoke the office's calendar feed (its address is signed with it).
    feed_nonce: Mapped[int] = mapped_column(default=0, server_default="0")
    # C5: how long this office's salespeople have to acknowledge a page; None: the
    # ACK_DEADLINE_SECONDS setting (office.rules.deadline_seconds).
    ack_deadline_seconds: Mapped[int | None]

    def deadline_seconds(self, setting: int) -> int:
        """The office's acknowledgement deadline, else the setting's (ACK_DEADLINE_SECONDS)."""
        return self.ack_deadline_seconds or setting

    # No courtesy message goes out in these hours, office time (S1-S4): HH:MM-HH:MM.
    quiet_hours: Mapped[str] = mapped_column(
        String(11), default="21:00-09:00", server_default="21:00-09:00"
    )
    # A lead acknowledged but the client never reached (no verified call) after the
    # reminder and the manager's notice: give it to the next salesperson. Off by default.
    reassign_when_not_reached: Mapped[bool] = mapped_column(
        default=False, server_default=sa_false()
    )
    # Set while SMS pages go by voice call: delivery failures hit several salespeople
    # within minutes (dispatcher/voice/outage.py); cleared by the next delivered page.
    sms_outage_since: Mapped[datetime | None]
    # A caller who hangs up before anyone answers gets one SMS saying the office will
    # call back (dispatcher/voice/missed.py). Off unless the office turns it on.
    missed_caller_sms: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Calls through the office are recorded, after an announcement (dispatcher/voice/
    # recording.py). Off unless the office turns it on.
    record_calls: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The language of its screens and SMS (dispatcher/language.py LANGUAGES): en,
    # zh_Hant or zh_Hans.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    # Where numbers typed without a country code are read (ISO 3166 alpha-2: US, HK, CN,
    # TW); None: the PHONE_REGION setting (office.current.phone_region).
    phone_region: Mapped[str | None] = mapped_column(String(2))

    def region(self, setting: str) -> str:
        """The office's phone region, else the setting's (PHONE_REGION)."""
        return self.phone_region or setting


class Role(StrEnum):
    """What a signed-in user is in the office (User.role); dispatcher.access says what
    each may do. The values are the ones stored."""

    COORDINATOR = "coordinator"
    MANAGER = "manager"
    ADMIN = "admin"  # passes every role check
    SALESPERSON = "salesperson"
    # Sees every office read-only (the list of offices and the dashboards), changes
    # nothing; User.office_id is only the office its dashboard opens on.
    FRANCHISE = "franchise"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    # Written into the session cookie with the id. A cookie is signed, not stored, so it
    # cannot be revoked on its own: signing out draws a new token, and every copy of the
    # old cookie (on any device) stops being anyone's.
    session_token: Mapped[str | None] = mapped_column(String(64))

    def get_id(self) -> str:
        """Flask-Login's user id in the cookie: the id and the current session token."""
        return f"{self.id}:{self.session_token}"

    def new_session_token(self) -> None:
        self.session_token = secrets.token_urlsafe(32)

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    # The office the token acts for.
    office_id: Mapped[int | None] = mapped_column(
        ForeignKey("office.id", name="fk_api_token_office_id_office")
    )


class Salesperson(db.Model):
    # One mobile per salesperson in an office; someone working in two offices is a
    # salesperson in each, with the same mobile (a reply finds its office by the number
    # it was sent to: pages.replies).
    __table_args__ = (
        UniqueConstraint("office_id", "mobile", name="uq_salesperson_office_id_mobile"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    name: Mapped[str] = mapped_column(String(120))
    mobile: Mapped[str] = mapped_column(String(20))
    # Comma-separated skills: listing, seller, rental, new (routing grows into them).
    skills: Mapped[str] = mapped_column(String(120), default="")
    # O1: ownership records the team too (kept on the client when they become its owner).
    team: Mapped[str] = mapped_column(String(60), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    rotation_position: Mapped[int] = mapped_column(default=0)
    # in_office | out | busy | errand | off_shift (routing.decision.STATUSES)
    status: Mapped[str] = mapped_column(String(20), default="in_office", server_default="in_office")
    # Q3: skipped while busy or on an errand; one priority turn when back.
    makeup_owed: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Texted STOP (or Twilio reports them opted out): no SMS reaches them, so routing
    # skips them until they text START.
    sms_opted_out: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    sms_opted_out_at: Mapped[datetime | None]
    # Why pages to this mobile fail for good (unknown handset, landline, not a mobile),
    # for the manager to fix; cleared when the mobile is changed.
    number_problem: Mapped[str | None] = mapped_column(String(200))
    number_problem_at: Mapped[datetime | None]
    # Asked for before a call reads a client's details (caller ID can be spoofed); set by
    # the salesperson on their page, only its hash kept. None: no PIN set yet.
    voice_pin_hash: Mapped[str | None] = mapped_column(String(256))

    # On leave from-until (office dates, both included): never chosen except by name.
    leave_from: Mapped[date | None]
    leave_until: Mapped[date | None]
    # Pages missed one after another (an acknowledgement starts again from 0).
    misses_in_a_row: Mapped[int] = mapped_column(default=0, server_default="0")
    # Drawn anew to revoke their calendar feed (its address is signed with it).
    feed_nonce: Mapped[int] = mapped_column(default=0, server_default="0")
    # How pages reach them: sms | sms_then_call | call (dispatcher/voice/pages.PAGE_BY).
    page_by: Mapped[str] = mapped_column(String(20), default="sms", server_default="sms")

    def set_voice_pin(self, pin: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.voice_pin_hash = generate_password_hash(pin, method=method)

    def check_voice_pin(self, pin: str) -> bool:
        return self.voice_pin_hash is not None and check_password_hash(self.voice_pin_hash, pin)


class RotationPointer(db.Model):
    """Who took the last normal turn in one rotation pool of an office (Q1)."""

    __table_args__ = (UniqueConstraint("office_id", "pool"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    pool: Mapped[str] = mapped_column(String(20))
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))


class OfficeHours(db.Model):
    """The coordinator's hours on one weekday (C8), office time, in minutes after
    midnight; none: closed. A weekday without a row keeps C8's default."""

    __table_args__ = (UniqueConstraint("office_id", "weekday", name="uq_office_hours_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    weekday: Mapped[int]  # 0 Monday .. 6 Sunday
    opens: Mapped[int | None]
    closes: Mapped[int | None]


class Holiday(db.Model):
    """A day the coordinator is away (no hours) or keeps special hours."""

    __table_args__ = (UniqueConstraint("office_id", "day", name="uq_holiday_office_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    day: Mapped[date]
    name: Mapped[str] = mapped_column(String(80), default="")
    opens: Mapped[int | None]
    closes: Mapped[int | None]


class DutyShift(db.Model):
    """A repeating duty shift of the roster (routing.duty.Shift): weekly, or every
    second week, from ``first_day`` (until ``last_day``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))
    weekday: Mapped[int]
    starts: Mapped[int]  # minutes after midnight, office time
    ends: Mapped[int]  # not after starts: the next day
    first_day: Mapped[date]
    last_day: Mapped[date | None]
    every_weeks: Mapped[int] = mapped_column(default=1)

    salesperson: Mapped[Salesperson] = relationship()


class DutyCover(db.Model):
    """One salesperson takes another's shifts for a range of days (an override)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))
    covers_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))
    first_day: Mapped[date]
    last_day: Mapped[date]

    salesperson: Mapped[Salesperson] = relationship(foreign_keys=[salesperson_id])
    covers: Mapped[Salesperson] = relationship(foreign_keys=[covers_id])


class ShiftSwap(db.Model):
    """A salesperson asks a colleague to take their shift of one day; the colleague
    accepts or refuses (by SMS or on their page). Kept whatever the answer."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shift.id"))
    day: Mapped[date]
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))
    colleague_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))
    state: Mapped[str] = mapped_column(String(10), default="asked")  # asked|accepted|refused
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    answered_how: Mapped[str | None] = mapped_column(String(10))  # sms | page

    shift: Mapped[DutyShift] = relationship()
    asked_by: Mapped[Salesperson] = relationship(foreign_keys=[asked_by_id])
    colleague: Mapped[Salesperson] = relationship(foreign_keys=[colleague_id])


class ManagerChange(db.Model):
    """Every change the manager makes to the rotation, statuses, skills and office rules:
    who, when, what. Append-only."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(300))


class Listing(db.Model):
    # A ref is the office's own: two offices may both have an L-1001.
    __table_args__ = (
        UniqueConstraint("office_id", "reference", name="uq_listing_office_id_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    reference: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(200))
    agent_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"))
    agent: Mapped[Salesperson] = relationship()


class LeadState(StrEnum):
    """Where a lead stands (Lead.state); the values are the ones stored."""

    STUB = "stub"  # logged from its caller ID, waiting for the coordinator to complete it
    OPEN = "open"  # a page is out
    ACKNOWLEDGED = "acknowledged"  # someone called back
    MANAGER = "manager"  # nobody left: the manager decides (C5)
    NOT_A_CLIENT = "not_a_client"  # a stub the coordinator closed (a supplier, a wrong number)
    # The manager (or the coordinator for them) closed it; the reason is on the timeline.
    # Reopened, it waits for the manager again (dispatcher/leads/manager_hand.py).
    CLOSED = "closed"
    # Logged while nobody was on duty: paged when someone is (office/held.py).
    HELD = "held"


class Lead(db.Model):
    """One call or walk-in, as the coordinator logged it (C1)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    channel: Mapped[str] = mapped_column(String(10), default="call")
    kind: Mapped[str] = mapped_column(String(10))
    caller_name: Mapped[str] = mapped_column(String(120), default="")
    caller_phone: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(120), default="")
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"))
    # A listing ref the coordinator typed that is none of the office's listings: the lead
    # was logged and routed without it (never refused: the caller is on the line) and
    # waits here for a correction (dispatcher/leads/corrections.py). Empty: none.
    unknown_listing_ref: Mapped[str] = mapped_column(String(40), default="", server_default="")
    asked_for_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    # Postcode or district of the property asked about (C2: the target area).
    area: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # A family member's number already known to the office (O9), E.164.
    related_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # O2: the caller's title or gender (Mr, Ms...) and their basic need, for the register.
    caller_title: Mapped[str] = mapped_column(String(10), default="", server_default="")
    need: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # X1: a second salesperson named, tried when the first named is not in the office.
    also_asked_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("salesperson.id", name="fk_lead_also_asked_for_id_salesperson")
    )
    # X2: a returning client who would rather not have their salesperson, and why ("" none).
    declines_owner_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    state: Mapped[str] = mapped_column(String(20), default=LeadState.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # C7: what came of the salesperson's call to the client (leads.outcomes.OUTCOMES).
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_at: Mapped[datetime | None]
    # A verified contact: a call through the office's number to or from the client,
    # answered and long enough (dispatcher/calls). Set once, by the first such call.
    client_reached_at: Mapped[datetime | None]
    reached_by_call_sid: Mapped[str | None] = mapped_column(String(64))
    outcome_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("salesperson.id", name="fk_lead_outcome_by_id_salesperson")
    )

    listing: Mapped[Listing | None] = relationship()
    asked_for: Mapped[Salesperson | None] = relationship(foreign_keys=[asked_for_id])
    also_asked_for: Mapped[Salesperson | None] = relationship(foreign_keys=[also_asked_for_id])
    outcome_by: Mapped[Salesperson | None] = relationship(foreign_keys=[outcome_by_id])
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="lead", order_by="Assignment.id"
    )
    events: Mapped[list[LeadEvent]] = relationship(order_by="LeadEvent.id")
    # The lead's entry in the registration log (O3) and the corrections of it, in order.
    registrations: Mapped[list[Registration]] = relationship(
        order_by="Registration.id", viewonly=True
    )


class Assignment(db.Model):
    """A routing decision: who got the lead, by which rule and why (kept for replay)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    rule: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    # Everything the decision depended on (routing.replay), so it can be replayed.
    inputs: Mapped[dict | None] = mapped_column(JSON)
    # C3: asked for by name; after a miss the manager decides, nobody else is paged.
    manager_decides_on_miss: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # O5: the client's owner, when someone else serves them.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    script: Mapped[str | None] = mapped_column(String(200))

    lead: Mapped[Lead] = relationship(back_populates="assignments")
    salesperson: Mapped[Salesperson | None] = relationship(foreign_keys=[salesperson_id])
    page: Mapped[Page | None] = relationship(back_populates="assignment")


class PageState(StrEnum):
    """Where a page stands (Page.state); the values are the ones stored."""

    OPEN = "open"  # awaiting the salesperson's acknowledgement until its deadline
    ACKNOWLEDGED = "acknowledged"
    MISSED = "missed"  # the deadline passed
    DECLINED = "declined"  # they replied NO / PASS
    FAILED = "failed"  # undeliverable
    NOTIFY = "notify"  # the manager's page: nothing awaited
    MOVED = "moved"  # the manager took it while open: gave the lead to another, or closed it


class Page(db.Model):
    """One SMS page to a salesperson, and the deadline for their acknowledgement.

    The row is the truth: acknowledgement, timeout and sweeper move ``state`` out of
    'open' with one conditional update each, and only the one that changed the row acts.
    """

    __table_args__ = (
        # The dashboard's per-salesperson figures read only this index (measured on
        # 1,000,000 leads: 30 days 5x faster on PostgreSQL, 4x on SQLite).
        Index(
            "ix_page_salesperson_dashboard",
            "salesperson_id",
            "created_at",
            "state",
            "sent_at",
            "acknowledged_at",
            "lead_id",
        ),
        # A reply finds the salesperson's newest open page in one index step
        # (pages.open_page_for), however many pages are open in the office.
        Index("ix_page_salesperson_open", "salesperson_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(320))
    # open -> acknowledged | missed | declined | failed | moved; notify stays notify.
    state: Mapped[str] = mapped_column(String(20), default=PageState.OPEN, index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    # Sending: claimed -> sent; send_error keeps the last failure for the coordinator.
    send_claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    send_attempts: Mapped[int] = mapped_column(default=0)
    send_error: Mapped[str | None] = mapped_column(String(300))
    message_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None]
    # Acknowledged but the client not reached in time (dispatcher/calls/not_reached.py):
    # when the salesperson was reminded, and when the manager was told. Set once each.
    reach_reminded_at: Mapped[datetime | None]
    reach_escalated_at: Mapped[datetime | None]
    # The voice call that carried the page (dispatcher/voice/pages.py): placed once.
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    call_placed_at: Mapped[datetime | None]
    call_status: Mapped[str | None] = mapped_column(String(20))

    assignment: Mapped[Assignment] = relationship(back_populates="page")
    salesperson: Mapped[Salesperson | None] = relationship()


class Notice(db.Model):
    """The note in a salesperson's mailbox after a page was taken from them: missed
    (C6), or undeliverable (pages.taken)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("salesperson.id"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id"), unique=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class LeadEvent(db.Model):
    """The lead's timeline, append-only: logged, paged, acknowledged, missed, reassigned."""

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(300), default="")
    page_id: Mapped[int | None] = mapped_column(ForeignKey("page.id"))
    actor: Mapped[str] = mapped_column(String(80), default="system")


class InboundMessage(db.Model):
    """Every SMS webhook once, keyed by Twilio's MessageSid, with the reply we gave.

    A repeat delivery of the same MessageSid answers the stored reply and changes nothing.
    The body is not kept: it may carry a client's details.
    """

    __table_args__ = (UniqueConstraint("message_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64))
    from_number: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(30))
    reply: Mapped[str] = mapped_column(String(320), default="")


class InboundCall(db.Model):
    """Every voice webhook once, keyed by Twilio's CallSid, with the TwiML we answered.

    A repeat delivery of the same CallSid answers the stored TwiML and changes nothing.
    """

    __table_args__ = (UniqueConstraint("call_sid", name="uq_inbound_call_call_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    # Empty when the caller withheld their number.
    from_number: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime]
    # coordinator | on_duty | nobody_to_ring | salesperson_details | salesperson_nothing;
    # a salesperson not attested by the carrier: pin_asked -> pin_retry -> pin_refused,
    # or (PIN right) salesperson_details | salesperson_nothing; salesperson_no_pin,
    # salesperson_pin_locked (leads.calls, leads.voice_pins); a call that could mean
    # more than one lead: choice_asked -> salesperson_details (leads.voice_choices)
    outcome: Mapped[str] = mapped_column(String(30))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", name="fk_inbound_call_lead_id_lead")
    )
    salesperson_id: Mapped[int | None] = mapped_column(
        ForeignKey("salesperson.id", name="fk_inbound_call_salesperson_id_salesperson")
    )
    twiml: Mapped[str] = mapped_column(Text)
    # The leads the call asked the salesperson to choose from, by key ("2,3": key 1 is
    # Ref 2, key 2 Ref 3); None when it asked nothing.
    offered_leads: Mapped[str | None] = mapped_column(String(100))
    # How the <Dial> of a caller's call ended (Twilio's DialCallStatus, or "hung_up"),
    # set once: a repeated callback acts once (dispatcher/voice/missed.py).
    dial_status: Mapped[str | None] = mapped_column(String(20))


class CallRecording(db.Model):
    """A recording of a call through the office (Office.record_calls), linked from the
    lead's page for the manager; deleted at Twilio after RECORDING_RETENTION_DAYS."""

    __table_args__ = (UniqueConstraint("recording_sid", name="uq_call_recording_recording_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(
        ForeignKey("office.id", name="fk_call_recording_office_id_office")
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", name="fk_call_recording_lead_id_lead"), index=True
    )
    call_sid: Mapped[str] = mapped_column(String(64))
    recording_sid: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(300))
    duration_seconds: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]


class PlacedCall(db.Model):
    """A call the office put through its own number to reach a client (dispatcher/calls):
    a bridged call-back (the office rings the salesperson, then the client, showing the
    office's number) or a put-through (a caller's live call sent to the salesperson).

    ``call_sid`` is the call whose <Dial> reaches the other side: the one placed by the
    Calls API, the salesperson's own call to the office, or the caller's call. The
    <Dial>'s result is recorded once (one conditional update on ``dial_status``)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", name="fk_placed_call_office"))
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id", name="fk_placed_call_lead"), index=True
    )
    salesperson_id: Mapped[int] = mapped_column(
        ForeignKey("salesperson.id", name="fk_placed_call_salesperson")
    )
    kind: Mapped[str] = mapped_column(String(20))  # callback | put_through
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    # The Calls API refused the call (or the redirect); nothing rang.
    error: Mapped[str | None] = mapped_column(String(300))
    # What the <Dial> reported (DialCallStatus, DialCallDuration), once.
    dial_status: Mapped[str | None] = mapped_column(String(20))
    dial_seconds: Mapped[int | None]
    dialled_at: Mapped[datetime | None]
    # The status callback's last word on the placed call (a call-back: did they answer).
    call_status: Mapped[str | None] = mapped_column(String(20))

    salesperson: Mapped[Salesperson] = relationship()


class ManagerMessage(db.Model):
    """An SMS that is no page: to the manager about a salesperson (they texted STOP or
    START), or to a salesperson whose page was taken from them (pages.taken). Sent by a
    job after the commit, claimed like a page so it goes out once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(
        ForeignKey("office.id", name="fk_manager_message_office_id_office")
    )
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    send_claimed_at: Mapped[datetime | None]
    send_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    sent_at: Mapped[datetime | None]
    message_sid: Mapped[str | None] = mapped_column(String(64))
    send_error: Mapped[str | None] = mapped_column(String(300))


class OutboxMessage(db.Model):
    """An SMS the outbox transport 'sent' (development), or one a salesperson 'sent' us
    from the development phone; the development phone page reads these."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(10))  # outbound | inbound
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    from_number: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(String(1600))
    created_at: Mapped[datetime]


class DashboardRollup(db.Model):
    """The dashboard's figures for whole office days (a day, a week or a month),
    computed once so a year's dashboard adds up a few dozen of these instead of reading
    a year of leads (dashboard/rollups.py).

    Fresh while ``built_version`` equals ``version``, ``figures_format`` is the code's,
    and no DashboardChange falls inside [starts_at, ends_at); a late change bumps
    ``version`` and the dashboard reads those days from the leads and pages themselves
    until the rollup is built again.
    """

    __table_args__ = (
        UniqueConstraint(
            "timezone", "first_day", "last_day", name="uq_dashboard_rollup_timezone_days"
        ),
        Index("ix_dashboard_rollup_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    first_day: Mapped[date]
    last_day: Mapped[date]
    # The days as UTC bounds: local midnight to local midnight.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)
    built_version: Mapped[int] = mapped_column(default=0)  # 0: never built
    built_at: Mapped[datetime | None]
    figures: Mapped[dict | None] = mapped_column(JSON)
    # The figures' layout (dashboard_tally.FORMAT) when built: other code's rollups are
    # not read, and are built again.
    figures_format: Mapped[int] = mapped_column(default=0)


class DashboardChange(db.Model):
    """A lead or page written at ``at`` (its created_at): the rollups holding that
    instant must be built again. Written by database triggers on lead and page (see the
    migration), so no code path can change a figure behind the rollups' back."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class ClientStage(StrEnum):
    """Where a client stands (O11); every change is an entry of the client's log."""

    POTENTIAL = "potential"
    INTENDING = "intending"
    CLOSED = "closed"  # the contract is signed
    INVALID = "invalid"  # with a reason


class Client(db.Model):
    """A client of the office (O1-O11): their numbers, their family, their owner, their stage.

    The ownership columns are the fold of the client's ownership log (ClientEvent, folded
    by routing.ownership) kept in step by dispatcher.clients.ownership: the log is the
    truth, these columns make the owner a one-row read while a call is routed. A family
    (O9) is owned as one: its members point at the family's first client, whose columns
    hold the family's ownership.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(String(10), default="")
    need: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(20), default=ClientStage.POTENTIAL)
    stage_reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("client.id", name="fk_client_family_id_client"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"), index=True)
    owner_team: Mapped[str] = mapped_column(String(60), default="")
    owner_since: Mapped[datetime | None]
    last_follow_up_at: Mapped[datetime | None]
    shares: Mapped[list | None] = mapped_column(JSON)  # [[salesperson id, percent], ...]
    deposit_at: Mapped[datetime | None]
    closer_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    disputed: Mapped[bool] = mapped_column(default=False)
    lapsed_owner_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    # Courtesy messages (S1-S5, dispatcher/courtesy): what they are sent on.
    birthday: Mapped[date | None]
    project: Mapped[str] = mapped_column(String(120), default="", server_default="")
    subscribed_at: Mapped[datetime | None]
    contract_signed_at: Mapped[datetime | None]
    # The client texted STOP: no courtesy message until they text START.
    courtesy_opted_out: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    numbers: Mapped[list[ClientNumber]] = relationship(order_by="ClientNumber.id")
    owner: Mapped[Salesperson | None] = relationship(foreign_keys=[owner_id])


class ClientNumber(db.Model):
    """One of a client's numbers (E.164): a call from any of them finds the client."""

    __table_args__ = (UniqueConstraint("office_id", "phone", name="uq_client_number_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="mobile")  # mobile | landline


class Registration(db.Model):
    """The office's registration log (O2, O3): every call and visit, numbered in time order
    per office. Append-only, in the database too (triggers refuse UPDATE and DELETE); a
    mistake is corrected by a new entry that points at the one it corrects."""

    __table_args__ = (UniqueConstraint("office_id", "number", name="uq_registration_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    number: Mapped[int]
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(10))  # call | walk_in
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"), index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), index=True)
    caller_name: Mapped[str] = mapped_column(String(120), default="")
    caller_title: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    need: Mapped[str] = mapped_column(String(200), default="")
    named_salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    # O4: brought by an old client (their client id) who named the salesperson.
    referred_by_client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"))
    valid: Mapped[bool]
    missing: Mapped[str] = mapped_column(String(120), default="")  # O2's facts, comma-separated
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration.id", name="fk_registration_corrects_id_registration")
    )
    recorded_by: Mapped[str] = mapped_column(String(80))


class ClientEvent(db.Model):
    """A client's log, append-only (triggers refuse UPDATE and DELETE): who received them,
    every follow-up, every ownership change and why, deposits, disputes and splits, and
    their stage history. routing.ownership folds its ownership entries."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    reason: Mapped[str] = mapped_column(String(30), default="")
    shares: Mapped[list | None] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(String(300), default="")
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id"))
    actor: Mapped[str] = mapped_column(String(80))

    salesperson: Mapped[Salesperson | None] = relationship()


class CourtesyTemplate(db.Model):
    """A courtesy text of an office (S1-S4, X8): sent only while approved by the manager
    and not held; editing the text takes the approval away (dispatcher/courtesy)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # routing.courtesy.KINDS
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(1000))
    # "" every project; else only the clients of this one.
    project: Mapped[str] = mapped_column(String(120), default="")
    # Comma-separated stages; "" the kind's own.
    stages: Mapped[str] = mapped_column(String(60), default="")
    # The event, show-flat or holiday day; construction news: its first Thursday.
    occasion_date: Mapped[date | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(80))
    held: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(80))


class CourtesyMessage(db.Model):
    """One courtesy SMS, unique per (client, template, occasion): written by the clock
    process when due (or by the manager's hold), sent once by the outbound service
    (claimed by one conditional UPDATE, like a page)."""

    __table_args__ = (
        UniqueConstraint(
            "client_id", "template_id", "occasion", name="uq_courtesy_message_occasion"
        ),
        Index("ix_courtesy_message_due", "sent_at", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("courtesy_template.id"))
    occasion: Mapped[date]
    rule: Mapped[str] = mapped_column(String(5))
    # The client's owner when it was written (the monthly figures count it theirs).
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"))
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime]
    send_at: Mapped[datetime]
    held: Mapped[bool] = mapped_column(default=False)
    # Why it will never go out (the client stopped, the template lost its approval...).
    skipped: Mapped[str] = mapped_column(String(60), default="")
    send_claimed_at: Mapped[datetime | None]
    send_attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    message_sid: Mapped[str | None] = mapped_column(String(64))
    send_error: Mapped[str | None] = mapped_column(String(300))


class SurveyTask(db.Model):
    """S5: the owner's phone survey of a client within 7 days of the signing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), unique=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("salesperson.id"), index=True)
    due_on: Mapped[date]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship()
