"""Reading a salesperson's SMS (pure): OK, NO / PASS, DONE with an outcome, HELP, and
Twilio's opt-out and opt-in words, as Twilio itself reads them."""

from __future__ import annotations

import pytest

from callbacks.replies import parse_reply
from dispatcher.pages.replies import Reply


@pytest.mark.parametrize(
    ("body", "opt_out_type", "expected"),
    [
        ("OK", None, Reply("ack")),
        ("ok 12", None, Reply("ack", 12)),
        ("Yes", None, Reply("ack", opt_in=True)),
        ("yes 12", None, Reply("ack", 12)),
        ("1", None, Reply("ack")),
        ("#12", None, Reply("ack", 12)),
        ("Ref12", None, Reply("ack", 12)),
        ("NO", None, Reply("decline", word="NO")),
        ("no 12", None, Reply("decline", 12, word="NO")),
        ("Pass", None, Reply("decline", word="PASS")),
        ("OK ALL", None, Reply("ack", every_open=True)),
        ("yes, all", None, Reply("ack", every_open=True)),
        ("NO ALL", None, Reply("unknown")),
        ("TURN", None, Reply("turn")),
        ("my turn?", None, Reply("unknown")),
        ("Turn.", None, Reply("turn")),
        ("PASS #12", None, Reply("decline", 12, word="PASS")),
        ("DONE 12 appointment set", None, Reply("done", 12, "appointment_set")),
        ("done 12 appt Tuesday 10am", None, Reply("done", 12, "appointment_set")),
        ("DONE 12 listing appointment", None, Reply("done", 12, "listing_appointment")),
        ("Done #12 not interested.", None, Reply("done", 12, "not_interested")),
        ("DONE 12 wrong number", None, Reply("done", 12, "wrong_number")),
        ("DONE 12 no answer", None, Reply("done", 12, "no_answer")),
        ("DONE 12 other", None, Reply("done", 12, "other")),
        ("DONE 12 not_interested", None, Reply("done", 12, "not_interested")),
        ("DONE 12 she bought elsewhere", None, Reply("done", 12, None)),
        ("DONE appointment set", None, Reply("done")),
        ("DONE", None, Reply("done")),
        ("HELP", None, Reply("help")),
        ("info", None, Reply("help")),
        *[(word, None, Reply("stop")) for word in ("STOP", "stop", "Stop.", "STOPALL")],
        *[
            (word, None, Reply("stop"))
            for word in ("UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "CANCEL")
        ],
        ("START", None, Reply("start")),
        ("unstop", None, Reply("start")),
        # Twilio acts on a keyword only when it is the whole message.
        ("stop by the office later", None, Reply("unknown")),
        ("end of day", None, Reply("unknown")),
        ("anything", "STOP", Reply("stop")),
        ("anything", "START", Reply("start")),
        ("anything", "HELP", Reply("help")),
        ("", None, Reply("unknown")),
        ("who is this??", None, Reply("unknown")),
        ("99999999999999999999", None, Reply("unknown")),
        # Issue #13: digits that are not ASCII ones are no ref, and the page is not guessed.
        ("OK ²", None, Reply("unknown")),
        ("no ³", None, Reply("unknown")),
        ("OK ١٢", None, Reply("unknown")),
        ("OK 12345678901", None, Reply("unknown")),
        ("²", None, Reply("unknown")),
        ("DONE ¹ appt", None, Reply("done")),
        ("OK thanks", None, Reply("ack")),
    ],
)
def test_reading_the_words(body, opt_out_type, expected):
    assert parse_reply(body, opt_out_type) == expected
