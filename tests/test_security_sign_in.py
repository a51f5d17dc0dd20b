"""Issue #13, items 7 and 11: signing in sends nobody to another site, takes the same
work for an unknown user as for a known one, and is limited per user name as well as
per address."""

from __future__ import annotations

import pytest

from dispatcher import auth

SIGN_IN = {"username": "coordinator", "password": "demo-password"}

# What a browser would take to another site, however the query spells it.
BYPASSES = [
    "//evil.com",
    "/\\evil.com",
    "/%5cevil.com",
    "/%5c%5cevil.com",
    "/%09/evil.com",
    "/%0a/evil.com",
    "/%0d%0a/evil.com",
    "%0d%0aLocation:%20http://evil.com",
    "/%0d%0aSet-Cookie:%20x=y",
    "https:evil.com",
    "https://evil.com",
    "http:/evil.com",
    "javascript:alert(1)",
    "%2F%2Fevil.com",
    "/%2F/evil.com",
    "///evil.com",
    "%20//evil.com",
    "/%e3%80%80/evil.com",
    "evil.com",
]


@pytest.mark.parametrize("target", BYPASSES)
def test_next_never_leads_to_another_site(client, office, target):
    response = client.post(f"/sign-in?next={target}", data=SIGN_IN)

    assert response.status_code == 302
    # The coordinator's own start page instead.
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/leads/1", "/manager/dashboard?from=2026-01-01&to=2026-01-31"])
def test_next_keeps_a_page_of_this_site(client, office, target):
    from urllib.parse import quote

    response = client.post("/sign-in?next=" + quote(target, safe="/"), data=SIGN_IN)
    assert response.headers["Location"] == target


def test_a_screen_asked_for_before_sign_in_comes_back_after(client, office):
    asked = client.get("/manager/changes")
    assert asked.status_code == 302
    response = client.post(
        asked.headers["Location"], data={"username": "manager", "password": "demo-password"}
    )
    assert response.headers["Location"] == "/manager/changes"


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """The password hashes sign-in checks, in order."""
    checked: list[str] = []
    real = auth.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return checked


def test_an_unknown_user_costs_one_hash_check_like_a_known_one(client, office, hash_checks):
    known = client.post("/sign-in", data={"username": "manager", "password": "wrong"})
    unknown = client.post("/sign-in", data={"username": "nobody-here", "password": "wrong"})

    assert known.status_code == unknown.status_code == 200
    assert known.get_data().replace(b"manager", b"") == unknown.get_data().replace(
        b"nobody-here", b""
    )
    assert len(hash_checks) == 2
    # The same method and cost as the users' own hashes (the test's fast pbkdf2 here).
    method = hash_checks[0].split("$")[0]
    assert hash_checks[1].startswith(method + "$")


@pytest.fixture
def per_user_limit(settings):
    settings.update(
        SIGN_IN_RATE_LIMIT="100 per minute", SIGN_IN_USER_RATE_LIMIT="2 per minute", PROXY_HOPS=1
    )


def attempt(client, username: str, address: str, password: str = "wrong") -> int:
    return client.post(
        "/sign-in",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": address},
    ).status_code


def test_guessing_one_users_password_from_many_addresses_is_limited(per_user_limit, client, office):
    assert attempt(client, "manager", "198.51.100.1") == 200
    assert attempt(client, "manager", "198.51.100.2") == 200
    # A third address, the same account: the account's own limit answers.
    assert attempt(client, "manager", "198.51.100.3") == 429
    # However the name is typed.
    assert attempt(client, "  MANAGER ", "198.51.100.4") == 429
    # Other accounts are not held up.
    assert attempt(client, "coordinator", "198.51.100.5") == 200


def test_successful_sign_ins_do_not_count_against_the_user(per_user_limit, client, office):
    for number in range(4):
        assert attempt(client, "manager", f"198.51.100.{number}", "demo-password") == 302
        client.post("/sign-out")
