"""The Flask app a job runs in: the current one (tests, the sweeper) or one built once
per worker process."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, has_app_context

from dispatcher.pages.sending import PageSending

_app: Flask | None = None


def job_app() -> Flask:
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from dispatcher import create_app

        _app = create_app()
    return _app


def send_claim_timeout(app: Flask) -> timedelta:
    """How old a claim to send must be before it counts as its dead worker's."""
    return timedelta(seconds=app.config["SEND_CLAIM_SECONDS"])


def page_sending(app: Flask) -> PageSending:
    """How pages are sent, with the app's acknowledgement deadline."""
    return PageSending(deadline_seconds=app.config["ACK_DEADLINE_SECONDS"])
