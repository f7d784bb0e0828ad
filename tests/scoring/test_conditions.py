"""The one condition language: every operator on every source, its checks and its sentences."""

import pytest

from forms_app.models import Lead
from scoring.conditions import (
    OPERATORS,
    TIER_LABELS,
    InvalidCondition,
    condition_check,
    condition_holds,
    condition_shape_check,
    conditions_hold,
    describe,
    questions_by_key,
    show_when_condition,
    value_from_text,
)
from scoring.features import QuestionInput

LEAD = {
    "answers": {
        "timeline": "Within_1_month",
        "size": "250",
        "seats": 40,
        "budget": "over_50k",
        "topics": ["pricing", "security"],
        "consent": False,
        "agreed": True,
        "email": "ann@acme.io",
        "notes": "We need SSO next quarter",
        "padded": "  Google ",
        "empty": "",
        "blank": "   ",
        "none": [],
        "revenue": "1,000",
        "odd": "nan",
        "huge": "inf",
    },
    "capture": {"utm_source": "google", "page_views": 7, "key_pages": ["/pricing", "/docs"]},
    "tier": "sales_ready",
    "score": 82,
}


def holds(source, operator, value=None, key="", lead=LEAD):
    condition = {"source": source, "key": key, "operator": operator}
    if value is not None:
        condition["value"] = value
    return condition_holds(condition, lead)


# --- equals / not_equals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("answer", "timeline", "within_1_month", True),  # case-insensitive
        ("answer", "timeline", " WITHIN_1_MONTH ", True),  # stripped
        ("answer", "padded", "google", True),
        ("answer", "timeline", "later", False),
        ("answer", "topics", "security", True),  # a list: one of the selected
        ("answer", "topics", "careers", False),
        ("answer", "size", 250, True),  # a number in the rule: the answer read as a number
        ("answer", "size", 250.0, True),
        ("answer", "size", "250", True),
        ("answer", "size", "250.0", False),  # text in the rule: compared as text
        ("answer", "seats", "40", True),  # a number answer and a typed value (routing)
        ("answer", "seats", 40, True),
        ("answer", "seats", "40.0", False),
        ("answer", "notes", 5, False),  # text that is no number never equals one
        ("answer", "consent", False, True),
        ("answer", "agreed", "true", True),  # a given consent reads as "true"
        ("answer", "missing", "x", False),
        ("answer", "empty", "", False),  # a field that is not set equals nothing
        ("capture", "utm_source", "Google", True),
        ("capture", "page_views", 7, True),
        ("capture", "utm_source", "ads", False),
        ("tier", "", "sales_ready", True),
        ("tier", "", "nurture", False),
        ("score", "", "82", True),
        ("score", "", 82, True),
        ("score", "", "80", False),
    ],
)
def test_equals_compares_numbers_numerically_and_text_as_text(source, key, value, expected):
    assert holds(source, "equals", value, key) is expected


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("answer", "timeline", "later", True),
        ("answer", "timeline", "within_1_month", False),
        ("answer", "topics", "security", False),
        ("answer", "missing", "x", False),  # only a set field can differ
        ("capture", "utm_source", "ads", True),
        ("tier", "", "nurture", True),
        ("score", "", 82, False),
    ],
)
def test_not_equals_holds_for_a_set_field_that_differs(source, key, value, expected):
    assert holds(source, "not_equals", value, key) is expected


# --- in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("answer", "timeline", ["no_plans", "within_1_month"], True),
        ("answer", "timeline", "soon, Within_1_month", True),  # comma-separated, as routing keeps
        ("answer", "timeline", "soon, later", False),
        ("answer", "topics", ["careers", "security"], True),
        ("answer", "topics", ["careers"], False),
        ("answer", "seats", "10, 40", True),
        ("answer", "size", [100, 250], True),
        ("answer", "missing", ["x"], False),
        ("answer", "timeline", [], False),
        ("capture", "utm_source", ["DE", "GOOGLE"], True),
        ("capture", "key_pages", ["/demo", "/docs"], True),
        ("tier", "", ["sales_ready", "marketing_qualified"], True),
        ("tier", "", ["nurture"], False),
        ("score", "", ["80", "82"], True),
    ],
)
def test_in_holds_when_the_value_is_one_of_the_list(source, key, value, expected):
    assert holds(source, "in", value, key) is expected


