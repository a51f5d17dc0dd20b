"""The keys a salesperson pressed when asked for their PIN (the <Gather> of callbacks.voice).

Who is calling is read from the call remembered under the CallSid, never from anything
in the request but that signed id; the PIN is checked against that salesperson's hash.
"""

from __future__ import annotations

from callbacks import bp
from callbacks.keys import answer_keys
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.leads import voice_pins


@bp.route("/voice/pin", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_pin():
    return answer_keys(voice_pins.answer_pin, step_name="voice PIN step")
