"""The one condition language: routing rules, points rules and show-when conditions.

Pure: the standard library and ``scoring.features`` (the e-mail domain kind and the capture
signals' names in words). ``forms_app`` imports it as it imports every pure module of scoring:
routing (``forms_app.sales.routing``), points (``scoring.points``) and show-when
(``forms_app.capture.answer_form``) all evaluate through ``condition_holds``, and every sentence
that explains a condition (the builder, the points rules, routing, the factors stored on a lead)
comes from ``describe``; why one does not hold for a lead, from ``describe_miss``. The
workspace builds conditions by picking (``forms_app/workspace/condition_picker.py``): each operator
says which subjects it fits and how its value is picked (``operators_for``), and ``condition_fit``
checks a condition against its question on every save; ``condition_problem`` finds stored ones
that can never match.

A condition is a dict::

    {"source": "answer" | "capture" | "tier" | "score", "key": str, "operator": str, "value": ...}

read against a lead, a dict ``{"answers": {...}, "capture": {...}, "tier": str, "score": number}``
of which any part may be missing. ``key`` names the answer or the capture signal; ``tier`` and
``score`` need none. Each caller offers some of it: points rules read answers and capture signals,
routing rules read all four sources with equals/in/gte/lte, and a question's show-when condition
(stored as ``{"question": key, "values": [...]}``, see ``show_when_condition``) is an answer "in".

A field is *set* unless it is missing, ``None``, blank text or an empty list (``False``, a refused
consent, is set). Every operator but ``is_set`` and ``email_domain_kind`` is false on a field that
is not set. For a list (a multiple choice, the key pages visited), "the value" means any of its
items.

- ``equals`` / ``not_equals``: a number in the rule is compared numerically (the lead's value read
  as a number, e.g. "250" equals 250); anything else as text, case-insensitively and stripped, so
  an answer 250 equals "250" and a consent ``True`` equals "true". ``not_equals`` needs the field
  set and not equal.
- ``in``: equals one of the rule's values, a list. Rules stored before conditions were built by
  picking may hold comma-separated text ("google, linkedin"), still read as such; nothing new
  is split at commas, so a choice labelled "201–1,000" is one value.
- ``gte`` / ``lte``: numeric comparison, exact (``Decimal``); the lead's value and the rule's may be
  numbers or text that reads as one ("50", " 7 ", "1e3"; not "1,000", not "nan" or "inf").
  Anything else never holds.
- ``contains``: for a list, one item equals the value; for text, it contains it, case-insensitively.
- ``is_set``: the field is set; ``value`` may be omitted or ``true``, and ``false`` inverts it.
- ``email_domain_kind``: the e-mail address in the field is of kind ``value``: business, free or
  none (absent or not an address).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import ge, le
from typing import Any

from scoring.features import (
    CAPTURE_SIGNAL_LABELS,
    EMAIL_DOMAIN_KINDS,
    QuestionInput,
    capture_signal_label,
)
from scoring.features import email_domain_kind as _email_domain_kind

SOURCES = ("answer", "capture", "tier", "score")
KEYED_SOURCES = ("answer", "capture")
TIER_LABELS = {
    "sales_ready": "Sales-ready",
    "marketing_qualified": "Marketing-qualified",
    "nurture": "Nurture",
}
EMAIL_KIND_WORDS = {
    "business": "is a business address",
    "free": "is a free mailbox address",
    "none": "is not a valid address",
}


class InvalidCondition(ValueError):
    """A condition is malformed; the message names the field and the problem."""


# --- reading values ------------------------------------------------------------------------


def is_set(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def number(value: Any) -> Decimal | None:
    """A finite number from a number or from text that reads as one; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        return None
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _text(value: Any) -> str:
    return str(value).strip().lower()


