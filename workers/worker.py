"""The RQ worker class the service runs: `rq worker --worker-class workers.worker.DispatchWorker`."""

from __future__ import annotations

from rq import Worker

from workers.context import job_app


class DispatchWorker(Worker):
    """Builds the Flask app once, before forking, so each job's work horse starts with the
    app ready instead of building it (about 0.1 s) for every page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import workers.jobs  # noqa: F401  (imported once in the parent, shared by each fork)

        job_app()

    def main_work_horse(self, job, queue):
        from dispatcher.extensions import db

        # A forked child must not reuse the parent's pooled database connections.
        with job_app().app_context():
            db.engine.dispose(close=False)
        super().main_work_horse(job, queue)
