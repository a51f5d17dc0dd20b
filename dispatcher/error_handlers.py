"""Answers for failures a user can do nothing about but wait: a clear message, no stack
trace, and the assurance that nothing half-done was kept."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from dispatcher.extensions import db
from dispatcher.office.current import OfficeNotSetUp, UnknownOfficeNumber

log = logging.getLogger(__name__)

UNAVAILABLE = "The database is not answering. Nothing was saved; please try again in a moment."


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(403)
    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_here(error: HTTPException):
        # API clients read JSON, whatever went wrong.
        if request.path.startswith("/api/"):
            return jsonify({"error": error.description}), error.code
        if request.blueprint == "callbacks":  # Twilio's debugger shows the body
            return error
        # A person's screen: the site's layout (made for a phone too), a short sentence
        # in the office's language, and the way back to their own first page.
        return render_template("error.html", code=error.code), error.code

    @app.errorhandler(OfficeNotSetUp)
    @app.errorhandler(UnknownOfficeNumber)
    def no_office(error: HTTPException):
        # Nothing was created to make up for the missing office: say what to run.
        db.session.rollback()
        if request.path.startswith("/api/"):
            return jsonify({"error": error.description}), error.code
        if request.blueprint == "callbacks":  # Twilio's debugger shows the body
            return error.description, error.code, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template("no_office.html", message=error.description), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error):
        # The session is unusable after a failed statement; the next request starts clean.
        db.session.rollback()
        log.error("database unavailable: %s", type(error.orig).__name__ if error.orig else error)
        if request.path.startswith("/api/"):
            return jsonify({"error": UNAVAILABLE}), 503
        return render_template("unavailable.html", message=UNAVAILABLE), 503