def _items(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _options(expected: Any) -> list:
    """The values of an "in": a list, or comma-separated text."""
    if isinstance(expected, (list, tuple)):
        return list(expected)
    return [item.strip() for item in str(expected).split(",") if item.strip()]


def _same(actual: Any, expected: Any) -> bool:
    if _is_number(expected):
        left = number(actual)
        return left is not None and left == number(expected)
    return _text(actual) == _text(expected)


def _equals(actual: Any, expected: Any) -> bool:
    return any(_same(item, expected) for item in _items(actual))


# --- the operators -------------------------------------------------------------------------


def _check_single(name: str, value: Any) -> None:
    if value is None or isinstance(value, (list, tuple, dict)):
        raise InvalidCondition(f"operator {name!r} needs a single value; got {value!r}")


def _check_list(name: str, value: Any) -> None:
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidCondition(f"operator {name!r} needs a non-empty list as value")


def _check_number(name: str, value: Any) -> None:
    if not _is_number(value) or number(value) is None:
        raise InvalidCondition(f"operator {name!r} needs a number as value; got {value!r}")


def _check_flag(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidCondition(f"operator {name!r} takes true, false or no value; got {value!r}")


def _check_email_kind(name: str, value: Any) -> None:
    if value not in EMAIL_DOMAIN_KINDS:
        raise InvalidCondition(
            f"operator {name!r} needs one of {', '.join(EMAIL_DOMAIN_KINDS)} as value;"
            f" got {value!r}"
        )


def _compare(actual: Any, expected: Any, holds: Callable[[Decimal, Decimal], bool]) -> bool:
    left, right = number(actual), number(expected)
    return left is not None and right is not None and holds(left, right)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, (list, tuple)):
        return _equals(actual, expected)
    return _text(expected) in str(actual).lower()


def _text_value(raw: str) -> Any:
    return raw or None


def _number_value(raw: str) -> int | float:
    value = number(raw)
    if value is None:
        raise InvalidCondition(f"This condition needs a number; got “{raw}”.")
    return int(value) if value == value.to_integral_value() else float(value)


def _lines_value(raw: str) -> list[str]:
    # One value per line, never split at commas: a choice label such as "201–1,000" is one value.
    return [line.strip() for line in raw.splitlines() if line.strip()]


def number_from_text(raw: str) -> int | float:
    """A number as a person types it ("250", " 2.5 "); raises InvalidCondition if it is none."""
    return _number_value(raw.strip())


def _flag_value(raw: str) -> bool | None:
    return None if raw.lower() in ("", "true", "yes") else False


def _email_kind_value(raw: str) -> str:
    if raw not in EMAIL_DOMAIN_KINDS:
        raise InvalidCondition(f"Write one of: {', '.join(EMAIL_DOMAIN_KINDS)}.")
    return raw


# What a condition reads, as far as picking an operator goes: which operators make sense on it.
SUBJECT_CHOICE = "choice"  # a choice question, or the tier: its values are the choices
SUBJECT_NUMBER = "number"  # a number question, a numeric capture signal, the score
SUBJECT_TEXT = "text"  # free text, a hidden field, a text capture signal (UTM source…)
SUBJECT_EMAIL = "email"
SUBJECT_FLAG = "flag"  # a consent checkbox
SUBJECT_LIST = "list"  # the key pages visited
SUBJECT_WORDS = {
    SUBJECT_CHOICE: "a choice question",
    SUBJECT_NUMBER: "a number",
    SUBJECT_TEXT: "text",
    SUBJECT_EMAIL: "an e-mail address",
    SUBJECT_FLAG: "a checkbox",
    SUBJECT_LIST: "a list of pages",
}
NUMERIC_CAPTURE_SIGNALS = (
    "seconds_to_complete",
    "page_views",
    "sessions",
    "days_since_first_visit",
)
LIST_CAPTURE_SIGNALS = ("key_pages",)
_CHOICE_QUESTION_KINDS = ("single_choice", "dropdown", "multiple_choice")
_QUESTION_SUBJECTS = {"number": SUBJECT_NUMBER, "email": SUBJECT_EMAIL, "consent": SUBJECT_FLAG}

# How a person picks an operator's value.
PICK_CHOICES = "choices"  # several: the subject's choices, or typed values one per line
PICK_ONE = "one"  # one: a choice, or typed text
PICK_NUMBER = "number"
PICK_NOTHING = "nothing"  # "is answered"
PICK_EMAIL_KIND = "email_kind"  # business, free or none

_ALL_SUBJECTS = tuple(SUBJECT_WORDS)
_SINGLE_SUBJECTS = (SUBJECT_CHOICE, SUBJECT_NUMBER, SUBJECT_TEXT, SUBJECT_EMAIL)


@dataclass(frozen=True)
class Operator:
    """One operator of the language: when it holds, what value it takes, how it reads."""

    name: str
    holds: Callable[[Any, Any], bool]  # (the lead's value, the condition's value)
    check_value: Callable[[str, Any], None]  # raises InvalidCondition
    from_text: Callable[[str], Any]  # the value as a person types it; raises InvalidCondition
    words: str  # between the subject and the value in a sentence: "is at least"
    reads_unset: bool = False  # judges a field that is not set itself (others never hold)
    on_choices: bool = False  # its values are a choice question's values
    question_kinds: tuple[str, ...] = ()  # the answers it applies to (empty: any)
    picks: str = ""  # how a person picks its value: one of the PICK_* below
    subjects: tuple[str, ...] = ()  # the kinds of subject it applies to (SUBJECT_* below)


OPERATORS: dict[str, Operator] = {
    operator.name: operator
    for operator in (
        Operator(
            "equals",
            _equals,
            _check_single,
            _text_value,
            "is",
            on_choices=True,
            picks=PICK_ONE,
            subjects=_SINGLE_SUBJECTS,
        ),
        Operator(
            "not_equals",
            lambda actual, expected: not _equals(actual, expected),
            _check_single,
            _text_value,
            "is not",
            on_choices=True,
            picks=PICK_ONE,
            subjects=_SINGLE_SUBJECTS,
        ),
        Operator(
            "in",
            lambda actual, expected: any(_equals(actual, o) for o in _options(expected)),
            _check_list,
            _lines_value,
            "is",
            on_choices=True,
            picks=PICK_CHOICES,
            subjects=(SUBJECT_CHOICE, SUBJECT_TEXT),
        ),
        Operator(
            "gte",
            lambda a, e: _compare(a, e, ge),
            _check_number,
            _number_value,
            "is at least",
            picks=PICK_NUMBER,
            subjects=(SUBJECT_NUMBER,),
        ),
        Operator(
            "lte",
            lambda a, e: _compare(a, e, le),
            _check_number,
            _number_value,
            "is at most",
            picks=PICK_NUMBER,
            subjects=(SUBJECT_NUMBER,),
        ),
        Operator(
            "contains",
            _contains,
            _check_single,
            _text_value,
            "contains",
            on_choices=True,
            picks=PICK_ONE,
            subjects=(SUBJECT_TEXT, SUBJECT_EMAIL, SUBJECT_LIST),
        ),
        Operator(
            "is_set",
            lambda actual, expected: is_set(actual) is (expected is not False),
            _check_flag,
            _flag_value,
            "is answered",
            reads_unset=True,
            picks=PICK_NOTHING,
            subjects=_ALL_SUBJECTS,
        ),
        Operator(
            "email_domain_kind",
            lambda actual, expected: _email_domain_kind(actual) == expected,
            _check_email_kind,
            _email_kind_value,
            "is",
            reads_unset=True,
            question_kinds=("email",),
            picks=PICK_EMAIL_KIND,
            subjects=(SUBJECT_EMAIL,),
        ),
    )
}


# --- evaluating ----------------------------------------------------------------------------


def field_value(source: Any, key: Any, lead: Mapping[str, Any]) -> Any:
    """The value a condition reads from a lead: an answer, a capture signal, the tier, the score."""
    if source in KEYED_SOURCES:
        return (lead.get("answers" if source == "answer" else "capture") or {}).get(key)
    if source in ("tier", "score"):
        return lead.get(source)
    return None


def condition_holds(condition: dict, lead: Mapping[str, Any]) -> bool:
    """Whether one condition holds for a lead; an unknown source or operator never holds."""
    source, operator = condition.get("source"), OPERATORS.get(condition.get("operator"))
    if source not in SOURCES or operator is None:
        return False
    actual = field_value(source, condition.get("key", ""), lead)
    if not operator.reads_unset and not is_set(actual):
        return False
    return operator.holds(actual, condition.get("value"))


def conditions_hold(conditions: Iterable[dict], lead: Mapping[str, Any]) -> bool:
    """Whether every condition holds (no conditions: every lead)."""
    return all(condition_holds(condition, lead) for condition in conditions)


def show_when_condition(show_when: Mapping[str, Any]) -> dict:
    """A question's stored show-when, ``{"question": key, "values": [...]}``, as a condition."""
    return {
        "source": "answer",
        "key": show_when.get("question"),
        "operator": "in",
        "value": list(show_when.get("values") or []),
    }


# --- checking ------------------------------------------------------------------------------


def condition_shape_check(
    condition: Any, *, sources: Iterable[str] = SOURCES, operators: Iterable[str] = OPERATORS
) -> dict:
    """Return ``condition`` if its source, key and operator are among those offered."""
    if not isinstance(condition, dict):
        raise InvalidCondition(f"a condition must be a dict, not {type(condition).__name__}")
    sources, operators = tuple(sources), tuple(operators)
    if condition.get("source") not in sources:
        raise InvalidCondition(
            f"source must be one of {', '.join(sources)}; got {condition.get('source')!r}"
        )
    key = condition.get("key")
    if condition["source"] in KEYED_SOURCES and (not isinstance(key, str) or not key.strip()):
        raise InvalidCondition("key must be a non-empty string")
    if condition.get("operator") not in operators:
        raise InvalidCondition(
            f"operator must be one of {', '.join(operators)}; got {condition.get('operator')!r}"
        )
    return condition


def condition_check(
    condition: Any, *, sources: Iterable[str] = SOURCES, operators: Iterable[str] = OPERATORS
) -> dict:
    """Return ``condition`` if it is well formed, its value too; raise InvalidCondition if not."""
    condition_shape_check(condition, sources=sources, operators=operators)
    operator = OPERATORS[condition["operator"]]
    operator.check_value(operator.name, condition.get("value"))
    return condition


def value_from_text(operator: str, text: str) -> Any:
    """A condition's value as a person types it: one per line for "in", a number for "gte"…

    Raises InvalidCondition (its message says what to type) when the text cannot be one.
    """
    return OPERATORS[operator].from_text((text or "").strip())


# --- picking: which operators fit a subject, and whether a value is one of its choices ------


def subject_kind(source: Any, key: Any, question: QuestionInput | None = None) -> str:
    """What a condition's subject is (SUBJECT_*), for the operators that fit it."""
    if source == "tier":
        return SUBJECT_CHOICE
    if source == "score":
        return SUBJECT_NUMBER
    if source == "capture":
        if key in NUMERIC_CAPTURE_SIGNALS:
            return SUBJECT_NUMBER
        return SUBJECT_LIST if key in LIST_CAPTURE_SIGNALS else SUBJECT_TEXT
    if question is None:
        return SUBJECT_TEXT
    if question.kind in _CHOICE_QUESTION_KINDS:
        return SUBJECT_CHOICE
    return _QUESTION_SUBJECTS.get(question.kind, SUBJECT_TEXT)


def subject_choices(source: Any, question: QuestionInput | None) -> tuple[tuple[str, str], ...]:
    """(value, label) of what a choice subject can be: the question's choices, or the tiers."""
    if source == "tier":
        return tuple(TIER_LABELS.items())
    return question.choices if question else ()


def operators_for(kind: str, offered: Iterable[str] = OPERATORS) -> list[Operator]:
    """The operators offered that fit a subject of this kind, in the language's order."""
    offered = tuple(offered)
    return [op for op in OPERATORS.values() if op.name in offered and kind in op.subjects]


def _quoted(words: Iterable[str]) -> str:
    return _either([f"“{word}”" for word in words])


def condition_fit(condition: dict, question: QuestionInput | None = None) -> dict:
    """``condition`` with its operator checked against its subject and its values against the
    subject's choices; a choice written by its label becomes its value (labels shown, values
    stored). Raises InvalidCondition naming the subject, the value and what would do instead.

    Check the shape first (``condition_check``); ``question`` is the answer's question (None for
    a capture signal, the tier or the score).
    """
    source, key = condition.get("source"), condition.get("key")
    if source == "answer" and question is None:
        raise InvalidCondition(f"This form has no question “{key}”.")
    if source == "capture" and key not in CAPTURE_SIGNAL_LABELS:
        raise InvalidCondition(f"No visitor signal “{key}” is recorded with a lead.")
    subject = _subject(source, key, question)
    kind = subject_kind(source, key, question)
    operator = OPERATORS[condition["operator"]]
    if kind not in operator.subjects:
        fitting = [OPERATOR_WORDS.get(op.name, op.words) for op in operators_for(kind)]
        raise InvalidCondition(
            f"“{subject}” is {SUBJECT_WORDS[kind]}: “{OPERATOR_WORDS.get(operator.name)}” does"
            f" not apply to it; use {_quoted(fitting)}."
        )
    choices = subject_choices(source, question)
    if kind != SUBJECT_CHOICE or not operator.on_choices or not choices:
        return condition
    by_value = {value: value for value, _ in choices}
    by_label = {str(label).strip().casefold(): value for value, label in choices}
    value = condition.get("value")
    picked = value
    if isinstance(value, str) and operator.picks == PICK_CHOICES:
        # A rule saved before picking: one choice, or comma-separated values as it was read.
        whole = value in by_value or value.strip().casefold() in by_label
        picked = [value] if whole else _options(value)
    values = []
    for item in _items(picked):
        text = str(item)
        found = by_value.get(text) or by_label.get(text.strip().casefold())
        if found is None:
            raise InvalidCondition(
                f"“{subject}” has no choice “{text}”; pick from"
                f" {_quoted(label for _, label in choices)}."
            )
        values.append(found)
    return {**condition, "value": values if isinstance(picked, (list, tuple)) else values[0]}


def condition_problem(condition: Any, question: QuestionInput | None = None) -> str:
    """Why a stored condition is wrong, in words, or "" when it is fine.

    Strict where ``condition_fit`` is lenient: the values are read as the evaluator reads them
    (a rule saved before picking may hold comma-separated text) and must be choice *values*; a
    choice's label in their place never matches, which is how rules used to fail silently.
    """
    try:
        condition_shape_check(condition)
        operator = OPERATORS[condition["operator"]]
        if not (isinstance(condition.get("value"), str) and operator.picks == PICK_CHOICES):
            operator.check_value(operator.name, condition.get("value"))  # else: saved before
        condition_fit(condition, question)
    except InvalidCondition as exc:
        return f"{str(exc)[:1].upper()}{str(exc)[1:]}"
    choices = subject_choices(condition.get("source"), question)
    kind = subject_kind(condition.get("source"), condition.get("key"), question)
    if kind != SUBJECT_CHOICE or not operator.on_choices or not choices:
        return ""
    values = {_text(value) for value, _ in choices}
    labels = {_text(label): label for _, label in choices}
    value = condition.get("value")
    for item in _options(value) if operator.picks == PICK_CHOICES else _items(value):
        if _text(item) in values:
            continue
        subject = _subject(condition.get("source"), condition.get("key"), question)
        if _text(item) in labels:
            return (
                f"“{subject}” is compared with the label “{labels[_text(item)]}”, not its stored"
                " value, so it never matches: open the rule and pick the choice again."
            )
        return f"“{subject}” has no choice “{item}”."
    return ""


# The operators' names where a person picks one: "is one of", not the sentence's "is".
OPERATOR_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "in": "is one of",
    "gte": "is at least",
    "lte": "is at most",
    "contains": "contains",
    "is_set": "is answered",
    "email_domain_kind": "e-mail domain is",
}


