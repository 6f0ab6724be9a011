"""Jobs that repeat (sweeps). Each one, when it finishes, queues its next run in the job
table; `dealroom worker` makes sure one run is queued when it starts. No cron needed, and
several workers never pile up duplicates because a queued run is looked for first."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

# task path -> seconds between runs
PERIODIC: dict[str, int] = {
    "dealroom.customers.tasks.sweep_lead_pool": 3600,
}


def _queued(path: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path, status="READY").exists()


def schedule_next(path: str, *, delay: int | None = None) -> None:
    """Queue the next run of a periodic job unless one is queued (no-op where the task
    backend runs jobs at once, as in tests)."""
    task = import_string(path)
    if not task.get_backend().supports_defer or _queued(path):
        return
    seconds = PERIODIC[path] if delay is None else delay
    task.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue()


def ensure_scheduled() -> None:
    for path in PERIODIC:
        schedule_next(path, delay=0)
