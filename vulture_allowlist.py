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

from dispatcher.clients.history import History
from dispatcher.clients.ownership import replayed
from dispatcher.courtesy import planning, surveys, views
from dispatcher.extensions import login
from dispatcher.forms import VoicePinForm
from dispatcher.models import (
    CallRecording,
    Client,
    ClientStage,
    CourtesyTemplate,
    DashboardRollup,
    Lead,
    Notice,
    Page,
    PlacedCall,
    Registration,
    Salesperson,
    ShiftSwap,
    User,
)
from dispatcher.pages import replies
from dispatcher.security import SessionOverHttps
from routing.ownership import REASONS, Ownership, check_shares
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
# A call recording's length, shown beside its link on the lead's page (lead.html).
CallRecording.duration_seconds

# Issue 16: the clients' columns and rules the manager's client screens show and use
# (stages O11, the owner's team O1, splits O7: built on their own branch); replayed is
# the check the tests run on every client's record (tests/test_registration_replay.py).
Client.stage, Client.stage_reason, Client.owner_team, Client.numbers
ClientStage.INTENDING, ClientStage.INVALID, REASONS, Ownership.owner_at, check_shares
replayed
# Clients: what the client screens show (client.html, dispute.html) or the log keeps for
# the record; the replay of a client's log, which the tests hold every record to.
History.received_by, Client.owner_team, Registration.recorded_by
Registration.referred_by_client_id, Ownership.owner_at, replayed
# The Roster screen shows when and how each swap was asked and answered (roster.html).
ShiftSwap.asked_at, ShiftSwap.answered_at, ShiftSwap.answered_how
# Courtesy texts: who approved and who last changed them, shown on their screen; the
# fields the courtesy screens show; the template globals the shared pages call
# (my_page.html, dashboard.html include the courtesy partials).
CourtesyTemplate.approved_by, CourtesyTemplate.updated_at, CourtesyTemplate.updated_by
planning.Upcoming.client_name, planning.Upcoming.template_name
surveys.MonthFigures.surveys_done, surveys.MonthFigures.surveys_open
views.courtesy_surveys, views.courtesy_month, views.courtesy_action_form
# Verified calls: what a placed call's webhooks recorded (its <Dial>'s time, the status
# callback's last word) and which call reached the client, kept for the record.
PlacedCall.dialled_at, PlacedCall.call_status, Lead.reached_by_call_sid
# The English answer to a DONE that says no result, as the tests compare it (the reply
# itself is replies.done_help(), in the office's language).
replies.DONE_HELP
# RQ reads the worker's death_penalty_class (WORKER_THREADS: its timer, workers/worker.py).
DispatchWorker.death_penalty_class
