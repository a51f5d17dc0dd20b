"""Command-line tasks: flask --app dispatcher <command> --help."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from sqlalchemy import select

from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Office, Role
from dispatcher.office.current import office_for_command, phone_region
from dispatcher.unit_of_work import unit_of_work

# Every command that acts for one office takes it so; with one office it may be left out.
office_option = click.option(
    "--office", "office_choice", help="The office's id or name (needed when there are several)."
)


def _office(choice: str | None):
    try:
        return office_for_command(choice)
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_office)
    app.cli.add_command(update_office)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_token)
    app.cli.add_command(import_salespeople)
    app.cli.add_command(create_user)
    app.cli.add_command(sweep)
    app.cli.add_command(dashboard_rollups)


def _refuse(error: InvalidInput, what: str):
    for where, text in error.errors.items():
        click.echo(f"{where}: {text}", err=True)
    raise click.ClickException(what) from None


@click.command("create-office")
@click.argument("name")
@click.option(
    "--timezone", help="IANA time zone, e.g. Europe/London (default: the OFFICE_TIMEZONE setting)."
)
@click.option("--phone", help="The office's Twilio number; webhooks find the office by it.")
@click.option("--manager-mobile", help="Paged when nobody is left (default: MANAGER_MOBILE).")
@click.option(
    "--deadline",
    type=int,
    help="Seconds to acknowledge a page in this office (default: ACK_DEADLINE_SECONDS).",
)
@click.option(
    "--language",
    help="The language of the office's screens and SMS: en (default), zh_Hant or zh_Hans.",
)
@click.option(
    "--phone-region",
    help="Where numbers typed without a country code are read, e.g. HK "
    "(default: the PHONE_REGION setting).",
)
@click.option(
    "--manager",
    help="The user name of the office's first manager, made with it. The password is "
    "asked for, or read from OFFICE_MANAGER_PASSWORD.",
)
def create_office(
    name: str,
    timezone: str | None,
    phone: str | None,
    manager_mobile: str | None,
    deadline: int | None,
    manager: str | None,
    language: str | None,
    phone_region: str | None,
):
    """Set up an office: its name, time zone, language, phone region, Twilio number and
    first manager."""
    from dispatcher.office.setup import create_office as make

    config = current_app.config
    first_manager = None
    if manager is not None:
        password = os.environ.get("OFFICE_MANAGER_PASSWORD") or click.prompt(
            f"Password for {manager}", hide_input=True, confirmation_prompt=True
        )
        first_manager = (manager, password)
    try:
        with unit_of_work():
            office = make(
                session=db.session,
                name=name,
                timezone=timezone or config["OFFICE_TIMEZONE"],
                phone=phone,
                manager_mobile=manager_mobile or config.get("MANAGER_MOBILE"),
                region=config["PHONE_REGION"],
                ack_deadline_seconds=deadline,
                first_manager=first_manager,
                language="en" if language is None else language,
                phone_region=phone_region,
            )
            described = _described(office)
    except InvalidInput as error:
        _refuse(error, "No office was set up.")
    click.echo(f"Office {described} set up.")
    if manager is not None:
        click.echo(f"manager {manager.strip()} added to it.")


@click.command("update-office")
@office_option
@click.option("--timezone", help="IANA time zone, e.g. Europe/London.")
@click.option("--phone", help="The office's Twilio number ('' to clear it).")
@click.option("--language", help="The office's language: en, zh_Hant or zh_Hans.")
@click.option(
    "--phone-region",
    help="Where numbers typed without a country code are read, e.g. HK ('' for the "
    "PHONE_REGION setting).",
)
def update_office(
    office_choice: str | None,
    timezone: str | None,
    phone: str | None,
    language: str | None,
    phone_region: str | None,
):
    """Change an office's time zone, Twilio number, language or phone region."""
    from dispatcher.office.setup import update_office as change

    try:
        with unit_of_work():
            office = _office(office_choice)
            change(
                session=db.session,
                office=office,
                timezone=timezone,
                phone=phone,
                language=language,
                region=current_app.config["PHONE_REGION"],
                phone_region=phone_region,
            )
            described = _described(office)
    except InvalidInput as error:
        _refuse(error, "The office was not changed.")
    click.echo(f"Office {described}.")


def _described(office) -> str:
    number = office.phone_number or "no number (answers every webhook while the only office)"
    region = f"phone region {office.phone_region}" if office.phone_region else "PHONE_REGION"
    return f"{office.id} {office.name!r}: {office.timezone}, {office.language}, {region}, {number}"


