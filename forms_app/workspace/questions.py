"""What the builder reads: a form's questions, their show-when conditions in words (and what is
wrong with them), and how many leads answered each removed question.

Reads only; the writes are forms_app/workspace/authoring.py.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from forms_app.models import Form, Question
from forms_app.scoring_adapter import condition_questions
from scoring.conditions import describe, show_when_condition
from scoring.features import QuestionInput


@dataclass(frozen=True)
class FormQuestions:
    # In order, each with `condition_text` and `condition_problem` set for the builder.
    active: list[Question]
    archived: list[tuple[Question, int]]  # each removed question with its number of answers


def form_questions(form: Form) -> FormQuestions:
    questions = list(form.questions.all())
    active = [q for q in questions if not q.archived]
    archived = [q for q in questions if q.archived]
    by_key, words = {q.key: q for q in active}, condition_questions(active)
    for question in active:
        question.condition_text, question.condition_problem = _condition_text(
            question, by_key, words
        )
    return FormQuestions(active=active, archived=_with_answer_counts(form, archived))


def condition_sources(active: list[Question], editing: Question) -> list[Question]:
    """The questions a question's show-when may depend on: choice questions before it."""
    return [
        q
        for q in active
        if q.kind in Question.CHOICE_KINDS and (q.position, q.pk) < (editing.position, editing.pk)
    ]


def _with_answer_counts(form: Form, archived: list[Question]) -> list[tuple[Question, int]]:
    if not archived:
        return []
    counts = form.leads.aggregate(
        **{f"n_{q.pk}": Count("pk", filter=Q(answers__has_key=q.key)) for q in archived}
    )
    return [(q, counts.get(f"n_{q.pk}", 0)) for q in archived]


def _condition_text(
    question: Question, by_key: dict[str, Question], words: dict[str, QuestionInput]
) -> tuple[str, str]:
    """How the builder describes a question's condition, and what is wrong with it, if anything."""
    if not question.condition:
        return "", ""
    source = by_key.get(question.condition.get("question"))
    if source is None:
        return "", "Its condition depends on a removed question, so it is never shown."
    problem = ""
    if (source.position, source.pk) > (question.position, question.pk):
        problem = f"“{source.label}” now comes after it; move this question below."
    return f"Shown when {describe(show_when_condition(question.condition), words)}", problem
