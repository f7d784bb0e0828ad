"""Periodic background work on Django's tasks framework (durable with django-tasks-db: `db_worker`).

Each task lives beside the work it does (delivery in forms_app/sales/outbox.py, training in
forms_app/scoring_adapter.py); this module holds the ones that run on a schedule.

The periodic tasks (outbox sweep, retrain check, drift check, retention) schedule their own next
run when they finish; `periodic_tasks_ensure` starts the chain once (`manage.py demo` and
`manage.py schedule_periodic` call it) and is a no-op while a run is already waiting.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from forms_app.privacy import retention_apply_all
from forms_app.sales.drift import forms_drift_check
from forms_app.sales.learning import forms_retrain_due
from forms_app.sales.outbox import outbox_sweep

logger = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(seconds=60)
RETRAIN_CHECK_EVERY = timedelta(hours=1)
# Each check reads at most a week of leads per form (bounded): hourly finds a broken integration
# within the hour without costing much.
DRIFT_CHECK_EVERY = timedelta(hours=1)
# Retention periods are counted in days: a lead anonymised up to a day late is still on time.
RETENTION_EVERY = timedelta(days=1)


@task
def sweep_outbox() -> int:
    try:
        return outbox_sweep()
    finally:
        _schedule_next(sweep_outbox, SWEEP_EVERY)


# Retraining trains in the task itself: on the training queue, never ahead of a notification.
@task(queue_name="training")
def check_retrain_due() -> list[str]:
    try:
        return [outcome.form_slug for outcome in forms_retrain_due() if outcome.trained]
    finally:
        _schedule_next(check_retrain_due, RETRAIN_CHECK_EVERY)


@task
def check_drift() -> list[str]:
    try:
        return [f"{check.form_slug}: {check.level}" for check in forms_drift_check()]
    finally:
        _schedule_next(check_drift, DRIFT_CHECK_EVERY)


@task
def apply_retention() -> dict[str, int]:
    try:
        return retention_apply_all()
    finally:
        _schedule_next(apply_retention, RETENTION_EVERY)


PERIODIC = (
    (sweep_outbox, SWEEP_EVERY),
    (check_retrain_due, RETRAIN_CHECK_EVERY),
    (check_drift, DRIFT_CHECK_EVERY),
    (apply_retention, RETENTION_EVERY),
)


def _waiting(periodic_task) -> bool:
    """Whether a run of this task is already queued (only the database backend can tell)."""
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return False
    return DBTaskResult.objects.filter(task_path=periodic_task.module_path, status="READY").exists()


def _schedule_next(periodic_task, every: timedelta) -> None:
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return  # the immediate backend would recurse forever; run these from cron instead
    if not _waiting(periodic_task):
        periodic_task.using(run_after=timezone.now() + every).enqueue()


def periodic_tasks_ensure() -> list[str]:
    """Queue the first run of each periodic task that has none waiting; names what was queued."""
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return []
    queued = []
    for periodic_task, _every in PERIODIC:
        if not _waiting(periodic_task):
            periodic_task.enqueue()
            queued.append(periodic_task.name)
    return queued
