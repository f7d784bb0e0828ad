"""Multi-step forms: questions grouped by their step number, where a submit goes next, and the
drop-off counted per step.

Each step is a normal POST (so it works without JavaScript): the answers of the other steps travel
along as hidden inputs and are validated again with every step, so a tampered earlier answer is
caught. Hidden (URL-parameter) questions belong to no step: they travel with every one.

The submission check (`capture.checks`) reads the posted step and judges the answers up to it;
`step_advance` then takes a step that passed: the next step, or the stored lead after the last.
"""

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from forms_app.capture.submit import CaptureResult, lead_capture, lead_partial_resume
from forms_app.models import Form, FormStepStat, Question
from formscore.limits import first_hit


def form_steps(questions: list[Question]) -> list[int]:
    """The form's step numbers in order; a form whose questions share one step has one step."""
    steps = sorted({q.step for q in questions if q.kind != Question.Kind.HIDDEN})
    return steps or [1]


def keys_in_step(questions: list[Question], step: int) -> list[str]:
    return [q.key for q in questions if q.step == step and q.kind != Question.Kind.HIDDEN]


def keys_up_to_step(questions: list[Question], step: int) -> set[str]:
    """The questions validated when a step is submitted: its own, the earlier ones, hidden ones."""
    return {q.key for q in questions if q.step <= step or q.kind == Question.Kind.HIDDEN}


@dataclass(frozen=True)
class StepPosition:
    """Where a prospect is in a form: its step numbers in order and the index of one of them."""

    numbers: tuple[int, ...]
    index: int = 0

    @classmethod
    def first(cls, questions: list[Question]) -> "StepPosition":
        return cls(tuple(form_steps(questions)))

    @property
    def number(self) -> int:
        return self.numbers[self.index]

    @property
    def is_last(self) -> bool:
        return self.index == len(self.numbers) - 1

    def previous(self) -> "StepPosition":
        return StepPosition(self.numbers, max(self.index - 1, 0))

    def following(self) -> "StepPosition":
        return StepPosition(self.numbers, min(self.index + 1, len(self.numbers) - 1))

    def earliest_invalid(self, questions: list[Question], invalid: set[str]) -> "StepPosition":
        """The step to show again for these invalid answers: the earliest step holding one, so a
        tampered answer of an earlier step sends the prospect back to it (never forward)."""
        steps = [q.step for q in questions if q.key in invalid and q.step in self.numbers]
        index = self.numbers.index(min(steps)) if steps else self.index
        return StepPosition(self.numbers, min(index, self.index))


def step_posted(questions: list[Question], raw: str) -> StepPosition | None:
    """The step a submit says it sends; None if the form has no such step. A one-step form may
    leave it out."""
    position = StepPosition.first(questions)
    if raw == "" and len(position.numbers) == 1:
        return position
    try:
        number = int(raw)
    except ValueError:
        return None
    if number not in position.numbers:
        return None
    return StepPosition(position.numbers, position.numbers.index(number))


def step_advance(
    *,
    form: Form,
    questions: list[Question],
    step: StepPosition,
    answers: dict[str, Any],
    capture: dict[str, Any],
    nonce: str,
) -> StepPosition | CaptureResult:
    """After a step passed the submission check: count it, keep the answers so far as a partial
    lead once they hold an e-mail address, and go on to the following step; after the last step,
    store the lead.

    nonce (the form token's) counts each step once per prospect and ties the steps' partial lead
    to the final submit.
    """

    def completed() -> None:
        step_stat_record(form=form, step=step.number, event="completed", once_per=nonce)

    email_keys = [q.key for q in questions if q.kind == Question.Kind.EMAIL]
    if len(step.numbers) > 1:
        lead_partial_resume(form=form, email_keys=email_keys, answers=answers, token=nonce)
    if step.is_last:
        # Counted in the lead's transaction: one write per submit, not two.
        return lead_capture(
            form=form, answers=answers, capture=capture, submission_token=nonce, with_lead=completed
        )
    completed()
    following = step.following()
    step_stat_record(form=form, step=following.number, event="started", once_per=nonce)
    if any(answers.get(key) for key in email_keys):
        lead_capture(
            form=form, answers=answers, capture=capture, submission_token=nonce, partial=True
        )
    return following


def step_stat_record(*, form: Form, step: int, event: str, once_per: str = "") -> None:
    """Count a prospect starting or completing a step; once_per (the token nonce) drops repeats."""
    if once_per and not first_hit(f"step:{once_per}:{step}:{event}", within=24 * 3600):
        return
    field = {"started": "started", "completed": "completed"}[event]
    # Once per submit: plain SQL, since compiling the ORM's update costs more than running it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FormStepStat._meta.db_table} SET {field} = {field} + 1"
            " WHERE form_id = %s AND step = %s",
            [form.pk, step],
        )
        if cursor.rowcount:
            return
    counter = FormStepStat.objects.filter(form=form, step=step)
    try:
        with transaction.atomic():
            FormStepStat.objects.create(form=form, step=step, **{field: 1})
    except IntegrityError:
        # Race: a concurrent request created the row for this step first; count on it.
        counter.update(**{field: F(field) + 1})
