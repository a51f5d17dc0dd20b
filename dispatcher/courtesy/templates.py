"""The office's courtesy texts (S4: each approved by the manager before it goes out).

Saving a text that changed takes its approval away: what the manager approved is what
goes out. Each change is recorded on *Changes* (ManagerChange) with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatcher.clients.ownership import family_of
from dispatcher.courtesy.planning import Recipient, values_for
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Client, CourtesyTemplate, Office
from dispatcher.office.controls import record_change
from routing.courtesy import KINDS, THURSDAY, render, unknown_placeholders


@dataclass(frozen=True)
class TemplateFields:
    kind: str
    name: str
    body: str
    project: str = ""
    stages: tuple[str, ...] = ()
    occasion_date: date | None = None


STAGES = ("potential", "intending", "closed")


def check(fields: TemplateFields) -> None:
    """InvalidInput naming each bad field; nothing is saved."""
    errors = {}
    if fields.kind not in KINDS:
        errors["kind"] = "Choose a kind from the list."
    if not fields.name.strip():
        errors["name"] = "Give the template a name."
    if not fields.body.strip():
        errors["body"] = "Write the text."
    elif unknown := unknown_placeholders(fields.body):
        names = ", ".join("{" + n + "}" for n in unknown)
        errors["body"] = (
            f"Unknown placeholder {names}: use {{client}}, {{project}}, {{date}} "
            "or {salesperson}."
        )
    if any(stage not in STAGES for stage in fields.stages):
        errors["stages"] = "Choose stages from the list."
    kind = KINDS.get(fields.kind)
    if kind is not None and kind.needs_date and fields.occasion_date is None:
        errors["occasion_date"] = "This kind goes out on a day: give the day."
    if (
        fields.kind == "construction"
        and fields.occasion_date is not None
        and fields.occasion_date.weekday() != THURSDAY
    ):
        errors["occasion_date"] = "Construction news goes out on Thursdays: choose a Thursday."
    if errors:
        raise InvalidInput(errors)


def save(
    session: Session,
    *,
    office: Office,
    fields: TemplateFields,
    actor: str,
    now: datetime,
    template: CourtesyTemplate | None = None,
) -> CourtesyTemplate:
    """Create or change a template; any change takes its approval away."""
    check(fields)
    stages = ",".join(s for s in STAGES if s in fields.stages)
    values = {
        "kind": fields.kind,
        "name": fields.name.strip(),
        "body": fields.body,
        "project": fields.project.strip(),
        "stages": stages,
        "occasion_date": fields.occasion_date,
    }
    if template is None:
        template = CourtesyTemplate(office_id=office.id, held=False, **values)
        session.add(template)
        what = "courtesy_template_added"
    else:
        if all(getattr(template, key) == value for key, value in values.items()):
            return template
        for key, value in values.items():
            setattr(template, key, value)
        what = "courtesy_template_changed"
    template.approved_at, template.approved_by = None, None
    template.updated_at, template.updated_by = now, actor[:80]
    session.flush()
    record_change(
        session=session,
        office_id=office.id,
        actor=actor,
        now=now,
        kind=what,
        detail=f"Courtesy text {template.name!r} saved: waits for the manager's approval",
    )
    return template


def approve(session: Session, template: CourtesyTemplate, *, actor: str, now: datetime) -> None:
    template.approved_at, template.approved_by = now, actor[:80]
    record_change(
        session=session,
        office_id=template.office_id,
        actor=actor,
        now=now,
        kind="courtesy_template_approved",
        detail=f"Courtesy text {template.name!r} approved",
    )


def set_held(
    session: Session, template: CourtesyTemplate, *, held: bool, actor: str, now: datetime
) -> None:
    """Hold every message of the template (or release them)."""
    if template.held == held:
        return
    template.held = held
    record_change(
        session=session,
        office_id=template.office_id,
        actor=actor,
        now=now,
        kind="courtesy_template_held" if held else "courtesy_template_released",
        detail=f"Courtesy text {template.name!r} {'held' if held else 'released'}",
    )


def office_templates(session: Session, office: Office) -> list[CourtesyTemplate]:
    return list(
        session.scalars(
            select(CourtesyTemplate)
            .where(CourtesyTemplate.office_id == office.id)
            .order_by(CourtesyTemplate.kind, CourtesyTemplate.id)
        )
    )


def preview(
    session: Session, template: CourtesyTemplate, client: Client, office: Office, today: date
) -> str:
    """The text as ``client`` would get it (their name, project, their family's owner)."""
    owner = family_of(session, client).owner
    owner_name = owner.name if owner else ""
    recipient = Recipient(
        client.id, client.name, client.project, None, owner and owner.id, owner_name
    )
    occasion = template.occasion_date or client.birthday or today
    return render(template.body, values_for(recipient, occasion, office.name))
