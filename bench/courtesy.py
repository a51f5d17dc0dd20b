"""10,000 clients' birthdays on one day (S1): planned, written and sent within the
10:00-10:30 window.

A throw-away database (a SQLite file in a temporary folder; with BENCH_DATABASE_URL, a
fresh PostgreSQL database on that server, dropped after) is migrated and loaded with one
office, 20 salespeople and --clients clients born on 14 March, each with a mobile, and an
approved birthday text. Then, with the clock injected:

1. the clock process's planning (dispatcher.courtesy.planning.write_due) at 10:20 office
   time writes every message, and again (a restart: nothing more);
2. each message is sent by the send function the RQ job runs (dispatcher.sms.outbound
   with the courtesy kind and the outbox transport), one after another, at its minute.

Prints the time each took, the spread of the planned minutes over the window, and that
each client got exactly one SMS.

    [BENCH_DATABASE_URL=postgresql://postgres@localhost/] .venv/bin/python bench/courtesy.py \
        [--clients 10000] [--plan-only]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [
    ROOT,
    *(p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(__file__)),
]

from bench.common import own_database, percentile  # noqa: E402
from bench.dashboard import flask_upgrade, make_app  # noqa: E402

DAY = date(2026, 3, 14)
WINDOW_START = datetime(2026, 3, 14, 14, 0)  # 10:00 in New York (EDT), UTC
DUE = WINDOW_START + timedelta(minutes=20)


def load(clients: int) -> int:
    from dispatcher.extensions import db
    from dispatcher.models import Client, ClientNumber, CourtesyTemplate, Office, Salesperson

    office = Office(name="Bench", timezone="America/New_York")
    db.session.add(office)
    db.session.flush()
    people = [
        Salesperson(office_id=office.id, name=f"Salesperson {n}", mobile=f"+1303555{n:04d}")
        for n in range(20)
    ]
    db.session.add_all(people)
    db.session.flush()
    db.session.execute(
        Client.__table__.insert(),
        [
            {
                "office_id": office.id,
                "name": f"Client {n}",
                "title": "",
                "need": "",
                "stage": "closed",
                "stage_reason": "",
                "created_at": datetime(2026, 1, 1),
                "owner_team": "",
                "disputed": False,
                "owner_id": people[n % 20].id,
                "birthday": date(1950 + n % 50, 3, 14),
                "project": "Riverside",
                "courtesy_opted_out": False,
            }
            for n in range(clients)
        ],
    )
    ids = db.session.scalars(db.select(Client.id).order_by(Client.id)).all()
    db.session.execute(
        ClientNumber.__table__.insert(),
        [
            {"office_id": office.id, "client_id": cid, "phone": f"+1404{n:07d}", "kind": "mobile"}
            for n, cid in enumerate(ids)
        ],
    )
    db.session.add(
        CourtesyTemplate(
            office_id=office.id,
            kind="birthday",
            name="Birthday",
            body="Dear {client}, happy birthday! {salesperson}, {project}",
            project="",
            stages="",
            held=False,
            approved_at=datetime(2026, 3, 1),
            approved_by="bench",
            updated_at=datetime(2026, 3, 1),
            updated_by="bench",
        )
    )
    db.session.commit()
    return office.id


def run(url: str, instance: str, clients: int, send: bool = True) -> None:
    flask_upgrade(url, instance)
    app = make_app(url, instance)
    with app.app_context():
        from dispatcher.courtesy import planning
        from dispatcher.courtesy.sending import CourtesySending
        from dispatcher.extensions import db
        from dispatcher.models import CourtesyMessage, Office, OutboxMessage
        from dispatcher.sms import outbound, sms_transport

        office_id = load(clients)
        office = db.session.get(Office, office_id)
        began = time.perf_counter()
        written = planning.write_due(db.session, office, DUE)
        db.session.commit()
        planned = time.perf_counter() - began
        began = time.perf_counter()
        again = planning.write_due(db.session, office, DUE)
        db.session.commit()
        replanned = time.perf_counter() - began
        offsets = sorted((send_at - WINDOW_START).total_seconds() for _, send_at in written)
        per_minute = Counter(int(s // 60) for s in offsets)
        print(
            f"planned {len(written)} birthday greetings in {planned:.2f} s; planned again "
            f"(a restart) in {replanned:.2f} s: {len(again)} more"
        )
        print(
            f"spread over the window: first 10:{offsets[0] / 60:05.2f}, last "
            f"10:{offsets[-1] / 60:05.2f} (minutes), {len(set(offsets))} distinct seconds, "
            f"per minute min {min(per_minute.values())} / max {max(per_minute.values())}, "
            f"all inside 10:00-10:30: {offsets[0] >= 0 and offsets[-1] < 1800}"
        )
        if not send:
            return
        transport = sms_transport()
        timings = []
        began = time.perf_counter()
        for row_id, send_at in sorted(written, key=lambda item: item[1]):
            start = time.perf_counter()
            kind = CourtesySending(clock=lambda moment=send_at: moment)
            result = outbound.send(
                kind,
                row_id,
                session=db.session,
                transport=transport,
                clock=lambda moment=send_at: moment,
                claim_timeout=timedelta(seconds=60),
            )
            db.session.commit()
            assert result.what == "sent", result
            timings.append(time.perf_counter() - start)
        sending = time.perf_counter() - began
        sent = db.session.scalar(
            db.select(db.func.count()).where(CourtesyMessage.sent_at.is_not(None))
        )
        outbox = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
        distinct = db.session.scalar(db.select(db.func.count(db.distinct(OutboxMessage.to_number))))
        print(
            f"sent {sent} through the outbox in {sending:.1f} s ({sent / sending:.0f} a second, "
            f"{sending / 1800:.1%} of the 30-minute window); per message p50 "
            f"{percentile(timings, 50) * 1000:.1f} ms, p99 {percentile(timings, 99) * 1000:.1f} ms"
        )
        print(f"outbox: {outbox} SMS to {distinct} clients (one each: {outbox == distinct})")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--plan-only", action="store_true", help="plan, do not send")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance, own_database() as url:
        print("== PostgreSQL" if url else "== SQLite")
        url = url or "sqlite:///" + os.path.join(instance, "bench.sqlite")
        run(url, instance, args.clients, send=not args.plan_only)


if __name__ == "__main__":
    main()
