"""Training runs as a background task through the durable database queue, with progress."""

from io import StringIO

import pytest
from django.core.management import call_command

from forms_app.demo.history import demo_history_create
from forms_app.scoring_adapter import training_enqueue
from scoring.models import TrainingRun

# The worker closes database connections between tasks, as it does in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queued_training_is_run_by_the_db_worker_and_reports_progress(
    demo_form, django_user_model
):
    demo_history_create(demo_form, count=1200)
    demo_form.points_rules.all().delete()  # no points system to beat: the gate activates
    morgan = django_user_model.objects.create_user("morgan")

    run = training_enqueue(form=demo_form, actor=morgan)
    assert run.status == TrainingRun.Status.QUEUED

    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--queue-name", "training", stdout=StringIO()
    )

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.message
    assert run.progress == 1.0
    assert run.version.number == 1
    assert run.version.created_by == morgan
    assert run.message.startswith("Activated")
    assert run.finished_at is not None


def test_a_training_that_cannot_run_ends_failed_with_the_reason(demo_form):
    run = training_enqueue(form=demo_form)
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--queue-name", "training", stdout=StringIO()
    )

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert run.message.startswith("Not trained: needs at least")
