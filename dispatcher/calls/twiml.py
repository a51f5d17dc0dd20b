"""The TwiML of the calls placed or put through (their webhook addresses: the one
webhook_url of dispatcher/voice/webhooks.py).

Every address carries the placed call's id in its path: Twilio signs the whole URL, so
the id comes back exactly as given, and the webhook also checks the CallSid against it.

The words are in the language in force, the office's (a screen's request, or the webhook's
in_language), and each <Say> speaks with its voice (language.spoken).
"""

from __future__ import annotations

from flask_babel import gettext
from twilio.twiml.voice_response import VoiceResponse

from dispatcher.language import N_, spoken
from dispatcher.voice.webhooks import webhook_url

# How long the client's phone rings on a bridged call-back before the office gives up.
CLIENT_RING_SECONDS = 30
# Seconds to press 1 once the salesperson answers the office's call.
KEY_TIMEOUT_SECONDS = 10


def callback_offer(call_id: int, lead_id: int) -> str:
    """The office's call to the salesperson: press 1 to be connected to the client. A
    key, so that a voicemail greeting never dials the client."""
    response = VoiceResponse()
    gather = response.gather(
        action=webhook_url("callbacks.call_connect", call_id=call_id),
        method="POST",
        num_digits=1,
        timeout=KEY_TIMEOUT_SECONDS,
    )
    gather.say(
        gettext("The office, about reference %(ref)s. Press 1 to call the client now.", ref=lead_id)
    )
    response.say(gettext("No key pressed. Goodbye."))
    return spoken(response)


def dial_client(call_id: int, client_number: str, office_number: str) -> str:
    """Connect to the client, who sees the number they called (the office's)."""
    return _dial(
        call_id,
        client_number,
        office_number,
        gettext("Calling the client. They will see the office's number."),
        CLIENT_RING_SECONDS,
    )


def put_through(call_id: int, mobile: str, office_number: str, ring_seconds: int) -> str:
    """The caller's live call, sent to the salesperson's phone for ``ring_seconds``."""
    return _dial(call_id, mobile, office_number, gettext("Putting you through."), ring_seconds)


def _dial(call_id: int, number: str, office_number: str, words: str, ring_seconds: int) -> str:
    """Say ``words``, then ring ``number`` showing the office's number; the <Dial>'s
    result goes to the placed call's webhook (dispatcher/calls/contact.py records it)."""
    response = VoiceResponse()
    response.say(words)
    dial = response.dial(
        caller_id=office_number,
        action=webhook_url("callbacks.call_dialled", call_id=call_id),
        method="POST",
        timeout=ring_seconds,
    )
    dial.number(number)
    return spoken(response)


def back_to_the_coordinator(coordinator_phone: str | None) -> str:
    """C3: the salesperson did not answer. A message is taken (they are paged) and the
    caller goes back to the coordinator; never a word of where the salesperson is."""
    response = VoiceResponse()
    response.say(
        gettext(
            "They cannot take your call right now. "
            "We have taken a message and they will call you back."
        )
    )
    if coordinator_phone:
        response.say(gettext("Back to the coordinator."))
        response.dial(coordinator_phone)
    else:
        response.say(gettext("Goodbye."))
    return spoken(response)


GOODBYE = N_("Goodbye.")
DATABASE_AWAY = N_("Sorry, the call cannot be completed right now. Goodbye.")
CLIENT_NOT_ANSWERED = N_("The client did not answer. Goodbye.")


def goodbye(words: str = GOODBYE) -> str:
    """``words`` (one of the marked above) in the language in force, then hang up."""
    response = VoiceResponse()
    response.say(gettext(words))
    response.hangup()
    return spoken(response)
