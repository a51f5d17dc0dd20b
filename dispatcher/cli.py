"""Command-line tasks: flask --app dispatcher <command> --help."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Role
from dispatcher.office.current import current_office


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_token)
    app.cli.add_command(import_salespeople)
    app.cli.add_command(create_user)
    app.cli.add_command(sweep)
    app.cli.add_command(dashboard_rollups)


@click.command("seed-demo")
def seed_demo():
    """Load the demo office (sign-ins, salespeople, listings) into an empty database.
    Development mode only: its sign-ins, an admin's among them, share a published
    password."""
    from dispatcher.dev.demo import DEMO_PASSWORD, load_demo_office

    if not current_app.config.get("DEVELOPMENT_MODE"):
        raise click.ClickException(
            "The demo office is for development mode only (DISPATCH_DEVELOPMENT_MODE=1): "
            "its sign-ins share a published password."
        )

    office = current_office()
    if load_demo_office(
        session=db.session, office=office, region=current_app.config["PHONE_REGION"]
    ):
        db.session.commit()
        click.echo(
            f"Demo office loaded. Sign in as coordinator, manager or alice "
            f"(salesperson) with the password {DEMO_PASSWORD!r}."
        )
    else:
        db.session.commit()
        click.echo("The office already has salespeople; demo not loaded.")


@click.command("create-token")
@click.argument("name")
def create_token(name: str):
    """Make a bearer token for the JSON API (shown once)."""
    from dispatcher.api.tokens import create_token as make

    token = make(session=db.session, name=name, now=utcnow())
    db.session.commit()
    click.echo(token)


@click.command("import-salespeople")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_salespeople(csv_file):
    """Add salespeople from a CSV with the columns name, mobile and skills (all or none)."""
    from dispatcher.office.roster import import_csv

    try:
        added = import_csv(
            session=db.session,
            office_id=current_office().id,
            rows=csv_file,
            region=current_app.config["PHONE_REGION"],
        )
    except InvalidInput as error:
        db.session.rollback()
        for where, text in error.errors.items():
            click.echo(f"{where}: {text}", err=True)
        raise click.ClickException("Nothing was imported; fix the file and run it again.") from None
    db.session.commit()
    click.echo(f"Imported {len(added)} salespeople.")


@click.command("create-user")
@click.argument("username")
# The values, not the members: click matches an Enum choice by its name (COORDINATOR).
@click.option(
    "--role",
    type=click.Choice([role.value for role in (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)]),
    required=True,
)
@click.password_option()
def create_user(username: str, role: str, password: str):
    """Add a sign-in for a coordinator, manager or admin."""
    from dispatcher.models import User

    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise click.ClickException(f"A user named {username!r} already exists.")
    user = User(office_id=current_office().id, username=username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"{role} {username} added.")


@click.command("sweep")
@click.option("--every", default=5.0, show_default=True, help="Seconds between sweeps.")
@click.option("--once", is_flag=True, help="Sweep once and exit.")
def sweep(every: float, once: bool):
    """Send pages and reassign overdue leads that the queue missed (the clock process);
    between sweeps, keep the dashboard's rollups and blank old call records' details."""
    from workers.sweeper import forget_old_details, sweep_forever, sweep_once

    if once:
        click.echo(sweep_once())
        forget_old_details()
    else:
        sweep_forever(every)


@click.command("dashboard-rollups")
@click.option("--from", "first_day", type=click.DateTime(["%Y-%m-%d"]), help="First day.")
@click.option("--to", "last_day", type=click.DateTime(["%Y-%m-%d"]), help="Last day.")
@click.option("--rebuild", is_flag=True, help="Build fresh rollups again too.")
def dashboard_rollups(first_day, last_day, rebuild: bool):
    """Build the dashboard's daily, weekly and monthly figures for the days that are
    over, from the first lead's day (or --from) to yesterday (or --to). The clock process
    (flask sweep) keeps them up to date; run this after loading records in bulk, or with
    --rebuild after the figures' code changed."""
    from dispatcher.dashboard.upkeep import update_rollups

    def progress(first, last, built, total, seconds):
        days = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        click.echo(f"{built}/{total}  {days}  {seconds:.2f} s")

    built, _ = update_rollups(
        timezone=current_app.config["OFFICE_TIMEZONE"],
        first_day=first_day.date() if first_day else None,
        last_day=last_day.date() if last_day else None,
        rebuild=rebuild,
        progress=progress,
    )
    click.echo(f"Built {built} dashboard rollups." if built else "The rollups are up to date.")