# --- gte / lte ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "operator", "key", "value", "expected"),
    [
        ("answer", "gte", "size", 250, True),
        ("answer", "gte", "size", 251, False),
        ("answer", "lte", "size", "250", True),  # a typed value (routing)
        ("answer", "gte", "seats", " 40 ", True),
        ("answer", "gte", "seats", "4e1", True),
        ("answer", "lte", "seats", 39.99, False),
        ("answer", "gte", "notes", 1, False),  # text is no number
        ("answer", "gte", "revenue", 1, False),  # "1,000" is not a number, as before
        ("answer", "lte", "odd", 1, False),  # nor "nan"
        ("answer", "gte", "huge", 1, False),  # nor "inf"
        ("answer", "gte", "agreed", 0, False),  # nor a consent
        ("answer", "gte", "topics", 0, False),  # nor a list
        ("answer", "gte", "missing", 0, False),
        ("answer", "gte", "seats", "lots", False),  # a rule value that is no number never holds
        ("capture", "lte", "page_views", 7, True),
        ("capture", "lte", "page_views", 6, False),
        ("tier", "gte", "", 1, False),
        ("score", "gte", "", 82, True),
        ("score", "gte", "", "82.5", False),
        ("score", "lte", "", 82, True),
    ],
)
def test_gte_and_lte_compare_numbers(source, operator, key, value, expected):
    assert holds(source, operator, value, key) is expected


def test_numbers_compare_exactly_not_as_floats():
    lead = {"answers": {"amount": "0.30000000000000001"}}
    assert condition_holds(
        {"source": "answer", "key": "amount", "operator": "gte", "value": "0.3"}, lead
    )
    assert not condition_holds(
        {"source": "answer", "key": "amount", "operator": "lte", "value": "0.3"}, lead
    )


# --- contains, is_set, email_domain_kind -------------------------------------------------


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("answer", "notes", "sso", True),
        ("answer", "notes", " SSO ", True),
        ("answer", "notes", "saml", False),
        ("answer", "topics", "security", True),  # a list: one item equals it
        ("answer", "topics", "secu", False),
        ("answer", "seats", "4", True),
        ("answer", "missing", "x", False),
        ("capture", "key_pages", "/pricing", True),
        ("capture", "key_pages", "/demo", False),
        ("tier", "", "ready", True),
        ("score", "", "8", True),
    ],
)
def test_contains_finds_text_or_an_item(source, key, value, expected):
    assert holds(source, "contains", value, key) is expected


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("answer", "notes", None, True),
        ("answer", "notes", True, True),
        ("answer", "consent", None, True),  # a refused consent is an answer
        ("answer", "empty", None, False),
        ("answer", "blank", None, False),
        ("answer", "none", None, False),
        ("answer", "missing", None, False),
        ("answer", "empty", False, True),
        ("answer", "notes", False, False),
        ("capture", "utm_source", None, True),
        ("capture", "utm_medium", False, True),
        ("tier", "", None, True),
        ("score", "", None, True),
        ("score", "", False, False),
    ],
)
def test_is_set_holds_for_a_field_with_a_value(source, key, value, expected):
    assert holds(source, "is_set", value, key) is expected


def test_is_set_reads_a_lead_without_a_score_as_unset():
    assert holds("score", "is_set", False, lead={"score": None})


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("answer", "email", "business", True),
        ("answer", "email", "free", False),
        ("answer", "missing", "none", True),
        ("answer", "notes", "none", True),
        ("capture", "utm_source", "none", True),
        ("tier", "", "none", True),
    ],
)
def test_email_domain_kind_reads_the_address(source, key, value, expected):
    assert holds(source, "email_domain_kind", value, key) is expected


def test_a_free_mailbox_is_free():
    lead = {"answers": {"email": "ann@gmail.com"}}
    assert condition_holds(
        {"source": "answer", "key": "email", "operator": "email_domain_kind", "value": "free"},
        lead,
    )


# --- reading leads -----------------------------------------------------------------------


def test_an_unknown_source_or_operator_never_holds():
    assert not holds("cookie", "equals", "x", "timeline")
    assert not holds("answer", "matches", "x", "timeline")


def test_a_lead_without_answers_or_capture_is_read_as_empty():
    empty = {"answers": None, "capture": None}
    assert not condition_holds(
        {"source": "answer", "key": "a", "operator": "in", "value": ["x"]}, empty
    )
    assert condition_holds(
        {"source": "capture", "key": "c", "operator": "is_set", "value": False}, empty
    )


def test_a_malformed_condition_raises_so_routing_can_say_it_failed():
    with pytest.raises(AttributeError):
        condition_holds(["not", "a", "condition"], LEAD)


