"""The client screens: the manager's list, a client's history and the manager's decisions
on it (stage, deposit, move, dispute), the open disputes, hand-overs and designated
clients; a salesperson's own clients, their follow-ups and their disputes. Bad input
changes nothing and says why; another salesperson's client is not found (404)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from dispatcher.auth import signed_in_salesperson
from dispatcher.clients import disputes, follow_ups, handovers, history, stages
from dispatcher.clients import forms as client_forms
from dispatcher.clients.registry import find_client
from dispatcher.clients.words import FOLLOW_UP_WAYS, REASONS, STAGES, entry_words
from dispatcher.clock import utcnow
from dispatcher.extensions import db
from dispatcher.forms import field_errors
from dispatcher.invalid_input import InvalidInput
from dispatcher.models import Client, ClientEvent, Salesperson
from dispatcher.office.current import office_of_request, office_record_or_404, phone_region
from dispatcher.phones import to_e164

bp = Blueprint("clients", __name__)


def _actor() -> str:
    return current_user.username


def _salespeople(*, active_only: bool = False) -> list[Salesperson]:
    query = select(Salesperson).where(Salesperson.office_id == office_of_request().id)
    if active_only:
        query = query.where(Salesperson.active.is_(True))
    return list(db.session.scalars(query.order_by(Salesperson.rotation_position, Salesperson.id)))


def _office_client(client_id: int) -> Client:
    return office_record_or_404(Client, client_id)


def _refused(form) -> InvalidInput:
    return InvalidInput(field_errors(form) or {"form": gettext("Check the form.")})


# -- the manager -------------------------------------------------------------------------


@bp.route("/manager/clients")
def client_list():
    """Every client, searched by name or number, by owner and stage; 50 a page."""
    office = office_of_request()
    found = history.client_list(
        db.session,
        office=office,
        search=request.args.get("q", "")[:120],
        owner=request.args.get("owner", ""),
        stage=request.args.get("stage", ""),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "clients.html",
        found=found,
        people=_salespeople(),
        names={person.id: person.name for person in _salespeople()},
        stages=STAGES,
        nobody=history.NOBODY,
        open_disputes=len(disputes.open_disputes(db.session, office)),
    )


def _history_page(client: Client, errors: dict[str, str] | None = None, status: int = 200):
    office = office_of_request()
    seen = history.history(db.session, client=client, office=office, now=utcnow())
    return render_template(
        "client.html",
        seen=seen,
        errors=errors or {},
        people=_salespeople(active_only=True),
        stages=STAGES,
        reasons=REASONS,
        entry_words=entry_words,
        move_reasons=handovers.MOVE_REASONS,
        lapse_days=office.ownership_lapse_days,
        window_ends=(
            disputes.last_dispute_day(seen.state.deposit_at, office)
            if seen.state.deposit_at
            else None
        ),
    ), status


@bp.route("/manager/clients/<id:client_id>")
def client_history(client_id: int):
    return _history_page(_office_client(client_id))


def _act_on_client(client: Client, form, act, done: str):
    """Validate the form, run the service, commit, or show the client's page again with
    the error and nothing changed."""
    try:
        if not form.validate_on_submit():
            raise _refused(form)
        act()
    except InvalidInput as error:
        db.session.rollback()
        return _history_page(client, error.errors, 400)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("clients.client_history", client_id=client.id)), 303


@bp.route("/manager/clients/<id:client_id>/stage", methods=["POST"])
def change_stage(client_id: int):
    client = _office_client(client_id)
    form = client_forms.StageForm()
    return _act_on_client(
        client,
        form,
        lambda: stages.change_stage(
            db.session,
            client=client,
            office=office_of_request(),
            stage=form.stage.data,
            reason=form.reason.data or "",
            actor=_actor(),
            now=utcnow(),
        ),
        gettext("Stage saved."),
    )


@bp.route("/manager/clients/<id:client_id>/deposit", methods=["POST"])
def record_deposit(client_id: int):
    client = _office_client(client_id)
    form = client_forms.DepositForm()
    office = office_of_request()
    return _act_on_client(
        client,
        form,
        lambda: disputes.record_deposit(
            db.session,
            client=client,
            office=office,
            closer_id=client_forms.whole_number(form.closer.data, "closer", what="Closed by"),
            actor=_actor(),
            now=utcnow(),
        ),
        gettext(
            "Deposit recorded: disputes may be raised for %(days)s days.",
            days=office.dispute_days,
        ),
    )


@bp.route("/manager/clients/<id:client_id>/move", methods=["POST"])
def move_client(client_id: int):
    client = _office_client(client_id)
    form = client_forms.MoveForm()
    return _act_on_client(
        client,
        form,
        lambda: handovers.move_client(
            db.session,
            client=client,
            office=office_of_request(),
            to_id=client_forms.whole_number(form.salesperson.data, "salesperson", what="To"),
            reason=form.reason.data,
            note=form.note.data or "",
            actor=_actor(),
            now=utcnow(),
        ),
        gettext("Client moved."),
    )


@bp.route("/manager/disputes")
def open_disputes():
    """The disputes waiting for the manager."""
    office = office_of_request()
    return render_template(
        "disputes.html",
        clients=disputes.open_disputes(db.session, office),
        names={person.id: person.name for person in _salespeople()},
    )


def _dispute_page(client: Client, form, errors: dict[str, str] | None = None, status=200):
    office = office_of_request()
    now = utcnow()
    return render_template(
        "dispute.html",
        client=client,
        family=history.ownership.family_of(db.session, client),
        sides=disputes.sides(db.session, client, office=office, now=now),
        state=history.ownership.owner_now(db.session, client, office=office, now=now),
        people=_salespeople(active_only=True),
        form=form,
        errors=errors or {},
        entry_words=entry_words,
    ), status


@bp.route("/manager/clients/<id:client_id>/dispute", methods=["GET", "POST"])
def decide_dispute(client_id: int):
    """O7: the original registrations of each side, side by side; the owner and the split."""
    client = _office_client(client_id)
    form = client_forms.DecisionForm()
    if request.method == "GET":
        return _dispute_page(client, form)
    office = office_of_request()
    try:
        if not form.validate_on_submit():
            raise _refused(form)

        def number(field, what: str) -> int | None:
            return client_forms.whole_number(field.data, field.name, what=what)

        owner = number(form.owner, "Owner")
        shares = disputes.split_of(
            owner,
            [
                (number(form.other_1, "Shares with"), number(form.other_1_percent, "Share")),
                (number(form.other_2, "And with"), number(form.other_2_percent, "Share")),
            ],
            number(form.owner_percent, "Owner's share"),
        )
        disputes.decide_dispute(
            db.session,
            client=client,
            office=office,
            owner_id=owner,
            shares=shares,
            note=form.note.data or "",
            actor=_actor(),
            now=utcnow(),
        )
    except InvalidInput as error:
        db.session.rollback()
        return _dispute_page(client, form, error.errors, 400)
    db.session.commit()
    flash(gettext("Dispute decided."), "success")
    return redirect(url_for("clients.client_history", client_id=client.id)), 303


def _hand_over_page(errors: dict[str, str] | None = None, status: int = 200, **forms):
    office = office_of_request()
    owned = dict(
        db.session.execute(
            select(Client.owner_id, func.count())
            .where(
                Client.office_id == office.id,
                Client.family_id.is_(None),
                Client.owner_id.is_not(None),
            )
            .group_by(Client.owner_id)
        ).all()
    )
    return render_template(
        "hand_over.html",
        people=_salespeople(),
        owned=owned,
        errors=errors or {},
        hand_over_form=forms.get("hand_over_form") or client_forms.HandOverForm(formdata=None),
        designated_form=forms.get("designated_form") or client_forms.DesignatedForm(formdata=None),
    ), status


@bp.route("/manager/clients/hand-over", methods=["GET", "POST"])
def hand_over():
    """O10: a leaver's clients, by the office rotation or to one salesperson."""
    if request.method == "GET":
        return _hand_over_page()
    office = office_of_request()
    form = client_forms.HandOverForm()
    try:
        if not form.validate_on_submit():
            raise _refused(form)
        leaver = db.session.get(
            Salesperson, client_forms.whole_number(form.leaver.data, "leaver", what="Whose") or 0
        )
        if leaver is None or leaver.office_id != office.id:
            raise InvalidInput({"leaver": gettext("Choose a salesperson of the office.")})
        to = (
            None
            if form.to.data == "rotation"
            else client_forms.whole_number(form.to.data, "to", what="To")
        )
        moves = handovers.hand_over(
            db.session, office=office, leaver=leaver, to_id=to, actor=_actor(), now=utcnow()
        )
    except InvalidInput as error:
        db.session.rollback()
        return _hand_over_page(error.errors, 400, hand_over_form=form)
    db.session.commit()
    flash(_moved_words(leaver.name, moves), "success")
    return redirect(url_for("clients.hand_over")), 303