@click.command("seed-demo")
def seed_demo():
    """Load the demo office (sign-ins, salespeople, listings) into an empty database,
    setting the office up if there is none. Development mode only: its sign-ins, an
    admin's among them, share a published password."""
    from dispatcher.dev.demo import (
        load_demo_clients,
        load_demo_office,
        load_second_office,
        second_office_sign_ins,
        sign_ins,
    )

    if not current_app.config.get("DEVELOPMENT_MODE"):
        raise click.ClickException(
            "The demo office is for development mode only (DISPATCH_DEVELOPMENT_MODE=1): "
            "its sign-ins share a published password."
        )

    config = current_app.config
    with unit_of_work():
        office = _demo_office(config)
        region = phone_region(office)
        loaded = load_demo_office(session=db.session, office=office, region=region)
        if loaded:
            load_demo_clients(session=db.session, office=office, region=region, now=utcnow())
        second = load_second_office(
            session=db.session, first=office, region=config["PHONE_REGION"], now=utcnow()
        )
    if loaded:
        click.echo(f"Demo office loaded. {sign_ins()}")
    else:
        click.echo("The office already has salespeople; demo not loaded.")
    if second:
        click.echo(f"Second demo office loaded. {second_office_sign_ins()}")


def _demo_office(config):
    """The only office, or a new one from the settings; its number is TWILIO_FROM_NUMBER
    when set (the outbox's made-up number is no valid number: the office, alone, answers
    the development phone's webhooks without one)."""
    from dispatcher.office.current import OfficeNotSetUp
    from dispatcher.office.setup import office_from_settings

    try:
        phone = config.get("TWILIO_FROM_NUMBER") or None
        return office_from_settings(session=db.session, config=config, phone=phone)
    except OfficeNotSetUp:
        # Several offices (the demo's two): the first is the demo's own.
        return db.session.scalar(select(Office).order_by(Office.id).limit(1))


@click.command("create-token")
@click.argument("name")
@office_option
def create_token(name: str, office_choice: str | None):
    """Make a bearer token for the JSON API, acting for one office (shown once)."""
    from dispatcher.api.tokens import create_token as make

    with unit_of_work():
        token = make(
            session=db.session, name=name, office_id=_office(office_choice).id, now=utcnow()
        )
    click.echo(token)


@click.command("import-salespeople")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@office_option
def import_salespeople(csv_file, office_choice: str | None):
    """Add salespeople from a CSV with the columns name, mobile and skills (all or none)."""
    from dispatcher.office.roster import import_csv

    office = _office(office_choice)
    try:
        with unit_of_work():
            added = import_csv(
                session=db.session,
                office_id=office.id,
                rows=csv_file,
                region=phone_region(office),
            )
    except InvalidInput as error:
        _refuse(error, "Nothing was imported; fix the file and run it again.")
    click.echo(f"Imported {len(added)} salespeople.")


@click.command("create-user")
@click.argument("username")
# The values, not the members: click matches an Enum choice by its name (COORDINATOR).
@click.option(
    "--role",
    type=click.Choice(
        [role.value for role in (Role.COORDINATOR, Role.MANAGER, Role.ADMIN, Role.FRANCHISE)]
    ),
    required=True,
)
@office_option
@click.password_option()
def create_user(username: str, role: str, office_choice: str | None, password: str):
    """Add a sign-in for a coordinator, manager or admin of an office, or a franchise
    user (every office read-only; --office is only where its dashboard opens)."""
    from dispatcher.models import User

    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise click.ClickException(f"A user named {username!r} already exists.")
    office = _office(office_choice)
    with unit_of_work():
        user = User(office_id=office.id, username=username, role=role)
        user.set_password(password)
        db.session.add(user)
        name = office.name
    click.echo(f"{role} {username} added to {name}.")


@click.command("sweep")
@click.option("--every", default=5.0, show_default=True, help="Seconds between sweeps.")
@click.option("--once", is_flag=True, help="Sweep once and exit.")
def sweep(every: float, once: bool):
    """Send pages and reassign overdue leads that the queue missed (the clock process);
    between sweeps, keep the dashboard's rollups, blank old call records' details and
    delete call recordings past their retention."""
    from workers.sweeper import delete_old_recordings, forget_old_details, sweep_forever, sweep_once

    if once:
        click.echo(sweep_once())
        forget_old_details()
        delete_old_recordings()
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
    from dispatcher.dashboard.upkeep import office_timezones, update_rollups

    def progress(first, last, built, total, seconds):
        days = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        click.echo(f"{built}/{total}  {days}  {seconds:.2f} s")

    built = 0
    for timezone in office_timezones():  # the rollups' days are each office's days
        built += update_rollups(
            timezone=timezone,
            first_day=first_day.date() if first_day else None,
            last_day=last_day.date() if last_day else None,
            rebuild=rebuild,
            progress=progress,
        )[0]
    click.echo(f"Built {built} dashboard rollups." if built else "The rollups are up to date.")
