"""Routing alone: one decision with 500 salespeople and 100,000 known clients (issue 4).

Builds the office (mixed skills and statuses) and the client look-up, then times N
decisions (mixed lead kinds, some returning clients, family numbers, named salespeople,
listings, areas outside the target area), each fed the rotation state the previous one
left. Statuses change every 100 leads, outside the timed part. Prints the median and p99
per decision in microseconds, the time to build the inputs, and what storing one
decision's inputs as JSON costs. Pure Python, no service; bounded by --decisions.

    .venv/bin/python bench/routing.py [--decisions 20000] [--team 500] [--clients 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [
    ROOT,
    *(p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)),
]

from bench.common import percentile  # noqa: E402
from routing import (  # noqa: E402
    BUSY,
    ERRAND,
    IN_OFFICE,
    OFF_SHIFT,
    OUT,
    KnownClient,
    LeadFacts,
    OfficeRules,
    RotationState,
    RoutingInputs,
    Salesperson,
    choose_salesperson,
    known_clients_for,
)
from routing.replay import inputs_to_json, replay  # noqa: E402

NOW = datetime(2024, 5, 10, 12, 0)
STATUS_WEIGHTS = {IN_OFFICE: 50, OUT: 15, BUSY: 10, ERRAND: 5, OFF_SHIFT: 20}
KINDS = {"buyer": 45, "seller": 20, "renter": 15, "landlord": 10, "other": 10}
INSIDE = [f"N{n}" for n in range(20)]
OUTSIDE = [f"E{n}" for n in range(10)]


def pick(rand: random.Random, weights: dict[str, int]) -> str:
    return rand.choices(list(weights), weights=list(weights.values()))[0]


def build_team(rand: random.Random, size: int) -> tuple[Salesperson, ...]:
    positions = list(range(size))
    rand.shuffle(positions)
    team = []
    for person_id in range(1, size + 1):
        skills = {
            skill
            for skill, share in (("listing", 0.3), ("seller", 0.1), ("rental", 0.1), ("new", 0.1))
            if rand.random() < share
        }
        team.append(
            Salesperson(
                id=person_id,
                name=f"Salesperson {person_id}",
                rotation_position=positions[person_id - 1],
                active=rand.random() > 0.02,
                status=pick(rand, STATUS_WEIGHTS),
                skills=frozenset(skills),
            )
        )
    # As the database gives it: in the manager's order.
    return tuple(sorted(team, key=lambda p: (p.rotation_position, p.id)))


def build_clients(rand: random.Random, count: int, team_size: int) -> dict[str, KnownClient]:
    numbers = rand.sample(range(10_000_000), count)
    return {
        (phone := f"+1555{number:07d}"): KnownClient(
            phone=phone,
            owner_id=rand.randint(1, team_size),
            last_contact_at=NOW - timedelta(seconds=rand.randint(0, 40 * 86_400)),
        )
        for number in numbers
    }


def build_leads(rand: random.Random, count: int, phones: list[str], team_size: int):
    leads = []
    for _ in range(count):
        kind = pick(rand, KINDS)
        roll = rand.random()
        caller = rand.choice(phones) if roll < 0.3 else f"+1666{rand.randrange(10**7):07d}"
        related = (rand.choice(phones),) if rand.random() < 0.1 else ()
        listing = rand.randint(1, team_size) if kind in ("buyer", "renter") and roll < 0.5 else None
        leads.append(
            LeadFacts(
                kind=kind,
                caller_phone=caller,
                related_phones=related,
                asked_for_id=rand.randint(1, team_size) if rand.random() < 0.1 else None,
                listing_agent_id=listing,
                listing_label=f"{listing} Elm St" if listing else None,
                area=rand.choice(INSIDE + OUTSIDE) if rand.random() < 0.8 else None,
                excluded_ids=frozenset(
                    rand.randint(1, team_size) for _ in range(rand.choice((0, 0, 0, 1, 2)))
                ),
            )
        )
    return leads


def change_statuses(rand: random.Random, team: tuple[Salesperson, ...], changes: int):
    members = list(team)
    for index in rand.sample(range(len(members)), changes):
        person = members[index]
        members[index] = Salesperson(
            person.id,
            person.name,
            person.rotation_position,
            person.active,
            pick(rand, STATUS_WEIGHTS),
            person.skills,
        )
    return tuple(members)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=20_000)
    parser.add_argument("--team", type=int, default=500)
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rand = random.Random(args.seed)

    started = time.perf_counter_ns()
    team = build_team(rand, args.team)
    team_ns = time.perf_counter_ns() - started
    started = time.perf_counter_ns()
    clients = build_clients(rand, args.clients, args.team)
    clients_ns = time.perf_counter_ns() - started
    leads = build_leads(rand, args.decisions, list(clients), args.team)
    rules = OfficeRules(target_area=frozenset(INSIDE))

    rotation = RotationState()
    for lead in leads[:200]:  # warm up
        inputs = RoutingInputs(lead, team, rotation, rules, (), NOW)
        choose_salesperson(inputs, clients=clients)

    times: list[int] = []
    inputs_ns: list[int] = []
    rules_used: Counter[str] = Counter()
    makeups = 0
    for index, lead in enumerate(leads):
        if index and index % 100 == 0:
            team = change_statuses(rand, team, 5)
        now = NOW + timedelta(seconds=index)
        t0 = time.perf_counter_ns()
        inputs = RoutingInputs(lead, team, rotation, rules, (), now)
        t1 = time.perf_counter_ns()
        decision = choose_salesperson(inputs, clients=clients)
        t2 = time.perf_counter_ns()
        inputs_ns.append(t1 - t0)
        times.append(t2 - t1)
        rules_used[decision.rule] += 1
        makeups += "make-up turn" in decision.reason
        rotation = decision.rotation_after

    # What the dispatcher stores with each decision, and replaying it.
    lead = leads[-1]
    stored_inputs = RoutingInputs(
        lead, team, rotation, rules, known_clients_for(lead, clients), NOW
    )
    t0 = time.perf_counter_ns()
    stored = json.dumps(inputs_to_json(stored_inputs))
    t1 = time.perf_counter_ns()
    replayed = replay(json.loads(stored))
    t2 = time.perf_counter_ns()
    assert replayed == choose_salesperson(stored_inputs, clients=clients)

    micros = [ns / 1000 for ns in times]
    print(
        f"routing: {args.team} salespeople, {args.clients:,} known clients, "
        f"{args.decisions:,} decisions (python {sys.version.split()[0]})"
    )
    print(f"  build team          {team_ns / 1e6:8.1f} ms")
    print(f"  build clients map   {clients_ns / 1e6:8.1f} ms")
    print(
        f"  RoutingInputs       median {statistics.median(inputs_ns) / 1000:6.2f} us per decision"
    )
    print(
        f"  choose_salesperson  median {statistics.median(micros):6.1f} us, "
        f"p99 {percentile(micros, 99):6.1f} us, max {max(micros):7.1f} us, "
        f"mean {statistics.mean(micros):6.1f} us"
    )
    print(
        f"  rules: {dict(sorted(rules_used.items()))}, make-up turns: {makeups}, "
        f"still owed at the end: {len(rotation.makeup_owed)}"
    )
    print(
        f"  stored inputs: {len(stored):,} bytes JSON, inputs_to_json+dumps "
        f"{(t1 - t0) / 1000:.0f} us, loads+replay {(t2 - t1) / 1000:.0f} us"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
