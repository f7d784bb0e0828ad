"""Builds the Django Form class for a form's questions: one create_<kind>_field per question kind.

Classes are cached per form revision; any change to the questions bumps the revision, so a
stale class is never served and an unchanged form costs no query for its questions.

The form page posts strings; the JSON APIs post any JSON value. Each field takes only its own
type (text is a string, a consent true or false, a multiple choice a list of strings) and says
which type it got instead, never turning a list into "['a', 'b']" with str().
"""

import math
from collections import OrderedDict
from typing import Any

from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator, RegexValidator

from forms_app.models import Form, Question
from forms_app.models.text import control_characters_refused, control_characters_stripped
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


# Answers are stored as JSON and read as floats by the model: beyond this a float loses whole
# units and 400-digit integers do not convert at all.
ANSWER_NUMBER_LIMIT = 10**15
_NUMBER_OUT_OF_BOUNDS = (
    f"Enter a number between {-ANSWER_NUMBER_LIMIT:,} and {ANSWER_NUMBER_LIMIT:,}."
)


def _json_kind(value: Any) -> str | None:
    """What a JSON value is, in words, when it is not one text: None for a string or nothing."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (int, float)):
        return "a number"
    return None


def _one_text_checked(value: Any, expected: str) -> None:
    kind = _json_kind(value)
    if kind is not None:
        raise ValidationError(f"Must be {expected}, not {kind}.", code="type")


class TextAnswerField(django_forms.CharField):
    """Text: a string (or nothing), without control characters."""

    default_validators = [control_characters_refused]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # NUL is a control character: one message for it, ours.
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def to_python(self, value: Any) -> Any:
        _one_text_checked(value, "text")
        return super().to_python(value)


class EmailAnswerField(TextAnswerField, django_forms.EmailField):
    default_validators = [*django_forms.EmailField.default_validators, control_characters_refused]


class ChoiceAnswerField(django_forms.ChoiceField):
    def to_python(self, value: Any) -> Any:
        _one_text_checked(value, "one of the choices' values")
        return super().to_python(value)


class MultipleChoiceAnswerField(django_forms.MultipleChoiceField):
    def to_python(self, value: Any) -> list[str]:
        if value in self.empty_values:
            return []
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValidationError("Must be a list of the choices' values.", code="type")
        return list(value)


class HiddenAnswerField(TextAnswerField):
    """A URL parameter the prospect never sees: control characters are dropped, not refused."""

    default_validators = []

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return control_characters_stripped(text) if isinstance(text, str) else text


class NumberAnswerField(django_forms.FloatField):
    """A finite number within the question's range and ±ANSWER_NUMBER_LIMIT."""

    def to_python(self, value: Any) -> float | None:
        kind = _json_kind(value)
        if kind is not None and kind != "a number":
            raise ValidationError(f"Must be a number, not {kind}.", code="type")
        try:
            return super().to_python(value)
        except OverflowError:  # an integer too large for a float
            raise ValidationError(_NUMBER_OUT_OF_BOUNDS, code="max_value") from None

    def validate(self, value: float | None) -> None:
        if value is not None and not (math.isfinite(value) and abs(value) <= ANSWER_NUMBER_LIMIT):
            raise ValidationError(_NUMBER_OUT_OF_BOUNDS, code="max_value")
        super().validate(value)


class ConsentInput(django_forms.CheckboxInput):
    """The posted value as it came (CheckboxInput would make a list True): the field judges it."""

    def value_from_datadict(self, data, files, name) -> Any:
        return data.get(name)


class ConsentAnswerField(django_forms.BooleanField):
    """true or false, or what a checkbox posts: "on" when ticked, nothing when not."""

    widget = ConsentInput
    YES = frozenset({"on", "true", "1", "yes"})
    NO = frozenset({"", "off", "false", "0", "no"})

    def to_python(self, value: Any) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in self.YES | self.NO:
            return value.strip().lower() in self.YES
        kind = _json_kind(value)
        message = f"Must be true or false, not {kind}." if kind else "Must be true or false."
        raise ValidationError(message, code="type")


class DropdownSelect(django_forms.Select):
    """A select without the `required` attribute: with its empty "Choose…" option first, the
    browser counts it invalid before anyone touched it and tells screen readers so on load. The
    field still says it is required (aria-required, from the template), and the server judges."""

    def use_required_attribute(self, initial: Any) -> bool:
        return False


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
        return TextAnswerField(**self._text_options(question, DEFAULT_SHORT_TEXT_MAX))

    def create_long_text_field(self, question: Question) -> django_forms.Field:
        return TextAnswerField(
            widget=django_forms.Textarea(attrs={"rows": 4}),
            **self._text_options(question, DEFAULT_LONG_TEXT_MAX),
        )

    def create_email_field(self, question: Question) -> django_forms.Field:
        return EmailAnswerField(max_length=254, **self._options(question))

    def create_phone_field(self, question: Question) -> django_forms.Field:
        return TextAnswerField(
            max_length=30,
            validators=[PHONE_VALIDATOR],
            widget=django_forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            **self._options(question),
        )

    def create_number_field(self, question: Question) -> django_forms.Field:
        return NumberAnswerField(
            min_value=question.min_value,
            max_value=question.max_value,
            widget=django_forms.NumberInput(attrs={"step": "any"}),
            **self._options(question),
        )

    def _choices(self, question: Question) -> list[tuple[str, str]]:
        return [(c["value"], c["label"]) for c in question.choices]

    def create_single_choice_field(self, question: Question) -> django_forms.Field:
        return ChoiceAnswerField(
            choices=self._choices(question),
            widget=django_forms.RadioSelect,
            **self._options(question),
        )

    def create_dropdown_field(self, question: Question) -> django_forms.Field:
        return ChoiceAnswerField(
            choices=[("", "Choose…"), *self._choices(question)],
            widget=DropdownSelect,
            **self._options(question),
        )

    def create_multiple_choice_field(self, question: Question) -> django_forms.Field:
        return MultipleChoiceAnswerField(
            choices=self._choices(question),
            widget=django_forms.CheckboxSelectMultiple,
            **self._options(question),
        )

    def create_consent_field(self, question: Question) -> django_forms.Field:
        return ConsentAnswerField(**self._options(question))

    def create_hidden_field(self, question: Question) -> django_forms.Field:
        # Hidden fields carry URL parameters; the prospect cannot fill them, so never required.
        return HiddenAnswerField(max_length=500, required=False, widget=django_forms.HiddenInput)


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
