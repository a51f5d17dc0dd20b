"""Redis and the RQ queue, attached to the app in the factory."""

from __future__ import annotations

import redis
from flask import Flask
from rq import Queue

from dispatcher import embedded_redis


def init_queue(app: Flask) -> None:
    if not app.config.get("REDIS_URL"):
        app.config["REDIS_URL"] = embedded_redis.url(app.instance_path)
    # Short timeouts: a Redis that is away must not hold up logging a call.
    connection = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )
    app.extensions["redis"] = connection
    app.extensions["rq_queue"] = Queue(app.config["RQ_QUEUE"], connection=connection)
