"""Multi-step forms: questions grouped by their step number, and the drop-off counted per step.

Each step is a normal POST (so it works without JavaScript): the answers of the other steps travel
along as hidden inputs and are validated again with every step, so a tampered earlier answer is
caught. Hidden (URL-parameter) questions belong to no step: they travel with every one.
"""

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from forms_app.models import Form, FormStepStat, Question


def form_steps(questions: list[Question]) -> list[int]:
    """The form's step numbers in order; a form whose questions share one step has one step."""
    steps = sorted({q.step for q in questions if q.kind != Question.Kind.HIDDEN})
    return steps or [1]


def keys_in_step(questions: list[Question], step: int) -> list[str]:
    return [q.key for q in questions if q.step == step and q.kind != Question.Kind.HIDDEN]


def keys_up_to_step(questions: list[Question], step: int) -> set[str]:
    """The questions validated when a step is submitted: its own, the earlier ones, hidden ones."""
    return {q.key for q in questions if q.step <= step or q.kind == Question.Kind.HIDDEN}


def step_stat_record(*, form: Form, step: int, event: str, once_per: str = "") -> None:
    """Count a prospect starting or completing a step; once_per (the token nonce) drops repeats."""
    if once_per and not cache.add(f"formscore:step:{once_per}:{step}:{event}", 1, 24 * 3600):
        return
    field = {"started": "started", "completed": "completed"}[event]
    counter = FormStepStat.objects.filter(form=form, step=step)
    if counter.update(**{field: F(field) + 1}):
        return
    try:
        with transaction.atomic():
            FormStepStat.objects.create(form=form, step=step, **{field: 1})
    except IntegrityError:
        # Race: a concurrent request created the row for this step first; count on it.
        counter.update(**{field: F(field) + 1})
