"""The RQ worker class the service runs:
`rq worker --worker-class workers.worker.DispatchWorker`."""

from __future__ import annotations

from rq import SimpleWorker

from workers.context import job_app


class DispatchWorker(SimpleWorker):
    """Runs jobs in its own process with the Flask app built once.

    RQ's default worker forks a work horse per job; measured here that costs about 0.1 s
    a job (50 page sends: 6.0 s forked, 2.0 s in-process), which is most of the time a
    page takes to go out. The jobs are small, idempotent and decided by the database, so
    a crash mid-job loses nothing: RQ re-queues abandoned jobs and the sweeper catches
    whatever is overdue. Job timeouts still apply (RQ enforces them with SIGALRM).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        import workers.jobs  # noqa: F401  (import once, not on the first job)

        job_app()
