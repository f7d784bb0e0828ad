"""Conditions built by picking, for routing rules and points rules.

A marketer picks the subject (a question or a capture signal), then an operator that fits it
(scoring.conditions says which), then the subject's choices (labels shown, values stored), a
number, or typed text. The server checks the result against the question on every save, so a
value that is not one of its choices is refused with its message, whatever sent it.

The picker is one Django form, rendered by ``forms_app/workspace/_condition_picker.html``.
Changing the subject or the operator re-renders it in place through htmx (the
``condition_picker`` view); without JavaScript the page's "Show the choices" button posts the
page back with the picker updated and nothing saved.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms

from forms_app.models import Question
from forms_app.models.text import ControlCharactersRefused
from forms_app.scoring_adapter import question_input
from scoring.conditions import (
    EMAIL_DOMAIN_KINDS,
    OPERATOR_WORDS,
    OPERATORS,
    PICK_CHOICES,
    PICK_EMAIL_KIND,
    PICK_NOTHING,
    PICK_NUMBER,
    PICK_ONE,
    SUBJECT_NUMBER,
    InvalidCondition,
    Operator,
    condition_check,
    condition_fit,
    number_from_text,
    operators_for,
    subject_choices,
    subject_kind,
    value_from_text,
    value_kind_words,
)
from scoring.features import CAPTURE_SIGNAL_LABELS, QuestionInput

# The capture signals a condition can read, named as everywhere (scoring.features).
CAPTURE_RULE_SIGNALS = tuple(
    (key, CAPTURE_SIGNAL_LABELS[key])
    for key in (
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "referrer",
        "device",
        "seconds_to_complete",
        "page_views",
        "sessions",
        "days_since_first_visit",
        "key_pages",
    )
)
EMAIL_KIND_CHOICES = tuple(
    (kind, value_kind_words(kind).capitalize()) for kind in EMAIL_DOMAIN_KINDS
)


@dataclass(frozen=True)
class Subject:
    """What a condition can read: one question of the form, or one capture signal."""

    source: str
    key: str
    label: str
    question: QuestionInput | None = None

    @property
    def field(self) -> str:
        return f"{self.source}:{self.key}"

    @property
    def kind(self) -> str:
        return subject_kind(self.source, self.key, self.question)

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return subject_choices(self.source, self.question)


def condition_subjects(questions: Iterable[Question]) -> dict[str, Subject]:
    """The subjects a condition of this form can read, by field ("answer:budget")."""
    subjects = [
        # A removed question stays pickable for the rules that already read it.
        Subject(
            "answer", q.key, f"{q.label} (removed)" if q.archived else q.label, question_input(q)
        )
        for q in questions
    ]
    subjects += [Subject("capture", key, label) for key, label in CAPTURE_RULE_SIGNALS]
    return {subject.field: subject for subject in subjects}


def condition_question(questions: Iterable[Question], condition: dict) -> QuestionInput | None:
    """The question an answer condition reads, as the condition language takes it."""
    if condition.get("source") != "answer":
        return None
    found = next((q for q in questions if q.key == condition.get("key")), None)
    return question_input(found) if found else None


class AnyChoicesField(forms.MultipleChoiceField):
    """The picked choices, checked against the question by ``condition_fit``: its refusal names
    the value and lists the question's choices by label, which a choice field's would not."""

    def valid_value(self, value: str) -> bool:
        return True


class AnyChoiceField(forms.ChoiceField):
    def valid_value(self, value: str) -> bool:
        return True


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class ConditionPickerForm(ControlCharactersRefused, forms.Form):
    field = forms.ChoiceField(label="When")
    operator = AnyChoiceField(label="Condition", required=False)
    value = forms.CharField(max_length=500, required=False, label="Value")

    def __init__(
        self,
        *args,
        subjects: dict[str, Subject],
        operators: Iterable[str] = OPERATORS,
        optional: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.subjects, self.offered, self.optional = subjects, tuple(operators), optional
        answers = [(s.field, s.label) for s in subjects.values() if s.source == "answer"]
        signals = [(s.field, s.label) for s in subjects.values() if s.source == "capture"]
        blank = [("", "— no condition —")] if optional else [("", "Pick a question or signal…")]
        self.fields["field"].choices = [*blank, ("Answers", answers), ("Visitor signals", signals)]
        self.fields["field"].required = False
        self.subject = subjects.get(self._picked("field") or "")
        fitting = operators_for(self.subject.kind, self.offered) if self.subject else []
        self.fields["operator"].choices = [(op.name, OPERATOR_WORDS[op.name]) for op in fitting]
        picked = self._picked("operator")
        self.operator = next((op for op in fitting if op.name == picked), None) or (
            fitting[0] if fitting else None
        )
        self.picks = self.operator.picks if self.operator else PICK_NOTHING
        self._value_widgets()

    def _picked(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    def _value_widgets(self) -> None:
        """The value part for the picked subject and operator: its choices, or an input."""
        choices = self.subject.choices if self.subject else ()
        if self.picks == PICK_EMAIL_KIND:
            choices = EMAIL_KIND_CHOICES
        value = self.fields["value"]
        if choices and self.picks in (PICK_CHOICES, PICK_ONE, PICK_EMAIL_KIND):
            many = self.picks == PICK_CHOICES
            field_class = AnyChoicesField if many else AnyChoiceField
            widget = forms.CheckboxSelectMultiple if many else forms.RadioSelect
            label = f"{self.subject.label}: pick {'any of ' if many else ''}its choices"
            if self.picks == PICK_EMAIL_KIND:
                label = "E-mail domain"
            self.fields["choices"] = field_class(
                choices=choices, required=False, widget=widget, label=label
            )
            self.value_field = "choices"
            picked = self.initial.get("choices")
            if not many and isinstance(picked, list):
                picked = picked[0] if picked else None
            self.initial["choices"] = _as_values(picked, choices)
        elif self.picks == PICK_NUMBER or (
            self.picks == PICK_ONE and self.subject.kind == SUBJECT_NUMBER
        ):
            value.widget = forms.NumberInput(attrs={"step": "any"})
            value.label, self.value_field = "Number", "value"
        elif self.picks == PICK_CHOICES:
            value.widget = forms.Textarea(attrs={"rows": 3})
            value.label, self.value_field = "Values", "value"
            value.help_text = "One per line; a lead matches if it has any of them."
        elif self.picks == PICK_ONE:
            value.label, self.value_field = "Value", "value"
        else:
            value.widget, self.value_field = forms.HiddenInput(), None

    def clean(self) -> dict:
        data = super().clean()
        if self.subject is None:
            if data.get("field") or not self.optional:
                self.add_error("field", "Pick the question or signal this condition reads.")
            data["condition"] = None
            return data
        name = data.get("operator")
        operator = OPERATORS.get(name) if name in self.offered else None
        if operator is None:
            self.add_error("operator", f"Pick how “{self.subject.label}” is compared.")
            return data
        try:
            condition = condition_fit(
                condition_check(self._condition(data, operator), operators=self.offered),
                self.subject.question,
            )
        except InvalidCondition as exc:
            self.add_error(self.value_field or "operator", _capitalised(str(exc)))
            return data
        data.update(condition, condition=condition)
        return data

    def _condition(self, data: dict, operator: Operator) -> dict:
        subject = self.subject
        picked = data.get("choices") if self.value_field == "choices" else None
        if picked:
            many = operator.picks == PICK_CHOICES
            value = list(_items(picked)) if many else _items(picked)[0]
        elif operator.picks == PICK_ONE and subject.kind == SUBJECT_NUMBER:
            value = number_from_text(data.get("value") or "")  # "is 250" on a number
        else:
            # Typed, or hand-posted instead of picked: checked like a picked value.
            value = value_from_text(operator.name, data.get("value") or "")
        if operator.picks == PICK_CHOICES and not value:
            what = "choice" if subject.choices else "value"
            raise InvalidCondition(f"pick at least one {what} of “{subject.label}”")
        if operator.picks == PICK_ONE and value is None:
            raise InvalidCondition(f"give the value “{subject.label}” is compared with")
        condition = {"source": subject.source, "key": subject.key, "operator": operator.name}
        return condition if value is None else {**condition, "value": value}


def _as_values(picked: Any, choices: tuple[tuple[str, str], ...]) -> Any:
    """Stored choices as the picker ticks them: a rule that stored a label (before picking, it
    never matched) opens with that choice ticked, so saving it once stores the value."""
    values = {value for value, _ in choices}
    by_label = {str(label).strip().casefold(): value for value, label in choices}

    def value_of(item: Any) -> Any:
        return item if item in values else by_label.get(str(item).strip().casefold(), item)

    if isinstance(picked, list):
        return [value_of(item) for item in picked]
    return None if picked is None else value_of(picked)


def _items(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def picker_initial(condition: dict) -> dict:
    """A stored condition as the picker shows it: its subject, operator and picked values."""
    value = condition.get("value")
    initial = {"field": f"{condition['source']}:{condition.get('key', '')}"}
    initial["operator"] = condition.get("operator")
    if isinstance(value, (list, tuple)):
        initial["choices"] = [str(v) for v in value]
        initial["value"] = "\n".join(str(v) for v in value)
    elif value is not None and not isinstance(value, bool):
        initial["choices"] = str(value)
        initial["value"] = str(value)
    operator = OPERATORS.get(condition.get("operator"))
    if isinstance(value, str) and operator is not None and operator.picks == PICK_CHOICES:
        # Saved before picking: comma-separated, as the language still reads it.
        items = [item.strip() for item in value.split(",") if item.strip()]
        initial["choices"], initial["value"] = items, "\n".join(items)
    return initial


def picked_initial(data, prefix: str | None = None) -> dict:
    """What a picker was sent with (a POST, or htmx's GET), as the initial values of the same
    picker drawn again: nothing is checked, so no errors show while the person is picking."""

    def name(field: str) -> str:
        return f"{prefix}-{field}" if prefix else field

    initial = {field: data.get(name(field)) for field in ("field", "operator", "value", "points")}
    return {**initial, "choices": data.getlist(name("choices"))}
