"""Setting up an office: `flask create-office`, `flask update-office` and `seed-demo`
make offices here, and nothing else does (a request never creates one)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.language import DEFAULT_LANGUAGE, checked_language
from dispatcher.models import Office, Role, User
from dispatcher.office.controls import checked_deadline
from dispatcher.office.current import only_office
from dispatcher.phones import checked_region, to_e164
from dispatcher.text import forbidden_character, forbidden_message


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def checked_timezone(name: str) -> str:
    """An IANA zone name as the office keeps it (Europe/London); InvalidInput if unknown."""
    name = (name or "").strip()
    if name not in _zones():
        raise InvalidInput(
            {"timezone": f"Not a time zone: {name[:64]!r} (an IANA name such as Europe/London)."}
        )
    return name


def office_language(code: str | None) -> str:
    """One of the service's languages (dispatcher/language.py); InvalidInput otherwise."""
    try:
        return checked_language(code)
    except ValueError as error:
        raise InvalidInput({"language": str(error)}) from None


def checked_phone_region(code: str | None) -> str | None:
    """The office's phone region (US, HK...) upper case, None for empty (the PHONE_REGION
    setting); InvalidInput if phonenumbers knows no such region."""
    if not (code or "").strip():
        return None
    try:
        return checked_region(code or "")
    except ValueError as error:
        raise InvalidInput({"phone_region": str(error)}) from None


def checked_phone_number(
    *, session: Session, raw: str, region: str, office_id: int | None = None
) -> str:
    """The office's Twilio number in E.164; InvalidInput if it is no number or another
    office's (a webhook must find one office by it)."""
    try:
        number = to_e164(raw, region)
    except ValueError as error:
        raise InvalidInput({"phone": str(error)}) from error
    holder = session.scalar(select(Office).where(Office.phone_number == number))
    if holder is not None and holder.id != office_id:
        raise InvalidInput({"phone": f"{number} is already the number of {holder.name}."})
    return number


def create_office(
    *,
    session: Session,
    name: str,
    timezone: str,
    region: str,
    phone: str | None = None,
    manager_mobile: str | None = None,
    ack_deadline_seconds: int | None = None,
    first_manager: tuple[str, str] | None = None,
    language: str = DEFAULT_LANGUAGE,
    phone_region: str | None = None,
) -> Office:
    """A new office; InvalidInput naming each bad value, with nothing added.
    ``first_manager``: (user name, password) of its manager's sign-in, made with it.
    ``region``: the PHONE_REGION setting; ``phone_region``: the office's own (its numbers
    are read there), None or '' for the setting's."""
    errors: dict[str, str] = {}
    try:
        phone_region = checked_phone_region(phone_region)
    except InvalidInput as error:
        errors.update(error.errors)
        phone_region = None
    region = phone_region or region
    if first_manager is not None:
        errors.update(_sign_in_errors(session, *first_manager))
    try:
        checked_deadline(ack_deadline_seconds)
    except InvalidInput as error:
        errors.update(error.errors)
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = "The office's name: 1 to 120 characters."
    elif (character := forbidden_character(name)) is not None:
        errors["name"] = forbidden_message(character)
    values = {}
    for key, check in (
        ("timezone", lambda: checked_timezone(timezone)),
        (
            "phone",
            lambda: phone and checked_phone_number(session=session, raw=phone, region=region),
        ),
        ("manager_mobile", lambda: manager_mobile and _mobile(manager_mobile, region)),
        ("language", lambda: office_language(language)),
    ):
        try:
            values[key] = check()
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    office = Office(
        name=name,
        timezone=values["timezone"],
        phone_number=values["phone"] or None,
        manager_mobile=values["manager_mobile"] or None,
        ack_deadline_seconds=ack_deadline_seconds,
        language=values["language"],
        phone_region=phone_region,
    )
    session.add(office)
    session.flush()
    if first_manager is not None:
        username, password = first_manager
        manager = User(office_id=office.id, username=username.strip(), role=Role.MANAGER)
        manager.set_password(password)
        session.add(manager)
        session.flush()
    return office


MIN_PASSWORD = 10  # a manager's sign-in opens the office's clients' details


def _sign_in_errors(session: Session, username: str, password: str) -> dict[str, str]:
    """What is wrong with a new sign-in (name taken, empty, too short a password)."""
    errors = {}
    username = (username or "").strip()
    if not username or len(username) > 80:
        errors["manager"] = "The manager's user name: 1 to 80 characters."
    elif (character := forbidden_character(username)) is not None or " " in username:
        errors["manager"] = forbidden_message(character) if character else "No spaces."
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["manager"] = f"A user named {username!r} already exists."
    if len(password or "") < MIN_PASSWORD:
        errors["manager_password"] = f"The password: at least {MIN_PASSWORD} characters."
    return errors


def office_from_settings(*, session: Session, config: Mapping, phone: str | None = None) -> Office:
    """The office there is, or (none yet) a new one with the settings' defaults
    (OFFICE_NAME, OFFICE_TIMEZONE, MANAGER_MOBILE): for `seed-demo` and the benchmarks.
    OfficeNotSetUp when there are several."""
    if session.scalar(select(Office.id).limit(1)) is not None:
        return only_office()
    return create_office(
        session=session,
        name=config["OFFICE_NAME"],
        timezone=config["OFFICE_TIMEZONE"],
        phone=phone,
        manager_mobile=config.get("MANAGER_MOBILE"),
        region=config["PHONE_REGION"],
    )


def update_office(
    *,
    session: Session,
    office: Office,
    region: str,
    timezone: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    language: str | None = None,
    phone_region: str | None = None,
) -> None:
    """Change the office's name, time zone, number, language or phone region (None leaves
    it; '' clears the number, or the region: the setting's, ``region``). Every value is
    checked before any is changed."""
    if phone_region is not None:
        phone_region = checked_phone_region(phone_region) or ""
        region = phone_region or region
    else:
        region = office.region(region)
    if language is not None:
        language = office_language(language)
    if timezone is not None:
        timezone = checked_timezone(timezone)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 120:
            raise InvalidInput({"name": "The office's name: 1 to 120 characters."})
        if (character := forbidden_character(name)) is not None:
            raise InvalidInput({"name": forbidden_message(character)})
        office.name = name
    if timezone is not None:
        office.timezone = timezone
    if language is not None:
        office.language = language
    if phone is not None:
        office.phone_number = (
            checked_phone_number(session=session, raw=phone, region=region, office_id=office.id)
            if phone.strip()
            else None
        )
    if phone_region is not None:
        office.phone_region = phone_region or None


def _mobile(raw: str, region: str) -> str:
    try:
        return to_e164(raw, region)
    except ValueError as error:
        raise InvalidInput({"manager_mobile": str(error)}) from error
