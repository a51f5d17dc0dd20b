"""Courtesy messages to clients after a sale (docs/rules.md S1-S5, X8).

- ``templates``: the office's texts, approved by the manager before any goes out.
- ``planning``: what is due (routing.courtesy decides when), written as one row per
  (client, template, occasion) by the clock process and queued under a fixed job id;
  the manager's view of the next 7 days and the holds.
- ``sending``: how a row is sent, through the same outbound service as pages.
- ``consent``: a client's STOP, START and replies (forwarded to their owner).
- ``surveys``: S5's phone survey for the owner, and the monthly figures.
"""
