"""Adding, editing and deactivating salespeople, and importing them from CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Salesperson
from dispatcher.phones import to_e164
from dispatcher.text import forbidden_character, forbidden_message

KNOWN_SKILLS = ("listing", "seller", "rental", "new")


@dataclass(frozen=True)
class SalespersonDetails:
    name: str
    mobile: str
    skills: str = ""
    active: bool = True
    team: str = ""  # O1: recorded with the clients they come to own


def clean_details(
    *,
    session: Session,
    office_id: int,
    details: SalespersonDetails,
    region: str,
    editing_id: int | None = None,
) -> SalespersonDetails:
    """Validated details with the mobile in E.164 and skills normalised; InvalidInput if not.
    A mobile is one salesperson's in an office; another office's salesperson may have it
    (someone working in both), and is never named here."""
    errors: dict[str, str] = {}
    name = details.name.strip()
    if not name:
        errors["name"] = "A name is required."
    elif (character := forbidden_character(name)) is not None:
        errors["name"] = forbidden_message(character)  # a CSV line, say: the forms check too
    mobile = ""
    try:
        mobile = to_e164(details.mobile, region)
    except ValueError as error:
        errors["mobile"] = str(error)
    skills = [s.strip().lower() for s in details.skills.replace(";", ",").split(",") if s.strip()]
    unknown = [s for s in skills if s not in KNOWN_SKILLS]
    if unknown:
        errors["skills"] = f"Unknown skill {', '.join(unknown)}; use {', '.join(KNOWN_SKILLS)}."
    if mobile and "mobile" not in errors:
        holder = session.scalar(
            select(Salesperson).where(
                Salesperson.office_id == office_id, Salesperson.mobile == mobile
            )
        )
        if holder is not None and holder.id != editing_id:
            errors["mobile"] = f"This mobile already belongs to {holder.name}."
    team = " ".join(details.team.split())
    if (character := forbidden_character(details.team)) is not None:
        errors["team"] = forbidden_message(character)
    if errors:
        raise InvalidInput(errors)
    return SalespersonDetails(
        name, mobile, ",".join(dict.fromkeys(skills)), details.active, team[:60]
    )


def add_salesperson(
    *, session: Session, office_id: int, details: SalespersonDetails, region: str
) -> Salesperson:
    """A new salesperson at the end of the rotation."""
    clean = clean_details(session=session, office_id=office_id, details=details, region=region)
    last = session.scalar(
        select(func.max(Salesperson.rotation_position)).where(Salesperson.office_id == office_id)
    )
    person = Salesperson(
        office_id=office_id,
        name=clean.name,
        mobile=clean.mobile,
        skills=clean.skills,
        active=clean.active,
        team=clean.team,
        rotation_position=(last or 0) + 1,
    )
    session.add(person)
    session.flush()
    return person


def update_salesperson(
    *, session: Session, person: Salesperson, details: SalespersonDetails, region: str
) -> list[str]:
    """Apply the edit; the list says what changed, in words for the manager's record."""
    clean = clean_details(
        session=session,
        office_id=person.office_id,
        details=details,
        region=region,
        editing_id=person.id,
    )
    changed = []
    if clean.name != person.name:
        changed.append(f"renamed {person.name} -> {clean.name}")
    if clean.mobile != person.mobile:
        changed.append(f"{clean.name}: mobile changed")
    if clean.skills != person.skills:
        changed.append(
            f"{clean.name}: skills {person.skills or '(none)'} -> {clean.skills or '(none)'}"
        )
    if clean.team != person.team:
        changed.append(f"{clean.name}: team {person.team or '(none)'} -> {clean.team or '(none)'}")
    if clean.active != person.active:
        changed.append(f"{clean.name}: {'reactivated' if clean.active else 'deactivated'}")
    if clean.mobile != person.mobile:
        # The flag was about the old number (delivery.flag_number).
        person.number_problem, person.number_problem_at = None, None
    person.name, person.mobile = clean.name, clean.mobile
    person.skills, person.active = clean.skills, clean.active
    person.team = clean.team
    return changed


def get_salesperson(*, session: Session, office_id: int, salesperson_id: int) -> Salesperson:
    person = session.get(Salesperson, salesperson_id)
    if person is None or person.office_id != office_id:
        raise InvalidInput({"salesperson": f"No salesperson with id {salesperson_id}."})
    return person


def list_salespeople(*, session: Session, office_id: int) -> list[Salesperson]:
    return list(
        session.scalars(
            select(Salesperson)
            .where(Salesperson.office_id == office_id)
            .order_by(Salesperson.rotation_position, Salesperson.id)
        )
    )


def import_csv(
    *, session: Session, office_id: int, rows: Iterable[str], region: str
) -> list[Salesperson]:
    """Add every row of a CSV (name, mobile, skills); all or nothing.

    InvalidInput names each bad line, so a manager can fix the file and run it again.
    """
    reader = csv.DictReader(rows)
    missing = {"name", "mobile"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput({"header": f"The CSV needs the columns {', '.join(sorted(missing))}."})
    added, errors = [], {}
    for line, row in enumerate(reader, start=2):
        details = SalespersonDetails(
            name=row.get("name") or "",
            mobile=row.get("mobile") or "",
            skills=row.get("skills") or "",
        )
        try:
            added.append(
                add_salesperson(
                    session=session, office_id=office_id, details=details, region=region
                )
            )
        except InvalidInput as error:
            for field, text in error.errors.items():
                errors[f"line {line} {field}"] = text
    if errors:
        raise InvalidInput(errors)
    return added
