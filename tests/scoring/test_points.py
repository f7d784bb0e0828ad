import pytest

from scoring.points import points_breakdown, points_score, rule_fires, validate_rule

LEAD = {
    "answers": {
        "timeline": "Within_1_month",
        "size": "250",
        "topics": ["pricing", "security"],
        "consent": False,
        "email": "ann@acme.io",
        "notes": "We need SSO next quarter",
        "empty": "",
    },
    "capture": {"utm_source": "google", "page_views": 7, "key_pages": ["/pricing"]},
}


def rule(operator, value=None, *, key="timeline", source="answer", points=10):
    r = {"source": source, "key": key, "operator": operator, "points": points}
    if value is not None:
        r["value"] = value
    return r


@pytest.mark.parametrize(
    ("r", "fires"),
    [
        (rule("equals", "within_1_month"), True),
        (rule("equals", "no_plans"), False),
        (rule("equals", "security", key="topics"), True),
        (rule("equals", 250, key="size"), True),
        (rule("equals", False, key="consent"), True),
        (rule("not_equals", "no_plans"), True),
        (rule("not_equals", "within_1_month"), False),
        (rule("not_equals", "x", key="missing"), False),
        (rule("in", ["no_plans", "within_1_month"]), True),
        (rule("in", ["careers", "security"], key="topics"), True),
        (rule("in", ["careers"], key="topics"), False),
        (rule("gte", 250, key="size"), True),
        (rule("gte", 251, key="size"), False),
        (rule("lte", 7, key="page_views", source="capture"), True),
        (rule("lte", 6, key="page_views", source="capture"), False),
        (rule("gte", 1, key="notes"), False),
        (rule("gte", 1, key="missing"), False),
        (rule("contains", "sso", key="notes"), True),
        (rule("contains", "/pricing", key="key_pages", source="capture"), True),
        (rule("contains", "/demo", key="key_pages", source="capture"), False),
        (rule("is_set", key="notes"), True),
        (rule("is_set", key="consent"), True),
        (rule("is_set", key="empty"), False),
        (rule("is_set", False, key="empty"), True),
        (rule("email_domain_kind", "business", key="email"), True),
        (rule("email_domain_kind", "free", key="email"), False),
        (rule("email_domain_kind", "none", key="missing"), True),
    ],
)
def test_each_operator(r, fires):
    assert rule_fires(validate_rule(r), LEAD) is fires


def test_points_add_up_and_are_clipped_to_0_100():
    assert points_score([rule("equals", "within_1_month", points=30)] * 2, LEAD) == 60
    assert points_score([rule("equals", "within_1_month", points=70)] * 2, LEAD) == 100
    assert points_score([rule("equals", "within_1_month", points=-20)], LEAD) == 0
    assert points_score([], LEAD) == 0


def test_the_breakdown_names_the_rules_that_fired():
    rules = [
        rule("equals", "within_1_month", points=30) | {"label": "Buying this month"},
        rule("equals", "no_plans", points=50),
        rule("gte", 100, key="size", points=15) | {"id": "r3"},
    ]

    assert points_breakdown(rules, LEAD) == [
        {"rule": 0, "id": None, "label": "Buying this month", "points": 30},
        {"rule": 2, "id": "r3", "label": "size is at least 100", "points": 15},
    ]


@pytest.mark.parametrize(
    ("r", "message"),
    [
        ("nope", "a rule must be a dict"),
        (rule("equals", "x") | {"colour": "red"}, "unknown fields: colour"),
        ({"source": "answer", "key": "k", "operator": "equals"}, "missing 'points'"),
        (rule("equals", "x", source="cookie"), "source must be one of answer, capture"),
        (rule("equals", "x", key=" "), "key must be a non-empty string"),
        (rule("matches", "x"), "operator must be one of"),
        (rule("equals", "x", points=2.5), "points must be an integer"),
        (rule("equals", "x", points=True), "points must be an integer"),
        (rule("equals", "x", points=5000), "within ±1000"),
        (rule("in", "x"), "'in' needs a non-empty list"),
        (rule("in", []), "'in' needs a non-empty list"),
        (rule("gte", "ten"), "'gte' needs a number"),
        (rule("lte"), "'lte' needs a number"),
        (rule("email_domain_kind", "gmail"), "business, free, none"),
        (rule("is_set", "yes"), "'is_set' takes true, false or no value"),
        (rule("equals"), "'equals' needs a single value"),
        (rule("contains", ["a"]), "'contains' needs a single value"),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(r, message):
    with pytest.raises(ValueError, match=message):
        validate_rule(r)


def test_scoring_refuses_an_invalid_rule():
    with pytest.raises(ValueError, match="operator must be one of"):
        points_score([rule("matches", "x")], LEAD)
