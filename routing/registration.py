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
PHONE = "a phone number"
NEED = "the basic need"


def missing_facts(*, name: str, title: str, phone: str, kind: str, need: str) -> tuple[str, ...]:
    """Which of O2's facts the registration lacks, in the office's words; () when valid."""
    missing = []
    name = name.strip()
    if not name or not (title.strip() or _TITLE_WORDS.search(name)):
        missing.append(NAME)
    if not phone.strip():
        missing.append(PHONE)
    if kind not in NEEDS and not need.strip():
        missing.append(NEED)
    return tuple(missing)