def test_every_condition_must_hold_and_none_means_every_lead():
    tier = {"source": "tier", "operator": "in", "value": ["sales_ready"]}
    score = {"source": "score", "operator": "gte", "value": 90}
    assert conditions_hold([], LEAD)
    assert conditions_hold([tier], LEAD)
    assert not conditions_hold([tier, score], LEAD)


def test_a_show_when_condition_is_an_answer_in_its_values():
    show_when = {"question": "timeline", "values": ["now", "later"]}

    condition = show_when_condition(show_when)

    assert condition == {
        "source": "answer",
        "key": "timeline",
        "operator": "in",
        "value": ["now", "later"],
    }
    assert condition_holds(condition, {"answers": {"timeline": ["later"]}})
    assert not condition_holds(condition, {"answers": {"timeline": [""]}})
    assert not condition_holds(
        show_when_condition({"question": "timeline"}), {"answers": {"timeline": "now"}}
    )


# --- checking and typing values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("nope", "a condition must be a dict"),
        ({"source": "cookie", "key": "k", "operator": "equals"}, "source must be one of"),
        ({"source": "answer", "key": " ", "operator": "equals"}, "key must be a non-empty string"),
        ({"source": "capture", "operator": "equals"}, "key must be a non-empty string"),
        ({"source": "answer", "key": "k", "operator": "matches"}, "operator must be one of"),
    ],
)
def test_a_malformed_shape_is_refused_with_the_field_and_the_problem(condition, message):
    with pytest.raises(InvalidCondition, match=message):
        condition_shape_check(condition)


def test_tier_and_score_need_no_key():
    assert condition_shape_check({"source": "score", "key": "", "operator": "gte", "value": 1})
    assert condition_shape_check({"source": "tier", "operator": "in", "value": "nurture"})


def test_a_caller_offers_only_some_sources_and_operators():
    condition = {"source": "tier", "key": "", "operator": "contains", "value": "x"}
    with pytest.raises(InvalidCondition, match="source must be one of answer, capture"):
        condition_shape_check(condition, sources=("answer", "capture"))
    with pytest.raises(InvalidCondition, match="operator must be one of equals, in"):
        condition_shape_check(condition, operators=("equals", "in"))


@pytest.mark.parametrize(
    ("operator", "value", "message"),
    [
        ("equals", None, "'equals' needs a single value"),
        ("not_equals", ["a"], "'not_equals' needs a single value"),
        ("contains", {"a": 1}, "'contains' needs a single value"),
        ("in", "a, b", "'in' needs a non-empty list"),
        ("in", [], "'in' needs a non-empty list"),
        ("gte", "10", "'gte' needs a number"),
        ("lte", float("nan"), "'lte' needs a number"),
        ("gte", True, "'gte' needs a number"),
        ("is_set", "yes", "'is_set' takes true, false or no value"),
        ("email_domain_kind", "gmail", "business, free, none"),
    ],
)
def test_a_value_that_does_not_fit_its_operator_is_refused(operator, value, message):
    condition = {"source": "answer", "key": "k", "operator": operator, "value": value}
    with pytest.raises(InvalidCondition, match=message):
        condition_check(condition)


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("equals", "x"),
        ("equals", 3),
        ("in", ["a"]),
        ("gte", 2.5),
        ("is_set", None),
        ("is_set", False),
        ("email_domain_kind", "none"),
    ],
)
def test_a_value_that_fits_its_operator_is_accepted(operator, value):
    condition = {"source": "answer", "key": "k", "operator": operator, "value": value}
    assert condition_check(condition) is condition


@pytest.mark.parametrize(
    ("operator", "text", "value"),
    [
        ("equals", " Later ", "Later"),
        ("equals", "", None),
        ("contains", "sso", "sso"),
        ("in", "Right now\n later\n\n", ["Right now", "later"]),
        ("in", "201–1,000\nMore than 1,000", ["201–1,000", "More than 1,000"]),  # no comma split
        ("gte", "10000", 10000),
        ("gte", "1e3", 1000),
        ("lte", " 2.5 ", 2.5),
        ("is_set", "", None),
        ("is_set", "Yes", None),
        ("is_set", "false", False),
        ("email_domain_kind", "free", "free"),
    ],
)
def test_a_typed_value_becomes_the_operators_value(operator, text, value):
    assert value_from_text(operator, text) == value


@pytest.mark.parametrize(
    ("operator", "text", "message"),
    [
        ("gte", "lots", "This condition needs a number; got “lots”."),
        ("lte", "1,000", "This condition needs a number; got “1,000”."),
        ("email_domain_kind", "gmail", "Write one of: business, free, none."),
    ],
)
def test_a_typed_value_that_cannot_be_one_says_what_to_type(operator, text, message):
    with pytest.raises(InvalidCondition) as error:
        value_from_text(operator, text)
    assert str(error.value) == message


