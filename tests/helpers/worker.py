"""The task worker, run in the test's own process."""

from django.core.management import call_command
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
