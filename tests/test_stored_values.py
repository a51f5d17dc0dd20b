"""The words kept in the database for states and roles. Rows written by earlier versions
hold these strings: renaming a member's value would strand them (no migration maps them)."""

from dispatcher.models import LeadState, PageState, Role


def test_page_states_are_the_stored_words():
    assert [state.value for state in PageState] == [
        "open",
        "acknowledged",
        "missed",
        "declined",
        "failed",
        "notify",
        "moved",
    ]


def test_lead_states_are_the_stored_words():
    assert [state.value for state in LeadState] == [
        "stub",
        "open",
        "acknowledged",
        "manager",
        "not_a_client",
        "closed",
        "held",
    ]


def test_roles_are_the_stored_words():
    assert [role.value for role in Role] == [
        "coordinator",
        "manager",
        "admin",
        "salesperson",
        "franchise",
    ]


def test_a_state_compares_and_prints_as_its_stored_word():
    # Templates, JSON and SQL see the plain string.
    assert PageState.OPEN == "open"
    assert f"{LeadState.MANAGER}" == "manager"
    assert str(Role.ADMIN) == "admin"
