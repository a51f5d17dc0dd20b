"""The key a salesperson pressed when their call asked which lead it is about (the
one-key <Gather> of callbacks.voice). Which call, and so who is calling and which lead
each key stands for, is read from the call remembered under the signed CallSid; nothing
else in the request is trusted."""

from __future__ import annotations

from callbacks import bp
from callbacks.keys import answer_keys
from callbacks.sids import twilio_sids
from callbacks.signature import twilio_signed
from dispatcher.leads import voice_choices


@bp.route("/voice/choose", methods=["POST"])
@twilio_signed
@twilio_sids("CallSid")
def voice_choose():
    return answer_keys(voice_choices.answer_choice, step_name="voice choice")
