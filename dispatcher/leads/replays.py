"""A routing decision run again from the inputs stored with it, said in words on the
lead's page: the same choice, or who the rules would choose today from what was known
then (they changed since)."""

from __future__ import annotations

from dispatcher.models import Assignment
from dispatcher.words import RULES
from routing.replay import replay

SAME = "Replayed from what was known then: the same choice."


def replay_in_words(assignment: Assignment) -> str | None:
    """None for a decision stored without its inputs (the manager's, an old one)."""
    if not assignment.inputs:
        return None
    again = replay(assignment.inputs)
    if (again.salesperson_id, again.rule) == (assignment.salesperson_id, assignment.rule):
        return SAME
    names = {person["id"]: person["name"] for person in assignment.inputs.get("team", [])}
    who = names.get(again.salesperson_id, "the manager")
    rule = RULES.get(again.rule, again.rule.replace("_", " "))
    return (
        f"Replayed from what was known then, today's rules would choose {who} "
        f"({rule}): the rules changed since."
    )
