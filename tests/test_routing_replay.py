"""Replaying a decision from what is stored with it (routing.replay): the inputs and the
decision survive a round trip through JSON, and the known clients stored for a lead are
the ones the live mapping gave, so a replay decides the same.

The office and helpers are in tests/routing_cases.py.
"""

from __future__ import annotations

import json
from datetime import timedelta

from routing import (
    BUSY,
    POOL_OFFICE,
    RULE_ROTATION,
    KnownClient,
    RotationState,
    choose_salesperson,
    known_clients_for,
)
from routing.replay import inputs_to_json, replay
from tests.routing_cases import (
    ALICE,
    BRUNO,
    CALLER,
    CHEN,
    DANA,
    FAMILY,
    NOW,
    buyer,
    ex,
    inputs_for,
)


def test_a_clients_mapping_replaces_the_stored_ones():
    clients = {CALLER: KnownClient(CALLER, DANA, NOW - timedelta(days=1))}
    lead = buyer(caller_phone=CALLER, related_phones=(FAMILY,))
    inputs = inputs_for(lead, known=())
    assert choose_salesperson(inputs, clients=clients).salesperson_id == DANA
    assert choose_salesperson(inputs).rule == RULE_ROTATION
    stored = known_clients_for(lead, clients)
    assert stored == (clients[CALLER],)
    replayed = choose_salesperson(inputs_for(lead, known=stored))
    assert replayed == choose_salesperson(inputs, clients=clients)


def test_decision_and_inputs_survive_json():
    inputs = inputs_for(
        buyer(caller_phone=CALLER, related_phones=(FAMILY,), area="N9", excluded_ids=ex(3, 1)),
        statuses={BRUNO: BUSY},
        rotation=RotationState(((POOL_OFFICE, ALICE),), frozenset({DANA, CHEN})),
    )
    stored = json.loads(json.dumps(inputs_to_json(inputs)))
    decision = choose_salesperson(inputs)
    assert replay(stored) == decision
    assert stored["lead"]["excluded_ids"] == [1, 3]
    assert stored["now"] == "2024-05-10T12:00:00"