# --- describing --------------------------------------------------------------------------

QUESTIONS = questions_by_key(
    [
        QuestionInput(
            key="budget",
            label="Budget",
            kind="single_choice",
            choices=(("c_10k50k", "10k–50k"), ("over_50k", "Over 50k"), ("under_10k", "Under 10k")),
        ),
        QuestionInput(key="company_size", label="Company size", kind="number"),
        QuestionInput(key="work_email", label="E-mail", kind="email"),
        QuestionInput(key="notes", label="Anything else?", kind="long_text"),
        QuestionInput(
            key="topics",
            label="Topics",
            kind="multiple_choice",
            choices=(("pricing", "Pricing"), ("security", "Security")),
        ),
    ]
)


def sentence(source, operator, value=None, key=""):
    return describe({"source": source, "key": key, "operator": operator, "value": value}, QUESTIONS)


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (("answer", "in", ["c_10k50k", "over_50k"], "budget"), "Budget is 10k–50k or Over 50k"),
        (
            ("answer", "in", "c_10k50k, over_50k, under_10k", "budget"),
            "Budget is 10k–50k, Over 50k or Under 10k",
        ),
        (("answer", "equals", "over_50k", "budget"), "Budget is Over 50k"),
        (("answer", "not_equals", "under_10k", "budget"), "Budget is not Under 10k"),
        (("answer", "contains", "security", "topics"), "Topics contains Security"),
        (("answer", "gte", 200, "company_size"), "Company size is at least 200"),
        (("answer", "lte", 1000.0, "company_size"), "Company size is at most 1000"),
        (("answer", "gte", 2.5, "company_size"), "Company size is at least 2.5"),
        (("answer", "gte", "50", "company_size"), "Company size is at least 50"),
        (("tier", "in", ["sales_ready"]), "Tier is Sales-ready"),
        (
            ("tier", "in", ["sales_ready", "marketing_qualified"]),
            "Tier is Sales-ready or Marketing-qualified",
        ),
        (("score", "gte", 80), "Score is at least 80"),
        (("score", "lte", 59), "Score is at most 59"),
        (("capture", "equals", "google", "utm_source"), "UTM source is google"),
        (("capture", "in", "google, linkedin", "utm_source"), "UTM source is google or linkedin"),
        (("capture", "contains", "/pricing", "key_pages"), "Key pages visited contains /pricing"),
        (("capture", "gte", 30, "seconds_to_complete"), "Seconds to complete is at least 30"),
        (("capture", "equals", "de", "country"), "Country is de"),
        (("answer", "email_domain_kind", "business", "work_email"), "E-mail is a business address"),
        (("answer", "email_domain_kind", "free", "work_email"), "E-mail is a free mailbox address"),
        (("answer", "email_domain_kind", "none", "work_email"), "E-mail is not a valid address"),
        (("answer", "is_set", None, "notes"), "Anything else? is answered"),
        (("answer", "is_set", False, "notes"), "Anything else? is not answered"),
        (("capture", "is_set", True, "utm_campaign"), "UTM campaign is set"),
        (("capture", "is_set", False, "utm_campaign"), "UTM campaign is not set"),
    ],
)
def test_a_condition_reads_in_the_questions_and_choices_own_words(condition, text):
    assert sentence(*condition) == text


def test_without_its_question_an_answer_is_named_by_its_key_and_value():
    assert describe(
        {"source": "answer", "key": "budget", "operator": "in", "value": ["over_50k"]}
    ) == ("budget is over_50k")
    assert sentence("answer", "equals", "gold", "plan") == "plan is gold"


def test_a_value_that_is_no_longer_a_choice_reads_as_stored():
    assert (
        sentence("answer", "in", ["over_50k", "retired"], "budget")
        == "Budget is Over 50k or retired"
    )


def test_a_show_when_condition_reads_like_any_other():
    show_when = show_when_condition({"question": "budget", "values": ["over_50k", "c_10k50k"]})

    assert describe(show_when, QUESTIONS) == "Budget is Over 50k or 10k–50k"


def test_the_tiers_are_named_as_leads_name_them():
    assert dict(Lead.Tier.choices) == TIER_LABELS


def test_every_operator_has_a_sentence_without_operator_names():
    codes = {"equals", "not_equals", "in", "gte", "lte", "is_set", "email_domain_kind"}
    for name in OPERATORS:
        text = sentence("answer", name, "x", "notes")
        assert text.startswith("Anything else? ") and not codes & set(text.split())
