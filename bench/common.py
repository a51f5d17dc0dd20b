"""What the benchmarks share: a throw-away service on loopback, and percentiles."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float], unit: str = "ms", scale: float = 1000.0) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 50) * scale:.1f} {unit}, "
        f"p99 {percentile(values, 99) * scale:.1f} {unit}, "
        f"max {max(values) * scale:.1f} {unit} (n={len(values)}, "
        f"mean {statistics.mean(values) * scale:.1f})"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(port: int, path: str = "/", timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


class Service:
    """The dispatch service in a temporary instance folder: migrated, demo loaded, with
    gunicorn and RQ workers as subprocesses. Loopback only; stopped on exit."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        web_workers: int = 2,
        web_threads: int = 4,
        sweeper: bool = False,
        seed: bool = True,
    ):
        self.tmp = tempfile.TemporaryDirectory(prefix="dispatch-bench-")
        # A throw-away office on this machine, as bin/serve runs it: development mode (a
        # SECRET_KEY generated in the temporary instance folder, the demo's sign-ins).
        self.env = {
            **os.environ,
            "INSTANCE_PATH": self.tmp.name,
            "DISPATCH_DEVELOPMENT_MODE": "1",
            **env,
        }
        self.workers = workers
        self.web_workers = web_workers
        self.web_threads = web_threads
        self.sweeper = sweeper
        self.seed = seed
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.worker_processes: list[subprocess.Popen] = []
        self.redis_process: subprocess.Popen | None = None
        self.sweeper_process: subprocess.Popen | None = None

    def flask(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "dispatcher", *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> Service:
        from dispatcher import embedded_redis

        if not self.env.get("REDIS_URL"):
            self.redis_process = embedded_redis.start(self.tmp.name)
            self.processes.append(self.redis_process)
            self.env["REDIS_URL"] = embedded_redis.url(self.tmp.name)
        self.flask("db", "upgrade")
        if self.seed:
            self.flask("seed-demo")
        self.start_workers(self.workers)
        if self.sweeper:
            # The Procfile's clock process, as the service runs it.
            sweep = [sys.executable, "-m", "flask", "--app", "dispatcher", "sweep"]
            self.sweeper_process = subprocess.Popen(
                sweep, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self.processes.append(self.sweeper_process)
        self.web = self.gunicorn("dispatcher:create_app()", self.port)
        self.processes.append(self.web)
        wait_for_http(self.port, "/sign-in")
        return self

    def start_workers(self, count: int, env: dict[str, str] | None = None) -> None:
        """``count`` RQ workers as the Procfile runs them (the first ``--with-scheduler``),
        with ``env`` added to the service's settings."""
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        for index in range(count):
            command = [
                os.path.join(BIN, "rq"),
                "worker",
                "--worker-class",
                "workers.worker.DispatchWorker",
                "--url",
                self.env["REDIS_URL"],
                "--path",
                ROOT,
                "dispatch",
            ]
            if index == 0:
                command.insert(2, "--with-scheduler")
            process = subprocess.Popen(command, env={**self.env, **(env or {})}, cwd=ROOT, **quiet)
            self.worker_processes.append(process)
            self.processes.append(process)

    def stop_workers(self) -> None:
        """Stop the RQ workers (a warm shutdown: each finishes what it runs)."""
        for process in self.worker_processes:
            process.terminate()
        for process in self.worker_processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            self.processes.remove(process)
        self.worker_processes = []

    def gunicorn(self, target: str, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [
                os.path.join(BIN, "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.web_workers),
                "--threads",
                str(self.web_threads),
                target,
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __exit__(self, *_exc) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.tmp.cleanup()


def post_json(
    connection: http.client.HTTPConnection, path: str, body: dict, token: str
) -> tuple[int, dict]:
    connection.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def postgresql_database(base: str):
    """A fresh database on the server, or None (and why) when it does not answer."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"dispatch_bench_{uuid.uuid4().hex[:8]}"
    admin_url = base.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 (any failure means: skip PostgreSQL)
        admin.dispose()
        return None, None, f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return admin, name, admin_url.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def own_database():
    """A new PostgreSQL database on BENCH_DATABASE_URL's server for this run, dropped
    after it; None (SQLite in the service's folder) without BENCH_DATABASE_URL."""
    base = os.environ.get("BENCH_DATABASE_URL")
    if not base:
        yield None
        return
    from sqlalchemy import text

    admin, name, url = postgresql_database(base)
    if admin is None:
        raise SystemExit(f"PostgreSQL at {base} did not answer: {url}")
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def service_app(service: Service):
    """The service's own app, in this process, for setting up and reading results."""
    os.environ["INSTANCE_PATH"] = service.env["INSTANCE_PATH"]
    from dispatcher import create_app

    settings = {"REDIS_URL": service.env["REDIS_URL"], "DEVELOPMENT_MODE": True}
    settings.update({k: v for k, v in service.env.items() if k.startswith("TWILIO_")})
    if service.env.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = service.env["DATABASE_URL"]
    return create_app(settings)


def deliver_reply(port: int, auth_token: str, params: dict[str, str]) -> tuple[int, float]:
    """One SMS reply as Twilio delivers it to /twilio/sms, signed with ``auth_token``, on
    its own connection: (HTTP status, seconds to the answer)."""
    from twilio.request_validator import RequestValidator

    url = f"http://127.0.0.1:{port}/twilio/sms"
    headers = {
        "X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, params),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        began = time.perf_counter()
        connection.request("POST", "/twilio/sms", urllib.parse.urlencode(params), headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - began
    finally:
        connection.close()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name, in parentheses, may hold spaces: split after it.
    return text[text.rindex(")") + 2 :].split()


def process_tree(pids: list[int]) -> list[int]:
    """The processes and every descendant alive now (an RQ worker's forked scheduler,
    gunicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (/proc/<pid>/stat)."""
    used = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return used


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two readings of the same processes; one that started in
    between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores (/proc/stat)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def api_token(service: Service, name: str = "bench", office: str = "1") -> str:
    """A bearer token for the service's API, made as an operator makes one (the CLI),
    for ``office`` (id or name): by default the first office made, the demo's own (the
    demo sets up a second office beside it, so the command must be told which)."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "dispatcher",
            "create-token",
            name,
            "--office",
            office,
        ],
        env=service.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return output.strip().splitlines()[-1]
