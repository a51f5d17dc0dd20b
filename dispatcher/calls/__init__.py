"""Calls that prove the client was reached: every one goes through the office's number.

- A bridged call-back (item 2): after OK, the salesperson taps *Call the client* on their
  page (the office rings them through the Calls API, they press 1, the office dials the
  client showing the office's number), or calls the office and presses 1.
- A put-through (C3): the coordinator sends a caller's live call to the salesperson they
  asked for (the Calls API's update); unanswered, it comes back to the coordinator and
  the salesperson is paged.
- A verified contact: a <Dial> to the client (or from the caller) answered and lasting
  CLIENT_REACHED_MIN_SECONDS records *client reached* on the lead, once
  (dispatcher/calls/contact.py; the rule itself is routing/contact.py).
- Acknowledged but not reached: a reminder, then the manager (not_reached.py).

The calls are placed and redirected through the office's one voice transport, shared
with voice pages: dispatcher/voice (``voice_transport()``, chosen as the SMS one is; the
webhook addresses: dispatcher/voice/webhooks.py). This package holds what is particular
to proving the reach: its TwiML (twiml.py), its rows and its rules.
"""
