"""Names vulture (.ci/run) cannot see being used, because a library or a template uses
them by itself; each group says who. Read by vulture as source, never imported or run.

Left out of vulture's run altogether (pyproject.toml, [tool.vulture]): what a
decorator registers (views, error handlers, template helpers, the user loader, SQLAlchemy
event hooks), alembic's scripts (it loads them by file) and the settings (read by key,
app.config["NAME"]).
"""

import sqlite3

from flask import Flask
from rq.job import Job
from twilio.base.domain import Domain

from dispatcher.courtesy import planning, surveys, views
from dispatcher.extensions import login
from dispatcher.forms import VoicePinForm
from dispatcher.models import (
    CourtesyTemplate,
    DashboardRollup,
    Lead,
    Notice,
    Page,
    Salesperson,
    User,
)
from dispatcher.security import SessionOverHttps
from workers.worker import WRITTEN_FOR_RQ, DispatchWorker

# Flask-Login reads the login manager's settings, and calls get_id for the cookie.
login.login_view, login.login_message, User.get_id

# WTForms: a field only the template shows (my_page.html), and an inline validator,
# called by its name (validate_<field>).
VoicePinForm.confirm, VoicePinForm.validate_pin

# Flask uses the session interface the app installs, and calls the method it overrides.
Flask.session_interface, SessionOverHttps.get_cookie_secure

# RQ: the worker class is named on its command line (Procfile), and calls the methods it
# overrides; RQ reads a job's enqueue_at_front when the job falls due.
DispatchWorker._start_scheduler, DispatchWorker.work, Job.enqueue_at_front
# The RQ version the overrides were written for: tests/test_rq_internals.py compares it.
WRITTEN_FOR_RQ

# The twilio client's API address (set for the local stub), and sqlite3's autocommit.
Domain.base_url, sqlite3.Connection.isolation_level

# Columns shown by the templates (salespeople.html, lead.html) or written for the
# record; the database keeps them whether or not code reads them by name.
Salesperson.sms_opted_out_at, Salesperson.number_problem_at, Lead.outcome_by
Page.assignment_id, Page.acknowledged_by, Page.closed_at, DashboardRollup.built_at
Notice.read_at  # never written yet: dropping it is a migration, not a clean-up

# Courtesy texts: who approved and who last changed them, shown on their screen; the
# fields the courtesy screens show; the template globals the shared pages call
# (my_page.html, dashboard.html include the courtesy partials).
CourtesyTemplate.approved_by, CourtesyTemplate.updated_at, CourtesyTemplate.updated_by
planning.Upcoming.client_name, planning.Upcoming.template_name
surveys.MonthFigures.surveys_done, surveys.MonthFigures.surveys_open
views.courtesy_surveys, views.courtesy_month, views.courtesy_action_form
