"""The task worker, run in the test's own process."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from forms_app.sales.outbox import outbox_deliveries_wait


def run_worker(queues: str = "*") -> None:
    """The real django-tasks-db worker, in this process, until nothing is left to do now (on
    every queue unless told which: `default`, `imports`, `training`).

    Deliveries run on the outbox's own threads and may enqueue their retries after the worker
    found the queue empty, so the worker runs again until no task is due.
    """
    while True:
        call_command(
            "db_worker",
            batch=True,
            startup_delay=False,
            interval=0,
            verbosity=0,
            queue_name=queues,
        )
        assert outbox_deliveries_wait(timeout=60), "deliveries still under way after 60 s"
        if not DBTaskResult.objects.ready().exists():
            return


def database_url() -> str:
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def worker_process(queues: str, **environ: str) -> Iterator[subprocess.Popen]:
    """A real `manage.py db_worker` on these queues, in its own process, for tests whose pages
    poll a task's progress (transactional tests: the worker sees what they commit)."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--queue-name",
            queues,
        ],
        cwd=Path(settings.BASE_DIR),
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "FORMSCORE_TASKS": "database",
            **environ,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
