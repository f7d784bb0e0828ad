"""Conditions built by picking: which operators fit a subject, values checked against the
question's choices, and why a condition does not hold, in words (scoring.conditions, pure)."""

import pytest

from scoring.conditions import (
    InvalidCondition,
    condition_fit,
    condition_holds,
    condition_problem,
    describe_miss,
    operators_for,
    subject_kind,
)
from scoring.features import QuestionInput

SIZE = QuestionInput(
    "company_size",
    "Company size",
    "single_choice",
    choices=(
        ("1_10", "1–10"),
        ("11_50", "11–50"),
        ("201_1000", "201–1,000"),
        ("1000_plus", "More than 1,000"),
    ),
)
SEATS = QuestionInput("seats", "Seats", "number")
EMAIL = QuestionInput("email", "Work e-mail", "email")
QUESTIONS = {q.key: q for q in (SIZE, SEATS, EMAIL)}


def size_in(*values):
    return {"source": "answer", "key": "company_size", "operator": "in", "value": list(values)}


def test_each_subject_is_offered_only_the_operators_that_fit_it():
    names = lambda kind: [op.name for op in operators_for(kind)]  # noqa: E731
    assert names(subject_kind("answer", "company_size", SIZE)) == [
        "equals", "not_equals", "in", "is_set"
    ]  # fmt: skip
    assert names(subject_kind("answer", "seats", SEATS)) == [
        "equals", "not_equals", "gte", "lte", "is_set"
    ]  # fmt: skip
    assert "email_domain_kind" in names(subject_kind("answer", "email", EMAIL))
    assert subject_kind("capture", "page_views") == "number"
    assert subject_kind("capture", "utm_source") == "text"
    assert subject_kind("tier", "") == "choice"
    assert [op.name for op in operators_for("choice", ("equals", "in", "gte"))] == [
        "equals",
        "in",
    ]


def test_picked_choices_are_kept_as_values_and_labels_become_values():
    assert condition_fit(size_in("201_1000", "1000_plus"), SIZE)["value"] == [
        "201_1000",
        "1000_plus",
    ]
    # A label with a comma is one choice, never two.
    assert condition_fit(size_in("201–1,000"), SIZE)["value"] == ["201_1000"]
    single = {"source": "answer", "key": "company_size", "operator": "equals", "value": "11–50"}
    assert condition_fit(single, SIZE)["value"] == "11_50"


def test_a_value_that_is_not_a_choice_is_refused_naming_it_and_the_choices():
    with pytest.raises(InvalidCondition) as error:
        condition_fit(size_in("201_1000", "201-1000"), SIZE)
    assert str(error.value) == (
        "“Company size” has no choice “201-1000”; pick from “1–10”, “11–50”, “201–1,000” or"
        " “More than 1,000”."
    )


def test_a_number_operator_on_a_choice_question_is_refused():
    at_least = {"source": "answer", "key": "company_size", "operator": "gte", "value": 200}
    with pytest.raises(InvalidCondition, match="“Company size” is a choice question"):
        condition_fit(at_least, SIZE)


def test_a_condition_on_a_question_the_form_does_not_have_is_refused():
    with pytest.raises(InvalidCondition, match="This form has no question “budget”"):
        condition_fit({"source": "answer", "key": "budget", "operator": "is_set"}, None)


def test_a_rule_saved_before_picking_still_checks_its_comma_separated_values():
    legacy = {"source": "answer", "key": "company_size", "operator": "in", "value": "1_10, 11_50"}
    assert condition_fit(legacy, SIZE)["value"] == ["1_10", "11_50"]
    assert condition_holds(legacy, {"answers": {"company_size": "11_50"}})


@pytest.mark.parametrize(
    ("condition", "lead", "words"),
    [
        (
            size_in("201_1000", "1000_plus"),
            {"answers": {"company_size": "11_50"}},
            "Company size is 11–50, not one of 201–1,000 or More than 1,000",
        ),
        (
            size_in("201_1000"),
            {"answers": {"company_size": "11_50"}},
            "Company size is 11–50, not 201–1,000",
        ),
        (size_in("201_1000"), {"answers": {}}, "Company size is not answered"),
        (
            {"source": "capture", "key": "utm_source", "operator": "in", "value": ["google"]},
            {"capture": {}},
            "UTM source is not set",
        ),
        (
            {"source": "capture", "key": "utm_source", "operator": "equals", "value": "google"},
            {"capture": {"utm_source": "newsletter"}},
            "UTM source is “newsletter”, not google",
        ),
        (
            {"source": "score", "operator": "gte", "value": 80},
            {"score": 41},
            "Score is 41, below 80",
        ),
        (
            {"source": "answer", "key": "seats", "operator": "lte", "value": 10},
            {"answers": {"seats": 25}},
            "Seats is 25, above 10",
        ),
        (
            {"source": "tier", "operator": "in", "value": ["sales_ready"]},
            {"tier": "nurture"},
            "Tier is Nurture, not Sales-ready",
        ),
        (
            {
                "source": "answer",
                "key": "email",
                "operator": "email_domain_kind",
                "value": "business",
            },
            {"answers": {"email": "ada@gmail.com"}},
            "Work e-mail is a free mailbox address, not a business address",
        ),
        (
            {"source": "answer", "key": "seats", "operator": "is_set"},
            {"answers": {}},
            "Seats is not answered",
        ),
    ],
)
def test_why_a_condition_does_not_hold_reads_as_a_sentence(condition, lead, words):
    assert not condition_holds(condition, lead)
    assert describe_miss(condition, lead, QUESTIONS) == words


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (["201_1000", "1000_plus"], ""),
        ("201_1000, 1000_plus", ""),  # saved before picking, read as two values: fine
        (
            ["201–1,000", "More than 1,000"],
            "“Company size” is compared with the label “201–1,000”, not its stored value, so it"
            " never matches: open the rule and pick the choice again.",
        ),
        (
            "201–1,000, More than 1,000",  # the comma split the label: "201–1" and "000"
            "“Company size” has no choice “201–1”; pick from “1–10”, “11–50”, “201–1,000” or"
            " “More than 1,000”.",
        ),
    ],
)
def test_a_stored_condition_that_can_never_match_says_why(value, problem):
    condition = {"source": "answer", "key": "company_size", "operator": "in", "value": value}
    assert condition_problem(condition, SIZE) == problem
