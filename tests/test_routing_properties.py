"""Properties of the routing rules over random offices, leads and turn sequences
(hypothesis; issue 4: eligibility, fairness of the rotation, one make-up turn per absence,
replay)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from routing import (
    BUSY,
    ERRAND,
    IN_OFFICE,
    OUT,
    POOL_NEW,
    POOL_OFFICE,
    POOL_RENTAL,
    POOL_SELLER,
    RULE_ASKED_FOR,
    RULE_LISTING_AGENT,
    RULE_MANAGER,
    RULE_NEW_SALESPEOPLE,
    RULE_OWNER,
    RULE_ROTATION,
    RULE_SPECIALIST,
    STATUSES,
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    RoutingInputs,
    Salesperson,
    choose_salesperson,
)
from routing.replay import (
    inputs_from_json,
    inputs_to_json,
    replay,
)

AVAILABLE = (IN_OFFICE, OUT)
AWAY = (BUSY, ERRAND)
PHONES = ("+15550000001", "+15550000002", "+15550000003", "+15550000004")
GONE = 99  # a salesperson id no longer on the team
AREAS = ("N1", " n1 ", "N2", "N9", "x ", "", None)


@st.composite
def routing_inputs(draw) -> RoutingInputs:
    ids = draw(st.lists(st.integers(1, 12), min_size=0, max_size=8, unique=True))
    team = tuple(
        Salesperson(
            id=person_id,
            name=f"P{person_id}",
            rotation_position=draw(st.integers(0, 5)),  # ties: the id decides
            active=draw(st.booleans()),
            status=draw(st.sampled_from(STATUSES)),
            skills=draw(st.frozensets(st.sampled_from(("listing", "seller", "rental", "new")))),
        )
        for person_id in ids
    )
    someone = st.sampled_from((*ids, GONE))
    now = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)))
    lead = LeadFacts(
        kind=draw(st.sampled_from(("buyer", "seller", "renter", "landlord", "other"))),
        caller_phone=draw(st.sampled_from((*PHONES, ""))),
        related_phones=tuple(draw(st.lists(st.sampled_from(PHONES), max_size=2))),
        asked_for_id=draw(st.none() | someone),
        listing_agent_id=draw(st.none() | someone),
        listing_label=draw(st.none() | st.text(max_size=12)),
        area=draw(st.sampled_from(AREAS)),
        excluded_ids=draw(st.frozensets(someone, max_size=4)),
    )
    pools = draw(st.lists(st.sampled_from((POOL_OFFICE, POOL_SELLER, POOL_RENTAL, POOL_NEW))))
    rotation = RotationState(
        last_served=tuple(sorted({pool: draw(someone) for pool in pools}.items())),
        makeup_owed=draw(st.frozensets(someone, max_size=4)),
    )
    rules = OfficeRules(
        target_area=draw(st.frozensets(st.sampled_from(("N1", "n2", " N3")), max_size=3)),
        ownership_lapse_days=draw(st.integers(0, 40)),
    )
    known = tuple(
        KnownClient(
            phone=phone,
            owner_id=draw(someone),
            last_contact_at=now - draw(st.timedeltas(timedelta(days=-1), timedelta(days=45))),
        )
        for phone in draw(st.lists(st.sampled_from(PHONES), unique=True))
    )
    return RoutingInputs(lead, team, rotation, rules, known, now)


def is_available(person: Salesperson, lead: LeadFacts) -> bool:
    return person.active and person.status in AVAILABLE and person.id not in lead.excluded_ids


def outside(area: str | None, rules: OfficeRules) -> bool:
    own = {a.strip().lower() for a in rules.target_area}
    return bool(own) and bool(area and area.strip()) and area.strip().lower() not in own


def valid_owners(inputs: RoutingInputs) -> set[int]:
    lapse = timedelta(days=inputs.rules.ownership_lapse_days)
    phones = {inputs.lead.caller_phone, *inputs.lead.related_phones}
    return {
        c.owner_id
        for c in inputs.known_clients
        if c.phone in phones and inputs.now - c.last_contact_at <= lapse
    }


@settings(max_examples=300)
@given(routing_inputs())
def test_the_chosen_salesperson_is_eligible_for_the_rule_that_chose_them(inputs):
    """(a) Whoever is chosen is on the team, active, never excluded, and eligible for the
    rule named: available for every rule but the first; the named salesperson for rule 1."""
    decision = choose_salesperson(inputs)
    lead, by_id = inputs.lead, {p.id: p for p in inputs.team}
    asked = by_id.get(lead.asked_for_id)
    asked_eligible = asked is not None and asked.active and asked.id not in lead.excluded_ids
    # C3, O4: named but not reachable by SMS: still theirs, the manager decides.
    asked_unreachable = (
        asked is not None and not asked.active and asked.id not in lead.excluded_ids
    )

    assert (decision.rule == RULE_ASKED_FOR) == asked_eligible  # rule 1 beats all others
    assert decision.manager_decides_on_miss == (decision.rule == RULE_ASKED_FOR)
    assert list(decision.rotation_after.last_served) == sorted(decision.rotation_after.last_served)

    if decision.rule == RULE_MANAGER:
        assert decision.salesperson_id is None
        if asked_unreachable:
            assert decision.owner_id == asked.id
        else:
            assert not any(is_available(p, lead) for p in inputs.team)
        assert decision.rotation_after == inputs.rotation
        return

    person = by_id[decision.salesperson_id]
    assert person.active and person.id not in lead.excluded_ids
    if decision.rule == RULE_ASKED_FOR:
        assert person.id == lead.asked_for_id
        assert (decision.script is None) == (person.status == IN_OFFICE)
        assert decision.rotation_after == inputs.rotation
        return

    assert is_available(person, lead)
    assert decision.script is None
    if decision.rule == RULE_OWNER:
        assert person.id in valid_owners(inputs)
        assert decision.owner_id is None
    elif decision.rule == RULE_LISTING_AGENT:
        assert person.id == lead.listing_agent_id and lead.kind in ("buyer", "renter")
    elif decision.rule == RULE_SPECIALIST:
        needed = {"seller": "seller", "renter": "rental", "landlord": "rental"}[lead.kind]
        assert needed in person.skills
    elif decision.rule == RULE_NEW_SALESPEOPLE:
        assert "new" in person.skills and outside(lead.area, inputs.rules)
    else:
        assert decision.rule == RULE_ROTATION

    if decision.owner_id is not None:  # O5 and Q4: the owner is away; no turn taken
        assert decision.owner_id in valid_owners(inputs)
        assert not is_available(by_id[decision.owner_id], lead)
        assert decision.rotation_after == inputs.rotation
    if decision.rule in (RULE_OWNER, RULE_LISTING_AGENT):
        assert decision.rotation_after == inputs.rotation


@settings(max_examples=150)
@given(routing_inputs(), st.randoms(use_true_random=False))
def test_the_order_the_team_comes_in_does_not_matter(inputs, rand: random.Random):
    team = list(inputs.team)
    rand.shuffle(team)
    assert choose_salesperson(replace(inputs, team=tuple(team))) == choose_salesperson(inputs)


@settings(max_examples=200)
@given(routing_inputs())
def test_a_decision_replays_from_its_stored_inputs(inputs):
    """(d) Stored as JSON, read back and replayed: the same inputs and the same decision."""
    stored = json.loads(json.dumps(inputs_to_json(inputs)))
    assert inputs_from_json(stored) == inputs
    decision = choose_salesperson(inputs)
    assert replay(stored) == decision


# A turn sequence: ("lead",) or ("status", team index, new status).
events = st.lists(
    st.one_of(
        st.just(("lead",)),
        st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from((*AVAILABLE, *AWAY))),
    ),
    max_size=60,
)


@settings(max_examples=400)
@given(
    positions=st.lists(st.integers(0, 3), min_size=1, max_size=6),
    events=events,
)
def test_rotation_is_fair_and_make_up_turns_are_given_once_per_absence(positions, events):
    """(b) and (c), for office-rotation leads in a fixed team where people go busy or on an
    errand and come back at random.

    Counts per salesperson X: n = normal turns, u = make-up turns, t = n + u, and
    k = turns X was skipped: normal turns that passed over X's place in the manager's order
    on their way from the previous normal turn to this one (the round robin's walk).

    Checked after every lead:
    1. Nobody available is ever passed over (Q2): everyone skipped was busy or on an errand.
    2. Pace: |(n_X + k_X) - (n_Y + k_Y)| <= 1 for all X, Y. Proof: make-up turns do not
       move the rotation; each normal turn walks on from the last normal turn, wrapping
       round, and every place it reaches is either served (n) or skipped (k), so the walk
       reaches every place the same number of times, give or take one.
    3. One make-up turn per absence (c): each make-up turn of X follows at least one skip
       of X since X's previous make-up turn (so u_X <= k_X, and at most one make-up turn
       falls between the end of one absence and the end of the next); X is still owed
       exactly when X was skipped after their last make-up turn.
    4. Priority (Q3): when someone skipped and not yet made up is available, the lead is a
       make-up turn.
    5. Fairness, from 2 and 3 with d_X = k_X - u_X >= 0 (turns missed and not made up):
       |t_X - t_Y| <= 1 + max(d_X, d_Y). In particular two salespeople available for the
       whole run differ by at most one turn, and nobody gets more than one turn more than
       someone always available (t_X <= t_A + 1).
    """
    team = [Salesperson(i + 1, f"P{i + 1}", pos) for i, pos in enumerate(positions)]
    order = [p.id for p in sorted(team, key=lambda p: (p.rotation_position, p.id))]
    place = {person_id: index for index, person_id in enumerate(order)}
    status = {p.id: IN_OFFICE for p in team}
    always = set(status)
    normal = dict.fromkeys(status, 0)
    makeup = dict.fromkeys(status, 0)
    skipped = dict.fromkeys(status, 0)
    history: dict[int, list[str]] = {person_id: [] for person_id in status}
    rotation, last_normal = RotationState(), None

    for event in events:
        if event[0] == "status":
            person_id = order[event[1] % len(order)]
            status[person_id] = event[2]
            if event[2] in AWAY:
                always.discard(person_id)
            continue
        current = tuple(replace(p, status=status[p.id]) for p in team)
        inputs = RoutingInputs(LeadFacts("buyer"), current, rotation, OfficeRules(), (), now())
        decision = choose_salesperson(inputs)
        chosen = decision.salesperson_id
        owed = {x for x in status if history[x][-1:] == ["S"] and status[x] in AVAILABLE}

        if chosen is None:
            assert all(s in AWAY for s in status.values())
            assert decision.rotation_after == rotation
            continue
        assert decision.rule == RULE_ROTATION and status[chosen] in AVAILABLE
        if "make-up turn" in decision.reason:
            assert chosen in owed  # 3: a make-up turn needs a skip not yet made up
            assert decision.rotation_after.last_served == rotation.last_served
            makeup[chosen] += 1
            history[chosen].append("U")
        else:
            assert not owed  # 4: priority to make-up turns
            start = 0 if last_normal is None else place[last_normal] + 1
            steps = (place[chosen] - start) % len(order)
            for index in range(start, start + steps):
                passed = order[index % len(order)]
                assert status[passed] in AWAY  # 1: nobody available is passed over
                skipped[passed] += 1
                if history[passed][-1:] != ["S"]:
                    history[passed].append("S")
            normal[chosen] += 1
            last_normal = chosen
            assert decision.rotation_after.last_in(POOL_OFFICE) == chosen
        rotation = decision.rotation_after

        still_owed = {x for x in status if history[x][-1:] == ["S"]}
        assert rotation.makeup_owed == still_owed  # 3: owed exactly when not made up
        pace = [normal[x] + skipped[x] for x in status]
        assert max(pace) - min(pace) <= 1  # 2
        turns = {x: normal[x] + makeup[x] for x in status}
        missed = {x: skipped[x] - makeup[x] for x in status}
        assert min(missed.values()) >= 0  # 3: u <= k
        for x in status:
            for y in status:
                assert abs(turns[x] - turns[y]) <= 1 + max(missed[x], missed[y])  # 5
                if y in always:
                    assert turns[x] <= turns[y] + 1
                    if x in always:
                        assert abs(turns[x] - turns[y]) <= 1

    for marks in history.values():  # 3: S and U alternate, each U after an S
        assert all(a != b for a, b in zip(marks, marks[1:], strict=False))
        assert marks[:1] in ([], ["S"])


def now() -> datetime:
    return datetime(2024, 5, 10, 12, 0)
