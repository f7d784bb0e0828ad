"""Builds the Django Form class for a form's questions: one create_<kind>_field per question kind.

Classes are cached per form revision; any change to the questions bumps the revision, so a
stale class is never served and an unchanged form costs no query for its questions.
"""

from collections import OrderedDict
from typing import Any

from django import forms as django_forms
from django.core.validators import RegexValidator

from forms_app.models import Form, Question
from scoring.conditions import condition_holds, show_when_condition

_CACHE_SIZE = 256
_class_cache: OrderedDict[tuple, type[django_forms.Form]] = OrderedDict()

PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 ()\-.]{4,24}$",
    "Enter a phone number: digits, spaces and + ( ) - only.",
)
DEFAULT_SHORT_TEXT_MAX = 255
DEFAULT_LONG_TEXT_MAX = 5000


class AnswerForm(django_forms.Form):
    """Base of every generated form: knows its questions and returns JSON-ready answers."""

    questions: list[Question] = []

    def hidden_by_condition(self) -> set[str]:
        """Keys of the questions whose condition the submitted answers do not meet.

        Evaluated in question order, so a question that depends on a hidden one is hidden too.
        """
        hidden: set[str] = set()
        for question in self.questions:
            condition = question.condition
            if not condition:
                continue
            source = condition.get("question")
            if source in hidden or source not in self.fields:
                hidden.add(question.key)
                continue
            submitted = {"answers": {source: self._submitted(source)}}
            if not condition_holds(show_when_condition(condition), submitted):
                hidden.add(question.key)
        return hidden

    def _submitted(self, key: str) -> list[str]:
        """The raw submitted values of a field: the condition is judged before cleaning."""
        given = self.data.getlist(key) if hasattr(self.data, "getlist") else []
        if not given and self.data.get(key) not in (None, ""):
            given = [str(v) for v in _as_list(self.data.get(key))]
        return given

    def full_clean(self) -> None:
        # A question hidden by its condition is never required, and its stale answer is dropped.
        hidden = self.hidden_by_condition() if self.is_bound else set()
        for key in hidden & set(self.fields):  # a multi-step form judges only some fields
            self.fields[key].required = False
        super().full_clean()
        for key in hidden:
            if self._errors is not None:
                self._errors.pop(key, None)
            if hasattr(self, "cleaned_data"):
                self.cleaned_data.pop(key, None)

    def answers(self) -> dict[str, Any]:
        """Cleaned answers keyed by question key; unanswered questions are left out."""
        result: dict[str, Any] = {}
        for question in self.questions:
            value = self.cleaned_data.get(question.key)
            if value in (None, "", []) or (question.kind == Question.Kind.CONSENT and not value):
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            result[question.key] = value
        return result


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class FormBuilder:
    def __init__(self, questions: list[Question]):
        self.questions = questions

    def fields(self) -> dict[str, django_forms.Field]:
        fields = {}
        for question in self.questions:
            field = getattr(self, f"create_{question.kind}_field")(question)
            # Templates read field.condition ({"question": key, "values": [...]} or None) to show
            # and hide the question on the client; AnswerForm enforces it on the server.
            field.condition = question.condition or None
            fields[question.key] = field
        return fields

    def _options(self, question: Question) -> dict[str, Any]:
        return {
            "label": question.label,
            "help_text": question.help_text,
            "required": question.required,
        }

    def _text_options(self, question: Question, default_max: int) -> dict[str, Any]:
        return {
            **self._options(question),
            "max_length": question.max_length or default_max,
            "min_length": question.min_length,
        }

    def create_short_text_field(self, question: Question) -> django_forms.Field:
        return django_forms.CharField(**self._text_options(question, DEFAULT_SHORT_TEXT_MAX))

    def create_long_text_field(self, question: Question) -> django_forms.Field:
        return django_forms.CharField(
            widget=django_forms.Textarea(attrs={"rows": 4}),
            **self._text_options(question, DEFAULT_LONG_TEXT_MAX),
        )

    def create_email_field(self, question: Question) -> django_forms.Field:
        return django_forms.EmailField(max_length=254, **self._options(question))

    def create_phone_field(self, question: Question) -> django_forms.Field:
        return django_forms.CharField(
            max_length=30,
            validators=[PHONE_VALIDATOR],
            widget=django_forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            **self._options(question),
        )

    def create_number_field(self, question: Question) -> django_forms.Field:
        return django_forms.FloatField(
            min_value=question.min_value,
            max_value=question.max_value,
            widget=django_forms.NumberInput(attrs={"step": "any"}),
            **self._options(question),
        )

    def _choices(self, question: Question) -> list[tuple[str, str]]:
        return [(c["value"], c["label"]) for c in question.choices]

    def create_single_choice_field(self, question: Question) -> django_forms.Field:
        return django_forms.ChoiceField(
            choices=self._choices(question),
            widget=django_forms.RadioSelect,
            **self._options(question),
        )

    def create_dropdown_field(self, question: Question) -> django_forms.Field:
        return django_forms.ChoiceField(
            choices=[("", "Choose…"), *self._choices(question)], **self._options(question)
        )

    def create_multiple_choice_field(self, question: Question) -> django_forms.Field:
        return django_forms.MultipleChoiceField(
            choices=self._choices(question),
            widget=django_forms.CheckboxSelectMultiple,
            **self._options(question),
        )

    def create_consent_field(self, question: Question) -> django_forms.Field:
        return django_forms.BooleanField(**self._options(question))

    def create_hidden_field(self, question: Question) -> django_forms.Field:
        # Hidden fields carry URL parameters; the prospect cannot fill them, so never required.
        return django_forms.CharField(
            max_length=500, required=False, widget=django_forms.HiddenInput
        )


def form_class_for(form: Form) -> type[AnswerForm]:
    """The (cached) Django Form class for the form's current questions."""
    # created_at guards against a reused primary key (SQLite reuses ids after a delete).
    cache_key = (form.pk, form.revision, form.created_at)
    cached = _class_cache.get(cache_key)
    if cached is not None:
        _class_cache.move_to_end(cache_key)
        return cached
    questions = list(form.questions.filter(archived=False).order_by("position", "id"))
    attrs: dict[str, Any] = {"questions": questions, **FormBuilder(questions).fields()}
    form_class = type(f"Form{form.pk}Rev{form.revision}", (AnswerForm,), attrs)
    _class_cache[cache_key] = form_class
    if len(_class_cache) > _CACHE_SIZE:
        _class_cache.popitem(last=False)
    return form_class