def _moved_words(name: str, moves: list[handovers.Move]) -> str:
    if not moves:
        return gettext("%(name)s owns no clients now: nothing to hand over.", name=name)
    to = gettext(", ").join(
        gettext(
            "%(client)s to %(to)s", client=move.client.name or gettext("a client"), to=move.to.name
        )
        for move in moves
    )
    return gettext(
        "%(count)s of %(name)s's clients handed over: %(moves)s.",
        count=len(moves),
        name=name,
        moves=to,
    )


@bp.route("/manager/clients/designated", methods=["POST"])
def give_designated():
    """O12 / X7: a client designated or referred by a developer, to the rotation's turn."""
    office = office_of_request()
    form = client_forms.DesignatedForm()
    try:
        if not form.validate_on_submit():
            raise _refused(form)
        try:
            phone = to_e164(form.phone.data, phone_region(office))
        except ValueError as error:
            raise InvalidInput({"phone": str(error)}) from error
        move = handovers.give_designated(
            db.session,
            office=office,
            name=form.name.data.strip(),
            phone=phone,
            need=form.need.data.strip(),
            developer=form.source.data == "developer",
            actor=_actor(),
            now=utcnow(),
        )
    except InvalidInput as error:
        db.session.rollback()
        return _hand_over_page(error.errors, 400, designated_form=form)
    db.session.commit()
    flash(
        gettext(
            "%(client)s goes to %(to)s, the office rotation's turn.",
            client=move.client.name,
            to=move.to.name,
        ),
        "success",
    )
    return redirect(url_for("clients.client_history", client_id=move.client.id)), 303


