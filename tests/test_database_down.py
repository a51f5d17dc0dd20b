"""When the database does not answer: a clear 503, no stack trace, nothing half-saved."""

import pytest

from dispatcher import create_app
from tests.app_setup import unreachable_database_url


@pytest.fixture
def unreachable_database_app(settings):
    url = settings["SQLALCHEMY_DATABASE_URI"]
    broken = unreachable_database_url(url)
    return create_app({**settings, "SQLALCHEMY_DATABASE_URI": broken, "API_TOKEN": "t0ken"})


def test_pages_answer_503_with_a_clear_message(unreachable_database_app):
    with unreachable_database_app.test_client() as client:
        page = client.post("/sign-in", data={"username": "coordinator", "password": "x"})
    text = page.get_data(as_text=True)
    assert page.status_code == 503
    assert "Nothing was saved" in text and "Traceback" not in text


def test_the_api_answers_503_in_json(unreachable_database_app):
    with unreachable_database_app.test_client() as client:
        response = client.post(
            "/api/leads",
            json={"caller_phone": "202-555-0188", "kind": "buyer"},
            headers={"Authorization": "Bearer t0ken"},
        )
    assert response.status_code == 503
    assert response.json == {
        "error": "The database is not answering. Nothing was saved; please try again in a moment."
    }