# --- describing ----------------------------------------------------------------------------


def _number_words(value: Any) -> str:
    if _is_number(value):
        parsed = number(value)
        if parsed is not None and parsed == parsed.to_integral_value():
            return str(int(parsed))
    return str(value)


def _either(words: list[str]) -> str:
    """Words joined as a person lists alternatives: A; A or B; A, B or C."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _subject(source: Any, key: Any, question: QuestionInput | None) -> str:
    if source == "answer":
        return question.label if question else str(key)
    if source == "capture":
        return capture_signal_label(str(key))
    return {"tier": "Tier", "score": "Score"}.get(source, str(key or source))


def _value_words(condition: dict, question: QuestionInput | None) -> str:
    value = condition.get("value")
    values = _options(value) if condition.get("operator") == "in" else _items(value)
    if condition.get("source") == "tier":
        labels = TIER_LABELS
    else:
        labels = dict(question.choices) if question else {}
    return _either([labels.get(str(v), _number_words(v)) for v in values if v is not None])


def describe(condition: dict, questions: Mapping[str, QuestionInput] | None = None) -> str:
    """A condition as a person says it, in the question's and the choice's own words.

    ``questions`` maps question keys to ``QuestionInput`` (labels and choices); without them an
    answer is named by its key and a choice by its value. "Budget is 10k–50k or Over 50k",
    "Company size is at least 200", "Tier is Sales-ready", "E-mail is a business address".
    """
    source, key = condition.get("source"), condition.get("key", "")
    question = (questions or {}).get(key) if source == "answer" else None
    subject = _subject(source, key, question)
    name, value = condition.get("operator"), condition.get("value")
    operator = OPERATORS.get(name)
    if name == "is_set":
        answered = "answered" if source == "answer" else "set"
        return f"{subject} is {answered if value is not False else 'not ' + answered}"
    if name == "email_domain_kind":
        return f"{subject} {EMAIL_KIND_WORDS.get(value, f'is a {value} address')}"
    words = operator.words if operator else str(name)
    return f"{subject} {words} {_value_words(condition, question)}".rstrip()


def questions_by_key(questions: Iterable[QuestionInput]) -> dict[str, QuestionInput]:
    return {question.key: question for question in questions}


def _actual_words(condition: dict, actual: Any, question: QuestionInput | None) -> str:
    """The lead's value as a person reads it: choice labels, the tier's name, quoted text."""
    if condition.get("source") == "tier":
        labels = TIER_LABELS
    else:
        labels = dict(question.choices) if question else {}
    words = []
    for item in _items(actual):
        if str(item) in labels:
            words.append(labels[str(item)])
        elif _is_number(item):
            words.append(_number_words(item))
        else:
            words.append(f"“{item}”")
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe_miss(
    condition: dict,
    lead: Mapping[str, Any],
    questions: Mapping[str, QuestionInput] | None = None,
) -> str:
    """Why a condition does not hold for a lead, in words: "Company size is 11–50, not one of
    201–1,000 or More than 1,000", "UTM source is not set", "Score is 41, below 80".

    Speaks as ``describe`` does; call it for a condition ``condition_holds`` found false.
    """
    source, key = condition.get("source"), condition.get("key", "")
    question = (questions or {}).get(key) if source == "answer" else None
    subject = _subject(source, key, question)
    name, value = condition.get("operator"), condition.get("value")
    actual = field_value(source, key, lead)
    answered = "answered" if source == "answer" else "set"
    if name not in OPERATORS or source not in SOURCES:
        return f"{describe(condition, questions)}: a condition this version cannot read"
    if name == "is_set":
        return f"{subject} is {'answered' if is_set(actual) else 'not ' + answered}"
    if name == "email_domain_kind":
        kind = _email_domain_kind(actual)
        return f"{subject} {EMAIL_KIND_WORDS.get(kind, kind)}, not {value_kind_words(value)}"
    if not is_set(actual):
        return f"{subject} is not {answered}"
    is_words = f"{subject} {'are' if isinstance(actual, list) and len(actual) > 1 else 'is'}"
    values = _value_words(condition, question)
    missing = {
        "equals": f"not {values}",
        "not_equals": "which this rule leaves out",
        "in": f"not one of {values}" if len(_options(value)) > 1 else f"not {values}",
        "gte": f"below {values}",
        "lte": f"above {values}",
        "contains": f"which does not contain {values}",
    }[name]
    return f"{is_words} {_actual_words(condition, actual, question)}, {missing}"


def value_kind_words(kind: Any) -> str:
    """An e-mail domain kind as a person says it: "a business address"."""
    return EMAIL_KIND_WORDS.get(kind, f"is a {kind} address").removeprefix("is ")