# -- the salesperson ---------------------------------------------------------------------


def _my_clients_page(me: Salesperson, errors=None, status: int = 200, **forms):
    return render_template(
        "my_clients.html",
        person=me,
        mine=follow_ups.my_clients(
            db.session, office=office_of_request(), salesperson_id=me.id, now=utcnow()
        ),
        errors=errors or {},
        dispute_form=forms.get("dispute_form") or client_forms.DisputeForm(formdata=None),
        stages=STAGES,
        dispute_days=office_of_request().dispute_days,
    ), status


@bp.route("/me/clients")
def my_clients():
    """Only the salesperson's own clients (owned, or a share of a split)."""
    return _my_clients_page(signed_in_salesperson())


def _mine_or_404(me: Salesperson, client_id: int) -> follow_ups.MyClient:
    mine = follow_ups.my_client(
        db.session,
        office=office_of_request(),
        salesperson_id=me.id,
        client_id=client_id,
        now=utcnow(),
    )
    if mine is None:
        abort(404)  # not theirs: whose it is, or whether it exists, is not said
    return mine


@bp.route("/me/clients/<id:client_id>")
def my_client(client_id: int):
    """One of the salesperson's clients: numbers, need, their own entries, a follow-up."""
    me = signed_in_salesperson()
    mine = _mine_or_404(me, client_id)
    family = history.ownership.family_of(db.session, mine.client)
    entries = db.session.scalars(
        select(ClientEvent)
        .where(
            ClientEvent.client_id.in_({family.id, mine.client.id}),
            ClientEvent.salesperson_id == me.id,
        )
        .order_by(ClientEvent.at.desc(), ClientEvent.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "my_client.html",
        mine=mine,
        entries=entries,
        entry_words=entry_words,
        stages=STAGES,
        ways=FOLLOW_UP_WAYS,
    )


@bp.route("/me/clients/<id:client_id>/follow-up", methods=["POST"])
def follow_up(client_id: int):
    """A call, visit or message to the client (O6)."""
    me = signed_in_salesperson()
    mine = _mine_or_404(me, client_id)
    office = office_of_request()
    form = client_forms.FollowUpForm()
    try:
        if not form.validate_on_submit():
            raise _refused(form)
        kept = follow_ups.record_follow_up(
            db.session,
            mine=mine,
            office=office,
            salesperson=me,
            way=form.way.data,
            note=form.note.data or "",
            now=utcnow(),
        )
    except InvalidInput as error:
        db.session.rollback()
        flash(f"Nothing recorded: {next(iter(error.errors.values()))}", "error")
        return redirect(url_for("clients.my_client", client_id=client_id)), 303
    db.session.commit()
    name = mine.client.name or "The client"
    if kept:
        until = _mine_or_404(me, client_id).keep_until
        flash(
            f"Follow-up recorded: {name} stays yours until {until:%a %d %b}, "
            f"{office.ownership_lapse_days} days without one.",
            "success",
        )
    else:
        flash(
            f"Follow-up recorded. You are not {name}'s owner (you hold a share), "
            "so it does not keep the client for anyone.",
            "success",
        )
    return redirect(url_for("clients.my_client", client_id=client_id)), 303


@bp.route("/me/disputes", methods=["POST"])
def raise_dispute():
    """O7: a salesperson claims a client, found by one of the client's numbers."""
    me = signed_in_salesperson()
    office = office_of_request()
    form = client_forms.DisputeForm()
    try:
        if not form.validate_on_submit():
            raise _refused(form)
        try:
            phone = to_e164(form.phone.data, phone_region(office))
        except ValueError as error:
            raise InvalidInput({"phone": str(error)}) from error
        client = find_client(db.session, office_id=office.id, phone=phone)
        if client is None:
            raise InvalidInput({"phone": "No client of the office has this number."})
        disputes.raise_dispute(
            db.session,
            client=client,
            office=office,
            salesperson=me,
            reason=form.reason.data,
            now=utcnow(),
        )
    except InvalidInput as error:
        db.session.rollback()
        return _my_clients_page(me, error.errors, 400, dispute_form=form)
    db.session.commit()
    flash("Dispute raised: the manager decides from the registration log.", "success")
    return redirect(url_for("clients.my_clients")), 303
