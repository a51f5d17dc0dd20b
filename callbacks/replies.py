"""Reading a salesperson's reply to a page. Pure: text in, a command (inbound.Reply) out."""

from __future__ import annotations

from dispatcher.pages.replies import Reply
from dispatcher.text import ascii_whole_number

ACK_WORDS = {"OK", "OKAY", "YES", "Y", "1"}
DECLINE_WORDS = {"NO", "PASS"}
HELP_WORDS = {"HELP", "INFO", "?"}
# Their place in the rotation, and whether a make-up turn is owed.
TURN_WORDS = {"TURN", "MY TURN", "ROTATION"}
# Where they are (dispatcher/office/availability.OWN_WORDS), said in one word.
STATUS_WORDS = {"IN", "OUT", "BUSY", "BACK"}
# SWAP YES [n] / SWAP NO [n]: their answer to a colleague's swap.
SWAP_WORD, SWAP_ANSWERS = "SWAP", {"YES": "YES", "Y": "YES", "OK": "YES", "NO": "NO", "N": "NO"}
# OK ALL: every page open to them, asked for in so many words.
ALL_WORD = "ALL"
# Twilio's opt-out and opt-in keywords. Twilio acts on a message that is exactly one of
# them (it stops delivering to the number), so we read them the same way and our record
# of who can be paged matches Twilio's list.
OPT_OUT_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN_WORDS = {"START", "UNSTOP", "YES"}
# Twilio's Advanced Opt-Out adds OptOutType to the webhook; it wins over the body.
OPT_OUT_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}

# The words of the offices' other languages (dispatcher/language.py LANGUAGES), each
# meaning the English command word it stands for. A reply is read with them whatever the
# office (a salesperson may type either), and the English words work in every office;
# HELP names the words of the office's language (its translation in the catalogues).
# Chinese is written without spaces: "好12" reads as "OK 12".
_CHINESE = {"好": "OK", "好的": "OK", "收到": "OK", "不": "PASS", "不要": "PASS"}
OFFICE_WORDS = {
    "zh_Hant": {**_CHINESE, "幫助": "HELP"},
    "zh_Hans": {**_CHINESE, "帮助": "HELP"},
}
# Longest first, so that 好的 is read before 好 and 不要 before 不.
_OFFICE_WORDS = sorted(
    {word: english for words in OFFICE_WORDS.values() for word, english in words.items()}.items(),
    key=lambda item: -len(item[0]),
)
# Punctuation a phone's Chinese keyboard types: read as a space.
_CJK_PUNCTUATION = str.maketrans({mark: " " for mark in "。，、！？；：．"})

# DONE <ref> <outcome words>: the phrases a salesperson may use, longest first, and the
# outcome each means (dispatcher.leads.outcomes.OUTCOMES). Words after the phrase are
# ignored, and not kept: they may name the client.
OUTCOME_PHRASES = (
    ("LISTING APPOINTMENT", "listing_appointment"),
    ("LISTING APPT", "listing_appointment"),
    ("LISTING", "listing_appointment"),
    ("APPOINTMENT SET", "appointment_set"),
    ("APPOINTMENT", "appointment_set"),
    ("APPT", "appointment_set"),
    ("NOT INTERESTED", "not_interested"),
    ("WRONG NUMBER", "wrong_number"),
    ("WRONG", "wrong_number"),
    ("NO ANSWER", "no_answer"),
    ("OTHER", "other"),
)


def parse_reply(body: str, opt_out_type: str | None = None) -> Reply:
    """OK / YES / 1 acknowledge their one open page, a ref number (or 'OK 12') picks one,
    OK ALL takes every open page; NO / PASS [ref] decline (the word is kept); DONE <ref>
    <outcome>; TURN; IN, OUT, BUSY, BACK; SWAP YES / SWAP NO [n]; HELP; STOP and START
    words."""
    by_type = OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())
    if by_type:
        return Reply(by_type)
    said, body = _office_word(body or "")
    words = [w.strip(".!:;") for w in body.upper().replace(",", " ").split()]
    words = [w for w in words if w]
    if not words:
        return Reply("unknown")
    whole = " ".join(words)
    if whole in OPT_OUT_WORDS:
        return Reply("stop")
    if whole in OPT_IN_WORDS - ACK_WORDS:
        return Reply("start")
    first, rest = words[0], words[1:]
    if first in HELP_WORDS:
        return Reply("help")
    if whole in TURN_WORDS:
        return Reply("turn")
    if whole in STATUS_WORDS:
        return Reply("status", word=whole)
    if first == SWAP_WORD:
        return _swap(rest)
    if first in ACK_WORDS and rest and rest[0] == ALL_WORD:
        return Reply("ack", every_open=True)
    if first in ACK_WORDS | DECLINE_WORDS and rest and _unreadable_ref(rest[0]):
        return Reply("unknown")  # "OK ²" meant some ref: not the newest page by guess
    if first in ACK_WORDS:
        return Reply("ack", _ref(rest[0]) if rest else None, opt_in=whole in OPT_IN_WORDS)
    if first in DECLINE_WORDS:
        if rest and rest[0] == ALL_WORD:
            return Reply("unknown")  # passing every lead on at once is the manager's call
        return Reply("decline", _ref(rest[0]) if rest else None, word=said or first)
    if first == "DONE":
        ref = _ref(rest[0]) if rest else None
        return Reply("done", ref, _outcome(rest[1:]) if ref is not None else None)
    if _ref(first) is not None and not rest:
        return Reply("ack", _ref(first))
    return Reply("unknown")


def _office_word(body: str) -> tuple[str, str]:
    """(the word of another language the reply begins with, the body with it said in
    English): "收到 12" -> ("收到", "OK 12"); ("", body) when it begins with none. The
    word must stand alone (a ref or the end after it): 不是 is not 不."""
    text = body.translate(_CJK_PUNCTUATION).strip()
    for word, english in _OFFICE_WORDS:
        if text.startswith(word):
            rest = text[len(word) :]
            if not rest or rest[0].isspace() or rest[0].isdigit():
                return word, f"{english} {rest}"
    return "", body


def _swap(rest: list[str]) -> Reply:
    """SWAP YES, SWAP NO 7, SWAP 7 YES."""
    answer = next((SWAP_ANSWERS[w] for w in rest if w in SWAP_ANSWERS), None)
    numbers = [w for w in rest if w not in SWAP_ANSWERS]
    if answer is None or len(numbers) > 1:
        return Reply("unknown")
    ref = _ref(numbers[0]) if numbers else None
    if numbers and ref is None:
        return Reply("unknown")
    return Reply("swap", ref, word=answer)


def _ref(word: str) -> int | None:
    # Refs are lead ids: PostgreSQL's integer holds at most 2**31 - 1.
    return ascii_whole_number(word.removeprefix("REF").removeprefix("#"), max_digits=9)


def _unreadable_ref(word: str) -> bool:
    """A word with digits in it (any script's, or ² and the like) that is no ref."""
    return _ref(word) is None and any(c.isnumeric() for c in word)


def _outcome(words: list[str]) -> str | None:
    text = " ".join(words).replace("_", " ").replace("-", " ")
    text = " ".join(text.split())
    for phrase, outcome in OUTCOME_PHRASES:
        if text == phrase or text.startswith(phrase + " "):
            return outcome
    return None
