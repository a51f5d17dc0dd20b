"""Issue 15, README: it points only inside the repository, quotes the sign-ins that
bin/serve's banner really prints, and says what a newcomer trips on (where a missed
page's notice is, the coordinator's hours and the calls, Chromium for browser tests)."""

from __future__ import annotations

import re
from pathlib import Path

from dispatcher.dev.demo import SALESPERSON_USER, USERS, second_office_sign_ins, sign_ins
from dispatcher.dev.server import banner

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_points_only_to_files_in_the_repository():
    assert "shared/" not in README and "domain.md" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target


def test_the_banner_prints_every_demo_sign_in_and_the_readme_quotes_it():
    printed = banner("http://127.0.0.1:5000", demo=True)
    for username in [name for name, _role, _id in USERS] + [SALESPERSON_USER]:
        assert re.search(rf"\b{username}\b", sign_ins()), username
    assert sign_ins() in printed
    assert f"    {sign_ins()}\n" in README  # quoted as it is printed
    assert f"    {second_office_sign_ins()}\n" in README and second_office_sign_ins() in printed
    assert "Sign in" not in banner("http://127.0.0.1:5000", demo=False)  # --no-demo


def test_the_readme_says_what_a_newcomer_trips_on():
    flat = " ".join(README.split())
    assert "a notice in the *Mailbox* of their own page, `/me`" in flat
    assert "**The calls follow the coordinator's hours**" in flat
    assert "open *Roster* and set every day open 00:00-24:00" in flat
    assert "The browser tests (`bin/test -m browser`) need Chromium" in flat
