"""The task worker, run in the test's own process."""

from django.core.management import call_command


def run_worker() -> None:
    """The real django-tasks-db worker, in this process, until the queue is empty."""
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
