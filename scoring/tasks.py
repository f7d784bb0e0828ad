"""Training as a background task: the workspace enqueues it, a task worker runs it.

The task module itself stays importable by the web process: scikit-learn is imported only when
the task runs (scoring.services imports training lazily).
"""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from forms_app.models import Form
from scoring.models import TrainingRun


def training_enqueue(*, form: Form, actor=None, activate: str = "auto") -> TrainingRun:
    """Record a training request and hand it to the task worker once the request commits."""
    run = TrainingRun.objects.create(form=form, actor=actor, activate=activate)
    transaction.on_commit(lambda: training_run.enqueue(run.pk))
    return run


@task
def training_run(run_id: int) -> None:
    from scoring.services import model_version_train
    from scoring.training import TrainingError

    # Claim the run: zero rows updated means another worker already has it.
    if not TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.RUNNING, message="Starting"
    ):
        return
    run = TrainingRun.objects.select_related("form", "actor").get(pk=run_id)

    def progress(stage: str, fraction: float) -> None:
        TrainingRun.objects.filter(pk=run_id).update(progress=fraction, message=stage)

    try:
        outcome = model_version_train(
            form=run.form, actor=run.actor, activate=run.activate, progress=progress
        )
    except TrainingError as exc:
        _finish(run_id, TrainingRun.Status.FAILED, f"Not trained: {exc}")
        return
    except Exception as exc:
        _finish(run_id, TrainingRun.Status.FAILED, f"Training failed: {type(exc).__name__}: {exc}")
        raise
    _finish(run_id, TrainingRun.Status.SUCCEEDED, outcome.reason, version=outcome.version)


def _finish(run_id: int, status: str, message: str, version=None) -> None:
    TrainingRun.objects.filter(pk=run_id).update(
        status=status, message=message, version=version, progress=1.0, finished_at=timezone.now()
    )
