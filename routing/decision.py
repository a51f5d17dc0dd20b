"""The plain data that routing takes and gives. Frozen, hashable, and convertible to and
from JSON (routing.replay), so every decision can be stored with its inputs and replayed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Rule names as stored with each assignment and shown to the manager, in the order
# they are tried (docs/rules.md C2, C3, O1, O4-O6, Q1-Q4).
RULE_ASKED_FOR = "asked_for"  # C3, O4: the caller named a salesperson
RULE_OWNER = "owner"  # O1, O6: a known client whose ownership is still valid
RULE_LISTING_AGENT = "listing_agent"  # C2: a buyer or renter asking about a listing
RULE_SPECIALIST = "specialist"  # C2: seller -> seller specialists; rental -> rental ones
RULE_NEW_SALESPEOPLE = "new_salespeople"  # C2: outside the target area, for learning
RULE_ROTATION = "rotation"  # Q1-Q3: the office rotation
RULE_MANAGER = "manager"  # nobody left: the manager decides (C5)
# Not one of routing's rules: the manager (or the coordinator for them) gave the lead by
# hand (C5: the manager decides). Stored like any decision, without inputs to replay.
RULE_ASSIGNED = "assigned"
# Nor this: logged while nobody was on duty (outside the coordinator's hours, no shift
# running), the lead waits until someone is (dispatcher/office/held.py).
RULE_HELD = "held"

# Salesperson statuses the manager sets.
IN_OFFICE = "in_office"  # on shift, in the office
OUT = "out"  # on shift, out of the office (showing a house): still paged
BUSY = "busy"  # with a returning client: skipped by the rotation, owed a make-up turn
ERRAND = "errand"  # sent on an errand by the manager: likewise
OFF_SHIFT = "off_shift"  # not working now: never chosen except by name (C3)
STATUSES = (IN_OFFICE, OUT, BUSY, ERRAND, OFF_SHIFT)
# Set by the office, not chosen from the list: out of the rotation after missed pages in
# a row, until they say they are back (never chosen except by name)...
PAUSED = "paused"
# ...and, read from their leave dates at the instant asked about, on leave (likewise).
ON_LEAVE = "on_leave"

# Skills the manager sets.
SKILL_LISTING = "listing"
SKILL_SELLER = "seller"
SKILL_RENTAL = "rental"
SKILL_NEW = "new"

# Rotation pools: the office rotation, and one per specialist rule.
POOL_OFFICE = "office"
POOL_SELLER = "seller"
POOL_RENTAL = "rental"
POOL_NEW = "new"


@dataclass(frozen=True)
class Salesperson:
    """A salesperson as routing sees them."""

    id: int
    name: str
    rotation_position: int  # the manager's order; lower goes first
    active: bool = True  # employed and reachable by SMS; False: never chosen
    status: str = IN_OFFICE
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class KnownClient:
    """A client the office already served: who owns them and when they were last followed up."""

    phone: str  # E.164
    owner_id: int
    last_contact_at: datetime  # UTC, naive


@dataclass(frozen=True)
class LeadFacts:
    """What the coordinator recorded that matters for routing (never the client's name)."""

    kind: str  # buyer | seller | renter | landlord | other
    caller_phone: str = ""  # E.164
    related_phones: tuple[str, ...] = ()  # family members' numbers (O9)
    asked_for_id: int | None = None
    also_asked_for_id: int | None = None  # X1: a second name, if the first is not in
    declines_owner: bool = False  # X2: a returning client would rather not have their owner
    listing_agent_id: int | None = None
    listing_label: str | None = None
    area: str | None = None  # postcode or district of the property asked about
    excluded_ids: frozenset[int] = frozenset()  # already missed or declined this lead


@dataclass(frozen=True)
class OfficeRules:
    """The manager's settings that routing reads."""

    target_area: frozenset[str] = frozenset()  # empty: every area is the office's own
    ownership_lapse_days: int = 20  # O6
    # O6 counts days on the office's calendar in this zone; None (inputs stored before it
    # was kept) counts whole 24-hour days, as those decisions were made.
    timezone: str | None = None
    stand_in_needs_approval: bool = False  # O5: the manager approves who serves


@dataclass(frozen=True)
class RotationState:
    """Who took each pool's last normal turn, and who is owed a make-up turn (Q3)."""

    last_served: tuple[tuple[str, int], ...] = ()  # (pool, salesperson id), sorted by pool
    makeup_owed: frozenset[int] = frozenset()

    def last_in(self, pool: str) -> int | None:
        return dict(self.last_served).get(pool)


@dataclass(frozen=True)
class RoutingDecision:
    """Who gets the lead, by which rule, a sentence a manager can read, and the rotation
    state after this decision (unchanged when the rule took no turn)."""

    salesperson_id: int | None
    rule: str
    reason: str
    rotation_after: RotationState = field(default_factory=RotationState)
    # Words for the coordinator to say when the named salesperson is not in (C3).
    script: str | None = None
    # A named salesperson's lead is not passed on after a miss: the manager decides.
    manager_decides_on_miss: bool = False
    # The client's owner when someone else serves them (O5: the owner keeps the client).
    owner_id: int | None = None


@dataclass(frozen=True)
class RoutingInputs:
    """Everything a decision depends on; stored with it, so it can be replayed."""

    lead: LeadFacts
    team: tuple[Salesperson, ...]
    rotation: RotationState
    rules: OfficeRules
    known_clients: tuple[KnownClient, ...]  # only the ones that match the lead's numbers
    now: datetime
