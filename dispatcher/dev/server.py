"""Run the whole service on one machine with nothing installed: the embedded Redis, the
database migrated and loaded with the demo office, the web app, an RQ worker with its
scheduler, and the sweeper. Ctrl-C stops all of it.

    python -m dispatcher.dev.server [--port 5000] [--no-demo]

Not a Procfile runner (honcho 2.0.0 was tried): under ``bin/serve | tee log`` Ctrl-C ends
tee, honcho's next print fails and it leaves every child running, and it kills a worker
still finishing its job after a fixed 5 s where this waits 15 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

from dispatcher import embedded_redis
from dispatcher.dev.demo import second_office_sign_ins, sign_ins

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def banner(base_url: str, *, demo: bool) -> str:
    """What bin/serve prints once everything runs: where to go and, with the demo
    office, its sign-ins (the README quotes them)."""
    return (
        f"\n  Dispatch is running: open {base_url}/\n"
        + (f"  {sign_ins()}\n  {second_office_sign_ins()}\n" if demo else "")
        + f"  The development phone: {base_url}/dev/phone/\n"
        "  Ctrl-C stops everything.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo office")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    # This machine, not a deployment: a generated SECRET_KEY kept in instance/ (unless
    # SECRET_KEY is set) and the development phone. The Procfile never sets it.
    env["DISPATCH_DEVELOPMENT_MODE"] = "1"
    env.setdefault("INSTANCE_PATH", os.path.join(PROJECT_ROOT, "instance"))
    env.setdefault("PUBLIC_BASE_URL", f"http://{args.host}:{args.port}")
    if not env.get("TWILIO_ACCOUNT_SID"):
        # A fictional coordinator's phone, so the development phone's calls show where
        # they would ring; a real deployment sets its own.
        env.setdefault("COORDINATOR_PHONE", "+12025550150")
    instance = env["INSTANCE_PATH"]
    children: list[tuple[str, subprocess.Popen]] = []

    def stop():
        # Newest first, each one gone before the next: the worker finishes its job while
        # Redis is still there to record it.
        for name, process in reversed(children):
            if process.poll() is None:
                say(f"stopping {name}")
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(0))  # its terminal closed
    try:
        if not env.get("REDIS_URL"):
            if embedded_redis.is_running(instance):
                say("embedded redis already running")
            else:
                children.append(("redis", embedded_redis.start(instance)))
                say(f"embedded redis at {embedded_redis.url(instance)}")
            env["REDIS_URL"] = embedded_redis.url(instance)
        flask = [sys.executable, "-m", "flask", "--app", "dispatcher"]
        subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=PROJECT_ROOT)
        if not args.no_demo:
            subprocess.run([*flask, "seed-demo"], env=env, check=True, cwd=PROJECT_ROOT)
        bin_dir = os.path.dirname(sys.executable)
        children.append(
            (
                "worker",
                subprocess.Popen(
                    [
                        os.path.join(bin_dir, "rq"),
                        "worker",
                        "--with-scheduler",
                        "--worker-class",
                        "workers.worker.DispatchWorker",
                        "--url",
                        env["REDIS_URL"],
                        "--path",
                        PROJECT_ROOT,
                        env.get("RQ_QUEUE", "dispatch"),
                    ],
                    env=env,
                    cwd=PROJECT_ROOT,
                    start_new_session=True,
                ),
            )
        )
        children.append(
            (
                "sweeper",
                subprocess.Popen(
                    [*flask, "sweep"], env=env, cwd=PROJECT_ROOT, start_new_session=True
                ),
            )
        )
        children.append(
            (
                "web",
                subprocess.Popen(
                    [
                        os.path.join(bin_dir, "gunicorn"),
                        "--bind",
                        f"{args.host}:{args.port}",
                        "--workers",
                        "1",
                        "--threads",
                        "8",
                        "--access-logfile",
                        "-",
                        "dispatcher:create_app()",
                    ],
                    env=env,
                    cwd=PROJECT_ROOT,
                    start_new_session=True,
                ),
            )
        )
        say(banner(env["PUBLIC_BASE_URL"], demo=not args.no_demo))
        while all(process.poll() is None for _name, process in children):
            time.sleep(0.5)
        for name, process in children:
            if process.poll() is not None:
                say(f"{name} exited with code {process.returncode}; stopping")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


def say(line: str) -> None:
    """Print, unless nobody reads any more: with ``bin/serve | tee log``, Ctrl-C ends tee
    too, and a print that fails there must not stop the children from being stopped."""
    with contextlib.suppress(OSError):
        print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
