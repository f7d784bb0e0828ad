"""Every question kind renders and validates on the server, good input and bad."""

import pytest

from forms_app.capture.answer_form import form_class_for
from forms_app.models import Question

K = Question.Kind
SIZES = [{"value": "small", "label": "1–10"}, {"value": "large", "label": "11+"}]

KIND_CASES = [
    # kind, options, good input, stored answer, bad input, expected error fragment
    (K.SHORT_TEXT, {"max_length": 10}, "Ada", "Ada", "x" * 11, "at most 10 characters"),
    (K.LONG_TEXT, {"min_length": 5}, "Hello there", "Hello there", "Hi", "at least 5 characters"),
    (K.EMAIL, {}, "ada@example.com", "ada@example.com", "not-an-email", "valid email"),
    (K.PHONE, {}, "+44 20 7946 0958", "+44 20 7946 0958", "call me", "phone number"),
    (K.NUMBER, {"min_value": 1, "max_value": 500}, "42", 42, "501", "less than or equal to 500"),
    (K.SINGLE_CHOICE, {"choices": SIZES}, "small", "small", "medium", "Select a valid choice"),
    (K.DROPDOWN, {"choices": SIZES}, "large", "large", "huge", "Select a valid choice"),
    (
        K.MULTIPLE_CHOICE,
        {"choices": SIZES},
        ["small", "large"],
        ["small", "large"],
        ["x"],
        "Select a valid choice",
    ),
    (K.CONSENT, {}, "on", True, "", "This field is required"),
]


@pytest.mark.parametrize(("kind", "options", "good", "stored", "bad", "error"), KIND_CASES)
def test_each_kind_accepts_good_input_and_names_the_problem_with_bad(
    make_form, kind, options, good, stored, bad, error
):
    form = make_form(("The question", kind, {"required": True, **options}))
    form_class = form_class_for(form)

    accepted = form_class({"the_question": good})
    assert accepted.is_valid(), accepted.errors
    assert accepted.answers() == {"the_question": stored}

    refused = form_class({"the_question": bad})
    assert not refused.is_valid()
    assert error in " ".join(refused.errors["the_question"])


@pytest.mark.parametrize("kind", [k for k, *_ in KIND_CASES])
def test_a_required_question_left_blank_is_refused(make_form, kind):
    options = {"choices": SIZES} if kind in Question.CHOICE_KINDS else {}
    form = make_form(("Needed", kind, {"required": True, **options}))
    refused = form_class_for(form)({})
    assert not refused.is_valid()
    assert "This field is required." in refused.errors["needed"]


def test_optional_questions_left_blank_are_not_stored(make_form):
    form = make_form(("Phone", K.PHONE, {}), ("Employees", K.NUMBER, {}))
    answer_form = form_class_for(form)({"phone": "", "employees": ""})
    assert answer_form.is_valid()
    assert answer_form.answers() == {}


def test_number_rejects_values_that_are_not_finite_numbers(make_form):
    form = make_form(("Employees", K.NUMBER, {}))
    for bad in ("nan", "inf", "12abc"):
        assert not form_class_for(form)({"employees": bad}).is_valid()


def test_hidden_field_is_never_required_and_renders_hidden(make_form):
    form = make_form(("Campaign", K.HIDDEN, {"required": True, "url_parameter": "utm_campaign"}))
    answer_form = form_class_for(form)({})
    assert answer_form.is_valid()
    assert 'type="hidden"' in str(answer_form["campaign"])


def test_every_kind_renders_its_widget(make_form):
    form = make_form(*[(f"Q {kind}", kind, options) for kind, options, *_ in KIND_CASES])
    html = str(form_class_for(form)())
    for fragment in (
        'type="text"',
        "<textarea",
        'type="email"',
        'type="tel"',
        'type="number"',
        'type="radio"',
        "<select",
        'type="checkbox"',
    ):
        assert fragment in html


def test_the_key_stays_when_the_label_changes(make_form):
    form = make_form(("Company size", K.DROPDOWN, {"choices": SIZES}))
    question = form.questions.get()
    assert question.key == "company_size"

    question.label = "How many people work at your company?"
    question.save()
    question.refresh_from_db()
    assert question.key == "company_size"


def test_keys_are_unique_within_a_form(make_form):
    form = make_form(("Name", K.SHORT_TEXT, {}), ("Name", K.SHORT_TEXT, {}))
    assert [q.key for q in form.questions.all()] == ["name", "name_2"]


def test_choice_values_are_given_once_and_kept_when_labels_change(make_form):
    form = make_form(("Plan", K.SINGLE_CHOICE, {"choices": ["Starter plan", "Pro plan"]}))
    question = form.questions.get()
    assert [c["value"] for c in question.choices] == ["starter_plan", "pro_plan"]

    question.choices[0]["label"] = "Basic"
    question.save()
    question.refresh_from_db()
    assert question.choices[0] == {"value": "starter_plan", "label": "Basic"}


def test_the_form_class_is_rebuilt_when_questions_change(make_form):
    form = make_form(("Name", K.SHORT_TEXT, {}))
    first = form_class_for(form)
    assert form_class_for(form) is first

    form.questions.create(label="Company", kind=K.SHORT_TEXT, position=1)
    form.refresh_from_db()
    rebuilt = form_class_for(form)
    assert rebuilt is not first
    assert list(rebuilt.base_fields) == ["name", "company"]
