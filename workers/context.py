"""The Flask app a job runs in: the current one (tests, the sweeper) or one built once
per worker process."""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

_app: Flask | None = None


def job_app() -> Flask:
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from dispatcher import create_app

        _app = create_app()
    return _app
