"""Change a question's kind where its stored answers allow it, converting them in the same step.

Which changes exist (`kind_changes`), and what each does to the answers already stored:

- among dropdown, single choice and multiple choice: the choices and their values stay; into
  multiple choice a single value becomes a one-item list; out of it, a one-item list becomes its
  value and a list of several is refused (a single choice cannot hold it);
- short text into a choice kind: the answers' distinct values become the choices (at most
  MAX_CHOICES; the same text in another case is one choice) and each answer its choice's value;
- number into short text: each number becomes its text; short text into number: only when every
  answer reads as a number, and each becomes one.

Anything else is refused with the reason. So are changes that would leave a rule invalid: a
show-when condition needs a choice question, and the points and routing rules of a text question
compare text, not the values a choice kind stores; they are named so the marketer can change them.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from forms_app.models import Form, Lead, Question, RoutingRule
from forms_app.models.contacts import CONTACT_KINDS
from forms_app.models.forms import normalized_choices
from forms_app.scoring_adapter import points_rules_labelled
from scoring.conditions import number
from scoring.models import PointsRule

logger = logging.getLogger(__name__)

Kind = Question.Kind
CHOICE_KINDS = (Kind.DROPDOWN, Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)
MAX_CHOICES = 60  # as many as the CSV import offers as a dropdown
EXAMPLES = 3  # refused answers quoted in a message


def kind_changes(kind: str) -> list[str]:
    """The kinds a question of this kind may become (if its answers allow it)."""
    if kind in CHOICE_KINDS:
        return [k for k in CHOICE_KINDS if k != kind]
    if kind == Kind.SHORT_TEXT:
        return [*CHOICE_KINDS, Kind.NUMBER]
    if kind == Kind.NUMBER:
        return [Kind.SHORT_TEXT]
    return []


@dataclass(frozen=True)
class KindChange:
    old_kind: str
    answers_converted: int  # stored answers rewritten to the new kind's shape
    choices_made: int  # choices taken from the answers (short text into a choice kind)


def question_kind_change(*, question: Question, kind: str, actor=None) -> KindChange:
    """Make `question` a question of `kind`, its stored answers converted to match.

    Raises ValidationError({"kind": reason}) when the change does not exist, when stored answers
    cannot be converted (quoting some), or when rules that use the question would break (naming
    them). `actor` is who asked, for the log.
    """
    old = question.kind
    if kind not in Kind.values:
        raise ValidationError({"kind": f"Unknown question kind {kind!r}."})
    if kind == old:
        return KindChange(old, 0, 0)
    if kind not in kind_changes(old):
        raise ValidationError(
            {"kind": f"{_a(old).capitalize()} cannot become {_a(kind)}: {_possible(old)}."}
        )
    _rules_allow(question, kind)
    with transaction.atomic():
        # Race: two changes of the same form at once would convert answers twice. A submit in
        # flight may still store an answer in the old shape; every reader of answers takes both.
        Form.objects.select_for_update().filter(pk=question.form_id).first()
        leads = list(
            Lead.objects.filter(form_id=question.form_id, answers__has_key=question.key)
            .only("pk", "answers")
            .order_by("pk")  # oldest first: a text's first spelling names its choice
        )
        answers = [lead.answers[question.key] for lead in leads]
        choices, convert = _plan(question, kind, answers)
        changed = []
        for lead in leads:
            value = convert(lead.answers[question.key])
            if value != lead.answers[question.key]:
                lead.answers = {**lead.answers, question.key: value}
                changed.append(lead)
        Lead.objects.bulk_update(changed, ["answers"], batch_size=500)
        made = len(choices) if old not in CHOICE_KINDS and kind in CHOICE_KINDS else 0
        question.kind, question.choices = kind, choices
        if kind != Kind.NUMBER:
            question.min_value = question.max_value = None
        if kind != Kind.SHORT_TEXT:
            question.min_length = question.max_length = None
        if kind in CHOICE_KINDS:
            question.placeholder = ""
        if kind not in CONTACT_KINDS:
            question.contact_role = ""  # a number or a choice is nobody's e-mail or name
        question.save()
    logger.info(
        "Question %s of form %s: kind %s -> %s, %d answers converted (by %s).",
        question.key,
        question.form_id,
        old,
        kind,
        len(changed),
        getattr(actor, "username", None) or "a command",
    )
    return KindChange(old, len(changed), made)


# --- what each change does to the answers --------------------------------------------------


def _plan(question: Question, kind: str, answers: list) -> tuple[list[dict], Callable]:
    """The new choices and the conversion of one stored answer; raises when answers refuse."""
    old = question.kind
    if old in CHOICE_KINDS:
        return question.choices, _choice_converter(question, kind, answers)
    if kind in CHOICE_KINDS:
        return _choices_from_text(question, kind, answers)
    if kind == Kind.NUMBER:
        return [], _numbers_from_text(question, answers)
    return [], _text_of_number


def _choice_converter(question: Question, kind: str, answers: list) -> Callable:
    if kind == Kind.MULTIPLE_CHOICE:
        return lambda value: [value] if isinstance(value, str) and value else value
    if question.kind != Kind.MULTIPLE_CHOICE:
        return lambda value: value
    several = [a for a in answers if isinstance(a, list) and len(a) > 1]
    if several:
        examples = "; ".join(
            " + ".join(question.choice_label(v) for v in a) for a in several[:EXAMPLES]
        )
        raise ValidationError(
            {
                "kind": f"{_count(len(several), 'answer')} picked several choices ({examples}"
                f"{'…' if len(several) > EXAMPLES else ''}); {_a(kind)} holds one."
            }
        )
    return lambda value: (value[0] if value else None) if isinstance(value, list) else value


def _choices_from_text(question: Question, kind: str, answers: list) -> tuple[list[dict], Callable]:
    labels: dict[str, str] = {}  # folded text -> the first spelling met
    for answer in answers:
        text = str(answer).strip() if answer is not None else ""
        if text:
            labels.setdefault(text.casefold(), text)
    if len(labels) > MAX_CHOICES:
        raise ValidationError(
            {
                "kind": f"The answers hold {len(labels)} different texts; {_a(kind)} takes at"
                f" most {MAX_CHOICES} choices. Keep it as short text."
            }
        )
    if not labels:
        choices = normalized_choices(["Option 1", "Option 2"])
        return choices, lambda value: value
    choices = normalized_choices(list(labels.values()))
    value_of = {c["label"].casefold(): c["value"] for c in choices}

    def convert(answer: Any) -> Any:
        text = str(answer).strip() if answer is not None else ""
        if not text:
            return [] if kind == Kind.MULTIPLE_CHOICE else None
        value = value_of[text.casefold()]
        return [value] if kind == Kind.MULTIPLE_CHOICE else value

    return choices, convert


def _numbers_from_text(question: Question, answers: list) -> Callable:
    refused = [
        a for a in answers if a is not None and str(a).strip() and number(str(a).strip()) is None
    ]
    if refused:
        quoted = ", ".join(f"“{str(a).strip()}”" for a in refused[:EXAMPLES])
        verb = "is not a number" if len(refused) == 1 else "are not numbers"
        raise ValidationError(
            {
                "kind": f"{_count(len(refused), 'answer')} {verb}: {quoted}"
                f"{', …' if len(refused) > EXAMPLES else ''}. Correct or remove them first."
            }
        )

    def convert(answer: Any) -> Any:
        if answer is None or not str(answer).strip():
            return None
        value = number(str(answer).strip())
        return int(value) if value == value.to_integral_value() else float(value)

    return convert


def _text_of_number(answer: Any) -> Any:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        return answer
    return str(int(answer)) if float(answer).is_integer() else str(answer)


# --- rules that use the question -----------------------------------------------------------


def _rules_allow(question: Question, kind: str) -> None:
    """Refuse a change that leaves a show-when condition, a points or a routing rule invalid."""
    broken: list[str] = []
    if kind not in CHOICE_KINDS:
        broken += [
            f"the condition of “{q.label}”"
            for q in Question.objects.filter(form_id=question.form_id, archived=False)
            if q.condition and q.condition.get("question") == question.key
        ]
    if question.kind not in CHOICE_KINDS and kind in CHOICE_KINDS:
        broken += [
            f"the points rule “{rule['label']}”"
            for rule in points_rules_labelled(question.form)
            if rule["source"] == PointsRule.Source.ANSWER and rule["key"] == question.key
        ]
        broken += [
            f"the routing rule “{rule.name}”"
            for rule in RoutingRule.objects.filter(form_id=question.form_id)
            if any(
                c.get("source") == "answer" and c.get("key") == question.key
                for c in rule.conditions or []
            )
        ]
    if broken:
        raise ValidationError(
            {
                "kind": f"“{question.label}” is used by {_joined(broken)}, which would not hold"
                f" for {_a(kind)}; change or remove {'it' if len(broken) == 1 else 'them'}"
                " first."
            }
        )


# --- words ---------------------------------------------------------------------------------


def _kind_name(kind: str) -> str:
    return Kind(kind).label.lower()


def _a(kind: str) -> str:
    name = _kind_name(kind)
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name} question"


def _possible(kind: str) -> str:
    targets = kind_changes(kind)
    if not targets:
        return "its answers could not be converted"
    return "it can become " + " or ".join(_kind_name(k) for k in targets)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
