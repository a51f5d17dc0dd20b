"""O2: the three facts a registration needs before it gives anyone a client.

Pure, and imported by the migration that turned old leads into registrations, so the log
was judged by the same words then as now.
"""

from __future__ import annotations

import re

# Titles that say a caller's gender or form of address, typed as a field or in the name.
TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr")
_TITLE_WORDS = re.compile(
    r"(?i)(?:^|\s)(?:mr|mrs|ms|miss|mx|dr)\.?(?:\s|$)|先生|女士|小姐|太太|夫人"
)
# A lead kind that is a basic need in itself (to buy, sell, rent or let); "other" needs words.
NEEDS = {"buyer": "to buy", "seller": "to sell", "renter": "to rent", "landlord": "to let"}

NAME = "a name with a title (a surname is enough for a caller)"
# A visitor is seen: their full name is asked (a given name and a surname, or a name in
# Chinese characters of two or more, the title words aside).
FULL_NAME = "a full name with a title (a walk-in gives more than a surname)"
_CJK = re.compile(r"[\u4e00-\u9fff]")
PHONE = "a phone number"
NEED = "the basic need"


def missing_facts(
    *, name: str, title: str, phone: str, kind: str, need: str, channel: str = "call"
) -> tuple[str, ...]:
    """Which of O2's facts the registration lacks, in the office's words; () when valid.
    A caller may give a surname with a title; a walk-in (``channel``) gives a full name."""
    missing = []
    name = name.strip()
    if not name or not (title.strip() or _TITLE_WORDS.search(name)):
        missing.append(FULL_NAME if channel == "walk_in" else NAME)
    elif channel == "walk_in" and not _full_name(name):
        missing.append(FULL_NAME)
    if not phone.strip():
        missing.append(PHONE)
    if kind not in NEEDS and not need.strip():
        missing.append(NEED)
    return tuple(missing)


def _full_name(name: str) -> bool:
    """More than a surname: two words once the title words are left out, or two Chinese
    characters or more."""
    bare, before = f" {name} ", ""
    while bare != before:  # titles side by side ("Mr Dr") share the space between them
        before, bare = bare, _TITLE_WORDS.sub(" ", bare)
    words = [word for word in bare.split() if word.strip(".")]
    if len(words) >= 2:
        return True
    return bool(words) and len(_CJK.findall(words[0])) >= 2
