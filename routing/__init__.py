"""Pure rules that choose the salesperson for a lead: plain data in, a decision out.

Nothing here imports Flask or SQLAlchemy or reads a clock, so every decision can be
replayed from the inputs stored with it (domain.md C2, C3, Q1).
"""

from routing.decision import LeadFacts, RoutingDecision, Salesperson
from routing.rules import choose_salesperson

__all__ = ["LeadFacts", "RoutingDecision", "Salesperson", "choose_salesperson"]
